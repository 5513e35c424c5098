//! The two halves of a TFHE key set: [`SecretKeys`] (the client's; decrypts) and
//! [`EvaluationKeys`] (the server's: bootstrapping and key-switching keys, no secret).
//!
//! `EvaluationKeys` holds no secret key and no way to reach one: it is built from public
//! encryptions only, so code that owns only an `EvaluationKeys` cannot decrypt.

use crate::bootstrap::{
    programmable_bootstrap, programmable_bootstrap_batch,
    programmable_bootstrap_batch_scratch_requirement, programmable_bootstrap_scratch_requirement,
    BlindRotationKey, BootstrapJob, BootstrapKey, LookupTable,
};
use crate::error::TfheError;
use crate::fft::Fft;
use crate::glwe::GlweSecretKey;
use crate::lwe::{
    EvaluationKeyswitchKey, LweCiphertext, LweCiphertextList, LweCiphertextOwned, LweKeyswitchKey,
    LweSecretKey,
};
use crate::params::{ParameterSet, PbsOrder};
use dyn_stack::{GlobalPodBuffer, PodStack};
use rayon::prelude::*;
use std::sync::Arc;
use torus::{Container, ContainerMut, Csprng, EncryptionRng, NoiseDistribution, Torus};
use zeroize::ZeroizeOnDrop;

/// The client's keys: the small LWE key, the GLWE key and its flattened (big) LWE form.
///
/// Every key field zeroizes its bits when dropped ([`ZeroizeOnDrop`]), and `Debug` prints the
/// parameter set and dimensions only (each key's `Debug` is redacted). Decryption computes the
/// phase with multiplications by the key bits, never a branch or an index that depends on them.
#[derive(Clone, Debug)]
pub struct SecretKeys<T: Torus> {
    params: ParameterSet,
    small: LweSecretKey<T>,
    glwe: GlweSecretKey<T>,
    big: LweSecretKey<T>,
}

/// Every field holding key bits ([`LweSecretKey`], [`GlweSecretKey`]) zeroizes itself on drop.
impl<T: Torus> ZeroizeOnDrop for SecretKeys<T> {}

fn check_width<T: Torus>(params: &ParameterSet) -> Result<(), TfheError> {
    if params.torus_bits != T::BITS {
        return Err(TfheError::TorusWidthMismatch {
            expected: params.torus_bits,
            found: T::BITS,
        });
    }
    Ok(())
}

impl<T: Torus> SecretKeys<T> {
    /// Fresh binary keys from `rng` (use [`Csprng::from_os_entropy`]).
    pub fn generate(params: &ParameterSet, rng: &mut Csprng) -> Result<Self, TfheError> {
        check_width::<T>(params)?;
        let small = LweSecretKey::generate(params.lwe_dimension, rng);
        let glwe = GlweSecretKey::generate(params.glwe_dimension, params.polynomial_size, rng);
        let big = glwe.to_lwe_secret_key();
        Ok(Self {
            params: *params,
            small,
            glwe,
            big,
        })
    }

    /// Assembles keys from their parts (e.g. deserialized ones): the small LWE key must have
    /// dimension `n` and the GLWE key dimension `k` and polynomial size `N` of `params`; the big
    /// key is derived from the GLWE key.
    pub fn from_parts(
        params: &ParameterSet,
        small: LweSecretKey<T>,
        glwe: GlweSecretKey<T>,
    ) -> Result<Self, TfheError> {
        check_width::<T>(params)?;
        if small.dimension() != params.lwe_dimension {
            return Err(TfheError::LengthMismatch {
                what: "small LWE secret key",
                expected: params.lwe_dimension.0,
                found: small.dimension().0,
            });
        }
        if glwe.glwe_dimension() != params.glwe_dimension
            || glwe.polynomial_size() != params.polynomial_size
        {
            return Err(TfheError::LengthMismatch {
                what: "GLWE secret key (k·N coefficients)",
                expected: params.big_lwe_dimension().0,
                found: glwe.lwe_dimension().0,
            });
        }
        let big = glwe.to_lwe_secret_key();
        Ok(Self {
            params: *params,
            small,
            glwe,
            big,
        })
    }

