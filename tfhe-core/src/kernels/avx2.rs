//! AVX2 kernels (four `f64`, four 64-bit or eight 32-bit lanes per instruction), chosen at run
//! time when the CPU has AVX2 and FMA. Each is the twin of the function of the same name in
//! `scalar`, with the same operation order and no fused multiply-add, so that both give
//! bit-identical results; the tests in `super` compare them on random and extreme inputs.
//!
//! Torus words are handled as 64-bit lanes: `u64` words load as they are, `u32` words are
//! zero-extended on load and truncated on store, which is exactly arithmetic modulo `2^32`. The
//! 32-bit sets' decomposition and rounding have eight-lane paths that stay in 32-bit words, and
//! a 64-bit decomposition whose digits past the first fit in 32 bits finishes in eight such
//! lanes too.
//! Zen 1 executes a 256-bit instruction as two 128-bit halves, so instructions that move data
//! across the halves (`vperm2f128`, `vpermpd`, `vpermd`) cost several times an in-lane one; the
//! kernels arrange their data so that the hot loops need none, or one per several values.
#![allow(unsafe_code)]

use super::Word;
use crate::fft::{c64, FourierLayout, LevelPrefixes};
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

/// Loads four words as 64-bit lanes in the order `[p[0], p[2], p[1], p[3]]`.
///
/// # Safety
/// `p` must be valid for reading four `W`; the CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load4_0213<W: Word>(p: *const W) -> __m256i {
    // SAFETY: the caller guarantees four readable words; unaligned loads are used.
    unsafe {
        if W::BITS == 64 {
            _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_loadu_si256(p.cast()))
        } else {
            _mm256_cvtepu32_epi64(_mm_shuffle_epi32::<0b11_01_10_00>(_mm_loadu_si128(
                p.cast(),
            )))
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
    let x_swapped = _mm256_permute_pd::<0b0101>(x);
    let y_re = _mm256_movedup_pd(y);
    let y_im = _mm256_permute_pd::<0b1111>(y);
    _mm256_addsub_pd(_mm256_mul_pd(x, y_re), _mm256_mul_pd(x_swapped, y_im))
}

/// `1.5·2^52`: added to an `f64` below `2^51` in magnitude, it leaves `round(x)` (ties to even)
/// in the low mantissa bits; added to an integer's bits, it makes the integer a mantissa.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// All lanes where `|x| < 2^51`, the range of [`MAGIC`]'s rounding.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn below_2_51(x: __m256d) -> __m256d {
    let magnitude_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
    _mm256_cmp_pd::<_CMP_LT_OQ>(
        _mm256_and_pd(x, magnitude_mask),
        _mm256_set1_pd(2_251_799_813_685_248.0), // 2^51
    )
}

