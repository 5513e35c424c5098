//! `she keygen`, `she encrypt` and `she decrypt` as a user runs them, at the **insecure** `TOY`
//! set: the files they write, and bad input files giving exit code 1 with one line on stderr
//! naming the file (never a panic).

use she_nn::ciphertexts::EncryptedLogits;
use she_nn::client::{ClientKey, INPUT_SCALE_LOG2};
use she_nn::data::mnist::{write_idx_images, Images};
use she_nn::model::{Dense, InputSpec, Layer, Model, Shape};
use she_nn::quantize::WeightCode;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use torus::{EncryptionRng, Torus};

fn she(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_she"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(out: &Output) -> String {
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Exit code 1, and one line on stderr containing every one of `needles` (e.g. the file).
fn assert_user_error(out: &Output, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// A key directory made once by `she keygen --params TOY --seed 1`, plus its stdout.
struct Keys {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    stdout: String,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let out = she(&[
            "keygen",
            "--params",
            "TOY",
            "--out",
            path_str(&dir),
            "--seed",
            "1",
            "--quiet",
        ]);
        let stdout = assert_success(&out);
        Keys {
            _dir: tmp,
            dir,
            stdout,
        }
    })
}

fn client_key() -> PathBuf {
    keys().dir.join("client.key")
}

fn server_key() -> PathBuf {
    keys().dir.join("server.key")
}

/// An IDX file of three 28×28 images, image `i` filled with the value `40·i + 10`.
fn idx_file(dir: &Path) -> PathBuf {
    let path = dir.join("images.idx");
    let images = Images {
        rows: 28,
        cols: 28,
        pixels: (0..3u8)
            .flat_map(|i| std::iter::repeat_n(40 * i + 10, 784))
            .collect(),
    };
    let mut file = std::fs::File::create(&path).unwrap();
    write_idx_images(&images, &mut file).unwrap();
    path
}

/// A valid model reading 1×28×28 images at `bits` bits.
fn model_file(dir: &Path, bits: u32) -> PathBuf {
    let path = dir.join(format!("model-{bits}.model"));
    let model = Model {
        name: "test".into(),
        input: InputSpec {
            shape: Shape {
                channels: 1,
                height: 28,
                width: 28,
            },
            bits,
        },
        layers: vec![
            Layer::Flatten,
            Layer::Dense(Dense {
                inputs: 784,
                outputs: 10,
                weights: vec![WeightCode::ZERO; 7840],
            }),
        ],
    };
    model.save(&path).unwrap();
    path
}

#[test]
fn keygen_writes_both_keys_and_labels_toy_and_the_seed_insecure() {
    let k = keys();
    assert!(client_key().is_file() && server_key().is_file());
    assert!(k.stdout.contains("INSECURE"), "{}", k.stdout);
    assert!(k.stdout.contains("--seed"), "{}", k.stdout);
    assert!(k.stdout.contains("client.key") && k.stdout.contains("server.key"));
    assert_eq!(ClientKey::load(&client_key()).unwrap().params().name, "TOY");
}

#[test]
fn keygen_with_the_same_seed_makes_the_same_client_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("again");
    let out = she(&[
        "keygen",
        "--params",
        "TOY",
        "--out",
        path_str(&dir),
        "--seed",
        "1",
    ]);
    assert_success(&out);
    assert_eq!(
        std::fs::read(dir.join("client.key")).unwrap(),
        std::fs::read(client_key()).unwrap()
    );
}

#[test]
fn keygen_refuses_to_overwrite_a_client_key() {
    let out = she(&[
        "keygen",
        "--params",
        "TOY",
        "--out",
        path_str(&keys().dir),
        "--quiet",
    ]);
    assert_user_error(&out, &["client.key", "exists"]);
}

#[test]
fn keygen_rejects_unknown_sets_and_unusable_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let out = she(&["keygen", "--params", "NOPE", "--out", path_str(tmp.path())]);
    assert_user_error(&out, &["NOPE", "SHE_MNIST", "TOY"]);
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let out = she(&["keygen", "--params", "TOY", "--out", path_str(&file)]);
    assert_user_error(&out, &["a-file"]);
}

#[test]
fn encrypt_then_decrypt_round_trips_through_files() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = idx_file(tmp.path());
    let model = model_file(tmp.path(), 4);
    let enc = tmp.path().join("input.enc");
    let out = she(&[
        "encrypt",
        "--client-key",
        path_str(&client_key()),
        "--idx",
        path_str(&idx),
        "--index",
        "2",
        "--model",
        path_str(&model),
        "--out",
        path_str(&enc),
    ]);
    let stdout = assert_success(&out);
    assert!(stdout.contains("INSECURE"), "{stdout}");
    let image = she_nn::ciphertexts::EncryptedImage::load(&enc).unwrap();
    assert_eq!(image.bits, 4);
    assert_eq!(image.pixels.len(), 784);
    // Image 2 is all 90: 4-bit quantization 5, at scale 2^INPUT_SCALE_LOG2.
    let key = ClientKey::load(&client_key()).unwrap();
    let ck = key.secret_keys().ciphertext_key();
    let s = INPUT_SCALE_LOG2;
    for ct in &image.pixels {
        assert_eq!((ck.phase(ct).to_signed() + (1 << (s - 1))) >> s, 5);
    }

    // A result as a server would return it, decrypted by the command.
    let values = [3i64, -2, 17, 0, 17, -40, 1, 2, 9, 4];
    let mut rng = EncryptionRng::insecure_from_u64(9);
    let result = EncryptedLogits {
        params: key.params(),
        scale_log2: 28,
        logits: values
            .iter()
            .map(|&v| {
                key.secret_keys()
                    .encrypt_plaintext(u64::from_i64_wrapping(v) << 28, &mut rng)
            })
            .collect(),
    };
    let res = tmp.path().join("result.enc");
    result.save(&res).unwrap();
    let out = she(&[
        "decrypt",
        "--client-key",
        path_str(&client_key()),
        "--in",
        path_str(&res),
    ]);
    let stdout = assert_success(&out);
    assert_eq!(stdout, "class: 2\nlogits: 3 -2 17 0 17 -40 1 2 9 4\n");
}

