//! The noise model: closed-form variances of every operation, as fractions of the torus squared.
//!
//! Each function states the law it implements; the tests in `tests/noise_model.rs` measure the
//! empirical variance over ≥ 10,000 samples and check it against these formulas.
//!
//! Failure probabilities assume the output noise is a centred Gaussian of the predicted variance
//! (sums of many independent terms; exact for the Gaussian distribution, an approximation for
//! TUniform inputs — conservative in the tails since TUniform has lighter tails than the Gaussian
//! of the same variance).

use crate::params::{BlindRotation, ParameterSet, PbsOrder, Usage};
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

/// Error variance of one FFT product `digit polynomial × torus polynomial` (per output
/// coefficient, torus fraction²), for digits of second moment `E[d²]` and a uniform torus operand:
///
/// ```text
/// V_fft ≈ 1.7·log2(N) · N · E[d²] · 2^(−106) / 12
/// ```
///
/// `f64` keeps 53 bits of a result of magnitude `≈ √(N·E[d²]/12)·q`, and the FFT's rounding errors
/// add over its `log2 N` stages. The constant 1.7 is an empirical upper envelope: the fitted
/// constant measured 1.35–1.68 for `N = 2^8 … 2^12`, β = 8, 15, 23, and `tests/fft.rs` measures
/// `measured / model` = 0.62–0.85 for every `N = 2^5 … 2^14` at β = 8 and 23.
pub fn fft_product_error_variance(polynomial_size: usize, base_log: u32) -> f64 {
    let n = polynomial_size as f64;
    1.7 * n.log2() * n * digit_second_moment(base_log) * 2f64.powi(-106) / 12.0
}

/// Output noise of one external product `GGSW(m) ⊡ GLWE`, `m ∈ {0, 1}` with `P(m = 1) =
/// key_bit_mean`, for an input of variance `V_in` (torus fraction² per coefficient):
///
/// ```text
/// V = E[m]·V_in + (k+1)·ℓ·N·(B²+2)/12·V_ggsw + E[m]·(1 + k·N/2)·Var(ε)
///   + (1 + k·N/2)·(k+1)·ℓ·V_fft
/// ```
///
/// The FFT term: each of the `k + 1` output polynomials carries the rounding error of `(k+1)·ℓ`
/// products; the errors on the `k` mask polynomials are multiplied by the key in the phase, hence
/// the factor `1 + k·N/2` (the same amplification as the decomposition rounding term). Measured
/// at N = 1024–2048 with the first (unfused) inner product: the per-product factor is 0.9–5 for
/// `(k+1)·ℓ` = 2–6, below the `(k+1)·ℓ` used here, so the term is conservative; the fused inner
/// product (2026-12-06, [`crate::fft::fourier_dot`]) measures 0.38 of the term at
/// `MSG2_CARRY2`, where it is of the same order as the key noise term (`tests/bootstrap_noise.rs`
/// checks the sum against a measured blind rotation).
#[allow(clippy::too_many_arguments)]
pub fn external_product_variance(
    input_variance: f64,
    key_bit_mean: f64,
    glwe_dimension: usize,
    polynomial_size: usize,
    base_log: u32,
    level_count: usize,
    ggsw_variance: f64,
    torus_bits: u32,
) -> f64 {
    let terms = ExternalProductTerms::new(
        glwe_dimension,
        polynomial_size,
        base_log,
        level_count,
        ggsw_variance,
        torus_bits,
    );
    key_bit_mean * input_variance + terms.key + key_bit_mean * terms.rounding + terms.fft
}

/// The three noise terms one external product adds, before weighting by the GGSW's message.
struct ExternalProductTerms {
    /// `(k+1)·ℓ·N·E[d²]·V_ggsw`: the GGSW's noise times the digits.
    key: f64,
    /// `(1 + k·N/2)·Var(ε)`: the decomposition's rounding error, read through the key.
    rounding: f64,
    /// `(1 + k·N/2)·(k+1)·ℓ·V_fft`: the FFT's rounding errors.
    fft: f64,
}

impl ExternalProductTerms {
    fn new(
        glwe_dimension: usize,
        polynomial_size: usize,
        base_log: u32,
        level_count: usize,
        ggsw_variance: f64,
        torus_bits: u32,
    ) -> Self {
        let (k, n, l) = (
            glwe_dimension as f64,
            polynomial_size as f64,
            level_count as f64,
        );
        let amplification = 1.0 + k * n / 2.0;
        Self {
            key: (k + 1.0) * l * n * digit_second_moment(base_log) * ggsw_variance,
            rounding: amplification
                * decomposition_rounding_variance(base_log, level_count, torus_bits),
            fft: amplification
                * (k + 1.0)
                * l
                * fft_product_error_variance(polynomial_size, base_log),
        }
    }
}

