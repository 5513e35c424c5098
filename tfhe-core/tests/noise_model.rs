//! The noise model against measurement.
//!
//! Each test draws ≥ 10,000 noise samples from real operations (seeded, so runs are
//! reproducible) and checks the empirical variance against the closed form of
//! `tfhe_core::noise`. **Tolerance**: relative error ≤ 10%. The sample variance of 10,000 draws of
//! a law with kurtosis ≤ 3 has a relative standard error ≤ √(2/10⁴) ≈ 1.4%, so 10% is a > 5σ
//! window; for key switching the fixed key-switching key's realised noise adds ≈ √(0.8/(n·ℓ))
//! ≈ 2.5% more, and the prediction uses the input key's actual Hamming weight.
//!
//! Toy dimensions (insecure) keep these tests fast; the laws do not depend on security.

use tfhe_core::dimensions::{DecompositionBaseLog, DecompositionLevelCount, LweDimension};
use tfhe_core::lwe::{LweCiphertext, LweKeyswitchKey, LweSecretKey};
use tfhe_core::noise;
use torus::{Csprng, EncryptionRng, NoiseDistribution, Seed, Torus};

const SAMPLES: usize = 10_000;
const TOLERANCE: f64 = 0.10;

/// Empirical variance (torus fraction²) of `phase − expected` over the samples.
fn empirical_variance<T: Torus>(errors: impl Iterator<Item = T>) -> f64 {
    let (mut n, mut s, mut s2) = (0f64, 0f64, 0f64);
    for e in errors {
        let f = e.to_signed_f64_fraction();
        n += 1.0;
        s += f;
        s2 += f * f;
    }
    assert!(n >= SAMPLES as f64);
    let mean = s / n;
    s2 / n - mean * mean
}

fn assert_close(what: &str, measured: f64, predicted: f64) {
    let rel = (measured - predicted) / predicted;
    println!("{what}: measured {measured:.4e}, predicted {predicted:.4e}, rel {rel:+.3}");
    assert!(
        rel.abs() <= TOLERANCE,
        "{what}: relative error {rel:+.3} > {TOLERANCE}"
    );
}

fn keys<T: Torus>(n: usize, seed: u64) -> (LweSecretKey<T>, EncryptionRng) {
    let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    (
        LweSecretKey::generate(LweDimension(n), &mut rng),
        EncryptionRng::insecure_from_u64(seed + 1),
    )
}

#[test]
fn fresh_encryption_variance() {
    for noise_dist in [
        NoiseDistribution::Gaussian {
            std_dev: 2f64.powi(-20),
        },
        NoiseDistribution::TUniform { bound_log2: 40 },
    ] {
        let (sk, mut rng) = keys::<u64>(256, 10);
        let mut msg_rng = Csprng::from_seed(&Seed::insecure_from_u64(11));
        let errors = (0..SAMPLES).map(|_| {
            let m: u64 = msg_rng.random_torus();
            let ct = sk.encrypt(m, noise_dist, &mut rng);
            sk.phase(&ct).wrapping_sub(m)
        });
        assert_close(
            &format!("fresh {noise_dist:?}"),
            empirical_variance(errors),
            noise::fresh_variance(noise_dist, 64),
        );
    }
}

#[test]
fn linear_combination_and_shift_variance() {
    let (sk, mut rng) = keys::<u64>(128, 20);
    let chi = NoiseDistribution::TUniform { bound_log2: 30 };
    let v = noise::fresh_variance(chi, 64);
    let coefficients = [3i64, -2, 1, 5];
    let shift = 4u32;
    let predicted = noise::power_of_two_variance(
        noise::linear_combination_variance(coefficients.iter().map(|&k| (k, v))),
        shift,
    );
    let errors = (0..SAMPLES).map(|i| {
        let mut acc = LweCiphertext::<Vec<u64>>::zero(sk.dimension());
        let mut expected = 0u64;
        for (j, &k) in coefficients.iter().enumerate() {
            let m = ((i * 7 + j) as u64) << 40;
            acc.add_scaled_assign(&sk.encrypt(m, chi, &mut rng), k);
            expected = expected.wrapping_add(m.wrapping_mul(k as u64));
        }
        acc.mul_power_of_two_assign(shift, true);
        let expected = expected.wrapping_shl(shift).wrapping_neg();
        sk.phase(&acc).wrapping_sub(expected)
    });
    assert_close(
        "−2^4·(3c₀ − 2c₁ + c₂ + 5c₃)",
        empirical_variance(errors),
        predicted,
    );
}

/// Input and output keys (fixed seeds) and a key-switching key between them.
fn keyswitch_keys<T: Torus>(
    (n_in, n_out): (usize, usize),
    (base_log, levels): (u32, usize),
    ksk_noise: NoiseDistribution,
) -> (
    LweSecretKey<T>,
    LweSecretKey<T>,
    LweKeyswitchKey<Vec<T>>,
    EncryptionRng,
) {
    let (sk_in, _) = keys::<T>(n_in, 30);
    let (sk_out, mut rng) = keys::<T>(n_out, 40);
    let ksk = LweKeyswitchKey::generate(
        &sk_in,
        &sk_out,
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(levels),
        ksk_noise,
        &mut rng,
    )
    .unwrap();
    (sk_in, sk_out, ksk, rng)
}

