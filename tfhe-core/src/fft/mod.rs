//! Negacyclic polynomial multiplication by FFT, on concrete-fft.
//!
//! A polynomial of `Z_q[X]/(X^N + 1)` is taken to the Fourier domain as `N/2` complex values
//! ([`twist`] explains the fold and the twist), multiplied pointwise there, and brought back with
//! rounding to the torus. Two entry points name the two kinds of operand (their arithmetic is the
//! same; the names say what the values mean):
//!
//! * [`Fft::forward_as_torus`]: key material, torus elements read as signed integers in
//!   `[−q/2, q/2)`;
//! * [`Fft::forward_as_integer`]: small signed integers (decomposition digits) stored in two's
//!   complement.
//!
//! [`Fft::backward_as_torus`] / [`Fft::add_backward_as_torus`] round each coefficient to the
//! nearest integer and reduce it modulo `q`. None of them allocates: scratch comes from a
//! `PodStack` sized by [`Fft::forward_scratch_requirement`] and
//! [`Fft::backward_scratch_requirement`].

mod plan;
pub mod twist;

pub use concrete_fft::c64;
pub use plan::Fft;

use dyn_stack::{PodStack, ReborrowMut, SizeOverflow, StackReq};
use torus::Torus;

impl Fft {
    /// `N`.
    pub fn polynomial_size(&self) -> crate::dimensions::PolynomialSize {
        crate::dimensions::PolynomialSize(self.polynomial_size)
    }

    /// Scratch needed by a forward transform.
    pub fn forward_scratch_requirement(&self) -> Result<StackReq, SizeOverflow> {
        self.plan.fft_scratch()
    }

    /// Scratch needed by a backward transform.
    pub fn backward_scratch_requirement(&self) -> Result<StackReq, SizeOverflow> {
        self.plan.fft_scratch()
    }

    /// Forward transform of a torus polynomial (`N` coefficients) into `N/2` Fourier values.
    ///
    /// # Panics
    /// On size mismatch.
    pub fn forward_as_torus<T: Torus>(
        &self,
        fourier: &mut [c64],
        standard: &[T],
        stack: PodStack<'_>,
    ) {
        self.forward(fourier, standard, stack);
    }

    /// Forward transform of a polynomial with small signed integer coefficients held in two's
    /// complement (decomposition digits).
    ///
    /// # Panics
    /// On size mismatch.
    pub fn forward_as_integer<T: Torus>(
        &self,
        fourier: &mut [c64],
        standard: &[T],
        stack: PodStack<'_>,
    ) {
        self.forward(fourier, standard, stack);
    }

    fn forward<T: Torus>(&self, fourier: &mut [c64], standard: &[T], stack: PodStack<'_>) {
        let half = self.polynomial_size / 2;
        assert_eq!(standard.len(), self.polynomial_size, "standard-domain size");
        assert_eq!(fourier.len(), half, "Fourier-domain size");
        let (lo, hi) = standard.split_at(half);
        for (((z, &re), &im), &w) in fourier
            .iter_mut()
            .zip(lo)
            .zip(hi)
            .zip(&self.twisties.forward)
        {
            *z = c64::new(re.to_signed() as f64, im.to_signed() as f64) * w;
        }
        self.plan.fwd(fourier, stack);
    }

    /// Backward transform: `standard ← round(IFFT(fourier)) mod q`. `fourier` is used as scratch
    /// and left unspecified.
    ///
    /// # Panics
    /// On size mismatch.
    pub fn backward_as_torus<T: Torus>(
        &self,
        standard: &mut [T],
        fourier: &mut [c64],
        stack: PodStack<'_>,
    ) {
        self.backward(standard, fourier, stack, |_, v| v);
    }

    /// Backward transform added into `standard`: `standard ← standard + round(IFFT(fourier)) mod q`.
    ///
    /// # Panics
    /// On size mismatch.
    pub fn add_backward_as_torus<T: Torus>(
        &self,
        standard: &mut [T],
        fourier: &mut [c64],
        stack: PodStack<'_>,
    ) {
        self.backward(standard, fourier, stack, T::wrapping_add);
    }

    fn backward<T: Torus>(
        &self,
        standard: &mut [T],
        fourier: &mut [c64],
        stack: PodStack<'_>,
        combine: impl Fn(T, T) -> T,
    ) {
        let half = self.polynomial_size / 2;
        assert_eq!(standard.len(), self.polynomial_size, "standard-domain size");
        assert_eq!(fourier.len(), half, "Fourier-domain size");
        self.plan.inv(fourier, stack);
        let (lo, hi) = standard.split_at_mut(half);
        for (((z, re), im), &w) in fourier.iter().zip(lo).zip(hi).zip(&self.twisties.backward) {
            let v = *z * w;
            *re = combine(*re, f64_to_torus(v.re));
            *im = combine(*im, f64_to_torus(v.im));
        }
    }
}

/// `round(x) mod 2^w` for any finite `x` (also beyond `±2^63`, where the FFT's sums can land);
/// ties round away from zero.
///
/// Works on the bits of the `f64` (`x = ±m·2^e`, `m` a 53-bit integer) instead of calling
/// `f64::round`, which is a library call on baseline x86-64: for `e ≥ 0` the result is
/// `m·2^e mod 2^64`, for `e < 0` it is `m / 2^(−e)` rounded. Exact in both cases.
#[inline(always)]
pub(crate) fn f64_to_torus<T: Torus>(x: f64) -> T {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (u64::from(biased != 0) << 52);
    // x = mantissa · 2^exponent
    let exponent = biased.max(1) - 1075;
    let magnitude = if exponent >= 0 {
        mantissa.checked_shl(exponent as u32).unwrap_or(0)
    } else {
        let shift = (-exponent) as u32;
        if shift > 53 {
            0
        } else {
            (mantissa + (1u64 << (shift - 1))) >> shift
        }
    };
    let value = if bits >> 63 == 1 {
        magnitude.wrapping_neg()
    } else {
        magnitude
    };
    T::from_u64_wrapping(value)
}

