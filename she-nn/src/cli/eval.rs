//! `she eval`: accuracy of a model — the plaintext-quantized reference over a whole test set,
//! and encrypted inference on a random sample of it (agreement with the reference, accuracy,
//! latency), optionally recorded image by image in a resumable log ([`super::eval_log`]).

use super::eval_log::{
    build_id, host_description, read_log, EvaluationId, ImageRecord, LogWriter, SampleFacts,
};
use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::client::ClientKey;
use crate::data::mnist::{load_mnist, Dataset, Split};
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
    /// Bootstraps of different neurons run as one batch with one pass over the bootstrapping key
    /// (1: no batching; with T threads, T·B workers run, whose key switches go on beside the
    /// batches). The results are the same bits for every value.
    #[arg(long, default_value_t = crate::pbs::DEFAULT_BOOTSTRAP_BATCH, value_parser = super::parse_bootstrap_batch)]
    pub bootstrap_batch: usize,
    /// Print one JSON object (DESIGN.md contract) instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Record every encrypted image as one JSON line in this file, and skip the images it
    /// already records for the same model, parameter set and seed: a long evaluation can stop
    /// and resume, and the summary covers every recorded image of the sample.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

/// What the encrypted sample gave.
struct Encrypted {
    agreement: f64,
    accuracy: f64,
    /// Share of images whose every decrypted logit equals the reference's.
    logits_exact: f64,
    median_latency_s: f64,
    /// How many of the sample's images an earlier run had recorded in the log.
    from_log: usize,
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
        let null = || "null".to_string();
        let (agreement, accuracy, latency, exact) =
            encrypted
                .as_ref()
                .map_or((null(), null(), null(), null()), |e| {
                    (
                        format!("{}", e.agreement),
                        format!("{}", e.accuracy),
                        format!("{:.3}", e.median_latency_s),
                        format!("{}", e.logits_exact),
                    )
                });
        writeln!(
            out,
            "{{\"dataset\":\"mnist\",\"images\":{},\"plain_accuracy\":{},\"encrypted_images\":{},\
             \"encrypted_agreement\":{agreement},\"encrypted_accuracy\":{accuracy},\
             \"median_latency_s\":{latency},\"params\":\"{}\",\"threads\":{threads},\
             \"encrypted_logits_exact\":{exact}}}",
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
                "encrypted ({}, {threads} threads): {} images ({} from the log), agreement with \
                 the reference {:.2}%, bit-exact logits {:.2}%, accuracy {:.2}%, median latency \
                 {:.1} s",
                p.name,
                args.encrypted,
                e.from_log,
                100.0 * e.agreement,
                100.0 * e.logits_exact,
                100.0 * e.accuracy,
                e.median_latency_s
            )
            .map_err(output_error)?;
        }
    }
    Ok(())
}

/// The seeded sample order: a Fisher–Yates shuffle of the test set's indices. Position `k` of a
/// shuffle does not depend on how many positions are used, so `--encrypted 10` runs the first
/// ten images of `--encrypted 100` (with the same seed).
fn sample_order(seed: u64, len: usize) -> Vec<usize> {
    let mut chooser = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut indices: Vec<usize> = (0..len).collect();
    for i in 0..len {
        let j = i + (chooser.random_torus::<u64>() % (len - i) as u64) as usize;
        indices.swap(i, j);
    }
    indices
}

/// The hexadecimal SHA-256 of a file.
fn sha256_hex(path: &std::path::Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The sample and the test set, for checking log records.
struct Facts<'a> {
    order: &'a [usize],
    test: &'a Dataset,
    predictions: &'a [usize],
}

impl SampleFacts for Facts<'_> {
    fn index_at(&self, position: usize) -> Option<usize> {
        self.order.get(position).copied()
    }
    fn label(&self, index: usize) -> Option<u8> {
        self.test.labels.get(index).copied()
    }
    fn reference(&self, index: usize) -> Option<usize> {
        self.predictions.get(index).copied()
    }
}

/// Encrypts, infers and decrypts the first `--encrypted` images of the seeded sample order,
/// except those the log already records.
fn encrypted_sample(
    args: &EvalArgs,
    model: &Model,
    test: &Dataset,
    predictions: &[usize],
    p: &'static ParameterSet,
) -> Result<Encrypted, String> {
    let order = sample_order(args.seed, test.len());
    let n = args.encrypted.min(test.len());
    let id = EvaluationId {
        model_sha256: sha256_hex(&args.model)?,
        params: p.name.to_string(),
        seed: args.seed,
    };
    let facts = Facts {
        order: &order,
        test,
        predictions,
    };
    let (mut records, mut log) = match &args.log {
        Some(path) => (read_log(path, &id, &facts)?, Some(LogWriter::open(path)?)),
        None => (Vec::new(), None),
    };
    records.retain(|r| r.position < n);
    let from_log = records.len();
    let todo: Vec<usize> = (0..n)
        .filter(|k| !records.iter().any(|r| r.position == *k))
        .collect();

    if !todo.is_empty() {
        let client =
            ClientKey::generate(p, &mut Csprng::from_os_entropy()).map_err(|e| e.to_string())?;
        let mut rng = EncryptionRng::from_os_entropy();
        let server = client.server_key(&mut rng).map_err(|e| e.to_string())?;
        let engine = PbsEngine::for_server(&server, model)
            .map_err(|e| e.to_string())?
            .with_bootstrap_batch(args.bootstrap_batch);
        let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
        let (build_id, host) = (build_id(), host_description());
        for (done, &position) in todo.iter().enumerate() {
            let index = order[position];
            let image = client
                .encrypt_image(
                    test.image(index),
                    model.input.shape,
                    model.input.bits,
                    &mut rng,
                )
                .map_err(|e| e.to_string())?;
            let label = format!("image {}/{} (#{})", done + 1, todo.len(), position + 1);
            let progress = InferenceProgress::new(args.quiet, &label);
            let t = Instant::now();
            let result = with_threads(args.threads, || {
                engine.infer_image(&image, &|p| progress.update(p))
            })?;
            let latency_s = t.elapsed().as_secs_f64();
            progress.finish();
            let (logits, _) = result.map_err(|e| e.to_string())?;
            let decrypted = client.decrypt_logits(&logits).map_err(|e| e.to_string())?;
            let reference =
                reference::logits(model, test.image(index)).map_err(|e| e.to_string())?;
            let record = ImageRecord {
                model_sha256: id.model_sha256.clone(),
                params: id.params.clone(),
                seed: id.seed,
                position,
                index,
                label: test.labels[index],
                reference: predictions[index],
                encrypted: reference::argmax(&decrypted),
                logits_exact: decrypted == reference,
                latency_s,
                threads,
                build: Some(build_id.clone()),
                host: Some(host.clone()),
            };
            if let Some(log) = &mut log {
                log.append(&record)?;
            }
            records.push(record);
        }
    }

    let share = |f: &dyn Fn(&ImageRecord) -> bool| {
        records.iter().filter(|r| f(r)).count() as f64 / n as f64
    };
    Ok(Encrypted {
        agreement: share(&|r| r.encrypted == r.reference),
        accuracy: share(&|r| r.encrypted == usize::from(r.label)),
        logits_exact: share(&|r| r.logits_exact),
        median_latency_s: median(records.iter().map(|r| r.latency_s).collect()),
        from_log,
    })
}
