//! Programmable bootstrapping against the plaintext function it evaluates.
//!
//! * Every message of every exported set (the real 128-bit sets run here, a few PBS each).
//! * Both orders (KS → PBS and PBS → KS), padding-aware, negacyclic and sign tables.
//! * Batched (rayon) bootstraps equal one-by-one bootstraps.
//!
//! `TOY` is insecure and used only where many bootstraps are needed.

use tfhe_core::bootstrap::LookupTable;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList};
use tfhe_core::params::{ParameterSet, PbsOrder, MSG2_CARRY2, TOY};
use torus::{Csprng, Encoding};

mod common;
use common::{f, keys};

fn every_message(p: &ParameterSet, seed: u64) {
    let (sk, ek, mut rng) = keys(p, seed);
    let modulus = p.encoding().message_modulus();
    let lut = ek.lookup_table(|m| f(m, modulus)).unwrap();
    let mut buffers = ek.buffers();
    for m in 0..modulus {
        let ct = sk.encrypt(m, &mut rng);
        let mut out = LweCiphertext::zero(ct.lwe_dimension());
        ek.bootstrap_into(&mut out, &ct, &lut, &mut buffers);
        assert_eq!(sk.decrypt(&out), f(m, modulus), "{}: m = {m}", p.name);
        // And the result bootstraps again (the output is a valid input).
        let mut again = LweCiphertext::zero(ct.lwe_dimension());
        ek.bootstrap_into(&mut again, &out, &lut, &mut buffers);
        assert_eq!(
            sk.decrypt(&again),
            f(f(m, modulus), modulus),
            "{}: m = {m}",
            p.name
        );
    }
}

#[test]
fn msg2_carry2_every_message_ks_pbs() {
    assert_eq!(MSG2_CARRY2.order, PbsOrder::KeyswitchBootstrap);
    every_message(&MSG2_CARRY2, 1);
}

#[test]
fn toy_every_message_ks_pbs() {
    every_message(&TOY, 2);
}

#[test]
fn pbs_then_keyswitch_order() {
    // TOY's keys, used in the other order: ciphertexts under the small key.
    let (sk, ek, mut rng) = keys(&TOY, 3);
    let enc = TOY.encoding();
    let lut = ek.lookup_table(|m| (m + 1) % 4).unwrap();
    let mut buffers = ek.buffers();
    for m in 0..4 {
        let ct = sk
            .small_lwe_key()
            .encrypt(enc.encode(m), TOY.lwe_noise, &mut rng);
        let mut out = LweCiphertext::zero(TOY.lwe_dimension);
        ek.bootstrap_keyswitch(&mut out, &ct, &lut, &mut buffers);
        assert_eq!(sk.small_lwe_key().decrypt(&out, &enc), (m + 1) % 4);
    }
}

#[test]
fn negacyclic_and_sign_tables_without_padding() {
    let (sk, ek, mut rng) = keys(&TOY, 4);
    // 3-bit messages, no padding: the table gives f on [0, 4) and −f on [4, 8).
    let enc = Encoding::new::<u64>(3, 0).unwrap();
    let g = |m: u64| [1i64, 3, -2, 0][m as usize];
    let lut = LookupTable::negacyclic_from_fn(TOY.polynomial_size, &enc, |m| {
        enc.encode_signed::<u64>(g(m))
    })
    .unwrap();
    let sign = LookupTable::sign(TOY.polynomial_size, enc.encode_signed::<u64>(1));
    let mut buffers = ek.buffers();
    let big = sk.big_lwe_key();
    for m in 0..8u64 {
        let ct = big.encrypt(enc.encode(m), TOY.glwe_noise, &mut rng);
        let mut out = LweCiphertext::zero(ct.lwe_dimension());
        ek.keyswitch_bootstrap(&mut out, &ct, &lut, &mut buffers);
        let expected = if m < 4 { g(m) } else { -g(m - 4) };
        assert_eq!(
            big.decrypt(&out, &enc),
            enc.encode_signed::<u64>(expected) >> 61
        );
        // Sign table on phases m/8 + 1/16 (between boxes): +1 on [0, 1/2), −1 on [1/2, 1).
        let shifted = enc.encode::<u64>(m).wrapping_add(1 << 59);
        let ct = big.encrypt(shifted, TOY.glwe_noise, &mut rng);
        ek.keyswitch_bootstrap(&mut out, &ct, &sign, &mut buffers);
        assert_eq!(
            enc.decode_signed(big.phase(&out)),
            if m < 4 { 1 } else { -1 }
        );
    }
}

#[test]
fn lookup_tables_reject_impossible_precisions() {
    // 2^(b + 1) boxes > 2N.
    let bits = TOY.polynomial_size.log2() + 1;
    let too_fine = Encoding::new::<u64>(bits, 1).unwrap();
    assert!(LookupTable::<u64>::from_fn(TOY.polynomial_size, &too_fine, &too_fine, |m| m).is_err());
    let no_padding = Encoding::new::<u64>(2, 0).unwrap();
    assert!(
        LookupTable::<u64>::from_fn(TOY.polynomial_size, &no_padding, &no_padding, |m| m).is_err()
    );
}

#[test]
fn batched_bootstrap_matches_single() {
    let (sk, ek, mut rng) = keys(&TOY, 5);
    let lut = ek.lookup_table(|m| 3 - m).unwrap();
    let dim = TOY.big_lwe_dimension();
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(12, dim);
    for (i, mut ct) in inputs.iter_mut().enumerate() {
        sk.big_lwe_key().encrypt_into(
            &mut ct,
            TOY.encoding().encode(i as u64 % 4),
            TOY.glwe_noise,
            &mut rng,
        );
    }
    let mut outputs = LweCiphertextList::<Vec<u64>>::zero(12, dim);
    ek.par_bootstrap(&mut outputs, &inputs, &lut);
    for (i, out) in outputs.iter().enumerate() {
        let single = ek.bootstrap(&inputs.get(i), &lut);
        // Bootstrapping is deterministic given the keys: bit-identical results.
        assert_eq!(single.as_view(), out);
        assert_eq!(sk.decrypt(&out), 3 - i as u64 % 4);
    }
}

#[test]
fn evaluation_keys_reject_mismatched_parts() {
    let (_, ek, _) = keys(&TOY, 6);
    let (_, ek2, _) = keys(&MSG2_CARRY2_LIKE_TOY, 7);
    let mixed = EvaluationKeys::from_parts(
        &TOY,
        ek.bootstrap_key().clone(),
        ek2.keyswitch_key().clone(),
    );
    assert!(mixed.is_err());
    assert!(SecretKeys::<u32>::generate(&TOY, &mut Csprng::from_os_entropy()).is_err());
}

/// TOY with another LWE dimension, to build mismatched keys.
const MSG2_CARRY2_LIKE_TOY: ParameterSet = ParameterSet {
    lwe_dimension: tfhe_core::dimensions::LweDimension(32),
    ..TOY
};
