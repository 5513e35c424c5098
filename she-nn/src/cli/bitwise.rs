//! The bitwise engine on the command line: `she infer --engine bitwise`, `she demo --engine
//! bitwise`, and `she keygen / encrypt / decrypt` for the boolean gate sets.
//!
//! Keys, images and results of the bitwise engine live at a gate set (`BOOLEAN_128`, or the
//! insecure `TOY_BOOLEAN`); the set named by `--params` (keygen) or in a file's header (encrypt,
//! decrypt) routes a command here ([`super::run`]), so the DESIGN.md contracts are unchanged:
//!
//! ```text
//! she keygen --params BOOLEAN_128 --out keys
//! she encrypt --client-key keys/client.key --idx IMAGES --index 0 --model MODEL --out digit.ct
//! she infer --engine bitwise --server-key keys/server.key --model MODEL --in digit.ct --out digit.res
//! she decrypt --client-key keys/client.key --in digit.res
//! ```

use super::decrypt::DecryptArgs;
use super::demo::{shipped_model, DemoArgs};
use super::encrypt::{read_image, EncryptArgs};
use super::infer::{jobs, InferArgs};
use super::keygen::{randomness, size, KeygenArgs};
use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::bitwise::engine::InferenceReport;
use crate::bitwise::keys::gate_sets;
use crate::bitwise::noise::{bitwise_noise, image_failure_bound};
use crate::bitwise::sample::{measure_layers, plaintext_pixels, LayerSample, Sampling};
use crate::bitwise::{
    gate_set, is_gate_set, AdderKind, BitwiseClientKey, BitwiseEngine, BitwiseServerKey,
    EncryptedBitImage, EncryptedBitLogits, GateBackend, OpCounts, PlaintextBackend, PAPER_MNIST,
    PAPER_MNIST_SECONDS,
};
use crate::data::mnist::shipped_test_digits;
use crate::header::Kind;
use crate::model::Model;
use crate::persist::{FileError, ObjectFile, Problem};
use crate::reference;
use clap::ValueEnum;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use torus::{Csprng, EncryptionRng};

/// The full adder of the bitwise engine, as a command-line value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AdderArg {
    /// Sum and carry each from one bootstrap of `a + b + c` (2 bootstraps per full adder).
    Fast,
    /// Ripple-carry full adders from two-input gates (5 bootstraps per full adder).
    Ripple,
}

impl From<AdderArg> for AdderKind {
    fn from(a: AdderArg) -> Self {
        match a {
            AdderArg::Fast => AdderKind::Fast,
            AdderArg::Ripple => AdderKind::Ripple,
        }
    }
}

/// Whether `name` is a boolean gate set (routes `she keygen` here).
pub fn is_gate_set_name(name: &str) -> bool {
    gate_set(name).is_some()
}

/// Whether `path` is an object of `kind` made for a gate set (routes `she encrypt` and `she
/// decrypt` here). A file that cannot be opened is not: the regular command reports it.
pub fn is_gate_set_file(path: &Path, kind: Kind) -> bool {
    ObjectFile::open(path, kind).is_ok_and(|f| is_gate_set(f.params()))
}

fn w(out: &mut dyn Write, line: impl AsRef<str>) -> Result<(), String> {
    writeln!(out, "{}", line.as_ref()).map_err(output_error)
}

