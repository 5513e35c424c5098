//! ReLU, comparison, max and max-pool trees on encrypted integers.
//!
//! * **ReLU with saturation** to `b` bits, `clamp(x, 0, 2^b − 1)` of a `w`-bit `x` with sign bit
//!   `s`: the overflow flag `h = x_b ∨ … ∨ x_(w−2)` (some bit at or above `2^b` is set) and, for
//!   `i < b`, `y_i = (x_i ∨ h) ∧ ¬s` — every bit gated by `NOT(sign)` (a negative `x` gives 0) and
//!   forced to 1 when a non-negative `x` is too large. Bootstraps: `w − 2 − b` ORs for `h` (none
//!   when the range cannot exceed `2^b − 1`) and two per output bit (one when `h` is known 0, none
//!   when the range proves `x ≥ 0` and `h = 0`).
//! * **Comparison** `[a ≥ b] = ¬sign(a − b)`: the subtraction `a + ¬b + 1` at the width of the
//!   range of `a − b`, computing only the carries and the top sum bit
//!   ([`super::adder`]): `w − 1` majorities and one parity with the fast adder.
//! * **Max** `max(a, b)`: `g = [a ≥ b]`, then `mux(g, a_i, b_i)` for every bit `i` of the range of
//!   the max (two bootstraps per encrypted bit pair). When the ranges already decide (`lo(a) ≥
//!   hi(b)`), no comparison is made.
//! * **Max pool**: a balanced tree of `max` over the window.

use super::adder::{ripple_add, sum_range};
use super::backend::GateBackend;
use super::bit::Bit;
use super::circuit::Circuit;
use super::integer::{width_for, EncryptedInt};
use super::tree::Overflow;
use crate::bounds::Interval;

/// `clamp(x, 0, 2^bits − 1)` (`1 ≤ bits ≤ 62`): counted as one ReLU.
pub fn relu<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    x: &EncryptedInt<B::Ciphertext>,
    bits: u32,
) -> EncryptedInt<B::Ciphertext> {
    circuit.counts_mut().relus += 1;
    let max = (1i64 << bits) - 1;
    let r = x.range();
    let range = Interval {
        lo: r.lo.clamp(0, max),
        hi: r.hi.clamp(0, max),
    };
    if range.lo == range.hi {
        return EncryptedInt::constant(range.lo);
    }
    let sign = x.sign().clone();
    let not_sign = sign.not();
    let width = x.width();
    let bits = bits as usize;
    // Positions bits .. width − 2 (the sign excluded): a non-negative x is ≥ 2^bits iff one is set.
    let mut too_large = Bit::ZERO;
    for i in bits..width.saturating_sub(1) {
        too_large = circuit.or(&too_large, x.bit(i));
    }
    let mut y = Vec::with_capacity(bits + 1);
    for i in 0..bits {
        let saturated = circuit.or(x.bit(i), &too_large);
        y.push(circuit.and(&saturated, &not_sign));
    }
    y.push(Bit::ZERO);
    EncryptedInt::from_bits(y, range)
}

/// `[a ≥ b]` as one bit (not counted: [`max`] counts its comparison).
pub fn greater_or_equal<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
) -> Result<Bit<B::Ciphertext>, Overflow> {
    // ⌊(a − b)/2^63⌋ is the sign alone: 0 or −1.
    let difference = ripple_add(circuit, a, b, true, 63).ok_or(Overflow)?;
    Ok(difference.sign().not())
}

/// `max(a, b)`: comparator and one MUX per bit; counted as one comparison when the ranges do not
/// decide it.
pub fn max<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
) -> Result<EncryptedInt<B::Ciphertext>, Overflow> {
    let (ra, rb) = (a.range(), b.range());
    if ra.lo >= rb.hi {
        return Ok(a.clone());
    }
    if rb.lo >= ra.hi {
        return Ok(b.clone());
    }
    // The difference's range must fit i64 for the comparator.
    sum_range(ra, rb, true).ok_or(Overflow)?;
    circuit.counts_mut().comparisons += 1;
    let a_wins = greater_or_equal(circuit, a, b)?;
    let range = Interval {
        lo: ra.lo.max(rb.lo),
        hi: ra.hi.max(rb.hi),
    };
    // The max lies in `range`, so its low `width` bits are its two's complement whichever wins.
    let width = width_for(range);
    let bits = (0..width)
        .map(|i| circuit.mux(&a_wins, a.bit(i), b.bit(i)))
        .collect();
    Ok(EncryptedInt::from_bits(bits, range))
}

