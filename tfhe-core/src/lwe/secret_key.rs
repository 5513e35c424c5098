//! Binary LWE secret keys.
//!
//! A key is `s ∈ {0, 1}^n`, drawn uniformly from the CSPRNG. It encrypts a plaintext `μ ∈ T_q` as
//!
//! ```text
//! c = (a, b = ⟨a, s⟩ + μ + e),   a ← U(T_q^n) (mask stream),  e ← χ (noise stream)
//! ```
//!
//! and decrypts by the *phase* `φ_s(c) = b − ⟨a, s⟩ = μ + e`, then decoding rounds the noise away.
//! The phase is computed with multiplications by the key bits, never branches on them, so its
//! timing does not depend on the key. The key is zeroized on drop and never printed by `Debug`.

use super::ciphertext::LweCiphertext;
use crate::dimensions::LweDimension;
use crate::error::TfheError;
use torus::{Container, ContainerMut, Csprng, Encoding, EncryptionRng, NoiseDistribution, Torus};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A binary LWE secret key of dimension `n`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct LweSecretKey<T: Torus> {
    bits: Vec<T>,
}

impl<T: Torus> core::fmt::Debug for LweSecretKey<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "LweSecretKey {{ dimension: {}, bits: <redacted> }}",
            self.bits.len()
        )
    }
}

impl<T: Torus> LweSecretKey<T> {
    /// A uniformly random binary key from `rng` (which should be seeded by the OS:
    /// [`Csprng::from_os_entropy`]).
    pub fn generate(dimension: LweDimension, rng: &mut Csprng) -> Self {
        let mut bits = vec![T::ZERO; dimension.0];
        rng.fill_binary(&mut bits);
        Self { bits }
    }

    /// A key from explicit bits; every coefficient must be 0 or 1.
    pub fn from_bits(bits: Vec<T>) -> Result<Self, TfheError> {
        if let Some(index) = bits.iter().position(|&b| b != T::ZERO && b != T::ONE) {
            let mut bits = bits;
            bits.zeroize();
            return Err(TfheError::NonBinarySecretKey { index });
        }
        Ok(Self { bits })
    }

    /// `n`.
    pub fn dimension(&self) -> LweDimension {
        LweDimension(self.bits.len())
    }

    /// The key bits `s_0 … s_(n−1)` as torus integers.
    pub fn bits(&self) -> &[T] {
        &self.bits
    }

    /// Encrypts `plaintext` (an already encoded torus element) into `out`.
    ///
    /// Noise: the phase of the result is `plaintext + e` with `Var(e) = Var(χ)`
    /// ([`crate::noise::fresh_variance`]).
    ///
    /// # Panics
    /// If `out` is not of this key's dimension.
    pub fn encrypt_into<C: ContainerMut<Element = T>>(
        &self,
        out: &mut LweCiphertext<C>,
        plaintext: T,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) {
        assert_eq!(
            out.lwe_dimension(),
            self.dimension(),
            "ciphertext dimension"
        );
        let (mask, body) = out.mask_and_body_mut();
        rng.mask().fill_uniform(mask);
        let e: T = noise.sample(rng.noise());
        *body = dot(mask, &self.bits)
            .wrapping_add(plaintext)
            .wrapping_add(e);
    }

    /// Encrypts `plaintext` into a new ciphertext.
    pub fn encrypt(
        &self,
        plaintext: T,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> LweCiphertext<Vec<T>> {
        let mut ct = LweCiphertext::zero(self.dimension());
        self.encrypt_into(&mut ct, plaintext, noise, rng);
        ct
    }

    /// The phase `b − ⟨a, s⟩ = μ + e` (constant time in the key).
    ///
    /// # Panics
    /// If `ct` is not of this key's dimension.
    pub fn phase<C: Container<Element = T>>(&self, ct: &LweCiphertext<C>) -> T {
        assert_eq!(ct.lwe_dimension(), self.dimension(), "ciphertext dimension");
        ct.body().wrapping_sub(dot(ct.mask(), &self.bits))
    }

    /// Decrypts and decodes: `round(φ / Δ) mod p`.
    pub fn decrypt<C: Container<Element = T>>(
        &self,
        ct: &LweCiphertext<C>,
        encoding: &Encoding,
    ) -> u64 {
        encoding.decode(self.phase(ct))
    }
}

/// `⟨a, s⟩ mod q`, branch-free in `s`.
fn dot<T: Torus>(a: &[T], s: &[T]) -> T {
    a.iter().zip(s).fold(T::ZERO, |acc, (&ai, &si)| {
        acc.wrapping_add(ai.wrapping_mul(si))
    })
}