/// `she keygen --params BOOLEAN_128|TOY_BOOLEAN`: the bitwise engine's keys, server key first,
/// an existing client key never replaced.
pub fn keygen(args: &KeygenArgs, out: &mut dyn Write) -> Result<(), String> {
    let p = gate_set(&args.params).ok_or_else(|| format!("'{}' is not a gate set", args.params))?;
    let client_path = args.out.join("client.key");
    let server_path = args.out.join("server.key");
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create directory: {e}", args.out.display()))?;
    if client_path.exists() {
        return Err(FileError::new(&client_path, Problem::Exists).to_string());
    }
    w(out, format!("parameter set {p} (bitwise engine)"))?;
    super::warn_if_insecure(p, out)?;
    if args.seed.is_some() {
        w(
            out,
            "WARNING: keys derived from --seed are INSECURE (anyone who knows the seed has the key): for tests only",
        )?;
    }
    let start = Instant::now();
    let (mut secret_rng, mut rng) = randomness(args.seed);
    let client = BitwiseClientKey::generate(p, &mut secret_rng).map_err(|e| e.to_string())?;
    drop(secret_rng);
    let server = client.server_key(&mut rng).map_err(|e| e.to_string())?;
    server.save(&server_path).map_err(|e| e.to_string())?;
    client.save(&client_path).map_err(|e| e.to_string())?;
    let len = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
    w(
        out,
        format!(
            "wrote {} (server key, public: {})",
            server_path.display(),
            size(len(&server_path))
        ),
    )?;
    w(
        out,
        format!(
            "wrote {} (client key, SECRET: keep it private; {})",
            client_path.display(),
            size(len(&client_path))
        ),
    )?;
    w(
        out,
        format!("done in {:.2} s", start.elapsed().as_secs_f64()),
    )
}

/// `she encrypt` with a gate-set client key: every bit of every pixel.
pub fn encrypt(args: &EncryptArgs, out: &mut dyn Write) -> Result<(), String> {
    let key = BitwiseClientKey::load(&args.client_key).map_err(|e| e.to_string())?;
    let (pixels, shape, image_path) = read_image(args)?;
    let bits = match &args.model {
        None => 8,
        Some(path) => {
            let model = Model::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if model.input.shape != shape {
                return Err(format!(
                    "{}: image is {shape}, the model {} reads {}",
                    image_path.display(),
                    path.display(),
                    model.input.shape
                ));
            }
            model.input.bits
        }
    };
    let mut rng = EncryptionRng::from_os_entropy();
    let image = EncryptedBitImage::encrypt(&key, &pixels, shape, bits, &mut rng)
        .map_err(|e| format!("{}: {e}", image_path.display()))?;
    image.save(&args.out).map_err(|e| e.to_string())?;
    super::warn_if_insecure(key.params(), out)?;
    w(
        out,
        format!(
            "wrote {} ({shape} image, {} pixels at {bits} bits: {} bit ciphertexts, parameter set {}, bitwise engine)",
            args.out.display(),
            pixels.len(),
            image.pixels.len(),
            key.params().name
        ),
    )
}

/// `she decrypt` of a bitwise result: the class and the logits, as for the PBS engine.
pub fn decrypt(args: &DecryptArgs, out: &mut dyn Write) -> Result<(), String> {
    let key = BitwiseClientKey::load(&args.client_key).map_err(|e| e.to_string())?;
    let result = EncryptedBitLogits::load(&args.input).map_err(|e| e.to_string())?;
    let logits = result
        .decrypt(&key)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let text: Vec<String> = logits.iter().map(i64::to_string).collect();
    w(out, format!("class: {}", reference::argmax(&logits)))?;
    w(out, format!("logits: {}", text.join(" ")))
}

/// `she infer --engine bitwise` (fast full adders).
pub fn infer(args: &InferArgs, out: &mut dyn Write) -> Result<(), String> {
    let jobs = jobs(args)?;
    let server = BitwiseServerKey::load(&args.server_key).map_err(|e| e.to_string())?;
    let model = Model::load(&args.model).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, &model, AdderKind::Fast)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    for (input, output) in jobs {
        let image = EncryptedBitImage::load(&input).map_err(|e| e.to_string())?;
        let fail = |e: String| format!("{}: {e}", input.display());
        if image.params.name != server.params().name {
            return Err(fail(format!(
                "encrypted for parameter set {}, the server key is for {}",
                image.params.name,
                server.params().name
            )));
        }
        if image.shape != model.input.shape || image.bits != model.input.bits {
            return Err(fail(format!(
                "a {} image of {}-bit pixels; the model reads {} at {} bits",
                image.shape, image.bits, model.input.shape, model.input.bits
            )));
        }
        let progress = InferenceProgress::new(args.quiet, "infer");
        let result = with_threads(args.threads, || {
            engine.infer(image.into_integers(), &|p| progress.update(p))
        })?;
        progress.finish();
        let (logits, report) = result.map_err(|e| fail(e.to_string()))?;
        let result = EncryptedBitLogits::from_integers(server.params(), &logits)
            .ok_or_else(|| fail("the model has no logits to write".into()))?;
        result.save(&output).map_err(|e| e.to_string())?;
        w(
            out,
            format!(
                "{}: {} logits of {} bits written to {} ({}, bitwise engine, fast adders, {} threads)",
                model.name,
                result.len(),
                result.width,
                output.display(),
                server.params().name,
                args.threads.unwrap_or_else(rayon::current_num_threads)
            ),
        )?;
        write_report(&report, out).map_err(output_error)?;
    }
    Ok(())
}

