//! Untrusted input files through every `she` subcommand that reads them (issue: "untrusted input
//! never panics"): for every file format — client key, server key, encrypted input, encrypted
//! result, model, IDX images and labels, PNG — and every class of damage — truncated, bit-flipped
//! (header, payload, checksum), oversized (trailing bytes, an absurd length field), a file of
//! the wrong kind, a file made for another parameter set — each command exits with code 1 and
//! one line on stderr that names the file; never a panic (exit 101).
//!
//! Every command is first run on the undamaged files and must succeed, so each failure below is
//! caused by the damage alone. Everything runs at the **insecure** `TOY` set, with a model of
//! one dense layer (no bootstrap), so the whole matrix takes seconds.

use she_nn::ciphertexts::EncryptedLogits;
use she_nn::client::ClientKey;
use she_nn::data::mnist::{write_idx_images, write_idx_labels, Images};
use she_nn::header::{Checksum, Header, Kind, CHECKSUM_LEN};
use she_nn::model::{Dense, InputSpec, Layer, Model, Shape};
use she_nn::quantize::WeightCode;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tfhe_core::params::{ParameterSet, MSG2_CARRY2, TOY};
use torus::{Csprng, EncryptionRng, Seed, Torus};

fn she(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_she"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// The formats the CLI reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    ClientKey,
    ServerKey,
    Input,
    Result,
    Model,
    IdxImages,
    IdxLabels,
    Png,
}

impl Format {
    /// The kind in a SHE header, for the project's own formats.
    fn kind(self) -> Option<Kind> {
        match self {
            Format::ClientKey => Some(Kind::ClientKey),
            Format::ServerKey => Some(Kind::ServerKey),
            Format::Input => Some(Kind::EncryptedInput),
            Format::Result => Some(Kind::EncryptedResult),
            Format::Model => Some(Kind::Model),
            _ => None,
        }
    }
}

/// Valid files of every format, and the directories the commands read.
struct Fixture {
    dir: tempfile::TempDir,
    files: Vec<(Format, PathBuf)>,
    /// Files of the project's formats made for MSG2_CARRY2 instead of TOY.
    other_set: Vec<(Format, PathBuf)>,
}

impl Fixture {
    fn path(&self, format: Format) -> PathBuf {
        self.files
            .iter()
            .find(|(f, _)| *f == format)
            .unwrap()
            .1
            .clone()
    }

    fn bytes(&self, format: Format) -> Vec<u8> {
        std::fs::read(self.path(format)).unwrap()
    }
}

fn model() -> Model {
    Model {
        name: "one dense layer".into(),
        input: InputSpec {
            shape: Shape {
                channels: 1,
                height: 4,
                width: 4,
            },
            bits: 4,
        },
        layers: vec![
            Layer::Flatten,
            Layer::Dense(Dense {
                inputs: 16,
                outputs: 3,
                weights: (0..48)
                    .map(|i| WeightCode::from_value([1, -2, 0, 4][i % 4]).unwrap())
                    .collect(),
            }),
        ],
    }
}

/// A key, an image and a result of `params`, saved in `dir` with names ending in `suffix`.
fn objects(params: &'static ParameterSet, dir: &Path, suffix: &str) -> Vec<(Format, PathBuf)> {
    let client =
        ClientKey::generate(params, &mut Csprng::from_seed(&Seed::insecure_from_u64(1))).unwrap();
    let mut rng = EncryptionRng::insecure_from_u64(2);
    let shape = model().input.shape;
    let pixels: Vec<u8> = (0..16u8).map(|i| i * 16).collect();
    let image = client.encrypt_image(&pixels, shape, 4, &mut rng).unwrap();
    let result = EncryptedLogits {
        params,
        scale_log2: 30,
        logits: [5i64, -3, 9]
            .iter()
            .map(|&v| {
                let plaintext = u64::from_i64_wrapping(v) << 30;
                client.secret_keys().encrypt_plaintext(plaintext, &mut rng)
            })
            .collect(),
    };
    let path = |name: &str| dir.join(format!("{name}{suffix}"));
    client.save(&path("client.key")).unwrap();
    image.save(&path("image.ct")).unwrap();
    result.save(&path("result.ct")).unwrap();
    let mut files = vec![
        (Format::ClientKey, path("client.key")),
        (Format::Input, path("image.ct")),
        (Format::Result, path("result.ct")),
    ];
    if params.name == "TOY" {
        let server = client.server_key(&mut rng).unwrap();
        server.save(&path("server.key")).unwrap();
        files.push((Format::ServerKey, path("server.key")));
    }
    files
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut files = objects(&TOY, dir.path(), "");
    let model_path = dir.path().join("model.model");
    model().save(&model_path).unwrap();
    files.push((Format::Model, model_path));
    // The eval directory: its IDX files are what `she eval --data` reads.
    let data = dir.path().join("mnist");
    std::fs::create_dir(&data).unwrap();
    let images = Images {
        rows: 4,
        cols: 4,
        pixels: (0..48u8).map(|i| i.wrapping_mul(29)).collect(),
    };
    let image_path = data.join("t10k-images-idx3-ubyte");
    write_idx_images(&images, &mut std::fs::File::create(&image_path).unwrap()).unwrap();
    files.push((Format::IdxImages, image_path));
    let label_path = data.join("t10k-labels-idx1-ubyte");
    write_idx_labels(&[1, 2, 0], &mut std::fs::File::create(&label_path).unwrap()).unwrap();
    files.push((Format::IdxLabels, label_path));
    let png_path = dir.path().join("image.png");
    let mut encoder = png::Encoder::new(std::fs::File::create(&png_path).unwrap(), 4, 4);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[77; 16]).unwrap();
    writer.finish().unwrap();
    files.push((Format::Png, png_path));
    let other_set = objects(&MSG2_CARRY2, dir.path(), ".msg2");
    Fixture {
        dir,
        files,
        other_set,
    }
}

