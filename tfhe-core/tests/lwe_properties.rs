//! Property tests of the LWE layer against a plaintext reference.
//!
//! **Toy parameters** (insecure dimensions, so that hundreds of cases run in seconds); the
//! real-parameter paths are covered by `real_parameters.rs`. Noise bounds are 7σ of the predicted
//! variance (a false failure has probability ≈ 10⁻¹¹ per check).

use proptest::prelude::*;
use tfhe_core::dimensions::{DecompositionBaseLog, DecompositionLevelCount, LweDimension};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList, LweKeyswitchKey, LweSecretKey};
use tfhe_core::noise;
use torus::{Csprng, Encoding, EncryptionRng, NoiseDistribution, Seed, Torus};

fn setup<T: Torus>(n: usize, seed: u64) -> (LweSecretKey<T>, EncryptionRng) {
    let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    (
        LweSecretKey::generate(LweDimension(n), &mut rng),
        EncryptionRng::insecure_from_u64(seed.wrapping_add(1)),
    )
}

fn within_bound<T: Torus>(noise: i64, variance: f64) -> bool {
    (noise as f64).abs() / 2f64.powi(T::BITS as i32) <= 7.0 * variance.sqrt()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip_u64(seed in any::<u64>(), b in 1u32..10, pad in 0u32..2, m in any::<u64>()) {
        let (sk, mut rng) = setup::<u64>(128, seed);
        let enc = Encoding::new::<u64>(b, pad).unwrap();
        let m = m % enc.message_modulus();
        let ct = sk.encrypt(enc.encode(m), NoiseDistribution::TUniform { bound_log2: 40 }, &mut rng);
        prop_assert_eq!(sk.decrypt(&ct, &enc), m);
        // A trivial ciphertext decrypts under any key with zero noise.
        let triv = LweCiphertext::trivial(LweDimension(128), enc.encode::<u64>(m));
        prop_assert_eq!(sk.phase(&triv), enc.encode::<u64>(m));
    }

    #[test]
    fn round_trip_u32(seed in any::<u64>(), b in 1u32..8, pad in 0u32..2, m in any::<u64>()) {
        let (sk, mut rng) = setup::<u32>(128, seed);
        let enc = Encoding::new::<u32>(b, pad).unwrap();
        let m = m % enc.message_modulus();
        let ct = sk.encrypt(enc.encode(m), NoiseDistribution::Gaussian { std_dev: 2f64.powi(-20) }, &mut rng);
        prop_assert_eq!(sk.decrypt(&ct, &enc), m);
    }

    /// Σ k_i c_i then ±2^s decrypts to the plaintext result, with noise under 7σ of the model.
    #[test]
    fn linear_combinations_and_shifts(
        seed in any::<u64>(),
        msgs in proptest::collection::vec(any::<i64>(), 1..6),
        coefs in proptest::collection::vec(-8i64..=8, 6),
        shift in 0u32..3,
        negative in any::<bool>(),
    ) {
        let (sk, mut rng) = setup::<u64>(128, seed);
        let enc = Encoding::new::<u64>(8, 1).unwrap();
        let p = enc.message_modulus() as i64;
        let chi = NoiseDistribution::TUniform { bound_log2: 30 };
        let mut acc = LweCiphertext::<Vec<u64>>::zero(sk.dimension());
        let mut clear = 0i64;
        let mut terms = Vec::new();
        for (m, &k) in msgs.iter().zip(&coefs) {
            let m = m.rem_euclid(p);
            acc.add_scaled_assign(&sk.encrypt(enc.encode(m as u64), chi, &mut rng), k);
            clear += k * m;
            terms.push((k, noise::fresh_variance(chi, 64)));
        }
        acc.mul_power_of_two_assign(shift, negative);
        let sign = if negative { -1 } else { 1 };
        let expected = (sign * (clear << shift)).rem_euclid(p) as u64;
        prop_assert_eq!(sk.decrypt(&acc, &enc), expected);
        let variance = noise::power_of_two_variance(noise::linear_combination_variance(terms), shift);
        prop_assert!(within_bound::<u64>(enc.noise_of(sk.phase(&acc)), variance));
        // neg and sub agree with the reference too
        let mut neg = acc.clone();
        neg.neg_assign();
        prop_assert_eq!(sk.decrypt(&neg, &enc), (p as u64 - expected) % p as u64);
        let mut zero = acc.clone();
        zero.sub_assign(&acc);
        prop_assert!(zero.as_slice().iter().all(|&x| x == 0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Key switching preserves every message, on both torus widths, for random (β, ℓ) keeping
    /// at least 16 bits (fewer bits make the rounding noise exceed Δ/2 at this dimension, as the
    /// model predicts: the property is asserted where the model says decoding holds).
    #[test]
    fn keyswitch_preserves_messages(
        seed in any::<u64>(), beta in 2u32..6, extra_levels in 0usize..3, m in any::<u64>(),
    ) {
        let levels = 16usize.div_ceil(beta as usize) + extra_levels;
        let (sk_in, _) = setup::<u64>(256, seed);
        let (sk_out, mut rng) = setup::<u64>(100, seed ^ 1);
        let ksk = LweKeyswitchKey::generate(
            &sk_in, &sk_out, DecompositionBaseLog(beta), DecompositionLevelCount(levels),
            NoiseDistribution::TUniform { bound_log2: 36 }, &mut rng,
        ).unwrap();
        let enc = Encoding::new::<u64>(3, 1).unwrap();
        let m = m % enc.message_modulus();
        let ct = sk_in.encrypt(enc.encode(m), NoiseDistribution::TUniform { bound_log2: 24 }, &mut rng);
        let mut out = LweCiphertext::zero(LweDimension(100));
        ksk.keyswitch(&mut out, &ct);
        prop_assert_eq!(sk_out.decrypt(&out, &enc), m);
        let variance = noise::keyswitch_variance(
            noise::fresh_variance(NoiseDistribution::TUniform { bound_log2: 24 }, 64),
            256, beta, levels,
            noise::fresh_variance(NoiseDistribution::TUniform { bound_log2: 36 }, 64), 64,
        );
        prop_assert!(7.0 * variance.sqrt() < 1.0 / 32.0, "model leaves room for Δ/2");
        prop_assert!(within_bound::<u64>(enc.noise_of(sk_out.phase(&out)), variance));
    }

    #[test]
    fn keyswitch_u32(seed in any::<u64>(), m in any::<u64>()) {
        let (sk_in, _) = setup::<u32>(200, seed);
        let (sk_out, mut rng) = setup::<u32>(80, seed ^ 1);
        let ksk = LweKeyswitchKey::generate(
            &sk_in, &sk_out, DecompositionBaseLog(3), DecompositionLevelCount(5),
            NoiseDistribution::Gaussian { std_dev: 2f64.powi(-25) }, &mut rng,
        ).unwrap();
        let enc = Encoding::new::<u32>(2, 1).unwrap();
        let m = m % enc.message_modulus();
        let ct = sk_in.encrypt(enc.encode(m), NoiseDistribution::Gaussian { std_dev: 2f64.powi(-25) }, &mut rng);
        let mut out = LweCiphertext::zero(LweDimension(80));
        ksk.keyswitch(&mut out, &ct);
        prop_assert_eq!(sk_out.decrypt(&out, &enc), m);
    }
}

#[test]
fn batched_keyswitch_matches_one_by_one() {
    let (sk_in, _) = setup::<u64>(128, 5);
    let (sk_out, mut rng) = setup::<u64>(64, 6);
    let chi = NoiseDistribution::TUniform { bound_log2: 30 };
    let ksk = LweKeyswitchKey::generate(
        &sk_in,
        &sk_out,
        DecompositionBaseLog(4),
        DecompositionLevelCount(4),
        chi,
        &mut rng,
    )
    .unwrap();
    let enc = Encoding::new::<u64>(4, 1).unwrap();
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(16, LweDimension(128));
    for (m, mut ct) in inputs.iter_mut().enumerate() {
        sk_in.encrypt_into(&mut ct, enc.encode(m as u64), chi, &mut rng);
    }
    let mut outputs = LweCiphertextList::<Vec<u64>>::zero(16, LweDimension(64));
    ksk.par_keyswitch_list(&mut outputs, &inputs);
    for (m, out) in outputs.iter().enumerate() {
        let mut single = LweCiphertext::zero(LweDimension(64));
        ksk.keyswitch(&mut single, &inputs.get(m));
        assert_eq!(single.as_view(), out);
        assert_eq!(sk_out.decrypt(&out, &enc), m as u64);
    }
}

#[test]
fn keyswitch_generation_is_reproducible_from_seeds() {
    let (sk_in, _) = setup::<u64>(64, 7);
    let (sk_out, _) = setup::<u64>(32, 8);
    let gen = || {
        LweKeyswitchKey::generate(
            &sk_in,
            &sk_out,
            DecompositionBaseLog(4),
            DecompositionLevelCount(3),
            NoiseDistribution::TUniform { bound_log2: 30 },
            &mut EncryptionRng::insecure_from_u64(99),
        )
        .unwrap()
    };
    assert_eq!(gen(), gen());
}

#[test]
fn invalid_inputs_are_typed_errors() {
    assert!(LweCiphertext::<Vec<u64>>::from_container(vec![]).is_err());
    assert!(LweCiphertextList::from_container(vec![0u64; 7], LweDimension(3)).is_err());
    assert!(LweSecretKey::<u64>::from_bits(vec![0, 1, 2]).is_err());
    assert!(LweKeyswitchKey::from_container(
        vec![0u64; 10],
        LweDimension(2),
        LweDimension(2),
        DecompositionBaseLog(2),
        DecompositionLevelCount(2)
    )
    .is_err());
    let (sk, _) = setup::<u64>(8, 1);
    assert!(LweKeyswitchKey::generate(
        &sk,
        &sk,
        DecompositionBaseLog(40),
        DecompositionLevelCount(2),
        NoiseDistribution::TUniform { bound_log2: 30 },
        &mut EncryptionRng::insecure_from_u64(1),
    )
    .is_err());
    assert!(
        !format!("{sk:?}").contains('1'),
        "Debug must not print key bits"
    );
}
