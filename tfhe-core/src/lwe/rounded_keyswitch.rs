//! Key switching with a key rounded to 32-bit words, for ciphertexts of a wider torus.
//!
//! Key switching reads the whole key once per switch (`n_in·ℓ·(n_out + 1)` words: 57.4 MiB of
//! `u64` at `SHE_MNIST`'s `2048 → 918`, `2^4 × 4`), so it is bound by memory bandwidth, and on
//! AVX2 a 64-bit product takes three multiplications where eight 32-bit lanes take one. Yet the
//! low 32 bits of every key word lie far below the key's own noise (`TUniform 2^45` there), and
//! the modulus switch that follows keeps only `log2(2N) = 12` bits. So the key can be stored
//! *rounded*: `K' = round(K / 2^(w−32)) mod 2^32` for each word of a `w`-bit key.
//!
//! **Switching.** The digits `d_ij` are those of the input at its own width (the same
//! [`torus::SignedDecomposer`] as an unrounded key uses), and the key words act as
//! `2^(w−32)·K'`. Since every key word is then a multiple of `2^(w−32)`, the sums only touch the
//! top 32 bits of each output word:
//!
//! ```text
//! c' = (0, b) − Σ_i Σ_j d_ij · 2^(w−32)·K'[i][j]
//!    = 2^(w−32) · ((0, b_hi) − Σ_i Σ_j d_ij · K'[i][j]  mod 2^32)  +  (0, b_lo)
//! ```
//!
//! with `b = b_hi·2^(w−32) + b_lo`: the sums run on 32-bit words, eight to a register, over half
//! the bytes ([`LweKeyswitchKey::keyswitch_from_wider`]). The result is bit for bit the switch of
//! [`LweKeyswitchKey::keyswitch`] with the `w`-bit key `2^(w−32)·K'` (tested).
//!
//! **Noise.** Each key ciphertext `2^(w−32)·K'[i][j]` encrypts the same plaintext as `K[i][j]`,
//! with its error grown by the rounding errors `r` of its body and of its `n_out` mask words
//! (uniform on `2^(w−32)` integers, independent of everything else):
//!
//! ```text
//! V_ksk' = V_ksk + (1 + n_out/2) · (2^(−64) − 2^(−2w)) / 12
//! ```
//!
//! — a modulus switch of the key ciphertexts from `2^w` to `2^32`
//! ([`crate::noise::keyswitch_key_variance`]). At `SHE_MNIST` that adds `2^-58.7` to
//! `V_ksk = 2^-39.6`, nothing that shows in any failure probability.
//!
//! **Security.** The rounded key is a public function of the `w`-bit key, so whoever holds it
//! learns nothing that the `w`-bit key (checked against the 128-bit curve with the set's `n` and
//! noise) would not tell them.

use super::ciphertext::LweCiphertext;
use super::keyswitch::LweKeyswitchKey;
use crate::dimensions::{DecompositionBaseLog, DecompositionLevelCount, LweDimension};
use crate::error::TfheError;
use torus::{Container, ContainerMut, SignedDecomposer, Torus};

impl LweKeyswitchKey<Vec<u32>> {
    /// Rounds every word of a `w`-bit key to its top 32 bits, `round(K / 2^(w−32)) mod 2^32`
    /// (ties up): the key of [`Self::keyswitch_from_wider`]. A 32-bit key is copied as it is.
    ///
    /// # Errors
    /// If the decomposition does not fit a 32-bit word (`β·ℓ > 32`).
    pub fn rounded_from<T: Torus, C: Container<Element = T>>(
        key: &LweKeyswitchKey<C>,
    ) -> Result<Self, TfheError> {
        let drop = T::BITS - 32;
        let rounded = key
            .as_slice()
            .iter()
            .map(|&word| {
                let word = word.to_u64();
                let half = if drop == 0 { 0 } else { 1u64 << (drop - 1) };
                (word.wrapping_add(half) >> drop) as u32
            })
            .collect();
        Self::from_container(
            rounded,
            key.input_dimension(),
            key.output_dimension(),
            key.base_log(),
            key.level_count(),
        )
    }
}

