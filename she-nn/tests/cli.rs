//! The `she` binary as a user runs it: exit codes, one-line errors, no panics.

use std::io::Read;
use std::process::{Command, Stdio};

fn she() -> Command {
    Command::new(env!("CARGO_BIN_EXE_she"))
}

#[test]
fn demo_on_the_toy_set_succeeds_and_says_it_is_insecure() {
    // The shipped model on one shipped digit, at the insecure set (the 128-bit run is
    // `she demo` itself, in CI).
    let out = she()
        .args(["demo", "--params", "TOY", "--count", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("INSECURE"));
    assert!(
        text.contains("1/1 bit-exact with the plaintext reference"),
        "{text}"
    );
}

#[test]
fn unknown_parameter_set_is_a_one_line_user_error() {
    let out = she().args(["demo", "--params", "NOPE"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("NOPE"));
}

#[test]
fn bad_arguments_do_not_panic() {
    let out = she().args(["demo", "--no-such-flag"]).output().unwrap();
    assert_ne!(out.status.code(), Some(101));
    assert!(!out.status.success());
}

#[test]
fn closed_output_pipe_exits_quietly() {
    let mut child = she()
        .args(["demo", "--params", "TOY"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close our end of the pipe.
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status:?}, stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bench_json_follows_the_contract() {
    // The FFT lines are the quickest part of the suite; the contract is the same for every line.
    let out = she()
        .args(["bench", "--filter", "fft_fwd", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = lines[0];
    assert!(line.starts_with("{\"primitive\":\"fft_fwd_2048\",\"params\":\"MSG2_CARRY2\",\"threads\":1,\"median_ms\":"), "{line}");
    assert!(line.ends_with(",\"samples\":200}"), "{line}");
    let median: f64 = line
        .split("\"median_ms\":")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|v| v.parse().ok())
        .expect("median_ms is a number");
    assert!(median > 0.0);
}

/// A small MNIST-layout directory: the 16 shipped digits as the test split.
fn shipped_digits_as_test_set() -> tempfile::TempDir {
    use she_nn::data::mnist::{shipped_test_digits, write_idx_images, write_idx_labels, Images};
    let digits = shipped_test_digits().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let images = Images {
        rows: digits.rows,
        cols: digits.cols,
        pixels: digits.images.clone(),
    };
    let mut f = std::fs::File::create(dir.path().join("t10k-images-idx3-ubyte")).unwrap();
    write_idx_images(&images, &mut f).unwrap();
    let mut f = std::fs::File::create(dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
    write_idx_labels(&digits.labels, &mut f).unwrap();
    dir
}

const SHIPPED_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/mnist-she.model");

/// `she eval --json` on the 16 shipped digits, with one image encrypted at TOY (insecure, for
/// speed): the DESIGN.md contract fields, and an encrypted prediction that agrees with the
/// reference.
#[test]
fn eval_json_follows_the_contract() {
    let dir = shipped_digits_as_test_set();
    let model = SHIPPED_MODEL;
    let out = she()
        .args(["eval", "--model", model, "--data"])
        .arg(dir.path())
        .args(["--encrypted", "1", "--params", "TOY", "--json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    for field in [
        "{\"dataset\":\"mnist\",\"images\":16,\"plain_accuracy\":",
        "\"encrypted_images\":1,\"encrypted_agreement\":1,",
        "\"encrypted_accuracy\":",
        "\"median_latency_s\":",
        "\"params\":\"TOY\",\"threads\":",
        "\"encrypted_logits_exact\":1}",
    ] {
        assert!(text.contains(field), "{field} missing from {text}");
    }
}

/// `she eval --log`: a second run with a larger sample runs only the new image and summarizes
/// both; a third run finds everything recorded and runs nothing; a damaged log is a one-line
/// error naming the file (TOY, insecure, for speed).
#[test]
fn eval_log_resumes_and_refuses_damage() {
    let dir = shipped_digits_as_test_set();
    let log = dir.path().join("eval.jsonl");
    let eval = |n: &str| {
        let out = she()
            .args(["eval", "--model", SHIPPED_MODEL, "--data"])
            .arg(dir.path())
            .args(["--encrypted", n, "--params", "TOY", "--seed", "3", "--log"])
            .arg(&log)
            .args(["--quiet"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let lines = || std::fs::read_to_string(&log).unwrap().lines().count();

    let (code, text, err) = eval("1");
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("1 images (0 from the log), agreement with the reference 100.00%, bit-exact logits 100.00%"), "{text}");
    assert_eq!(lines(), 1);
    let (code, text, err) = eval("2");
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("2 images (1 from the log), agreement with the reference 100.00%, bit-exact logits 100.00%"), "{text}");
    assert_eq!(lines(), 2);
    let (code, text, err) = eval("2");
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("2 images (2 from the log)"), "{text}");
    assert_eq!(lines(), 2);

    let mut damaged = std::fs::read_to_string(&log).unwrap();
    damaged = damaged.replacen("\"label\":", "\"label\":1", 1);
    std::fs::write(&log, damaged).unwrap();
    let (code, text, err) = eval("2");
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("eval.jsonl line 1"), "{err}");
}