/// Every command that reads `format`, with the file of that format replaced by `file` (the
/// other arguments valid), and the output path it may write.
fn commands(fx: &Fixture, format: Format, file: &Path) -> Vec<Vec<String>> {
    let pick = |f: Format| {
        if f == format {
            file.to_path_buf()
        } else {
            fx.path(f)
        }
    };
    let s = |p: PathBuf| path_str(&p).to_string();
    let out = s(fx.dir.path().join("out.bin"));
    // `she eval --data DIR` reads its IDX files from one directory.
    let data_dir = match format {
        Format::IdxImages | Format::IdxLabels => file.parent().unwrap().to_path_buf(),
        _ => fx.path(Format::IdxImages).parent().unwrap().to_path_buf(),
    };
    let encrypt_idx = vec![
        "encrypt".into(),
        "--client-key".into(),
        s(pick(Format::ClientKey)),
        "--idx".into(),
        s(pick(Format::IdxImages)),
        "--index".into(),
        "0".into(),
        "--model".into(),
        s(pick(Format::Model)),
        "--out".into(),
        out.clone(),
    ];
    let encrypt_png = vec![
        "encrypt".into(),
        "--client-key".into(),
        s(pick(Format::ClientKey)),
        "--png".into(),
        s(pick(Format::Png)),
        "--model".into(),
        s(pick(Format::Model)),
        "--out".into(),
        out.clone(),
    ];
    let infer = vec![
        "infer".into(),
        "--server-key".into(),
        s(pick(Format::ServerKey)),
        "--model".into(),
        s(pick(Format::Model)),
        "--in".into(),
        s(pick(Format::Input)),
        "--out".into(),
        out.clone(),
    ];
    let decrypt = vec![
        "decrypt".into(),
        "--client-key".into(),
        s(pick(Format::ClientKey)),
        "--in".into(),
        s(pick(Format::Result)),
    ];
    let eval = vec![
        "eval".into(),
        "--model".into(),
        s(pick(Format::Model)),
        "--data".into(),
        s(data_dir),
        "--quiet".into(),
    ];
    let demo = vec![
        "demo".into(),
        "--params".into(),
        "TOY".into(),
        "--model".into(),
        s(pick(Format::Model)),
        "--quiet".into(),
    ];
    match format {
        Format::ClientKey => vec![encrypt_idx, encrypt_png, decrypt],
        Format::ServerKey | Format::Input => vec![infer],
        Format::Result => vec![decrypt],
        // `she demo` with a valid model runs a whole demo: only the damaged model is tried.
        Format::Model if file != fx.path(Format::Model) => {
            vec![encrypt_idx, encrypt_png, infer, eval, demo]
        }
        Format::Model => vec![encrypt_idx, encrypt_png, infer, eval],
        Format::IdxImages => vec![encrypt_idx, eval],
        Format::IdxLabels => vec![eval],
        Format::Png => vec![encrypt_png],
    }
}

/// `bytes` (a SHE file of `kind`) with its header replaced by `header` and the checksum
/// recomputed, so that only the header's content is wrong.
fn reheadered(bytes: &[u8], kind: Kind, header: &Header) -> Vec<u8> {
    let old = Header::read(&mut &bytes[..], kind).unwrap();
    let payload = &bytes[old.encoded_len() as usize..bytes.len() - CHECKSUM_LEN];
    let mut out = Vec::new();
    header.write(&mut out).unwrap();
    out.extend_from_slice(payload);
    let mut checksum = Checksum::new(header);
    checksum.update(payload);
    out.extend_from_slice(&checksum.finish());
    out
}