    /// The parameter set.
    pub fn params(&self) -> &ParameterSet {
        &self.params
    }

    /// The small LWE key (dimension `n`).
    pub fn small_lwe_key(&self) -> &LweSecretKey<T> {
        &self.small
    }

    /// The GLWE key.
    pub fn glwe_key(&self) -> &GlweSecretKey<T> {
        &self.glwe
    }

    /// The flattened GLWE key (dimension `k·N`).
    pub fn big_lwe_key(&self) -> &LweSecretKey<T> {
        &self.big
    }

    /// The key ciphertexts live under between operations (big for KS → PBS, small for PBS → KS).
    pub fn ciphertext_key(&self) -> &LweSecretKey<T> {
        match self.params.order {
            PbsOrder::KeyswitchBootstrap => &self.big,
            PbsOrder::BootstrapKeyswitch => &self.small,
        }
    }

    /// The noise of fresh encryptions under [`Self::ciphertext_key`].
    pub fn ciphertext_noise(&self) -> NoiseDistribution {
        match self.params.order {
            PbsOrder::KeyswitchBootstrap => self.params.glwe_noise,
            PbsOrder::BootstrapKeyswitch => self.params.lwe_noise,
        }
    }

    /// Encrypts an already encoded torus plaintext under the ciphertext key.
    pub fn encrypt_plaintext(
        &self,
        plaintext: T,
        rng: &mut EncryptionRng,
    ) -> LweCiphertextOwned<T> {
        self.ciphertext_key()
            .encrypt(plaintext, self.ciphertext_noise(), rng)
    }

    /// Encrypts `m mod p` with the set's encoding.
    pub fn encrypt(&self, m: u64, rng: &mut EncryptionRng) -> LweCiphertextOwned<T> {
        self.encrypt_plaintext(self.params.encoding().encode(m), rng)
    }

    /// Decrypts and decodes with the set's encoding. No branch or memory access depends on the
    /// key bits ([`LweSecretKey::phase`]); decoding rounds the phase arithmetically.
    pub fn decrypt<C: Container<Element = T>>(&self, ct: &LweCiphertext<C>) -> u64 {
        self.ciphertext_key().decrypt(ct, &self.params.encoding())
    }

    /// Generates the server's keys: the bootstrapping key of the set's kind
    /// ([`crate::params::BlindRotation`]: `n` GGSW ciphertexts of the small key's bits, or
    /// `3·⌊n/2⌋ + n mod 2` of their pair products) and the key-switching key (big → small), in
    /// parallel.
    pub fn generate_evaluation_keys(
        &self,
        rng: &mut EncryptionRng,
    ) -> Result<EvaluationKeys<T>, TfheError> {
        let p = &self.params;
        let bsk = BootstrapKey::generate(
            p.blind_rotation,
            &self.small,
            &self.glwe,
            p.pbs_base_log,
            p.pbs_level_count,
            p.glwe_noise,
            rng,
        )?;
        EvaluationKeys::from_parts(p, bsk, self.generate_keyswitch_key(rng)?)
    }

    /// The key-switching key in the form the set asks for: generated at the torus width, then
    /// rounded to 32-bit words where `ks_torus_bits` says so.
    fn generate_keyswitch_key(
        &self,
        rng: &mut EncryptionRng,
    ) -> Result<EvaluationKeyswitchKey<T>, TfheError> {
        let p = &self.params;
        let key = LweKeyswitchKey::generate(
            &self.big,
            &self.small,
            p.ks_base_log,
            p.ks_level_count,
            p.lwe_noise,
            rng,
        )?;
        EvaluationKeyswitchKey::from_native(key, p.ks_torus_bits)
    }
}

