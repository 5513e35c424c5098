//! AVX2 kernels (four `f64` or four 64-bit lanes per instruction), chosen at run time when the
//! CPU has AVX2 and FMA. Each is the twin of the function of the same name in `scalar`, with the
//! same operation order and no fused multiply-add, so that both give bit-identical results; the
//! tests in `super` compare them on random and extreme inputs.
//!
//! Torus words are handled as 64-bit lanes: `u64` words load as they are, `u32` words are
//! zero-extended on load and truncated on store, which is exactly arithmetic modulo `2^32`.
#![allow(unsafe_code)]

use super::Word;
use crate::fft::c64;
use core::arch::x86_64::*;

/// Loads four words as 64-bit lanes.
///
/// # Safety
/// `p` must be valid for reading four `W`; the CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load4<W: Word>(p: *const W) -> __m256i {
    // SAFETY: the caller guarantees four readable words; unaligned loads are used.
    unsafe {
        if W::BITS == 64 {
            _mm256_loadu_si256(p.cast())
        } else {
            _mm256_cvtepu32_epi64(_mm_loadu_si128(p.cast()))
        }
    }
}

/// Stores four 64-bit lanes as words (truncating to 32 bits for `u32`).
///
/// # Safety
/// `p` must be valid for writing four `W`; the CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store4<W: Word>(p: *mut W, v: __m256i) {
    // SAFETY: the caller guarantees four writable words; unaligned stores are used.
    unsafe {
        if W::BITS == 64 {
            _mm256_storeu_si256(p.cast(), v);
        } else {
            let low_halves =
                _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
            _mm_storeu_si128(p.cast(), _mm256_castsi256_si128(low_halves));
        }
    }
}

/// `(x_re + i·x_im)·(y_re + i·y_im)` for two complex values per register, as
/// `(x_re·y_re − x_im·y_im, x_im·y_re + x_re·y_im)`: the scalar product's rounding exactly.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn complex_mul(x: __m256d, y: __m256d) -> __m256d {
    let y_re = _mm256_movedup_pd(y);
    let y_im = _mm256_permute_pd::<0b1111>(y);
    let x_swapped = _mm256_permute_pd::<0b0101>(x);
    _mm256_addsub_pd(_mm256_mul_pd(x, y_re), _mm256_mul_pd(x_swapped, y_im))
}

/// Signed 64-bit integers `|d| ≤ 2^51` to `f64`, exactly: add the bits of `1.5·2^52`, whose
/// mantissa then holds `d`, and subtract `1.5·2^52` as a float.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn small_i64_to_f64(d: __m256i) -> __m256d {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let magic = _mm256_set1_pd(MAGIC);
    _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_add_epi64(d, _mm256_castpd_si256(magic))),
        magic,
    )
}

