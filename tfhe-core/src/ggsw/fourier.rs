//! GGSW ciphertexts in the Fourier domain: every polynomial of every row transformed once with
//! [`Fft::forward_as_torus`], so that each external product needs only forward transforms of the
//! decomposed input, pointwise products, and `k + 1` backward transforms.
//!
//! The values are stored **pair-interleaved** ([`crate::fft::pair_interleaved_index`]): for each
//! pair of frequencies, all `(k+1)·ℓ × (k+1)` value pairs together. The inner product of an
//! external product then reads the ciphertext sequentially — what a bootstrapping key of
//! 100 MiB and more, read once per bootstrap, is bound by — instead of `(k+1)·ℓ` interleaved
//! streams of `N/2` values each (one 4 KiB page at `N = 512`), which the hardware prefetchers
//! restart at every page. Measured at `BOOLEAN_128`: the multi-bit gate 28.0 → 25.1 ms
//! (BENCHMARKS.md, profile notes).

use super::ciphertext::GgswCiphertext;
use crate::dimensions::{GlweDimension, PolynomialSize};
use crate::error::TfheError;
use crate::fft::{c64, pair_interleaved_index, Fft};
use dyn_stack::{GlobalPodBuffer, PodStack, ReborrowMut};
use torus::{Container, SignedDecomposer, Torus};

/// A GGSW ciphertext whose `(k + 1)²·ℓ` polynomials are stored as `N/2` Fourier values each.
#[derive(Clone, Debug)]
pub struct FourierGgswCiphertext<T: Torus> {
    data: Vec<c64>,
    glwe_dimension: GlweDimension,
    polynomial_size: PolynomialSize,
    decomposer: SignedDecomposer<T>,
}

impl<T: Torus> FourierGgswCiphertext<T> {
    /// Transforms a standard-domain GGSW ciphertext. Allocates (key preparation, not a hot path).
    pub fn from_standard<C: Container<Element = T>>(ggsw: &GgswCiphertext<C>, fft: &Fft) -> Self {
        let n = ggsw.polynomial_size().0;
        assert_eq!(fft.polynomial_size().0, n, "FFT size");
        let mut mem = GlobalPodBuffer::new(fft.forward_scratch_requirement().expect("small"));
        let mut stack = PodStack::new(&mut mem);
        // Rows are contiguous and so are their polynomials: every N-chunk is one polynomial.
        let standard = ggsw.as_slice();
        let mut polynomials = vec![c64::default(); standard.len() / 2];
        for (f, poly) in polynomials
            .chunks_exact_mut(n / 2)
            .zip(standard.chunks_exact(n))
        {
            fft.forward_as_torus(f, poly, stack.rb_mut());
        }
        Self::from_fourier_data(
            &polynomials,
            ggsw.glwe_dimension(),
            ggsw.polynomial_size(),
            ggsw.decomposer(),
        )
        .expect("the shape of a valid GGSW ciphertext")
    }

    /// Copies Fourier values given **polynomial by polynomial**: `(k + 1)·ℓ` rows of `k + 1`
    /// polynomials, each `N/2` values in the order of [`Fft`]'s plan for `N` (so only values
    /// produced by this process's plan, or reordered for it as [`crate::serialization`] does, are
    /// meaningful), and stores them pair-interleaved. Allocates (key preparation).
    ///
    /// Checks the length (`(k + 1)²·ℓ·N/2`) and that `N` is a power of two `≥ 4` and `k ≥ 1`; the
    /// values themselves are taken as given (non-finite ones give meaningless results, never a
    /// panic; [`crate::serialization`] rejects them when reading).
    pub fn from_fourier_data(
        data: &[c64],
        glwe_dimension: GlweDimension,
        polynomial_size: PolynomialSize,
        decomposer: SignedDecomposer<T>,
    ) -> Result<Self, TfheError> {
        if !polynomial_size.0.is_power_of_two() || polynomial_size.0 < 4 {
            return Err(TfheError::UnsupportedDimension {
                what: "GGSW polynomial size",
                value: polynomial_size.0,
            });
        }
        if glwe_dimension.0 == 0 {
            return Err(TfheError::UnsupportedDimension {
                what: "GGSW GLWE dimension",
                value: 0,
            });
        }
        let expected = Self::fourier_len(glwe_dimension, polynomial_size, decomposer)?;
        if data.len() != expected {
            return Err(TfheError::LengthMismatch {
                what: "Fourier GGSW ciphertext",
                expected,
                found: data.len(),
            });
        }
        let (rows, outputs, half) = Self::shape(glwe_dimension, polynomial_size, decomposer);
        let mut interleaved = vec![c64::default(); data.len()];
        for (index, polynomial) in data.chunks_exact(half).enumerate() {
            let (r, c) = (index / outputs, index % outputs);
            for (f, &value) in polynomial.iter().enumerate() {
                interleaved[pair_interleaved_index(rows, outputs, r, c, f)] = value;
            }
        }
        Ok(Self {
            data: interleaved,
            glwe_dimension,
            polynomial_size,
            decomposer,
        })
    }

