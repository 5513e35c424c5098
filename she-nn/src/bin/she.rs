//! The `she` binary: see `she --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = she_nn::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match she_nn::cli::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`she demo | head`): stop quietly, like other Unix tools.
        Err(message) if message == she_nn::cli::BROKEN_PIPE => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("she: {message}");
            ExitCode::FAILURE
        }
    }
}
