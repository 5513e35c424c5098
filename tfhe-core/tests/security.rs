//! Every exported parameter set against the 128-bit secure-noise curve.

use tfhe_core::dimensions::LweDimension;
use tfhe_core::params::{self, ALL};
use tfhe_core::security::CURVE_128_BINARY;
use torus::NoiseDistribution;

#[test]
fn every_exported_set_meets_its_claim() {
    for p in ALL {
        let margins = p.security_margins();
        match p.claimed_security_bits {
            Some(bits) => {
                assert_eq!(bits, 128, "{}: only 128-bit claims are checkable", p.name);
                for m in margins {
                    assert!(
                        m.is_secure(),
                        "{}: n = {} has log2 σ = {:.2}, needs ≥ {:?}",
                        p.name,
                        m.dimension,
                        m.log2_std_dev,
                        m.required_log2_std_dev
                    );
                }
            }
            // A set that claims nothing must really be insecure, and say so in its docs/name.
            None => assert!(!p.meets_128_bit_curve(), "{} is secure: claim it", p.name),
        }
        // A key-switching key on narrower words is the rounding of a key of the set's own
        // width (`lwe::rounded_keyswitch`), so the curve check of `n` and the LWE noise above
        // covers it: a public function of a secure key. Only 32-bit words of a 64-bit key exist.
        assert!(
            p.ks_torus_bits == p.torus_bits || (p.ks_torus_bits == 32 && p.torus_bits == 64),
            "{}: key-switching words of {} bits",
            p.name,
            p.ks_torus_bits
        );
        assert!(p.ks_base_log.0 * p.ks_level_count.0 as u32 <= p.ks_torus_bits);
    }
}

#[test]
fn msg2_carry2_margins() {
    let [lwe, glwe] = params::MSG2_CARRY2.security_margins();
    // TUniform(45) on 2^64: σ = sqrt((2^91 + 1)/6) / 2^64 ≈ 2^−19.79; curve at 918: ≈ −21.76.
    assert!((lwe.log2_std_dev - (-19.79)).abs() < 0.01, "{lwe:?}");
    assert!((lwe.required_log2_std_dev.unwrap() - (-21.757)).abs() < 0.01);
    // TUniform(17): σ ≈ 2^−47.79; curve at 2048: ≈ −51.60.
    assert!((glwe.log2_std_dev - (-47.79)).abs() < 0.01, "{glwe:?}");
    assert!((glwe.required_log2_std_dev.unwrap() - (-51.597)).abs() < 0.01);
}

#[test]
fn curve_shape() {
    let c = CURVE_128_BINARY;
    // Below the minimal dimension nothing is secure, whatever the noise.
    let huge = NoiseDistribution::Gaussian { std_dev: 0.1 };
    assert!(!c.check(LweDimension(449), huge, 64).is_secure());
    assert!(c.check(LweDimension(450), huge, 64).is_secure());
    // More dimension needs less noise.
    let a = c.minimal_log2_std_dev(LweDimension(600), 64).unwrap();
    let b = c.minimal_log2_std_dev(LweDimension(900), 64).unwrap();
    assert!(b < a);
    // The floor of two noise bits on the integer scale.
    assert_eq!(
        c.minimal_log2_std_dev(LweDimension(1 << 16), 64),
        Some(-62.0)
    );
    assert_eq!(
        c.minimal_log2_std_dev(LweDimension(1 << 16), 32),
        Some(-30.0)
    );
    // A classic insecure choice: n = 500 with σ = 2^−30.
    let weak = NoiseDistribution::Gaussian {
        std_dev: 2f64.powi(-30),
    };
    assert!(!c.check(LweDimension(500), weak, 64).is_secure());
}
