//! Batched programmable bootstrapping: several independent bootstraps with one pass over the
//! bootstrapping key.
//!
//! A multi-bit blind rotation spends most of its time streaming the Fourier key from memory
//! (at `SHE_MNIST`, 1,377 GGSW ciphertexts, 344 MiB per bootstrap). Bootstraps of *different* ciphertexts with the *same* key
//! can share that stream: [`programmable_bootstrap_batch`] runs the steps of
//! [`super::programmable_bootstrap`] for every job of a batch, pair of mask elements by pair,
//! and lets each key group serve every job while it is in cache
//! ([`super::multi_bit_blind_rotate_batch_assign`]). Each output is **bit-identical** to the
//! job's bootstrap on its own, so the noise and the failure probability are those of a single
//! bootstrap; only the memory traffic per bootstrap falls, by the batch size.

use super::lut::LookupTable;
use super::multi_bit_key::MultiBitBootstrapKey;
use super::multi_bit_rotation::{
    multi_bit_blind_rotate_batch_assign, multi_bit_blind_rotate_batch_scratch_requirement,
};
use crate::dimensions::{DecompositionLevelCount, LweDimension, PolynomialSize};
use crate::fft::Fft;
use crate::glwe::{sample_extract, GlweCiphertext};
use crate::lwe::{LweCiphertext, LweCiphertextOwned};
use dyn_stack::{PodStack, SizeOverflow, StackReq};
use torus::Torus;

/// One bootstrap of a batch: `output ← PBS(input, lut)`. Owned buffers, so that a job can move
/// between threads (a [`crate::batcher::BootstrapBatcher`]) without copying or allocating.
#[derive(Clone, Debug)]
pub struct BootstrapJob<T: Torus> {
    /// The input, under the small key (dimension `n`).
    pub input: LweCiphertextOwned<T>,
    /// The table.
    pub lut: LookupTable<T>,
    /// The output, under the big key (dimension `k·N`); overwritten.
    pub output: LweCiphertextOwned<T>,
    /// Bootstrap with only the first `ℓ'` of the key's `ℓ` decomposition levels: cheaper, with
    /// the output noise of a key of decomposition `(B, ℓ')`
    /// ([`super::multi_bit_blind_rotate_batch_assign`]); `None` uses all of them.
    pub levels: Option<DecompositionLevelCount>,
}

impl<T: Torus> BootstrapJob<T> {
    /// A job with zero buffers: input dimension `n`, table size `N`, output dimension `k·N`.
    pub fn zero(
        input_dimension: LweDimension,
        polynomial_size: PolynomialSize,
        output_dimension: LweDimension,
    ) -> Self {
        Self {
            input: LweCiphertext::zero(input_dimension),
            lut: LookupTable::zero(polynomial_size),
            output: LweCiphertext::zero(output_dimension),
            levels: None,
        }
    }
}

/// Scratch needed by [`programmable_bootstrap_batch`] for up to `batch` jobs.
pub fn programmable_bootstrap_batch_scratch_requirement<T: Torus>(
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
    batch: usize,
) -> Result<StackReq, SizeOverflow> {
    let glwe_len = (bsk.glwe_dimension().0 + 1) * bsk.polynomial_size().0;
    StackReq::try_all_of([
        StackReq::try_new_aligned::<T>(glwe_len.checked_mul(batch).ok_or(SizeOverflow)?, 64)?,
        multi_bit_blind_rotate_batch_scratch_requirement(bsk, fft, batch)?,
    ])
}

/// `job.output ← PBS(job.input, job.lut)` for every job, with one pass over the multi-bit key
/// for the whole batch, each job with its own number of decomposition levels (`job.levels`).
/// Each output is bit-identical to the job alone in a batch of one, and for a job with all
/// levels to [`super::programmable_bootstrap`]. Allocation-free: scratch from
/// [`programmable_bootstrap_batch_scratch_requirement`] for at least `jobs.len()` jobs.
///
/// # Panics
/// If `jobs` is empty, a job's dimensions differ from the key's, or a job asks for more levels
/// than the key has (or none).
pub fn programmable_bootstrap_batch<T: Torus>(
    jobs: &mut [BootstrapJob<T>],
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
    stack: PodStack<'_>,
) {
    let size = bsk.polynomial_size();
    let glwe_len = (bsk.glwe_dimension().0 + 1) * size.0;
    let two_n = 2 * size.0;
    let log_2n = size.log2() + 1;
    let (accs, stack) = stack.make_aligned_raw::<T>(jobs.len() * glwe_len, 64);
    for (job, acc) in jobs.iter().zip(accs.chunks_exact_mut(glwe_len)) {
        assert_eq!(job.lut.polynomial_size(), size, "lookup table size");
        let mut acc = GlweCiphertext::from_container(acc, size).expect("(k+1)·N");
        let b = job.input.body().mod_switch(log_2n) as usize;
        acc.fill_trivial_rotated(job.lut.as_slice(), (two_n - b) % two_n);
    }
    let levels = bsk.decomposer().level_count();
    let problem = |b: usize| {
        let job: &BootstrapJob<T> = &jobs[b];
        (job.input.mask(), job.levels.unwrap_or(levels).0)
    };
    multi_bit_blind_rotate_batch_assign(accs, problem, bsk, fft, stack);
    for (job, acc) in jobs.iter_mut().zip(accs.chunks_exact(glwe_len)) {
        let acc = GlweCiphertext::from_container(acc, size).expect("(k+1)·N");
        sample_extract(&mut job.output, &acc, 0);
    }
}
