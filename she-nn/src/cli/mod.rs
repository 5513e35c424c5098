//! The `she` command line: argument parsing and dispatch. Each subcommand lives in its own file.

pub mod bench;
pub mod bitwise;
pub mod decrypt;
pub mod demo;
pub mod encrypt;
pub mod eval;
pub mod eval_log;
pub mod infer;
pub mod keygen;
pub mod progress;

use clap::{Parser, Subcommand};

/// SHE: encrypted neural-network inference on TFHE.
#[derive(Debug, Parser)]
#[command(name = "she", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SHE_BUILD"), ")"), about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// End to end on shipped MNIST test digits: keygen, encrypt, infer, decrypt, with timings.
    Demo(demo::DemoArgs),
    /// The server's step: evaluate a model on an encrypted image.
    Infer(infer::InferArgs),
    /// Accuracy: plaintext-quantized over a test set, encrypted on a random sample.
    Eval(eval::EvalArgs),
    /// Quick medians of the core primitives (about a minute), for side-by-side comparisons.
    Bench(bench::BenchArgs),
    /// Generate a client key (secret) and its server key: DIR/client.key and DIR/server.key.
    Keygen(keygen::KeygenArgs),
    /// Encrypt one image (PNG, or one entry of an IDX file) with a client key.
    Encrypt(encrypt::EncryptArgs),
    /// Decrypt an encrypted result with the client key: prints "class: C" and the logits.
    Decrypt(decrypt::DecryptArgs),
}

/// What a command's output failing means: a closed pipe (`she demo | head`) is reported as
/// [`BROKEN_PIPE`] so the binary can exit quietly; anything else is an error line.
#[allow(clippy::needless_pass_by_value)] // shaped for `.map_err(output_error)`
pub fn output_error(e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        BROKEN_PIPE.to_string()
    } else {
        format!("cannot write output: {e}")
    }
}

/// Warns on `out` when `params` is an insecure set (every command that uses one says so).
pub fn warn_if_insecure(
    params: &tfhe_core::params::ParameterSet,
    out: &mut dyn std::io::Write,
) -> Result<(), String> {
    if params.is_insecure() {
        writeln!(
            out,
            "WARNING: {} is INSECURE: for tests and demos of file handling only",
            params.name
        )
        .map_err(output_error)?;
    }
    Ok(())
}

/// The error text of a closed output pipe.
pub const BROKEN_PIPE: &str = "output closed";

/// Runs the parsed command line, writing to `out`; the error is one line for stderr.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> Result<(), String> {
    use crate::header::Kind;
    match cli.command {
        // Keys, images and results of a boolean gate set belong to the bitwise engine.
        Command::Keygen(args) if bitwise::is_gate_set_name(&args.params) => {
            bitwise::keygen(&args, out)
        }
        Command::Encrypt(args) if bitwise::is_gate_set_file(&args.client_key, Kind::ClientKey) => {
            bitwise::encrypt(&args, out)
        }
        Command::Decrypt(args) if bitwise::is_gate_set_file(&args.input, Kind::EncryptedResult) => {
            bitwise::decrypt(&args, out)
        }
        Command::Demo(args) => demo::run(&args, out),
        Command::Infer(args) => infer::run(&args, out),
        Command::Eval(args) => eval::run(&args, out),
        Command::Bench(args) => bench::run(&args, out),
        Command::Keygen(args) => keygen::run(&args, out),
        Command::Encrypt(args) => encrypt::run(&args, out),
        Command::Decrypt(args) => decrypt::run(&args, out),
    }
}

/// `--bootstrap-batch B`: a whole number from 1 to 64.
fn parse_bootstrap_batch(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(b @ 1..=64) => Ok(b),
        _ => Err(format!(
            "expected a whole number from 1 to 64, got {text:?}"
        )),
    }
}
