//! `she infer`: the server's step — evaluate a model on an encrypted image with the server key.

use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::ciphertexts::EncryptedImage;
use crate::model::Model;
use crate::pbs::{InferenceReport, PbsEngine};
use crate::server::ServerKey;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// The encrypted engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// One LWE ciphertext per activation, programmable bootstrapping (default).
    Pbs,
    /// SHE's bitwise circuits on gate bootstrapping (not implemented yet).
    Bitwise,
}

/// Arguments of `she infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// The server key (`she keygen` writes it).
    #[arg(long)]
    pub server_key: PathBuf,
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// The encrypted image (`she encrypt` writes it).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the encrypted result.
    #[arg(long)]
    pub out: PathBuf,
    /// Which encrypted engine evaluates the model.
    #[arg(long, value_enum, default_value = "pbs")]
    pub engine: Engine,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Refuses engines that are not there yet, with a one-line reason.
pub fn require_pbs(engine: Engine) -> Result<(), String> {
    match engine {
        Engine::Pbs => Ok(()),
        Engine::Bitwise => Err(
            "the bitwise engine (SHE's gate circuits) is not implemented yet; use --engine pbs"
                .into(),
        ),
    }
}

/// Writes the per-layer table of an inference report.
pub fn write_report(report: &InferenceReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "  layer  kind              elements  bootstraps   seconds"
    )?;
    for l in &report.layers {
        writeln!(
            out,
            "  {:>5}  {:<16}  {:>8}  {:>10}  {:>8.2}",
            l.index, l.kind, l.elements, l.bootstraps, l.seconds
        )?;
    }
    writeln!(
        out,
        "  total: {} bootstraps in {:.2} s; failure probability (union bound, noise model) {:.1e} \
         per image, worst bootstrap 2^{:.1}",
        report.ledger.bootstraps,
        report.seconds,
        report.ledger.failure_probability,
        report.ledger.worst_log2_failure
    )
}

/// Runs `she infer`.
pub fn run(args: &InferArgs, out: &mut dyn Write) -> Result<(), String> {
    require_pbs(args.engine)?;
    let server = ServerKey::load(&args.server_key).map_err(|e| e.to_string())?;
    let model = Model::load(&args.model).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let image = EncryptedImage::load(&args.input).map_err(|e| e.to_string())?;
    let engine = PbsEngine::for_server(&server, &model)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let progress = InferenceProgress::new(args.quiet, "infer");
    let result = with_threads(args.threads, || {
        engine.infer_image(&image, &|p| progress.update(p))
    })?;
    progress.finish();
    let (logits, report) = result.map_err(|e| format!("{}: {e}", args.input.display()))?;
    logits.save(&args.out).map_err(|e| e.to_string())?;
    writeln!(
        out,
        "{}: {} logits written to {} ({}, {} threads)",
        model.name,
        logits.logits.len(),
        args.out.display(),
        server.params().name,
        args.threads.unwrap_or_else(rayon::current_num_threads)
    )
    .map_err(output_error)?;
    write_report(&report, out).map_err(output_error)
}
