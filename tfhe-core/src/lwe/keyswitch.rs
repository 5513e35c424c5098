//! LWE key switching: from a ciphertext under `s` (dimension `n_in`) to one under `s'`
//! (dimension `n_out`) of the same plaintext.
//!
//! The key-switching key holds, for each input key bit `s_i` and level `j ∈ 1..=ℓ`,
//!
//! ```text
//! KSK[i][j] = LWE_{s'}( s_i · q/B^j )            (n_in · ℓ ciphertexts of dimension n_out)
//! ```
//!
//! and switching `c = (a, b)` decomposes each `a_i` into signed digits `d_ij` (rounded to `ℓ`
//! levels, [`torus::SignedDecomposer`]) and computes
//!
//! ```text
//! c' = (0, b) − Σ_i Σ_j d_ij · KSK[i][j]
//! φ_{s'}(c') = b − Σ_i ã_i s_i − Σ d_ij e_ij = φ_s(c) + Σ_i s_i (a_i − ã_i) − Σ d_ij e_ij
//! ```
//!
//! so the output noise adds a rounding term and a key-noise term:
//!
//! ```text
//! V_out = V_in + n_in · E[s²] · Var(a − ã) + n_in · ℓ · E[d²] · V_ksk
//!       = V_in + n_in/2 · (B^(−2ℓ) − q^(−2))/12 + n_in · ℓ · (B² + 2)/12 · V_ksk
//! ```
//!
//! ([`crate::noise::keyswitch_variance`]; Chillotti et al., J. Cryptology 2020, Thm. 4.1 gives
//! the same law for the un-balanced decomposition.) A key of 64-bit words can also be stored
//! rounded to 32 bits, which halves what a switch reads: [`super::rounded_keyswitch`].

use super::ciphertext::LweCiphertext;
use super::ciphertext_list::LweCiphertextList;
use super::secret_key::LweSecretKey;
use crate::dimensions::{DecompositionBaseLog, DecompositionLevelCount, LweDimension};
use crate::error::TfheError;
use rayon::prelude::*;
use torus::{Container, ContainerMut, EncryptionRng, NoiseDistribution, SignedDecomposer, Torus};

/// A key-switching key from an `n_in`-key to an `n_out`-key, over any container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweKeyswitchKey<C: Container>
where
    C::Element: Torus,
{
    data: C,
    input_dimension: LweDimension,
    output_dimension: LweDimension,
    decomposer: SignedDecomposer<C::Element>,
}

impl<T: Torus> LweKeyswitchKey<Vec<T>> {
    /// Generates the key switching `input_key → output_key`, with `n_in` rayon tasks each drawing
    /// from its own fork of `rng` (so the result is reproducible from a seed).
    ///
    /// Cost: `n_in · ℓ` encryptions of dimension `n_out`.
    pub fn generate(
        input_key: &LweSecretKey<T>,
        output_key: &LweSecretKey<T>,
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
        noise: NoiseDistribution,
        rng: &mut EncryptionRng,
    ) -> Result<Self, TfheError> {
        noise.validate::<T>()?;
        let decomposer = SignedDecomposer::<T>::new(base_log, level_count)?;
        let input_dimension = input_key.dimension();
        let output_dimension = output_key.dimension();
        let block = level_count.0 * output_dimension.to_lwe_size();
        let mut data = vec![T::ZERO; input_dimension.0 * block];
        let rngs = rng.fork_many(input_dimension.0);
        data.par_chunks_exact_mut(block)
            .zip(input_key.bits().par_iter())
            .zip(rngs)
            .for_each(|((chunk, &s_i), mut task_rng)| {
                let mut list = LweCiphertextList::from_container(chunk, output_dimension)
                    .expect("block is ℓ ciphertexts");
                for (j, mut ct) in list.iter_mut().enumerate() {
                    let plaintext = s_i.wrapping_mul(decomposer.gadget(j + 1));
                    output_key.encrypt_into(&mut ct, plaintext, noise, &mut task_rng);
                }
            });
        Ok(Self {
            data,
            input_dimension,
            output_dimension,
            decomposer,
        })
    }
}

impl<T: Torus, C: Container<Element = T>> LweKeyswitchKey<C> {
    /// Wraps a container of `n_in · ℓ · (n_out + 1)` elements laid out as [`Self::generate`] does.
    pub fn from_container(
        data: C,
        input_dimension: LweDimension,
        output_dimension: LweDimension,
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
    ) -> Result<Self, TfheError> {
        let decomposer = SignedDecomposer::<T>::new(base_log, level_count)?;
        let expected = input_dimension.0 * level_count.0 * output_dimension.to_lwe_size();
        if data.as_ref().len() != expected {
            return Err(TfheError::LengthMismatch {
                what: "LWE key-switching key",
                expected,
                found: data.as_ref().len(),
            });
        }
        Ok(Self {
            data,
            input_dimension,
            output_dimension,
            decomposer,
        })
    }

    /// `n_in`.
    pub fn input_dimension(&self) -> LweDimension {
        self.input_dimension
    }

    /// `n_out`.
    pub fn output_dimension(&self) -> LweDimension {
        self.output_dimension
    }

    /// `β`.
    pub fn base_log(&self) -> DecompositionBaseLog {
        self.decomposer.base_log()
    }

    /// `ℓ`.
    pub fn level_count(&self) -> DecompositionLevelCount {
        self.decomposer.level_count()
    }

    /// The raw elements.
    pub fn as_slice(&self) -> &[T] {
        self.data.as_ref()
    }

    /// Switches `input` (under the input key) into `output` (under the output key). Allocates
    /// nothing. Noise: see the module documentation.
    ///
    /// # Panics
    /// If the ciphertext dimensions do not match the key.
    pub fn keyswitch<I, O>(&self, output: &mut LweCiphertext<O>, input: &LweCiphertext<I>)
    where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        assert_eq!(
            input.lwe_dimension(),
            self.input_dimension,
            "input dimension"
        );
        assert_eq!(
            output.lwe_dimension(),
            self.output_dimension,
            "output dimension"
        );
        output.fill_trivial(input.body());
        let out = output.as_mut_slice();
        let size = self.output_dimension.to_lwe_size();
        let levels = self.decomposer.level_count().0;
        let key = self.data.as_ref();
        // ℓ ≤ β·ℓ ≤ 64 for a valid decomposition.
        let mut digits = [0i64; 64];
        for (i, &a_i) in input.mask().iter().enumerate() {
            for (level, digit) in self.decomposer.iter(a_i) {
                digits[level - 1] = digit;
            }
            let rows = &key[i * levels * size..(i + 1) * levels * size];
            crate::kernels::sub_scaled_rows(out, rows, &digits[..levels]);
        }
    }

    /// Switches every ciphertext of `inputs` into the matching one of `outputs`, in parallel.
    ///
    /// # Panics
    /// If the lists' lengths or dimensions do not match.
    pub fn par_keyswitch_list<I, O>(
        &self,
        outputs: &mut LweCiphertextList<O>,
        inputs: &LweCiphertextList<I>,
    ) where
        C: Sync,
        I: Container<Element = T> + Sync,
        O: ContainerMut<Element = T>,
    {
        assert_eq!(outputs.len(), inputs.len(), "list lengths");
        outputs
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, mut out)| self.keyswitch(&mut out, &inputs.get(i)));
    }
}
