//! GGSW ciphertexts in the Fourier domain: every polynomial of every row transformed once with
//! [`Fft::forward_as_torus`], so that each external product needs only forward transforms of the
//! decomposed input, pointwise products, and `k + 1` backward transforms.

use super::ciphertext::GgswCiphertext;
use crate::dimensions::{GlweDimension, PolynomialSize};
use crate::error::TfheError;
use crate::fft::{c64, Fft};
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
        let mut data = vec![c64::default(); standard.len() / 2];
        for (f, poly) in data.chunks_exact_mut(n / 2).zip(standard.chunks_exact(n)) {
            fft.forward_as_torus(f, poly, stack.rb_mut());
        }
        Self {
            data,
            glwe_dimension: ggsw.glwe_dimension(),
            polynomial_size: ggsw.polynomial_size(),
            decomposer: ggsw.decomposer(),
        }
    }

    /// Wraps Fourier values laid out as [`Self::from_standard`] leaves them: `(k + 1)·ℓ` rows of
    /// `k + 1` polynomials, each `N/2` values in the order of [`Fft`]'s plan for `N` (so only
    /// values produced by this process's plan, or reordered for it as
    /// [`crate::serialization`] does, are meaningful).
    ///
    /// Checks the length (`(k + 1)²·ℓ·N/2`) and that `N` is a power of two `≥ 4` and `k ≥ 1`; the
    /// values themselves are taken as given (non-finite ones give meaningless results, never a
    /// panic; [`crate::serialization`] rejects them when reading).
    pub fn from_fourier_data(
        data: Vec<c64>,
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
        Ok(Self {
            data,
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

    /// Row `(i, j)` as `k + 1` consecutive Fourier polynomials of `N/2` values.
    pub fn row(&self, i: usize, j: usize) -> &[c64] {
        let levels = self.decomposer.level_count().0;
        let row_len = (self.glwe_dimension.0 + 1) * self.polynomial_size.0 / 2;
        let r = i * levels + (j - 1);
        &self.data[r * row_len..(r + 1) * row_len]
    }

    /// The Fourier values, for size accounting and serialization.
    pub fn as_slice(&self) -> &[c64] {
        &self.data
    }
}