/// The per-layer table of a bitwise inference, then the totals next to the paper's Table 4.
pub fn write_report(report: &InferenceReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "  layer  kind          elements  width  additions  shifts  comparisons  relus  bootstraps   seconds"
    )?;
    for l in &report.layers {
        let c = &l.counts;
        writeln!(
            out,
            "  {:>5}  {:<12}  {:>8}  {:>5}  {:>9}  {:>6}  {:>11}  {:>5}  {:>10}  {:>8.2}",
            l.index,
            l.kind,
            l.elements,
            l.width,
            c.additions,
            c.shifts,
            c.comparisons,
            c.relus,
            c.bootstraps(),
            l.seconds
        )?;
    }
    let total = report.counts();
    writeln!(
        out,
        "  total: {} bootstraps in {:.2} s ({:.1} µs per bootstrap on all threads)",
        total.bootstraps(),
        report.seconds,
        report.seconds * 1e6 / total.bootstraps().max(1) as f64
    )?;
    write_paper_comparison(&total, out)
}

fn thousands(v: u64) -> String {
    if v >= 10_000 {
        format!("{}K", (v + 500) / 1000)
    } else {
        v.to_string()
    }
}

/// This network's totals next to the SHE paper's Table 4 (its own MNIST model).
pub fn write_paper_comparison(c: &OpCounts, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "  this network: {} CCAdd (+ {} plaintext additions), {} PCShift, {} CCCom ({} max comparisons + {} ReLUs), {} bootstrapped gate ops ({} gates, {} majorities, {} parities, {} MUXes×2)",
        thousands(c.additions),
        c.constant_additions,
        thousands(c.shifts),
        thousands(c.comparisons + c.relus),
        c.comparisons,
        c.relus,
        thousands(c.bootstraps()),
        c.gates,
        c.majorities,
        c.parities,
        c.muxes
    )?;
    writeln!(
        out,
        "  SHE paper, Table 4 (its own MNIST model): {} CCAdd, {} PCShift, {} CCCom, {} gate ops",
        thousands(PAPER_MNIST.additions),
        thousands(PAPER_MNIST.shifts),
        thousands(PAPER_MNIST.comparisons),
        thousands(PAPER_MNIST.gates)
    )
}

