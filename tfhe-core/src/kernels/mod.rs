//! The inner loops of bootstrapping — around the FFT: decomposing and twisting into the Fourier
//! domain, the pointwise multiply-adds, untwisting and rounding back to the torus; and the
//! multiply-subtract of key switching — with a portable version (`scalar`) and an AVX2 version
//! chosen at run time.
//!
//! The SIMD kernels are twins of the scalar ones: the same operations in the same order, fused
//! multiply-adds in the same places (only the inner products have them), so the results are
//! bit-identical and everything above (external product, blind
//! rotation, bootstrapping) computes the same ciphertexts whichever runs. The tests below check
//! that on random and extreme inputs. [`set_simd_enabled`] switches the SIMD kernels off for
//! the whole process (benchmarks use it to measure both in one run).

#[cfg(target_arch = "x86_64")]
mod avx2;
pub(crate) mod scalar;

use crate::fft::{c64, FourierLayout, LevelPrefixes};
use core::sync::atomic::{AtomicBool, Ordering};
use torus::{SignedDecomposer, Torus};

/// A torus word the SIMD kernels handle as a 64-bit lane.
pub(crate) trait Word: Torus {}

impl Word for u32 {}

impl Word for u64 {}

static SIMD_ENABLED: AtomicBool = AtomicBool::new(true);

/// Allows (the default) or forbids the SIMD kernels in this process. Results are identical
/// either way; only the speed changes.
pub fn set_simd_enabled(enabled: bool) {
    SIMD_ENABLED.store(enabled, Ordering::Relaxed);
}

/// The kernels in use: `"avx2+fma"` or `"scalar"`.
pub fn simd_level() -> &'static str {
    if avx2_in_use() {
        "avx2+fma"
    } else {
        "scalar"
    }
}

#[inline]
fn avx2_in_use() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        SIMD_ENABLED.load(Ordering::Relaxed)
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `acc ← acc + a ⊙ b` (pointwise complex products).
///
/// # Panics
/// If the lengths differ.
pub(crate) fn mul_add_assign(acc: &mut [c64], a: &[c64], b: &[c64]) {
    assert!(acc.len() == a.len() && a.len() == b.len(), "Fourier sizes");
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() {
        // SAFETY: AVX2 and FMA are present (checked at run time just above).
        #[allow(unsafe_code)]
        unsafe {
            avx2::mul_add_assign(acc, a, b)
        };
        return;
    }
    scalar::mul_add_assign(acc, a, b);
}

/// Inside a dispatcher generic over `T: Torus`: evaluates `$call` (a block returning whether it
/// ran) with `$word` naming `u64` or `u32`, whichever `T` is, and returns from the dispatcher
/// when it ran; falls through for any other `T` (and when `$call` declines).
#[cfg(target_arch = "x86_64")]
macro_rules! run_as_word {
    ($t:ty, $word:ident => $call:block) => {
        if <$t as Torus>::BITS == 64 {
            type $word = u64;
            if $call {
                return;
            }
        } else if <$t as Torus>::BITS == 32 {
            type $word = u32;
            if $call {
                return;
            }
        }
    };
}

/// `out ← out − Σ_l digits_l·rows_l` (wrapping): the inner loop of key switching, all levels
/// of one mask element in one pass over `out` (`rows` holds `digits.len()` consecutive rows of
/// `out.len()` words; zero digits are skipped).
///
/// # Panics
/// If `rows.len() ≠ digits.len()·out.len()`.
pub(crate) fn sub_scaled_rows<T: Torus>(out: &mut [T], rows: &[T], digits: &[i64]) {
    assert_eq!(rows.len(), digits.len() * out.len(), "row lengths");
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() && digits.iter().all(|d| d.unsigned_abs() < 1 << 31) {
        run_as_word!(T, W => {
            match (
                bytemuck::try_cast_slice_mut::<T, W>(out),
                bytemuck::try_cast_slice::<T, W>(rows),
            ) {
                (Ok(out), Ok(rows)) => {
                    // SAFETY: AVX2 is present; the kernel checks the lengths and the digits.
                    #[allow(unsafe_code)]
                    unsafe {
                        avx2::sub_scaled_rows::<W>(out, rows, digits)
                    };
                    true
                }
                _ => false,
            }
        });
    }
    scalar::sub_scaled_rows(out, rows, digits);
}