fn keyswitch_case<T: Torus>(
    what: &str,
    n_in: usize,
    n_out: usize,
    base_log: u32,
    levels: usize,
    ksk_noise: NoiseDistribution,
    input_noise: NoiseDistribution,
) {
    let (sk_in, sk_out, ksk, mut rng) =
        keyswitch_keys::<T>((n_in, n_out), (base_log, levels), ksk_noise);
    // The variance for this fixed key: its Hamming weight h replaces the expectation n/2.
    let h = sk_in.bits().iter().filter(|&&b| b == T::ONE).count();
    assert!((h as f64 - n_in as f64 / 2.0).abs() < 5.0 * (n_in as f64 / 4.0).sqrt());
    let predicted = noise::keyswitch_variance_for_key_weight(
        noise::fresh_variance(input_noise, T::BITS),
        h as f64,
        n_in,
        base_log,
        levels,
        noise::fresh_variance(ksk_noise, T::BITS),
        T::BITS,
    );
    let mut msg_rng = Csprng::from_seed(&Seed::insecure_from_u64(41));
    let mut out = LweCiphertext::<Vec<T>>::zero(LweDimension(n_out));
    let errors = (0..SAMPLES).map(|_| {
        let m: T = msg_rng.random_torus();
        let ct = sk_in.encrypt(m, input_noise, &mut rng);
        ksk.keyswitch(&mut out, &ct);
        sk_out.phase(&out).wrapping_sub(m)
    });
    assert_close(what, empirical_variance(errors), predicted);
}

/// A key rounded to 32-bit words (`tfhe_core::lwe::rounded_keyswitch`) with so little fresh
/// key noise (`TUniform 2^8`) and so fine a decomposition (`2^4 × 8`, 32 bits) that the rounding
/// of the key's words dominates the output: the model's `keyswitch_key_rounding_variance` term is
/// what is measured. The prediction uses both keys' actual Hamming weights.
#[test]
fn keyswitch_variance_rounded_key() {
    let (n_in, n_out, base_log, levels) = (256, 128, 4, 8);
    let ksk_noise = NoiseDistribution::TUniform { bound_log2: 8 };
    let input_noise = NoiseDistribution::TUniform { bound_log2: 8 };
    let (sk_in, sk_out, ksk, mut rng) =
        keyswitch_keys::<u64>((n_in, n_out), (base_log, levels), ksk_noise);
    let rounded = LweKeyswitchKey::<Vec<u32>>::rounded_from(&ksk).unwrap();
    let weight = |sk: &LweSecretKey<u64>| sk.bits().iter().filter(|&&b| b == 1).count() as f64;
    let ksk_variance = noise::fresh_variance(ksk_noise, 64)
        + noise::keyswitch_key_rounding_variance(weight(&sk_out), 32, 64);
    let predicted = noise::keyswitch_variance_for_key_weight(
        noise::fresh_variance(input_noise, 64),
        weight(&sk_in),
        n_in,
        base_log,
        levels,
        ksk_variance,
        64,
    );
    // The rounding term is what this test is about: it must dominate the prediction.
    assert!(
        noise::keyswitch_key_rounding_variance(weight(&sk_out), 32, 64)
            > 100.0 * noise::fresh_variance(ksk_noise, 64)
    );
    assert!(
        n_in as f64 * levels as f64 * noise::digit_second_moment(base_log) * ksk_variance
            > 0.9 * predicted
    );
    let mut msg_rng = Csprng::from_seed(&Seed::insecure_from_u64(41));
    let mut out = LweCiphertext::<Vec<u64>>::zero(LweDimension(n_out));
    let errors = (0..SAMPLES).map(|_| {
        let m: u64 = msg_rng.random_torus();
        let ct = sk_in.encrypt(m, input_noise, &mut rng);
        rounded.keyswitch_from_wider(&mut out, &ct);
        sk_out.phase(&out).wrapping_sub(m)
    });
    assert_close(
        "KS u64, key rounded to 32 bits",
        empirical_variance(errors),
        predicted,
    );
}

#[test]
fn keyswitch_variance_rounding_dominated() {
    keyswitch_case::<u64>(
        "KS u64, rounding term",
        256,
        128,
        4,
        3,
        NoiseDistribution::TUniform { bound_log2: 30 },
        NoiseDistribution::TUniform { bound_log2: 20 },
    );
}

#[test]
fn keyswitch_variance_key_noise_dominated() {
    keyswitch_case::<u64>(
        "KS u64, key-noise term",
        256,
        128,
        4,
        5,
        NoiseDistribution::TUniform { bound_log2: 44 },
        NoiseDistribution::TUniform { bound_log2: 20 },
    );
}

#[test]
fn keyswitch_variance_u32_balanced_terms() {
    keyswitch_case::<u32>(
        "KS u32, both terms",
        256,
        128,
        2,
        6,
        NoiseDistribution::Gaussian {
            std_dev: 2f64.powi(-17),
        },
        NoiseDistribution::Gaussian {
            std_dev: 2f64.powi(-20),
        },
    );
}