/// The sample table: measured neurons per layer and the labelled projection.
pub fn write_samples(
    samples: &[LayerSample],
    threads: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "  layer  kind          elements  sampled  s/neuron  ms/bootstrap  layer bootstraps  PROJECTED s (1 thread)  PROJECTED s ({threads} threads)  exact"
    )?;
    let mut total = 0.0;
    for s in samples {
        let projected = s.projected_seconds();
        total += projected;
        let per_neuron = if s.neurons.is_empty() {
            "-".to_string()
        } else {
            format!("{:.2}", s.sampled_seconds() / s.neurons.len() as f64)
        };
        let per_bootstrap = s
            .seconds_per_bootstrap()
            .map_or("-".to_string(), |t| format!("{:.2}", t * 1e3));
        writeln!(
            out,
            "  {:>5}  {:<12}  {:>8}  {:>7}  {:>8}  {:>12}  {:>16}  {:>22.0}  {:>22.0}  {}",
            s.index,
            s.kind,
            s.elements,
            s.neurons.len(),
            per_neuron,
            per_bootstrap,
            s.layer_counts.bootstraps(),
            projected,
            projected / threads as f64,
            if s.neurons.is_empty() {
                "-"
            } else if s.exact() {
                "yes"
            } else {
                "NO"
            }
        )?;
    }
    writeln!(
        out,
        "  PROJECTION (not measured): {total:.0} s = {:.1} h on 1 thread, {:.0} s = {:.1} h on {threads} threads (ideal scaling over neurons)",
        total / 3600.0,
        total / threads as f64,
        total / threads as f64 / 3600.0
    )?;
    writeln!(
        out,
        "  SHE paper: {:.0} s fully bootstrapped (projection), {} s leveled (estimate); neither was measured",
        PAPER_MNIST_SECONDS.0, PAPER_MNIST_SECONDS.1
    )
}