impl<C: Container<Element = u32>> LweKeyswitchKey<C> {
    /// Switches `input`, a ciphertext of a `w`-bit torus (`w ≥ 32`) under the input key, into
    /// `output` under the output key, with this key's words standing for the top 32 bits of a
    /// `w`-bit key (see the module documentation: the same result as [`Self::keyswitch`] with
    /// the key `2^(w−32)·K'`). Allocates nothing: the 32-bit sums run in the lower half of
    /// `output`'s own words and are widened in place at the end.
    ///
    /// # Panics
    /// If the ciphertext dimensions do not match the key.
    pub fn keyswitch_from_wider<T, I, O>(
        &self,
        output: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
    ) where
        T: Torus,
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        assert_eq!(
            input.lwe_dimension(),
            self.input_dimension(),
            "input dimension"
        );
        assert_eq!(
            output.lwe_dimension(),
            self.output_dimension(),
            "output dimension"
        );
        let drop = T::BITS - 32;
        let body = input.body().to_u64();
        let size = self.output_dimension().to_lwe_size();
        let levels = self.level_count().0;
        // The input's own decomposition (β·ℓ ≤ 32 ≤ w, valid since this key's is).
        let decomposer = SignedDecomposer::<T>::new(self.base_log(), self.level_count())
            .expect("a 32-bit decomposition is valid at any wider width");
        let key = self.as_slice();
        let words: &mut [u32] = bytemuck::cast_slice_mut(output.as_mut_slice());
        // Words 0..size of the 32-bit view hold the top halves while summing.
        let top = &mut words[..size];
        top.fill(0);
        top[size - 1] = (body >> drop) as u32;
        let mut digits = [0i64; 64];
        for (i, &a_i) in input.mask().iter().enumerate() {
            for (level, digit) in decomposer.iter(a_i) {
                digits[level - 1] = digit;
            }
            let rows = &key[i * levels * size..(i + 1) * levels * size];
            crate::kernels::sub_scaled_rows(top, rows, &digits[..levels]);
        }
        widen_in_place::<T>(words, size, body);
    }
}

/// `out[j] ← top[j]·2^(w−32)` for `j < size`, where `top` is the first `size` words of the
/// 32-bit view `words` of `out` itself, plus `b_lo` (the input body's low `w − 32` bits) in the
/// body. Backwards, so that no top half is overwritten before it is read: word `j` of `out`
/// covers 32-bit words `j·r .. (j + 1)·r` (`r = w/32`), all at or after `j`.
fn widen_in_place<T: Torus>(words: &mut [u32], size: usize, body: u64) {
    let ratio = (T::BITS / 32) as usize;
    if ratio == 1 {
        return; // 32-bit ciphertexts: the sums are the result.
    }
    let drop = T::BITS - 32;
    let low_mask = (1u64 << drop) - 1;
    for j in (0..size).rev() {
        let low = if j == size - 1 { body & low_mask } else { 0 };
        let value = T::from_u64_wrapping((u64::from(words[j]) << drop) | low);
        let bytes = bytemuck::bytes_of(&value);
        bytemuck::cast_slice_mut::<u32, u8>(&mut words[j * ratio..(j + 1) * ratio])
            .copy_from_slice(bytes);
    }
}

/// Whether a key-switching key of `word_bits`-bit words can switch ciphertexts of `T`: words of
/// `T`'s own width, or 32-bit words of a wider torus.
pub fn supported_word_bits<T: Torus>(word_bits: u32) -> bool {
    word_bits == T::BITS || (word_bits == 32 && T::BITS > 32)
}

/// The error for a key-switching word width that [`supported_word_bits`] refuses.
pub const UNSUPPORTED_WORD_BITS: TfheError =
    TfheError::InconsistentKeys("key-switching words must be 32 bits or the torus width");

/// The key-switching key of a parameter set: at the ciphertexts' own width, or rounded to
/// 32-bit words for a wider torus (`ParameterSet::ks_torus_bits`, this module's documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvaluationKeyswitchKey<T: Torus> {
    /// Words of the ciphertexts' width.
    Native(LweKeyswitchKey<Vec<T>>),
    /// The top 32 bits of each word of a wider key.
    Rounded32(LweKeyswitchKey<Vec<u32>>),
}

