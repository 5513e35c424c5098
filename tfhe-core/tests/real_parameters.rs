//! The LWE layer at the real 128-bit set `MSG2_CARRY2` (n = 918, k·N = 2048, KS 2^4 × 4): every
//! message through encrypt (big key) → key switch → decrypt (small key), with the measured noise
//! checked against the model — with the 64-bit key `MSG2_CARRY2` keeps and with the key rounded
//! to 32-bit words that `SHE_MNIST` (the same lattice and key switch) keeps.

use tfhe_core::lwe::{EvaluationKeyswitchKey, LweCiphertext, LweKeyswitchKey, LweSecretKey};
use tfhe_core::noise;
use tfhe_core::params::{MSG2_CARRY2, SHE_MNIST};

const TORUS_BITS: u32 = 64;
use torus::{Csprng, EncryptionRng};

#[test]
fn msg2_carry2_keyswitch_every_message() {
    let p = &MSG2_CARRY2;
    assert!(p.meets_128_bit_curve());
    let mut secret_rng = Csprng::from_os_entropy();
    let mut rng = EncryptionRng::from_os_entropy();
    let big = LweSecretKey::<u64>::generate(p.big_lwe_dimension(), &mut secret_rng);
    let small = LweSecretKey::<u64>::generate(p.lwe_dimension, &mut secret_rng);
    let ksk = LweKeyswitchKey::generate(
        &big,
        &small,
        p.ks_base_log,
        p.ks_level_count,
        p.lwe_noise,
        &mut rng,
    )
    .unwrap();
    let enc = p.encoding();
    let variance = noise::keyswitch_variance(
        noise::fresh_variance(p.glwe_noise, TORUS_BITS),
        p.big_lwe_dimension().0,
        p.ks_base_log.0,
        p.ks_level_count.0,
        noise::fresh_variance(p.lwe_noise, TORUS_BITS),
        TORUS_BITS,
    );
    let bound = 7.0 * variance.sqrt() * 2f64.powi(64);
    let half_delta = enc.delta::<u64>() as f64 / 2.0;
    assert!(bound < half_delta, "the model must leave room to decode");
    let mut out = LweCiphertext::zero(p.lwe_dimension);
    for m in 0..enc.message_modulus() {
        let ct = big.encrypt(enc.encode(m), p.glwe_noise, &mut rng);
        ksk.keyswitch(&mut out, &ct);
        assert_eq!(small.decrypt(&out, &enc), m);
        let e = enc.noise_of(small.phase(&out)) as f64;
        assert!(e.abs() < bound, "noise {e:e} beyond 7σ = {bound:e}");
    }

    // SHE_MNIST's form of the same key: rounded to 32-bit words. Its switch must equal the
    // 64-bit switch with the widened words `2^32·K'` bit for bit, decrypt every message and stay
    // within 7σ of the model with the rounded key's variance.
    let q = &SHE_MNIST;
    assert!(q.meets_128_bit_curve() && q.rounded_keyswitch());
    assert_eq!(
        (
            q.lwe_dimension,
            q.big_lwe_dimension(),
            q.ks_base_log,
            q.ks_level_count
        ),
        (
            p.lwe_dimension,
            p.big_lwe_dimension(),
            p.ks_base_log,
            p.ks_level_count
        )
    );
    let set_key = EvaluationKeyswitchKey::from_native(ksk, q.ks_torus_bits).unwrap();
    let EvaluationKeyswitchKey::Rounded32(rounded) = &set_key else {
        panic!("SHE_MNIST keeps a rounded key");
    };
    let widened = LweKeyswitchKey::from_container(
        rounded
            .as_slice()
            .iter()
            .map(|&w| u64::from(w) << 32)
            .collect::<Vec<u64>>(),
        rounded.input_dimension(),
        rounded.output_dimension(),
        rounded.base_log(),
        rounded.level_count(),
    )
    .unwrap();
    let variance = noise::keyswitch_variance(
        noise::fresh_variance(q.glwe_noise, TORUS_BITS),
        q.big_lwe_dimension().0,
        q.ks_base_log.0,
        q.ks_level_count.0,
        noise::keyswitch_key_variance(q),
        TORUS_BITS,
    );
    let bound = 7.0 * variance.sqrt() * 2f64.powi(64);
    let mut oracle = LweCiphertext::zero(q.lwe_dimension);
    for m in 0..enc.message_modulus() {
        let ct = big.encrypt(enc.encode(m), q.glwe_noise, &mut rng);
        set_key.keyswitch(&mut out, &ct);
        widened.keyswitch(&mut oracle, &ct);
        assert_eq!(out.as_slice(), oracle.as_slice());
        assert_eq!(small.decrypt(&out, &enc), m);
        let e = enc.noise_of(small.phase(&out)) as f64;
        assert!(e.abs() < bound, "noise {e:e} beyond 7σ = {bound:e}");
    }
}
