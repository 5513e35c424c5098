//! Exact wide-integer operations (peel, floor division, lookups, clamp) against plaintext
//! integer arithmetic.
//!
//! Most cases run at `TOY` (**insecure**, for speed: each clamp is a handful of bootstraps); one
//! runs at the real `SHE_MNIST` set. Every case also checks the failure ledger: the noise model
//! must put each bootstrap's failure probability below 2^-40 for these inputs.

use proptest::prelude::*;
use tfhe_core::error::TfheError;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::params::{BlindRotation, ParameterSet, SHE_MNIST, TOY};
use tfhe_core::wide::{
    decode, FailureLedger, IntRange, WideCiphertext, WideEvaluator, WindowNoise,
    SIGN_VARIANCE_SHARE,
};
use torus::{Csprng, EncryptionRng, Seed};

struct Fixture {
    sk: SecretKeys<u64>,
    ek: EvaluationKeys<u64>,
}

fn fixture(p: &ParameterSet, seed: u64) -> Fixture {
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::generate(p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    Fixture { sk, ek }
}

fn toy() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| fixture(&TOY, 7))
}

/// TOY with a multi-bit key (**insecure**): its peels' sign bootstraps use fewer levels.
fn toy_multi_bit() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| fixture(&TOY.with_blind_rotation(BlindRotation::MultiBit), 8))
}

fn encrypt(f: &Fixture, z: i64, range: IntRange, rng: &mut EncryptionRng) -> WideCiphertext {
    encrypt_at(f, z, range, range.max_scale_log2(), rng)
}

fn encrypt_at(
    f: &Fixture,
    z: i64,
    range: IntRange,
    scale: u32,
    rng: &mut EncryptionRng,
) -> WideCiphertext {
    WideCiphertext {
        ciphertext: f
            .sk
            .encrypt_plaintext(tfhe_core::wide::encode(z, scale), rng),
        scale_log2: scale,
        range,
        variance: tfhe_core::noise::fresh_variance(f.sk.ciphertext_noise(), 64),
    }
}

fn decrypt(f: &Fixture, z: &WideCiphertext) -> i64 {
    decode(f.sk.ciphertext_key().phase(&z.ciphertext), z.scale_log2)
}

fn check_ledger(ledger: &FailureLedger) {
    eprintln!(
        "{} bootstraps, worst p_fail 2^{:.1}, total {:.3e}",
        ledger.bootstraps, ledger.worst_log2_failure, ledger.failure_probability
    );
    assert!(
        ledger.worst_log2_failure < -40.0,
        "model failure probability 2^{:.1} per bootstrap",
        ledger.worst_log2_failure
    );
}

#[test]
fn floor_shift_is_exact_for_negative_and_positive_values() {
    let f = toy();
    let eval = WideEvaluator::new(&f.ek).unwrap();
    let mut buffers = eval.buffers();
    let mut rng = EncryptionRng::insecure_from_u64(11);
    let range = IntRange::new(-5000, 7000).unwrap();
    for (z, s) in [
        (-5000, 3),
        (-1, 4),
        (0, 5),
        (1234, 7),
        (6999, 9),
        (-4097, 1),
        (17, 4),
    ] {
        let mut ledger = FailureLedger::new();
        let mut ct = encrypt(f, z, range, &mut rng);
        eval.floor_shift(&mut ct, s, &mut buffers, &mut ledger)
            .unwrap();
        assert_eq!(decrypt(f, &ct), z.div_euclid(1 << s), "⌊{z} / 2^{s}⌋");
        assert!(ct.range.contains(z.div_euclid(1 << s)));
        assert_eq!(ledger.bootstraps, 2 * u64::from(s.div_ceil(4)));
        check_ledger(&ledger);
    }
}

#[test]
fn lookup_reads_every_value_of_a_narrow_range() {
    let f = toy();
    let eval = WideEvaluator::new(&f.ek).unwrap();
    let mut buffers = eval.buffers();
    let mut rng = EncryptionRng::insecure_from_u64(12);
    let range = IntRange::new(-9, 6).unwrap();
    let square = |v: i64| tfhe_core::wide::encode(v * v, 54);
    for z in range.lo..=range.hi {
        let mut ledger = FailureLedger::new();
        let ct = encrypt(f, z, range, &mut rng);
        let out = eval
            .lookup(&ct, &[&square], &mut buffers, &mut ledger)
            .unwrap();
        assert_eq!(decode(f.sk.ciphertext_key().phase(&out[0]), 54), z * z);
        check_ledger(&ledger);
    }
}

