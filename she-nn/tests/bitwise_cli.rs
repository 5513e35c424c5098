//! The bitwise engine's files and command line, at the insecure `TOY_BOOLEAN` gate set:
//! `she keygen --params TOY_BOOLEAN`, `she encrypt`, `she infer --engine bitwise`, `she decrypt`
//! end to end on a small model against the reference; file round trips; mismatched, truncated
//! and corrupted files are one-line user errors, never panics.

use she_nn::bitwise::{
    BitwiseClientKey, BitwiseEngine, BitwiseServerKey, EncryptedBitImage, EncryptedBitLogits,
};
use she_nn::model::{Dense, InputSpec, Layer, Model, Pool2d, Shape};
use she_nn::quantize::WeightCode;
use she_nn::reference;
use std::path::{Path, PathBuf};
use std::process::Command;
use tfhe_core::params::TOY_BOOLEAN;
use torus::{Csprng, EncryptionRng, Seed};

fn she() -> Command {
    Command::new(env!("CARGO_BIN_EXE_she"))
}

fn images() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-test-16-images.idx")
}

/// 28×28 4-bit pixels → 7×7 sum pool → flatten → dense 16 → 3 (weights ±1, ±2, 0).
fn small_model() -> Model {
    let weights = (0..48)
        .map(|i| WeightCode::from_value([1, -2, 0, 2, -1, 1][i % 6]).unwrap())
        .collect();
    Model {
        name: "small".into(),
        input: InputSpec {
            shape: Shape {
                channels: 1,
                height: 28,
                width: 28,
            },
            bits: 4,
        },
        layers: vec![
            Layer::SumPool2d(Pool2d { size: 7, stride: 7 }),
            Layer::Flatten,
            Layer::Dense(Dense {
                inputs: 16,
                outputs: 3,
                weights,
            }),
        ],
    }
}

fn run(args: &[&str]) -> std::process::Output {
    she().args(args).output().unwrap()
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_user_error(out: &std::process::Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err} lacks {needle}");
}

#[test]
fn keygen_encrypt_infer_decrypt_at_toy_boolean() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let model = small_model();
    model.save(Path::new(&d("small.model"))).unwrap();

    let out = run(&[
        "keygen",
        "--params",
        "TOY_BOOLEAN",
        "--out",
        &d("keys"),
        "--quiet",
    ]);
    assert!(out.status.success(), "{:?}", out);
    assert!(text(&out).contains("INSECURE") && text(&out).contains("bitwise"));
    // A second keygen never replaces the client key.
    assert_user_error(
        &run(&["keygen", "--params", "TOY_BOOLEAN", "--out", &d("keys")]),
        "client.key",
    );

    let idx = images();
    let out = run(&[
        "encrypt",
        "--client-key",
        &d("keys/client.key"),
        "--idx",
        idx.to_str().unwrap(),
        "--index",
        "3",
        "--model",
        &d("small.model"),
        "--out",
        &d("digit.ct"),
    ]);
    assert!(out.status.success(), "{:?}", out);
    assert!(
        text(&out).contains("3136 bit ciphertexts"),
        "{}",
        text(&out)
    );

    let out = run(&[
        "infer",
        "--engine",
        "bitwise",
        "--server-key",
        &d("keys/server.key"),
        "--model",
        &d("small.model"),
        "--in",
        &d("digit.ct"),
        "--out",
        &d("digit.res"),
        "--quiet",
    ]);
    assert!(out.status.success(), "{:?}", out);
    let report = text(&out);
    assert!(
        report.contains("bitwise engine") && report.contains("Table 4"),
        "{report}"
    );

    let out = run(&[
        "decrypt",
        "--client-key",
        &d("keys/client.key"),
        "--in",
        &d("digit.res"),
    ]);
    assert!(out.status.success(), "{:?}", out);
    let digits = she_nn::data::mnist::shipped_test_digits().unwrap();
    let expected = reference::logits(&model, digits.get(3).unwrap().0).unwrap();
    let printed: Vec<String> = expected.iter().map(i64::to_string).collect();
    let decrypted = text(&out);
    assert!(
        decrypted.contains(&format!("logits: {}", printed.join(" "))),
        "{decrypted} vs {expected:?}"
    );
    assert!(decrypted.contains(&format!("class: {}", reference::argmax(&expected))));

    // The PBS engine refuses the gate-set server key, the bitwise engine a PBS key, in one line.
    assert_user_error(
        &run(&[
            "infer",
            "--server-key",
            &d("keys/server.key"),
            "--model",
            &d("small.model"),
            "--in",
            &d("digit.ct"),
            "--out",
            &d("pbs.res"),
        ]),
        "server.key",
    );
    let out = run(&[
        "keygen",
        "--params",
        "TOY",
        "--out",
        &d("pbs-keys"),
        "--quiet",
    ]);
    assert!(out.status.success());
    assert_user_error(
        &run(&[
            "infer",
            "--engine",
            "bitwise",
            "--server-key",
            &d("pbs-keys/server.key"),
            "--model",
            &d("small.model"),
            "--in",
            &d("digit.ct"),
            "--out",
            &d("x.res"),
        ]),
        "gate set",
    );
    // A bitwise result with the PBS engine's client key.
    assert_user_error(
        &run(&[
            "decrypt",
            "--client-key",
            &d("pbs-keys/client.key"),
            "--in",
            &d("digit.res"),
        ]),
        "client.key",
    );
}