/// The server's keys: everything needed to bootstrap and key switch, nothing that decrypts.
#[derive(Debug)]
pub struct EvaluationKeys<T: Torus> {
    params: ParameterSet,
    fft: Arc<Fft>,
    bsk: BootstrapKey<T>,
    ksk: EvaluationKeyswitchKey<T>,
    /// The sign table `±1/8` of gate bootstrapping, built once.
    gate_lut: LookupTable<T>,
}

/// Reusable scratch for one thread's bootstraps: sized once by the `*_requirement` functions, so
/// bootstrapping allocates nothing.
pub struct BootstrapBuffers<T: Torus> {
    memory: GlobalPodBuffer,
    /// Between the key switch and the bootstrap (KS → PBS), dimension `n`.
    small: LweCiphertextOwned<T>,
    /// Between the bootstrap and the key switch (PBS → KS), dimension `k·N`.
    big: LweCiphertextOwned<T>,
}

/// Reusable scratch for one thread's batches of up to `batch` bootstraps
/// ([`EvaluationKeys::bootstrap_batch`]).
pub struct BatchBuffers<T: Torus> {
    memory: GlobalPodBuffer,
    batch: usize,
    _torus: core::marker::PhantomData<T>,
}

impl<T: Torus> BatchBuffers<T> {
    /// The largest batch this scratch serves.
    pub fn batch(&self) -> usize {
        self.batch
    }
}

impl<T: Torus> EvaluationKeys<T> {
    /// Assembles evaluation keys from parts (e.g. deserialized ones); checks that they agree
    /// with each other and with the set (dimensions and kind of bootstrapping key).
    pub fn from_parts(
        params: &ParameterSet,
        bsk: BootstrapKey<T>,
        ksk: EvaluationKeyswitchKey<T>,
    ) -> Result<Self, TfheError> {
        check_width::<T>(params)?;
        let consistent = bsk.blind_rotation() == params.blind_rotation
            && bsk.input_lwe_dimension() == params.lwe_dimension
            && bsk.glwe_dimension() == params.glwe_dimension
            && bsk.polynomial_size() == params.polynomial_size
            && ksk.input_dimension() == params.big_lwe_dimension()
            && ksk.output_dimension() == params.lwe_dimension
            && ksk.word_bits() == params.ks_torus_bits
            && ksk.decomposition() == (params.ks_base_log, params.ks_level_count);
        if !consistent {
            return Err(TfheError::InconsistentKeys(
                "bootstrapping or key-switching key dimensions, decompositions or widths differ from \
                 the parameter set",
            ));
        }
        Ok(Self {
            params: *params,
            fft: Fft::new(params.polynomial_size),
            bsk,
            ksk,
            gate_lut: crate::gates::sign_table(params.polynomial_size),
        })
    }

    /// The parameter set.
    pub fn params(&self) -> &ParameterSet {
        &self.params
    }

    /// The bootstrapping key.
    pub fn bootstrap_key(&self) -> &BootstrapKey<T> {
        &self.bsk
    }

    /// The key-switching key (big → small), at the width `ks_torus_bits` says.
    pub fn keyswitch_key(&self) -> &EvaluationKeyswitchKey<T> {
        &self.ksk
    }

    /// The sign table of gate bootstrapping (`+1/8` on `[0, 1/2)`, `−1/8` on `[1/2, 1)`).
    pub fn gate_lookup_table(&self) -> &LookupTable<T> {
        &self.gate_lut
    }

    /// The FFT for this set's polynomial size.
    pub fn fft(&self) -> &Fft {
        &self.fft
    }

    /// A padding-aware lookup table for `f` with the set's encoding on both sides.
    pub fn lookup_table(&self, f: impl Fn(u64) -> u64) -> Result<LookupTable<T>, TfheError> {
        let enc = self.params.encoding();
        LookupTable::from_fn(self.params.polynomial_size, &enc, &enc, f)
    }

