//! Lookups on narrow integers and exact clamping of wide ones.

use super::{encode, FailureLedger, IntRange, WideBuffers, WideCiphertext, WideEvaluator};
use crate::error::TfheError;
use crate::lwe::LweCiphertextOwned;
use torus::Encoding;

/// Scale of the intermediate `clamp(T, −1, 1)` when the high part `T` of a clamp is wide.
const HIGH_PART_SCALE: u32 = 60;

/// Value bits `d = ⌈log2 len⌉` (at least 1) of the window a [`WideEvaluator::lookup`] reads for
/// `len ≤ 16` values; the window has one padding bit above them.
fn lookup_value_bits(len: u128) -> u32 {
    (len as u64).next_power_of_two().trailing_zeros().max(1)
}

/// The number of low bits `d` a wide clamp peels off `z − lo` (`m = hi − lo`): 4 unless the scale
/// is so high that the high part's own lookup would not fit above it, and never fewer than `m`
/// needs (`m < 2^d`).
fn peel_width(scale_log2: u32, m: i64) -> u32 {
    let cell_bits = (64 - (m as u64).leading_zeros()).max(1);
    59u32.saturating_sub(scale_log2).clamp(cell_bits, 4)
}

/// A dry run of [`WideEvaluator::clamp`] on ranges and scales alone: `Ok` iff every window it
/// will read (lookups, peels, the recursive `clamp(T, −1, 1)`) fits below the top of the torus.
///
/// A range that fills the torus (`δ = max_scale_log2`) can fail: a lookup needs a padding bit
/// above its values that such a range does not leave once shifted by `−lo`. With one more bit of
/// headroom (`δ < max_scale_log2`) every clamp fits (tested over random ranges).
fn check_clamp_fits(range: IntRange, scale_log2: u32, lo: i64, hi: i64) -> Result<(), TfheError> {
    let too_high = || {
        TfheError::WideInteger(
            "the clamp's windows reach above the top of the torus at this scale; \
             leave one bit of headroom (scale below max_scale_log2)",
        )
    };
    let window_fits =
        |bits: u32, scale: u32| (scale + bits <= 64).then_some(()).ok_or_else(too_high);
    // A lookup's window: its value bits and one padding bit.
    let lookup_fits = |len: u128, scale: u32| window_fits(lookup_value_bits(len) + 1, scale);
    if range.len() <= 16 {
        return lookup_fits(range.len(), scale_log2);
    }
    let shifted = IntRange {
        lo: range.lo.checked_sub(lo).ok_or_else(too_high)?,
        hi: range.hi.checked_sub(lo).ok_or_else(too_high)?,
    };
    if !shifted.fits_at(scale_log2) {
        return Err(too_high());
    }
    let d = peel_width(scale_log2, hi - lo);
    window_fits(d + 1, scale_log2)?;
    let high = IntRange {
        lo: shifted.lo >> d,
        hi: shifted.hi >> d,
    };
    if high.len() <= 16 {
        lookup_fits(high.len(), scale_log2 + d)
    } else {
        check_clamp_fits(high, scale_log2 + d, -1, 1)?;
        lookup_fits(3, HIGH_PART_SCALE)
    }
}