/// Signed 64-bit integers `|d| ≤ 2^51` to `f64`, exactly: add the bits of `1.5·2^52`, whose
/// mantissa then holds `d`, and subtract `1.5·2^52` as a float.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn small_i64_to_f64(d: __m256i) -> __m256d {
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
    if _mm256_movemask_pd(below_2_51(x)) == 0b1111 {
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

/// See `scalar::sub_scaled_rows`: `out ← out − Σ_l d_l·row_l` for `|d_l| < 2^31`, in one pass
/// over `out` per group of up to eight non-zero digits (the rows are read as parallel streams,
/// `out` is loaded and stored once per group instead of once per level). `u64` words multiply
/// as `k·|d| = lo(k)·|d| + (hi(k)·|d|)·2^32 mod 2^64` (two 32×32→64 products) and add or
/// subtract by the sign of `d`; `u32` words multiply eight at a time modulo `2^32`.
///
/// # Safety
/// The CPU must support AVX2. `rows.len() = digits.len()·out.len()`, every `|d| < 2^31`
/// (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn sub_scaled_rows<W: Word>(out: &mut [W], rows: &[W], digits: &[i64]) {
    let len = out.len();
    assert!(rows.len() == digits.len() * len && digits.iter().all(|d| d.unsigned_abs() < 1 << 31));
    let per_register = 256 / W::BITS as usize;
    let whole = len / per_register * per_register;
    let nonzero = digits.iter().enumerate().filter(|&(_, &d)| d != 0);
    let mut group = [(0usize, 0i64); 8];
    let mut count = 0;
    let o = out.as_mut_ptr().cast::<__m256i>();
    let flush = |group: &[(usize, i64)]| {
        // The registers of each row, and the digit broadcast as the product needs it.
        let mut starts = [core::ptr::null::<__m256i>(); 8];
        let mut factors = [_mm256_setzero_si256(); 8];
        for (q, &(l, d)) in group.iter().enumerate() {
            starts[q] = rows[l * len..].as_ptr().cast::<__m256i>();
            factors[q] = if W::BITS == 64 {
                _mm256_set1_epi64x(d.unsigned_abs() as i64)
            } else {
                _mm256_set1_epi32(d as i32)
            };
        }
        for v in 0..whole / per_register {
            // SAFETY: register v covers words below `whole ≤ len` of `out` and of every row
            // (row l starts at l·len inside `rows`).
            unsafe {
                let mut acc = _mm256_loadu_si256(o.add(v));
                for (q, &(_, d)) in group.iter().enumerate() {
                    let key = _mm256_loadu_si256(starts[q].add(v));
                    if W::BITS == 64 {
                        let low = _mm256_mul_epu32(key, factors[q]);
                        let high = _mm256_mul_epu32(_mm256_srli_epi64::<32>(key), factors[q]);
                        let product = _mm256_add_epi64(low, _mm256_slli_epi64::<32>(high));
                        acc = if d < 0 {
                            _mm256_add_epi64(acc, product)
                        } else {
                            _mm256_sub_epi64(acc, product)
                        };
                    } else {
                        acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(key, factors[q]));
                    }
                }
                _mm256_storeu_si256(o.add(v), acc);
            }
        }
    };
    for (l, &d) in nonzero {
        group[count] = (l, d);
        count += 1;
        if count == group.len() {
            flush(&group);
            count = 0;
        }
    }
    if count > 0 {
        flush(&group[..count]);
    }
    // The words after the last whole register.
    for (l, &d) in digits.iter().enumerate() {
        super::scalar::sub_scaled_rows(
            &mut out[whole..],
            &rows[l * len + whole..][..len - whole],
            &[d],
        );
    }
}

/// The terms `t_(j,q) = Σ_r digits_r ⊙ key_j(r, c0 + q)` at frequency pair `p` for the `J` keys
/// whose pair-`p` blocks start at `blocks` and the `W` outputs from `c0`, over the rows
/// `r = i·ℓ + l` with `l < used` of `ℓ = levels` (all rows for `used = ℓ`; the order of
/// `crate::fft::LevelPrefixes::rows`), rounded as `scalar::dot_value` says: the digit's real
/// and imaginary parts, each broadcast to both halves of its complex value, are multiplied into
/// the key value with fused multiply-adds (`a ← fma(d.re, k, a)`, `b ← fma(d.im, k, b)`), and
/// `t = addsub(a, swap(b))` = `(a.re − b.im, a.im + b.re)` at the end — no shuffle per key
/// value, two FMAs per pair of complex products. The `2·J·W` accumulators stay in registers (`J·W ≤ 6`).
///
/// # Safety
/// The CPU must support AVX2 and FMA; `d` valid for `R` digit polynomials `stride` complex
/// values apart, values `2p`, `2p + 1` of each; every block valid for the `R·C` value pairs
/// (4 `f64` each) of pair `p`; `c0 + W ≤ C`; `1 ≤ used ≤ levels` and `levels` divides `R`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_terms<const J: usize, const W: usize>(
    d: *const f64,
    blocks: [*const f64; J],
    (stride, row_count, outputs): (usize, usize, usize),
    (levels, used): (usize, usize),
    p: usize,
    c0: usize,
) -> [[__m256d; W]; J] {
    let mut a = [[_mm256_setzero_pd(); W]; J];
    let mut b = [[_mm256_setzero_pd(); W]; J];
    for component in 0..row_count / levels {
        let first = component * levels;
        for r in first..first + used {
            // SAFETY: as the caller guarantees: digit r, values 2p and 2p + 1; pairs (r, c0 + q).
            unsafe {
                let x = _mm256_loadu_pd(d.add(2 * (r * stride + 2 * p)));
                let x_re = _mm256_movedup_pd(x);
                let x_im = _mm256_permute_pd::<0b1111>(x);
                for (block, (a, b)) in blocks.iter().zip(a.iter_mut().zip(b.iter_mut())) {
                    let row = block.add(4 * (r * outputs + c0));
                    for (q, (a, b)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                        let y = _mm256_loadu_pd(row.add(4 * q));
                        *a = _mm256_fmadd_pd(x_re, y, *a);
                        *b = _mm256_fmadd_pd(x_im, y, *b);
                    }
                }
            }
        }
    }
    for (a, b) in a.iter_mut().zip(&b) {
        for (a, &b) in a.iter_mut().zip(b) {
            *a = _mm256_addsub_pd(*a, _mm256_permute_pd::<0b0101>(b));
        }
    }
    a
}

