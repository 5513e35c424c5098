//! GLWE and GGSW ciphertexts against exact oracles and the noise model.
//!
//! **Oracles**:
//!
//! * the secret key: `GlweSecretKey::phase_into` (exact, `B − Σ A_i·S_i`) and, for extracted LWE
//!   ciphertexts, `LweSecretKey::phase` (a plain dot product) — independent code paths that must
//!   agree bit for bit;
//! * the schoolbook `torus::Polynomial::assign_naive_negacyclic_product` with an explicit monomial
//!   `±X^(a mod N)`, and `Polynomial::assign_monomial_product`, for rotations;
//! * plain integer arithmetic for the decoded messages: 4-bit messages `μ` sit in the top bits
//!   (`Δ = 2^59`, no padding), so `GGSW(m) ⊡ GLWE(μ)` must decode to `m·μ mod 16`;
//! * `tfhe_core::noise::external_product_variance` for the measured external-product noise
//!   (accepted window `[0.5, 2]` × model).
//!
//! **Parameters**: all sets are *toy* (insecure: `k ∈ {1, 2}`, `N ∈ {256, 512}`, TUniform(20) noise
//! on a 64-bit torus, `β = 10`, `ℓ = 3`) except the one marked *real-sized*, which is the
//! bootstrapping-key shape of `MSG2_CARRY2` (`k = 1`, `N = 2048`, `β = 23`, `ℓ = 1`, TUniform(17)).
//! Every random draw comes from seeded generators, so every run sees the same keys and
//! ciphertexts.

use dyn_stack::{GlobalPodBuffer, PodStack, ReborrowMut};
use tfhe_core::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use tfhe_core::fft::Fft;
use tfhe_core::ggsw::{
    add_external_product_assign, cmux_assign, cmux_scratch_requirement,
    external_product_scratch_requirement, FourierGgswCiphertext, GgswCiphertext,
};
use tfhe_core::glwe::{sample_extract, GlweCiphertext, GlweSecretKey};
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::noise;
use tfhe_core::TfheError;
use torus::{Csprng, EncryptionRng, NoiseDistribution, Polynomial, Seed, Torus};

/// 4-bit messages in the top bits of a 64-bit torus, no padding.
const MESSAGE_BITS: u32 = 4;
const DELTA_LOG: u32 = 64 - MESSAGE_BITS;
const TOY_NOISE: NoiseDistribution = NoiseDistribution::TUniform { bound_log2: 20 };
/// The toy configurations `(k, N)`.
const TOY_SHAPES: [(usize, usize); 3] = [(1, 256), (2, 256), (2, 512)];

fn csprng(seed: u64) -> Csprng {
    Csprng::from_seed(&Seed::insecure_from_u64(seed))
}

fn secret_key(k: usize, n: usize, seed: u64) -> GlweSecretKey<u64> {
    GlweSecretKey::generate(GlweDimension(k), PolynomialSize(n), &mut csprng(seed))
}

fn uniform(rng: &mut Csprng, len: usize) -> Vec<u64> {
    let mut v = vec![0u64; len];
    rng.fill_uniform(&mut v);
    v
}

/// `N` random messages in `[0, 16)`.
fn messages(rng: &mut Csprng, n: usize) -> Vec<u64> {
    (0..n).map(|_| rng.random_torus::<u64>() >> 60).collect()
}

fn encode(messages: &[u64]) -> Vec<u64> {
    messages.iter().map(|&m| m << DELTA_LOG).collect()
}

/// `round(x / Δ) mod 16`.
fn decode(x: u64) -> u64 {
    x.wrapping_add(1 << (DELTA_LOG - 1)) >> DELTA_LOG
}

fn encrypt(
    key: &GlweSecretKey<u64>,
    plaintext: &[u64],
    noise: NoiseDistribution,
    rng: &mut EncryptionRng,
) -> GlweCiphertext<Vec<u64>> {
    let mut ct = GlweCiphertext::zero(key.glwe_dimension(), key.polynomial_size());
    key.encrypt_into(&mut ct, plaintext, noise, rng);
    ct
}

