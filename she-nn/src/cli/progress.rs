//! Progress reporting for long commands: an indicatif bar per layer on a terminal, nothing
//! otherwise (or with `--quiet`), so scripts see only the results.

use crate::pbs::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// A progress display for an encrypted inference.
pub struct InferenceProgress {
    bar: Option<ProgressBar>,
    layer: Mutex<Option<usize>>,
}

impl InferenceProgress {
    /// A bar on stderr when stdout is a terminal and `quiet` is off; silent otherwise.
    pub fn new(quiet: bool, label: &str) -> Self {
        let bar = (!quiet && std::io::stdout().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} {msg:<28} [{bar:30}] {pos}/{len} {elapsed_precise}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar
        });
        Self {
            bar,
            layer: Mutex::new(None),
        }
    }

    /// Reports one finished element.
    pub fn update(&self, p: Progress) {
        let Some(bar) = &self.bar else { return };
        let mut layer = self.layer.lock().unwrap_or_else(|e| e.into_inner());
        if *layer != Some(p.layer) {
            *layer = Some(p.layer);
            bar.set_length(p.total as u64);
            bar.set_position(0);
            bar.set_message(format!("layer {}/{} {}", p.layer + 1, p.layers, p.kind));
        }
        bar.set_position(p.done as u64);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs `f` on a rayon pool of `threads` threads (all cores when `None`).
pub fn with_threads<R: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> Result<R, String> {
    match threads {
        None => Ok(f()),
        Some(0) => Err("--threads must be at least 1".into()),
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| format!("cannot start {t} threads: {e}")),
    }
}