/// The pair-`p` block of a key laid out as `crate::fft::pair_interleaved_index` says.
///
/// # Safety
/// `key` holds `R·C·h` values and `2p + 1 < h`.
#[inline]
unsafe fn pair_block(key: &[c64], p: usize, row_count: usize, outputs: usize) -> *const f64 {
    // SAFETY: block p (R·C pairs of 4 f64) starts inside the key.
    unsafe { key.as_ptr().cast::<f64>().add(4 * p * row_count * outputs) }
}

/// [`fourier_dot`] for the `W` outputs from `c0` at frequency pair `p`.
///
/// # Safety
/// As [`dot_terms`] with `J = 1`; `o` valid for `C` output polynomials `stride` apart.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn fourier_dot_outputs<const W: usize>(
    o: *mut f64,
    d: *const f64,
    block: *const f64,
    shape: (usize, usize, usize),
    p: usize,
    c0: usize,
) {
    let stride = shape.0;
    // SAFETY: as the caller guarantees; outputs c0 + q < C, values 2p and 2p + 1.
    unsafe {
        let all = (shape.1, shape.1);
        let [terms] = dot_terms::<1, W>(d, [block], shape, all, p, c0);
        for (q, &t) in terms.iter().enumerate() {
            _mm256_storeu_pd(o.add(2 * ((c0 + q) * stride + 2 * p)), t);
        }
    }
}

/// The frequency pairs `0..pairs` in the order an inner product visits them: `streams`
/// interleaved runs (`0, P/S, 2P/S, …, 1, P/S + 1, …`; one run if `S` does not divide `P`), so
/// that each key is read as `S` concurrent sequential streams. Each output value depends on its
/// own pair only, so the order changes no result, only the memory traffic: on the Zen 1
/// machine of BENCHMARKS.md two or three streams in all read the key fastest (one stream leaves
/// the memory system idle between the prefetcher's requests, six or more thrash it).
fn pair_order(pairs: usize, streams: usize) -> impl Iterator<Item = usize> {
    let streams = if pairs.is_multiple_of(streams) {
        streams
    } else {
        1
    };
    let run = pairs / streams;
    (0..run).flat_map(move |i| (0..streams).map(move |s| s * run + i))
}

/// See `scalar::fourier_dot`: frequency pair by frequency pair, the pair-interleaved rows read
/// as two interleaved sequential streams ([`pair_order`]), up to four outputs at a time.
///
/// # Safety
/// The CPU must support AVX2 and FMA. For `shape = (R, C)`: `out` holds `C` and `digits` `R`
/// polynomials of `layout`, `rows.len() = R·C·h` with `h` even (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn fourier_dot(
    out: &mut [c64],
    digits: &[c64],
    rows: &[c64],
    layout: FourierLayout,
    (row_count, outputs): (usize, usize),
) {
    let (half, stride) = (layout.half(), layout.stride());
    assert!(half.is_multiple_of(2) && stride >= half);
    assert!(out.len() == outputs * stride && digits.len() == row_count * stride);
    assert_eq!(rows.len(), row_count * outputs * half);
    let (o, d) = (
        out.as_mut_ptr().cast::<f64>(),
        digits.as_ptr().cast::<f64>(),
    );
    let shape = (stride, row_count, outputs);
    // One key: two streams.
    for p in pair_order(half / 2, 2) {
        // SAFETY: 2p + 1 < half, and the lengths were checked above.
        unsafe {
            let block = pair_block(rows, p, row_count, outputs);
            for c0 in (0..outputs).step_by(4) {
                match outputs - c0 {
                    1 => fourier_dot_outputs::<1>(o, d, block, shape, p, c0),
                    2 => fourier_dot_outputs::<2>(o, d, block, shape, p, c0),
                    3 => fourier_dot_outputs::<3>(o, d, block, shape, p, c0),
                    _ => fourier_dot_outputs::<4>(o, d, block, shape, p, c0),
                }
            }
        }
    }
}

