//! The `she` binary: see `she --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match she_nn::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors; bad arguments are a user error: exit 1
            // (DESIGN.md), with clap's explanation on stderr.
            let code = if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
            let _ = e.print();
            return code;
        }
    };
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
