//! The noise model: closed-form variances of every operation, as fractions of the torus squared.
//!
//! Each function states the law it implements; the tests in `tests/noise_model.rs` measure the
//! empirical variance over ≥ 10,000 samples and check it against these formulas.
//!
//! Failure probabilities assume the output noise is a centred Gaussian of the predicted variance
//! (sums of many independent terms; exact for the Gaussian distribution, an approximation for
//! TUniform inputs — conservative in the tails since TUniform has lighter tails than the Gaussian
//! of the same variance).

use torus::NoiseDistribution;

/// Fresh encryption: `Var(e) = Var(χ)`.
pub fn fresh_variance(noise: NoiseDistribution, torus_bits: u32) -> f64 {
    noise.variance(torus_bits)
}

/// A linear combination `Σ k_i c_i` of ciphertexts with independent noises: `Σ k_i² V_i`.
pub fn linear_combination_variance(terms: impl IntoIterator<Item = (i64, f64)>) -> f64 {
    terms
        .into_iter()
        .map(|(k, v)| (k as f64) * (k as f64) * v)
        .sum()
}

/// Multiplication by `±2^k`: `4^k V`.
pub fn power_of_two_variance(variance: f64, k: u32) -> f64 {
    variance * 4f64.powi(k as i32)
}

/// `E[d²] = (B² + 2)/12` for one balanced signed digit of a uniform input (`B = 2^β`).
pub fn digit_second_moment(base_log: u32) -> f64 {
    let b = 2f64.powi(base_log as i32);
    (b * b + 2.0) / 12.0
}

/// Variance of the rounding error `a − ã` of a uniform `a` rounded to `ℓ` digits of base `2^β`
/// on a `w`-bit torus: uniform on `q/B^ℓ` integers, `(B^(−2ℓ) − q^(−2))/12`.
pub fn decomposition_rounding_variance(base_log: u32, level_count: usize, torus_bits: u32) -> f64 {
    let kept = base_log as i32 * level_count as i32;
    (2f64.powi(-2 * kept) - 2f64.powi(-2 * torus_bits as i32)) / 12.0
}

/// Key switching from dimension `n_in` (binary key, `E[s²] = 1/2`), in expectation over keys:
///
/// ```text
/// V_out = V_in + n_in/2 · Var(a − ã) + n_in · ℓ · (B² + 2)/12 · V_ksk
/// ```
pub fn keyswitch_variance(
    input_variance: f64,
    input_dimension: usize,
    base_log: u32,
    level_count: usize,
    ksk_variance: f64,
    torus_bits: u32,
) -> f64 {
    keyswitch_variance_for_key_weight(
        input_variance,
        input_dimension as f64 / 2.0,
        input_dimension,
        base_log,
        level_count,
        ksk_variance,
        torus_bits,
    )
}

/// Key switching for one input key of Hamming weight `h` (the variance over messages and
/// randomness once the key is fixed): the rounding term is `h · Var(a − ã)` instead of its
/// expectation `n_in/2 · Var(a − ã)`; the key-noise term does not depend on the key.
pub fn keyswitch_variance_for_key_weight(
    input_variance: f64,
    hamming_weight: f64,
    input_dimension: usize,
    base_log: u32,
    level_count: usize,
    ksk_variance: f64,
    torus_bits: u32,
) -> f64 {
    let n = input_dimension as f64;
    input_variance
        + hamming_weight * decomposition_rounding_variance(base_log, level_count, torus_bits)
        + n * level_count as f64 * digit_second_moment(base_log) * ksk_variance
}

/// `P(|e| ≥ bound)` for `e ~ N(0, variance)`: `erfc(bound / √(2V))`. With `bound = Δ/2` this is
/// the probability that decoding returns a wrong message.
pub fn failure_probability(variance: f64, bound: f64) -> f64 {
    libm::erfc(bound / (2.0 * variance).sqrt())
}

/// `log2` of [`failure_probability`], accurate far into the tail (uses the asymptotic expansion
/// of `erfc` once `erfc` underflows).
pub fn log2_failure_probability(variance: f64, bound: f64) -> f64 {
    let p = failure_probability(variance, bound);
    if p > 0.0 {
        return p.log2();
    }
    // erfc(x) ≈ exp(−x²) / (x √π) for large x.
    let x = bound / (2.0 * variance).sqrt();
    (-x * x) / core::f64::consts::LN_2 - (x * core::f64::consts::PI.sqrt()).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_probability_known_values() {
        // P(|N(0,1)| ≥ 1.96) ≈ 0.05, ≥ 3 ≈ 0.0027
        assert!((failure_probability(1.0, 1.959_964) - 0.05).abs() < 1e-6);
        assert!((failure_probability(1.0, 3.0) - 0.002_699_796).abs() < 1e-8);
        // The asymptotic branch is continuous with the exact one.
        let exact = log2_failure_probability(1.0, 30.0);
        let far = log2_failure_probability(1.0, 40.0);
        assert!(exact < -640.0 && far < exact);
    }

    #[test]
    fn digit_moment_matches_enumeration() {
        for beta in 1..8u32 {
            let b = 1i64 << beta;
            // Balanced digits of uniform inputs: interior values with prob 1/B, ±B/2 with 1/(2B).
            let interior: i64 = (-(b / 2) + 1..b / 2).map(|d| d * d).sum();
            let moment = (interior as f64 + (b * b / 4) as f64) / b as f64;
            assert!((moment - digit_second_moment(beta)).abs() < 1e-12);
        }
    }
}