/// See `super::multi_bit_dot_batch` and `scalar::multi_bit_dot`: frequency pair by frequency
/// pair, each key's block read sequentially **once for the whole batch** (it stays in L1 while
/// every problem uses it), the terms of up to three keys and two outputs and the sum in
/// registers.
///
/// # Safety
/// The CPU must support AVX2 and FMA. For `B = levels.batch()` problems and `shape = (R, C)`:
/// `outs` holds `B·C`, `digits` `B·R` and `monomials` `B·J` polynomials of `layout` for
/// `J = keys.len() ≥ 1`, every key `R·C·h` values, `h` even, `ℓ = levels.levels()` divides `R`
/// (checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn multi_bit_dot_batch(
    outs: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    (levels, layout, (row_count, outputs)): (LevelPrefixes<'_>, FourierLayout, (usize, usize)),
) {
    let (half, stride) = (layout.half(), layout.stride());
    let batch = levels.batch();
    assert!(half.is_multiple_of(2) && stride >= half && !keys.is_empty());
    assert!(row_count.is_multiple_of(levels.levels()));
    assert!(
        outs.len() == batch * outputs * stride
            && digits.len() == batch * row_count * stride
            && monomials.len() == batch * keys.len() * stride
    );
    assert!(keys.iter().all(|k| k.len() == row_count * outputs * half));
    let (o, d, m) = (
        outs.as_mut_ptr().cast::<f64>(),
        digits.as_ptr().cast::<f64>(),
        monomials.as_ptr().cast::<f64>(),
    );
    let shape = (stride, row_count, outputs);
    let (out_len, digit_len, monomial_len) =
        (outputs * stride, row_count * stride, keys.len() * stride);
    // One stream per key (three for the grouping factor 2).
    for p in 0..half / 2 {
        for b in 0..batch {
            for c0 in (0..outputs).step_by(2) {
                // SAFETY: b < B: problem b's outputs, digits and monomials start inside their
                // slices and span C, R and J polynomials; 2p + 1 < half; c0 < C.
                unsafe {
                    let problem = (
                        o.add(2 * b * out_len),
                        d.add(2 * b * digit_len),
                        m.add(2 * b * monomial_len),
                    );
                    // (LevelPrefixes holds 1 ≤ used ≤ ℓ.)
                    let prefix = (levels.levels(), levels.used(b));
                    if outputs - c0 == 1 {
                        multi_bit_outputs::<1>(problem, keys, (shape, prefix), p, c0);
                    } else {
                        multi_bit_outputs::<2>(problem, keys, (shape, prefix), p, c0);
                    }
                }
            }
        }
    }
}

/// The `W` outputs from `c0` of one problem of [`multi_bit_dot_batch`] at frequency pair `p`:
/// `sum ← Σ_j m_j ⊙ t_j`, key by key, the keys in groups of up to three ([`dot_terms`]).
///
/// # Safety
/// AVX2 and FMA present; `o`, `d`, `m` point at the problem's `C` outputs, `R` digits and `J`
/// monomials (polynomials `stride` apart); every key has `R·C·h` values; `2p + 1 < h`;
/// `c0 + W ≤ C`; the level prefix as [`dot_terms`] requires.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn multi_bit_outputs<const W: usize>(
    (o, d, m): (*mut f64, *const f64, *const f64),
    keys: &[&[c64]],
    (shape, prefix): ((usize, usize, usize), (usize, usize)),
    p: usize,
    c0: usize,
) {
    let (stride, row_count, outputs) = shape;
    let mut sum = [_mm256_setzero_pd(); W];
    for (g, group) in keys.chunks(3).enumerate() {
        // SAFETY: as the caller guarantees; monomials 3g.. of the group, values 2p and 2p + 1.
        unsafe {
            let block = |j: usize| pair_block(group[j], p, row_count, outputs);
            let m = m.add(2 * (3 * g * stride + 2 * p));
            match group.len() {
                1 => add_terms(
                    &mut sum,
                    m,
                    stride,
                    dot_terms::<1, W>(d, [block(0)], shape, prefix, p, c0),
                ),
                2 => add_terms(
                    &mut sum,
                    m,
                    stride,
                    dot_terms::<2, W>(d, [block(0), block(1)], shape, prefix, p, c0),
                ),
                _ => add_terms(
                    &mut sum,
                    m,
                    stride,
                    dot_terms::<3, W>(d, [block(0), block(1), block(2)], shape, prefix, p, c0),
                ),
            }
        }
    }
    for (q, &s) in sum.iter().enumerate() {
        // SAFETY: c0 + q < C, 2p + 1 < h.
        unsafe { _mm256_storeu_pd(o.add(2 * ((c0 + q) * stride + 2 * p)), s) };
    }
}

