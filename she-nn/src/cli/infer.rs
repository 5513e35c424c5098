//! `she infer`: the server's step — evaluate a model on an encrypted image with the server key.
//!
//! `--in F --out F` infers one image (the DESIGN.md contract). A batch runs in one process by
//! repeating `--in` and naming a directory with `--out-dir DIR` instead of `--out`: the server
//! key and the model are loaded once, every input's header is checked before the first image is
//! evaluated, and the result of `--in PATH/NAME.EXT` is written to `DIR/NAME.res` as soon as it
//! is ready (two inputs with the same file stem are refused).

use super::output_error;
use super::progress::{with_threads, InferenceProgress};
use crate::ciphertexts::EncryptedImage;
use crate::header::Kind;
use crate::model::Model;
use crate::pbs::{InferenceReport, PbsEngine};
use crate::persist::ObjectFile;
use crate::server::ServerKey;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The encrypted engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// One LWE ciphertext per activation, programmable bootstrapping (default).
    Pbs,
    /// SHE's bitwise circuits on gate bootstrapping: keys, image and result at a boolean gate set
    /// (BOOLEAN_128 or TOY_BOOLEAN), fast full adders.
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
    /// The encrypted image (`she encrypt` writes it). Repeat for a batch (with `--out-dir`).
    #[arg(long = "in", value_name = "FILE", required = true)]
    pub input: Vec<PathBuf>,
    /// Where to write the encrypted result (one `--in`).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "out_dir",
        conflicts_with = "out_dir"
    )]
    pub out: Option<PathBuf>,
    /// Batch: the directory (created if missing) that receives `NAME.res` for each `--in
    /// PATH/NAME.EXT`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Which encrypted engine evaluates the model.
    #[arg(long, value_enum, default_value = "pbs")]
    pub engine: Engine,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Bootstraps of different neurons run as one batch with one pass over the bootstrapping key
    /// (1: no batching; with T threads, T·B workers run, whose key switches go on beside the
    /// batches). The results are the same bits for every value.
    #[arg(long, default_value_t = crate::pbs::DEFAULT_BOOTSTRAP_BATCH, value_parser = super::parse_bootstrap_batch)]
    pub bootstrap_batch: usize,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
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
        "  total: {} bootstraps ({} coarse) in {:.2} s; failure probability (union bound, noise \
         model) {:.1e} per image, worst bootstrap 2^{:.1}",
        report.ledger.bootstraps,
        report.ledger.coarse_bootstraps,
        report.seconds,
        report.ledger.failure_probability,
        report.ledger.worst_log2_failure
    )
}

/// The `(input, output)` pairs the arguments name: `--in F --out G`, or every `--in` with
/// `--out-dir DIR` (created here). Checks each input's header (kind, parameter set, size) so that
/// a bad file in a batch is reported before hours of work.
pub fn jobs(args: &InferArgs) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let jobs = match (&args.out, &args.out_dir) {
        (Some(out), None) => match args.input.as_slice() {
            [input] => vec![(input.clone(), out.clone())],
            _ => return Err("several --in need --out-dir DIR instead of --out".into()),
        },
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create directory: {e}", dir.display()))?;
            let mut seen = std::collections::HashSet::new();
            let mut jobs = Vec::with_capacity(args.input.len());
            for input in &args.input {
                let stem = input
                    .file_stem()
                    .ok_or_else(|| format!("{}: not a file name", input.display()))?;
                if !seen.insert(stem.to_os_string()) {
                    return Err(format!(
                        "{}: another --in has the same file stem; its result would be overwritten",
                        input.display()
                    ));
                }
                let mut name = stem.to_os_string();
                name.push(".res");
                jobs.push((input.clone(), dir.join(name)));
            }
            jobs
        }
        _ => return Err("give --out FILE (one --in) or --out-dir DIR".into()),
    };
    for (input, _) in &jobs {
        ObjectFile::open(input, Kind::EncryptedInput).map_err(|e| e.to_string())?;
    }
    Ok(jobs)
}

/// Runs `she infer`.
pub fn run(args: &InferArgs, out: &mut dyn Write) -> Result<(), String> {
    if args.engine == Engine::Bitwise {
        return super::bitwise::infer(args, out);
    }
    let jobs = jobs(args)?;
    let server = ServerKey::load(&args.server_key).map_err(|e| e.to_string())?;
    let model = Model::load(&args.model).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let engine = PbsEngine::for_server(&server, &model)
        .map_err(|e| format!("{}: {e}", args.model.display()))?
        .with_bootstrap_batch(args.bootstrap_batch);
    for (input, output) in jobs {
        infer_one(args, &server, &model, &engine, &input, &output, out)?;
    }
    Ok(())
}

/// Infers one encrypted image and writes its result.
fn infer_one(
    args: &InferArgs,
    server: &ServerKey,
    model: &Model,
    engine: &PbsEngine<'_>,
    input: &Path,
    output: &Path,
    out: &mut dyn Write,
) -> Result<(), String> {
    let image = EncryptedImage::load(input).map_err(|e| e.to_string())?;
    let progress = InferenceProgress::new(args.quiet, "infer");
    let result = with_threads(args.threads, || {
        engine.infer_image(&image, &|p| progress.update(p))
    })?;
    progress.finish();
    drop(image);
    let (logits, report) = result.map_err(|e| format!("{}: {e}", input.display()))?;
    logits.save(output).map_err(|e| e.to_string())?;
    writeln!(
        out,
        "{}: {} logits written to {} ({}, {} threads)",
        model.name,
        logits.logits.len(),
        output.display(),
        server.params().name,
        args.threads.unwrap_or_else(rayon::current_num_threads)
    )
    .map_err(output_error)?;
    write_report(&report, out).map_err(output_error)
}
