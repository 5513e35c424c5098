//! The inner loops of bootstrapping — around the FFT: decomposing and twisting into the Fourier
//! domain, the pointwise multiply-adds, untwisting and rounding back to the torus; and the
//! multiply-subtract of key switching — with a portable version (`scalar`) and an AVX2 version
//! chosen at run time.
//!
//! The SIMD kernels are twins of the scalar ones: the same operations in the same order, no fused
//! multiply-add, so the results are bit-identical and everything above (external product, blind
//! rotation, bootstrapping) computes the same ciphertexts whichever runs. The tests below check
//! that on random and extreme inputs. [`set_simd_enabled`] switches the SIMD kernels off for
//! the whole process (benchmarks use it to measure both in one run).

#[cfg(target_arch = "x86_64")]
mod avx2;
pub(crate) mod scalar;

use crate::fft::c64;
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

/// `out_c ← Σ_r digits_r ⊙ rows_(r,c)`: see `scalar::fourier_dot`.
///
/// # Panics
/// If `h` is odd or `rows.len() ≠ (digits.len()/h)·out.len()` for the polynomial length `h`.
pub(crate) fn fourier_dot(out: &mut [c64], digits: &[c64], rows: &[c64], half: usize) {
    assert!(
        half > 0
            && half.is_multiple_of(2)
            && out.len().is_multiple_of(half)
            && digits.len().is_multiple_of(half),
        "Fourier sizes (h even)"
    );
    assert_eq!(
        rows.len(),
        digits.len() / half * out.len(),
        "one row of outputs per digit polynomial"
    );
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() {
        // SAFETY: AVX2 and FMA are present; the kernel checks the shapes.
        #[allow(unsafe_code)]
        unsafe {
            avx2::fourier_dot(out, digits, rows, half)
        };
        return;
    }
    scalar::fourier_dot(out, digits, rows);
}

