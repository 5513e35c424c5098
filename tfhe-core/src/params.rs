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

/// Where ciphertexts live between operations, which fixes the order of key switch and bootstrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PbsOrder {
    /// Ciphertexts live under the big key (`k·N`): key switch to `n`, then bootstrap back to `k·N`.
    KeyswitchBootstrap,
    /// Ciphertexts live under the small key (`n`): bootstrap to `k·N`, then key switch back to `n`.
    BootstrapKeyswitch,
}

/// What the message space of a set is for, which fixes the decoding margin of a bootstrap input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Integers modulo `2^b` with padding: a bootstrap input decodes correctly while `|e| < Δ/2`.
    Integers,
    /// Booleans encoded as `±1/8`, evaluated by sign bootstraps with decision boundaries at `0` and
    /// `1/2`: gate inputs sit at odd multiples of `1/8`, so the margin is `1/8`.
    BooleanGates,
}

/// How a set's blind rotation consumes the LWE mask, which fixes the kind of bootstrapping key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlindRotation {
    /// One CMux per mask element; the key holds `GGSW(s_i)`
    /// ([`crate::bootstrap::FourierBootstrapKey`]).
    Classic,
    /// One external product per *pair* of mask elements (grouping factor 2); the key holds
    /// GGSW encryptions of the pairs' indicator products, 1.5× the classic size, and adds 3×
    /// the classic key-noise term ([`crate::bootstrap::MultiBitBootstrapKey`],
    /// [`crate::noise::multi_bit_blind_rotation_variance`]).
    MultiBit,
}

/// A complete TFHE parameter set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParameterSet {
    /// The name used by the CLI, benchmarks and file headers.
    pub name: &'static str,
    /// `w`: the torus is `Z/2^w Z` (32 or 64).
    pub torus_bits: u32,
    /// Key-switch / bootstrap order.
    pub order: PbsOrder,
    /// What the message space is for.
    pub usage: Usage,
    /// `ν²`: the squared 2-norm of the largest linear combination of bootstrap outputs that the set
    /// is specified to feed into one bootstrap (the failure probability is computed for it).
    pub max_squared_norm: f64,
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
    /// Classic or multi-bit blind rotation (the kind of bootstrapping key).
    pub blind_rotation: BlindRotation,
    /// Key-switching-key decomposition base `β_ks`.
    pub ks_base_log: DecompositionBaseLog,
    /// Key-switching-key levels `ℓ_ks`.
    pub ks_level_count: DecompositionLevelCount,
    /// Width of the key-switching key's words: `torus_bits`, or 32 for a 64-bit set whose key
    /// is stored rounded to the top 32 bits of each word, which halves the bytes every key
    /// switch reads, at a noise cost the model carries
    /// ([`crate::lwe::rounded_keyswitch`], [`crate::noise::keyswitch_key_variance`]).
    pub ks_torus_bits: u32,
    /// Message bits `b` (carry bits included).
    pub message_bits: u32,
    /// Padding bits above the message.
    pub padding_bits: u32,
}

/// The boolean gate set: TFHE-rs `boolean::DEFAULT_PARAMETERS` (32-bit torus, PBS → KS, Gaussian
/// noise), kept with its exact published numbers for side-by-side comparison. Gates combine at
/// most two inputs with coefficients ±2 (XOR), hence `ν² = 8`.
pub const BOOLEAN_128: ParameterSet = ParameterSet {
    name: "BOOLEAN_128",
    torus_bits: 32,
    order: PbsOrder::BootstrapKeyswitch,
    usage: Usage::BooleanGates,
    max_squared_norm: 8.0,
    provenance:
        "TFHE-rs boolean DEFAULT_PARAMETERS: n=805, k=3, N=512, sigma_lwe=5.8615896642671336e-6, \
                 sigma_glwe=9.315272083503367e-10, PBS 2^10 l=2, KS 2^3 l=5, 32-bit torus",
    claimed_security_bits: Some(128),
    lwe_dimension: LweDimension(805),
    glwe_dimension: GlweDimension(3),
    polynomial_size: PolynomialSize(512),
    lwe_noise: NoiseDistribution::Gaussian {
        std_dev: 5.861_589_664_267_133_6e-6,
    },
    glwe_noise: NoiseDistribution::Gaussian {
        std_dev: 9.315_272_083_503_367e-10,
    },
    pbs_base_log: DecompositionBaseLog(10),
    pbs_level_count: DecompositionLevelCount(2),
    blind_rotation: BlindRotation::Classic,
    ks_base_log: DecompositionBaseLog(3),
    ks_level_count: DecompositionLevelCount(5),
    ks_torus_bits: 32,
    message_bits: 3,
    padding_bits: 0,
};

