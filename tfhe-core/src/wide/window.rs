//! The window bootstrap: read `b` consecutive bits of a wide plaintext with one bootstrap.
//!
//! For a plaintext `z·2^δ`, multiplying the ciphertext by `2^t` with `t = 64 − b − δ` moves bit
//! `δ + b − 1` to the top of the torus and discards (wraps) every bit above it, so the phase
//! becomes `(z mod 2^b)·2^(64−b) + 2^t·e`. The window has `2^b` slots of `2^(−b)`; a value is read
//! correctly while its total error stays below half a slot, `2^(−b−1)`: the noise `2^t·e` (grown
//! by the scaling), plus the key switch and the modulus switch, which happen after the scaling
//! and are not multiplied.

use super::{FailureLedger, WideBuffers, WideCiphertext, WideEvaluator};
use crate::error::TfheError;
use crate::lwe::LweCiphertextOwned;

/// Half a slot of a `b`-bit window, `2^(−b−1)`: the decision margin of its bootstraps.
pub(super) fn margin(window_bits: u32) -> f64 {
    2f64.powi(-(window_bits as i32) - 1)
}

impl WideEvaluator<'_> {
    /// `small ← KS(2^t·z + offset)` with `t = 64 − b − δ` (the scaled window stays in
    /// `buffers.scaled` for [`Self::keyswitch_window`]); returns the variance the bootstrap will
    /// read (`4^t·Var(z) + V_KS + V_MS`).
    pub(super) fn prepare_window(
        &self,
        z: &WideCiphertext,
        window_bits: u32,
        offset: u64,
        buffers: &mut WideBuffers<'_>,
    ) -> Result<f64, TfheError> {
        let t = 64i64 - i64::from(window_bits) - i64::from(z.scale_log2);
        if t < 0 || window_bits == 0 {
            return Err(TfheError::WideInteger(
                "the window reaches above the top of the torus",
            ));
        }
        buffers.scaled.copy_from(&z.ciphertext);
        buffers.scaled.mul_power_of_two_assign(t as u32, false);
        buffers.scaled.add_plaintext_assign(offset);
        self.keyswitch_window(buffers);
        Ok(z.variance * 4f64.powi(t as i32) + self.noise.input_variance)
    }

    /// `small ← KS(scaled)`, after the caller changed `buffers.scaled`.
    pub(super) fn keyswitch_window(&self, buffers: &mut WideBuffers<'_>) {
        let job = buffers.job.as_mut().expect("the job buffers are back");
        self.keys
            .keyswitch_key()
            .keyswitch(&mut job.input, &buffers.scaled);
    }

    /// `PBS(job.input, job.lut)` into a new ciphertext under the big key (the caller refills the
    /// table first, and sets `job.levels` for a coarse bootstrap), on this thread or through the
    /// batcher; records its failure probability for a `b`-bit window read with input variance
    /// `variance`.
    pub(super) fn bootstrap_window(
        &self,
        variance: f64,
        window_bits: u32,
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> LweCiphertextOwned<u64> {
        match buffers.seat.as_mut() {
            Some(seat) => {
                let job = buffers.job.take().expect("the job buffers are back");
                buffers.job = Some(seat.bootstrap(job));
            }
            None => {
                let job = buffers.job.as_mut().expect("the job buffers are back");
                self.keys.bootstrap_job_alone(job, &mut buffers.pbs);
            }
        }
        ledger.record(variance, margin(window_bits));
        if buffers.job().levels.is_some() {
            ledger.coarse_bootstraps += 1;
        }
        buffers.job().output.clone()
    }
}
