//! The `she` binary: see `she --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = she_nn::cli::Cli::parse();
    match she_nn::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("she: {message}");
            ExitCode::FAILURE
        }
    }
}
