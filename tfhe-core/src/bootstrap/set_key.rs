//! The bootstrapping key a parameter set calls for: classic or multi-bit
//! ([`crate::params::BlindRotation`]), behind one type so that evaluation keys, their files and
//! everything above them work with either.

use super::blind_rotation::BlindRotationKey;
use super::key::FourierBootstrapKey;
use super::multi_bit_key::MultiBitBootstrapKey;
use crate::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use crate::error::TfheError;
use crate::fft::Fft;
use crate::ggsw::FourierGgswCiphertext;
use crate::glwe::{GlweCiphertext, GlweSecretKey};
use crate::lwe::LweSecretKey;
use crate::params::BlindRotation;
use dyn_stack::{PodStack, SizeOverflow, StackReq};
use torus::{ContainerMut, EncryptionRng, NoiseDistribution, Torus};

/// A bootstrapping key of either kind. Bootstraps dispatch on the kind once per blind rotation.
#[derive(Clone, Debug)]
pub enum BootstrapKey<T: Torus> {
    /// One `GGSW(s_i)` per key bit.
    Classic(FourierBootstrapKey<T>),
    /// GGSW encryptions of the pair products of the key bits (grouping factor 2).
    MultiBit(MultiBitBootstrapKey<T>),
}

impl<T: Torus> BootstrapKey<T> {
    /// Generates a key of the given kind (see [`FourierBootstrapKey::generate`] and
    /// [`MultiBitBootstrapKey::generate`]).
    pub fn generate(
        kind: BlindRotation,
        lwe_key: &LweSecretKey<T>,
        glwe_key: &GlweSecretKey<T>,
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> Result<Self, TfheError> {
        Ok(match kind {
            BlindRotation::Classic => Self::Classic(FourierBootstrapKey::generate(
                lwe_key,
                glwe_key,
                base_log,
                level_count,
                noise,
                rng,
            )?),
            BlindRotation::MultiBit => Self::MultiBit(MultiBitBootstrapKey::generate(
                lwe_key,
                glwe_key,
                base_log,
                level_count,
                noise,
                rng,
            )?),
        })
    }

    /// Assembles a key of `kind` for `n`-dimensional inputs from its GGSW ciphertexts in key
    /// order (e.g. deserialized ones): `n` of them for a classic key, `3·⌊n/2⌋ + n mod 2` for a
    /// multi-bit key, all of one shape.
    pub fn from_ggsws(
        kind: BlindRotation,
        input_lwe_dimension: LweDimension,
        ggsws: Vec<FourierGgswCiphertext<T>>,
    ) -> Result<Self, TfheError> {
        let expected = ggsw_count(kind, input_lwe_dimension).unwrap_or(usize::MAX);
        if ggsws.len() != expected {
            return Err(TfheError::LengthMismatch {
                what: "bootstrapping-key GGSW ciphertexts",
                expected,
                found: ggsws.len(),
            });
        }
        Ok(match kind {
            BlindRotation::Classic => Self::Classic(FourierBootstrapKey::from_ggsws(ggsws)?),
            BlindRotation::MultiBit => Self::MultiBit(MultiBitBootstrapKey::from_ggsws(
                input_lwe_dimension,
                ggsws,
            )?),
        })
    }

    /// The kind of key.
    pub fn blind_rotation(&self) -> BlindRotation {
        match self {
            Self::Classic(_) => BlindRotation::Classic,
            Self::MultiBit(_) => BlindRotation::MultiBit,
        }
    }

    /// Every GGSW ciphertext of the key, in key order (the order of [`Self::from_ggsws`]).
    pub fn ggsws(&self) -> &[FourierGgswCiphertext<T>] {
        match self {
            Self::Classic(key) => key.ggsws(),
            Self::MultiBit(key) => key.ggsws(),
        }
    }

    /// Size in bytes of the Fourier data.
    pub fn size_bytes(&self) -> usize {
        self.ggsws().iter().map(|g| g.as_slice().len() * 16).sum()
    }
}

/// The number of GGSW ciphertexts of a key of `kind` for `n`-dimensional inputs (`None` if it
/// overflows `usize`).
pub fn ggsw_count(kind: BlindRotation, input_lwe_dimension: LweDimension) -> Option<usize> {
    let n = input_lwe_dimension.0;
    match kind {
        BlindRotation::Classic => Some(n),
        BlindRotation::MultiBit => (n / 2).checked_mul(3).map(|v| v + n % 2),
    }
}

impl<T: Torus> BlindRotationKey<T> for BootstrapKey<T> {
    fn input_lwe_dimension(&self) -> LweDimension {
        match self {
            Self::Classic(key) => key.input_lwe_dimension(),
            Self::MultiBit(key) => key.input_lwe_dimension(),
        }
    }

    fn glwe_dimension(&self) -> GlweDimension {
        match self {
            Self::Classic(key) => key.glwe_dimension(),
            Self::MultiBit(key) => key.glwe_dimension(),
        }
    }

    fn polynomial_size(&self) -> PolynomialSize {
        match self {
            Self::Classic(key) => key.polynomial_size(),
            Self::MultiBit(key) => key.polynomial_size(),
        }
    }

    fn blind_rotate_scratch_requirement(&self, fft: &Fft) -> Result<StackReq, SizeOverflow> {
        match self {
            Self::Classic(key) => key.blind_rotate_scratch_requirement(fft),
            Self::MultiBit(key) => key.blind_rotate_scratch_requirement(fft),
        }
    }

    fn blind_rotate_assign<C: ContainerMut<Element = T>>(
        &self,
        acc: &mut GlweCiphertext<C>,
        mask: &[T],
        fft: &Fft,
        stack: PodStack<'_>,
    ) {
        match self {
            Self::Classic(key) => key.blind_rotate_assign(acc, mask, fft, stack),
            Self::MultiBit(key) => key.blind_rotate_assign(acc, mask, fft, stack),
        }
    }
}