/// `sum_q ← sum_q + m_j ⊙ t_(j,q)` for `j` in order, `m` pointing at the pair's values of the
/// first key's monomial (the next ones `stride` complex values apart).
///
/// # Safety
/// AVX2 and FMA present; `m` valid for `J` monomials' pair values.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn add_terms<const J: usize, const W: usize>(
    sum: &mut [__m256d; W],
    m: *const f64,
    stride: usize,
    terms: [[__m256d; W]; J],
) {
    for (j, terms) in terms.iter().enumerate() {
        // SAFETY: j < J.
        let mj = unsafe { _mm256_loadu_pd(m.add(2 * j * stride)) };
        for (s, &t) in sum.iter_mut().zip(terms) {
            *s = _mm256_add_pd(*s, complex_mul(mj, t));
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
    if W::BITS == 32 && half.is_multiple_of(8) {
        for c in (0..half).step_by(8) {
            // SAFETY: c + 7 < half; `W` is `u32`, so `lo`/`hi` are `u32` slices.
            unsafe { untwist_round_8_u32::<ADD>(lo.cast::<u32>(), hi.cast::<u32>(), z, w, c) };
        }
        return;
    }
    for c in (0..half).step_by(4) {
        // SAFETY: c + 3 < half.
        unsafe { untwist_round_4::<W, ADD>(lo, hi, z, w, c) };
    }
}

/// Four coefficients `c..c+4` of [`untwist_round`], in 64-bit lanes.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `lo`, `hi` valid for four words from `c`, `z`, `w` for
/// four complex values (eight `f64`) from complex index `c`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn untwist_round_4<W: Word, const ADD: bool>(
    lo: *mut W,
    hi: *mut W,
    z: *const f64,
    w: *const f64,
    c: usize,
) {
    // SAFETY: as the caller guarantees.
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

/// Eight coefficients `c..c+8` of [`untwist_round`] for 32-bit words. Register `q` holds the
/// complex values `c+q` (low half) and `c+q+4` (high half), so that when every value is below
/// `2^51` (the fast path of [`f64_to_u64`]: add `1.5·2^52`, whose low 32 mantissa bits are
/// then `round(x) mod 2^32`) three in-lane shuffles gather the real and the imaginary words in
/// coefficient order — no instruction crosses the halves of a register. Other values take
/// [`untwist_round_4`] twice.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `lo`, `hi` valid for eight words from `c`, `z`, `w` for
/// eight complex values (sixteen `f64`) from complex index `c`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn untwist_round_8_u32<const ADD: bool>(
    lo: *mut u32,
    hi: *mut u32,
    z: *const f64,
    w: *const f64,
    c: usize,
) {
    // SAFETY: as the caller guarantees; every offset below is below c + 8 complex values.
    unsafe {
        let split = |p: *const f64, q: usize| {
            _mm256_loadu2_m128d(p.add(2 * (c + q + 4)), p.add(2 * (c + q)))
        };
        let v = [0, 1, 2, 3].map(|q| complex_mul(split(z, q), split(w, q)));
        let small = v.map(|x| below_2_51(x));
        let all_small = _mm256_and_pd(
            _mm256_and_pd(small[0], small[1]),
            _mm256_and_pd(small[2], small[3]),
        );
        if _mm256_movemask_pd(all_small) != 0b1111 {
            untwist_round_4::<u32, ADD>(lo, hi, z, w, c);
            untwist_round_4::<u32, ADD>(lo, hi, z, w, c + 4);
            return;
        }
        let magic = _mm256_set1_pd(MAGIC);
        let a = v.map(|x| _mm256_castpd_ps(_mm256_add_pd(x, magic)));
        // Low words: a_q = [re_q, ·, im_q, · | re_(q+4), ·, im_(q+4), ·].
        let s01 = _mm256_shuffle_ps::<0b10_00_10_00>(a[0], a[1]); // re0 im0 re1 im1 | re4 im4 re5 im5
        let s23 = _mm256_shuffle_ps::<0b10_00_10_00>(a[2], a[3]); // re2 im2 re3 im3 | re6 im6 re7 im7
        let mut re = _mm256_castps_si256(_mm256_shuffle_ps::<0b10_00_10_00>(s01, s23));
        let mut im = _mm256_castps_si256(_mm256_shuffle_ps::<0b11_01_11_01>(s01, s23));
        if ADD {
            re = _mm256_add_epi32(re, _mm256_loadu_si256(lo.add(c).cast()));
            im = _mm256_add_epi32(im, _mm256_loadu_si256(hi.add(c).cast()));
        }
        _mm256_storeu_si256(lo.add(c).cast(), re);
        _mm256_storeu_si256(hi.add(c).cast(), im);
    }
}

/// See `scalar::decompose_twist`; `decomposition` is `(β, ℓ)` for `W::BITS`-bit words, with
/// `β ≤ 51` so that every digit converts exactly through [`small_i64_to_f64`].
///
/// # Safety
/// The CPU must support AVX2 and FMA. `lo`, `hi`, `twist` of equal length `half`, a multiple of
/// 4, and `levels` of length `ℓ·stride` with `stride ≥ half` (level `j` at `(j − 1)·stride`);
/// `1 ≤ β ≤ 51`, `β·ℓ ≤ width ≤ 64` (all checked).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn decompose_twist<W: Word>(
    levels: &mut [c64],
    lo: &[W],
    hi: &[W],
    twist: &[c64],
    (base_log, level_count): (u32, usize),
    stride: usize,
) {
    let half = twist.len();
    let total = base_log as usize * level_count;
    assert!(lo.len() == half && hi.len() == half && half.is_multiple_of(4));
    assert!(stride >= half && levels.len() == level_count * stride);
    let width = W::BITS;
    assert!((1..=51).contains(&base_log) && level_count >= 1 && total <= width as usize);

    let w = twist.as_ptr().cast::<f64>();
    let out = levels.as_mut_ptr().cast::<f64>();
    if width == 64 && base_log <= 30 && total - base_log as usize <= 32 {
        // SAFETY: `W` is a 64-bit word (`u64`), so the slices are `u64` slices of length `half`
        // (a multiple of 4); the shape and lengths were checked above.
        unsafe {
            decompose_twist_u64_split(
                out,
                lo.as_ptr().cast::<u64>(),
                hi.as_ptr().cast::<u64>(),
                w,
                (half, stride),
                (base_log, level_count),
            );
        }
        return;
    }
    if width == 32 && base_log <= 30 && half.is_multiple_of(8) {
        // SAFETY: `W` is a 32-bit word (`u32`), so the slices are `u32` slices of length `half`;
        // the shape and lengths were checked above.
        unsafe {
            decompose_twist_u32(
                out,
                lo.as_ptr().cast::<u32>(),
                hi.as_ptr().cast::<u32>(),
                w,
                (half, stride),
                (base_log, level_count),
            );
        }
        return;
    }
    let k = DigitConstants::new(width, base_log, level_count);
    for c in (0..half).step_by(4) {
        // SAFETY: c + 3 < half ≤ stride: four words of `lo`/`hi` and four complex values of
        // `twist` and of each level of `levels` ((level − 1)·stride + c + 3 < ℓ·stride) from c.
        unsafe {
            // Lanes in the order [0 2 1 3], once per coefficient, so that the in-lane unpacks
            // below leave every level's digits in coefficient order.
            let mut state_re = rounded_units(&k, load4_0213(lo.as_ptr().add(c)));
            let mut state_im = rounded_units(&k, load4_0213(hi.as_ptr().add(c)));
            let w0 = _mm256_loadu_pd(w.add(2 * c));
            let w1 = _mm256_loadu_pd(w.add(2 * c + 4));
            for level in (1..=level_count).rev() {
                let d_re = small_i64_to_f64(next_digit(&k, &mut state_re));
                let d_im = small_i64_to_f64(next_digit(&k, &mut state_im));
                // [r0 r2 r1 r3], [i0 i2 i1 i3] → [r0 i0 r1 i1], [r2 i2 r3 i3]
                let z0 = _mm256_unpacklo_pd(d_re, d_im);
                let z1 = _mm256_unpackhi_pd(d_re, d_im);
                let dst = out.add(2 * ((level - 1) * stride + c));
                _mm256_storeu_pd(dst, complex_mul(z0, w0));
                _mm256_storeu_pd(dst.add(4), complex_mul(z1, w1));
            }
        }
    }
}

