//! The portable kernels. They define what every SIMD kernel in `avx2` computes: the SIMD code
//! must reproduce them bit for bit (same operation order, fused multiply-adds exactly where these
//! have them: only in the inner products), which the tests check on random and extreme inputs.
//! On an x86-64 CPU without FMA the fused multiply-adds here are library calls: correct, slow.

use crate::fft::{c64, pair_interleaved_index, FourierLayout};
use torus::{SignedDecomposer, Torus};

/// `z_j = (lo_j + i·hi_j)·w_j`, coefficients read as signed integers.
pub(crate) fn twist<T: Torus>(fourier: &mut [c64], lo: &[T], hi: &[T], twist: &[c64]) {
    for (((z, &re), &im), &w) in fourier.iter_mut().zip(lo).zip(hi).zip(twist) {
        *z = c64::new(re.to_signed() as f64, im.to_signed() as f64) * w;
    }
}

/// For every level `j` of the signed decomposition of each coefficient, the twisted digit
/// polynomial `z_(j,c) = (d_j(lo_c) + i·d_j(hi_c))·w_c`, written level-major into `levels`
/// (`ℓ` polynomials of `N/2` values in `layout`; the padding untouched).
pub(crate) fn decompose_twist<T: Torus>(
    levels: &mut [c64],
    lo: &[T],
    hi: &[T],
    twist: &[c64],
    decomposer: &SignedDecomposer<T>,
    layout: FourierLayout,
) {
    let stride = layout.stride();
    for (c, ((&re, &im), &w)) in lo.iter().zip(hi).zip(twist).enumerate() {
        for ((level, d_re), (_, d_im)) in decomposer.iter(re).zip(decomposer.iter(im)) {
            levels[(level - 1) * stride + c] = c64::new(d_re as f64, d_im as f64) * w;
        }
    }
}

/// `(lo_j, hi_j) ← (lo_j, hi_j)·[ADD] + (Re, Im) round(z_j·w_j) mod 2^w`: untwist and round to
/// the torus, overwriting or adding.
pub(crate) fn untwist_round<T: Torus, const ADD: bool>(
    lo: &mut [T],
    hi: &mut [T],
    fourier: &[c64],
    twist: &[c64],
) {
    for (((z, re), im), &w) in fourier.iter().zip(lo).zip(hi).zip(twist) {
        let v = *z * w;
        let (r, i) = (f64_to_torus::<T>(v.re), f64_to_torus::<T>(v.im));
        if ADD {
            *re = re.wrapping_add(r);
            *im = im.wrapping_add(i);
        } else {
            *re = r;
            *im = i;
        }
    }
}

/// `acc ← acc + a ⊙ b`.
pub(crate) fn mul_add_assign(acc: &mut [c64], a: &[c64], b: &[c64]) {
    for ((o, &x), &y) in acc.iter_mut().zip(a).zip(b) {
        *o += x * y;
    }
}

/// `Σ_r digits_r[f] ⊙ rows(r, c)[f]` over the rows `used` for one output `c` at one frequency
/// `f`, rounded as the SIMD kernels round it: the real and the imaginary part of the digits times
/// the row value, summed over `r` in the order of `used` from zero with fused multiply-adds
/// (`a ← fma(d.re, k, a)`, `b ← fma(d.im, k, b)` componentwise), then
/// `(a.re − b.im) + i(a.im + b.re)`. `rows` is in the layout of [`pair_interleaved_index`] with
/// `R = row_count` rows of `outputs` polynomials; `digits` in `layout`, digit `r` for row `r`.
#[inline]
fn dot_value(
    digits: &[c64],
    rows: &[c64],
    layout: FourierLayout,
    (row_count, outputs): (usize, usize),
    used: impl Iterator<Item = usize>,
    (c, f): (usize, usize),
) -> c64 {
    let (mut a, mut b) = (c64::default(), c64::default());
    for r in used {
        let d = layout.polynomial(digits, r)[f];
        let k = rows[pair_interleaved_index(row_count, outputs, r, c, f)];
        a = c64::new(d.re.mul_add(k.re, a.re), d.re.mul_add(k.im, a.im));
        b = c64::new(d.im.mul_add(k.re, b.re), d.im.mul_add(k.im, b.im));
    }
    c64::new(a.re - b.im, a.im + b.re)
}