/// Noise one **multi-bit** step adds (two key bits, one external product,
/// [`crate::bootstrap::multi_bit_blind_rotate_assign`]), where `pair_active` is
/// `P((s_a, s_b) ≠ (0, 0))` (3/4 for uniform key bits):
///
/// ```text
/// V_pair = 6·(k+1)·ℓ·N·E[d²]·V_ggsw + 2·pair_active·(1 + k·N/2)·Var(ε) + 6·V_fft
/// ```
///
/// Three key terms, each multiplied by `X^c − 1` (mean squared norm 2 over a uniform `c`); the
/// rounding error multiplied by the selected `X^c − 1` when the pair is not `(0, 0)`; the FFT
/// errors of three inner products, each scaled by `|F(X^c − 1)|²` (mean 2) — a conservative
/// count, as the classic term is.
#[allow(clippy::too_many_arguments)]
pub fn multi_bit_pair_variance(
    pair_active: f64,
    glwe_dimension: usize,
    polynomial_size: usize,
    base_log: u32,
    level_count: usize,
    ggsw_variance: f64,
    torus_bits: u32,
) -> f64 {
    let terms = ExternalProductTerms::new(
        glwe_dimension,
        polynomial_size,
        base_log,
        level_count,
        ggsw_variance,
        torus_bits,
    );
    6.0 * terms.key + 2.0 * pair_active * terms.rounding + 6.0 * terms.fft
}

/// Noise of a **multi-bit** blind rotation over `n` key bits from a noiseless accumulator:
/// `⌊n/2⌋` pair steps ([`multi_bit_pair_variance`] with `pair_active = 3/4`) and, for an odd
/// `n`, one classic step (whatever `p.blind_rotation` says). Against
/// [`classic_blind_rotation_variance`]: 3× the key-noise term, 1.5× the rounding term, 3× the
/// (conservative) FFT term.
pub fn multi_bit_blind_rotation_variance(p: &ParameterSet) -> f64 {
    let n = p.lwe_dimension.0;
    let (k, big_n, beta, l, w) = (
        p.glwe_dimension.0,
        p.polynomial_size.0,
        p.pbs_base_log.0,
        p.pbs_level_count.0,
        p.torus_bits,
    );
    let v_ggsw = fresh_variance(p.glwe_noise, w);
    (n / 2) as f64 * multi_bit_pair_variance(0.75, k, big_n, beta, l, v_ggsw, w)
        + (n % 2) as f64 * external_product_variance(0.0, 0.5, k, big_n, beta, l, v_ggsw, w)
}

/// Noise of the set's blind rotation over `n` key bits starting from a noiseless (trivial)
/// accumulator — the output noise of a PBS: [`classic_blind_rotation_variance`] or
/// [`multi_bit_blind_rotation_variance`] as `p.blind_rotation` says.
pub fn blind_rotation_variance(p: &ParameterSet) -> f64 {
    match p.blind_rotation {
        BlindRotation::Classic => classic_blind_rotation_variance(p),
        BlindRotation::MultiBit => multi_bit_blind_rotation_variance(p),
    }
}

/// Noise of a **classic** blind rotation over `n` key bits from a noiseless accumulator: `n`
/// external-product increments with `E[s_i] = 1/2`.
pub fn classic_blind_rotation_variance(p: &ParameterSet) -> f64 {
    p.lwe_dimension.0 as f64
        * external_product_variance(
            0.0,
            0.5,
            p.glwe_dimension.0,
            p.polynomial_size.0,
            p.pbs_base_log.0,
            p.pbs_level_count.0,
            fresh_variance(p.glwe_noise, p.torus_bits),
            p.torus_bits,
        )
}

/// The error of switching an `n`-dimensional LWE phase from `q` to `2N` (binary key):
/// `(1 + n/2)·((2N)^(−2) − q^(−2))/12`.
pub fn modulus_switch_variance(
    lwe_dimension: usize,
    polynomial_size: usize,
    torus_bits: u32,
) -> f64 {
    let two_n = 2.0 * polynomial_size as f64;
    (1.0 + lwe_dimension as f64 / 2.0) * (two_n.powi(-2) - 2f64.powi(-2 * torus_bits as i32)) / 12.0
}