/// [`decompose_twist`] for 32-bit words in eight 32-bit lanes: the integer work on eight
/// coefficients per instruction, digits converted with `vcvtdq2pd` (exact for `i32`), and the
/// real and imaginary digits interleaved within 128-bit lanes (`vpunpck{l,h}dq`), so that no
/// instruction crosses the two halves of a register (slow on Zen 1, which splits them).
///
/// # Safety
/// The CPU must support AVX2 and FMA. `lo`, `hi` valid for `half` reads, `twist` for `half`
/// complex values (`2·half` `f64`), `out` for `ℓ·stride` complex values (level `j` at
/// `(j − 1)·stride`, `stride ≥ half`); `half` a multiple of 8, `1 ≤ β ≤ 30`, `β·ℓ ≤ 32`.
#[target_feature(enable = "avx2,fma")]
unsafe fn decompose_twist_u32(
    out: *mut f64,
    lo: *const u32,
    hi: *const u32,
    twist: *const f64,
    (half, stride): (usize, usize),
    (base_log, level_count): (u32, usize),
) {
    let total = base_log * level_count as u32;
    let shift = 32 - total;
    let one = _mm256_set1_epi32(1);
    let shift_count = _mm_cvtsi32_si128(shift as i32);
    // With shift = 0 this count wraps to a huge value and the rounding bit is 0.
    let shift_minus_one = _mm_cvtsi32_si128(shift.wrapping_sub(1) as i32);
    let units_mask = _mm256_set1_epi32(if total == 32 {
        -1
    } else {
        ((1u32 << total) - 1) as i32
    });
    let k = DigitConstants32::new(base_log);
    let rounded_units = |x: __m256i| {
        let units = _mm256_add_epi32(
            _mm256_srl_epi32(x, shift_count),
            _mm256_and_si256(_mm256_srl_epi32(x, shift_minus_one), one),
        );
        _mm256_and_si256(units, units_mask)
    };
    for c in (0..half).step_by(8) {
        // SAFETY: c + 7 < half: eight words of `lo`/`hi`, eight complex values (16 f64) of
        // `twist` and of each level of `out` ((level − 1)·stride + c + 7 < ℓ·stride).
        unsafe {
            let mut state_re = rounded_units(_mm256_loadu_si256(lo.add(c).cast()));
            let mut state_im = rounded_units(_mm256_loadu_si256(hi.add(c).cast()));
            let w = [
                _mm256_loadu_pd(twist.add(2 * c)),
                _mm256_loadu_pd(twist.add(2 * c + 4)),
                _mm256_loadu_pd(twist.add(2 * c + 8)),
                _mm256_loadu_pd(twist.add(2 * c + 12)),
            ];
            for level in (1..=level_count).rev() {
                let d_re = k.next_digit(&mut state_re);
                let d_im = k.next_digit(&mut state_im);
                let pairs_0145 = _mm256_unpacklo_epi32(d_re, d_im); // r0 i0 r1 i1 | r4 i4 r5 i5
                let pairs_2367 = _mm256_unpackhi_epi32(d_re, d_im); // r2 i2 r3 i3 | r6 i6 r7 i7
                let dst = out.add(2 * ((level - 1) * stride + c));
                twist_store_pairs(pairs_0145, [dst, dst.add(8)], [w[0], w[2]]);
                twist_store_pairs(pairs_2367, [dst.add(4), dst.add(12)], [w[1], w[3]]);
            }
        }
    }
}