/// Seconds of one sign bootstrap with `server`'s key (median of a few, one thread).
fn time_bootstrap(server: &BitwiseServerKey, client: &BitwiseClientKey) -> f64 {
    let backend = server.backend();
    let mut scratch = backend.scratch();
    let mut rng = EncryptionRng::from_os_entropy();
    let a = client.encrypt_bool(true, &mut rng);
    let b = client.encrypt_bool(false, &mut rng);
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            let terms = [(1, &a), (1, &b)];
            backend.sign_bootstrap(
                &crate::bitwise::backend::LinearForm {
                    eighths: -1,
                    terms: &terms,
                },
                &mut scratch,
            );
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// `she demo --engine bitwise`.
pub fn demo(args: &DemoArgs, out: &mut dyn Write) -> Result<(), String> {
    let name = args.params.as_deref().unwrap_or("BOOLEAN_128");
    let p = gate_set(name).ok_or_else(|| {
        let names: Vec<&str> = gate_sets().map(|p| p.name).collect();
        format!(
            "parameter set '{name}': the bitwise engine runs on {}",
            names.join(" or ")
        )
    })?;
    let digits = shipped_test_digits().map_err(|e| format!("shipped digits: {e}"))?;
    if args.count == 0 || args.count > digits.len() {
        return Err(format!("--count must be 1 to {}", digits.len()));
    }
    let model = match &args.model {
        Some(path) => Model::load(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => shipped_model()?,
    };
    let adder = AdderKind::from(args.adder);
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    w(
        out,
        format!(
            "SHE demo, bitwise engine (SHE's gate circuits): {} digit(s) of the MNIST test set",
            args.count
        ),
    )?;
    w(out, format!("parameters: {p}"))?;
    super::warn_if_insecure(p, out)?;
    w(
        out,
        format!(
            "model: {} ({} layers); {} full adders",
            model.name,
            model.layers.len(),
            adder.name()
        ),
    )?;

    // The circuit, counted by a dry run on the plaintext phase model (the same code path).
    let (first, _) = digits.get(0).ok_or("shipped digit missing")?;
    let dry = BitwiseEngine::new(&PlaintextBackend, &model, adder).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let (_, dry_report) = dry
        .infer(plaintext_pixels(&model, first), &|_| {})
        .map_err(|e| e.to_string())?;
    let counts = dry_report.counts();
    let noise = bitwise_noise(p);
    w(
        out,
        format!(
            "circuit: {} bootstraps per image (dry run on the plaintext phase model, {:.2} s); worst bootstrap failure 2^{:.1} ({} form), per image ≤ {:.1e} (union bound, noise model)",
            counts.bootstraps(),
            t.elapsed().as_secs_f64(),
            noise.log2_failure,
            noise.worst_form,
            image_failure_bound(&noise, counts.bootstraps())
        ),
    )?;

    let t = Instant::now();
    let mut secret_rng = Csprng::from_os_entropy();
    let mut rng = EncryptionRng::from_os_entropy();
    let client = BitwiseClientKey::generate(p, &mut secret_rng).map_err(|e| e.to_string())?;
    let server = client.server_key(&mut rng).map_err(|e| e.to_string())?;
    w(
        out,
        format!(
            "client: key generation {:.2} s (the server receives the server key only)",
            t.elapsed().as_secs_f64()
        ),
    )?;
    let gate = time_bootstrap(&server, &client);
    w(
        out,
        format!(
            "server: one bootstrap takes {:.3} ms here (median of 9, one thread); expected server time per digit ≈ {:.0} s on {threads} threads (estimate)",
            gate * 1e3,
            gate * counts.bootstraps() as f64 / threads as f64
        ),
    )?;

    if let Some(per_layer) = args.sample {
        let (pixels, _) = digits.get(0).ok_or("shipped digit missing")?;
        w(
            out,
            format!(
                "sample: {per_layer} neuron(s) per layer of digit 1, each encrypted input encrypted by the client from the reference values, evaluated one at a time on one thread"
            ),
        )?;
        let sampling = Sampling {
            model: &model,
            adder,
            image: pixels,
            neurons_per_layer: per_layer,
        };
        let progress = InferenceProgress::new(args.quiet, "sample");
        let samples = measure_layers(
            &client,
            &server,
            sampling,
            &mut rng,
            &|layer, done, total| {
                progress.update(crate::pbs::Progress {
                    layer,
                    layers: model.layers.len(),
                    kind: model.layers[layer].kind_name(),
                    done,
                    total,
                });
            },
        );
        progress.finish();
        let samples = samples.map_err(|e| e.to_string())?;
        write_samples(&samples, threads, out).map_err(output_error)?;
        write_paper_comparison(&counts, out).map_err(output_error)?;
        if samples.iter().any(|s| !s.exact()) {
            return Err("a sampled neuron differs from the reference".into());
        }
        return Ok(());
    }

    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, &model, adder).map_err(|e| e.to_string())?;
    let mut correct = 0;
    let mut exact = 0;
    for i in 0..args.count {
        let (pixels, label) = digits.get(i).ok_or("shipped digit missing")?;
        let t = Instant::now();
        let image = EncryptedBitImage::encrypt(
            &client,
            pixels,
            model.input.shape,
            model.input.bits,
            &mut rng,
        )
        .map_err(|e| e.to_string())?;
        let encrypt = t.elapsed().as_secs_f64();
        let progress = InferenceProgress::new(args.quiet, &format!("digit {}", i + 1));
        let result = with_threads(args.threads, || {
            engine.infer(image.into_integers(), &|p| progress.update(p))
        })?;
        progress.finish();
        let (logits, report) = result.map_err(|e| e.to_string())?;
        let t = Instant::now();
        let result =
            EncryptedBitLogits::from_integers(p, &logits).ok_or("the model has no logits")?;
        let decrypted = result.decrypt(&client).map_err(|e| e.to_string())?;
        let decrypt = t.elapsed().as_secs_f64();
        let predicted = reference::argmax(&decrypted);
        let expected = reference::logits(&model, pixels).map_err(|e| e.to_string())?;
        correct += usize::from(predicted == usize::from(label));
        exact += usize::from(decrypted == expected);
        if report.counts() != counts {
            return Err("the encrypted run's operation counts differ from the dry run's".into());
        }
        w(
            out,
            format!(
                "digit {}: label {label}, encrypted prediction {predicted} ({}), logits {} the reference engine's; encrypt {encrypt:.2} s, server {:.1} s, decrypt {decrypt:.3} s",
                i + 1,
                if predicted == usize::from(label) { "correct" } else { "wrong" },
                if decrypted == expected { "equal" } else { "DIFFER FROM" },
                report.seconds
            ),
        )?;
        write_report(&report, out).map_err(output_error)?;
    }
    w(
        out,
        format!(
            "summary: {correct}/{} correct, {exact}/{} bit-exact with the plaintext reference",
            args.count, args.count
        ),
    )?;
    if exact != args.count {
        return Err("encrypted logits differ from the reference".into());
    }
    Ok(())
}
