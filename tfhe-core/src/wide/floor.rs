//! Peeling low bits: exact floor division of a wide integer by a power of two.
//!
//! One peel of `d ≤ 4` bits reads the `(d + 1)`-bit window `[δ, δ + d]` twice:
//!
//! 1. a **sign** bootstrap decides the window's top bit `τ` (bit `δ + d`, unknown, so the window
//!    has no padding). The phase is offset by half a slot so that every value sits midway between
//!    the table's two decision points; the table `−1/4` returns `τ/2 − 1/4`. Its output is only
//!    ever added at the window's own scale, so it runs **coarse**, with the fewest key levels
//!    the digit read tolerates ([`super::WindowNoise`]: 3 of 4 at `SHE_MNIST`);
//! 2. with `τ/2` subtracted from the *scaled* window (not from `z`: the bootstrap's output noise
//!    is then not multiplied by the scaling) the window's top bit is 0, a padding bit, and a
//!    **padding-aware** bootstrap returns `r·2^δ` for the low digit `r = z mod 2^d`.
//!
//! `z − r` has `d` zero low bits: read at scale `δ + d` it is `⌊z / 2^d⌋` (floor, also for negative
//! `z`, since the bits are two's complement). Both bootstraps have margin `2^(−d−2)`;
//! the digit read's input noise carries the sign bootstrap's output; the noise of `z` grows by
//! one (full-precision) bootstrap output.

use super::{FailureLedger, IntRange, WideBuffers, WideCiphertext, WideEvaluator};
use crate::error::TfheError;
use crate::lwe::LweCiphertextOwned;
use torus::Encoding;

/// What a peel leaves besides `⌊z / 2^d⌋`.
pub(super) struct Peel {
    /// `r·2^δ`: the digit at the input's scale.
    pub(super) digit: WideCiphertext,
    /// Extra tables evaluated on the digit window (one blind rotation each, no key switch).
    pub(super) extras: Vec<LweCiphertextOwned<u64>>,
    /// The cleared window `r·2^(64−d−1)` (top bit 0), under the big key, and its variance.
    pub(super) window: LweCiphertextOwned<u64>,
    /// Variance of `window`.
    pub(super) window_variance: f64,
}

impl WideEvaluator<'_> {
    /// Peels the low `d ∈ 1..=4` bits: `z ← ⌊z / 2^d⌋` (scale `δ + d`), returning the digit
    /// `r = z mod 2^d` at scale `δ`. Two bootstraps.
    pub fn peel_low_bits(
        &self,
        z: &mut WideCiphertext,
        d: u32,
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> Result<WideCiphertext, TfheError> {
        Ok(self.peel(z, d, &[], buffers, ledger)?.digit)
    }

    /// [`Self::peel_low_bits`], also evaluating `extra` tables `f(r)` on the digit window and
    /// keeping the cleared window.
    pub(super) fn peel(
        &self,
        z: &mut WideCiphertext,
        d: u32,
        extra: &[&dyn Fn(u64) -> u64],
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> Result<Peel, TfheError> {
        if !(1..=4).contains(&d) {
            return Err(TfheError::WideInteger("a peel takes 1 to 4 bits"));
        }
        let delta = z.scale_log2;
        let window_bits = d + 1;
        let size = self.keys.params().polynomial_size;
        if delta + window_bits > 64 {
            return Err(TfheError::WideInteger(
                "the window reaches above the top of the torus",
            ));
        }

        // 1. The top bit τ. Values sit at (r + ½)·slot (+ ½ for τ = 1); the modulus switch rounds
        //    to multiples of 1/(2N), which moves the table's decision points down by 1/(4N):
        //    subtract that too, so both margins are exactly half a slot. The table −1/4 returns
        //    τ/2 − 1/4 directly at the window's scale.
        let half_slot = 1u64 << (63 - window_bits);
        let offset = half_slot - (1u64 << (62 - size.log2()));
        let var_top = self.prepare_window(z, window_bits, offset, buffers)?;
        let minus_quarter = (1u64 << 62).wrapping_neg();
        buffers.job().lut.refill_sign(minus_quarter);
        // The coarse sign bootstrap: its output only meets the window at the window's own scale
        // (`WindowNoise` explains), so it may use a prefix of the key's levels.
        buffers.job().levels = self.noise.sign_job_levels(self.keys.params());
        let top = self.bootstrap_window(var_top, window_bits, buffers, ledger);
        buffers.job().levels = None;

        // 2. Clear τ in the scaled window itself, so the bootstrap's output noise is not
        //    multiplied by 2^t: 2^t·z + offset − offset − (top + 1/4) = 2^t·z − τ/2. Then the
        //    window's top bit is 0 (a padding bit) and a padding-aware bootstrap reads r·2^δ.
        buffers.scaled.sub_assign(&top);
        buffers
            .scaled
            .add_plaintext_assign(minus_quarter.wrapping_sub(offset));
        let window = buffers.scaled.clone();
        self.keyswitch_window(buffers);
        let var_digit = var_top - self.noise.input_variance + self.noise.sign_variance;
        let digit_encoding = Encoding::new::<u64>(d, 1)?;
        let read = |f: &dyn Fn(u64) -> u64,
                    buffers: &mut WideBuffers<'_>,
                    ledger: &mut FailureLedger|
         -> Result<LweCiphertextOwned<u64>, TfheError> {
            buffers.job().lut.refill_from_torus_fn(&digit_encoding, f)?;
            Ok(self.bootstrap_window(
                var_digit + self.noise.input_variance,
                window_bits,
                buffers,
                ledger,
            ))
        };
        let digit = read(&|r| r << delta, buffers, ledger)?;
        let extras = extra
            .iter()
            .map(|f| read(*f, buffers, ledger))
            .collect::<Result<Vec<_>, _>>()?;

        z.ciphertext.sub_assign(&digit);
        z.variance += self.noise.bootstrap_variance;
        z.scale_log2 += d;
        z.range = IntRange {
            lo: z.range.lo >> d,
            hi: z.range.hi >> d,
        };
        Ok(Peel {
            digit: WideCiphertext {
                ciphertext: digit,
                scale_log2: delta,
                range: IntRange {
                    lo: 0,
                    hi: (1 << d) - 1,
                },
                variance: self.noise.bootstrap_variance,
            },
            extras,
            window,
            window_variance: var_digit,
        })
    }

    /// `z ← ⌊z / 2^s⌋` (scale `δ + s`), peeling at most 4 bits at a time: `2·⌈s/4⌉` bootstraps.
    pub fn floor_shift(
        &self,
        z: &mut WideCiphertext,
        s: u32,
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> Result<(), TfheError> {
        let mut left = s;
        while left > 0 {
            let d = left.min(4);
            self.peel_low_bits(z, d, buffers, ledger)?;
            left -= d;
        }
        Ok(())
    }
}
