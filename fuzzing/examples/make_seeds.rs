//! Writes the seed corpus of every fuzz target to `fuzz/seeds/<target>/`: a few small, valid
//! inputs of each format (at the **insecure** `TOY` set and the fuzzing-only `MICRO` sets, from
//! fixed seeds, so the output is reproducible) and some cut short. Files named `regression-*`
//! (inputs that once crashed a target) are kept; every other file is rewritten.
//!
//! ```sh
//! cargo run -p she-fuzzing --example make_seeds
//! ```
//!
//! Run it again whenever a file format changes; `cargo test -p she-fuzzing` replays the seeds.

use she_fuzzing::{log_evaluation, LogFacts, MICRO, MICRO32};
use she_nn::ciphertexts::EncryptedLogits;
use she_nn::cli::eval_log::{ImageRecord, LogWriter, SampleFacts};
use she_nn::client::ClientKey;
use she_nn::data::mnist::{write_idx_images, write_idx_labels, Images};
use she_nn::model::format::write_model;
use she_nn::model::{BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, Pool2d, Relu, Shape};
use she_nn::quantize::WeightCode;
use std::io::Write;
use std::path::{Path, PathBuf};
use tfhe_core::keys::SecretKeys;
use tfhe_core::params::TOY;
use tfhe_core::serialization::{write_evaluation_keys, write_lwe_ciphertext, write_secret_keys};
use torus::{Csprng, EncryptionRng, Seed, Torus};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        eprintln!("make_seeds: {e}");
        std::process::exit(1);
    }
}

/// The seeds of one target, written by [`Seeds::add`].
struct Seeds {
    dir: PathBuf,
    bytes: u64,
}