    /// Scratch for one thread.
    pub fn buffers(&self) -> BootstrapBuffers<T> {
        let single = programmable_bootstrap_scratch_requirement(&self.bsk, &self.fft);
        let req = match &self.bsk {
            // Also a batch of one job (`bootstrap_job_alone`).
            BootstrapKey::MultiBit(bsk) => single.and_then(|single| {
                single.try_or(programmable_bootstrap_batch_scratch_requirement(
                    bsk, &self.fft, 1,
                )?)
            }),
            BootstrapKey::Classic(_) => single,
        }
        .expect("scratch of a valid parameter set fits in memory");
        BootstrapBuffers {
            memory: GlobalPodBuffer::new(req),
            small: LweCiphertext::zero(self.params.lwe_dimension),
            big: LweCiphertext::zero(self.params.big_lwe_dimension()),
        }
    }

    /// Scratch for one thread's batches of up to `batch ≥ 1` bootstraps.
    pub fn batch_buffers(&self, batch: usize) -> BatchBuffers<T> {
        let batch = batch.max(1);
        let req = match &self.bsk {
            BootstrapKey::MultiBit(bsk) => {
                programmable_bootstrap_batch_scratch_requirement(bsk, &self.fft, batch)
            }
            BootstrapKey::Classic(bsk) => {
                programmable_bootstrap_scratch_requirement(bsk, &self.fft)
            }
        }
        .expect("scratch of a valid parameter set fits in memory");
        BatchBuffers {
            memory: GlobalPodBuffer::new(req),
            batch,
            _torus: core::marker::PhantomData,
        }
    }

    /// A job buffer for [`Self::bootstrap_batch`]: input dimension `n`, output `k·N`.
    pub fn bootstrap_job(&self) -> BootstrapJob<T> {
        BootstrapJob::zero(
            self.params.lwe_dimension,
            self.params.polynomial_size,
            self.params.big_lwe_dimension(),
        )
    }

    /// PBS alone on every job: `job.output` (`k·N`) ← PBS(`job.input` (`n`), `job.lut`). With
    /// a multi-bit key the batch shares one pass over the key
    /// ([`crate::bootstrap::programmable_bootstrap_batch`]); a classic key bootstraps the jobs
    /// one by one. Either way every output is bit-identical to [`Self::bootstrap_only`] on the
    /// job alone.
    ///
    /// # Panics
    /// If there are more jobs than `buffers` serve, or a job's dimensions differ from the set's.
    pub fn bootstrap_batch(&self, jobs: &mut [BootstrapJob<T>], buffers: &mut BatchBuffers<T>) {
        assert!(jobs.len() <= buffers.batch, "batch larger than its scratch");
        self.bootstrap_jobs(jobs, &mut buffers.memory);
    }

    /// The bootstraps of [`Self::bootstrap_batch`] and [`Self::bootstrap_job_alone`] on
    /// caller-sized scratch: one batch with a multi-bit key, one by one with a classic key (which
    /// bootstraps with all of its levels, so a job must not ask for fewer).
    fn bootstrap_jobs(&self, jobs: &mut [BootstrapJob<T>], memory: &mut GlobalPodBuffer) {
        if jobs.is_empty() {
            return;
        }
        match &self.bsk {
            BootstrapKey::MultiBit(bsk) => {
                programmable_bootstrap_batch(jobs, bsk, &self.fft, PodStack::new(memory))
            }
            BootstrapKey::Classic(bsk) => {
                for job in jobs {
                    assert!(
                        job.levels
                            .is_none_or(|l| l == bsk.decomposer().level_count()),
                        "a bootstrap with fewer decomposition levels needs a multi-bit key"
                    );
                    self.pbs(&mut job.output, &job.input, &job.lut, memory);
                }
            }
        }
    }

    /// Whether a [`BootstrapJob`] may ask for fewer decomposition levels than the key has
    /// (`job.levels`): with a multi-bit key ([`crate::fft::LevelPrefixes`]); a classic key
    /// always bootstraps with all of them.
    pub fn supports_fewer_levels(&self) -> bool {
        matches!(self.bsk, BootstrapKey::MultiBit(_))
    }