/// The shape `(R, C)` of an inner product over `digits` (`R` polynomials in `layout`) into `C`
/// output polynomials, checked against a key of `key_len` values (`R·C·h`).
///
/// # Panics
/// If `h` is zero or odd, a buffer is not whole polynomials of the layout, or the key's length
/// does not match.
fn dot_shape(
    outputs_len: usize,
    digits_len: usize,
    key_len: usize,
    layout: FourierLayout,
) -> (usize, usize) {
    let half = layout.half();
    assert!(half > 0 && half.is_multiple_of(2), "Fourier size (h even)");
    let (Some(row_count), Some(outputs)) = (layout.count(digits_len), layout.count(outputs_len))
    else {
        panic!("Fourier buffers of whole polynomials");
    };
    assert_eq!(
        Some(key_len),
        row_count
            .checked_mul(outputs)
            .and_then(|v| v.checked_mul(half)),
        "one row of outputs per digit polynomial"
    );
    (row_count, outputs)
}

/// `out_c ← Σ_r digits_r ⊙ rows_(r,c)`: see `scalar::fourier_dot`.
///
/// # Panics
/// If `h` is odd, the buffers are not whole polynomials of `layout`, or
/// `rows.len() ≠ R·C·h`.
pub(crate) fn fourier_dot(out: &mut [c64], digits: &[c64], rows: &[c64], layout: FourierLayout) {
    let shape = dot_shape(out.len(), digits.len(), rows.len(), layout);
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() {
        // SAFETY: AVX2 and FMA are present; the shape was checked against the lengths.
        #[allow(unsafe_code)]
        unsafe {
            avx2::fourier_dot(out, digits, rows, layout, shape)
        };
        return;
    }
    scalar::fourier_dot(out, digits, rows, layout, shape);
}

/// `out_(b,c) ← Σ_j m_(b,j) ⊙ (Σ_r digits_(b,r) ⊙ keys_j(r, c))` for the `B = levels.batch()`
/// problems `b` that share the keys, problem `b` over the rows of its level prefix
/// (`levels.rows(b, R)`): `outs`, `digits` and `monomials` hold the problems one after another,
/// each as `scalar::multi_bit_dot` takes it (all in `layout`). Every problem's result is
/// bit-identical to `scalar::multi_bit_dot` on that problem alone; the batch only changes the
/// memory traffic (the SIMD kernel reads each key block once for the whole batch).
///
/// # Panics
/// If there is no key, `h` is odd, the lengths do not match, or the key's rows are not a whole
/// number of `levels.levels()`.
pub(crate) fn multi_bit_dot_batch(
    outs: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    levels: LevelPrefixes<'_>,
    layout: FourierLayout,
) {
    let batch = levels.batch();
    assert!(!keys.is_empty(), "at least one key");
    assert!(
        outs.len().is_multiple_of(batch)
            && digits.len().is_multiple_of(batch)
            && monomials.len().is_multiple_of(batch),
        "the same sizes for every problem"
    );
    let (out_len, digit_len, monomial_len) = (
        outs.len() / batch,
        digits.len() / batch,
        monomials.len() / batch,
    );
    assert_eq!(
        layout.count(monomial_len),
        Some(keys.len()),
        "one monomial per key"
    );
    let shape = dot_shape(out_len, digit_len, keys[0].len(), layout);
    assert!(keys.iter().all(|k| k.len() == keys[0].len()), "key sizes");
    assert!(
        shape.0.is_multiple_of(levels.levels()),
        "rows of whole decompositions"
    );
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() {
        // SAFETY: AVX2 and FMA are present; the shape was checked against the lengths and the
        // prefixes hold 1 to ℓ levels of R/ℓ components.
        #[allow(unsafe_code)]
        unsafe {
            avx2::multi_bit_dot_batch(outs, digits, keys, monomials, (levels, layout, shape))
        };
        return;
    }
    let problems = outs
        .chunks_exact_mut(out_len)
        .zip(digits.chunks_exact(digit_len))
        .zip(monomials.chunks_exact(monomial_len));
    for (b, ((out, digits), monomials)) in problems.enumerate() {
        let used = levels.rows(b, shape.0);
        scalar::multi_bit_dot(out, digits, (keys, monomials), layout, shape, &used);
    }
}

