//! Multi-bit bootstrapping (grouping factor 2) against the plaintext function, the classic
//! bootstrap's semantics and the noise model.
//!
//! * Every message through KS → multi-bit PBS at `TOY` (even `n`), at `TOY` with an odd `n`
//!   (the last, unpaired key bit), and at the real 128-bit `MSG2_CARRY2` (16 PBS).
//! * Every boolean gate's truth table at the real `BOOLEAN_128` (odd `n = 805`, 32-bit torus).
//! * (The blind rotation's measured output noise is in `tests/bootstrap_noise.rs`.)
//! * Every secure set keeps its failure bound under the multi-bit noise.
//!
//! `TOY` is insecure and used only where many bootstraps are needed.

use tfhe_core::bootstrap::{BootstrapKey, MultiBitBootstrapKey};
use tfhe_core::dimensions::LweDimension;
use tfhe_core::gates::Gate;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::noise;
use tfhe_core::params::{BlindRotation, ParameterSet, Usage, ALL, BOOLEAN_128, MSG2_CARRY2, TOY};
use torus::{Csprng, EncryptionRng, Seed, Torus};

/// Keys of the multi-bit variant of `p`.
fn keys<T: Torus>(
    p: &ParameterSet,
    seed: u64,
) -> (SecretKeys<T>, EvaluationKeys<T>, EncryptionRng) {
    let p = p.with_blind_rotation(BlindRotation::MultiBit);
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::generate(&p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    (sk, ek, rng)
}

/// The multi-bit key inside evaluation keys made by [`keys`].
fn multi_bit_key<T: Torus>(ek: &EvaluationKeys<T>) -> &MultiBitBootstrapKey<T> {
    match ek.bootstrap_key() {
        BootstrapKey::MultiBit(key) => key,
        BootstrapKey::Classic(_) => panic!("a multi-bit set made a classic key"),
    }
}

/// A non-linear, non-negacyclic function: exercises every box of the table.
fn f(m: u64, p: u64) -> u64 {
    (m * m + 3 * m + 1) % p
}

fn every_message(p: &ParameterSet, seed: u64, twice: bool) {
    let (sk, ek, mut rng) = keys::<u64>(p, seed);
    let n = p.lwe_dimension.0;
    let bsk = multi_bit_key(&ek);
    assert_eq!(bsk.group_count(), n.div_ceil(2));
    let per_ggsw = bsk.group(0)[0].as_slice().len() * 16;
    assert_eq!(
        ek.bootstrap_key().size_bytes(),
        (3 * (n / 2) + n % 2) * per_ggsw
    );
    let modulus = p.encoding().message_modulus();
    let lut = ek.lookup_table(|m| f(m, modulus)).unwrap();
    let mut buffers = ek.buffers();
    for m in 0..modulus {
        let ct = sk.encrypt(m, &mut rng);
        let mut out = LweCiphertext::zero(ct.lwe_dimension());
        ek.bootstrap_into(&mut out, &ct, &lut, &mut buffers);
        assert_eq!(sk.decrypt(&out), f(m, modulus), "{}: m = {m}", p.name);
        if twice {
            let mut again = LweCiphertext::zero(ct.lwe_dimension());
            ek.bootstrap_into(&mut again, &out, &lut, &mut buffers);
            let expected = f(f(m, modulus), modulus);
            assert_eq!(sk.decrypt(&again), expected, "{}: m = {m}", p.name);
        }
    }
}

#[test]
fn toy_every_message_even_dimension() {
    every_message(&TOY, 101, true);
}

#[test]
fn toy_every_message_odd_dimension() {
    let p = ParameterSet {
        lwe_dimension: LweDimension(TOY.lwe_dimension.0 - 1),
        ..TOY
    };
    assert_eq!(p.lwe_dimension.0 % 2, 1);
    every_message(&p, 103, true);
}

/// The real 128-bit set of the TFHE-rs comparison: every 4-bit message once.
#[test]
fn msg2_carry2_every_message() {
    every_message(&MSG2_CARRY2, 105, false);
}

/// Every gate's truth table at the real boolean set (32-bit torus, odd `n`).
#[test]
fn boolean_128_truth_tables() {
    let (sk, ek, mut rng) = keys::<u32>(&BOOLEAN_128, 107);
    assert_eq!(BOOLEAN_128.lwe_dimension.0 % 2, 1);
    let mut buffers = ek.buffers();
    for gate in Gate::ALL {
        for (a, b) in [(false, false), (false, true), (true, false), (true, true)] {
            let ca = sk.encrypt_bool(a, &mut rng);
            let cb = sk.encrypt_bool(b, &mut rng);
            let out = ek.gate(gate, &ca, &cb, &mut buffers);
            assert_eq!(sk.decrypt_bool(&out), gate.eval(a, b), "{gate:?}({a}, {b})");
        }
    }
}

/// Every exported secure set meets its failure bound with multi-bit bootstraps too.
#[test]
fn secure_sets_meet_their_failure_bounds() {
    for p in ALL.iter().filter(|p| !p.is_insecure()) {
        let classic = noise::bootstrap_noise(&p.with_blind_rotation(BlindRotation::Classic));
        let multi = noise::bootstrap_noise(&p.with_blind_rotation(BlindRotation::MultiBit));
        println!(
            "{}: bootstrap output 2^{:.2} (classic 2^{:.2}), p_fail 2^{:.2} (classic 2^{:.2})",
            p.name,
            multi.bootstrap_output.log2(),
            classic.bootstrap_output.log2(),
            multi.log2_failure_probability,
            classic.log2_failure_probability
        );
        assert!(multi.bootstrap_output > classic.bootstrap_output);
        let bound = match p.usage {
            Usage::BooleanGates => -64.0,
            Usage::Integers => -40.0,
        };
        assert!(
            multi.log2_failure_probability <= bound,
            "{}: p_fail = 2^{:.1} > 2^{bound}",
            p.name,
            multi.log2_failure_probability
        );
    }
}

/// A multi-bit evaluation key survives the file format: the payload has the length the set
/// implies (`3·⌊n/2⌋ + n mod 2` GGSW ciphertexts), and the keys read back bootstrap the same.
#[test]
fn multi_bit_keys_round_trip_through_the_file_format() {
    use tfhe_core::serialization::{
        evaluation_keys_len, read_evaluation_keys, write_evaluation_keys,
    };
    let p = TOY.with_blind_rotation(BlindRotation::MultiBit);
    let (sk, ek, mut rng) = keys::<u64>(&TOY, 111);
    let mut bytes = Vec::new();
    write_evaluation_keys(&ek, &mut bytes).unwrap();
    assert_eq!(bytes.len() as u64, evaluation_keys_len::<u64>(&p).unwrap());
    let classic_len = evaluation_keys_len::<u64>(&TOY).unwrap();
    assert!(
        bytes.len() as u64 > classic_len,
        "1.5× the bootstrapping key"
    );
    let back: EvaluationKeys<u64> = read_evaluation_keys(&p, &mut bytes.as_slice()).unwrap();
    assert_eq!(
        back.bootstrap_key().blind_rotation(),
        BlindRotation::MultiBit
    );
    let lut = ek.lookup_table(|m| (m * 7 + 3) % 32).unwrap();
    for m in [0, 1, 17, 31] {
        let ct = sk.encrypt(m, &mut rng);
        assert_eq!(
            ek.bootstrap(&ct, &lut).as_slice(),
            back.bootstrap(&ct, &lut).as_slice()
        );
    }
    // A classic key is refused for the multi-bit set (and the lengths differ, which the file
    // layer checks before reading).
    let (_, classic_ek, _) = {
        let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(113));
        let mut rng = EncryptionRng::insecure_from_u64(114);
        let sk = SecretKeys::<u64>::generate(&TOY, &mut secret_rng).unwrap();
        let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
        (sk, ek, rng)
    };
    let mixed = EvaluationKeys::from_parts(
        &p,
        classic_ek.bootstrap_key().clone(),
        classic_ek.keyswitch_key().clone(),
    );
    assert!(mixed.is_err());
}
