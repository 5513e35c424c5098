//! The `she` command line: argument parsing and dispatch. Each subcommand lives in its own file.

pub mod bench;
pub mod demo;

use clap::{Parser, Subcommand};

/// SHE: encrypted neural-network inference on TFHE.
#[derive(Debug, Parser)]
#[command(name = "she", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the end-to-end demonstration of what is implemented so far, with timings.
    Demo(demo::DemoArgs),
    /// Quick medians of the core primitives (about a minute), for side-by-side comparisons.
    Bench(bench::BenchArgs),
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

/// The error text of a closed output pipe.
pub const BROKEN_PIPE: &str = "output closed";

/// Runs the parsed command line, writing to `out`; the error is one line for stderr.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> Result<(), String> {
    match cli.command {
        Command::Demo(args) => demo::run(&args, out),
        Command::Bench(args) => bench::run(&args, out),
    }
}