/// `out_(b,c) ← Σ_j m_(b,j) ⊙ (Σ_r digits_(b,r) ⊙ keys_j(r, c))` for `batch` problems `b` that
/// share the keys: `outs`, `digits` and `monomials` hold the problems one after another, each as
/// `scalar::multi_bit_dot` takes it. Every problem's result is bit-identical to
/// `scalar::multi_bit_dot` on that problem alone; the batch only changes the memory traffic (the
/// SIMD kernel reads each key block once for the whole batch).
///
/// # Panics
/// If there is no key or no problem, `h = monomials.len()/(batch·keys.len())` is odd, or the
/// lengths do not match.
pub(crate) fn multi_bit_dot_batch(
    outs: &mut [c64],
    digits: &[c64],
    keys: &[&[c64]],
    monomials: &[c64],
    batch: usize,
) {
    assert!(
        !keys.is_empty() && batch > 0,
        "at least one key and one problem"
    );
    let half = monomials.len() / (batch * keys.len());
    assert!(
        half > 0
            && half.is_multiple_of(2)
            && monomials.len() == batch * keys.len() * half
            && outs.len().is_multiple_of(batch * half)
            && digits.len().is_multiple_of(batch * half),
        "Fourier sizes"
    );
    let rows = digits.len() / batch / half * (outs.len() / batch);
    assert!(keys.iter().all(|k| k.len() == rows), "key sizes");
    #[cfg(target_arch = "x86_64")]
    if avx2_in_use() {
        // SAFETY: AVX2 and FMA are present; the kernel checks the shapes.
        #[allow(unsafe_code)]
        unsafe {
            avx2::multi_bit_dot_batch(outs, digits, keys, monomials, half, batch)
        };
        return;
    }
    let problems = outs
        .chunks_exact_mut(outs.len() / batch)
        .zip(digits.chunks_exact(digits.len() / batch))
        .zip(monomials.chunks_exact(monomials.len() / batch));
    for ((out, digits), monomials) in problems {
        scalar::multi_bit_dot(out, digits, keys, monomials);
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
/// the twisted digit polynomials level-major into `levels` (`ℓ·N/2` values).
pub(crate) fn decompose_twist<T: Torus>(
    levels: &mut [c64],
    lo: &[T],
    hi: &[T],
    twist: &[c64],
    decomposer: &SignedDecomposer<T>,
) {
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
                        avx2::decompose_twist::<W>(levels, lo, hi, twist, shape)
                    };
                    true
                }
                _ => false,
            }
        });
    }
    scalar::decompose_twist(levels, lo, hi, twist, decomposer);
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    //! Each AVX2 kernel against its scalar twin, bit for bit.
    #![allow(unsafe_code)]

    use super::{avx2, scalar};
    use crate::fft::c64;
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
    ) {
        let shape = (decomposer.base_log().0, decomposer.level_count().0);
        // SAFETY (both calls): AVX2 and FMA checked by the callers' `avx2_present`.
        if T::BITS == 64 {
            let (lo, hi) = (bytemuck::cast_slice(lo), bytemuck::cast_slice(hi));
            unsafe { avx2::decompose_twist::<u64>(levels, lo, hi, twist, shape) };
        } else {
            let (lo, hi) = (bytemuck::cast_slice(lo), bytemuck::cast_slice(hi));
            unsafe { avx2::decompose_twist::<u32>(levels, lo, hi, twist, shape) };
        }
    }

    fn check_decompose<T: Torus>(words: &[T], twist: &[c64], base_log: u32, levels: usize) {
        let half = twist.len();
        let decomposer = SignedDecomposer::<T>::new(
            DecompositionBaseLog(base_log),
            DecompositionLevelCount(levels),
        )
        .expect("valid decomposition");
        let mut expected = vec![c64::default(); levels * half];
        let mut actual = vec![c64::new(7.0, 7.0); levels * half];
        scalar::decompose_twist(
            &mut expected,
            &words[..half],
            &words[half..],
            twist,
            &decomposer,
        );
        avx2_decompose(
            &mut actual,
            &words[..half],
            &words[half..],
            twist,
            &decomposer,
        );
        assert!(
            same_bits(&expected, &actual),
            "AVX2: β = {base_log}, ℓ = {levels}, w = {}",
            T::BITS
        );
        // And through the dispatcher.
        actual.fill(c64::new(7.0, 7.0));
        super::decompose_twist(
            &mut actual,
            &words[..half],
            &words[half..],
            twist,
            &decomposer,
        );
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
        fn fourier_dot_twins(values in prop::collection::vec(-1e18f64..1e18, 2 * 4 * 3 * 7),
                             outputs in 1usize..=6) {
            if !avx2_present() { return Ok(()); }
            // R = 3 digit polynomials of h = 4 values, C outputs (more than 4: two blocks).
            let c: Vec<c64> = values.chunks_exact(2).map(|p| c64::new(p[0], p[1])).collect();
            let (digits, rows) = c.split_at(12);
            let rows = &rows[..12 * outputs];
            let mut expected = vec![c64::new(1.0, 1.0); 4 * outputs];
            let mut actual = vec![c64::new(2.0, 2.0); 4 * outputs];
            scalar::fourier_dot(&mut expected, digits, rows);
            super::fourier_dot(&mut actual, digits, rows, 4);
            prop_assert!(same_bits(&expected, &actual));
            // And against the definition, one output at a time with mul_add_assign on the
            // polynomials gathered out of the pair-interleaved layout.
            for (k, out) in expected.chunks_exact(4).enumerate() {
                let mut acc = vec![c64::default(); 4];
                for r in 0..3 {
                    let row: Vec<c64> = (0..4)
                        .map(|f| rows[crate::fft::pair_interleaved_index(3, outputs, r, k, f)])
                        .collect();
                    scalar::mul_add_assign(&mut acc, &digits[4 * r..4 * r + 4], &row);
                }
                prop_assert!(same_bits(&acc, out));
            }
        }

        #[test]
        fn multi_bit_dot_twins(values in prop::collection::vec(-1e18f64..1e18, 2 * (3 * 4 * 3 + 3 * 4 * 3 * 5 + 3 * 3 * 4)),
                               outputs in 1usize..=5, key_count in 1usize..=3, batch in 1usize..=3) {
            if !avx2_present() { return Ok(()); }
            // `batch` problems of R = 3 digit polynomials of h = 4 values, C outputs (5: two
            // blocks), J keys shared by the problems.
            let c: Vec<c64> = values.chunks_exact(2).map(|p| c64::new(p[0], p[1])).collect();
            let (digits, rest) = c.split_at(3 * 12);
            let (key_data, monomials) = rest.split_at(3 * 60);
            let digits = &digits[..12 * batch];
            let keys: Vec<&[c64]> = key_data.chunks_exact(60).take(key_count)
                .map(|k| &k[..12 * outputs]).collect();
            let monomials = &monomials[..4 * key_count * batch];
            let mut actual = vec![c64::new(2.0, 2.0); 4 * outputs * batch];
            super::multi_bit_dot_batch(&mut actual, digits, &keys, monomials, batch);
            for (b, actual) in actual.chunks_exact(4 * outputs).enumerate() {
                let digits = &digits[12 * b..12 * (b + 1)];
                let monomials = &monomials[4 * key_count * b..4 * key_count * (b + 1)];
                let mut expected = vec![c64::new(1.0, 1.0); 4 * outputs];
                scalar::multi_bit_dot(&mut expected, digits, &keys, monomials);
                prop_assert!(same_bits(&expected, actual));
                // And against the definition: one fourier_dot per key, then m_j ⊙ term summed.
                let mut sum = vec![c64::default(); 4 * outputs];
                for (key, m) in keys.iter().zip(monomials.chunks_exact(4)) {
                    let mut term = vec![c64::default(); 4 * outputs];
                    scalar::fourier_dot(&mut term, digits, key);
                    for (s, t) in sum.chunks_exact_mut(4).zip(term.chunks_exact(4)) {
                        scalar::mul_add_assign(s, m, t);
                    }
                }
                prop_assert!(same_bits(&sum, &expected));
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