    /// `(k + 1)²·ℓ·N/2`: the number of Fourier values of one GGSW ciphertext, or an error if it
    /// does not fit in `usize`.
    pub fn fourier_len(
        glwe_dimension: GlweDimension,
        polynomial_size: PolynomialSize,
        decomposer: SignedDecomposer<T>,
    ) -> Result<usize, TfheError> {
        let k1 = glwe_dimension.0.checked_add(1);
        k1.and_then(|k1| k1.checked_mul(k1))
            .and_then(|rows| rows.checked_mul(decomposer.level_count().0))
            .and_then(|rows| rows.checked_mul(polynomial_size.0 / 2))
            .ok_or(TfheError::UnsupportedDimension {
                what: "Fourier GGSW ciphertext size",
                value: usize::MAX,
            })
    }

    /// `k`.
    pub fn glwe_dimension(&self) -> GlweDimension {
        self.glwe_dimension
    }

    /// `N`.
    pub fn polynomial_size(&self) -> PolynomialSize {
        self.polynomial_size
    }

    /// The gadget decomposition.
    pub fn decomposer(&self) -> SignedDecomposer<T> {
        self.decomposer
    }

    /// `((k + 1)·ℓ, k + 1, N/2)`: rows, polynomials per row, values per polynomial.
    fn shape(
        glwe_dimension: GlweDimension,
        polynomial_size: PolynomialSize,
        decomposer: SignedDecomposer<T>,
    ) -> (usize, usize, usize) {
        let outputs = glwe_dimension.0 + 1;
        (
            outputs * decomposer.level_count().0,
            outputs,
            polynomial_size.0 / 2,
        )
    }

    /// `(k + 1)²·ℓ`: the number of polynomials, in the order [`Self::from_fourier_data`] takes
    /// them and [`Self::copy_polynomial`] numbers them.
    pub fn polynomial_count(&self) -> usize {
        let (rows, outputs, _) =
            Self::shape(self.glwe_dimension, self.polynomial_size, self.decomposer);
        rows * outputs
    }

    /// Writes polynomial number `index` (`r·(k + 1) + c` for polynomial `c` of row `r`, the row
    /// of level `j` of component `i` being `r = i·ℓ + j − 1`) into `out` (`N/2` values, in the
    /// plan's order): the inverse of the interleaving, for serialization and inspection.
    ///
    /// # Panics
    /// If `index ≥` [`Self::polynomial_count`] or `out.len() ≠ N/2`.
    pub fn copy_polynomial(&self, index: usize, out: &mut [c64]) {
        let (rows, outputs, half) =
            Self::shape(self.glwe_dimension, self.polynomial_size, self.decomposer);
        assert!(
            index < rows * outputs && out.len() == half,
            "polynomial index"
        );
        let (r, c) = (index / outputs, index % outputs);
        for (f, o) in out.iter_mut().enumerate() {
            *o = self.data[pair_interleaved_index(rows, outputs, r, c, f)];
        }
    }

    /// The Fourier values in the pair-interleaved layout ([`crate::fft::pair_interleaved_index`]
    /// with `(k + 1)·ℓ` rows and `k + 1` outputs), as [`crate::fft::fourier_dot`] reads them.
    pub fn as_slice(&self) -> &[c64] {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use torus::{DecompositionBaseLog, DecompositionLevelCount};

    /// The interleaving is a bijection, and `copy_polynomial` undoes `from_fourier_data`.
    #[test]
    fn interleaving_round_trips_every_polynomial() {
        for (k, n, levels) in [(1, 8, 1), (3, 16, 2), (2, 4, 3)] {
            let decomposer = SignedDecomposer::<u64>::new(
                DecompositionBaseLog(4),
                DecompositionLevelCount(levels),
            )
            .expect("valid decomposition");
            let (glwe, size) = (GlweDimension(k), PolynomialSize(n));
            let len = FourierGgswCiphertext::fourier_len(glwe, size, decomposer).expect("small");
            let data: Vec<c64> = (0..len).map(|i| c64::new(i as f64, -(i as f64))).collect();
            let ggsw = FourierGgswCiphertext::from_fourier_data(&data, glwe, size, decomposer)
                .expect("valid shape");
            let mut seen = vec![false; len];
            for v in ggsw.as_slice() {
                let i = v.re as usize;
                assert!(!seen[i], "value {i} stored twice");
                seen[i] = true;
            }
            let half = n / 2;
            let mut polynomial = vec![c64::default(); half];
            for (index, expected) in data.chunks_exact(half).enumerate() {
                ggsw.copy_polynomial(index, &mut polynomial);
                assert_eq!(polynomial, expected, "k = {k}, N = {n}, polynomial {index}");
            }
        }
    }
}