/// The maximum of a non-empty window by a balanced tree of [`max`] (`None` for an empty window).
pub fn max_tree<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    mut level: Vec<EncryptedInt<B::Ciphertext>>,
) -> Result<Option<EncryptedInt<B::Ciphertext>>, Overflow> {
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut items = level.into_iter();
        while let Some(a) = items.next() {
            match items.next() {
                Some(b) => next.push(max(circuit, &a, &b)?),
                None => next.push(a),
            }
        }
        level = next;
    }
    Ok(level.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitwise::circuit::AdderKind;
    use crate::bitwise::plaintext::PlaintextBackend;
    use proptest::prelude::*;

    fn plain(v: i64, lo: i64, hi: i64) -> EncryptedInt<bool> {
        let bits = (0..64).map(|i| Bit::encrypted((v >> i) & 1 == 1)).collect();
        EncryptedInt::from_bits(bits, Interval { lo, hi })
    }

    fn pick(lo: i64, hi: i64, seed: u64) -> i64 {
        lo + (seed % (hi - lo + 1) as u64) as i64
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn relu_clamps(a in -200i64..200, b in -200i64..200, seed: u64, bits in 1u32..6, fast: bool) {
            let (lo, hi) = (a.min(b), a.max(b));
            let v = pick(lo, hi, seed);
            let backend = PlaintextBackend;
            let kind = if fast { AdderKind::Fast } else { AdderKind::Ripple };
            let mut c = Circuit::new(&backend, kind);
            let y = relu(&mut c, &plain(v, lo, hi), bits);
            let expected = v.clamp(0, (1 << bits) - 1);
            prop_assert_eq!(y.value(|c| *c), expected);
            prop_assert!(y.range().contains(expected));
            prop_assert_eq!(c.counts().relus, 1);
        }

        #[test]
        fn max_and_comparison(
            a0 in -100i64..100, a1 in -100i64..100, b0 in -100i64..100, b1 in -100i64..100,
            sa: u64, sb: u64, fast: bool,
        ) {
            let (alo, ahi) = (a0.min(a1), a0.max(a1));
            let (blo, bhi) = (b0.min(b1), b0.max(b1));
            let (va, vb) = (pick(alo, ahi, sa), pick(blo, bhi, sb));
            let (a, b) = (plain(va, alo, ahi), plain(vb, blo, bhi));
            let backend = PlaintextBackend;
            let kind = if fast { AdderKind::Fast } else { AdderKind::Ripple };
            let mut c = Circuit::new(&backend, kind);
            prop_assert_eq!(greater_or_equal(&mut c, &a, &b).unwrap().value(|c| *c), va >= vb);
            let m = max(&mut c, &a, &b).unwrap();
            prop_assert_eq!(m.value(|c| *c), va.max(vb));
            prop_assert!(m.range().contains(va.max(vb)));
        }

        #[test]
        fn max_pool_trees(values in proptest::collection::vec(0i64..16, 1..10)) {
            let backend = PlaintextBackend;
            let mut c = Circuit::new(&backend, AdderKind::Fast);
            let window: Vec<_> = values.iter().map(|&v| plain(v, 0, 15)).collect();
            let m = max_tree(&mut c, window).unwrap().unwrap();
            prop_assert_eq!(m.value(|c| *c), *values.iter().max().unwrap());
            prop_assert_eq!(c.counts().comparisons, values.len() as u64 - 1);
        }
    }

    #[test]
    fn relu_costs() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        // A 4-bit-saturating ReLU of x ∈ [−41, 37] (width 7): h over bits 4, 5 (one OR), then two
        // gates per output bit.
        let y = relu(&mut c, &plain(-3, -41, 37), 4);
        assert_eq!(y.value(|c| *c), 0);
        assert_eq!(c.counts().bootstraps(), 1 + 2 * 4);
        // x ∈ [−8, 15]: cannot saturate, one AND per bit.
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let y = relu(&mut c, &plain(9, -8, 15), 4);
        assert_eq!(y.value(|c| *c), 9);
        assert_eq!(c.counts().bootstraps(), 4);
        // x ∈ [0, 40]: cannot be negative, one OR per bit after h (two ORs over bits 4, 5).
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let y = relu(&mut c, &plain(40, 0, 40), 4);
        assert_eq!(y.value(|c| *c), 15);
        assert_eq!(c.counts().bootstraps(), 1 + 4);
        // Unsigned 4-bit max: comparator of 4 majorities (bit 0 is an OR), 4 MUXes.
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let m = max(&mut c, &plain(5, 0, 15), &plain(11, 0, 15)).unwrap();
        assert_eq!(m.value(|c| *c), 11);
        assert_eq!(c.counts().bootstraps(), 4 + 2 * 4);
    }
}