fn phase<C: torus::Container<Element = u64>>(
    key: &GlweSecretKey<u64>,
    ct: &GlweCiphertext<C>,
) -> Vec<u64> {
    let mut out = vec![0u64; key.polynomial_size().0];
    key.phase_into(&mut out, ct);
    out
}

/// The oracle for `X^a · p`: the schoolbook product with the monomial `±X^(a mod N)`.
fn monomial_times(p: &[u64], a: usize) -> Vec<u64> {
    let n = p.len();
    let mut monomial = vec![0u64; n];
    monomial[a % n] = if a < n { 1 } else { u64::MAX };
    let mut out = Polynomial::<Vec<u64>>::zero(PolynomialSize(n));
    out.assign_naive_negacyclic_product(
        &Polynomial::from_container(&monomial[..]),
        &Polynomial::from_container(p),
    );
    // Second oracle: the ring's own monomial product.
    let mut rotated = Polynomial::<Vec<u64>>::zero(PolynomialSize(n));
    rotated.assign_monomial_product(&Polynomial::from_container(p), a);
    assert_eq!(out, rotated, "the two rotation oracles disagree, a = {a}");
    out.into_container()
}

fn sub(a: &[u64], b: &[u64]) -> Vec<u64> {
    a.iter().zip(b).map(|(&x, &y)| x.wrapping_sub(y)).collect()
}

/// Variance (torus fraction²) of a sample of signed torus errors.
fn variance(errors: &[u64]) -> f64 {
    let n = errors.len() as f64;
    let (s, s2) = errors.iter().fold((0.0, 0.0), |(s, s2), &e| {
        let f = e.to_signed_f64_fraction();
        (s + f, s2 + f * f)
    });
    s2 / n - (s / n) * (s / n)
}

/// Rotation amounts worth testing for size `N`: the edges of `[0, 2N)` and a few random ones.
fn rotation_amounts(n: usize, rng: &mut Csprng) -> Vec<usize> {
    let mut amounts = vec![0, 1, n - 1, n, n + 1, 2 * n - 1];
    amounts.extend((0..3).map(|_| (rng.random_torus::<u64>() % (2 * n as u64)) as usize));
    amounts
}

/// Fresh GLWE encryption: the phase is the message plus TUniform(20) noise, so every error lies in
/// `[−2^20, 2^20]` (exact: encryption and phase both compute `A·S` exactly), and over ≥ 4096
/// coefficients the error variance is within 10% of `(2^41 + 1)/6` (relative standard error of the
/// estimate ≈ √(0.8/4096) ≈ 1.4%). A trivial encryption has phase = message exactly, and the
/// wrong key yields a phase unrelated to the message.
#[test]
fn glwe_phase_is_message_plus_bounded_noise() {
    let mut rng = csprng(1);
    let mut enc = EncryptionRng::insecure_from_u64(2);
    for (idx, &(k, n)) in TOY_SHAPES.iter().enumerate() {
        let key = secret_key(k, n, 10 + idx as u64);
        let other_key = secret_key(k, n, 20 + idx as u64);
        assert_ne!(key, other_key, "seeded keys collide");
        let mut errors = Vec::new();
        for _ in 0..4096usize.div_ceil(n) {
            let m = encode(&messages(&mut rng, n));
            let ct = encrypt(&key, &m, TOY_NOISE, &mut enc);
            let e = sub(&phase(&key, &ct), &m);
            for &x in &e {
                assert!(
                    x.to_signed().abs() <= 1 << 20,
                    "k = {k}, N = {n}: noise {} outside TUniform(20)",
                    x.to_signed()
                );
            }
            errors.extend(e);
            // Under another key the phase is uniform: no coefficient lands within 2^21 of its
            // message (probability ≈ N·2^−42 per ciphertext).
            let wrong = sub(&phase(&other_key, &ct), &m);
            let close = wrong
                .iter()
                .filter(|x| x.to_signed().abs() <= 1 << 21)
                .count();
            assert!(
                close <= 1,
                "k = {k}, N = {n}: wrong key decrypts {close} coefficients"
            );
        }
        let measured = variance(&errors);
        let expected = noise::fresh_variance(TOY_NOISE, 64);
        println!(
            "fresh GLWE k = {k}, N = {n}: Var/model = {:.3}",
            measured / expected
        );
        assert!(
            (measured / expected - 1.0).abs() <= 0.1,
            "k = {k}, N = {n}: fresh noise variance {:.3}× the model",
            measured / expected
        );

        let m = encode(&messages(&mut rng, n));
        let trivial = GlweCiphertext::trivial(GlweDimension(k), &m);
        assert_eq!(phase(&key, &trivial), m, "trivial GLWE has noise");
        assert_eq!(
            phase(&other_key, &trivial),
            m,
            "trivial GLWE depends on the key"
        );
    }
}

