//! Records which source the `she` binary was built from, for the records of `she eval --log`
//! (`SHE_BUILD`, read by `she_nn::cli::eval_log::build_id`): the git commit, `+changes` when the
//! tracked sources differ from it, or `unknown` outside a git checkout (a source archive).
//! Runs again whenever a commit is made or a crate's sources change.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.code().is_some())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut watched = vec![
        ".git/HEAD".to_owned(),
        ".git/index".to_owned(),
        ".git/packed-refs".to_owned(),
        "torus/src".to_owned(),
        "tfhe-core/src".to_owned(),
        "she-nn/src".to_owned(),
    ];
    // The branch HEAD points to moves with every commit (and amend) on it.
    if let Ok(head) = std::fs::read_to_string(root.join(".git/HEAD")) {
        if let Some(branch) = head.trim().strip_prefix("ref: ") {
            watched.push(format!(".git/{branch}"));
        }
    }
    for path in watched {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"])
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let build = match commit {
        None => "unknown".to_owned(),
        Some(commit) => {
            // The sources of the three crates, the manifests and the lock file against the
            // commit (the eval logs themselves, which a running eval appends to, are not
            // sources).
            let changed = git(&[
                "diff",
                "--quiet",
                "HEAD",
                "--",
                ":/torus",
                ":/tfhe-core",
                ":/she-nn/src",
                ":/she-nn/build.rs",
                ":/she-nn/Cargo.toml",
                ":/Cargo.toml",
                ":/Cargo.lock",
            ])
            .is_some_and(|out| out.status.code() == Some(1));
            if changed {
                format!("{commit}+changes")
            } else {
                commit
            }
        }
    };
    println!("cargo:rustc-env=SHE_BUILD={build}");
}