/// `out_c ← Σ_r digits_r ⊙ rows_(r,c)` for every output polynomial `c`: the Fourier-domain inner
/// product of an external product. For `shape = (R, C)`, `digits` holds `R` polynomials and `out`
/// `C` polynomials in `layout` (`h` values each, `h` even), `rows` the values of `R` rows of `C`
/// polynomials each in the layout of [`pair_interleaved_index`]; each value rounded as
/// [`dot_value`] says (the caller has checked the shape against the lengths).
pub(crate) fn fourier_dot(
    out: &mut [c64],
    digits: &[c64],
    rows: &[c64],
    layout: FourierLayout,
    shape: (usize, usize),
) {
    let (row_count, outputs) = shape;
    for c in 0..outputs {
        for f in 0..layout.half() {
            let value = dot_value(digits, rows, layout, shape, 0..row_count, (c, f));
            layout.polynomial_mut(out, c)[f] = value;
        }
    }
}

/// `out_c ← Σ_j m_j ⊙ (Σ_r digits_r ⊙ keys_j(r, c))` over the rows `used`: the Fourier-domain
/// step of a multi-bit external product. `keys` holds `J` Fourier GGSW ciphertexts laid out as
/// `rows` of [`fourier_dot`], `monomials` the `J` polynomials `m_j = F(X^(c_j) − 1)` and `out`,
/// `digits` as for [`fourier_dot`] with `shape = (R, C)`, all in `layout`; `used` lists the rows
/// that take part (all of `0..R`, or a prefix of the levels: `crate::fft::LevelPrefixes`). Per
/// value, the order (which the SIMD twin keeps): key by key, each key's term rounded as
/// [`dot_value`] says, and `out ← (0 for the first key, else out) + m_j·term` with the complex
/// product unfused.
pub(crate) fn multi_bit_dot(
    out: &mut [c64],
    digits: &[c64],
    (keys, monomials): (&[&[c64]], &[c64]),
    layout: FourierLayout,
    shape: (usize, usize),
    used: &(impl Iterator<Item = usize> + Clone),
) {
    for (j, key) in keys.iter().enumerate() {
        let m = layout.polynomial(monomials, j);
        for c in 0..shape.1 {
            for (f, &m_f) in m.iter().enumerate() {
                let term = dot_value(digits, key, layout, shape, used.clone(), (c, f));
                let o = &mut layout.polynomial_mut(out, c)[f];
                let prior = if j == 0 { c64::default() } else { *o };
                *o = prior + m_f * term;
            }
        }
    }
}

/// `out ← out − Σ_l digits_l·rows_l` (wrapping), `rows` holding `digits.len()` consecutive rows
/// of `out.len()` words: all levels of one mask element in a key switch. Zero digits are skipped.
pub(crate) fn sub_scaled_rows<T: Torus>(out: &mut [T], rows: &[T], digits: &[i64]) {
    for (row, &digit) in rows.chunks_exact(out.len().max(1)).zip(digits) {
        if digit == 0 {
            continue;
        }
        let d = T::from_i64_wrapping(digit);
        for (o, &k) in out.iter_mut().zip(row) {
            *o = o.wrapping_sub(k.wrapping_mul(d));
        }
    }
}

/// `round(x) mod 2^w` for any `x` (also beyond `±2^63`, where the FFT's sums can land); ties
/// round to even (as the hardware's round-to-nearest does); `±∞` and NaN give 0.
///
/// Works on the bits of the `f64` (`x = ±m·2^e`, `m` a 53-bit integer) instead of calling a
/// rounding function, which is a library call on baseline x86-64: for `e ≥ 0` the result is
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
            let quotient = mantissa >> shift;
            let remainder = mantissa & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let up = remainder > half || (remainder == half && quotient & 1 == 1);
            quotient + u64::from(up)
        }
    };
    let value = if bits >> 63 == 1 {
        magnitude.wrapping_neg()
    } else {
        magnitude
    };
    T::from_u64_wrapping(value)
}
