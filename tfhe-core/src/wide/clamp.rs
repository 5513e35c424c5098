//! Lookups on narrow integers and exact clamping of wide ones.

use super::{encode, FailureLedger, IntRange, WideBuffers, WideCiphertext, WideEvaluator};
use crate::error::TfheError;
use crate::lwe::LweCiphertextOwned;
use torus::Encoding;

/// Scale of the intermediate `clamp(T, −1, 1)` when the high part `T` of a clamp is wide.
const HIGH_PART_SCALE: u32 = 60;

impl WideEvaluator<'_> {
    /// Evaluates `f_i(z)` for every function, for `z` of at most 16 values: one key switch and one
    /// padding-aware bootstrap per function on the window `(z − lo)·2^(63−d)`,
    /// `d = ⌈log2 |range|⌉`. Each `f_i` returns a torus element (the output encoding is the
    /// caller's).
    pub fn lookup(
        &self,
        z: &WideCiphertext,
        functions: &[&dyn Fn(i64) -> u64],
        buffers: &mut WideBuffers,
        ledger: &mut FailureLedger,
    ) -> Result<Vec<LweCiphertextOwned<u64>>, TfheError> {
        let len = z.range.len();
        if len > 16 {
            return Err(TfheError::WideInteger(
                "a lookup reads at most 16 values; clamp or peel first",
            ));
        }
        let d = (len as u64).next_power_of_two().trailing_zeros().max(1);
        let lo = z.range.lo;
        let var = self.prepare_window(z, d + 1, encode(lo.wrapping_neg(), 63 - d), buffers)?;
        let encoding = Encoding::new::<u64>(d, 1)?;
        functions
            .iter()
            .map(|f| {
                buffers
                    .lut
                    .refill_from_torus_fn(&encoding, |m| f(lo.saturating_add(m as i64)))?;
                Ok(self.bootstrap_window(var, d + 1, buffers, ledger))
            })
            .collect()
    }

    /// `clamp(z, lo, hi)` at scale `out_scale_log2`, for `hi − lo ≤ 15` and any range of `z`.
    ///
    /// Narrow `z` (at most 16 values): one bootstrap. Wide `z`: with `z − lo = 2^d·T + r`
    /// (`m = hi − lo < 2^d ≤ 16`), `clamp(z) = lo + [T = 0]·min(r, m) + [T ≥ 1]·m`, computed by a peel
    /// (2 bootstraps), the lookups `[T = 0]`, `[T ≥ 1]` (2, after clamping `T` to `[−1, 1]` if
    /// `T` is wide), `min(r, m)/2` (1 blind rotation on the peel's digit window) and one
    /// negacyclic bootstrap on the `(d + 1)`-bit window `r + 2^d·[T = 0]`, whose table `−min(r, m)/2` is returned negated when the top bit is
    /// set: `min(r, m)/2 ∓ min(r, m)/2 = [T = 0]·min(r, m)`. Output noise: at most three
    /// bootstrap outputs.
    pub fn clamp(
        &self,
        z: &WideCiphertext,
        lo: i64,
        hi: i64,
        out_scale_log2: u32,
        buffers: &mut WideBuffers,
        ledger: &mut FailureLedger,
    ) -> Result<WideCiphertext, TfheError> {
        let out_range = IntRange::new(lo, hi)
            .filter(|r| r.len() <= 16)
            .ok_or(TfheError::WideInteger("a clamp range holds 1 to 16 values"))?;
        if out_scale_log2 == 0 || out_scale_log2 > out_range.max_scale_log2() {
            return Err(TfheError::WideInteger(
                "output scale must be at least 1 and fit the output range",
            ));
        }
        let m = hi - lo;
        let output = |ciphertext, variance| WideCiphertext {
            ciphertext,
            scale_log2: out_scale_log2,
            range: IntRange { lo: 0, hi: m },
            variance,
        };

        if z.range.len() <= 16 {
            let f = |v: i64| encode(v.clamp(lo, hi) - lo, out_scale_log2);
            let mut out = self.lookup(z, &[&f], buffers, ledger)?;
            let mut y = output(out.remove(0), self.bootstrap_variance);
            y.add_constant(lo)?;
            return Ok(y);
        }

        // z − lo = 2^d·T + r with m < 2^d ≤ 16; d = 4 unless the scale is so high that the high
        // part's own lookup would not fit above it. The peel also returns min(r, m)/2 at the
        // output scale and the cleared window r·2^(63−d), so no bootstrap output is ever
        // multiplied by a scaling.
        let mut high = z.clone();
        high.add_constant(
            lo.checked_neg()
                .ok_or(TfheError::WideInteger("range overflow"))?,
        )?;
        let cell_bits = (64 - (m as u64).leading_zeros()).max(1);
        let d = 59u32.saturating_sub(high.scale_log2).clamp(cell_bits, 4);
        let half_of_min = |r: u64| encode((r as i64).min(m), out_scale_log2 - 1);
        let peel = self.peel(&mut high, d, &[&half_of_min], buffers, ledger)?;
        let high = if high.range.len() <= 16 {
            high
        } else {
            self.clamp(&high, -1, 1, HIGH_PART_SCALE, buffers, ledger)?
        };

        // [T = 0] as the top bit of the (d + 1)-bit window, [T ≥ 1]·m at the output scale.
        let is_zero = |v: i64| if v == 0 { 1u64 << 63 } else { 0 };
        let is_above = |v: i64| if v >= 1 { encode(m, out_scale_log2) } else { 0 };
        let mut flags = self.lookup(&high, &[&is_zero, &is_above], buffers, ledger)?;
        let above = flags.pop().expect("two lookups");
        let zero = flags.pop().expect("two lookups");

        // The window r·2^(63−d) + [T = 0]·2^63, read without padding: the table −min(r, m)/2
        // is returned negated when [T = 0].
        let mut window = peel.window;
        window.add_assign(&zero);
        buffers.scaled.copy_from(&window);
        self.keyswitch_window(buffers);
        let var = peel.window_variance + self.bootstrap_variance + self.input_variance;
        buffers
            .lut
            .refill_negacyclic_from_fn(&Encoding::new::<u64>(d + 1, 0)?, |r| {
                encode(-(r.min(m as u64) as i64), out_scale_log2 - 1)
            })?;
        let selected = self.bootstrap_window(var, d + 1, buffers, ledger);
        let half = WideCiphertext {
            ciphertext: peel.extras.into_iter().next().expect("one extra table"),
            scale_log2: out_scale_log2 - 1,
            range: IntRange { lo: 0, hi: m },
            variance: self.bootstrap_variance,
        };

        let mut y = output(
            half.ciphertext,
            half.variance + 2.0 * self.bootstrap_variance,
        );
        y.ciphertext.add_assign(&selected);
        y.ciphertext.add_assign(&above);
        y.add_constant(lo)?;
        Ok(y)
    }
}