/// Variance of the error of one ciphertext of the key-switching key as the set stores it:
/// fresh noise under the small key, plus, for a key rounded to 32-bit words
/// ([`crate::lwe::rounded_keyswitch`]), the rounding of its `n + 1` words from `2^w` to
/// `2^32` — a modulus switch of the key ciphertexts:
/// `V_fresh + (1 + n/2)·(2^(−64) − 2^(−2w))/12`.
pub fn keyswitch_key_variance(p: &ParameterSet) -> f64 {
    let fresh = fresh_variance(p.lwe_noise, p.torus_bits);
    if p.rounded_keyswitch() {
        let expected_weight = p.lwe_dimension.0 as f64 / 2.0;
        fresh + keyswitch_key_rounding_variance(expected_weight, p.ks_torus_bits, p.torus_bits)
    } else {
        fresh
    }
}

/// The variance rounding adds to each ciphertext of a key-switching key whose `w`-bit words are
/// rounded to `w_ks` bits, for an output key of Hamming weight `h`: the body's and the `h`
/// counted mask words' rounding errors, uniform on `2^(w − w_ks)` integers,
/// `(1 + h)·(2^(−2·w_ks) − 2^(−2w))/12` (over keys, `h = n/2`).
pub fn keyswitch_key_rounding_variance(
    hamming_weight: f64,
    word_bits: u32,
    torus_bits: u32,
) -> f64 {
    (1.0 + hamming_weight) * (2f64.powi(-2 * word_bits as i32) - 2f64.powi(-2 * torus_bits as i32))
        / 12.0
}

/// Every term of a parameter set's bootstrap noise, and the resulting failure probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapNoise {
    /// Output noise of one PBS (blind rotation, under the `k·N` key).
    pub bootstrap_output: f64,
    /// Noise added by the key switch.
    pub keyswitch: f64,
    /// Noise of a ciphertext between operations (under the set's ciphertext key).
    pub ciphertext: f64,
    /// Noise added by the modulus switch at the start of a PBS.
    pub modulus_switch: f64,
    /// Total phase error read by the blind rotation, for `ν²` of the set.
    pub bootstrap_input: f64,
    /// Distance from a valid phase to the nearest decision boundary of the table.
    pub margin: f64,
    /// `log2` of the per-PBS failure probability.
    pub log2_failure_probability: f64,
}

/// The bootstrap noise budget of a parameter set, for inputs that are linear combinations of
/// squared 2-norm `p.max_squared_norm` of ciphertexts fresh out of a bootstrap (and key switch).
///
/// * KS → PBS: `V_in = ν²·V_BR + V_KS + V_MS` (ciphertexts live under the big key);
/// * PBS → KS: `V_in = ν²·(V_BR + V_KS) + V_MS` (ciphertexts live under the small key);
///
/// and `p_fail = P(|e| ≥ margin)` for `e ~ N(0, V_in)`.
pub fn bootstrap_noise(p: &ParameterSet) -> BootstrapNoise {
    let w = p.torus_bits;
    let bootstrap_output = blind_rotation_variance(p);
    let keyswitch = keyswitch_variance(
        0.0,
        p.big_lwe_dimension().0,
        p.ks_base_log.0,
        p.ks_level_count.0,
        keyswitch_key_variance(p),
        w,
    );
    let modulus_switch = modulus_switch_variance(p.lwe_dimension.0, p.polynomial_size.0, w);
    let nu2 = p.max_squared_norm;
    let (ciphertext, bootstrap_input) = match p.order {
        PbsOrder::KeyswitchBootstrap => (
            bootstrap_output,
            nu2 * bootstrap_output + keyswitch + modulus_switch,
        ),
        PbsOrder::BootstrapKeyswitch => (
            bootstrap_output + keyswitch,
            nu2 * (bootstrap_output + keyswitch) + modulus_switch,
        ),
    };
    let margin = match p.usage {
        // Δ/2 as a fraction of the torus: 2^(−π−b−1).
        Usage::Integers => 2f64.powi(-((p.padding_bits + p.message_bits + 1) as i32)),
        // Sign tables decide at 0 and 1/2; gate inputs sit at odd multiples of 1/8.
        Usage::BooleanGates => 0.125,
    };
    BootstrapNoise {
        bootstrap_output,
        keyswitch,
        ciphertext,
        modulus_switch,
        bootstrap_input,
        margin,
        log2_failure_probability: log2_failure_probability(bootstrap_input, margin),
    }
}