/// `acc ← acc + a ⊙ b`, the pointwise product of two Fourier-domain polynomials.
#[inline]
pub fn mul_add_assign(acc: &mut [c64], a: &[c64], b: &[c64]) {
    debug_assert!(acc.len() == a.len() && a.len() == b.len());
    for ((o, &x), &y) in acc.iter_mut().zip(a).zip(b) {
        *o += x * y;
    }
}

/// Convenience for tests and one-off use: allocates scratch and returns `a · b mod (X^N + 1)` of a
/// torus polynomial `a` and an integer polynomial `b` through the FFT. Hot paths use the
/// allocation-free methods instead.
pub fn negacyclic_product<T: Torus>(a_torus: &[T], b_integer: &[T]) -> Vec<T> {
    let n = a_torus.len();
    let fft = Fft::new(crate::dimensions::PolynomialSize(n));
    let req = StackReq::try_any_of([
        fft.forward_scratch_requirement().expect("small"),
        fft.backward_scratch_requirement().expect("small"),
    ])
    .expect("small");
    let mut mem = dyn_stack::GlobalPodBuffer::new(req);
    let mut stack = PodStack::new(&mut mem);
    let mut fa = vec![c64::default(); n / 2];
    let mut fb = vec![c64::default(); n / 2];
    fft.forward_as_torus(&mut fa, a_torus, stack.rb_mut());
    fft.forward_as_integer(&mut fb, b_integer, stack.rb_mut());
    let mut prod = vec![c64::default(); n / 2];
    mul_add_assign(&mut prod, &fa, &fb);
    let mut out = vec![T::ZERO; n];
    fft.backward_as_torus(&mut out, &mut prod, stack);
    out
}

/// `out ← out + a · s mod (X^N + 1)` **exactly**, for a torus polynomial `a` and a binary
/// polynomial `s` (a secret key). Used by encryption and decryption, where an FFT rounding error
/// would add to the noise.
///
/// Exactness: `a` is split into signed 32-bit halves `a = a_hi·2^32 + a_lo`; each half times a
/// binary polynomial has coefficients below `N·2^31 ≤ 2^45` in magnitude, far inside `f64`'s 53-bit
/// mantissa, and the FFT's relative error (≈ 2^−53·log N) keeps the absolute error below 1/2, so
/// rounding recovers the exact integers. Allocates its buffers: not for hot paths.
///
/// # Panics
/// On size mismatch, or if `N > 2^14`.
pub fn add_exact_product_with_binary<T: Torus>(out: &mut [T], a: &[T], s: &[T]) {
    let n = a.len();
    assert!(n == s.len() && n == out.len() && n <= 1 << 14);
    let fft = Fft::new(crate::dimensions::PolynomialSize(n));
    let req = fft.forward_scratch_requirement().expect("small");
    let mut mem = dyn_stack::GlobalPodBuffer::new(req);
    let mut stack = PodStack::new(&mut mem);
    let mut fs = vec![c64::default(); n / 2];
    fft.forward_as_integer(&mut fs, s, stack.rb_mut());
    // Signed 32-bit halves: x = hi·2^32 + lo (mod 2^64), lo, hi ∈ [−2^31, 2^31). A 32-bit torus
    // needs no split.
    let signed32 = |v: u64| T::from_i64_wrapping(i64::from(v as u32 as i32));
    let parts: Vec<(Vec<T>, u32)> = if T::BITS <= 32 {
        vec![(a.to_vec(), 0)]
    } else {
        let lo: Vec<T> = a.iter().map(|&x| signed32(x.to_u64())).collect();
        let hi: Vec<T> = a
            .iter()
            .zip(&lo)
            .map(|(&x, &l)| signed32(x.wrapping_sub(l).to_u64() >> 32))
            .collect();
        vec![(lo, 0), (hi, 32)]
    };
    let mut half = vec![T::ZERO; n];
    for (part, shift) in &parts {
        let mut f = vec![c64::default(); n / 2];
        fft.forward_as_integer(&mut f, part, stack.rb_mut());
        for (x, &y) in f.iter_mut().zip(&fs) {
            *x *= y;
        }
        fft.backward_as_torus(&mut half, &mut f, stack.rb_mut());
        for (o, &h) in out.iter_mut().zip(&half) {
            *o = o.wrapping_add(h.shl(*shift));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::f64_to_torus;

    #[test]
    fn f64_to_torus_matches_exact_rounding() {
        let cases = [
            0.0,
            -0.0,
            0.49,
            0.5,
            1.5,
            -0.5,
            -1.5,
            2.5,
            1e-300,
            123456.789,
            -98765.4321,
            9.007_199_254_740_993e15,
            1.8446744073709552e19,
            -1.8446744073709552e19,
            3.0e25,
            -7.7e27,
            1.0e30,
            2f64.powi(63),
            -(2f64.powi(63)),
            2f64.powi(64) + 4096.0,
        ];
        for x in cases {
            // Oracle: exact arithmetic in i128 / u128 where representable.
            let r = x.round();
            let expected = if r.abs() < 1.7e38 {
                (r as i128).rem_euclid(1i128 << 64) as u64
            } else {
                0
            };
            assert_eq!(f64_to_torus::<u64>(x), expected, "x = {x:e}");
            assert_eq!(f64_to_torus::<u32>(x), expected as u32, "x = {x:e}");
        }
    }
}