/// The 4-bit (2 message + 2 carry bits, one padding bit) set TFHE-rs uses for its shortint
/// `PARAM_MESSAGE_2_CARRY_2` with TUniform noise and the KS → PBS order; kept with its exact
/// published numbers to compare both libraries at identical parameters.
pub const MSG2_CARRY2: ParameterSet = ParameterSet {
    name: "MSG2_CARRY2",
    torus_bits: 64,
    order: PbsOrder::KeyswitchBootstrap,
    usage: Usage::Integers,
    max_squared_norm: 1.0,
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
    blind_rotation: BlindRotation::Classic,
    ks_base_log: DecompositionBaseLog(4),
    ks_level_count: DecompositionLevelCount(4),
    ks_torus_bits: 64,
    message_bits: 4,
    padding_bits: 1,
};

/// The set the encrypted MNIST networks run on: [`MSG2_CARRY2`]'s lattice (`n`, `k`, `N`, both
/// noise distributions, so the same 128-bit security) and key switch, with a **low-noise**
/// bootstrap: `2^9 × 4` instead of `2^23 × 1`, which lowers the output standard deviation of a
/// bootstrap from `2^-14.7` to `2^-27.1` (noise model, multi-bit; `2^-27.7` classic). The exact
/// wide-integer operations of `she-nn` need it: a layer's accumulator must hold its whole
/// worst-case range at a scale far above the noise of the `Σ w²` activations it sums, i.e.
/// `Σ|w|·‖w‖₂·(2^b − 1)·√3·σ_PBS ≲ 2^-6.6` for `b`-bit activations (see `she_nn::pbs`).
///
/// Why four levels of `2^9`: the shipped model (weights up to `±4` after the first layer) fails
/// its plan with the three-level `2^12 × 3` this set used before (`σ = 2^-24.5`, a layer-6
/// bootstrap at `2^-25.7`); `2^9 × 4` lowers the key-noise term (`∝ ℓ·B²`) 48-fold for one more
/// level (a third more bootstrapping key; 24% more time per bootstrap in `she demo`), while its rounding term (`B^-ℓ = 2^-36`) stays
/// as small as before. `2^10 × 4` leaves more key noise (`2^-26.3`) and `2^8 × 4` too much
/// rounding (`2^-24.1`); `she-nn`'s example `plan_sweep` prints the comparison.
///
/// Its blind rotation is **multi-bit** ([`BlindRotation::MultiBit`]): about 0.73× the time of a
/// classic bootstrap (measured at `2^12 × 3`), for a 1.5× larger server key and 3× the
/// bootstrap's key-noise term, which the plan of the shipped network absorbs (its worst bootstrap
/// failure is `2^-69.7`; the per-PBS failure at the set's own `ν² = 1` is `2^-73.6` either way).
///
/// Its key-switching key is stored **rounded to 32-bit words** (`ks_torus_bits = 32`,
/// [`crate::lwe::rounded_keyswitch`]): half the bytes every key switch streams (28.7 MiB instead
/// of 57.4 MiB) and eight lanes per AVX2 product instead of four, for a key variance of
/// `2^-39.6 + 2^-58.7` — no failure probability moves.
pub const SHE_MNIST: ParameterSet = ParameterSet {
    name: "SHE_MNIST",
    provenance: "this project: MSG2_CARRY2's lattice, noise and key switch (TFHE-rs \
                 PARAM_MESSAGE_2_CARRY_2, KS-PBS, TUniform) with a 2^9 x 4 multi-bit bootstrap",
    pbs_base_log: DecompositionBaseLog(9),
    pbs_level_count: DecompositionLevelCount(4),
    blind_rotation: BlindRotation::MultiBit,
    ks_torus_bits: 32,
    ..MSG2_CARRY2
};