/// Sample extraction, for every coefficient `h` (so `0`, `1`, `N−1` and all others): the LWE phase
/// under the flattened key equals coefficient `h` of the GLWE phase exactly (same noise), and the
/// body is `B[h]`. For a trivial GLWE the extracted phase is the message itself.
#[test]
fn sample_extract_matches_glwe_phase_for_every_coefficient() {
    let mut rng = csprng(3);
    let mut enc = EncryptionRng::insecure_from_u64(4);
    for (idx, &(k, n)) in TOY_SHAPES.iter().enumerate() {
        let key = secret_key(k, n, 30 + idx as u64);
        let lwe_key = key.to_lwe_secret_key();
        assert_eq!(lwe_key.dimension(), LweDimension(k * n));
        let m = encode(&messages(&mut rng, n));
        let ct = encrypt(&key, &m, TOY_NOISE, &mut enc);
        let trivial = GlweCiphertext::trivial(GlweDimension(k), &m);
        let glwe_phase = phase(&key, &ct);
        let mut lwe = LweCiphertext::zero(LweDimension(k * n));
        for h in 0..n {
            sample_extract(&mut lwe, &ct, h);
            assert_eq!(lwe.body(), ct.body()[h], "k = {k}, N = {n}, h = {h}: body");
            assert_eq!(
                lwe_key.phase(&lwe),
                glwe_phase[h],
                "k = {k}, N = {n}, h = {h}: extracted phase"
            );
            sample_extract(&mut lwe, &trivial, h);
            assert_eq!(
                lwe_key.phase(&lwe),
                m[h],
                "k = {k}, N = {n}, h = {h}: trivial"
            );
        }
    }
}

/// `assign_rotation_minus_self(input, a) = X^a·input − input` polynomial by polynomial, against
/// the monomial oracles, for `a` at the edges of `[0, 2N)` and random; on an encryption its phase
/// is `X^a·φ − φ` exactly (the phase is linear and rotation-compatible).
#[test]
fn rotation_minus_self_matches_monomial_oracle() {
    let mut rng = csprng(5);
    let mut enc = EncryptionRng::insecure_from_u64(6);
    for (idx, &(k, n)) in TOY_SHAPES.iter().enumerate() {
        let key = secret_key(k, n, 50 + idx as u64);
        let ct = encrypt(&key, &encode(&messages(&mut rng, n)), TOY_NOISE, &mut enc);
        let input_phase = phase(&key, &ct);
        for a in rotation_amounts(n, &mut rng) {
            // Start from garbage: every element must be overwritten.
            let mut out =
                GlweCiphertext::from_container(uniform(&mut rng, (k + 1) * n), PolynomialSize(n))
                    .unwrap();
            out.assign_rotation_minus_self(&ct, a);
            for i in 0..=k {
                let p = ct.polynomial(i);
                assert_eq!(
                    out.polynomial(i),
                    &sub(&monomial_times(p, a), p)[..],
                    "k = {k}, N = {n}, a = {a}, polynomial {i}"
                );
            }
            assert_eq!(
                phase(&key, &out),
                sub(&monomial_times(&input_phase, a), &input_phase),
                "k = {k}, N = {n}, a = {a}: phase"
            );
        }
    }
}

