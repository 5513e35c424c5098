//! GLWE secret keys: `k` binary polynomials `S = (S_0, …, S_(k−1)) ∈ B_N[X]^k`.
//!
//! A GLWE ciphertext of `M ∈ R_q = Z_q[X]/(X^N + 1)` is
//!
//! ```text
//! (A_0, …, A_(k−1), B = Σ_i A_i·S_i + M + E),   A_i ← U(R_q),  E ← χ^N
//! ```
//!
//! and its phase is `B − Σ_i A_i·S_i = M + E`. Flattening the key's `k·N` coefficients gives the
//! LWE key under which [sample extraction](mod@super::sample_extract) produces ciphertexts. Zeroized on
//! drop; `Debug` redacts the bits.

use super::ciphertext::GlweCiphertext;
use crate::dimensions::{GlweDimension, LweDimension, PolynomialSize};
use crate::error::TfheError;
use crate::fft::add_exact_product_with_binary;
use crate::lwe::LweSecretKey;
use torus::{Container, ContainerMut, Csprng, EncryptionRng, NoiseDistribution, Torus};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A binary GLWE secret key.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct GlweSecretKey<T: Torus> {
    bits: Vec<T>,
    #[zeroize(skip)]
    polynomial_size: PolynomialSize,
}

impl<T: Torus> core::fmt::Debug for GlweSecretKey<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "GlweSecretKey {{ k: {}, N: {}, bits: <redacted> }}",
            self.glwe_dimension().0,
            self.polynomial_size.0
        )
    }
}

impl<T: Torus> GlweSecretKey<T> {
    /// A uniformly random binary key.
    pub fn generate(k: GlweDimension, n: PolynomialSize, rng: &mut Csprng) -> Self {
        let mut bits = vec![T::ZERO; k.0 * n.0];
        rng.fill_binary(&mut bits);
        Self {
            bits,
            polynomial_size: n,
        }
    }

    /// A key from explicit bits: the `k·N` coefficients of `S_0, …, S_(k−1)`, polynomial after
    /// polynomial (the order of [`Self::bits`]). Every coefficient must be 0 or 1, `N` must be
    /// non-zero and the length a non-zero multiple of `N`. On error the rejected bits are zeroized.
    pub fn from_bits(bits: Vec<T>, polynomial_size: PolynomialSize) -> Result<Self, TfheError> {
        let mut bits = bits;
        if polynomial_size.0 == 0 {
            bits.zeroize();
            return Err(TfheError::UnsupportedDimension {
                what: "GLWE secret key polynomial size",
                value: 0,
            });
        }
        if bits.is_empty() || !bits.len().is_multiple_of(polynomial_size.0) {
            let found = bits.len();
            bits.zeroize();
            return Err(TfheError::UnsupportedDimension {
                what: "GLWE secret key length (must be a non-zero multiple of N)",
                value: found,
            });
        }
        if let Some(index) = bits.iter().position(|&b| b != T::ZERO && b != T::ONE) {
            bits.zeroize();
            return Err(TfheError::NonBinarySecretKey { index });
        }
        Ok(Self {
            bits,
            polynomial_size,
        })
    }

    /// All `k·N` key bits, polynomial after polynomial (the flattened LWE key's order).
    pub fn bits(&self) -> &[T] {
        &self.bits
    }

    /// `k`.
    pub fn glwe_dimension(&self) -> GlweDimension {
        GlweDimension(self.bits.len() / self.polynomial_size.0)
    }

    /// `N`.
    pub fn polynomial_size(&self) -> PolynomialSize {
        self.polynomial_size
    }

    /// `S_i`.
    pub fn polynomial(&self, i: usize) -> &[T] {
        &self.bits[i * self.polynomial_size.0..(i + 1) * self.polynomial_size.0]
    }

    /// The flattened LWE key of dimension `k·N`: `(S_0[0..N], …, S_(k−1)[0..N])`.
    pub fn to_lwe_secret_key(&self) -> LweSecretKey<T> {
        LweSecretKey::from_bits(self.bits.clone()).expect("GLWE key bits are binary")
    }

    /// `LweDimension(k·N)`.
    pub fn lwe_dimension(&self) -> LweDimension {
        LweDimension(self.bits.len())
    }

    /// Encrypts the plaintext polynomial `message` (already encoded) into `out`.
    ///
    /// Noise: every coefficient of the phase is `M_j + E_j` with `Var(E_j) = Var(χ)`.
    ///
    /// # Panics
    /// On dimension mismatch.
    pub fn encrypt_into<C: ContainerMut<Element = T>>(
        &self,
        out: &mut GlweCiphertext<C>,
        message: &[T],
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) {
        self.check(out);
        let k = self.glwe_dimension().0;
        let (masks, body) = out.masks_and_body_mut();
        rng.mask().fill_uniform(masks);
        body.copy_from_slice(message);
        noise.add_samples(rng.noise(), body);
        for i in 0..k {
            let mask = &masks[i * self.polynomial_size.0..(i + 1) * self.polynomial_size.0];
            add_exact_product_with_binary(body, mask, self.polynomial(i));
        }
    }

    /// The phase `B − Σ A_i·S_i = M + E`, computed exactly, into `out` (`N` coefficients).
    ///
    /// # Panics
    /// On dimension mismatch.
    pub fn phase_into<C: Container<Element = T>>(&self, out: &mut [T], ct: &GlweCiphertext<C>) {
        self.check(ct);
        let n = self.polynomial_size.0;
        let mut sum = vec![T::ZERO; n];
        for i in 0..self.glwe_dimension().0 {
            add_exact_product_with_binary(&mut sum, ct.polynomial(i), self.polynomial(i));
        }
        for ((o, &b), &s) in out.iter_mut().zip(ct.body()).zip(&sum) {
            *o = b.wrapping_sub(s);
        }
    }

    fn check<C: Container<Element = T>>(&self, ct: &GlweCiphertext<C>) {
        assert_eq!(
            ct.polynomial_size(),
            self.polynomial_size,
            "polynomial size"
        );
        assert_eq!(ct.glwe_dimension(), self.glwe_dimension(), "GLWE dimension");
    }
}
