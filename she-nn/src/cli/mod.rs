//! The `she` command line: argument parsing and dispatch. Each subcommand lives in its own file.

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
}

/// Runs the parsed command line; the error is one line for stderr.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Demo(args) => demo::run(&args),
    }
}