fn flipped(bytes: &[u8], byte: usize, bit: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[byte] ^= 1 << bit;
    out
}

/// Every damaged version of `format`'s file: (what, bytes).
fn damaged(fx: &Fixture, format: Format) -> Vec<(String, Vec<u8>)> {
    let bytes = fx.bytes(format);
    let len = bytes.len();
    let mut cases = vec![
        ("truncated to 5 bytes".to_string(), bytes[..5].to_vec()),
        ("truncated to half".into(), bytes[..len / 2].to_vec()),
        ("truncated by one byte".into(), bytes[..len - 1].to_vec()),
        ("empty".into(), Vec::new()),
        ("bit 0 of byte 1 flipped".into(), flipped(&bytes, 1, 0)),
        ("oversized: 100 trailing bytes".into(), {
            let mut b = bytes.clone();
            b.extend_from_slice(&[0x5a; 100]);
            b
        }),
    ];
    // A file of another kind in its place.
    let wrong_kind = match format {
        Format::ClientKey => Format::Result,
        Format::Png => Format::IdxImages,
        Format::IdxImages => Format::Png,
        Format::IdxLabels => Format::IdxImages,
        _ => Format::ClientKey,
    };
    cases.push((format!("a {wrong_kind:?} file"), fx.bytes(wrong_kind)));
    match format.kind() {
        Some(kind) => {
            let header = Header::read(&mut &bytes[..], kind).unwrap();
            let h = header.encoded_len() as usize;
            let payload_end = len - CHECKSUM_LEN;
            cases.extend([
                ("kind field bit flipped".into(), flipped(&bytes, 10, 2)),
                (
                    "payload-length bit flipped".into(),
                    flipped(&bytes, h - 2, 6),
                ),
                (
                    "payload bit flipped (first byte)".into(),
                    flipped(&bytes, h, 0),
                ),
                (
                    "payload bit flipped (middle)".into(),
                    flipped(&bytes, (h + payload_end) / 2, 3),
                ),
                (
                    "payload bit flipped (last byte)".into(),
                    flipped(&bytes, payload_end - 1, 7),
                ),
                ("checksum bit flipped".into(), flipped(&bytes, len - 1, 0)),
                (
                    "oversized: payload length 2^62".into(),
                    reheadered(
                        &bytes,
                        kind,
                        &Header {
                            payload_len: 1 << 62,
                            ..header.clone()
                        },
                    ),
                ),
            ]);
            if format == Format::Model {
                cases.push((
                    "a model naming a parameter set".into(),
                    reheadered(
                        &bytes,
                        kind,
                        &Header::new(kind, Some(&TOY), header.payload_len),
                    ),
                ));
            } else {
                cases.push((
                    "relabelled for MSG2_CARRY2".into(),
                    reheadered(
                        &bytes,
                        kind,
                        &Header::new(kind, Some(&MSG2_CARRY2), header.payload_len),
                    ),
                ));
                cases.push((
                    "TOY's fingerprint changed".into(),
                    reheadered(
                        &bytes,
                        kind,
                        &Header {
                            fingerprint: header.fingerprint ^ 1,
                            ..header.clone()
                        },
                    ),
                ));
                if let Some((_, path)) = fx.other_set.iter().find(|(f, _)| *f == format) {
                    cases.push(("made for MSG2_CARRY2".into(), std::fs::read(path).unwrap()));
                }
            }
        }
        None => {
            // IDX: an absurd item count; PNG: a damaged IHDR (its CRC no longer matches).
            let absurd = match format {
                Format::Png => flipped(&bytes, 18, 1),
                _ => {
                    let mut b = bytes.clone();
                    b[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
                    b
                }
            };
            cases.push(("oversized: an absurd size field".into(), absurd));
            // PNG chunks carry CRCs: a flipped bit in the image data (IDAT) is caught. (IDX has
            // no checksum: a flipped pixel is another valid image, only its header is checked.)
            if format == Format::Png {
                let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap();
                cases.push((
                    "image data bit flipped".into(),
                    flipped(&bytes, idat + 6, 4),
                ));
            }
        }
    }
    cases
}

#[test]
fn every_damaged_file_is_a_one_line_user_error_in_every_command() {
    let fx = fixture();
    // Undamaged files: every command succeeds.
    for &(format, ref path) in &fx.files {
        for args in commands(&fx, format, path) {
            let out = she(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(
                out.status.success(),
                "{args:?} on valid files: {}",
                text(&out.stderr)
            );
        }
    }
    // IDX files are read by name from a directory by `she eval`: damaged ones go to a copy of
    // the data directory, under the name they replace.
    let damaged_data = fx.dir.path().join("damaged-mnist");
    std::fs::create_dir(&damaged_data).unwrap();
    let mut runs = 0;
    for &(format, ref valid) in &fx.files {
        let damaged_path = match format {
            Format::IdxImages | Format::IdxLabels => {
                for (other, path) in &fx.files {
                    if matches!(other, Format::IdxImages | Format::IdxLabels) {
                        std::fs::copy(path, damaged_data.join(path.file_name().unwrap())).unwrap();
                    }
                }
                damaged_data.join(valid.file_name().unwrap())
            }
            _ => fx.dir.path().join("damaged.bin"),
        };
        for (what, bytes) in damaged(&fx, format) {
            std::fs::write(&damaged_path, &bytes).unwrap();
            for args in commands(&fx, format, &damaged_path) {
                // A genuine key of another set is a valid key to encrypt with: the image is
                // then encrypted for that set (infer and decrypt reject the mismatch).
                if what.starts_with("made for") && args[0] == "encrypt" {
                    continue;
                }
                let out = she(&args.iter().map(String::as_str).collect::<Vec<_>>());
                let err = text(&out.stderr);
                let context = format!("{format:?}, {what}, `she {}`", args[0]);
                assert_eq!(out.status.code(), Some(1), "{context}: {err}");
                assert_eq!(err.lines().count(), 1, "{context}: {err}");
                assert!(!err.contains("panicked"), "{context}: {err}");
                assert!(err.contains(path_str(&damaged_path)), "{context}: {err}");
                runs += 1;
            }
        }
    }
    eprintln!("{runs} damaged runs, all one-line user errors");
}

/// `she infer` in batch mode (`--in` repeated, `--out-dir`): one result per input, each equal
/// to what the single-image form writes; a damaged input anywhere in the batch is reported
/// before any inference.
#[test]
fn batch_inference_writes_one_result_per_input_and_checks_inputs_first() {
    let fx = fixture();
    let key = ClientKey::load(&fx.path(Format::ClientKey)).unwrap();
    let mut rng = EncryptionRng::insecure_from_u64(3);
    let images: Vec<Vec<u8>> = (0..3u8)
        .map(|k| (0..16u8).map(|i| i.wrapping_mul(17 + k)).collect())
        .collect();
    let inputs: Vec<PathBuf> = images
        .iter()
        .enumerate()
        .map(|(k, pixels)| {
            let image = key
                .encrypt_image(pixels, model().input.shape, 4, &mut rng)
                .unwrap();
            let path = fx.dir.path().join(format!("batch-{k}.ct"));
            image.save(&path).unwrap();
            path
        })
        .collect();
    let out_dir = fx.dir.path().join("results");
    let mut args: Vec<String> = vec![
        "infer".into(),
        "--server-key".into(),
        path_str(&fx.path(Format::ServerKey)).into(),
        "--model".into(),
        path_str(&fx.path(Format::Model)).into(),
    ];
    for input in &inputs {
        args.extend(["--in".into(), path_str(input).into()]);
    }
    let batch = |extra: &[&str]| {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend_from_slice(extra);
        she(&all)
    };
    let out = batch(&["--out-dir", path_str(&out_dir)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (k, pixels) in images.iter().enumerate() {
        let result = out_dir.join(format!("batch-{k}.res"));
        let logits = EncryptedLogits::load(&result).unwrap();
        let expected = she_nn::reference::logits(&model(), pixels).unwrap();
        assert_eq!(key.decrypt_logits(&logits).unwrap(), expected, "image {k}");
    }
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), images.len());
    // Several inputs need --out-dir; two inputs of the same stem would collide.
    let out = batch(&["--out", path_str(&fx.dir.path().join("x.res"))]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--out-dir"));
    let mut dup = args.clone();
    dup.extend(["--in".into(), path_str(&inputs[0]).into()]);
    let mut all: Vec<&str> = dup.iter().map(String::as_str).collect();
    all.extend_from_slice(&["--out-dir", path_str(&out_dir)]);
    let out = she(&all);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("same file stem"),
        "{}",
        text(&out.stderr)
    );
    // A damaged last input: nothing is inferred (no result file appears).
    let fresh = fx.dir.path().join("fresh-results");
    let bad = fx.dir.path().join("bad.ct");
    let mut bytes = std::fs::read(&inputs[2]).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&bad, bytes).unwrap();
    let mut with_bad = args.clone();
    with_bad.extend(["--in".into(), path_str(&bad).into()]);
    let mut all: Vec<&str> = with_bad.iter().map(String::as_str).collect();
    all.extend_from_slice(&["--out-dir", path_str(&fresh)]);
    let out = she(&all);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad.ct"), "{err}");
    assert_eq!(std::fs::read_dir(&fresh).unwrap().count(), 0);
}