/// [`decompose_twist`] for 64-bit words whose digits after the least significant one fit in
/// 32 bits (`β ≤ 30`, `β·ℓ − β ≤ 32`; `SHE_MNIST`'s `2^9 × 4` leaves 27 bits): the rounding and
/// the first digit split in 64-bit lanes, after which the real and imaginary parts of four
/// coefficients share one register of eight 32-bit lanes, `[r0 i0 r1 i1 | r2 i2 r3 i3]` — the
/// interleaved order of complex values — for the carries of every level and the conversion
/// (`vcvtdq2pd`), with no unpacking of converted digits: at `2^9 × 4`, 0.76× the time of the
/// four-lane path. The digits are the same: the carries are exact in 32-bit lanes (`raw < 2^30`),
/// and the state after the first digit wraps modulo `2^32`, while the remaining digits depend
/// on it only modulo `2^(β·ℓ − β)`, which divides `2^32`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. `lo`, `hi` valid for `half` reads, `twist` for `half`
/// complex values (`2·half` `f64`), `out` for `ℓ·stride` complex values (level `j` at
/// `(j − 1)·stride`, `stride ≥ half`); `half` a multiple of 4, `1 ≤ β ≤ 30`,
/// `β·ℓ − β ≤ 32`, `β·ℓ ≤ 64`.
#[target_feature(enable = "avx2,fma")]
unsafe fn decompose_twist_u64_split(
    out: *mut f64,
    lo: *const u64,
    hi: *const u64,
    twist: *const f64,
    (half, stride): (usize, usize),
    (base_log, level_count): (u32, usize),
) {
    let wide = DigitConstants::new(64, base_log, level_count);
    let k = DigitConstants32::new(base_log);
    // The low 32 bits of `re` in the even and of `im` in the odd 32-bit lanes.
    let interleave = |re: __m256i, im: __m256i| {
        _mm256_blend_epi32::<0b1010_1010>(re, _mm256_slli_epi64::<32>(im))
    };
    for c in (0..half).step_by(4) {
        // SAFETY: c + 3 < half: four words of `lo`/`hi`, four complex values (8 f64) of
        // `twist` and of each level of `out` ((level − 1)·stride + c + 3 < ℓ·stride).
        unsafe {
            let units_re = rounded_units(&wide, _mm256_loadu_si256(lo.add(c).cast()));
            let units_im = rounded_units(&wide, _mm256_loadu_si256(hi.add(c).cast()));
            let raw = interleave(
                _mm256_and_si256(units_re, wide.digit_mask),
                _mm256_and_si256(units_im, wide.digit_mask),
            );
            let rest = interleave(
                _mm256_srl_epi64(units_re, wide.beta),
                _mm256_srl_epi64(units_im, wide.beta),
            );
            let w = [
                _mm256_loadu_pd(twist.add(2 * c)),
                _mm256_loadu_pd(twist.add(2 * c + 4)),
            ];
            let mut state = _mm256_setzero_si256();
            let mut digits = k.digit(raw, rest, &mut state);
            for level in (1..=level_count).rev() {
                if level < level_count {
                    digits = k.next_digit(&mut state);
                }
                let dst = out.add(2 * ((level - 1) * stride + c));
                twist_store_pairs(digits, [dst, dst.add(4)], w);
            }
        }
    }
}