/// `round(x) mod 2^64` per lane, ties to even: the twin of `scalar::f64_to_torus`.
///
/// Two fast paths cover almost every vector the FFT produces: all `|x| < 2^51` (the sums of the
/// 32-bit sets) converts by adding `1.5·2^52`, which leaves `round(x)` in the mantissa, and all
/// `|x| ≥ 2^52` (the 64-bit sets) is `m·2^e`, one shift. Mixed vectors, zeros, infinities and
/// NaN take the general path. Variable shifts by 64 or more give 0 on AVX2, which covers the
/// out-of-range cases without branches.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn f64_to_u64(x: __m256d) -> __m256i {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let magnitude_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
    let small = _mm256_cmp_pd::<_CMP_LT_OQ>(
        _mm256_and_pd(x, magnitude_mask),
        _mm256_set1_pd(2_251_799_813_685_248.0), // 2^51
    );
    if _mm256_movemask_pd(small) == 0b1111 {
        let magic = _mm256_set1_pd(MAGIC);
        return _mm256_sub_epi64(
            _mm256_castpd_si256(_mm256_add_pd(x, magic)),
            _mm256_castpd_si256(magic),
        );
    }
    let bits = _mm256_castpd_si256(x);
    let one = _mm256_set1_epi64x(1);
    let biased = _mm256_and_si256(_mm256_srli_epi64::<52>(bits), _mm256_set1_epi64x(0x7ff));
    let mantissa = _mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi64x((1i64 << 52) - 1)),
        _mm256_set1_epi64x(1i64 << 52),
    );
    // x = ±mantissa · 2^exponent (a zero or subnormal x has exponent ≤ −1074 and rounds to 0,
    // as in the scalar code, whatever its implicit bit).
    let exponent = _mm256_sub_epi64(biased, _mm256_set1_epi64x(1075));
    // exponent ≥ 0: mantissa << exponent (a negative exponent is a huge unsigned count: 0).
    let left = _mm256_sllv_epi64(mantissa, exponent);
    let magnitude = if _mm256_movemask_pd(_mm256_castsi256_pd(exponent)) == 0 {
        left
    } else {
        // exponent < 0, shift s = −exponent: q = m >> s, rounded up when the remainder is above
        // half, or exactly half with q odd, for 1 ≤ s ≤ 53 (larger shifts leave q = 0, and
        // s ≤ 0 leaves q = m or 0, equal to `left` or absorbed by the OR).
        let shift = _mm256_sub_epi64(_mm256_setzero_si256(), exponent);
        let in_range = _mm256_and_si256(
            _mm256_cmpgt_epi64(shift, _mm256_setzero_si256()),
            _mm256_cmpgt_epi64(_mm256_set1_epi64x(54), shift),
        );
        let quotient = _mm256_srlv_epi64(mantissa, shift);
        let remainder = _mm256_and_si256(
            mantissa,
            _mm256_sub_epi64(_mm256_sllv_epi64(one, shift), one),
        );
        let half = _mm256_sllv_epi64(one, _mm256_sub_epi64(shift, one));
        let odd = _mm256_cmpeq_epi64(_mm256_and_si256(quotient, one), one);
        let up = _mm256_or_si256(
            _mm256_cmpgt_epi64(remainder, half),
            _mm256_and_si256(_mm256_cmpeq_epi64(remainder, half), odd),
        );
        let right = _mm256_sub_epi64(quotient, _mm256_and_si256(up, in_range));
        _mm256_or_si256(left, right)
    };
    let negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), bits);
    _mm256_sub_epi64(_mm256_xor_si256(magnitude, negative), negative)
}

/// See `scalar::mul_add_assign`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. Slices of equal length (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn mul_add_assign(acc: &mut [c64], a: &[c64], b: &[c64]) {
    let n = acc.len();
    assert!(a.len() == n && b.len() == n);
    let pairs = n / 2;
    let (o, x, y) = (
        acc.as_mut_ptr().cast::<f64>(),
        a.as_ptr().cast::<f64>(),
        b.as_ptr().cast::<f64>(),
    );
    for p in 0..pairs {
        // SAFETY: 4·p + 3 < 2·n f64 values in each slice (c64 is two f64, `repr(C)`).
        unsafe {
            let prod = complex_mul(_mm256_loadu_pd(x.add(4 * p)), _mm256_loadu_pd(y.add(4 * p)));
            let sum = _mm256_add_pd(_mm256_loadu_pd(o.add(4 * p)), prod);
            _mm256_storeu_pd(o.add(4 * p), sum);
        }
    }
    super::scalar::mul_add_assign(&mut acc[2 * pairs..], &a[2 * pairs..], &b[2 * pairs..]);
}

