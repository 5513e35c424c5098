//! GGSW ciphertexts in the Fourier domain: every polynomial of every row transformed once with
//! [`Fft::forward_as_torus`], so that each external product needs only forward transforms of the
//! decomposed input, pointwise products, and `k + 1` backward transforms.

use super::ciphertext::GgswCiphertext;
use crate::dimensions::{GlweDimension, PolynomialSize};
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
