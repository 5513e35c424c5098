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
//!
//! The loops around the transforms — decomposition, conversion and twist in one pass
//! ([`Fft::forward_decomposition`]), the Fourier-domain products ([`mul_add_assign`],
//! [`fourier_dot`]) and the untwist with rounding to the torus — run as AVX2 kernels when the CPU
//! has AVX2 and FMA (checked at run time; the baseline x86-64 build would otherwise compile them
//! to scalar SSE2). Each kernel is the twin of a portable one with the same operations in the
//! same order and the same rounding (fused multiply-adds exactly where the twin has them), so
//! results are bit-identical with or without SIMD (the kernel tests check this on random and
//! extreme inputs); [`crate::kernels`] says which runs and can turn the SIMD kernels off for
//! measurements.
//!
//! Scratch buffers of several Fourier polynomials use a padded [`FourierLayout`] ([`Fft::layout`]):
//! the `layout` module explains why.

mod layout;
mod levels;
mod monomial;
mod plan;
pub mod plan_choice;
pub mod twist;

pub use concrete_fft::c64;
pub use layout::FourierLayout;
pub use levels::LevelPrefixes;
pub use plan::Fft;

use crate::kernels;
use dyn_stack::{PodStack, ReborrowMut, SizeOverflow, StackReq};
use torus::{SignedDecomposer, Torus};
use zeroize::Zeroize;

impl Fft {
    /// `N`.
    pub fn polynomial_size(&self) -> crate::dimensions::PolynomialSize {
        crate::dimensions::PolynomialSize(self.polynomial_size)
    }

    /// The layout of the scratch buffers of several Fourier polynomials of this size
    /// ([`Fft::forward_decomposition`] writes it, [`fourier_dot`] and [`multi_bit_dot_batch`]
    /// read it): `N/2` values each, padded.
    pub fn layout(&self) -> FourierLayout {
        FourierLayout::padded(self.polynomial_size / 2)
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
        kernels::scalar::twist(fourier, lo, hi, &self.twisties.forward);
        self.plan.fwd(fourier, stack);
    }

    /// The forward transforms of the `ℓ` digit polynomials of the signed decomposition of a torus
    /// polynomial, in [`Fft::layout`]: polynomial `j − 1` of `levels` is `FFT(D_j)` where
    /// `standard = Σ_j D_j·q/B^j` (rounded to `ℓ` levels, [`torus::SignedDecomposer`]).
    /// Decomposition, conversion and twist run in one pass (SIMD where available) before the `ℓ`
    /// transforms. The padding values are left as they were.
    ///
    /// # Panics
    /// On size mismatch (`levels` must hold `ℓ·stride` values).
    pub fn forward_decomposition<T: Torus>(
        &self,
        levels: &mut [c64],
        standard: &[T],
        decomposer: &SignedDecomposer<T>,
        mut stack: PodStack<'_>,
    ) {
        let half = self.polynomial_size / 2;
        let layout = self.layout();
        assert_eq!(standard.len(), self.polynomial_size, "standard-domain size");
        assert_eq!(
            layout.count(levels.len()),
            Some(decomposer.level_count().0),
            "one Fourier polynomial per level"
        );
        let (lo, hi) = standard.split_at(half);
        kernels::decompose_twist(levels, lo, hi, &self.twisties.forward, decomposer, layout);
        for level in levels.chunks_exact_mut(layout.stride()) {
            self.plan.fwd(&mut level[..half], stack.rb_mut());
        }
    }

    /// `out ← F(X^c − 1)`: the Fourier values of the polynomial `X^c − 1` (`c` taken mod `2N`),
    /// by table lookup instead of a transform (the `monomial` module explains; exact up to the
    /// rounding of `cos`/`sin`, about 2^−53).
    ///
    /// # Panics
    /// If `out` does not hold `N/2` values.
    pub fn monomial_minus_one(&self, out: &mut [c64], c: usize) {
        self.monomials.monomial_minus_one(out, c);
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
        self.backward::<T, false>(standard, fourier, stack);
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
        self.backward::<T, true>(standard, fourier, stack);
    }

    fn backward<T: Torus, const ADD: bool>(
        &self,
        standard: &mut [T],
        fourier: &mut [c64],
        stack: PodStack<'_>,
    ) {
        let half = self.polynomial_size / 2;
        assert_eq!(standard.len(), self.polynomial_size, "standard-domain size");
        assert_eq!(fourier.len(), half, "Fourier-domain size");
        self.plan.inv(fourier, stack);
        let (lo, hi) = standard.split_at_mut(half);
        kernels::untwist_round::<T, ADD>(lo, hi, fourier, &self.twisties.backward);
    }
}