/// See `scalar::sub_scaled`: `out ← out − digit·row`, for `|digit| < 2^31`. `u64` words
/// multiply as `k·|d| = lo(k)·|d| + (hi(k)·|d|)·2^32 mod 2^64` (two 32×32→64 products) and add
/// or subtract by the sign of `d`; `u32` words multiply eight at a time modulo `2^32`.
///
/// # Safety
/// The CPU must support AVX2. Slices of equal length, `|digit| < 2^31` (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn sub_scaled<W: Word>(out: &mut [W], row: &[W], digit: i64) {
    assert!(out.len() == row.len() && digit.unsigned_abs() < 1 << 31);
    let per_register = 256 / W::BITS as usize;
    let whole = out.len() / per_register * per_register;
    let (o, k) = (
        out.as_mut_ptr().cast::<__m256i>(),
        row.as_ptr().cast::<__m256i>(),
    );
    if W::BITS == 64 {
        let magnitude = _mm256_set1_epi64x(digit.unsigned_abs() as i64);
        for v in 0..whole / per_register {
            // SAFETY: register v covers words 4v..4v+3 < whole ≤ len of both slices.
            unsafe {
                let key = _mm256_loadu_si256(k.add(v));
                let low = _mm256_mul_epu32(key, magnitude);
                let high = _mm256_mul_epu32(_mm256_srli_epi64::<32>(key), magnitude);
                let product = _mm256_add_epi64(low, _mm256_slli_epi64::<32>(high));
                let acc = _mm256_loadu_si256(o.add(v));
                let acc = if digit < 0 {
                    _mm256_add_epi64(acc, product)
                } else {
                    _mm256_sub_epi64(acc, product)
                };
                _mm256_storeu_si256(o.add(v), acc);
            }
        }
    } else {
        let d = _mm256_set1_epi32(digit as i32);
        for v in 0..whole / per_register {
            // SAFETY: register v covers words 8v..8v+7 < whole ≤ len of both slices.
            unsafe {
                let product = _mm256_mullo_epi32(_mm256_loadu_si256(k.add(v)), d);
                let acc = _mm256_sub_epi32(_mm256_loadu_si256(o.add(v)), product);
                _mm256_storeu_si256(o.add(v), acc);
            }
        }
    }
    super::scalar::sub_scaled(&mut out[whole..], &row[whole..], digit);
}

/// See `scalar::fourier_dot`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. `out.len() = C·h`, `digits.len() = R·h`,
/// `rows.len() = R·C·h` with `h` even (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn fourier_dot(out: &mut [c64], digits: &[c64], rows: &[c64], half: usize) {
    let outputs = out.len() / half;
    let row_count = digits.len() / half;
    assert!(
        half.is_multiple_of(2) && out.len() == outputs * half && digits.len() == row_count * half
    );
    assert_eq!(rows.len(), row_count * outputs * half);
    let (o, d, g) = (
        out.as_mut_ptr().cast::<f64>(),
        digits.as_ptr().cast::<f64>(),
        rows.as_ptr().cast::<f64>(),
    );
    for c in 0..outputs {
        for f in (0..half).step_by(2) {
            // SAFETY: f + 1 < half, r < R, c < C: every offset below is inside its slice (in
            // f64 units, twice the complex index).
            unsafe {
                let mut sum = _mm256_setzero_pd();
                for r in 0..row_count {
                    let x = _mm256_loadu_pd(d.add(2 * (r * half + f)));
                    let y = _mm256_loadu_pd(g.add(2 * ((r * outputs + c) * half + f)));
                    sum = _mm256_add_pd(sum, complex_mul(x, y));
                }
                _mm256_storeu_pd(o.add(2 * (c * half + f)), sum);
            }
        }
    }
}

/// See `scalar::multi_bit_dot`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. `out.len() = C·h`, `digits.len() = R·h`, every key of
/// length `R·C·h`, `monomials.len() = J·h` for `J = keys.len() ≥ 1`, `h` even (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn multi_bit_dot(
    out: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    half: usize,
) {
    let outputs = out.len() / half;
    let row_count = digits.len() / half;
    assert!(
        half.is_multiple_of(2)
            && !keys.is_empty()
            && out.len() == outputs * half
            && digits.len() == row_count * half
            && monomials.len() == keys.len() * half
    );
    assert!(keys.iter().all(|k| k.len() == row_count * outputs * half));
    let (o, d, m) = (
        out.as_mut_ptr().cast::<f64>(),
        digits.as_ptr().cast::<f64>(),
        monomials.as_ptr().cast::<f64>(),
    );
    for (j, key) in keys.iter().enumerate() {
        let g = key.as_ptr().cast::<f64>();
        for c in 0..outputs {
            for f in (0..half).step_by(2) {
                // SAFETY: f + 1 < half, r < R, c < C, j < J: every offset below is inside its
                // slice (in f64 units, twice the complex index).
                unsafe {
                    let mut term = _mm256_setzero_pd();
                    for r in 0..row_count {
                        let x = _mm256_loadu_pd(d.add(2 * (r * half + f)));
                        let y = _mm256_loadu_pd(g.add(2 * ((r * outputs + c) * half + f)));
                        term = _mm256_add_pd(term, complex_mul(x, y));
                    }
                    let dst = o.add(2 * (c * half + f));
                    let prior = if j == 0 {
                        _mm256_setzero_pd()
                    } else {
                        _mm256_loadu_pd(dst)
                    };
                    let mj = _mm256_loadu_pd(m.add(2 * (j * half + f)));
                    _mm256_storeu_pd(dst, _mm256_add_pd(prior, complex_mul(mj, term)));
                }
            }
        }
    }
}