/// `fill_trivial_rotated(M, a)` = `(0, …, 0, X^a·M)`: masks zeroed, body against the monomial
/// oracles; its phase under any key is `X^a·M` with no noise.
#[test]
fn fill_trivial_rotated_matches_monomial_oracle() {
    let mut rng = csprng(7);
    for (idx, &(k, n)) in TOY_SHAPES.iter().enumerate() {
        let key = secret_key(k, n, 70 + idx as u64);
        let message = uniform(&mut rng, n);
        for a in rotation_amounts(n, &mut rng) {
            let mut out =
                GlweCiphertext::from_container(uniform(&mut rng, (k + 1) * n), PolynomialSize(n))
                    .unwrap();
            out.fill_trivial_rotated(&message, a);
            let expected = monomial_times(&message, a);
            for i in 0..k {
                assert!(
                    out.polynomial(i).iter().all(|&x| x == 0),
                    "k = {k}, N = {n}, a = {a}: mask {i} not zeroed"
                );
            }
            assert_eq!(out.body(), &expected[..], "k = {k}, N = {n}, a = {a}: body");
            assert_eq!(
                phase(&key, &out),
                expected,
                "k = {k}, N = {n}, a = {a}: phase"
            );
        }
    }
}

/// One external-product configuration.
#[derive(Clone, Copy, Debug)]
struct ExternalProductCase {
    label: &'static str,
    k: usize,
    n: usize,
    base_log: u32,
    level: usize,
    ggsw_noise: NoiseDistribution,
    glwe_noise: NoiseDistribution,
    /// Input ciphertexts per GGSW (see [`external_product_noise_ratio`] for why several).
    inputs: usize,
}

const TOY_B10_L3_K1: ExternalProductCase = ExternalProductCase {
    label: "toy k=1 N=256 β=10 ℓ=3",
    k: 1,
    n: 256,
    base_log: 10,
    level: 3,
    ggsw_noise: TOY_NOISE,
    glwe_noise: TOY_NOISE,
    inputs: 32,
};

const TOY_B10_L3_K2: ExternalProductCase = ExternalProductCase {
    label: "toy k=2 N=512 β=10 ℓ=3",
    k: 2,
    n: 512,
    base_log: 10,
    level: 3,
    ggsw_noise: TOY_NOISE,
    glwe_noise: TOY_NOISE,
    inputs: 16,
};

/// The bootstrapping-key shape of `MSG2_CARRY2`.
const REAL_MSG2_CARRY2: ExternalProductCase = ExternalProductCase {
    label: "real-sized MSG2_CARRY2 k=1 N=2048 β=23 ℓ=1",
    k: 1,
    n: 2048,
    base_log: 23,
    level: 1,
    ggsw_noise: NoiseDistribution::TUniform { bound_log2: 17 },
    glwe_noise: NoiseDistribution::TUniform { bound_log2: 17 },
    inputs: 8,
};

