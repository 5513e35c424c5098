//! The bootstrap noise model against measurement.
//!
//! 1. **Blind-rotation output variance** at the real set `MSG2_CARRY2`: every one of the `N`
//!    coefficients of the rotated accumulator is a noise sample (phase minus the exact rotated
//!    table, computed in the clear from the secret key); 8 rotations give 16,384 samples. The
//!    prediction uses the key's actual Hamming weight `h` (the rounding term appears only in steps
//!    with `s_i = 1`). Tolerance 15%: the samples of one rotation share its key noise, so the
//!    estimator's spread is larger than for independent draws. The model's FFT term is an upper
//!    envelope (the fused inner product rounds less than it allows), so the window runs from
//!    15% below the model *without* its FFT term (key noise and decomposition rounding, which
//!    are exact) to 15% above the full model. The same measurement with the multi-bit key
//!    against [`noise::multi_bit_pair_variance`] and the key's pair statistics.
//! 2. **Failure probability**: with the message precision inflated until failures are frequent
//!    (`TOY`'s dimensions, which are insecure, so thousands of bootstraps run in seconds), the
//!    observed failure rate of KS → PBS on fresh inputs must fall within a 5σ binomial window of
//!    `erfc(margin / √(2V))` with `V = V_fresh + V_KS + V_MS` from the model.
//! 3. Every exported secure set's model failure probability meets its bound.

use dyn_stack::{GlobalPodBuffer, PodStack};
use tfhe_core::bootstrap::{
    multi_bit_blind_rotate_batch_assign, BlindRotationKey, BootstrapKey, LookupTable,
};
use tfhe_core::glwe::GlweCiphertext;
use tfhe_core::keys::SecretKeys;
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::noise;
use tfhe_core::params::{BlindRotation, ParameterSet, ALL, MSG2_CARRY2, SHE_MNIST, TOY};
use torus::{Csprng, Encoding, EncryptionRng, Polynomial, Seed, Torus};

/// Keys of `p` and the measured variance of its blind rotation's output noise (`ek`'s own kind of
/// bootstrapping key): 8 rotations of a table of distinct, recognisable torus values by fresh
/// encryptions; every coefficient of the phase minus the exact rotated table (computed in the
/// clear from the secret key) is one sample. Returns the keys, the variance and the sample count.
fn measure_blind_rotation_variance(p: &ParameterSet, seed: u64) -> (SecretKeys<u64>, f64, f64) {
    measure_blind_rotation_variance_at(p, seed, None)
}

