//! `she eval`: accuracy of a model — the plaintext-quantized reference over a whole test set,
//! and encrypted inference on a random sample of it (agreement with the reference, accuracy,
//! latency).

use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::client::ClientKey;
use crate::data::mnist::{load_mnist, Split};
use crate::model::Model;
use crate::pbs::PbsEngine;
use crate::reference;
use clap::Args;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use tfhe_core::params::{self, ParameterSet};
use torus::{Csprng, EncryptionRng, Seed};

/// Arguments of `she eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Directory with the MNIST IDX files (gzip'd or not).
    #[arg(long)]
    pub data: PathBuf,
    /// Also run this many randomly chosen test images encrypted.
    #[arg(long, default_value_t = 0)]
    pub encrypted: usize,
    /// Parameter set of the encrypted runs: SHE_MNIST (128-bit) or TOY (INSECURE).
    #[arg(long, default_value = "SHE_MNIST")]
    pub params: String,
    /// Seed of the sample's choice (the keys and encryptions always use OS randomness).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print one JSON object (DESIGN.md contract) instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// What the encrypted sample gave.
struct Encrypted {
    agreement: f64,
    accuracy: f64,
    median_latency_s: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Runs `she eval`.
pub fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<(), String> {
    let model = Model::load(&args.model).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let test = load_mnist(&args.data, Split::Test).map_err(|e| e.to_string())?;
    if test.image_len() != model.input_len() {
        return Err(format!(
            "{}: images of {} pixels, the model reads {}",
            args.data.display(),
            test.image_len(),
            model.input_len()
        ));
    }
    let p: &'static ParameterSet = params::by_name(&args.params)
        .filter(|p| p.name == "SHE_MNIST" || p.name == "TOY")
        .ok_or_else(|| format!("parameter set '{}': use SHE_MNIST or TOY", args.params))?;
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);

    // The plaintext reference over the whole set.
    let t = Instant::now();
    let predictions: Vec<usize> = with_threads(args.threads, || {
        (0..test.len())
            .into_par_iter()
            .map(|i| reference::predict(&model, test.image(i)))
            .collect::<Result<_, _>>()
    })?
    .map_err(|e| e.to_string())?;
    let correct = predictions
        .iter()
        .zip(&test.labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    let plain_accuracy = correct as f64 / test.len() as f64;
    let plain_seconds = t.elapsed().as_secs_f64();

    let encrypted = if args.encrypted > 0 {
        Some(encrypted_sample(args, &model, &test, &predictions, p)?)
    } else {
        None
    };

    if args.json {
        let (agreement, accuracy, latency) =
            encrypted
                .as_ref()
                .map_or(("null".into(), "null".into(), "null".into()), |e| {
                    (
                        format!("{}", e.agreement),
                        format!("{}", e.accuracy),
                        format!("{:.3}", e.median_latency_s),
                    )
                });
        writeln!(
            out,
            "{{\"dataset\":\"mnist\",\"images\":{},\"plain_accuracy\":{},\"encrypted_images\":{},\
             \"encrypted_agreement\":{agreement},\"encrypted_accuracy\":{accuracy},\
             \"median_latency_s\":{latency},\"params\":\"{}\",\"threads\":{threads}}}",
            test.len(),
            plain_accuracy,
            args.encrypted,
            p.name
        )
        .map_err(output_error)?;
    } else {
        writeln!(
            out,
            "{}: plaintext-quantized accuracy {:.2}% on {} test images ({correct} correct, {plain_seconds:.1} s)",
            model.name,
            100.0 * plain_accuracy,
            test.len()
        )
        .map_err(output_error)?;
        if let Some(e) = &encrypted {
            writeln!(
                out,
                "encrypted ({}, {threads} threads): {} images, agreement with the reference {:.2}%, \
                 accuracy {:.2}%, median latency {:.1} s",
                p.name,
                args.encrypted,
                100.0 * e.agreement,
                100.0 * e.accuracy,
                e.median_latency_s
            )
            .map_err(output_error)?;
        }
    }
    Ok(())
}

/// Encrypts, infers and decrypts a seeded random sample of the test set.
fn encrypted_sample(
    args: &EvalArgs,
    model: &Model,
    test: &crate::data::mnist::Dataset,
    predictions: &[usize],
    p: &'static ParameterSet,
) -> Result<Encrypted, String> {
    // The sample: a seeded partial Fisher–Yates shuffle of the indices.
    let mut chooser = Csprng::from_seed(&Seed::insecure_from_u64(args.seed));
    let mut indices: Vec<usize> = (0..test.len()).collect();
    let n = args.encrypted.min(test.len());
    for i in 0..n {
        let j = i + (chooser.random_torus::<u64>() % (test.len() - i) as u64) as usize;
        indices.swap(i, j);
    }
    let client =
        ClientKey::generate(p, &mut Csprng::from_os_entropy()).map_err(|e| e.to_string())?;
    let mut rng = EncryptionRng::from_os_entropy();
    let server = client.server_key(&mut rng).map_err(|e| e.to_string())?;
    let engine = PbsEngine::for_server(&server, model).map_err(|e| e.to_string())?;
    let (mut agree, mut correct, mut latencies) = (0, 0, Vec::new());
    for (k, &i) in indices[..n].iter().enumerate() {
        let image = client
            .encrypt_image(test.image(i), model.input.shape, model.input.bits, &mut rng)
            .map_err(|e| e.to_string())?;
        let progress = InferenceProgress::new(args.quiet, &format!("image {}/{n}", k + 1));
        let t = Instant::now();
        let result = with_threads(args.threads, || {
            engine.infer_image(&image, &|p| progress.update(p))
        })?;
        latencies.push(t.elapsed().as_secs_f64());
        progress.finish();
        let (logits, _) = result.map_err(|e| e.to_string())?;
        let predicted =
            reference::argmax(&client.decrypt_logits(&logits).map_err(|e| e.to_string())?);
        agree += usize::from(predicted == predictions[i]);
        correct += usize::from(predicted == usize::from(test.labels[i]));
    }
    Ok(Encrypted {
        agreement: agree as f64 / n as f64,
        accuracy: correct as f64 / n as f64,
        median_latency_s: median(latencies),
    })
}
