//! `she keygen`: generates a client key (secret) and the matching server key (public) for one
//! parameter set, and writes them as `DIR/client.key` and `DIR/server.key`.
//!
//! The server key is written first and the client key last, and an existing client key is never
//! replaced: a failed or repeated run can lose no secret. Key generation (seconds at the real
//! sets) shows progress on a terminal unless `--quiet`.

use super::output_error;
use crate::client::ClientKey;
use crate::persist::{FileError, Problem};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tfhe_core::params::{self, ParameterSet};
use torus::{Csprng, EncryptionRng, Seed};

/// Arguments of `she keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Parameter set: SHE_MNIST (the networks' set, 128-bit), MSG2_CARRY2 (128-bit) or TOY
    /// (INSECURE: tests and demos of file handling only); for the bitwise engine, the gate sets
    /// BOOLEAN_128 (128-bit) or TOY_BOOLEAN (INSECURE).
    #[arg(long, value_name = "NAME")]
    pub params: String,
    /// Directory to write client.key and server.key to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// INSECURE, for tests only: derive the keys from this number instead of the operating
    /// system's entropy. Anyone who knows or guesses it can recompute the secret key.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Show no progress.
    #[arg(long)]
    pub quiet: bool,
}

/// The sets keys can be generated for: those on a 64-bit torus (the network's ciphertexts).
fn key_sets() -> impl Iterator<Item = &'static ParameterSet> {
    params::ALL.iter().copied().filter(|p| p.torus_bits == 64)
}

/// Looks up a set by name, listing the valid names when it is unknown.
fn parameter_set(name: &str) -> Result<&'static ParameterSet, String> {
    key_sets().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = key_sets().map(|p| p.name).collect();
        format!(
            "unknown parameter set '{name}' for keys (use one of: {})",
            names.join(", ")
        )
    })
}

/// The randomness of key generation: OS entropy, or (insecure) streams derived from `seed`,
/// with the secret-key stream and both encryption streams independent of each other.
pub(crate) fn randomness(seed: Option<u64>) -> (Csprng, EncryptionRng) {
    let Some(seed) = seed else {
        return (Csprng::from_os_entropy(), EncryptionRng::from_os_entropy());
    };
    let mut master = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let secret = master.fork();
    let mut draw_seed = || {
        let mut s = Seed([0; 32]);
        for chunk in s.0.chunks_exact_mut(8) {
            chunk.copy_from_slice(&master.random_torus::<u64>().to_le_bytes());
        }
        s
    };
    let (mask, noise) = (draw_seed(), draw_seed());
    (secret, EncryptionRng::from_seeds(&mask, &noise))
}

/// A step counter on stderr when stdout is a terminal and progress is wanted, hidden otherwise.
fn progress(quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stdout().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(4), target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// A byte count for people.
pub(crate) fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{bytes} B")
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    }
}

/// Runs `she keygen`.
pub fn run(args: &KeygenArgs, out: &mut dyn Write) -> Result<(), String> {
    let p = parameter_set(&args.params)?;
    let client_path = args.out.join("client.key");
    let server_path = args.out.join("server.key");
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create directory: {e}", args.out.display()))?;
    if client_path.exists() {
        return Err(FileError::new(&client_path, Problem::Exists).to_string());
    }
    writeln!(out, "parameter set {p}").map_err(output_error)?;
    super::warn_if_insecure(p, out)?;
    if args.seed.is_some() {
        writeln!(
            out,
            "WARNING: keys derived from --seed are INSECURE (anyone who knows the seed has the key): for tests only"
        )
        .map_err(output_error)?;
    }
    let start = Instant::now();
    let bar = progress(args.quiet);
    let result = generate_and_write(p, args.seed, &client_path, &server_path, &bar);
    bar.finish_and_clear();
    let (client_bytes, server_bytes) = result?;
    writeln!(
        out,
        "wrote {} (server key, public: {})",
        server_path.display(),
        size(server_bytes)
    )
    .map_err(output_error)?;
    writeln!(
        out,
        "wrote {} (client key, SECRET: keep it private; {})",
        client_path.display(),
        size(client_bytes)
    )
    .map_err(output_error)?;
    writeln!(out, "done in {:.2} s", start.elapsed().as_secs_f64()).map_err(output_error)
}

/// Generates both keys and writes them, server key first; returns the two file sizes.
fn generate_and_write(
    p: &'static ParameterSet,
    seed: Option<u64>,
    client_path: &Path,
    server_path: &Path,
    bar: &ProgressBar,
) -> Result<(u64, u64), String> {
    let (mut secret_rng, mut encryption_rng) = randomness(seed);
    bar.set_message("generating the client key");
    let client = ClientKey::generate(p, &mut secret_rng).map_err(|e| e.to_string())?;
    drop(secret_rng);
    bar.inc(1);
    bar.set_message("generating the server key (bootstrapping and key-switching keys)");
    let server = client
        .server_key(&mut encryption_rng)
        .map_err(|e| e.to_string())?;
    bar.inc(1);
    bar.set_message(format!("writing {}", server_path.display()));
    server.save(server_path).map_err(|e| e.to_string())?;
    bar.inc(1);
    bar.set_message(format!("writing {}", client_path.display()));
    client.save(client_path).map_err(|e| e.to_string())?;
    bar.inc(1);
    let len = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
    Ok((len(client_path), len(server_path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_help_lists_every_key_set_and_labels_toy_insecure() {
        let mut cli = Cli::command();
        let help = cli
            .find_subcommand_mut("keygen")
            .expect("keygen is registered")
            .render_long_help()
            .to_string();
        for p in key_sets() {
            assert!(help.contains(p.name), "{} missing from:\n{help}", p.name);
        }
        assert!(help.contains("TOY (INSECURE"), "{help}");
        assert!(help.contains("INSECURE, for tests only"), "{help}");
    }

    #[test]
    fn unknown_and_32_bit_sets_are_rejected_with_the_valid_names() {
        for name in ["NOPE", "BOOLEAN_128"] {
            let err = parameter_set(name).unwrap_err();
            assert!(err.contains(name) && err.contains("SHE_MNIST") && err.contains("TOY"));
        }
        assert_eq!(parameter_set("TOY").unwrap().name, "TOY");
    }

    #[test]
    fn seeded_randomness_is_reproducible_and_its_streams_differ() {
        let (mut a, mut ea) = randomness(Some(7));
        let (mut b, mut eb) = randomness(Some(7));
        let (x, y) = (a.random_torus::<u64>(), b.random_torus::<u64>());
        assert_eq!(x, y);
        let (mx, my) = (
            ea.mask().random_torus::<u64>(),
            eb.mask().random_torus::<u64>(),
        );
        assert_eq!(mx, my);
        // The secret stream, the mask stream and the noise stream are not the same stream.
        let (mut s, mut e) = randomness(Some(7));
        let secret: Vec<u64> = (0..4).map(|_| s.random_torus()).collect();
        let mask: Vec<u64> = (0..4).map(|_| e.mask().random_torus()).collect();
        let noise: Vec<u64> = (0..4).map(|_| e.noise().random_torus()).collect();
        assert!(secret != mask && mask != noise && secret != noise);
    }
}