/// `acc ← acc + a ⊙ b`, the pointwise product of two Fourier-domain polynomials.
#[inline]
///
/// # Panics
/// If the lengths differ.
pub fn mul_add_assign(acc: &mut [c64], a: &[c64], b: &[c64]) {
    kernels::mul_add_assign(acc, a, b);
}

/// Where the Fourier value `f` of polynomial `c` of row `r` sits in the **pair-interleaved
/// layout** of a Fourier GGSW ciphertext with `rows` rows of `outputs` polynomials of `h` values
/// (`h` even): for every pair of frequencies `(2p, 2p + 1)`, the `rows·outputs` pairs of values
/// lie together, row-major, so that an inner product over all rows at one frequency pair reads
/// one contiguous block, and a pass over the ciphertext is a single sequential stream:
///
/// ```text
/// index(r, c, f) = ((⌊f/2⌋·rows + r)·outputs + c)·2 + f mod 2
/// ```
#[inline]
pub fn pair_interleaved_index(rows: usize, outputs: usize, r: usize, c: usize, f: usize) -> usize {
    (((f / 2) * rows + r) * outputs + c) * 2 + f % 2
}

/// `out_c ← Σ_r digits_r ⊙ rows_(r,c)` for every output `c`: the Fourier-domain inner product
/// of an external product. `digits` holds `R` polynomials and `out` `C` polynomials in `layout`
/// (`h = layout.half()` values each, `h` even), `rows` the `R` rows of a Fourier GGSW ciphertext
/// (`C` polynomials each) in the layout of [`pair_interleaved_index`]. One pass over `rows`, a
/// frequency pair's block at a time.
///
/// Rounding: per value, the products of the digit's real and imaginary parts with the row are
/// summed separately over `r` in order with fused multiply-adds (`a ← fma(d.re, row, a)`,
/// `b ← fma(d.im, row, b)`), and `out = (a.re − b.im) + i(a.im + b.re)` — the form that needs no
/// shuffle per key value in the SIMD kernel. Padding values of `out` are left as they were.
///
/// # Panics
/// If the lengths do not match the layout or `h` is odd.
pub fn fourier_dot(out: &mut [c64], digits: &[c64], rows: &[c64], layout: FourierLayout) {
    kernels::fourier_dot(out, digits, rows, layout);
}

/// `out_c ← Σ_j monomials_j ⊙ (Σ_r digits_r ⊙ keys_j(r, c))`: the Fourier-domain step of a
/// multi-bit external product in one pass — [`fourier_dot`] against each of the `J` key terms
/// (rounded as it says), each result multiplied by its monomial `F(X^(c_j) − 1)`
/// ([`Fft::monomial_minus_one`]) and added to the sum key by key, without writing the
/// intermediate products. `monomials` holds `J = keys.len()` polynomials and `out`, `digits` as
/// for [`fourier_dot`], all in `layout`; every key is laid out as [`pair_interleaved_index`] says.
///
/// # Panics
/// If `keys` is empty or the lengths do not match.
pub fn multi_bit_dot(
    out: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    layout: FourierLayout,
) {
    let all = LevelPrefixes::ONE_WITH_ALL_ROWS;
    kernels::multi_bit_dot_batch(out, digits, keys, monomials, all, layout);
}

/// [`multi_bit_dot`] for the `B = levels.batch()` problems that share the keys, laid out one
/// after another in `outs` (`C` polynomials each), `digits` (`R`) and `monomials` (`J`), all in
/// `layout`; problem `b` uses the first `levels.used(b)` of the keys' `ℓ = levels.levels()`
/// decomposition levels (rows `i·ℓ + j`, `j < ℓ'_b`: the [`LevelPrefixes`] module explains;
/// its other digits are not read). Each problem's result is bit-identical to [`multi_bit_dot`] on
/// it alone over the same rows; the key is read once for the whole batch instead of once per
/// problem, which is what makes batched bootstrapping faster where the inner product is bound
/// by streaming the key ([`crate::bootstrap::programmable_bootstrap_batch`]).
///
/// # Panics
/// If `keys` is empty, the lengths do not match, or `ℓ` does not divide the keys' row count.
pub fn multi_bit_dot_batch(
    outs: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    levels: LevelPrefixes<'_>,
    layout: FourierLayout,
) {
    kernels::multi_bit_dot_batch(outs, digits, keys, monomials, levels, layout);
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
/// Every buffer derived from `s` (its transform, the products, the FFT scratch) is zeroized before
/// it is freed: they are the secret key in another basis.
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
        zeroize_c64(&mut f);
    }
    zeroize_c64(&mut fs);
    half.zeroize();
    (*mem).zeroize();
}

/// Zeroizes (volatile writes, not optimised away) a buffer of complex values.
fn zeroize_c64(values: &mut [c64]) {
    for v in values {
        v.re.zeroize();
        v.im.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::scalar::f64_to_torus;

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
            let r = x.round_ties_even();
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
