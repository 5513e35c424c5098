//! Noise distributions over the torus, sampled from a [`Csprng`].
//!
//! * **Rounded Gaussian** `⌊N(0, σ²)·q⌉ mod q`, with `σ` given as a fraction of the torus. Its
//!   variance is `σ²` (plus `1/(12q²)` from rounding, negligible and ignored).
//! * **TUniform(b)**: integers in `[−2^b, 2^b]`, each interior value with probability `2^−(b+1)`
//!   and each endpoint with `2^−(b+2)`. Drawn as `u + c − 2^b` with `u` uniform on `b+1` bits and `c`
//!   one fair bit; its variance is `(2^(2b+1) + 1)/6` in integers. It is bounded, so a failure
//!   probability can be computed exactly, and its sampling is constant-time.

use crate::random::Csprng;
use crate::scalar::Torus;
use core::fmt;
use rand_core::RngCore;
use rand_distr::{Distribution, Normal};

/// A noise distribution on the torus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoiseDistribution {
    /// Rounded Gaussian with standard deviation `std_dev` as a fraction of the torus.
    Gaussian {
        /// σ, as a fraction of the torus (so in `(0, 1)`).
        std_dev: f64,
    },
    /// TUniform with bound `2^bound_log2` (in torus integers).
    TUniform {
        /// `b`.
        bound_log2: u32,
    },
}

/// Why a distribution is not usable on a torus width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidDistribution {
    /// The rejected distribution.
    pub distribution: NoiseDistribution,
    /// The torus width.
    pub torus_bits: u32,
}

impl fmt::Display for InvalidDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "noise distribution {:?} is not valid on a {}-bit torus",
            self.distribution, self.torus_bits
        )
    }
}

impl std::error::Error for InvalidDistribution {}

impl NoiseDistribution {
    /// Checks that the distribution can be sampled on a `T`-torus: `0 < σ < 1/4` for a Gaussian,
    /// `b + 2 ≤ w` for TUniform.
    pub fn validate<T: Torus>(&self) -> Result<(), InvalidDistribution> {
        let ok = match *self {
            Self::Gaussian { std_dev } => std_dev.is_finite() && std_dev > 0.0 && std_dev < 0.25,
            Self::TUniform { bound_log2 } => bound_log2 + 2 <= T::BITS,
        };
        if ok {
            Ok(())
        } else {
            Err(InvalidDistribution {
                distribution: *self,
                torus_bits: T::BITS,
            })
        }
    }

    /// Variance as a fraction of the torus squared, for a `w`-bit torus.
    pub fn variance(&self, torus_bits: u32) -> f64 {
        match *self {
            Self::Gaussian { std_dev } => std_dev * std_dev,
            Self::TUniform { bound_log2 } => {
                let int_var = (2f64.powi(2 * bound_log2 as i32 + 1) + 1.0) / 6.0;
                int_var / 2f64.powi(2 * torus_bits as i32)
            }
        }
    }

    /// Standard deviation as a fraction of the torus.
    pub fn std_dev(&self, torus_bits: u32) -> f64 {
        self.variance(torus_bits).sqrt()
    }

    /// One sample.
    #[inline]
    pub fn sample<T: Torus>(&self, rng: &mut Csprng) -> T {
        match *self {
            Self::Gaussian { std_dev } => {
                let scale = 2f64.powi(T::BITS as i32);
                let normal = Normal::new(0.0, std_dev * scale)
                    .expect("noise distributions are validated before use");
                let x = normal.sample(rng).round();
                // Through i128 so samples beyond ±2^63 (possible on u64 for large σ) still wrap.
                T::from_u64_wrapping(x as i128 as u64)
            }
            Self::TUniform { bound_log2 } => {
                let word = rng.next_u64();
                let u = word & ((1u64 << (bound_log2 + 1)) - 1);
                let c = (word >> (bound_log2 + 1)) & 1;
                T::from_u64_wrapping(u + c).wrapping_sub(T::ONE.shl(bound_log2))
            }
        }
    }

    /// Adds one sample to each element of `out`.
    pub fn add_samples<T: Torus>(&self, rng: &mut Csprng, out: &mut [T]) {
        for x in out {
            *x = x.wrapping_add(self.sample(rng));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Seed;

    fn moments<T: Torus>(d: NoiseDistribution, n: usize) -> (f64, f64, i64, i64) {
        let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(3));
        let (mut s, mut s2, mut lo, mut hi) = (0f64, 0f64, i64::MAX, i64::MIN);
        for _ in 0..n {
            let v = d.sample::<T>(&mut rng).to_signed();
            let f = v as f64 / 2f64.powi(T::BITS as i32);
            s += f;
            s2 += f * f;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let mean = s / n as f64;
        (mean, s2 / n as f64 - mean * mean, lo, hi)
    }

    #[test]
    fn tuniform_support_and_variance() {
        let n = 200_000;
        for b in [2u32, 10, 30] {
            let d = NoiseDistribution::TUniform { bound_log2: b };
            let (mean, var, lo, hi) = moments::<u64>(d, n);
            assert!(lo >= -(1i64 << b) && hi <= 1i64 << b, "b = {b}");
            if b < 10 {
                assert_eq!((lo, hi), (-(1i64 << b), 1i64 << b), "b = {b}");
            }
            let expected = d.variance(64);
            // Sample variance of a uniform law: relative std error sqrt(0.8/n); 6σ window.
            assert!(((var - expected) / expected).abs() < 6.0 * (0.8f64 / n as f64).sqrt());
            assert!(mean.abs() < 6.0 * (expected / n as f64).sqrt());
        }
        // Exact distribution for b = 1 on 40,000 draws: P(±2) = 1/8, P(−1, 0, 1) = 1/4.
        let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(5));
        let mut counts = [0u32; 5];
        let d = NoiseDistribution::TUniform { bound_log2: 1 };
        for _ in 0..40_000 {
            counts[(d.sample::<u32>(&mut rng).to_signed() + 2) as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let p = if i == 0 || i == 4 { 0.125f64 } else { 0.25 };
            let sd = (40_000.0 * p * (1.0 - p)).sqrt();
            assert!((f64::from(c) - 40_000.0 * p).abs() < 6.0 * sd, "{counts:?}");
        }
    }

    #[test]
    fn gaussian_variance() {
        let n = 200_000;
        for sigma in [2f64.powi(-15), 2f64.powi(-25)] {
            let d = NoiseDistribution::Gaussian { std_dev: sigma };
            let (mean, var, _, _) = moments::<u64>(d, n);
            let expected = sigma * sigma;
            assert!(((var - expected) / expected).abs() < 6.0 * (2.0f64 / n as f64).sqrt());
            assert!(mean.abs() < 6.0 * sigma / (n as f64).sqrt());
        }
    }

    #[test]
    fn validation() {
        assert!(NoiseDistribution::TUniform { bound_log2: 62 }
            .validate::<u64>()
            .is_ok());
        assert!(NoiseDistribution::TUniform { bound_log2: 31 }
            .validate::<u32>()
            .is_err());
        assert!(NoiseDistribution::Gaussian { std_dev: f64::NAN }
            .validate::<u32>()
            .is_err());
        assert!(NoiseDistribution::Gaussian { std_dev: 0.0 }
            .validate::<u32>()
            .is_err());
    }
}