impl Seeds {
    /// Empties `fuzz/seeds/<target>/` of everything but regression inputs.
    fn new(root: &Path, target: &str) -> Result<Self> {
        let dir = root.join("fuzz/seeds").join(target);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.starts_with("regression-") {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(Self { dir, bytes: 0 })
    }

    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        std::fs::write(self.dir.join(name), bytes)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// `bytes`, and the same cut to its first `cut` bytes.
    fn add_with_cut(&mut self, name: &str, bytes: &[u8], cut: usize) -> Result<()> {
        self.add(name, bytes)?;
        self.add(&format!("{name}.cut{cut}"), &bytes[..cut.min(bytes.len())])
    }
}

fn weights(n: usize, values: &[i64]) -> Vec<WeightCode> {
    (0..n)
        .map(|i| WeightCode::from_value(values[i % values.len()]).expect("valid weights"))
        .collect()
}

/// Small models that use every layer kind.
fn models() -> Vec<(&'static str, Model)> {
    let input = |channels, side, bits| InputSpec {
        shape: Shape {
            channels,
            height: side,
            width: side,
        },
        bits,
    };
    vec![
        (
            "dense.model",
            Model {
                name: "dense".into(),
                input: input(1, 2, 4),
                layers: vec![
                    Layer::Flatten,
                    Layer::Dense(Dense {
                        inputs: 4,
                        outputs: 3,
                        weights: weights(12, &[1, -2, 0, 4]),
                    }),
                ],
            },
        ),
        (
            "every-layer.model",
            Model {
                name: "every layer".into(),
                input: input(1, 4, 5),
                layers: vec![
                    Layer::Conv2d(Conv2d {
                        in_channels: 1,
                        out_channels: 2,
                        kernel: 3,
                        stride: 1,
                        padding: 1,
                        weights: weights(18, &[1, -2, 0, 4, -16]),
                    }),
                    Layer::BatchNorm(BatchNorm {
                        shift: vec![3, 1],
                        bias: vec![-5, 7],
                    }),
                    Layer::Relu(Relu { bits: 4 }),
                    Layer::MaxPool2d(Pool2d { size: 2, stride: 2 }),
                    Layer::SumPool2d(Pool2d { size: 2, stride: 1 }),
                    Layer::Flatten,
                    Layer::Dense(Dense {
                        inputs: 2,
                        outputs: 3,
                        weights: weights(6, &[-1, 2, 8]),
                    }),
                ],
            },
        ),
        (
            "conv-bn-relu.model",
            Model {
                name: "conv".into(),
                input: input(2, 3, 8),
                layers: vec![
                    Layer::Conv2d(Conv2d {
                        in_channels: 2,
                        out_channels: 1,
                        kernel: 2,
                        stride: 1,
                        padding: 0,
                        weights: weights(8, &[2, 0, -1, 1]),
                    }),
                    Layer::SumPool2d(Pool2d { size: 2, stride: 2 }),
                    Layer::BatchNorm(BatchNorm {
                        shift: vec![2],
                        bias: vec![3],
                    }),
                    Layer::Relu(Relu { bits: 2 }),
                    Layer::Flatten,
                    Layer::Dense(Dense {
                        inputs: 1,
                        outputs: 2,
                        weights: weights(2, &[1, -1]),
                    }),
                ],
            },
        ),
    ]
}

fn png(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    let channels = match color {
        png::ColorType::Grayscale | png::ColorType::Indexed => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
    };
    if color == png::ColorType::Indexed {
        encoder.set_palette(vec![0, 0, 0, 255, 255, 255, 10, 200, 30, 7, 7, 7]);
    }
    let bits_per_row = width as usize * channels * depth as usize;
    let len = bits_per_row.div_ceil(8) * height as usize;
    let data: Vec<u8> = (0..len)
        .map(|i| match color {
            png::ColorType::Indexed => (i % 4) as u8,
            _ => (i * 37 % 256) as u8,
        })
        .collect();
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

/// The bytes `save` writes for an object.
fn saved(tmp: &Path, name: &str, save: impl FnOnce(&Path) -> Result<()>) -> Result<Vec<u8>> {
    let path = tmp.join(name);
    let _ = std::fs::remove_file(&path);
    save(&path)?;
    let bytes = std::fs::read(&path)?;
    std::fs::remove_file(&path)?;
    Ok(bytes)
}

fn run() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = std::env::temp_dir().join(format!("she-make-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut total = 0;

    // Primitives: a handful of field combinations, valid and invalid.
    let mut s = Seeds::new(&root, "decomposition")?;
    for (i, (x, base_log, levels)) in [
        (0u64, 1u8, 1u8),
        (u64::MAX, 8, 8),
        (0x8000_0000_0000_0000, 23, 1),
        (0x1234_5678_9abc_def0, 4, 5),
        (0x7fff_ffff_ffff_ffff, 12, 3),
        (42, 0, 3),
        (42, 65, 1),
        (42, 16, 5),
    ]
    .into_iter()
    .enumerate()
    {
        let mut bytes = x.to_le_bytes().to_vec();
        bytes.extend([base_log, levels]);
        s.add(&format!("seed-{i}"), &bytes)?;
    }
    total += s.bytes;

    let mut s = Seeds::new(&root, "encoding")?;
    for (i, (bits, padding, message, noise)) in [
        (4u8, 1u8, 9u64, 12345i64),
        (2, 1, 3, -1),
        (1, 0, 1, i64::MIN),
        (8, 1, 255, 1 << 40),
        (0, 1, 0, 0),
        (64, 0, 1, 1),
    ]
    .into_iter()
    .enumerate()
    {
        let mut bytes = vec![bits, padding];
        bytes.extend(message.to_le_bytes());
        bytes.extend(noise.to_le_bytes());
        s.add(&format!("seed-{i}"), &bytes)?;
    }
    total += s.bytes;

    let mut s = Seeds::new(&root, "fft_product")?;
    let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(7));
    for log_n_minus_2 in [0u8, 3, 6, 8] {
        let n = 1usize << (log_n_minus_2 + 2);
        let mut bytes = vec![log_n_minus_2];
        for _ in 0..n {
            bytes.extend(rng.random_torus::<u64>().to_le_bytes());
        }
        for _ in 0..n {
            let digit = (rng.random_torus::<u64>() % 4096) as i16 - 2048;
            bytes.extend(digit.to_le_bytes());
        }
        s.add(&format!("n{n}"), &bytes)?;
    }
    s.add("short", &[2, 1, 2, 3])?;
    total += s.bytes;

    let mut s = Seeds::new(&root, "lookup_table")?;
    for (i, (log_n, bits, padding, salt)) in [
        (7u8, 2u8, 1u8, 5u64),
        (9, 4, 1, 0x9e37_79b9),
        (2, 3, 0, 1),
        (12, 8, 2, u64::MAX),
        (0, 0, 0, 0),
    ]
    .into_iter()
    .enumerate()
    {
        let mut bytes = vec![log_n, bits, padding];
        bytes.extend(salt.to_le_bytes());
        s.add(&format!("seed-{i}"), &bytes)?;
    }
    total += s.bytes;

    let mut s = Seeds::new(&root, "batched_bootstrap")?;
    let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(11));
    for (odd, batch) in [(0u8, 0u8), (0, 3), (1, 2)] {
        let n = 4 + usize::from(odd);
        let mut bytes = vec![odd, batch];
        for job in 0..=usize::from(batch) {
            let mut words: Vec<u64> = (0..n + 1 + 8).map(|_| rng.random_torus::<u64>()).collect();
            if job == 1 {
                words[..2].fill(0); // a mask pair that switches to (0, 0)
            }
            for w in words {
                bytes.extend(w.to_le_bytes());
            }
        }
        s.add(&format!("n{n}-batch{}", batch + 1), &bytes)?;
    }
    s.add("short", &[1, 3, 7])?;
    total += s.bytes;

    let mut s = Seeds::new(&root, "lwe_containers")?;
    for (i, (n_in, n_out, base_log, levels, count)) in [
        (3u16, 2u16, 4u8, 2u8, 4usize * 3 * 2),
        (0, 0, 0, 0, 1),
        (7, 1, 8, 1, 16),
        (1, 1, 63, 1, 4),
        // Valid key-switching keys (n_in·ℓ·(n_out + 1) words), 2^4 × 2 and 2^8 × 4 (32 bits).
        (3, 2, 4, 2, 3 * 2 * 3),
        (5, 3, 8, 4, 5 * 4 * 4),
    ]
    .into_iter()
    .enumerate()
    {
        let mut bytes = Vec::new();
        bytes.extend(n_in.to_le_bytes());
        bytes.extend(n_out.to_le_bytes());
        bytes.extend([base_log, levels]);
        bytes.extend((-3i64).to_le_bytes());
        bytes.push(5);
        for j in 0..count {
            bytes.extend((j as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
        }
        s.add(&format!("seed-{i}"), &bytes)?;
    }
    total += s.bytes;

    // Models: small ones of every layer kind, and the shipped model.
    let mut s = Seeds::new(&root, "model_file")?;
    for (name, model) in models() {
        let mut bytes = Vec::new();
        write_model(&model, &mut bytes)?;
        s.add_with_cut(name, &bytes, 40)?;
    }
    s.add(
        "mnist-she.model",
        &std::fs::read(root.join("she-nn/models/mnist-she.model"))?,
    )?;
    total += s.bytes;

    // Client images: IDX (plain and gzip'd) and PNG of several colour types and depths.
    let mut s = Seeds::new(&root, "image_files")?;
    let images = Images {
        rows: 4,
        cols: 3,
        pixels: (0..24u8).map(|i| i.wrapping_mul(11)).collect(),
    };
    let mut idx = Vec::new();
    write_idx_images(&images, &mut idx)?;
    s.add_with_cut("images.idx", &idx, 20)?;
    s.add("images.idx.gz", &gzip(&idx)?)?;
    let mut labels = Vec::new();
    write_idx_labels(&[7, 2, 1], &mut labels)?;
    s.add("labels.idx", &labels)?;
    s.add("labels.idx.gz", &gzip(&labels)?)?;
    use png::{BitDepth, ColorType};
    for (name, w, h, color, depth) in [
        ("gray8.png", 4, 3, ColorType::Grayscale, BitDepth::Eight),
        ("gray1.png", 9, 2, ColorType::Grayscale, BitDepth::One),
        ("gray16.png", 2, 2, ColorType::Grayscale, BitDepth::Sixteen),
        ("rgb8.png", 3, 2, ColorType::Rgb, BitDepth::Eight),
        ("rgba8.png", 2, 2, ColorType::Rgba, BitDepth::Eight),
        (
            "graya8.png",
            2,
            3,
            ColorType::GrayscaleAlpha,
            BitDepth::Eight,
        ),
        ("palette2.png", 5, 2, ColorType::Indexed, BitDepth::Two),
    ] {
        s.add(name, &png(w, h, color, depth)?)?;
    }
    total += s.bytes;

    // Keys at TOY (the server key is 4.5 MiB: its header and first bytes only), raw payloads at
    // TOY and MICRO.
    let client = ClientKey::generate(&TOY, &mut Csprng::from_seed(&Seed::insecure_from_u64(1)))?;
    let mut rng = EncryptionRng::insecure_from_u64(2);
    let mut s = Seeds::new(&root, "key_files")?;
    let bytes = saved(&tmp, "client.key", |p| Ok(client.save(p)?))?;
    s.add_with_cut("toy-client.key", &bytes, 32)?;
    let server = client.server_key(&mut rng)?;
    let bytes = saved(&tmp, "server.key", |p| Ok(server.save(p)?))?;
    s.add("toy-server.key.cut32", &bytes[..32])?;
    s.add("toy-server.key.cut2048", &bytes[..2048])?;
    let mut raw = Vec::new();
    write_secret_keys(client.secret_keys(), &mut raw)?;
    s.add("toy-secret-payload", &raw)?;
    let micro =
        SecretKeys::<u64>::generate(&MICRO, &mut Csprng::from_seed(&Seed::insecure_from_u64(3)))?;
    let mut raw = Vec::new();
    write_evaluation_keys(&micro.generate_evaluation_keys(&mut rng)?, &mut raw)?;
    s.add("micro-evaluation-payload", &raw)?;
    let micro32 = SecretKeys::<u32>::generate(
        &MICRO32,
        &mut Csprng::from_seed(&Seed::insecure_from_u64(4)),
    )?;
    let mut raw = Vec::new();
    write_evaluation_keys(&micro32.generate_evaluation_keys(&mut rng)?, &mut raw)?;
    s.add("micro32-evaluation-payload", &raw)?;
    let mut raw = Vec::new();
    write_secret_keys(&micro32, &mut raw)?;
    s.add("micro32-secret-payload", &raw)?;
    total += s.bytes;

    // Encrypted inputs and results at TOY: one-pixel images, a two-logit result, a raw
    // ciphertext.
    let mut s = Seeds::new(&root, "ciphertext_files")?;
    for (name, pixels, shape, bits) in [
        ("toy-image-1x1x1.ct", vec![200u8], (1, 1, 1), 4),
        ("toy-image-1x1x2.ct", vec![0u8, 255], (1, 1, 2), 8),
    ] {
        let shape = Shape {
            channels: shape.0,
            height: shape.1,
            width: shape.2,
        };
        let image = client.encrypt_image(&pixels, shape, bits, &mut rng)?;
        let bytes = saved(&tmp, name, |p| Ok(image.save(p)?))?;
        s.add_with_cut(name, &bytes, 52)?;
    }
    let logits = EncryptedLogits {
        params: &TOY,
        scale_log2: 30,
        logits: [-7i64, 12]
            .iter()
            .map(|&y| {
                let plaintext = u64::from_i64_wrapping(y) << 30;
                client.secret_keys().encrypt_plaintext(plaintext, &mut rng)
            })
            .collect(),
    };
    let bytes = saved(&tmp, "result.ct", |p| Ok(logits.save(p)?))?;
    s.add_with_cut("toy-result-2.ct", &bytes, 40)?;
    let mut raw = Vec::new();
    write_lwe_ciphertext(&logits.logits[0], &mut raw)?;
    s.add("toy-lwe-ciphertext", &raw)?;
    total += s.bytes;

    // `she eval --log` records of the evaluation the target checks against.
    let mut s = Seeds::new(&root, "eval_log")?;
    let path = tmp.join("eval.jsonl");
    let mut log = LogWriter::open(&path)?;
    for position in [2usize, 0, 5] {
        let index = LogFacts
            .index_at(position)
            .ok_or("position outside the sample")?;
        let id = log_evaluation();
        log.append(&ImageRecord {
            model_sha256: id.model_sha256,
            params: id.params,
            seed: id.seed,
            position,
            index,
            label: (index % 10) as u8,
            reference: (index + 1) % 10,
            encrypted: (index + 1) % 10,
            logits_exact: position != 5,
            latency_s: 12.5 + position as f64,
            threads: 2,
            // Fixed strings (the seeds must not change with the build); one record without
            // them, as older builds wrote.
            build: (position != 5).then(|| "she 0.1.0 (0123456789ab)".to_owned()),
            host: (position != 5).then(|| "x86_64, 2 cores, avx2+fma".to_owned()),
        })?;
    }
    drop(log);
    let bytes = std::fs::read(&path)?;
    s.add_with_cut("three-records.jsonl", &bytes, 150)?;
    total += s.bytes;

    std::fs::remove_dir_all(&tmp)?;
    println!("wrote {total} bytes of seeds to fuzz/seeds/");
    Ok(())
}
