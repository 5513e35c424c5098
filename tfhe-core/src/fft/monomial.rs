//! Fourier values of monomials: `F(X^c)` for any rotation `c ∈ Z_(2N)` without a transform.
//!
//! The negacyclic transform ([`super::twist`]) evaluates a polynomial at the `N/2` roots
//! `ζ^(e_k)` of `X^N + 1` that lie in one half of the unit circle (`ζ = e^(iπ/N)`, `e_k` odd), in
//! the order of the plan's unordered FFT. Evaluation is a ring morphism, so
//!
//! ```text
//! F(X^c)[k] = F(X)[k]^c = ζ^(e_k·c mod 2N)
//! ```
//!
//! and, once the exponents `e_k` are known, the Fourier image of any monomial is a table lookup
//! per value. The exponents are read off the plan itself — the transform of `X` — so they match
//! whatever order concrete-fft chose; [`FourierMonomials::new`] checks that every value is a
//! root of `X^N + 1` and that they are pairwise distinct.
//!
//! Used by the multi-bit blind rotation ([`crate::bootstrap::multi_bit_blind_rotate_assign`]),
//! which multiplies Fourier-domain key terms by `X^c − 1`.

use concrete_fft::c64;

/// `ζ^t − 1` for every `t < 2N`, and the exponent `e_k` of each Fourier index `k < N/2`.
#[derive(Clone, Debug)]
pub(crate) struct FourierMonomials {
    /// `roots_minus_one[t] = ζ^t − 1 = e^(iπt/N) − 1`, the subtraction done once here (the
    /// lookup is then one 16-byte copy per value).
    roots_minus_one: Vec<c64>,
    /// `F(X)[k] = ζ^(exponents[k])`.
    exponents: Vec<u32>,
}

impl FourierMonomials {
    /// Builds the tables for `N = polynomial_size` from `x_image = F(X)`, the forward transform
    /// of the polynomial `X` by the plan that will use them.
    ///
    /// # Panics
    /// If a value of `x_image` is not within `10^-6` of a root `ζ^t` with `t` odd, or two values
    /// share a root: that would mean the transform is not the negacyclic evaluation map, a bug.
    pub(crate) fn new(polynomial_size: usize, x_image: &[c64]) -> Self {
        let two_n = 2 * polynomial_size;
        assert_eq!(x_image.len(), polynomial_size / 2, "N/2 Fourier values");
        let roots: Vec<c64> = (0..two_n)
            .map(|t| {
                let angle = core::f64::consts::PI * t as f64 / polynomial_size as f64;
                let (sin, cos) = angle.sin_cos();
                c64::new(cos, sin)
            })
            .collect();
        let mut seen = vec![false; two_n];
        let exponents = x_image
            .iter()
            .map(|v| {
                let angle = v.im.atan2(v.re);
                let t = (angle * polynomial_size as f64 / core::f64::consts::PI).round() as i64;
                let t = t.rem_euclid(two_n as i64) as usize;
                assert!(
                    (roots[t] - v).norm() < 1e-6 && t % 2 == 1 && !seen[t],
                    "the FFT plan is not a negacyclic evaluation map"
                );
                seen[t] = true;
                t as u32
            })
            .collect();
        let roots_minus_one = roots.iter().map(|r| c64::new(r.re - 1.0, r.im)).collect();
        Self {
            roots_minus_one,
            exponents,
        }
    }

    /// `out[k] ← F(X^c − 1)[k] = ζ^(e_k·c mod 2N) − 1`.
    ///
    /// # Panics
    /// If `out` does not hold `N/2` values.
    pub(crate) fn monomial_minus_one(&self, out: &mut [c64], c: usize) {
        assert_eq!(out.len(), self.exponents.len(), "N/2 Fourier values");
        let mask = self.roots_minus_one.len() - 1;
        let c = c & mask;
        for (o, &e) in out.iter_mut().zip(&self.exponents) {
            *o = self.roots_minus_one[(e as usize * c) & mask];
        }
    }
}