fn check_clamp(f: &Fixture, z: i64, range: IntRange, lo: i64, hi: i64, rng: &mut EncryptionRng) {
    let eval = WideEvaluator::new(&f.ek).unwrap();
    let mut buffers = eval.buffers();
    let mut ledger = FailureLedger::new();
    let ct = encrypt(f, z, range, rng);
    let y = eval
        .clamp(&ct, lo, hi, 56, &mut buffers, &mut ledger)
        .unwrap();
    assert_eq!(
        decrypt(f, &y),
        z.clamp(lo, hi),
        "clamp({z}, {lo}, {hi}) over {range:?}"
    );
    assert_eq!(y.range, IntRange::new(lo, hi).unwrap());
    check_ledger(&ledger);
}

#[test]
fn clamp_of_narrow_and_wide_ranges() {
    let f = toy();
    let mut rng = EncryptionRng::insecure_from_u64(13);
    // Narrow (one lookup), wide with a narrow high part, wide with a wide high part (recursion),
    // and output ranges below 16 values (min(r, m) needs its own lookup).
    let narrow = IntRange::new(-3, 10).unwrap();
    let wide = IntRange::new(-200, 150).unwrap();
    let wider = IntRange::new(-30_000, 20_000).unwrap();
    for z in [-3, 0, 7, 10] {
        check_clamp(f, z, narrow, 0, 7, &mut rng);
    }
    for z in [-200, -17, -16, -1, 0, 1, 14, 15, 16, 31, 150] {
        check_clamp(f, z, wide, 0, 15, &mut rng);
    }
    for z in [-30_000, -1, 0, 5, 15, 16, 19_999] {
        check_clamp(f, z, wider, 0, 15, &mut rng);
    }
    for z in [-200, -3, -2, 2, 5, 6, 100] {
        check_clamp(f, z, wide, -2, 5, &mut rng);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random ranges, values, clamp windows and floor shifts (TOY, insecure, with a classic or a
    /// multi-bit key: coarse sign bootstraps). With one bit of headroom every clamp must
    /// succeed; a range that fills the torus may instead be refused, with a typed error and
    /// before any bootstrap.
    #[test]
    fn floor_then_clamp_matches_integers(
        multi_bit in any::<bool>(),
        lo in -40_000i64..-256,
        width in 1i64..80_000,
        pick in 0.0f64..1.0,
        s in 0u32..8,
        headroom in 0u32..2,
        out_lo in -4i64..4,
        out_width in 0i64..16,
    ) {
        let f = if multi_bit { toy_multi_bit() } else { toy() };
        let mut rng = EncryptionRng::insecure_from_u64(lo.unsigned_abs() ^ (width as u64) << 20);
        let range = IntRange::new(lo, lo + width).unwrap();
        let z = lo + (pick * width as f64) as i64;
        let eval = WideEvaluator::new(&f.ek).unwrap();
        let mut buffers = eval.buffers();
        let mut ledger = FailureLedger::new();
        let mut ct = encrypt_at(f, z, range, range.max_scale_log2() - headroom, &mut rng);
        eval.floor_shift(&mut ct, s, &mut buffers, &mut ledger).unwrap();
        let q = z.div_euclid(1 << s);
        let hi = out_lo + out_width.min(15);
        let before = ledger.bootstraps;
        match eval.clamp(&ct, out_lo, hi, 56, &mut buffers, &mut ledger) {
            Ok(y) => prop_assert_eq!(decrypt(f, &y), q.clamp(out_lo, hi)),
            Err(e) => {
                prop_assert_eq!(headroom, 0, "refused with headroom: {}", e);
                prop_assert!(matches!(e, TfheError::WideInteger(_)));
                prop_assert_eq!(ledger.bootstraps, before);
            }
        }
        check_ledger(&ledger);
    }
}

/// The input a randomized run found (a range that fills the torus, floored by one bit, clamped
/// to `[0, 0]`): refused before any bootstrap; with one bit of headroom, clamped exactly.
#[test]
fn clamp_refuses_a_range_filling_the_torus_and_clamps_with_headroom() {
    let f = toy();
    let eval = WideEvaluator::new(&f.ek).unwrap();
    let mut buffers = eval.buffers();
    let mut rng = EncryptionRng::insecure_from_u64(14);
    let range = IntRange::new(-30_423, 32_226).unwrap();
    for (z, headroom) in [(-30_423, 0), (-30_423, 1), (32_226, 1), (1, 1)] {
        let mut ledger = FailureLedger::new();
        let mut ct = encrypt_at(f, z, range, range.max_scale_log2() - headroom, &mut rng);
        eval.floor_shift(&mut ct, 1, &mut buffers, &mut ledger)
            .unwrap();
        let result = eval.clamp(&ct, 0, 0, 56, &mut buffers, &mut ledger);
        if headroom == 0 {
            assert!(matches!(result, Err(TfheError::WideInteger(_))));
            assert_eq!(ledger.bootstraps, 2, "only the floor's two bootstraps");
        } else {
            assert_eq!(decrypt(f, &result.unwrap()), 0, "clamp(⌊{z}/2⌋, 0, 0)");
        }
        check_ledger(&ledger);
    }
}

/// The real 128-bit set: a wide ReLU-and-saturate as the network layers use it.
#[test]
fn clamp_after_floor_at_she_mnist() {
    let f = fixture(&SHE_MNIST, 21);
    let eval = WideEvaluator::new(&f.ek).unwrap();
    assert_eq!(
        eval.window_noise().sign_levels.0,
        3,
        "coarse sign bootstraps"
    );
    let mut buffers = eval.buffers();
    let mut rng = EncryptionRng::insecure_from_u64(22);
    let range = IntRange::new(-3000, 2500).unwrap();
    for z in [-2999, 37, 251, 2500] {
        let mut ledger = FailureLedger::new();
        let mut ct = encrypt(&f, z, range, &mut rng);
        eval.floor_shift(&mut ct, 4, &mut buffers, &mut ledger)
            .unwrap();
        let y = eval
            .clamp(&ct, 0, 15, 56, &mut buffers, &mut ledger)
            .unwrap();
        assert_eq!(decrypt(&f, &y), z.div_euclid(16).clamp(0, 15), "z = {z}");
        check_ledger(&ledger);
    }
}

/// The levels of the peels' sign bootstraps: the fewest whose output variance is at most
/// [`SIGN_VARIANCE_SHARE`] of the window read's own (key switch + modulus switch) with a multi-bit
/// key, all of them with a classic key.
#[test]
fn sign_bootstraps_use_the_fewest_levels_the_digit_read_tolerates() {
    let at = |p: &ParameterSet, levels: usize| {
        tfhe_core::noise::bootstrap_noise(&ParameterSet {
            pbs_level_count: tfhe_core::dimensions::DecompositionLevelCount(levels),
            ..*p
        })
        .bootstrap_output
    };
    let multi_bit_toy = TOY.with_blind_rotation(BlindRotation::MultiBit);
    for p in [&SHE_MNIST, &multi_bit_toy] {
        let noise = WindowNoise::new(p).unwrap();
        let levels = noise.sign_levels.0;
        assert!(levels < p.pbs_level_count.0, "{}: coarse", p.name);
        assert_eq!(noise.sign_variance, at(p, levels));
        assert!(noise.sign_variance <= SIGN_VARIANCE_SHARE * noise.input_variance);
        assert!(at(p, levels - 1) > SIGN_VARIANCE_SHARE * noise.input_variance);
    }
    assert_eq!(WindowNoise::new(&SHE_MNIST).unwrap().sign_levels.0, 3);
    let classic = WindowNoise::new(&TOY).unwrap();
    assert_eq!(classic.sign_levels, TOY.pbs_level_count);
    assert_eq!(classic.sign_variance, classic.bootstrap_variance);
}
