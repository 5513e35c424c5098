//! Named parameter sets.
//!
//! Each set fixes every dimension, decomposition and noise distribution of a TFHE instance on a
//! 64-bit torus, its claimed security and its provenance. Security claims are *checked*, not
//! trusted: `tests/security.rs` runs every set of [`ALL`] through
//! [`crate::security::CURVE_128_BINARY`], for both the LWE key (`n`) and the GLWE key seen as an
//! LWE key of dimension `k·N`.
//!
//! Per-PBS failure probabilities come from the bootstrapping noise model.

use crate::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use crate::security::{SecurityMargin, CURVE_128_BINARY};
use torus::{Encoding, NoiseDistribution};

/// A complete TFHE parameter set on a 64-bit torus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParameterSet {
    /// The name used by the CLI, benchmarks and file headers.
    pub name: &'static str,
    /// Where the numbers come from.
    pub provenance: &'static str,
    /// The security level claimed, checked by the test suite; `None` for insecure test sets.
    pub claimed_security_bits: Option<u32>,
    /// `n`: dimension of the small LWE key (input of the blind rotation).
    pub lwe_dimension: LweDimension,
    /// `k`.
    pub glwe_dimension: GlweDimension,
    /// `N`.
    pub polynomial_size: PolynomialSize,
    /// Noise of encryptions under the small LWE key (and of the key-switching key).
    pub lwe_noise: NoiseDistribution,
    /// Noise of encryptions under the GLWE key (and of the bootstrapping key).
    pub glwe_noise: NoiseDistribution,
    /// Bootstrapping-key decomposition base `β_pbs`.
    pub pbs_base_log: DecompositionBaseLog,
    /// Bootstrapping-key levels `ℓ_pbs`.
    pub pbs_level_count: DecompositionLevelCount,
    /// Key-switching-key decomposition base `β_ks`.
    pub ks_base_log: DecompositionBaseLog,
    /// Key-switching-key levels `ℓ_ks`.
    pub ks_level_count: DecompositionLevelCount,
    /// Message bits `b` (carry bits included).
    pub message_bits: u32,
    /// Padding bits above the message.
    pub padding_bits: u32,
}

/// The torus width of every set here.
pub const TORUS_BITS: u32 = 64;

/// The 4-bit (2 message + 2 carry bits, one padding bit) set TFHE-rs uses for its shortint
/// `PARAM_MESSAGE_2_CARRY_2` with TUniform noise and the KS → PBS order; kept with its exact
/// published numbers to compare both libraries at identical parameters.
pub const MSG2_CARRY2: ParameterSet = ParameterSet {
    name: "MSG2_CARRY2",
    provenance:
        "TFHE-rs shortint PARAM_MESSAGE_2_CARRY_2 (KS-PBS, TUniform), as fixed in DESIGN.md: \
                 n=918, k=1, N=2048, PBS 2^23 l=1, KS 2^4 l=4, TUniform 2^45 / 2^17",
    claimed_security_bits: Some(128),
    lwe_dimension: LweDimension(918),
    glwe_dimension: GlweDimension(1),
    polynomial_size: PolynomialSize(2048),
    lwe_noise: NoiseDistribution::TUniform { bound_log2: 45 },
    glwe_noise: NoiseDistribution::TUniform { bound_log2: 17 },
    pbs_base_log: DecompositionBaseLog(23),
    pbs_level_count: DecompositionLevelCount(1),
    ks_base_log: DecompositionBaseLog(4),
    ks_level_count: DecompositionLevelCount(4),
    message_bits: 4,
    padding_bits: 1,
};

/// **INSECURE.** Tiny dimensions for fast tests and demos of file handling. Its noise is chosen so
/// that operations are correct, not so that anything is hidden: never use it for real data.
pub const TOY: ParameterSet = ParameterSet {
    name: "TOY",
    provenance: "this project; insecure by design (n and N far below the 128-bit curve)",
    claimed_security_bits: None,
    lwe_dimension: LweDimension(64),
    glwe_dimension: GlweDimension(1),
    polynomial_size: PolynomialSize(256),
    lwe_noise: NoiseDistribution::TUniform { bound_log2: 30 },
    glwe_noise: NoiseDistribution::TUniform { bound_log2: 20 },
    pbs_base_log: DecompositionBaseLog(15),
    pbs_level_count: DecompositionLevelCount(2),
    ks_base_log: DecompositionBaseLog(4),
    ks_level_count: DecompositionLevelCount(5),
    message_bits: 2,
    padding_bits: 1,
};

/// Every exported set.
pub const ALL: &[&ParameterSet] = &[&MSG2_CARRY2, &TOY];

/// Looks a set up by name.
pub fn by_name(name: &str) -> Option<&'static ParameterSet> {
    ALL.iter().copied().find(|p| p.name == name)
}

impl ParameterSet {
    /// `k·N`: the dimension of the GLWE key flattened into an LWE key (the key of ciphertexts that
    /// leave a programmable bootstrap, and the input of the key switch).
    pub fn big_lwe_dimension(&self) -> LweDimension {
        LweDimension(self.glwe_dimension.0 * self.polynomial_size.0)
    }

    /// The message encoding (`b` message bits, padding bits above).
    pub fn encoding(&self) -> Encoding {
        Encoding::new::<u64>(self.message_bits, self.padding_bits)
            .expect("exported parameter sets have valid encodings")
    }

    /// Whether the set is labelled insecure (no claimed security).
    pub fn is_insecure(&self) -> bool {
        self.claimed_security_bits.is_none()
    }

    /// The 128-bit curve check of the small LWE key and of the flattened GLWE key.
    pub fn security_margins(&self) -> [SecurityMargin; 2] {
        [
            CURVE_128_BINARY.check(self.lwe_dimension, self.lwe_noise, TORUS_BITS),
            CURVE_128_BINARY.check(self.big_lwe_dimension(), self.glwe_noise, TORUS_BITS),
        ]
    }

    /// Whether both keys meet the 128-bit curve.
    pub fn meets_128_bit_curve(&self) -> bool {
        self.security_margins()
            .iter()
            .all(SecurityMargin::is_secure)
    }
}