    /// [`Self::bootstrap_batch`] on one job with the scratch of [`Self::buffers`]: `job.output`
    /// ← PBS(`job.input`, `job.lut`) with `job.levels` of the key's levels, bit-identical to the
    /// job in any batch.
    ///
    /// # Panics
    /// As [`Self::bootstrap_batch`].
    pub fn bootstrap_job_alone(
        &self,
        job: &mut BootstrapJob<T>,
        buffers: &mut BootstrapBuffers<T>,
    ) {
        self.bootstrap_jobs(core::slice::from_mut(job), &mut buffers.memory);
    }

    /// PBS alone: `out` (`k·N`) ← PBS(`input` (`n`), `lut`).
    pub fn bootstrap_only<I, O>(
        &self,
        out: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
        buffers: &mut BootstrapBuffers<T>,
    ) where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        self.pbs(out, input, lut, &mut buffers.memory);
    }

    /// The PBS with this key on caller-provided scratch (split from the buffers so that an
    /// intermediate ciphertext of the same buffers can be the input or the output).
    fn pbs<I, O>(
        &self,
        out: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
        memory: &mut GlobalPodBuffer,
    ) where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        programmable_bootstrap(out, input, lut, &self.bsk, &self.fft, PodStack::new(memory));
    }

    /// KS → PBS: input and output under the big key (`k·N`).
    pub fn keyswitch_bootstrap<I, O>(
        &self,
        out: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
        buffers: &mut BootstrapBuffers<T>,
    ) where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        self.ksk.keyswitch(&mut buffers.small, input);
        self.pbs(out, &buffers.small, lut, &mut buffers.memory);
    }

    /// PBS → KS: input and output under the small key (`n`).
    pub fn bootstrap_keyswitch<I, O>(
        &self,
        out: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
        buffers: &mut BootstrapBuffers<T>,
    ) where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        self.pbs(&mut buffers.big, input, lut, &mut buffers.memory);
        self.ksk.keyswitch(out, &buffers.big);
    }

    /// A bootstrap in the set's order: input and output under the ciphertext key.
    pub fn bootstrap_into<I, O>(
        &self,
        out: &mut LweCiphertext<O>,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
        buffers: &mut BootstrapBuffers<T>,
    ) where
        I: Container<Element = T>,
        O: ContainerMut<Element = T>,
    {
        match self.params.order {
            PbsOrder::KeyswitchBootstrap => self.keyswitch_bootstrap(out, input, lut, buffers),
            PbsOrder::BootstrapKeyswitch => self.bootstrap_keyswitch(out, input, lut, buffers),
        }
    }

    /// A bootstrap in the set's order into a new ciphertext (allocates scratch: for one-off use).
    pub fn bootstrap<I: Container<Element = T>>(
        &self,
        input: &LweCiphertext<I>,
        lut: &LookupTable<T>,
    ) -> LweCiphertextOwned<T> {
        let mut out = LweCiphertext::zero(input.lwe_dimension());
        self.bootstrap_into(&mut out, input, lut, &mut self.buffers());
        out
    }

    /// Bootstraps every ciphertext of a batch in the set's order, in parallel: one scratch per
    /// rayon worker, reused across the ciphertexts it takes.
    pub fn par_bootstrap<I, O>(
        &self,
        outputs: &mut LweCiphertextList<O>,
        inputs: &LweCiphertextList<I>,
        lut: &LookupTable<T>,
    ) where
        I: Container<Element = T> + Sync,
        O: ContainerMut<Element = T>,
    {
        assert_eq!(outputs.len(), inputs.len(), "batch sizes");
        outputs.par_iter_mut().enumerate().for_each_init(
            || self.buffers(),
            |buffers, (i, mut out)| self.bootstrap_into(&mut out, &inputs.get(i), lut, buffers),
        );
    }
}