/// [`measure_blind_rotation_variance`] with only the first `levels` of the key's decomposition
/// levels (a multi-bit key, [`tfhe_core::fft::LevelPrefixes`]) when `Some`.
fn measure_blind_rotation_variance_at(
    p: &ParameterSet,
    seed: u64,
    levels: Option<usize>,
) -> (SecretKeys<u64>, f64, f64) {
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::<u64>::generate(p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    let n_poly = p.polynomial_size.0;
    let log_2n = p.polynomial_size.log2() + 1;
    let small = sk.small_lwe_key();
    let table: Vec<u64> = (0..n_poly as u64)
        .map(|j| j.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    let mut mem = GlobalPodBuffer::new(
        ek.bootstrap_key()
            .blind_rotate_scratch_requirement(ek.fft())
            .unwrap(),
    );
    let mut phase = vec![0u64; n_poly];
    let (mut sum, mut sum2, mut count) = (0f64, 0f64, 0f64);
    for t in 0..8u64 {
        let input = small.encrypt(t << 58, p.lwe_noise, &mut rng);
        let mut acc = GlweCiphertext::trivial(p.glwe_dimension, &table);
        match (levels, ek.bootstrap_key()) {
            (Some(used), BootstrapKey::MultiBit(bsk)) => multi_bit_blind_rotate_batch_assign(
                acc.as_mut_slice(),
                |_| (input.mask(), used),
                bsk,
                ek.fft(),
                PodStack::new(&mut mem),
            ),
            (None, bsk) => {
                bsk.blind_rotate_assign(&mut acc, input.mask(), ek.fft(), PodStack::new(&mut mem))
            }
            (Some(_), BootstrapKey::Classic(_)) => panic!("fewer levels need a multi-bit key"),
        }
        // Clear rotation Σ ã_i s_i mod 2N.
        let rotation = input
            .mask()
            .iter()
            .zip(small.bits())
            .map(|(&a, &s)| a.mod_switch(log_2n) * s)
            .sum::<u64>() as usize
            % (2 * n_poly);
        let mut expected = Polynomial::<Vec<u64>>::zero(p.polynomial_size);
        expected.assign_monomial_product(&Polynomial::from_container(table.as_slice()), rotation);
        sk.glwe_key().phase_into(&mut phase, &acc);
        for (&x, &e) in phase.iter().zip(expected.coeffs()) {
            let v = x.wrapping_sub(e).to_signed_f64_fraction();
            sum += v;
            sum2 += v * v;
            count += 1.0;
        }
    }
    let mean = sum / count;
    (sk, sum2 / count - mean * mean, count)
}

/// The classic blind rotation at `MSG2_CARRY2`, predicted with the key's Hamming weight.
#[test]
fn blind_rotation_variance_matches_model() {
    let p = &MSG2_CARRY2.with_blind_rotation(BlindRotation::Classic);
    let (sk, measured, count) = measure_blind_rotation_variance(p, 21);
    let small = sk.small_lwe_key();
    let h = small.bits().iter().filter(|&&b| b == 1).count() as f64;
    let n = p.lwe_dimension.0 as f64;
    let predicted = n * noise::external_product_variance(
        0.0,
        h / n,
        p.glwe_dimension.0,
        p.polynomial_size.0,
        p.pbs_base_log.0,
        p.pbs_level_count.0,
        noise::fresh_variance(p.glwe_noise, 64),
        64,
    );
    // The FFT's share of the prediction: (1 + k·N/2)·(k+1)·ℓ·V_fft per step.
    let (k, big_n) = (p.glwe_dimension.0 as f64, p.polynomial_size.0 as f64);
    let fft = n
        * (1.0 + k * big_n / 2.0)
        * (k + 1.0)
        * p.pbs_level_count.0 as f64
        * noise::fft_product_error_variance(p.polynomial_size.0, p.pbs_base_log.0);
    let exact_terms = predicted - fft;
    let rel = (measured - predicted) / predicted;
    println!(
        "blind rotation: measured 2^{:.3}, predicted 2^{:.3} (2^{:.3} without the FFT term), \
         relative {rel:+.3}; the FFT term measures {:.2} of the model's ({count} samples)",
        measured.log2(),
        predicted.log2(),
        exact_terms.log2(),
        (measured - exact_terms) / fft,
    );
    assert!(
        measured > 0.85 * exact_terms && measured < 1.15 * predicted,
        "measured 2^{:.3} outside [0.85·2^{:.3}, 1.15·2^{:.3})",
        measured.log2(),
        exact_terms.log2(),
        predicted.log2()
    );
}

/// The multi-bit blind rotation at `MSG2_CARRY2`, predicted by [`noise::multi_bit_pair_variance`]
/// with the key's share of pairs `(s_a, s_b) ≠ (0, 0)`. The model counts the FFT error of all
/// three inner products at full weight, so it may overestimate: the window is `[−50%, +15%)`.
#[test]
fn multi_bit_blind_rotation_variance_matches_model() {
    let p = &MSG2_CARRY2.with_blind_rotation(BlindRotation::MultiBit);
    let (sk, measured, count) = measure_blind_rotation_variance(p, 109);
    let (predicted, active) = multi_bit_prediction(p, &sk, p.pbs_level_count.0);
    let classic = noise::classic_blind_rotation_variance(p);
    let rel = (measured - predicted) / predicted;
    println!(
        "multi-bit blind rotation: measured 2^{:.3}, predicted 2^{:.3}, relative {rel:+.3} \
         ({count} samples, active pairs {active:.3}); classic model 2^{:.3}",
        measured.log2(),
        predicted.log2(),
        classic.log2()
    );
    assert!(
        (-0.5..0.15).contains(&rel),
        "relative error {rel:+.3} outside [−0.5, +0.15)"
    );
}

/// The model of a multi-bit blind rotation with `levels` decomposition levels for the key of
/// `sk` (its share of pairs `(s_a, s_b) ≠ (0, 0)`), and that share.
fn multi_bit_prediction(p: &ParameterSet, sk: &SecretKeys<u64>, levels: usize) -> (f64, f64) {
    let pairs: Vec<&[u64]> = sk.small_lwe_key().bits().chunks_exact(2).collect();
    let active = pairs.iter().filter(|p| p[0] | p[1] == 1).count() as f64 / pairs.len() as f64;
    let per_pair = noise::multi_bit_pair_variance(
        active,
        p.glwe_dimension.0,
        p.polynomial_size.0,
        p.pbs_base_log.0,
        levels,
        noise::fresh_variance(p.glwe_noise, 64),
        64,
    );
    (pairs.len() as f64 * per_pair, active)
}

/// A multi-bit blind rotation with a prefix of the key's levels (the networks' coarse sign
/// bootstraps use 3 of `SHE_MNIST`'s 4): 2 of 4 here, where the decomposition's rounding term
/// dominates (`σ ≈ 2^-10`) and the model is tested hardest, predicted by
/// [`noise::multi_bit_pair_variance`] at that decomposition; same window as the full test.
#[test]
fn multi_bit_rotation_with_fewer_levels_matches_model() {
    let p = &SHE_MNIST;
    assert_eq!(p.blind_rotation, BlindRotation::MultiBit);
    let used = 2;
    let (sk, measured, count) = measure_blind_rotation_variance_at(p, 113, Some(used));
    let (predicted, _) = multi_bit_prediction(p, &sk, used);
    let rel = (measured - predicted) / predicted;
    println!(
        "multi-bit blind rotation, {used} of {} levels: measured 2^{:.3}, predicted 2^{:.3}, \
         relative {rel:+.3} ({count} samples)",
        p.pbs_level_count.0,
        measured.log2(),
        predicted.log2(),
    );
    assert!(
        (-0.5..0.15).contains(&rel),
        "relative error {rel:+.3} outside [−0.5, +0.15)"
    );
}

/// TOY with `bits` message bits (and one padding bit).
fn inflated(bits: u32) -> ParameterSet {
    ParameterSet {
        message_bits: bits,
        ..TOY
    }
}

fn failure_rate_case(bits: u32, trials: usize, seed: u64) {
    let p = inflated(bits);
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::<u64>::generate(&p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    let enc: Encoding = p.encoding();
    let modulus = enc.message_modulus();
    let lut = ek.lookup_table(|m| m).unwrap();
    let mut buffers = ek.buffers();
    let mut out = LweCiphertext::zero(p.big_lwe_dimension());
    let mut failures = 0usize;
    for t in 0..trials {
        let m = (t as u64 * 37) % modulus;
        let ct = sk.encrypt(m, &mut rng);
        ek.keyswitch_bootstrap(&mut out, &ct, &lut, &mut buffers);
        failures += usize::from(sk.decrypt(&out) != m);
    }
    let w = p.torus_bits;
    let variance = noise::fresh_variance(p.glwe_noise, w)
        + noise::keyswitch_variance(
            0.0,
            p.big_lwe_dimension().0,
            p.ks_base_log.0,
            p.ks_level_count.0,
            noise::keyswitch_key_variance(&p),
            w,
        )
        + noise::modulus_switch_variance(p.lwe_dimension.0, p.polynomial_size.0, w);
    let margin = 2f64.powi(-((bits + 2) as i32));
    let p_fail = noise::failure_probability(variance, margin);
    let expected = p_fail * trials as f64;
    let window = 5.0 * (trials as f64 * p_fail * (1.0 - p_fail)).sqrt() + 1.0;
    println!(
        "{bits}-bit messages: {failures} failures in {trials}, model p_fail = {p_fail:.4} \
         (expected {expected:.1} ± {window:.1})"
    );
    assert!(
        (failures as f64 - expected).abs() <= window,
        "observed {failures}, expected {expected:.1} ± {window:.1}"
    );
}

#[test]
fn failure_rate_matches_model_when_frequent() {
    failure_rate_case(6, 1500, 31);
}

#[test]
fn failure_rate_matches_model_when_rare() {
    failure_rate_case(5, 1500, 41);
}

#[test]
fn secure_sets_meet_their_failure_bounds() {
    for p in ALL.iter().filter(|p| !p.is_insecure()) {
        let report = noise::bootstrap_noise(p);
        println!("{}: {report:?}", p.name);
        if p.usage == tfhe_core::params::Usage::BooleanGates {
            // The conservative margin Δ/2 = 1/16 that TFHE-rs's published 2^−64.3 uses.
            println!(
                "{}: at margin 1/16: p_fail = 2^{:.2}",
                p.name,
                noise::log2_failure_probability(report.bootstrap_input, 1.0 / 16.0)
            );
        }
        let bound = match p.usage {
            tfhe_core::params::Usage::BooleanGates => -64.0,
            tfhe_core::params::Usage::Integers => -40.0,
        };
        assert!(
            report.log2_failure_probability <= bound,
            "{}: p_fail = 2^{:.1} > 2^{bound}",
            p.name,
            report.log2_failure_probability
        );
    }
}

#[test]
fn sign_table_is_unrotated() {
    let t = LookupTable::<u64>::sign(TOY.polynomial_size, 5);
    assert!(t.as_slice().iter().all(|&v| v == 5));
}