/// Untwists and rounds `fourier` (after the inverse FFT) into the halves `lo`, `hi` of a torus
/// polynomial, adding to them when `ADD`.
pub(crate) fn untwist_round<T: Torus, const ADD: bool>(
    lo: &mut [T],
    hi: &mut [T],
    fourier: &[c64],
    twist: &[c64],
) {
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() && fourier.len().is_multiple_of(4) {
        run_as_word!(T, W => {
            match (
                bytemuck::try_cast_slice_mut::<T, W>(lo),
                bytemuck::try_cast_slice_mut::<T, W>(hi),
            ) {
                (Ok(lo), Ok(hi)) => {
                    // SAFETY: AVX2 and FMA are present; the kernel checks the lengths.
                    #[allow(unsafe_code)]
                    unsafe {
                        avx2::untwist_round::<W, ADD>(lo, hi, fourier, twist)
                    };
                    true
                }
                _ => false,
            }
        });
    }
    scalar::untwist_round::<T, ADD>(lo, hi, fourier, twist);
}

/// Decomposes every coefficient of `lo`/`hi` (the two halves of a torus polynomial) and writes
/// the twisted digit polynomials level-major into `levels` (`ℓ` polynomials in `layout`).
///
/// # Panics
/// If `levels` is not `ℓ` polynomials of `layout` or the layout's polynomials are not
/// `twist.len()` long.
pub(crate) fn decompose_twist<T: Torus>(
    levels: &mut [c64],
    lo: &[T],
    hi: &[T],
    twist: &[c64],
    decomposer: &SignedDecomposer<T>,
    layout: FourierLayout,
) {
    assert!(
        layout.half() == twist.len()
            && layout.count(levels.len()) == Some(decomposer.level_count().0),
        "one Fourier polynomial per level"
    );
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() && twist.len().is_multiple_of(4) && decomposer.base_log().0 <= 51 {
        let shape = (decomposer.base_log().0, decomposer.level_count().0);
        run_as_word!(T, W => {
            match (
                bytemuck::try_cast_slice::<T, W>(lo),
                bytemuck::try_cast_slice::<T, W>(hi),
            ) {
                (Ok(lo), Ok(hi)) => {
                    // SAFETY: AVX2 and FMA are present; the kernel checks the lengths and the
                    // shape (a validated decomposer has β·ℓ ≤ w, and β ≤ 51 is checked above).
                    #[allow(unsafe_code)]
                    unsafe {
                        avx2::decompose_twist::<W>(levels, lo, hi, twist, shape, layout.stride())
                    };
                    true
                }
                _ => false,
            }
        });
    }
    scalar::decompose_twist(levels, lo, hi, twist, decomposer, layout);
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    //! Each AVX2 kernel against its scalar twin, bit for bit.
    #![allow(unsafe_code)]

    use super::{avx2, scalar};
    use crate::fft::{c64, FourierLayout};
    use proptest::prelude::*;
    use torus::{DecompositionBaseLog, DecompositionLevelCount, SignedDecomposer, Torus};

    fn avx2_present() -> bool {
        let present = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        if !present {
            eprintln!("no AVX2/FMA on this CPU: the SIMD twins cannot be compared here");
        }
        present
    }

    fn same_bits(a: &[c64], b: &[c64]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| x.re.to_bits() == y.re.to_bits() && x.im.to_bits() == y.im.to_bits())
            && a.len() == b.len()
    }

    /// Values at every magnitude the rounding must handle: zeros, subnormals, ties, the
    /// 2^52/2^53/2^63/2^64 boundaries, huge values, infinities and NaN.
    fn extreme_f64() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE / 4.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            -f64::MAX,
        ];
        for e in [51, 52, 53, 62, 63, 64, 65, 75, 116, 117, 118] {
            let p = 2f64.powi(e);
            v.extend([p, -p, p * 1.5, -p * 1.75, p + 1.0, p - 1.0]);
        }
        v
    }

    fn check_untwist<T: Torus>(values: &[f64], twist: &[c64], prior: &[T]) {
        let half = twist.len();
        let fourier: Vec<c64> = values
            .chunks_exact(2)
            .map(|p| c64::new(p[0], p[1]))
            .take(half)
            .collect();
        for add in [false, true] {
            let (mut lo_s, mut hi_s) = (prior[..half].to_vec(), prior[half..].to_vec());
            let (mut lo_v, mut hi_v) = (lo_s.clone(), hi_s.clone());
            if add {
                scalar::untwist_round::<T, true>(&mut lo_s, &mut hi_s, &fourier, twist);
                avx2_untwist::<T, true>(&mut lo_v, &mut hi_v, &fourier, twist);
            } else {
                scalar::untwist_round::<T, false>(&mut lo_s, &mut hi_s, &fourier, twist);
                avx2_untwist::<T, false>(&mut lo_v, &mut hi_v, &fourier, twist);
            }
            assert_eq!(lo_s, lo_v, "re, add = {add}");
            assert_eq!(hi_s, hi_v, "im, add = {add}");
        }
    }

    #[test]
    fn untwist_round_twins_on_extreme_values() {
        if !avx2_present() {
            return;
        }
        let mut values = extreme_f64();
        values.truncate(2 * (values.len() / 8) * 4);
        let half = values.len() / 2;
        let one = vec![c64::new(1.0, 0.0); half];
        let prior64: Vec<u64> = (0..2 * half as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        let prior32: Vec<u32> = prior64.iter().map(|&x| (x >> 7) as u32).collect();
        check_untwist::<u64>(&values, &one, &prior64);
        check_untwist::<u32>(&values, &one, &prior32);
        // And against the rounding oracle directly, through the dispatcher (imaginary parts 0,
        // so that the untwist by 1 leaves every real part, infinities and NaN included, as is).
        let fourier: Vec<c64> = values.iter().map(|&x| c64::new(x, 0.0)).collect();
        let mut lo = vec![0u64; fourier.len()];
        let mut hi = vec![0u64; fourier.len()];
        super::untwist_round::<u64, false>(
            &mut lo,
            &mut hi,
            &fourier,
            &vec![c64::new(1.0, 0.0); fourier.len()],
        );
        for (k, z) in fourier.iter().enumerate() {
            assert_eq!(lo[k], scalar::f64_to_torus::<u64>(z.re), "{}", z.re);
            assert_eq!(hi[k], 0);
        }
    }

    /// The AVX2 untwist itself (not the dispatcher, which could fall back to the twin).
    fn avx2_untwist<T: Torus, const ADD: bool>(
        lo: &mut [T],
        hi: &mut [T],
        fourier: &[c64],
        twist: &[c64],
    ) {
        // SAFETY (both calls): AVX2 and FMA checked by the callers' `avx2_present`.
        if T::BITS == 64 {
            let (lo, hi) = (bytemuck::cast_slice_mut(lo), bytemuck::cast_slice_mut(hi));
            unsafe { avx2::untwist_round::<u64, ADD>(lo, hi, fourier, twist) };
        } else {
            let (lo, hi) = (bytemuck::cast_slice_mut(lo), bytemuck::cast_slice_mut(hi));
            unsafe { avx2::untwist_round::<u32, ADD>(lo, hi, fourier, twist) };
        }
    }

    /// The AVX2 decomposition itself (not the dispatcher).
    fn avx2_decompose<T: Torus>(
        levels: &mut [c64],
        lo: &[T],
        hi: &[T],
        twist: &[c64],
        decomposer: &SignedDecomposer<T>,
        stride: usize,
    ) {
        let shape = (decomposer.base_log().0, decomposer.level_count().0);
        // SAFETY (both calls): AVX2 and FMA checked by the callers' `avx2_present`.
        if T::BITS == 64 {
            let (lo, hi) = (bytemuck::cast_slice(lo), bytemuck::cast_slice(hi));
            unsafe { avx2::decompose_twist::<u64>(levels, lo, hi, twist, shape, stride) };
        } else {
            let (lo, hi) = (bytemuck::cast_slice(lo), bytemuck::cast_slice(hi));
            unsafe { avx2::decompose_twist::<u32>(levels, lo, hi, twist, shape, stride) };
        }
    }

    fn check_decompose<T: Torus>(words: &[T], twist: &[c64], base_log: u32, levels: usize) {
        let half = twist.len();
        let decomposer = SignedDecomposer::<T>::new(
            DecompositionBaseLog(base_log),
            DecompositionLevelCount(levels),
        )
        .expect("valid decomposition");
        // Levels padded by three values (left as they were: the sentinel).
        let layout = FourierLayout::with_stride(half, half + 3);
        let sentinel = c64::new(7.0, 7.0);
        let mut expected = vec![sentinel; levels * layout.stride()];
        let mut actual = expected.clone();
        let (lo, hi) = words.split_at(half);
        scalar::decompose_twist(&mut expected, lo, hi, twist, &decomposer, layout);
        avx2_decompose(&mut actual, lo, hi, twist, &decomposer, layout.stride());
        assert!(
            same_bits(&expected, &actual),
            "AVX2: β = {base_log}, ℓ = {levels}, w = {}",
            T::BITS
        );
        for level in expected.chunks_exact(layout.stride()) {
            assert!(
                same_bits(&level[half..], &[sentinel; 3]),
                "padding untouched"
            );
        }
        // And through the dispatcher.
        actual.fill(sentinel);
        super::decompose_twist(&mut actual, lo, hi, twist, &decomposer, layout);
        assert!(
            same_bits(&expected, &actual),
            "β = {base_log}, ℓ = {levels}, w = {}",
            T::BITS
        );
    }

    fn edge_words(n: usize) -> Vec<u64> {
        let edges = [
            0,
            1,
            u64::MAX,
            1 << 63,
            (1 << 63) - 1,
            0x8000_0001,
            0xffff_ffff,
            0x7fff_ffff_ffff,
        ];
        (0..n as u64)
            .map(|i| {
                edges.get(i as usize).copied().unwrap_or_else(|| {
                    // Values sitting exactly on digit ties at many levels.
                    let tie = 0x8888_8888_8888_8888u64.rotate_left(i as u32);
                    tie ^ (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xff)
                })
            })
            .collect()
    }

    #[test]
    fn decompose_twist_twins_on_edge_words() {
        if !avx2_present() {
            return;
        }
        // `half = 4` takes the four-lane path for 32-bit words too, `half = 32` the eight-lane
        // one for `β ≤ 30` (and the four-lane one for `β = 31, 32`).
        for half in [4, 32] {
            let twist = crate::fft::twist::Twisties::new(2 * half).forward;
            let words = edge_words(2 * half);
            let words32: Vec<u32> = words.iter().map(|&w| (w >> 16) as u32).collect();
            for (base_log, levels) in [
                (1, 1),
                (1, 64),
                (4, 16),
                (8, 8),
                (12, 3),
                (23, 1),
                (30, 1),
                (31, 1),
                (32, 1),
                (32, 2),
                (51, 1),
                (10, 2),
                // 64-bit words whose digits after the first fit in 32 bits (the split path),
                // at and past its edges.
                (9, 4),
                (16, 3),
                (17, 3),
                (30, 2),
                (21, 3),
                (31, 2),
            ] {
                check_decompose::<u64>(&words, &twist, base_log, levels);
                if base_log * levels as u32 <= 32 {
                    check_decompose::<u32>(&words32, &twist, base_log, levels);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn decompose_twist_twins(words in prop::collection::vec(any::<u64>(), 16),
                                 base_log in 1u32..=51, levels in 1usize..=8) {
            prop_assume!(base_log * levels as u32 <= 64);
            if !avx2_present() { return Ok(()); }
            let twist = crate::fft::twist::Twisties::new(16).forward;
            check_decompose::<u64>(&words, &twist, base_log, levels);
            if base_log * levels as u32 <= 32 {
                let words32: Vec<u32> = words.iter().map(|&w| w as u32).collect();
                check_decompose::<u32>(&words32, &twist, base_log, levels);
            }
        }

        #[test]
        fn untwist_round_twins(bits in prop::collection::vec(any::<u64>(), 32),
                               scale in -70i32..140, prior in prop::collection::vec(any::<u64>(), 32)) {
            if !avx2_present() { return Ok(()); }
            // Random finite values at a random magnitude, plus raw bit patterns (NaN included).
            let values: Vec<f64> = bits
                .iter()
                .enumerate()
                .map(|(k, &b)| if k % 4 == 0 { f64::from_bits(b) } else {
                    (b as i64 as f64) * 2f64.powi(scale - 63)
                })
                .collect();
            let twist = crate::fft::twist::Twisties::new(32).backward;
            check_untwist::<u64>(&values, &twist, &prior);
            let prior32: Vec<u32> = prior.iter().map(|&x| x as u32).collect();
            check_untwist::<u32>(&values, &twist, &prior32);
        }

        #[test]
        fn untwist_round_twins_below_2_51(halves in prop::collection::vec(-(1i64 << 51)..(1i64 << 51), 64),
                                          prior in prop::collection::vec(any::<u64>(), 64)) {
            if !avx2_present() { return Ok(()); }
            // Every value below 2^51 in magnitude, half of them exact ties (`m + 1/2`): the fast
            // path of both kernels, eight 32-bit words at a time for `u32`. Twist by 1 so that
            // the values reach the rounding unchanged.
            let values: Vec<f64> = halves.iter().map(|&h| h as f64 / 2.0).collect();
            let one = vec![c64::new(1.0, 0.0); 32];
            check_untwist::<u64>(&values, &one, &prior);
            let prior32: Vec<u32> = prior.iter().map(|&x| x as u32).collect();
            check_untwist::<u32>(&values, &one, &prior32);
        }

        #[test]
        fn fourier_dot_twins(values in prop::collection::vec(-1e18f64..1e18, 2 * (3 * 6 + 12 * 6)),
                             outputs in 1usize..=6, padding in 0usize..=2) {
            if !avx2_present() { return Ok(()); }
            // R = 3 digit polynomials of h = 4 values `4 + padding` apart (the padding holds
            // values too, which must not matter), C outputs (more than 4: two blocks).
            let layout = FourierLayout::with_stride(4, 4 + padding);
            let c: Vec<c64> = values.chunks_exact(2).map(|p| c64::new(p[0], p[1])).collect();
            let (digits, rows) = c.split_at(18);
            let digits = &digits[..3 * layout.stride()];
            let rows = &rows[..12 * outputs];
            let sentinel = c64::new(1.0, 1.0);
            let mut expected = vec![sentinel; outputs * layout.stride()];
            let mut actual = expected.clone();
            scalar::fourier_dot(&mut expected, digits, rows, layout, (3, outputs));
            super::fourier_dot(&mut actual, digits, rows, layout);
            prop_assert!(same_bits(&expected, &actual));
            for out in expected.chunks_exact(layout.stride()) {
                prop_assert!(same_bits(&out[4..], &vec![sentinel; padding]));
            }
        }

        #[test]
        fn multi_bit_dot_twins(values in prop::collection::vec(-1e18f64..1e18, 2 * (3 * 6 * 6 + 3 * 120 + 3 * 4 * 6)),
                               outputs in 1usize..=5, key_count in 1usize..=4,
                               used in prop::collection::vec(1usize..=3, 1..=3),
                               padding in 0usize..=2) {
            if !avx2_present() { return Ok(()); }
            // `batch` problems of R = 6 digit polynomials (2 components × ℓ = 3 levels) of h = 4
            // values `4 + padding` apart, C outputs (5: three blocks of two), J keys shared by
            // the problems (4: two groups); problem b uses the first used[b] levels, and the
            // digits of the others are NaN (never read, or the results would be NaN).
            let batch = used.len();
            let layout = FourierLayout::with_stride(4, 4 + padding);
            let stride = layout.stride();
            let c: Vec<c64> = values.chunks_exact(2).map(|p| c64::new(p[0], p[1])).collect();
            let (digits, rest) = c.split_at(3 * 6 * 6);
            let (key_data, monomials) = rest.split_at(3 * 120);
            let mut digits = digits[..6 * stride * batch].to_vec();
            for (r, digit) in digits.chunks_exact_mut(stride).enumerate() {
                if r % 3 >= used[r / 6] {
                    digit.fill(c64::new(f64::NAN, f64::NAN));
                }
            }
            let keys: Vec<&[c64]> = key_data.chunks_exact(120).cycle().take(key_count)
                .map(|k| &k[..24 * outputs]).collect();
            let monomials = &monomials[..stride * key_count * batch];
            let sentinel = c64::new(2.0, 2.0);
            let mut actual = vec![sentinel; outputs * stride * batch];
            let levels = crate::fft::LevelPrefixes::new(3, &used).unwrap();
            super::multi_bit_dot_batch(&mut actual, &digits, &keys, monomials, levels, layout);
            for (b, actual) in actual.chunks_exact(outputs * stride).enumerate() {
                let digits = &digits[6 * stride * b..][..6 * stride];
                let monomials = &monomials[key_count * stride * b..][..key_count * stride];
                let mut expected = vec![sentinel; outputs * stride];
                let rows = levels.rows(b, 6);
                scalar::multi_bit_dot(&mut expected, digits, (&keys, monomials), layout, (6, outputs), &rows);
                prop_assert!(same_bits(&expected, actual));
                // Against its definition: a key of ℓ' = used[b] levels (the rows with level
                // below ℓ', compacted), one fourier_dot per key, then m_j ⊙ term added.
                let kept: Vec<usize> = (0..6).filter(|r| r % 3 < used[b]).collect();
                let short: Vec<c64> = kept.iter().flat_map(|&r| digits[r * stride..][..stride].to_vec()).collect();
                let mut sum = vec![sentinel; outputs * stride];
                for (j, key) in keys.iter().enumerate() {
                    let mut short_key = vec![c64::default(); kept.len() * outputs * 4];
                    for (r2, &r) in kept.iter().enumerate() {
                        for c in 0..outputs {
                            for f in 0..4 {
                                short_key[crate::fft::pair_interleaved_index(kept.len(), outputs, r2, c, f)] =
                                    key[crate::fft::pair_interleaved_index(6, outputs, r, c, f)];
                            }
                        }
                    }
                    let mut term = vec![sentinel; outputs * stride];
                    scalar::fourier_dot(&mut term, &short, &short_key, layout, (kept.len(), outputs));
                    let m = layout.polynomial(monomials, j);
                    for c in 0..outputs {
                        let (s, t) = (layout.polynomial_mut(&mut sum, c), layout.polynomial(&term, c));
                        for f in 0..4 {
                            s[f] = if j == 0 { c64::default() } else { s[f] } + m[f] * t[f];
                        }
                    }
                }
                prop_assert!(same_bits(&sum, &expected));
            }
        }

        #[test]
        fn inner_products_are_exact_on_small_integers(
            values in prop::collection::vec(-1024i64..=1024, 2 * (4 * 6 + 3 * 80 + 3 * 6)),
            outputs in 1usize..=5, key_count in 1usize..=3) {
            // The independent oracle: with integer parts below 2^10, every product and sum of
            // both inner products is an integer below 2^53 and exactly representable, so every
            // rounding order must give the exact complex integer arithmetic (i64). Runs whichever
            // kernels the machine has.
            let layout = FourierLayout::with_stride(4, 6);
            let z: Vec<(i64, i64)> = values.chunks_exact(2).map(|p| (p[0], p[1])).collect();
            let (digits, rest) = z.split_at(4 * 6);
            let (key_data, monomials) = rest.split_at(3 * 80);
            let to_c64 = |v: &[(i64, i64)]| -> Vec<c64> {
                v.iter().map(|&(re, im)| c64::new(re as f64, im as f64)).collect()
            };
            let mul = |(a, b): (i64, i64), (c, d): (i64, i64)| (a * c - b * d, a * d + b * c);
            let add = |(a, b): (i64, i64), (c, d): (i64, i64)| (a + c, b + d);
            let keys_int: Vec<&[(i64, i64)]> = key_data.chunks_exact(80).take(key_count)
                .map(|k| &k[..16 * outputs]).collect();
            // R = 4 rows; the exact term of key j, output c, frequency f.
            let term = |j: usize, c: usize, f: usize| {
                (0..4).fold((0, 0), |acc, r| add(acc, mul(digits[r * 6 + f],
                    keys_int[j][crate::fft::pair_interleaved_index(4, outputs, r, c, f)])))
            };
            let digits_c = to_c64(digits);
            let keys_c: Vec<Vec<c64>> = keys_int.iter().map(|k| to_c64(k)).collect();
            let keys_ref: Vec<&[c64]> = keys_c.iter().map(Vec::as_slice).collect();
            let monomials_c = to_c64(&monomials[..6 * key_count]);
            let mut dot = vec![c64::default(); outputs * 6];
            super::fourier_dot(&mut dot, &digits_c, keys_ref[0], layout);
            let mut multi = vec![c64::default(); outputs * 6];
            let all = crate::fft::LevelPrefixes::new(4, &[4]).unwrap();
            super::multi_bit_dot_batch(&mut multi, &digits_c, &keys_ref, &monomials_c, all, layout);
            for c in 0..outputs {
                for f in 0..4 {
                    let want = term(0, c, f);
                    prop_assert_eq!(layout.polynomial(&dot, c)[f], c64::new(want.0 as f64, want.1 as f64));
                    let want = (0..key_count)
                        .fold((0, 0), |acc, j| add(acc, mul(monomials[j * 6 + f], term(j, c, f))));
                    prop_assert_eq!(layout.polynomial(&multi, c)[f], c64::new(want.0 as f64, want.1 as f64));
                }
            }
        }

        #[test]
        fn sub_scaled_rows_twins(rows in prop::collection::vec(any::<u64>(), 0..23 * 11),
                                 start in prop::collection::vec(any::<u64>(), 23),
                                 len in 0usize..23,
                                 digits in prop::collection::vec(prop_oneof![
                                     Just(0i64), -9i64..=9, -(1i64 << 31) + 1..(1i64 << 31),
                                     Just((1i64 << 31) - 1), Just(-(1i64 << 31) + 1)], 0..=11)) {
            if !avx2_present() { return Ok(()); }
            // Up to 11 levels (more than one group of eight non-zero digits), zeros included,
            // lengths with and without a tail after the last whole register.
            let levels = digits.len().min(rows.len() / len.max(1));
            let (digits, rows) = (&digits[..levels], &rows[..levels * len]);
            let mut expected = start[..len].to_vec();
            let mut actual = expected.clone();
            scalar::sub_scaled_rows(&mut expected, rows, digits);
            // SAFETY: AVX2 checked by `avx2_present`.
            unsafe { avx2::sub_scaled_rows(&mut actual, rows, digits) };
            prop_assert_eq!(&expected, &actual);
            // The oracle: exact integer arithmetic modulo 2^64.
            for (w, (e, &s)) in expected.iter().zip(&start).enumerate() {
                let mut want = i128::from(s);
                for (l, &d) in digits.iter().enumerate() {
                    want -= i128::from(rows[l * len + w]) * i128::from(d);
                }
                prop_assert_eq!(u128::from(*e), want.rem_euclid(1 << 64) as u128);
            }
            let rows32: Vec<u32> = rows.iter().map(|&x| x as u32).collect();
            let mut expected32: Vec<u32> = start[..len].iter().map(|&x| (x >> 3) as u32).collect();
            let mut actual32 = expected32.clone();
            scalar::sub_scaled_rows(&mut expected32, &rows32, digits);
            // SAFETY: as above.
            unsafe { avx2::sub_scaled_rows(&mut actual32, &rows32, digits) };
            prop_assert_eq!(expected32, actual32);
        }

        #[test]
        fn mul_add_twins(values in prop::collection::vec(-1e18f64..1e18, 6 * 9)) {
            if !avx2_present() { return Ok(()); }
            // An odd length exercises the scalar tail.
            let c: Vec<c64> = values.chunks_exact(2).map(|p| c64::new(p[0], p[1])).collect();
            let (a, rest) = c.split_at(9);
            let (b, acc) = rest.split_at(9);
            let mut expected = acc[..9].to_vec();
            let mut actual = expected.clone();
            scalar::mul_add_assign(&mut expected, a, b);
            // SAFETY: AVX2 and FMA checked by `avx2_present`.
            unsafe { avx2::mul_add_assign(&mut actual, a, b) };
            prop_assert!(same_bits(&expected, &actual));
        }
    }
}