#[test]
fn encrypt_defaults_to_8_bits_without_a_model() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = idx_file(tmp.path());
    let enc = tmp.path().join("input.enc");
    let out = she(&[
        "encrypt",
        "--client-key",
        path_str(&client_key()),
        "--idx",
        path_str(&idx),
        "--index",
        "0",
        "--out",
        path_str(&enc),
    ]);
    assert_success(&out);
    assert_eq!(
        she_nn::ciphertexts::EncryptedImage::load(&enc)
            .unwrap()
            .bits,
        8
    );
}

#[test]
fn garbage_and_mismatched_files_are_one_line_user_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("garbage.bin");
    std::fs::write(
        &garbage,
        b"this is not a SHE file at all, just some bytes\n",
    )
    .unwrap();
    let empty = tmp.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let missing = tmp.path().join("missing.bin");
    let idx = idx_file(tmp.path());
    let enc = tmp.path().join("out.enc");
    let ck = client_key();
    let g = path_str(&garbage);
    let encrypt = |key: &str, image: &[&str], extra: &[&str]| {
        let mut args = vec!["encrypt", "--client-key", key];
        args.extend_from_slice(image);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", path_str(&enc)]);
        she(&args)
    };
    let idx_args = ["--idx", path_str(&idx), "--index", "0"];

    // Client keys: garbage, empty, missing, and a file of another kind.
    for bad in [&garbage, &empty, &missing] {
        assert_user_error(&encrypt(path_str(bad), &idx_args, &[]), &[path_str(bad)]);
        let out = she(&["decrypt", "--client-key", path_str(bad), "--in", g]);
        assert_user_error(&out, &[path_str(bad)]);
    }
    let out = encrypt(path_str(&server_key()), &idx_args, &[]);
    assert_user_error(
        &out,
        &["server.key", "expected client key, found server key"],
    );

    // Images: garbage IDX and PNG files, an index past the end.
    assert_user_error(
        &encrypt(path_str(&ck), &["--idx", g, "--index", "0"], &[]),
        &[g],
    );
    assert_user_error(&encrypt(path_str(&ck), &["--png", g], &[]), &[g]);
    assert_user_error(
        &encrypt(
            path_str(&ck),
            &["--idx", path_str(&idx), "--index", "3"],
            &[],
        ),
        &[path_str(&idx), "no image 3"],
    );

    // Models: garbage, and one for another image shape.
    assert_user_error(&encrypt(path_str(&ck), &idx_args, &["--model", g]), &[g]);
    let small = tmp.path().join("small.idx");
    let images = Images {
        rows: 4,
        cols: 4,
        pixels: vec![0; 16],
    };
    write_idx_images(&images, &mut std::fs::File::create(&small).unwrap()).unwrap();
    let model = model_file(tmp.path(), 8);
    let out = encrypt(
        path_str(&ck),
        &["--idx", path_str(&small), "--index", "0"],
        &["--model", path_str(&model)],
    );
    assert_user_error(&out, &[path_str(&small), "1×4×4", "1×28×28"]);
    assert!(!enc.exists());

    // Results: garbage, a key where a result belongs.
    let out = she(&["decrypt", "--client-key", path_str(&ck), "--in", g]);
    assert_user_error(&out, &[g]);
    let out = she(&[
        "decrypt",
        "--client-key",
        path_str(&ck),
        "--in",
        path_str(&server_key()),
    ]);
    assert_user_error(
        &out,
        &["server.key", "encrypted result", "found server key"],
    );
}

#[test]
fn missing_image_arguments_are_usage_errors_not_panics() {
    let ck = client_key();
    for args in [
        vec!["encrypt", "--client-key", path_str(&ck), "--out", "x"],
        vec![
            "encrypt",
            "--client-key",
            path_str(&ck),
            "--idx",
            "f",
            "--out",
            "x",
        ],
        vec![
            "encrypt",
            "--client-key",
            path_str(&ck),
            "--png",
            "a",
            "--idx",
            "b",
            "--index",
            "0",
            "--out",
            "x",
        ],
    ] {
        let out = she(&args);
        assert!(!out.status.success());
        assert_ne!(out.status.code(), Some(101), "{}", text(&out.stderr));
    }
}