impl<T: Torus> EvaluationKeyswitchKey<T> {
    /// Switches `input` (under the input key) into `output` (under the output key); noise as
    /// [`crate::lwe::keyswitch`] says, with the key variance of
    /// [`crate::noise::keyswitch_key_variance`]. Allocates nothing.
    ///
    /// # Panics
    /// If the ciphertext dimensions do not match the key.
    pub fn keyswitch<I, O>(&self, output: &mut LweCiphertext<O>, input: &LweCiphertext<I>)
    where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        match self {
            Self::Native(key) => key.keyswitch(output, input),
            Self::Rounded32(key) => key.keyswitch_from_wider(output, input),
        }
    }

    /// The width of the key's words in bits: `T::BITS`, or 32 when rounded.
    pub fn word_bits(&self) -> u32 {
        match self {
            Self::Native(_) => T::BITS,
            Self::Rounded32(_) => 32,
        }
    }

    /// `n_in`.
    pub fn input_dimension(&self) -> LweDimension {
        match self {
            Self::Native(key) => key.input_dimension(),
            Self::Rounded32(key) => key.input_dimension(),
        }
    }

    /// `n_out`.
    pub fn output_dimension(&self) -> LweDimension {
        match self {
            Self::Native(key) => key.output_dimension(),
            Self::Rounded32(key) => key.output_dimension(),
        }
    }

    /// The number of words, `n_in·ℓ·(n_out + 1)`.
    pub fn word_count(&self) -> usize {
        match self {
            Self::Native(key) => key.as_slice().len(),
            Self::Rounded32(key) => key.as_slice().len(),
        }
    }

    /// The size of the key in bytes: [`Self::word_count`] words of [`Self::word_bits`].
    pub fn byte_len(&self) -> usize {
        self.word_count() * (self.word_bits() / 8) as usize
    }

    /// `(β, ℓ)`.
    pub fn decomposition(&self) -> (DecompositionBaseLog, DecompositionLevelCount) {
        match self {
            Self::Native(key) => (key.base_log(), key.level_count()),
            Self::Rounded32(key) => (key.base_log(), key.level_count()),
        }
    }

    /// The key in the form `ks_torus_bits` asks for: `key` itself for `ks_torus_bits = w`, or
    /// rounded to 32 bits for `ks_torus_bits = 32 < w`.
    ///
    /// # Errors
    /// For another width, or a decomposition that does not fit 32 bits.
    pub fn from_native(
        key: LweKeyswitchKey<Vec<T>>,
        ks_torus_bits: u32,
    ) -> Result<Self, TfheError> {
        if !supported_word_bits::<T>(ks_torus_bits) {
            Err(UNSUPPORTED_WORD_BITS)
        } else if ks_torus_bits == T::BITS {
            Ok(Self::Native(key))
        } else {
            Ok(Self::Rounded32(LweKeyswitchKey::rounded_from(&key)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lwe::LweSecretKey;
    use proptest::prelude::*;
    use torus::{Csprng, EncryptionRng, NoiseDistribution, Seed};

    /// Keys `n_in → n_out` at `2^β × ℓ` with a 64-bit key, and the same key rounded.
    fn keys(
        (n_in, n_out): (usize, usize),
        (base_log, levels): (u32, usize),
        seed: u64,
    ) -> (LweKeyswitchKey<Vec<u64>>, LweKeyswitchKey<Vec<u32>>) {
        let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
        let sk_in = LweSecretKey::<u64>::generate(LweDimension(n_in), &mut rng);
        let sk_out = LweSecretKey::<u64>::generate(LweDimension(n_out), &mut rng);
        let key = LweKeyswitchKey::generate(
            &sk_in,
            &sk_out,
            DecompositionBaseLog(base_log),
            DecompositionLevelCount(levels),
            NoiseDistribution::TUniform { bound_log2: 40 },
            &mut EncryptionRng::insecure_from_u64(seed + 1),
        )
        .unwrap();
        let rounded = LweKeyswitchKey::rounded_from(&key).unwrap();
        (key, rounded)
    }

    /// The oracle: the rounded words put back at the top of 64-bit words, `2^32·K'`, as an
    /// ordinary 64-bit key.
    fn widened(rounded: &LweKeyswitchKey<Vec<u32>>) -> LweKeyswitchKey<Vec<u64>> {
        LweKeyswitchKey::from_container(
            rounded
                .as_slice()
                .iter()
                .map(|&w| u64::from(w) << 32)
                .collect(),
            rounded.input_dimension(),
            rounded.output_dimension(),
            rounded.base_log(),
            rounded.level_count(),
        )
        .unwrap()
    }

    #[test]
    fn rounding_is_to_nearest_with_ties_up() {
        let (key, rounded) = keys((4, 3), (4, 3), 1);
        for (&w, &r) in key.as_slice().iter().zip(rounded.as_slice()) {
            let error = w.wrapping_sub(u64::from(r) << 32) as i64;
            assert!((-(1 << 31)..(1 << 31)).contains(&error), "{w:#x} → {r:#x}");
        }
        let tie = LweKeyswitchKey::from_container(
            vec![(1u64 << 31) - 1, 1 << 31, u64::MAX, 0x1_8000_0000],
            LweDimension(1),
            LweDimension(1),
            DecompositionBaseLog(4),
            DecompositionLevelCount(2),
        )
        .unwrap();
        let r = LweKeyswitchKey::rounded_from(&tie).unwrap();
        assert_eq!(r.as_slice(), &[0, 1, 0, 2]);
        // A 32-bit key is copied as it is.
        let words: Vec<u32> = (0..8).map(|i| 0x9e37_79b9u32.wrapping_mul(i)).collect();
        let k32 = LweKeyswitchKey::from_container(
            words.clone(),
            LweDimension(2),
            LweDimension(1),
            DecompositionBaseLog(4),
            DecompositionLevelCount(2),
        )
        .unwrap();
        assert_eq!(
            LweKeyswitchKey::rounded_from(&k32).unwrap().as_slice(),
            &words[..]
        );
    }

    #[test]
    fn rounding_rejects_a_decomposition_wider_than_32_bits() {
        let (key, _) = keys((2, 2), (4, 8), 2);
        assert!(LweKeyswitchKey::rounded_from(&key).is_ok());
        let wide = LweKeyswitchKey::from_container(
            vec![0u64; 2 * 9 * 3],
            LweDimension(2),
            LweDimension(2),
            DecompositionBaseLog(4),
            DecompositionLevelCount(9),
        )
        .unwrap();
        assert!(LweKeyswitchKey::rounded_from(&wide).is_err());
        assert!(EvaluationKeyswitchKey::from_native(wide, 32).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Bit for bit the 64-bit switch with the key `2^32·K'`, on arbitrary words (not only
        /// ciphertexts), for output sizes around the SIMD register widths.
        #[test]
        fn switch_equals_the_64_bit_switch_with_the_widened_key(
            seed in any::<u64>(),
            n_out in 1usize..=19,
            shape in prop::sample::select(vec![(4u32, 4usize), (3, 5), (8, 4), (1, 1), (16, 2)]),
            words in prop::collection::vec(any::<u64>(), 13),
            body in any::<u64>(),
        ) {
            let n_in = 12;
            let (_, rounded) = keys((n_in, n_out), shape, seed);
            let oracle = widened(&rounded);
            let mut data = words.clone();
            data[n_in] = body;
            let input = LweCiphertext::from_container(data).unwrap();
            let mut expected = LweCiphertext::<Vec<u64>>::zero(LweDimension(n_out));
            oracle.keyswitch(&mut expected, &input);
            // The output starts dirty: nothing of it may leak into the result.
            let mut actual =
                LweCiphertext::from_container(vec![0xdead_beef_dead_beef_u64; n_out + 1]).unwrap();
            rounded.keyswitch_from_wider(&mut actual, &input);
            prop_assert_eq!(actual.as_slice(), expected.as_slice());
            // Through the set-level key too.
            let set_key = EvaluationKeyswitchKey::<u64>::Rounded32(rounded.clone());
            let mut again = LweCiphertext::<Vec<u64>>::zero(LweDimension(n_out));
            set_key.keyswitch(&mut again, &input);
            prop_assert_eq!(again.as_slice(), expected.as_slice());
        }
    }

    #[test]
    fn set_level_key_forms() {
        let (key, rounded) = keys((6, 5), (4, 4), 3);
        let native = EvaluationKeyswitchKey::from_native(key.clone(), 64).unwrap();
        assert_eq!((native.word_bits(), native.byte_len()), (64, 6 * 4 * 6 * 8));
        let set_rounded = EvaluationKeyswitchKey::from_native(key.clone(), 32).unwrap();
        assert_eq!(set_rounded, EvaluationKeyswitchKey::Rounded32(rounded));
        assert_eq!(
            (set_rounded.word_bits(), set_rounded.byte_len()),
            (32, 6 * 4 * 6 * 4)
        );
        assert_eq!(set_rounded.decomposition(), native.decomposition());
        assert!(EvaluationKeyswitchKey::from_native(key, 16).is_err());
    }
}
