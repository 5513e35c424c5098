//! How a scratch buffer holds several Fourier-domain polynomials side by side.
//!
//! An external product reads its `(k+1)·ℓ` Fourier digit polynomials together, one frequency
//! pair of every polynomial at a time, and writes its `k + 1` sums the same way. Stored back to
//! back, these polynomials lie exactly `N/2 · 16` bytes apart — a multiple of 4 KiB for every
//! `N ≥ 512` — so the values read together all map to the **same set of the L1 data cache** (on
//! x86 cores the set is chosen by address bits 6–11), and a dozen concurrent streams compete for
//! its eight ways: the loads miss L1 and come from L2. Padding each polynomial by
//! [`FourierLayout::ROW_PADDING`] values (two cache lines) spreads them over different sets.
//! Measured on the inner product of the multi-bit blind rotation at `SHE_MNIST` (a batch of four,
//! AMD EPYC with the AVX2 kernels, `examples/inner_product.rs`): 8.4 ms per bootstrap back to
//! back, 6.9 ms padded (an earlier harness of the same shape: 11.0 and 6.1 ms).

use concrete_fft::c64;

/// `count` Fourier polynomials of `half = N/2` values, polynomial `i` at
/// `buffer[i·stride..][..half]`; the `stride − half` values after each are padding, never read
/// for a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FourierLayout {
    half: usize,
    stride: usize,
}

impl FourierLayout {
    /// The padding of [`FourierLayout::padded`], in complex values (128 bytes).
    pub const ROW_PADDING: usize = 8;

    /// Polynomials of `half` values, padded by [`Self::ROW_PADDING`]: the layout of the
    /// library's scratch buffers.
    pub fn padded(half: usize) -> Self {
        Self {
            half,
            stride: half + Self::ROW_PADDING,
        }
    }

    /// Polynomials of `half` values back to back.
    pub fn contiguous(half: usize) -> Self {
        Self { half, stride: half }
    }

    /// Polynomials of `half` values `stride` apart.
    ///
    /// # Panics
    /// If `stride < half`.
    pub fn with_stride(half: usize, stride: usize) -> Self {
        assert!(
            stride >= half,
            "stride {stride} below the polynomial's {half} values"
        );
        Self { half, stride }
    }

    /// Values per polynomial (`N/2`).
    pub fn half(&self) -> usize {
        self.half
    }

    /// Distance between the starts of consecutive polynomials, in values.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Length of a buffer of `count` polynomials (`count·stride`), or `None` on overflow.
    pub fn len(&self, count: usize) -> Option<usize> {
        count.checked_mul(self.stride)
    }

    /// How many whole polynomials a buffer of `len` values holds (`len` must be a multiple of
    /// the stride; `None` otherwise).
    pub fn count(&self, len: usize) -> Option<usize> {
        (self.stride > 0 && len.is_multiple_of(self.stride)).then(|| len / self.stride)
    }

    /// Polynomial `i` of `buffer`.
    ///
    /// # Panics
    /// If the buffer does not reach that far.
    pub fn polynomial<'a>(&self, buffer: &'a [c64], i: usize) -> &'a [c64] {
        &buffer[i * self.stride..][..self.half]
    }

    /// Polynomial `i` of `buffer`, mutably.
    ///
    /// # Panics
    /// If the buffer does not reach that far.
    pub fn polynomial_mut<'a>(&self, buffer: &'a mut [c64], i: usize) -> &'a mut [c64] {
        &mut buffer[i * self.stride..][..self.half]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_sit_a_stride_apart() {
        let layout = FourierLayout::with_stride(4, 6);
        let buffer: Vec<c64> = (0..18).map(|i| c64::new(f64::from(i), 0.0)).collect();
        assert_eq!(layout.count(buffer.len()), Some(3));
        assert_eq!(layout.count(17), None);
        assert_eq!(layout.len(3), Some(18));
        let second: Vec<f64> = layout.polynomial(&buffer, 1).iter().map(|z| z.re).collect();
        assert_eq!(second, [6.0, 7.0, 8.0, 9.0]);
        assert_eq!(FourierLayout::padded(512).stride(), 520);
        assert_eq!(FourierLayout::contiguous(512).stride(), 512);
        // A padded stride is never a multiple of 64 values (1 KiB), so polynomials i and i + 1
        // never share an L1 set offset.
        for half in [16, 256, 512, 1024, 2048, 4096, 8192] {
            assert_ne!(FourierLayout::padded(half).stride() % 64, 0);
        }
    }

    #[test]
    #[should_panic(expected = "stride")]
    fn a_stride_below_the_polynomial_is_refused() {
        FourierLayout::with_stride(8, 7);
    }
}