/// See `scalar::untwist_round`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. All four slices of equal length, a multiple of 4 (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn untwist_round<W: Word, const ADD: bool>(
    lo: &mut [W],
    hi: &mut [W],
    fourier: &[c64],
    twist: &[c64],
) {
    let half = fourier.len();
    assert!(lo.len() == half && hi.len() == half && twist.len() == half && half.is_multiple_of(4));
    let (z, w) = (fourier.as_ptr().cast::<f64>(), twist.as_ptr().cast::<f64>());
    let (lo, hi) = (lo.as_mut_ptr(), hi.as_mut_ptr());
    for c in (0..half).step_by(4) {
        // SAFETY: c + 3 < half: four words of `lo`/`hi`, four complex values (8 f64) of `fourier`
        // and `twist` from index c.
        unsafe {
            let v0 = complex_mul(_mm256_loadu_pd(z.add(2 * c)), _mm256_loadu_pd(w.add(2 * c)));
            let v1 = complex_mul(
                _mm256_loadu_pd(z.add(2 * c + 4)),
                _mm256_loadu_pd(w.add(2 * c + 4)),
            );
            // [re0 im0 re1 im1], [re2 im2 re3 im3] → [re0 re1 re2 re3], [im0 im1 im2 im3]
            let re = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpacklo_pd(v0, v1));
            let im = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpackhi_pd(v0, v1));
            let (mut r, mut i) = (f64_to_u64(re), f64_to_u64(im));
            if ADD {
                r = _mm256_add_epi64(r, load4(lo.add(c)));
                i = _mm256_add_epi64(i, load4(hi.add(c)));
            }
            store4(lo.add(c), r);
            store4(hi.add(c), i);
        }
    }
}

/// See `scalar::decompose_twist`; `decomposition` is `(β, ℓ)` for `W::BITS`-bit words, with
/// `β ≤ 51` so that every digit converts exactly through [`small_i64_to_f64`].
///
/// # Safety
/// The CPU must support AVX2 and FMA. `lo`, `hi`, `twist` of equal length `half`, a multiple of
/// 4, and `levels` of length `ℓ·half`; `1 ≤ β ≤ 51`, `β·ℓ ≤ width ≤ 64` (all checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn decompose_twist<W: Word>(
    levels: &mut [c64],
    lo: &[W],
    hi: &[W],
    twist: &[c64],
    (base_log, level_count): (u32, usize),
) {
    let half = twist.len();
    let total = base_log as usize * level_count;
    assert!(lo.len() == half && hi.len() == half && half.is_multiple_of(4));
    assert!(levels.len() == level_count * half);
    let width = W::BITS;
    assert!((1..=51).contains(&base_log) && level_count >= 1 && total <= width as usize);

    let k = DigitConstants::new(width, base_log, level_count);

    let w = twist.as_ptr().cast::<f64>();
    let out = levels.as_mut_ptr().cast::<f64>();
    for c in (0..half).step_by(4) {
        // SAFETY: c + 3 < half: four words of `lo`/`hi` and four complex values of `twist` and
        // of each level block of `levels` ((level − 1)·half + c + 3 < ℓ·half) from index c.
        unsafe {
            let mut state_re = rounded_units(&k, load4(lo.as_ptr().add(c)));
            let mut state_im = rounded_units(&k, load4(hi.as_ptr().add(c)));
            let w0 = _mm256_loadu_pd(w.add(2 * c));
            let w1 = _mm256_loadu_pd(w.add(2 * c + 4));
            for level in (1..=level_count).rev() {
                let d_re = small_i64_to_f64(next_digit(&k, &mut state_re));
                let d_im = small_i64_to_f64(next_digit(&k, &mut state_im));
                // [r0 r1 r2 r3], [i0 i1 i2 i3] → [r0 i0 r1 i1], [r2 i2 r3 i3]
                let t0 = _mm256_unpacklo_pd(d_re, d_im); // r0 i0 r2 i2
                let t1 = _mm256_unpackhi_pd(d_re, d_im); // r1 i1 r3 i3
                let z0 = _mm256_permute2f128_pd::<0x20>(t0, t1);
                let z1 = _mm256_permute2f128_pd::<0x31>(t0, t1);
                let dst = out.add(2 * ((level - 1) * half + c));
                _mm256_storeu_pd(dst, complex_mul(z0, w0));
                _mm256_storeu_pd(dst.add(4), complex_mul(z1, w1));
            }
        }
    }
}