/// **INSECURE.** Tiny dimensions for fast tests and demos of file handling. Its noise is chosen so
/// that operations are correct, not so that anything is hidden: never use it for real data. Its
/// bootstrap is at least as precise as [`SHE_MNIST`]'s (output σ `2^-29.7` against `2^-27.1`), so
/// every network the real set can evaluate also runs at `TOY`; like it, it keeps its
/// key-switching key on 32-bit words, so that the fast tests run that path.
pub const TOY: ParameterSet = ParameterSet {
    name: "TOY",
    torus_bits: 64,
    order: PbsOrder::KeyswitchBootstrap,
    usage: Usage::Integers,
    max_squared_norm: 1.0,
    provenance: "this project; insecure by design (n and N far below the 128-bit curve)",
    claimed_security_bits: None,
    lwe_dimension: LweDimension(64),
    glwe_dimension: GlweDimension(1),
    polynomial_size: PolynomialSize(512),
    lwe_noise: NoiseDistribution::TUniform { bound_log2: 30 },
    glwe_noise: NoiseDistribution::TUniform { bound_log2: 12 },
    pbs_base_log: DecompositionBaseLog(12),
    pbs_level_count: DecompositionLevelCount(3),
    blind_rotation: BlindRotation::Classic,
    ks_base_log: DecompositionBaseLog(4),
    ks_level_count: DecompositionLevelCount(5),
    ks_torus_bits: 32,
    message_bits: 2,
    padding_bits: 1,
};

/// **INSECURE.** A tiny gate set for tests and demos of SHE's bitwise engine (`she-nn`'s
/// `bitwise` module): [`BOOLEAN_128`]'s encoding and order (booleans `±1/8` on a 32-bit torus,
/// PBS → KS) with dimensions far below the 128-bit curve (`n = 16`, `k = 1`, `N = 64`), so that a
/// gate costs tens of microseconds instead of tens of milliseconds and a whole MNIST image runs in
/// minutes. Never use it for real data.
///
/// The noise is chosen so that the circuits stay exact: Gaussian `σ = 2^-24` (LWE) and `2^-30`
/// (GLWE), a one-level `2^16` bootstrap decomposition and a `2^4 × 4` key switch. The noise model
/// ([`crate::noise::bootstrap_noise`]) gives a bootstrap output `σ ≈ 2^-10.3` and a modulus-switch
/// error `σ ≈ 2^-7.2` (`2N = 128` boxes), hence a failure probability of about `2^-226` per
/// bootstrap at the set's `ν² = 8` and the gates' margin `1/8` (the worst linear form the bitwise
/// engine bootstraps, a three-input majority of MUX outputs, gives about `2^-232`).
pub const TOY_BOOLEAN: ParameterSet = ParameterSet {
    name: "TOY_BOOLEAN",
    torus_bits: 32,
    order: PbsOrder::BootstrapKeyswitch,
    usage: Usage::BooleanGates,
    max_squared_norm: 8.0,
    provenance: "this project; insecure by design (n = 16, N = 64: far below the 128-bit curve)",
    claimed_security_bits: None,
    lwe_dimension: LweDimension(16),
    glwe_dimension: GlweDimension(1),
    polynomial_size: PolynomialSize(64),
    lwe_noise: NoiseDistribution::Gaussian {
        std_dev: 5.960_464_477_539_063e-8, // 2^-24
    },
    glwe_noise: NoiseDistribution::Gaussian {
        std_dev: 9.313_225_746_154_785e-10, // 2^-30
    },
    pbs_base_log: DecompositionBaseLog(16),
    pbs_level_count: DecompositionLevelCount(1),
    blind_rotation: BlindRotation::Classic,
    ks_base_log: DecompositionBaseLog(4),
    ks_level_count: DecompositionLevelCount(4),
    ks_torus_bits: 32,
    message_bits: 3,
    padding_bits: 0,
};