/// Converts the eight `i32` digits `[r0 i0 r1 i1 | r2 i2 r3 i3]` (real and imaginary parts of
/// two complex values per 128-bit half) to `f64` (`vcvtdq2pd`, exact), multiplies each half by
/// its twist values and stores the low half's two complex values at `dst[0]`, the high half's
/// at `dst[1]`.
///
/// # Safety
/// Each `dst` valid for writing four `f64`; the CPU must support AVX2 and FMA.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn twist_store_pairs(digits: __m256i, dst: [*mut f64; 2], w: [__m256d; 2]) {
    let z = [
        _mm256_cvtepi32_pd(_mm256_castsi256_si128(digits)),
        _mm256_cvtepi32_pd(_mm256_extracti128_si256::<1>(digits)),
    ];
    for q in 0..2 {
        // SAFETY: as the caller guarantees.
        unsafe { _mm256_storeu_pd(dst[q], complex_mul(z[q], w[q])) };
    }
}

/// Broadcast constants of a balanced decomposition with base `2^β ≤ 2^30` in eight 32-bit
/// lanes (the digit arithmetic of [`next_digit`], where `raw < 2^30` and `B ≤ 2^30` keep the
/// signed compares and the subtraction exact).
struct DigitConstants32 {
    one: __m256i,
    beta: __m128i,
    digit_mask: __m256i,
    digit_half: __m256i,
    base: __m256i,
}

impl DigitConstants32 {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(base_log: u32) -> Self {
        Self {
            one: _mm256_set1_epi32(1),
            beta: _mm_cvtsi32_si128(base_log as i32),
            digit_mask: _mm256_set1_epi32(((1u32 << base_log) - 1) as i32),
            digit_half: _mm256_set1_epi32(1 << (base_log - 1)),
            base: _mm256_set1_epi32(1 << base_log),
        }
    }

    /// The balanced digit of the low digit `raw` with the higher units `rest` above it;
    /// `state ← rest + carry`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn digit(&self, raw: __m256i, rest: __m256i, state: &mut __m256i) -> __m256i {
        let above = _mm256_cmpgt_epi32(raw, self.digit_half);
        let tie = _mm256_and_si256(
            _mm256_cmpeq_epi32(raw, self.digit_half),
            _mm256_cmpeq_epi32(_mm256_and_si256(rest, self.one), self.one),
        );
        let carry = _mm256_or_si256(above, tie); // all ones where the digit carries
        *state = _mm256_sub_epi32(rest, carry);
        _mm256_sub_epi32(raw, _mm256_and_si256(carry, self.base))
    }

    /// As [`next_digit`], in 32-bit lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn next_digit(&self, state: &mut __m256i) -> __m256i {
        let raw = _mm256_and_si256(*state, self.digit_mask);
        let rest = _mm256_srl_epi32(*state, self.beta);
        self.digit(raw, rest, state)
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
