//! Replays the committed seed corpus of every fuzz target (`fuzz/seeds/<target>/`, crash
//! regressions included) through the function the target runs, so that `cargo test` exercises
//! each parser and primitive on every input the fuzzers were seeded with or ever crashed on.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files of a directory, sorted (an empty list if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("a readable directory entry").path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_seed_and_regression_input_passes_its_target() {
    let mut total = 0;
    for (name, target) in she_fuzzing::TARGETS {
        let seeds = files(&repo().join("fuzz/seeds").join(name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name} has no seed");
        for seed in seeds {
            let bytes = std::fs::read(&seed).unwrap();
            // A panic names the file through the test's output.
            eprintln!("{name}: {}", seed.display());
            target(&bytes);
            total += 1;
        }
    }
    eprintln!("replayed {total} inputs");
}

#[test]
fn every_fuzz_target_has_a_body_and_every_body_a_target() {
    let mut binaries: Vec<String> = files(&repo().join("fuzz/fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .collect();
    binaries.sort();
    let mut bodies: Vec<String> = she_fuzzing::TARGETS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    bodies.sort();
    assert_eq!(binaries, bodies);
    // Each target is a thin wrapper around its body.
    for (name, _) in she_fuzzing::TARGETS {
        let source =
            std::fs::read_to_string(repo().join(format!("fuzz/fuzz_targets/{name}.rs"))).unwrap();
        assert!(
            source.contains(&format!("she_fuzzing::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs does not call she_fuzzing::{name}"
        );
    }
}

#[test]
fn the_seed_corpus_stays_small() {
    let total: u64 = she_fuzzing::TARGETS
        .iter()
        .flat_map(|(name, _)| files(&repo().join("fuzz/seeds").join(name)))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(total < 1 << 20, "{total} bytes of seeds");
}

/// The seeds are valid objects (apart from the ones cut short on purpose), so the fuzzers start
/// from inputs that reach deep into each parser.
#[test]
fn the_whole_seeds_are_accepted_by_their_parsers() {
    use she_nn::ciphertexts::{EncryptedImage, EncryptedLogits};
    use she_nn::client::ClientKey;
    use she_nn::data::mnist::{read_idx_images, read_idx_labels};
    use she_nn::data::png::decode_png_gray;
    use she_nn::model::format::read_model;
    use tfhe_core::serialization::{read_evaluation_keys, read_secret_keys};
    let seed = |target: &str, name: &str| {
        std::fs::read(repo().join("fuzz/seeds").join(target).join(name)).unwrap()
    };
    ClientKey::from_bytes(&seed("key_files", "toy-client.key")).unwrap();
    read_secret_keys::<u64, _>(
        &tfhe_core::params::TOY,
        &mut &seed("key_files", "toy-secret-payload")[..],
    )
    .unwrap();
    read_secret_keys::<u32, _>(
        &she_fuzzing::MICRO32,
        &mut &seed("key_files", "micro32-secret-payload")[..],
    )
    .unwrap();
    read_evaluation_keys::<u64, _>(
        &she_fuzzing::MICRO,
        &mut &seed("key_files", "micro-evaluation-payload")[..],
    )
    .unwrap();
    read_evaluation_keys::<u32, _>(
        &she_fuzzing::MICRO32,
        &mut &seed("key_files", "micro32-evaluation-payload")[..],
    )
    .unwrap();
    for name in ["toy-image-1x1x1.ct", "toy-image-1x1x2.ct"] {
        EncryptedImage::from_bytes(&seed("ciphertext_files", name)).unwrap();
    }
    EncryptedLogits::from_bytes(&seed("ciphertext_files", "toy-result-2.ct")).unwrap();
    let models = files(&repo().join("fuzz/seeds/model_file"));
    for path in models
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "model"))
    {
        read_model(&mut &std::fs::read(path).unwrap()[..]).unwrap();
    }
    for name in ["images.idx", "images.idx.gz"] {
        read_idx_images(&mut &seed("image_files", name)[..]).unwrap();
    }
    for name in ["labels.idx", "labels.idx.gz"] {
        read_idx_labels(&mut &seed("image_files", name)[..]).unwrap();
    }
    let pngs = files(&repo().join("fuzz/seeds/image_files"));
    let pngs: Vec<_> = pngs
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(pngs.len() >= 5);
    for path in pngs {
        decode_png_gray(&std::fs::read(path).unwrap()).unwrap();
    }
}
