//! Secret material (issue: "secrets"): every type that holds key bits or a seed zeroizes it on
//! drop and never prints it with `Debug`. (That a server key holds no encoding of the secret key
//! is checked on its file: `she-nn/tests/object_files.rs`.)

use tfhe_core::glwe::GlweSecretKey;
use tfhe_core::keys::SecretKeys;
use tfhe_core::lwe::LweSecretKey;
use tfhe_core::params::TOY;
use torus::{Csprng, EncryptionRng, PolynomialSize, Seed};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Compiles only for types that zeroize themselves when dropped.
fn zeroizes_on_drop<T: ZeroizeOnDrop>() {}

#[test]
fn every_secret_type_zeroizes_on_drop() {
    zeroizes_on_drop::<LweSecretKey<u64>>();
    zeroizes_on_drop::<LweSecretKey<u32>>();
    zeroizes_on_drop::<GlweSecretKey<u64>>();
    zeroizes_on_drop::<GlweSecretKey<u32>>();
    zeroizes_on_drop::<SecretKeys<u64>>();
    zeroizes_on_drop::<Seed>();
    // What drop runs: the bits are overwritten with zeros and the vector emptied.
    let mut key = LweSecretKey::<u64>::from_bits(vec![1; 64]).unwrap();
    key.zeroize();
    assert!(key.bits().is_empty());
    let mut key = GlweSecretKey::<u64>::from_bits(vec![1; 16], PolynomialSize(8)).unwrap();
    key.zeroize();
    assert!(key.bits().is_empty());
    let mut seed = Seed([0xab; 32]);
    seed.zeroize();
    assert_eq!(seed.0, [0; 32]);
}

/// Keys whose every bit is 1, so that any printed bit list would contain "1, 1".
fn all_ones() -> SecretKeys<u64> {
    let small = LweSecretKey::from_bits(vec![1u64; TOY.lwe_dimension.0]).unwrap();
    let glwe = GlweSecretKey::from_bits(
        vec![1u64; TOY.glwe_dimension.0 * TOY.polynomial_size.0],
        TOY.polynomial_size,
    )
    .unwrap();
    SecretKeys::from_parts(&TOY, small, glwe).unwrap()
}

fn assert_redacted(debug: &str) {
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains("1, 1") && !debug.contains("[1"), "{debug}");
    // 576 key bits would take more than 1,700 characters to print (the parameter set's own
    // fields take about 1,200 in the pretty form).
    assert!(debug.len() < 1500, "{} characters: {debug}", debug.len());
}

#[test]
fn debug_never_prints_key_bits_or_seeds() {
    let keys = all_ones();
    assert_redacted(&format!("{keys:?}"));
    assert_redacted(&format!("{keys:#?}"));
    assert_redacted(&format!("{:?}", keys.small_lwe_key()));
    assert_redacted(&format!("{:?}", keys.glwe_key()));
    assert_redacted(&format!("{:?}", keys.big_lwe_key()));
    // Seeds and generators: 0xab = 171 must not appear.
    for debug in [
        format!("{:?}", Seed([0xab; 32])),
        format!("{:?}", Csprng::from_seed(&Seed([0xab; 32]))),
        format!(
            "{:?}",
            EncryptionRng::from_seeds(&Seed([0xab; 32]), &Seed([0xab; 32]))
        ),
    ] {
        assert!(debug.contains("redacted"), "{debug}");
        assert!(!debug.contains("171") && !debug.contains("ab, "), "{debug}");
    }
}