/// Every exported set.
pub const ALL: &[&ParameterSet] = &[&BOOLEAN_128, &MSG2_CARRY2, &SHE_MNIST, &TOY, &TOY_BOOLEAN];

/// Looks a set up by name.
pub fn by_name(name: &str) -> Option<&'static ParameterSet> {
    ALL.iter().copied().find(|p| p.name == name)
}

impl ParameterSet {
    /// The same set with another kind of blind rotation (same name, dimensions and noise): for
    /// comparing the two kinds at identical numbers.
    pub const fn with_blind_rotation(self, blind_rotation: BlindRotation) -> Self {
        Self {
            blind_rotation,
            ..self
        }
    }

    /// `k·N`: the dimension of the GLWE key flattened into an LWE key (the key of ciphertexts that
    /// leave a programmable bootstrap, and the input of the key switch).
    pub fn big_lwe_dimension(&self) -> LweDimension {
        LweDimension(self.glwe_dimension.0 * self.polynomial_size.0)
    }

    /// The message encoding (`b` message bits, padding bits above). For boolean gate sets,
    /// `b = 3` without padding: `true = +1/8 = Δ`, `false = −1/8 = 7Δ`.
    pub fn encoding(&self) -> Encoding {
        // Width only matters for validation; every exported set is checked by the tests.
        let check = if self.torus_bits == 32 {
            Encoding::new::<u32>(self.message_bits, self.padding_bits)
        } else {
            Encoding::new::<u64>(self.message_bits, self.padding_bits)
        };
        check.expect("exported parameter sets have valid encodings")
    }

    /// Whether the key-switching key is stored rounded to 32-bit words of a wider torus
    /// ([`crate::lwe::rounded_keyswitch`]).
    pub fn rounded_keyswitch(&self) -> bool {
        self.ks_torus_bits < self.torus_bits
    }

    /// Whether the set is labelled insecure (no claimed security).
    pub fn is_insecure(&self) -> bool {
        self.claimed_security_bits.is_none()
    }

    /// The 128-bit curve check of the small LWE key and of the flattened GLWE key.
    pub fn security_margins(&self) -> [SecurityMargin; 2] {
        [
            CURVE_128_BINARY.check(self.lwe_dimension, self.lwe_noise, self.torus_bits),
            CURVE_128_BINARY.check(self.big_lwe_dimension(), self.glwe_noise, self.torus_bits),
        ]
    }

    /// Whether both keys meet the 128-bit curve.
    pub fn meets_128_bit_curve(&self) -> bool {
        self.security_margins()
            .iter()
            .all(SecurityMargin::is_secure)
    }
}

impl core::fmt::Display for ParameterSet {
    /// One line: name, security, dimensions, decompositions and message space.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} ({}): {}-bit torus, n = {}, k = {}, N = {}, PBS 2^{}×{}{}, KS 2^{}×{}{}, {} message bits + {} padding",
            self.name,
            if self.is_insecure() { "INSECURE" } else { "128-bit" },
            self.torus_bits,
            self.lwe_dimension.0,
            self.glwe_dimension.0,
            self.polynomial_size.0,
            self.pbs_base_log.0,
            self.pbs_level_count.0,
            match self.blind_rotation {
                BlindRotation::Classic => "",
                BlindRotation::MultiBit => " multi-bit",
            },
            self.ks_base_log.0,
            self.ks_level_count.0,
            if self.ks_torus_bits < self.torus_bits {
                " on 32-bit key words"
            } else {
                ""
            },
            self.message_bits,
            self.padding_bits
        )
    }
}