#[test]
fn demo_arguments_are_checked() {
    assert_user_error(
        &run(&["demo", "--engine", "bitwise", "--params", "TOY"]),
        "TOY",
    );
    assert_user_error(&run(&["demo", "--sample", "2"]), "--sample");
    assert_user_error(
        &run(&[
            "demo",
            "--engine",
            "bitwise",
            "--params",
            "TOY_BOOLEAN",
            "--count",
            "0",
        ]),
        "--count",
    );
}

/// Keys and ciphertexts of one TOY_BOOLEAN key pair.
fn toy_keys(seed: u64) -> (BitwiseClientKey, BitwiseServerKey) {
    let client = BitwiseClientKey::generate(
        &TOY_BOOLEAN,
        &mut Csprng::from_seed(&Seed::insecure_from_u64(seed)),
    )
    .unwrap();
    let server = client
        .server_key(&mut EncryptionRng::from_os_entropy())
        .unwrap();
    (client, server)
}

#[test]
fn files_round_trip_and_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let (client, server) = toy_keys(5);
    client.save(&p("client.key")).unwrap();
    server.save(&p("server.key")).unwrap();
    let client = BitwiseClientKey::load(&p("client.key")).unwrap();
    let server = BitwiseServerKey::load(&p("server.key")).unwrap();
    // Never overwrite a secret key.
    assert!(client.save(&p("client.key")).is_err());

    let model = small_model();
    let digits = she_nn::data::mnist::shipped_test_digits().unwrap();
    let pixels = digits.get(0).unwrap().0;
    let mut rng = EncryptionRng::from_os_entropy();
    let image =
        EncryptedBitImage::encrypt(&client, pixels, model.input.shape, 4, &mut rng).unwrap();
    image.save(&p("image.ct")).unwrap();
    let loaded = EncryptedBitImage::load(&p("image.ct")).unwrap();
    assert_eq!(loaded, image);

    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, &model, she_nn::bitwise::AdderKind::Fast).unwrap();
    let (logits, _) = engine.infer(loaded.into_integers(), &|_| {}).unwrap();
    let result = EncryptedBitLogits::from_integers(&TOY_BOOLEAN, &logits).unwrap();
    result.save(&p("result.res")).unwrap();
    let back = EncryptedBitLogits::load(&p("result.res")).unwrap();
    assert_eq!(back, result);
    assert_eq!(
        back.decrypt(&client).unwrap(),
        reference::logits(&model, pixels).unwrap()
    );

    // Every truncation and a byte of trailing data are errors.
    for name in ["image.ct", "result.res", "client.key"] {
        let bytes = std::fs::read(p(name)).unwrap();
        for cut in [0, 5, 30, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(p("cut"), &bytes[..cut]).unwrap();
            let failed = match name {
                "image.ct" => EncryptedBitImage::load(&p("cut")).is_err(),
                "result.res" => EncryptedBitLogits::load(&p("cut")).is_err(),
                _ => BitwiseClientKey::load(&p("cut")).is_err(),
            };
            assert!(failed, "{name} cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        std::fs::write(p("long"), &longer).unwrap();
        assert!(EncryptedBitImage::load(&p("long")).is_err());
        assert!(EncryptedBitLogits::load(&p("long")).is_err());
    }

    // Header fields that lie: bits per pixel, logit width, counts.
    let rewrite = |name: &str, at: usize, value: u32| {
        let mut bytes = std::fs::read(p(name)).unwrap();
        let header_len = 29 + "TOY_BOOLEAN".len();
        bytes[header_len + at..header_len + at + 4].copy_from_slice(&value.to_le_bytes());
        std::fs::write(p("bad"), &bytes).unwrap();
    };
    for (at, value) in [(12, 0), (12, 9), (12, 3), (0, 0), (0, u32::MAX)] {
        rewrite("image.ct", at, value);
        assert!(
            EncryptedBitImage::load(&p("bad")).is_err(),
            "image field {at} = {value}"
        );
    }
    for (at, value) in [
        (0, 0),
        (0, 65),
        (0, result.width + 1),
        (4, 0),
        (4, 4097),
        (4, 2),
    ] {
        rewrite("result.res", at, value);
        assert!(
            EncryptedBitLogits::load(&p("bad")).is_err(),
            "result field {at} = {value}"
        );
    }

    // Files of a 64-bit set (here a PBS engine result at TOY) are refused with a typed error.
    let pbs = she_nn::ciphertexts::EncryptedLogits {
        params: &tfhe_core::params::TOY,
        scale_log2: 40,
        logits: vec![tfhe_core::lwe::LweCiphertext::zero(
            tfhe_core::params::TOY.big_lwe_dimension(),
        )],
    };
    pbs.save(&p("pbs.res")).unwrap();
    let err = EncryptedBitLogits::load(&p("pbs.res")).unwrap_err();
    assert!(err.to_string().contains("gate set"), "{err}");
}