/// Runs `zero ← zero + GGSW(m) ⊡ GLWE(μ)` on `case.inputs` fresh inputs; checks that every
/// coefficient decodes to `m·μ mod 16`, and returns the measured / modelled noise variance.
///
/// The model is `external_product_variance` with `key_bit_mean = m²`: its `E[m]` terms (`V_in`
/// and the rounding error) are `E[m²]` terms in the derivation (`φ_out = m·(φ_in − φ(ε)) + Σ D·E`),
/// equal for a bit; so `m = −1` has the same model as `m = 1`, and `m = 3` nine times those terms.
///
/// Sampling: the variance is taken over all `inputs · N` output coefficients (≥ 8192). The terms
/// multiplied by the key in the phase (rounding error and FFT error of the mask polynomials) are
/// convolutions with a binary key of mean `1/2`, whose spectrum puts ≈ 40% of its energy in one
/// frequency; within one ciphertext the coefficients therefore share one exponentially distributed
/// factor, and only averaging over several independent inputs (8 to 32 here) makes the estimate
/// reliable (relative spread ≈ 0.4/√inputs). The model's FFT term is an upper envelope (the FFT
/// error measures ≈ 0.65× its model in `tests/fft.rs`); at `N = 2048` that term, amplified by the
/// key, is about half of the `m = 0` model, so the ratio sits near 0.8 there.
fn external_product_noise_ratio(case: ExternalProductCase, m: i64, seed: u64) -> f64 {
    let ExternalProductCase {
        k,
        n,
        base_log,
        level,
        ..
    } = case;
    let mut rng = csprng(seed);
    let mut enc = EncryptionRng::insecure_from_u64(seed + 1);
    let key = secret_key(k, n, seed + 2);
    let fft = Fft::new(PolynomialSize(n));
    let ggsw = GgswCiphertext::encrypt_constant(
        &key,
        m,
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(level),
        case.ggsw_noise,
        &mut enc,
    )
    .unwrap();
    let fourier = FourierGgswCiphertext::from_standard(&ggsw, &fft);
    let mut mem = GlobalPodBuffer::new(
        external_product_scratch_requirement::<u64>(k + 1, level, &fft).unwrap(),
    );
    let mut stack = PodStack::new(&mut mem);

    let mut errors = Vec::with_capacity(case.inputs * n);
    for _ in 0..case.inputs {
        let mu = messages(&mut rng, n);
        let ct = encrypt(&key, &encode(&mu), case.glwe_noise, &mut enc);
        let mut out = GlweCiphertext::zero(GlweDimension(k), PolynomialSize(n));
        add_external_product_assign(&mut out, &fourier, &ct, &fft, stack.rb_mut());
        let out_phase = phase(&key, &out);
        for (j, (&p, &u)) in out_phase.iter().zip(&mu).enumerate() {
            let want = (u as i64 * m).rem_euclid(16) as u64;
            assert_eq!(
                decode(p),
                want,
                "{}: m = {m}, coefficient {j}: decoded {} instead of {want} = {m}·{u} mod 16",
                case.label,
                decode(p)
            );
            errors.push(p.wrapping_sub(want << DELTA_LOG));
        }
    }
    let measured = variance(&errors);
    let model = noise::external_product_variance(
        noise::fresh_variance(case.glwe_noise, 64),
        (m * m) as f64,
        k,
        n,
        base_log,
        level,
        noise::fresh_variance(case.ggsw_noise, 64),
        64,
    );
    let ratio = measured / model;
    println!(
        "{}: m = {m:2}, {} samples, Var = 2^{:.2}, model = 2^{:.2}, Var/model = {ratio:.3}",
        case.label,
        errors.len(),
        measured.log2(),
        model.log2()
    );
    ratio
}

fn assert_noise_within_model(case: ExternalProductCase, m: i64, seed: u64) {
    let ratio = external_product_noise_ratio(case, m, seed);
    assert!(
        (0.5..=2.0).contains(&ratio),
        "{}: m = {m}: noise variance {ratio:.3}× the model, outside [0.5, 2]",
        case.label
    );
}

/// GGSW(0) and GGSW(1) (the bootstrapping-key bits), toy `k = 1`: decodes to `m·μ`, noise within
/// `[0.5, 2]` of the model.
#[test]
fn external_product_bits_toy_k1() {
    assert_noise_within_model(TOY_B10_L3_K1, 0, 100);
    assert_noise_within_model(TOY_B10_L3_K1, 1, 110);
}

