//! The 128-bit security check for binary-key LWE.
//!
//! Security of LWE with a uniform binary secret of dimension `n`, modulus `q` and error standard
//! deviation `σ` (as a fraction of the torus) is estimated with the lattice estimator (Albrecht,
//! Player, Scott, *"On the concrete hardness of Learning with Errors"*, J. Math. Cryptology 2015;
//! <https://github.com/malb/lattice-estimator>). For a target level λ, the minimal `log2 σ` that
//! reaches λ bits is well fitted by a line in `n`:
//!
//! ```text
//! log2 σ_min(n) = max(slope · n + bias, 2 − log2 q),   valid for n ≥ n_min
//! ```
//!
//! The constants below are the 128-bit fit for binary keys and `q = 2^64` published by Zama in
//! the `concrete-security-curves` data (zama-ai/concrete, `concrete-security-curves-rust`,
//! generated from lattice-estimator runs; see also Bergerat et al., *"Parameter Optimization and
//! Larger Precision for (T)FHE"*, J. Cryptology 2023, §4). The floor `2 − log2 q` keeps at least
//! two bits of noise on the integer scale. The same α = σ/q line is applied to a 32-bit torus; it
//! was fitted at `q = 2^64`, and security at fixed `(n, α)` varies little with `q` in this range.
//!
//! TUniform noise is rated by the Gaussian of the same variance, as is standard practice for
//! bounded noise in TFHE parameter selection.

use crate::dimensions::LweDimension;
use torus::NoiseDistribution;

/// A linear fit of the minimal secure noise for one security level and key distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SecurityCurve {
    /// The security level λ in bits.
    pub bits: u32,
    /// Slope of `log2 σ_min` in `n`.
    pub slope: f64,
    /// Intercept of `log2 σ_min`.
    pub bias: f64,
    /// Below this dimension nothing is considered secure.
    pub minimal_dimension: usize,
}

/// 128-bit security, uniform binary secret, `q = 2^64` fit.
pub const CURVE_128_BINARY: SecurityCurve = SecurityCurve {
    bits: 128,
    slope: -0.026_405_028_765_226_296,
    bias: 2.482_642_269_104_389,
    minimal_dimension: 450,
};

/// The outcome of checking one LWE instance against a curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SecurityMargin {
    /// `n`.
    pub dimension: usize,
    /// `log2 σ` of the noise used.
    pub log2_std_dev: f64,
    /// `log2 σ_min(n)` required, or `None` when `n` is below the curve's minimal dimension.
    pub required_log2_std_dev: Option<f64>,
}

impl SecurityMargin {
    /// Whether the instance meets the curve.
    pub fn is_secure(&self) -> bool {
        matches!(self.required_log2_std_dev, Some(min) if self.log2_std_dev >= min)
    }

    /// `log2 σ − log2 σ_min`: bits of noise to spare (negative when insecure).
    pub fn margin_bits(&self) -> Option<f64> {
        self.required_log2_std_dev.map(|m| self.log2_std_dev - m)
    }
}

impl SecurityCurve {
    /// `log2 σ_min(n)` for a `log2 q`-bit modulus, or `None` when `n < n_min`.
    pub fn minimal_log2_std_dev(&self, dimension: LweDimension, log2_modulus: u32) -> Option<f64> {
        (dimension.0 >= self.minimal_dimension).then(|| {
            (self.slope * dimension.0 as f64 + self.bias).max(2.0 - f64::from(log2_modulus))
        })
    }

    /// Checks LWE of dimension `n` with `noise` on a `w`-bit torus.
    pub fn check(
        &self,
        dimension: LweDimension,
        noise: NoiseDistribution,
        torus_bits: u32,
    ) -> SecurityMargin {
        SecurityMargin {
            dimension: dimension.0,
            log2_std_dev: noise.std_dev(torus_bits).log2(),
            required_log2_std_dev: self.minimal_log2_std_dev(dimension, torus_bits),
        }
    }
}
