//! The bootstrapping key: GGSW encryptions of the small LWE key's bits under the GLWE key, kept
//! in the Fourier domain.
//!
//! `BSK_i = GGSW_S(s_i)` for `i < n`. Size: `n·(k+1)²·ℓ·N/2` complex values (e.g. `MSG2_CARRY2`:
//! 918 · 4 · 1024 · 16 B ≈ 57 MiB). Generation runs one rayon task per key bit, each with its own
//! fork of the encryption randomness, so a seeded generation is reproducible.

use crate::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use crate::error::TfheError;
use crate::fft::Fft;
use crate::ggsw::{FourierGgswCiphertext, GgswCiphertext};
use crate::glwe::GlweSecretKey;
use crate::lwe::LweSecretKey;
use rayon::prelude::*;
use torus::{EncryptionRng, NoiseDistribution, SignedDecomposer, Torus};

/// A bootstrapping key in the Fourier domain.
#[derive(Clone, Debug)]
pub struct FourierBootstrapKey<T: Torus> {
    ggsws: Vec<FourierGgswCiphertext<T>>,
    glwe_dimension: GlweDimension,
    polynomial_size: PolynomialSize,
    decomposer: SignedDecomposer<T>,
}

impl<T: Torus> FourierBootstrapKey<T> {
    /// Encrypts every bit of `lwe_key` as a GGSW ciphertext under `glwe_key`.
    pub fn generate(
        lwe_key: &LweSecretKey<T>,
        glwe_key: &GlweSecretKey<T>,
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> Result<Self, TfheError> {
        noise.validate::<T>()?;
        let decomposer = SignedDecomposer::<T>::new(base_log, level_count)?;
        let fft = Fft::new(glwe_key.polynomial_size());
        let rngs = rng.fork_many(lwe_key.dimension().0);
        let ggsws = lwe_key
            .bits()
            .par_iter()
            .zip(rngs)
            .map(|(&bit, mut task_rng)| {
                let ggsw = GgswCiphertext::encrypt_constant(
                    glwe_key,
                    bit.to_signed(),
                    base_log,
                    level_count,
                    noise,
                    &mut task_rng,
                )?;
                Ok(FourierGgswCiphertext::from_standard(&ggsw, &fft))
            })
            .collect::<Result<Vec<_>, TfheError>>()?;
        Ok(Self {
            ggsws,
            glwe_dimension: glwe_key.glwe_dimension(),
            polynomial_size: glwe_key.polynomial_size(),
            decomposer,
        })
    }

    /// Assembles a key from its `n` Fourier GGSW ciphertexts (e.g. deserialized ones). They must
    /// all share one GLWE dimension, polynomial size and decomposition, and `n ≥ 1`.
    pub fn from_ggsws(ggsws: Vec<FourierGgswCiphertext<T>>) -> Result<Self, TfheError> {
        let (glwe_dimension, polynomial_size, decomposer) = common_shape(&ggsws)?;
        Ok(Self {
            ggsws,
            glwe_dimension,
            polynomial_size,
            decomposer,
        })
    }

    /// `n`: the dimension of the LWE ciphertexts this key bootstraps.
    pub fn input_lwe_dimension(&self) -> LweDimension {
        LweDimension(self.ggsws.len())
    }

    /// `k·N`: the dimension of the LWE ciphertexts a bootstrap outputs.
    pub fn output_lwe_dimension(&self) -> LweDimension {
        LweDimension(self.glwe_dimension.0 * self.polynomial_size.0)
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

    /// `GGSW(s_i)`.
    pub fn ggsw(&self, i: usize) -> &FourierGgswCiphertext<T> {
        &self.ggsws[i]
    }

    /// The `n` GGSW ciphertexts, `GGSW(s_0), GGSW(s_1), …`.
    pub fn ggsws(&self) -> &[FourierGgswCiphertext<T>] {
        &self.ggsws
    }

    /// Size in bytes of the Fourier data.
    pub fn size_bytes(&self) -> usize {
        self.ggsws.iter().map(|g| g.as_slice().len() * 16).sum()
    }
}

/// The GLWE dimension, polynomial size and decomposition shared by every GGSW ciphertext of a
/// bootstrapping key (of either kind), or an error if there is none or they differ.
pub(crate) fn common_shape<T: Torus>(
    ggsws: &[FourierGgswCiphertext<T>],
) -> Result<(GlweDimension, PolynomialSize, SignedDecomposer<T>), TfheError> {
    let first = ggsws.first().ok_or(TfheError::UnsupportedDimension {
        what: "bootstrapping key LWE dimension",
        value: 0,
    })?;
    let shape = (
        first.glwe_dimension(),
        first.polynomial_size(),
        first.decomposer(),
    );
    let consistent = ggsws
        .iter()
        .all(|g| (g.glwe_dimension(), g.polynomial_size(), g.decomposer()) == shape);
    if !consistent {
        return Err(TfheError::InconsistentKeys(
            "bootstrapping-key GGSW ciphertexts of different shapes or decompositions",
        ));
    }
    Ok(shape)
}