/// GGSW(0) and GGSW(1), toy `k = 2`, `N = 512`.
#[test]
fn external_product_bits_toy_k2() {
    assert_noise_within_model(TOY_B10_L3_K2, 0, 200);
    assert_noise_within_model(TOY_B10_L3_K2, 1, 210);
}

/// Small integers `m = −1` and `m = 3` (toy `k = 1`): decodes to `−μ` and `3μ` mod 16; noise
/// against the model with `E[m²]` in place of the bit mean.
#[test]
fn external_product_small_integers_toy() {
    assert_noise_within_model(TOY_B10_L3_K1, -1, 300);
    assert_noise_within_model(TOY_B10_L3_K1, 3, 310);
}

/// Real-sized: the `MSG2_CARRY2` bootstrapping-key shape (`k = 1`, `N = 2048`, `β = 23`, `ℓ = 1`,
/// TUniform(17)), m ∈ {0, 1}.
#[test]
fn external_product_bits_real_sized_msg2_carry2() {
    assert_noise_within_model(REAL_MSG2_CARRY2, 0, 400);
    assert_noise_within_model(REAL_MSG2_CARRY2, 1, 410);
}

/// `add_external_product_assign` adds into its output: starting from an encryption of `ν`, the
/// result decodes to `ν + m·μ mod 16`.
#[test]
fn external_product_accumulates_into_output() {
    let (k, n, base_log, level) = (1, 256, 10, 3);
    let mut rng = csprng(500);
    let mut enc = EncryptionRng::insecure_from_u64(501);
    let key = secret_key(k, n, 502);
    let fft = Fft::new(PolynomialSize(n));
    let mut mem = GlobalPodBuffer::new(
        external_product_scratch_requirement::<u64>(k + 1, level, &fft).unwrap(),
    );
    let mut stack = PodStack::new(&mut mem);
    for m in [0i64, 1, 3] {
        let ggsw = GgswCiphertext::encrypt_constant(
            &key,
            m,
            DecompositionBaseLog(base_log),
            DecompositionLevelCount(level),
            TOY_NOISE,
            &mut enc,
        )
        .unwrap();
        let fourier = FourierGgswCiphertext::from_standard(&ggsw, &fft);
        let (mu, nu) = (messages(&mut rng, n), messages(&mut rng, n));
        let ct = encrypt(&key, &encode(&mu), TOY_NOISE, &mut enc);
        let mut out = encrypt(&key, &encode(&nu), TOY_NOISE, &mut enc);
        add_external_product_assign(&mut out, &fourier, &ct, &fft, stack.rb_mut());
        let decoded: Vec<u64> = phase(&key, &out).into_iter().map(decode).collect();
        let expected: Vec<u64> = mu
            .iter()
            .zip(&nu)
            .map(|(&u, &v)| (v as i64 + m * u as i64).rem_euclid(16) as u64)
            .collect();
        assert_eq!(decoded, expected, "m = {m}");
    }
}

