//! `she demo`: the main job — shipped MNIST test digits classified end to end on encrypted data.
//!
//! The client generates its keys and the server key, encrypts each digit; the server, holding
//! the server key and the model only, evaluates the network on the ciphertexts; the client
//! decrypts the logits. For every digit the demo prints the prediction, the label, whether the
//! decrypted logits equal the plaintext reference engine's exactly, and the server's per-layer
//! timing.

use super::bitwise::AdderArg;
use super::infer::{write_report, Engine};
use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::client::ClientKey;
use crate::data::mnist::shipped_test_digits;
use crate::model::format::read_model;
use crate::model::Model;
use crate::pbs::PbsEngine;
use crate::reference;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use tfhe_core::params::{self, ParameterSet};
use torus::{Csprng, EncryptionRng};

/// The shipped MNIST model (`she-nn/models/mnist-she.model`), built into the binary.
const SHIPPED_MODEL: &[u8] = include_bytes!("../../models/mnist-she.model");

/// The shipped model.
pub fn shipped_model() -> Result<Model, String> {
    read_model(&mut &SHIPPED_MODEL[..]).map_err(|e| format!("shipped model: {e}"))
}

/// Arguments of `she demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many of the 16 shipped test digits to classify.
    #[arg(long, default_value_t = 1)]
    pub count: usize,
    /// Which encrypted engine evaluates the model.
    #[arg(long, value_enum, default_value = "pbs")]
    pub engine: Engine,
    /// Parameter set: SHE_MNIST (128-bit, the default) or TOY (INSECURE, for a quick look); with
    /// --engine bitwise, BOOLEAN_128 (128-bit, the default) or TOY_BOOLEAN (INSECURE).
    #[arg(long)]
    pub params: Option<String>,
    /// A model file instead of the shipped one.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Bootstraps of different neurons run as one batch with one pass over the bootstrapping key
    /// (1: no batching; with T threads, T·B workers run, whose key switches go on beside the
    /// batches). The results are the same bits for every value.
    #[arg(long, default_value_t = crate::pbs::DEFAULT_BOOTSTRAP_BATCH, value_parser = super::parse_bootstrap_batch)]
    pub bootstrap_batch: usize,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Bitwise engine: the full adders (fast: sum and carry from one bootstrap each; ripple:
    /// two-input gates).
    #[arg(long, value_enum, default_value = "fast")]
    pub adder: AdderArg,
    /// Bitwise engine: instead of whole digits, measure K neurons of every layer (one at a time,
    /// on one thread) and project the whole network from them.
    #[arg(long, value_name = "K")]
    pub sample: Option<usize>,
}

/// Runs the demo.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<(), String> {
    if args.engine == Engine::Bitwise {
        return super::bitwise::demo(args, out);
    }
    if args.sample.is_some() {
        return Err("--sample is for --engine bitwise".into());
    }
    let name = args.params.as_deref().unwrap_or("SHE_MNIST");
    let p: &'static ParameterSet = params::by_name(name)
        .filter(|p| p.name == "SHE_MNIST" || p.name == "TOY")
        .ok_or_else(|| format!("parameter set '{name}': use SHE_MNIST or TOY"))?;
    let digits = shipped_test_digits().map_err(|e| format!("shipped digits: {e}"))?;
    if args.count == 0 || args.count > digits.len() {
        return Err(format!("--count must be 1 to {}", digits.len()));
    }
    let model = match &args.model {
        Some(path) => Model::load(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => shipped_model()?,
    };
    let w = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(output_error);

    w(
        out,
        format!(
            "SHE demo: {} digit(s) of the MNIST test set, encrypted end to end",
            args.count
        ),
    )?;
    w(out, format!("parameters: {p}"))?;
    super::warn_if_insecure(p, out)?;
    w(
        out,
        format!("model: {} ({} layers)", model.name, model.layers.len()),
    )?;

    // Client: keys.
    let t = Instant::now();
    let mut secret_rng = Csprng::from_os_entropy();
    let mut rng = EncryptionRng::from_os_entropy();
    let client = ClientKey::generate(p, &mut secret_rng).map_err(|e| e.to_string())?;
    let server = client.server_key(&mut rng).map_err(|e| e.to_string())?;
    w(
        out,
        format!(
            "client: key generation {:.2} s (the server receives the server key only)",
            t.elapsed().as_secs_f64()
        ),
    )?;

    // Server: plan the model once.
    let engine = PbsEngine::for_server(&server, &model)
        .map_err(|e| e.to_string())?
        .with_bootstrap_batch(args.bootstrap_batch);
    w(
        out,
        format!(
            "server: plan checked — worst bootstrap failure probability 2^{:.1} (noise model)",
            engine.plan().worst_log2_failure
        ),
    )?;

    let mut correct = 0;
    let mut exact = 0;
    for i in 0..args.count {
        let (pixels, label) = digits.get(i).ok_or("shipped digit missing")?;
        let t = Instant::now();
        let image = client
            .encrypt_image(pixels, model.input.shape, model.input.bits, &mut rng)
            .map_err(|e| e.to_string())?;
        let encrypt = t.elapsed().as_secs_f64();

        let progress = InferenceProgress::new(args.quiet, &format!("digit {}", i + 1));
        let result = with_threads(args.threads, || {
            engine.infer_image(&image, &|p| progress.update(p))
        })?;
        progress.finish();
        let (encrypted_logits, report) = result.map_err(|e| e.to_string())?;

        let t = Instant::now();
        let logits = client
            .decrypt_logits(&encrypted_logits)
            .map_err(|e| e.to_string())?;
        let decrypt = t.elapsed().as_secs_f64();
        let predicted = reference::argmax(&logits);
        let expected = reference::logits(&model, pixels).map_err(|e| e.to_string())?;
        correct += usize::from(predicted == usize::from(label));
        exact += usize::from(logits == expected);
        w(out, format!(
            "digit {}: label {label}, encrypted prediction {predicted} ({}), logits {} the reference engine's; \
             encrypt {encrypt:.2} s, server {:.1} s, decrypt {decrypt:.3} s",
            i + 1,
            if predicted == usize::from(label) { "correct" } else { "wrong" },
            if logits == expected { "equal" } else { "DIFFER FROM" },
            report.seconds
        ))?;
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
