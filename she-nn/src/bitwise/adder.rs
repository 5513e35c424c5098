//! Ripple-carry adders of encrypted integers, exactly as wide as their proven result.
//!
//! `a ± b` of two [`EncryptedInt`]s is computed at the width `w` of the result's proven range
//! ([`width_for`]): both operands are read sign-extended to `w` bits ([`EncryptedInt::bit`]) and
//! added bit by bit from the least significant one, the carry rippling up:
//!
//! `s_i = a_i ⊕ b_i ⊕ c_i`, `c_(i+1) = maj(a_i, b_i, c_i)`, `c_0 = carry-in`.
//!
//! Modulo `2^w` this is the exact sum, and since the true sum lies in the range, which fits `w`
//! bits, the `w` bits are its two's complement: the carry out of the top bit is never needed.
//! Subtraction is `a + ¬b + 1` (every bit of `b` negated — free — and a carry-in of 1).
//!
//! A full adder is either **ripple** (two-input gates: `t = a ⊕ b`, `s = t ⊕ c`,
//! `c' = (a ∧ b) ∨ (t ∧ c)`, five bootstraps) or **fast** (`s` and `c'` each one bootstrap of
//! `a + b + c`, see [`super::circuit`]: two bootstraps) — [`AdderKind`]. Known bits fold:
//! where one input is a known 0 the position is a half adder (XOR + AND), where two are known it
//! is free; the `k` zero bits at the bottom of `x·2^k` and the high bits a range fixes cost
//! nothing. At the top position only the sum is computed, and when the result is shifted right by
//! `s` ([`add_shifted`]) the `s` bottom positions compute only their carries.

use super::backend::GateBackend;
use super::bit::Bit;
use super::circuit::{AdderKind, Circuit};
use super::integer::{width_for, EncryptedInt};
use crate::bounds::Interval;

/// `(x, y, c) ↦ (x ⊕ y ⊕ c, maj(x, y, c))`, computing only what is asked (a bit not asked for
/// is returned as a known 0).
fn full_adder<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    x: &Bit<B::Ciphertext>,
    y: &Bit<B::Ciphertext>,
    c: &Bit<B::Ciphertext>,
    need_sum: bool,
    need_carry: bool,
) -> (Bit<B::Ciphertext>, Bit<B::Ciphertext>) {
    match circuit.adder() {
        AdderKind::Fast => {
            let sum = if need_sum {
                circuit.parity(x, y, c)
            } else {
                Bit::ZERO
            };
            let carry = if need_carry {
                circuit.majority(x, y, c)
            } else {
                Bit::ZERO
            };
            (sum, carry)
        }
        AdderKind::Ripple => {
            let t = circuit.xor(x, y);
            let sum = if need_sum {
                circuit.xor(&t, c)
            } else {
                Bit::ZERO
            };
            let carry = if need_carry {
                let both = circuit.and(x, y);
                let propagated = circuit.and(&t, c);
                circuit.or(&both, &propagated)
            } else {
                Bit::ZERO
            };
            (sum, carry)
        }
    }
}

/// The exact range of `a ± b`, if it fits `i64`.
pub(crate) fn sum_range(a: Interval, b: Interval, subtract: bool) -> Option<Interval> {
    if subtract {
        Some(Interval {
            lo: a.lo.checked_sub(b.hi)?,
            hi: a.hi.checked_sub(b.lo)?,
        })
    } else {
        Some(Interval {
            lo: a.lo.checked_add(b.lo)?,
            hi: a.hi.checked_add(b.hi)?,
        })
    }
}

/// `⌊(a ± b) / 2^shift⌋` without counting it as an addition (the comparator of
/// [`super::activation`] is built on it). `None` if the range of `a ± b` leaves `i64`.
pub(crate) fn ripple_add<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
    subtract: bool,
    shift: u32,
) -> Option<EncryptedInt<B::Ciphertext>> {
    let range = sum_range(a.range(), b.range(), subtract)?;
    let width = width_for(range);
    // Sum bits below `first_sum` are shifted out: only their carries matter. Shifting by the
    // whole width or more leaves the sign alone (0 or −1).
    let first_sum = (shift as usize).min(width - 1);
    let mut carry = Bit::Known(subtract);
    let mut out = Vec::with_capacity(width - first_sum);
    for i in 0..width {
        let y = b.bit(i).xor_known(subtract);
        let (sum, next) = full_adder(circuit, a.bit(i), &y, &carry, i >= first_sum, i + 1 < width);
        if i >= first_sum {
            out.push(sum);
        }
        carry = next;
    }
    let shift = shift.min(63);
    let shifted = Interval {
        lo: range.lo >> shift,
        hi: range.hi >> shift,
    };
    Some(EncryptedInt::from_bits(out, shifted))
}