impl WideEvaluator<'_> {
    /// Evaluates `f_i(z)` for every function, for `z` of at most 16 values: one key switch and one
    /// padding-aware bootstrap per function on the window `(z − lo)·2^(63−d)`,
    /// `d = ⌈log2 |range|⌉`. Each `f_i` returns a torus element (the output encoding is the
    /// caller's).
    pub fn lookup(
        &self,
        z: &WideCiphertext,
        functions: &[&dyn Fn(i64) -> u64],
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> Result<Vec<LweCiphertextOwned<u64>>, TfheError> {
        let len = z.range.len();
        if len > 16 {
            return Err(TfheError::WideInteger(
                "a lookup reads at most 16 values; clamp or peel first",
            ));
        }
        let d = lookup_value_bits(len);
        let lo = z.range.lo;
        let var = self.prepare_window(z, d + 1, encode(lo.wrapping_neg(), 63 - d), buffers)?;
        let encoding = Encoding::new::<u64>(d, 1)?;
        functions
            .iter()
            .map(|f| {
                buffers
                    .job()
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
    ///
    /// Every window must fit below the top of the torus; this is checked on the ranges before
    /// any bootstrap (a typed error otherwise) and always holds when `z` has one bit of headroom
    /// above what its range needs, `z.scale_log2 < z.range.max_scale_log2()`.
    pub fn clamp(
        &self,
        z: &WideCiphertext,
        lo: i64,
        hi: i64,
        out_scale_log2: u32,
        buffers: &mut WideBuffers<'_>,
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
        check_clamp_fits(z.range, z.scale_log2, lo, hi)?;
        self.clamp_checked(z, lo, hi, out_scale_log2, buffers, ledger)
    }

    /// [`Self::clamp`] after its checks: the output range and scale are valid and
    /// [`check_clamp_fits`] has passed for `z` (it covers the recursion on the high part too).
    fn clamp_checked(
        &self,
        z: &WideCiphertext,
        lo: i64,
        hi: i64,
        out_scale_log2: u32,
        buffers: &mut WideBuffers<'_>,
        ledger: &mut FailureLedger,
    ) -> Result<WideCiphertext, TfheError> {
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
            let mut y = output(out.remove(0), self.noise.bootstrap_variance);
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
        let d = peel_width(high.scale_log2, m);
        let half_of_min = |r: u64| encode((r as i64).min(m), out_scale_log2 - 1);
        let peel = self.peel(&mut high, d, &[&half_of_min], buffers, ledger)?;
        let high = if high.range.len() <= 16 {
            high
        } else {
            self.clamp_checked(&high, -1, 1, HIGH_PART_SCALE, buffers, ledger)?
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
        let var = peel.window_variance + self.noise.bootstrap_variance + self.noise.input_variance;
        buffers
            .job()
            .lut
            .refill_negacyclic_from_fn(&Encoding::new::<u64>(d + 1, 0)?, |r| {
                encode(-(r.min(m as u64) as i64), out_scale_log2 - 1)
            })?;
        let selected = self.bootstrap_window(var, d + 1, buffers, ledger);
        let half = WideCiphertext {
            ciphertext: peel.extras.into_iter().next().expect("one extra table"),
            scale_log2: out_scale_log2 - 1,
            range: IntRange { lo: 0, hi: m },
            variance: self.noise.bootstrap_variance,
        };

        let mut y = output(
            half.ciphertext,
            half.variance + 2.0 * self.noise.bootstrap_variance,
        );
        y.ciphertext.add_assign(&selected);
        y.ciphertext.add_assign(&above);
        y.add_constant(lo)?;
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The case a randomized CI run found: a range that fills the torus, floored by one bit and
    /// clamped to `[0, 0]`. The recursion reaches a high part of 5 values at scale 61, whose
    /// lookup would need bits 61..=64.
    #[test]
    fn a_range_filling_the_torus_can_be_refused() {
        let range = IntRange::new(-15_212, 16_113).unwrap();
        assert_eq!(range.max_scale_log2(), 48);
        assert!(check_clamp_fits(range, 48, 0, 0).is_err());
        assert!(check_clamp_fits(range, 47, 0, 0).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        /// With one bit of headroom every clamp fits, for ranges of 2 to 2^40 values anywhere
        /// around zero and every output range of 1 to 16 values.
        #[test]
        fn one_bit_of_headroom_is_enough(
            lo_bits in 0u32..40,
            lo_frac in 0.0f64..1.0,
            width_bits in 0u32..41,
            width_frac in 0.0f64..1.0,
            headroom in 1u32..4,
            out_lo in -8i64..8,
            out_width in 0i64..16,
        ) {
            let lo = -((lo_frac * 2f64.powi(lo_bits as i32)) as i64);
            let hi = lo + (width_frac * 2f64.powi(width_bits as i32)) as i64;
            let range = IntRange::new(lo, hi).unwrap();
            let Some(scale) = range.max_scale_log2().checked_sub(headroom) else {
                return Ok(());
            };
            prop_assert_eq!(check_clamp_fits(range, scale, out_lo, out_lo + out_width), Ok(()));
        }
    }
}