/// Broadcast constants of a decomposition `(width, β, ℓ)`.
/// The shift counts are uniform, so they sit in the low lane of an `__m128i` for the
/// `vpsrlq ymm, ymm, xmm` form (half the cost of the per-lane variable shift on Zen 1; counts of
/// 64 or more give 0 in both).
struct DigitConstants {
    one: __m256i,
    shift: __m128i,
    shift_minus_one: __m128i,
    units_mask: __m256i,
    beta: __m128i,
    digit_mask: __m256i,
    digit_half: __m256i,
    base: __m256i,
}

impl DigitConstants {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(width: u32, base_log: u32, level_count: usize) -> Self {
        let total = base_log * level_count as u32;
        let one = _mm256_set1_epi64x(1);
        let shift = i64::from(width - total);
        Self {
            one,
            shift: _mm_cvtsi64_si128(shift),
            // With shift = 0 this count wraps to a huge value and the rounding bit is 0.
            shift_minus_one: _mm_cvtsi64_si128(shift.wrapping_sub(1)),
            units_mask: if total == 64 {
                _mm256_set1_epi64x(-1)
            } else {
                _mm256_set1_epi64x(((1u64 << total) - 1) as i64)
            },
            beta: _mm_cvtsi64_si128(i64::from(base_log)),
            digit_mask: _mm256_set1_epi64x(((1u64 << base_log) - 1) as i64),
            digit_half: _mm256_set1_epi64x(1i64 << (base_log - 1)),
            base: _mm256_set1_epi64x(1i64 << base_log),
        }
    }
}

/// `x̃ / (q/B^ℓ) mod B^ℓ = ((x >> shift) + ((x >> (shift − 1)) & 1)) mod 2^(β·ℓ)`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn rounded_units(k: &DigitConstants, x: __m256i) -> __m256i {
    let units = _mm256_add_epi64(
        _mm256_srl_epi64(x, k.shift),
        _mm256_and_si256(_mm256_srl_epi64(x, k.shift_minus_one), k.one),
    );
    _mm256_and_si256(units, k.units_mask)
}

/// One balanced digit in `[−B/2, B/2]`, least significant level first, carrying into `state`
/// (carry when the low digit is above `B/2`, or equal to it with the next bit set).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn next_digit(k: &DigitConstants, state: &mut __m256i) -> __m256i {
    let raw = _mm256_and_si256(*state, k.digit_mask);
    let rest = _mm256_srl_epi64(*state, k.beta);
    let above = _mm256_cmpgt_epi64(raw, k.digit_half);
    let tie = _mm256_and_si256(
        _mm256_cmpeq_epi64(raw, k.digit_half),
        _mm256_cmpeq_epi64(_mm256_and_si256(rest, k.one), k.one),
    );
    let carry = _mm256_or_si256(above, tie); // all ones where the digit carries
    *state = _mm256_sub_epi64(rest, carry);
    _mm256_sub_epi64(raw, _mm256_and_si256(carry, k.base))
}
