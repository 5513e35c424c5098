//! The multi-bit bootstrapping key (grouping factor 2): GGSW encryptions of the products of
//! *pairs* of small-key bits, so that one external product of the blind rotation consumes two
//! mask elements.
//!
//! For each pair `(s_a, s_b) = (s_(2g), s_(2g+1))` the monomial `X^(ã·s_a + b̃·s_b)` is one of
//! `1, X^ã, X^b̃, X^(ã+b̃)`, selected by the indicator products
//!
//! ```text
//! X^(ã·s_a + b̃·s_b) = 1 + s_a·s_b·(X^(ã+b̃) − 1) + s_a·(1 − s_b)·(X^ã − 1) + (1 − s_a)·s_b·(X^b̃ − 1)
//! ```
//!
//! so the key holds, per pair, `GGSW(s_a·s_b)`, `GGSW(s_a·(1 − s_b))`, `GGSW((1 − s_a)·s_b)` in
//! that order (exactly one of them encrypts 1 unless both bits are 0), and for an odd `n` one
//! plain `GGSW(s_(n−1))` for the last bit. Size: `3·⌊n/2⌋ + (n mod 2)` Fourier GGSW ciphertexts,
//! 1.5× the classic key ([`super::FourierBootstrapKey`]); e.g. `MSG2_CARRY2`: 1,377 · 64 KiB ≈
//! 86 MiB.
//!
//! The technique is the "multi-bit" bootstrapping of Bergerat, Boudi, Bourgerie, Chillotti,
//! Ligier, Orfila and Tap, *Parameter optimization and larger precision for (T)FHE*, J. Cryptology
//! 36 (2023), after the unrolled blind rotation of Zhou, Yang, Zhang, Yu and Lyu, *Faster
//! bootstrapping with multiple addends*, IEEE Access 6 (2018). The blind rotation that uses it is
//! [`super::multi_bit_blind_rotate_assign`].

use crate::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use crate::error::TfheError;
use crate::fft::Fft;
use crate::ggsw::{FourierGgswCiphertext, GgswCiphertext};
use crate::glwe::GlweSecretKey;
use crate::lwe::LweSecretKey;
use crate::params::BlindRotation;
use rayon::prelude::*;
use torus::{EncryptionRng, NoiseDistribution, SignedDecomposer, Torus};

/// Key bits consumed per external product.
pub const GROUPING_FACTOR: usize = 2;

/// A multi-bit (grouping factor 2) bootstrapping key in the Fourier domain.
#[derive(Clone, Debug)]
pub struct MultiBitBootstrapKey<T: Torus> {
    /// `3` GGSW ciphertexts per pair of key bits, then one for a last, unpaired bit.
    ggsws: Vec<FourierGgswCiphertext<T>>,
    input_lwe_dimension: LweDimension,
    glwe_dimension: GlweDimension,
    polynomial_size: PolynomialSize,
    decomposer: SignedDecomposer<T>,
}

/// The messages `s_a·s_b`, `s_a·(1 − s_b)`, `(1 − s_a)·s_b` of one pair, by arithmetic on the
/// bits (no branch on the secret).
fn pair_messages(s_a: i64, s_b: i64) -> [i64; 3] {
    [s_a * s_b, s_a * (1 - s_b), (1 - s_a) * s_b]
}

