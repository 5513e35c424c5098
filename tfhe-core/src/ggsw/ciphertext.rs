//! GGSW ciphertexts: the gadget-structured encryptions that make the external product possible.
//!
//! A GGSW encryption of an integer polynomial `M` under the GLWE key `S` (dimension `k`), with the
//! gadget `g = (q/B, …, q/B^ℓ)`, is `(k + 1)·ℓ` GLWE ciphertexts: row `(i, j)`, `i ∈ 0..=k`,
//! `j ∈ 1..=ℓ`, is a fresh GLWE encryption of zero plus `M·q/B^j` added to its `i`-th polynomial
//! (a mask polynomial for `i < k`, the body for `i = k`). Its phase is therefore
//! `−M·S_i·q/B^j + E` for `i < k` and `M·q/B^j + E` for the body rows.
//!
//! Layout: rows in order `(0, 1), (0, 2), …, (0, ℓ), (1, 1), …, (k, ℓ)`, each row `(k + 1)·N`
//! elements.

use crate::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, PolynomialSize,
};
use crate::error::TfheError;
use crate::glwe::{GlweCiphertext, GlweSecretKey};
use torus::{Container, ContainerMut, EncryptionRng, NoiseDistribution, SignedDecomposer, Torus};

/// A GGSW ciphertext in the standard (coefficient) domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GgswCiphertext<C: Container>
where
    C::Element: Torus,
{
    data: C,
    glwe_dimension: GlweDimension,
    polynomial_size: PolynomialSize,
    decomposer: SignedDecomposer<C::Element>,
}

impl<T: Torus> GgswCiphertext<Vec<T>> {
    /// Encrypts the integer polynomial `message` (small integers in two's complement; a constant
    /// polynomial for bootstrapping-key bits).
    ///
    /// Noise: every row is a fresh GLWE encryption, variance `Var(χ)` per coefficient.
    pub fn encrypt(
        key: &GlweSecretKey<T>,
        message: &[T],
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> Result<Self, TfheError> {
        noise.validate::<T>()?;
        let decomposer = SignedDecomposer::<T>::new(base_log, level_count)?;
        let k = key.glwe_dimension();
        let n = key.polynomial_size();
        if message.len() != n.0 {
            return Err(TfheError::LengthMismatch {
                what: "GGSW message",
                expected: n.0,
                found: message.len(),
            });
        }
        let row_len = (k.0 + 1) * n.0;
        let levels = level_count.0;
        let mut data = vec![T::ZERO; (k.0 + 1) * levels * row_len];
        let zero = vec![T::ZERO; n.0];
        for (r, row) in data.chunks_exact_mut(row_len).enumerate() {
            let (i, j) = (r / levels, r % levels + 1);
            let mut glwe = GlweCiphertext::from_container(row, n).expect("row of (k+1)·N");
            key.encrypt_into(&mut glwe, &zero, noise, rng);
            let g = decomposer.gadget(j);
            for (c, &m) in glwe.polynomial_mut(i).iter_mut().zip(message) {
                *c = c.wrapping_add(m.wrapping_mul(g));
            }
        }
        Ok(Self {
            data,
            glwe_dimension: k,
            polynomial_size: n,
            decomposer,
        })
    }

    /// Encrypts the constant polynomial `m` (e.g. one secret-key bit).
    pub fn encrypt_constant(
        key: &GlweSecretKey<T>,
        m: i64,
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> Result<Self, TfheError> {
        let mut message = vec![T::ZERO; key.polynomial_size().0];
        message[0] = T::from_i64_wrapping(m);
        Self::encrypt(key, &message, base_log, level_count, noise, rng)
    }
}

impl<T: Torus, C: Container<Element = T>> GgswCiphertext<C> {
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

    /// Row `(i, j)`, `i ∈ 0..=k`, `j ∈ 1..=ℓ`, as a GLWE view.
    pub fn row(&self, i: usize, j: usize) -> GlweCiphertext<&[T]> {
        let levels = self.decomposer.level_count().0;
        let row_len = (self.glwe_dimension.0 + 1) * self.polynomial_size.0;
        let r = i * levels + (j - 1);
        GlweCiphertext::from_container(
            &self.data.as_ref()[r * row_len..(r + 1) * row_len],
            self.polynomial_size,
        )
        .expect("row of (k+1)·N")
    }

    /// The raw elements in layout order.
    pub fn as_slice(&self) -> &[T] {
        self.data.as_ref()
    }

    /// Every row in layout order.
    pub fn rows(&self) -> impl Iterator<Item = GlweCiphertext<&[T]>> + '_ {
        let row_len = (self.glwe_dimension.0 + 1) * self.polynomial_size.0;
        self.data.as_ref().chunks_exact(row_len).map(move |row| {
            GlweCiphertext::from_container(row, self.polynomial_size).expect("row of (k+1)·N")
        })
    }
}

impl<T: Torus, C: ContainerMut<Element = T>> GgswCiphertext<C> {
    /// The raw elements, mutably (tests use it to corrupt ciphertexts).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.data.as_mut()
    }
}