/// `⌊(a ± b) / 2^shift⌋` (`shift = 0`: the plain sum or difference). Counted as an addition
/// when both operands are encrypted, as a constant addition when one is a constant.
/// `None` if the range of `a ± b` leaves `i64`.
///
/// Bootstraps: per position where all three of `a_i`, `b_i`, carry are ciphertexts, two (fast)
/// or five (ripple), one or two at the top position and in the shifted-out positions; fewer
/// where bits are known.
pub fn add_shifted<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
    subtract: bool,
    shift: u32,
) -> Option<EncryptedInt<B::Ciphertext>> {
    match (a.is_constant(), b.is_constant()) {
        (false, false) => circuit.counts_mut().additions += 1,
        (true, true) => {}
        _ => circuit.counts_mut().constant_additions += 1,
    }
    ripple_add(circuit, a, b, subtract, shift)
}

/// `a + b`.
pub fn add<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
) -> Option<EncryptedInt<B::Ciphertext>> {
    add_shifted(circuit, a, b, false, 0)
}

/// `a − b`.
pub fn subtract<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    a: &EncryptedInt<B::Ciphertext>,
    b: &EncryptedInt<B::Ciphertext>,
) -> Option<EncryptedInt<B::Ciphertext>> {
    add_shifted(circuit, a, b, true, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        fn sums_differences_and_floors_are_exact(
            a0 in -300i64..300, a1 in -300i64..300, b0 in -300i64..300, b1 in -300i64..300,
            sa: u64, sb: u64, shift in 0u32..12, subtract: bool, fast: bool, ka in 0u32..4,
        ) {
            let (alo, ahi) = (a0.min(a1), a0.max(a1));
            let (blo, bhi) = (b0.min(b1), b0.max(b1));
            let (va, vb) = (pick(alo, ahi, sa), pick(blo, bhi, sb));
            // Shifted operands have known low bits: the adder must fold them correctly.
            let a = plain(va, alo, ahi).shifted_left(ka).unwrap();
            let b = plain(vb, blo, bhi);
            let backend = PlaintextBackend;
            let kind = if fast { AdderKind::Fast } else { AdderKind::Ripple };
            let mut c = Circuit::new(&backend, kind);
            let y = add_shifted(&mut c, &a, &b, subtract, shift).unwrap();
            let exact = if subtract { (va << ka) - vb } else { (va << ka) + vb };
            prop_assert_eq!(y.value(|c| *c), exact >> shift);
            prop_assert!(y.range().contains(exact >> shift));
            let counted = c.counts().additions + c.counts().constant_additions;
            prop_assert_eq!(counted, u64::from(!(a.is_constant() && b.is_constant())));
            if !fast {
                prop_assert_eq!(c.counts().majorities + c.counts().parities, 0);
            }
        }
    }

    #[test]
    fn constants_and_known_bits_cost_nothing() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let a = EncryptedInt::<bool>::constant(-7);
        let b = EncryptedInt::<bool>::constant(12);
        assert_eq!(add(&mut c, &a, &b).unwrap().value(|_| unreachable!()), 5);
        assert_eq!(
            subtract(&mut c, &a, &b).unwrap().value(|_| unreachable!()),
            -19
        );
        assert_eq!(c.counts().bootstraps(), 0);
        // x + 0·2^3-aligned: adding x·8 to y ∈ [0, 7] only touches y's bits by copying them.
        let x = plain(5, 0, 15).shifted_left(3).unwrap();
        let y = plain(6, 0, 7);
        let s = add(&mut c, &x, &y).unwrap();
        assert_eq!(s.value(|c| *c), 46);
        assert_eq!(c.counts().bootstraps(), 0, "disjoint bits need no gate");
    }

    #[test]
    fn a_full_width_adder_costs_two_or_five_bootstraps_per_position() {
        let backend = PlaintextBackend;
        for (kind, per_full_adder) in [(AdderKind::Fast, 2), (AdderKind::Ripple, 5)] {
            let mut c = Circuit::new(&backend, kind);
            // Two 4-bit unsigned inputs, sum in [0, 30] (width 6, sign known).
            let a = plain(9, 0, 15);
            let b = plain(13, 0, 15);
            let s = add(&mut c, &a, &b).unwrap();
            assert_eq!(s.value(|c| *c), 22);
            // Position 0: a half adder (2 gates); 1–3: full adders; 4: (0, 0, c) gives the sum c
            // for free; the sign is known.
            let expected = 2 + 3 * per_full_adder;
            assert_eq!(c.counts().bootstraps(), expected, "{kind:?}");
        }
    }
}