impl<T: Torus> MultiBitBootstrapKey<T> {
    /// Encrypts the pair products of `lwe_key`'s bits (and its last bit when `n` is odd) as GGSW
    /// ciphertexts under `glwe_key`. One rayon task per ciphertext, each with its own fork of the
    /// encryption randomness, so a seeded generation is reproducible.
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
        let bits = lwe_key.bits();
        let mut messages: Vec<i64> = bits
            .chunks_exact(GROUPING_FACTOR)
            .flat_map(|pair| pair_messages(pair[0].to_signed(), pair[1].to_signed()))
            .collect();
        if let [last] = bits.chunks_exact(GROUPING_FACTOR).remainder() {
            messages.push(last.to_signed());
        }
        let rngs = rng.fork_many(messages.len());
        let ggsws = messages
            .par_iter()
            .zip(rngs)
            .map(|(&m, mut task_rng)| {
                let ggsw = GgswCiphertext::encrypt_constant(
                    glwe_key,
                    m,
                    base_log,
                    level_count,
                    noise,
                    &mut task_rng,
                )?;
                Ok(FourierGgswCiphertext::from_standard(&ggsw, &fft))
            })
            .collect::<Result<Vec<_>, TfheError>>();
        zeroize::Zeroize::zeroize(&mut messages);
        Ok(Self {
            ggsws: ggsws?,
            input_lwe_dimension: lwe_key.dimension(),
            glwe_dimension: glwe_key.glwe_dimension(),
            polynomial_size: glwe_key.polynomial_size(),
            decomposer,
        })
    }

    /// Assembles a key for `n`-dimensional inputs from its `3·⌊n/2⌋ + n mod 2` Fourier GGSW
    /// ciphertexts in key order (e.g. deserialized ones), all of one shape.
    pub fn from_ggsws(
        input_lwe_dimension: LweDimension,
        ggsws: Vec<FourierGgswCiphertext<T>>,
    ) -> Result<Self, TfheError> {
        let n = input_lwe_dimension.0;
        let expected = super::set_key::ggsw_count(BlindRotation::MultiBit, input_lwe_dimension)
            .unwrap_or(usize::MAX);
        if n == 0 || ggsws.len() != expected {
            return Err(TfheError::LengthMismatch {
                what: "multi-bit bootstrapping-key GGSW ciphertexts",
                expected,
                found: ggsws.len(),
            });
        }
        let (glwe_dimension, polynomial_size, decomposer) = super::key::common_shape(&ggsws)?;
        Ok(Self {
            ggsws,
            input_lwe_dimension,
            glwe_dimension,
            polynomial_size,
            decomposer,
        })
    }

    /// Every GGSW ciphertext in key order: three per pair, then the unpaired last bit's.
    pub fn ggsws(&self) -> &[FourierGgswCiphertext<T>] {
        &self.ggsws
    }

    /// `n`: the dimension of the LWE ciphertexts this key bootstraps.
    pub fn input_lwe_dimension(&self) -> LweDimension {
        self.input_lwe_dimension
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

    /// `⌈n/2⌉`: the number of groups, i.e. of external products per blind rotation.
    pub fn group_count(&self) -> usize {
        self.input_lwe_dimension.0.div_ceil(GROUPING_FACTOR)
    }

    /// The GGSW ciphertexts of group `g`: `[s_a·s_b, s_a·(1 − s_b), (1 − s_a)·s_b]` for a pair,
    /// `[s_(n−1)]` for the last, unpaired bit of an odd `n`.
    ///
    /// # Panics
    /// If `g ≥ group_count()`.
    pub fn group(&self, g: usize) -> &[FourierGgswCiphertext<T>] {
        let start = 3 * g;
        let len = if start + 3 <= self.ggsws.len() { 3 } else { 1 };
        &self.ggsws[start..start + len]
    }

    /// Size in bytes of the Fourier data.
    pub fn size_bytes(&self) -> usize {
        self.ggsws.iter().map(|g| g.as_slice().len() * 16).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::pair_messages;

    /// Exactly one indicator is 1 for every pair but (0, 0), and the selected rotation is
    /// `ã·s_a + b̃·s_b` (exhaustive over the four pairs).
    #[test]
    fn pair_messages_select_the_rotation() {
        for (s_a, s_b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let m = pair_messages(s_a, s_b);
            assert!(m.iter().all(|&x| x == 0 || x == 1));
            assert_eq!(m.iter().sum::<i64>(), i64::from((s_a, s_b) != (0, 0)));
            // Rotations selected by each indicator, for ã = 3, b̃ = 5.
            let rotation = m[0] * 8 + m[1] * 3 + m[2] * 5;
            assert_eq!(rotation, 3 * s_a + 5 * s_b);
        }
    }
}