/// CMux: `c0 ← c0 + GGSW(b) ⊡ (c1 − c0)` decodes to the messages of `c_b`, for the toy shapes and
/// the real-sized one.
#[test]
fn cmux_selects_by_the_ggsw_bit() {
    for (idx, case) in [TOY_B10_L3_K1, TOY_B10_L3_K2, REAL_MSG2_CARRY2]
        .into_iter()
        .enumerate()
    {
        let seed = 600 + 10 * idx as u64;
        let (k, n, level) = (case.k, case.n, case.level);
        let mut rng = csprng(seed);
        let mut enc = EncryptionRng::insecure_from_u64(seed + 1);
        let key = secret_key(k, n, seed + 2);
        let fft = Fft::new(PolynomialSize(n));
        let mut mem =
            GlobalPodBuffer::new(cmux_scratch_requirement::<u64>(k + 1, level, &fft).unwrap());
        let mut stack = PodStack::new(&mut mem);
        for bit in [0i64, 1] {
            let ggsw = GgswCiphertext::encrypt_constant(
                &key,
                bit,
                DecompositionBaseLog(case.base_log),
                DecompositionLevelCount(level),
                case.ggsw_noise,
                &mut enc,
            )
            .unwrap();
            let fourier = FourierGgswCiphertext::from_standard(&ggsw, &fft);
            let (mu0, mu1) = (messages(&mut rng, n), messages(&mut rng, n));
            assert_ne!(mu0, mu1);
            let mut c0 = encrypt(&key, &encode(&mu0), case.glwe_noise, &mut enc);
            let c1 = encrypt(&key, &encode(&mu1), case.glwe_noise, &mut enc);
            cmux_assign(&mut c0, &c1, &fourier, &fft, stack.rb_mut());
            let decoded: Vec<u64> = phase(&key, &c0).into_iter().map(decode).collect();
            let expected = if bit == 1 { &mu1 } else { &mu0 };
            assert_eq!(&decoded, expected, "{}: bit {bit}", case.label);
        }
    }
}

/// Wrapping a buffer of the wrong shape is an `Err`, never a panic; so are GGSW encryptions with a
/// message of the wrong length, an invalid decomposition or an invalid noise distribution.
#[test]
fn dimension_mismatches_are_errors() {
    let n = 256;
    // Valid: (k + 1)·N elements with k ≥ 1.
    for k in 1..=3 {
        let ct =
            GlweCiphertext::from_container(vec![0u64; (k + 1) * n], PolynomialSize(n)).unwrap();
        assert_eq!(ct.glwe_dimension(), GlweDimension(k));
        assert_eq!(ct.polynomial_size(), PolynomialSize(n));
    }
    let borrowed = [0u32; 512];
    assert!(GlweCiphertext::from_container(&borrowed[..], PolynomialSize(256)).is_ok());

    for len in [0, 1, n - 1, n, n + 1, 2 * n - 1, 2 * n + 1, 3 * n - 1] {
        let r = GlweCiphertext::from_container(vec![0u64; len], PolynomialSize(n));
        assert!(
            matches!(r, Err(TfheError::LengthMismatch { found, .. }) if found == len),
            "length {len}: {r:?}"
        );
    }
    for bad_n in [0, 3, 100, 257] {
        let r = GlweCiphertext::from_container(vec![0u64; 2 * 257], PolynomialSize(bad_n));
        assert!(
            matches!(r, Err(TfheError::UnsupportedDimension { value, .. }) if value == bad_n),
            "N = {bad_n}: {r:?}"
        );
    }

    let mut enc = EncryptionRng::insecure_from_u64(700);
    let key = secret_key(1, n, 701);
    let (b10, l3) = (DecompositionBaseLog(10), DecompositionLevelCount(3));
    let r = GgswCiphertext::encrypt(&key, &vec![0u64; n - 1], b10, l3, TOY_NOISE, &mut enc);
    assert!(
        matches!(r, Err(TfheError::LengthMismatch { .. })),
        "message length: {r:?}"
    );
    let r = GgswCiphertext::encrypt_constant(
        &key,
        1,
        DecompositionBaseLog(23),
        DecompositionLevelCount(3),
        TOY_NOISE,
        &mut enc,
    );
    assert!(
        matches!(r, Err(TfheError::Decomposition(_))),
        "β·ℓ = 69 > 64: {r:?}"
    );
    let r = GgswCiphertext::encrypt_constant(
        &key,
        1,
        b10,
        l3,
        NoiseDistribution::TUniform { bound_log2: 63 },
        &mut enc,
    );
    assert!(
        matches!(r, Err(TfheError::Distribution(_))),
        "TUniform(63) on u64: {r:?}"
    );
}
