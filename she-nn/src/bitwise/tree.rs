//! Mixed-bitwidth adder trees: the shift-accumulate of a neuron (SHE §3.3).
//!
//! A neuron `y = Σ_i w_i·x_i` with power-of-two weights `w_i = ±2^(e_i)` is evaluated as
//!
//! 1. **shifts**: each nonzero tap becomes the leaf `x_i·2^(e_i)` ([`EncryptedInt::shifted_left`],
//!    free); zero weights are skipped;
//! 2. **two balanced trees**, one over the leaves of positive weights and one over those of
//!    negative weights (each sorted by exponent, so that leaves with the same number of known
//!    zero low bits meet first and their adders skip those bits); level `n` of a tree adds pairs
//!    of level `n − 1` results, an odd one out moving up unchanged;
//! 3. **one subtraction** `P − N = P + ¬N + 1` at the root (or `0 − N` when there are no
//!    positive weights): a negative weight costs no negation of its own.
//!
//! Every adder is exactly as wide as the proven range of its result ([`super::adder`]): with
//! `b`-bit leaves, level `n` adds at most `b + n` bits, and usually fewer — the range of a
//! subtree is the sum of its leaves' ranges, so a layer's final width is derived from its
//! weights and input bounds ([`crate::bounds`]) and is never wider than needed.
//!
//! Bootstraps: about `(leaves − 1)·(mean adder width)·2` with the fast full adder (`·5` with
//! ripple adders), fewer where shifted leaves bring known zero bits.

use super::adder::{add, subtract};
use super::backend::GateBackend;
use super::circuit::Circuit;
use super::integer::EncryptedInt;

/// The sum of `leaves` by a balanced tree of adders (`None` for no leaves; `Err` on a range
/// that leaves `i64`).
fn balanced_sum<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    mut level: Vec<EncryptedInt<B::Ciphertext>>,
) -> Result<Option<EncryptedInt<B::Ciphertext>>, Overflow> {
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut items = level.into_iter();
        while let Some(a) = items.next() {
            match items.next() {
                Some(b) => next.push(add(circuit, &a, &b).ok_or(Overflow)?),
                None => next.push(a),
            }
        }
        level = next;
    }
    Ok(level.pop())
}

/// A value range left `i64` (impossible for a model whose [`crate::bounds::layer_bounds`]
/// succeed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// `Σ w·inputs[k]` over the taps `(k, w)` (every `w` zero or `±2^e`, `e ≤ 62`): shifts,
/// two mixed-bitwidth adder trees and one subtraction (module documentation). Counts one shift
/// per nonzero tap and one addition per adder.
pub fn weighted_sum<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    inputs: &[EncryptedInt<B::Ciphertext>],
    taps: &[(usize, i64)],
) -> Result<EncryptedInt<B::Ciphertext>, Overflow> {
    let mut positive = Vec::with_capacity(taps.len());
    let mut negative = Vec::with_capacity(taps.len());
    for &(k, w) in taps {
        if w == 0 {
            continue;
        }
        let magnitude = w.unsigned_abs();
        if !magnitude.is_power_of_two() {
            // Weight codes are powers of two; anything else is not a SHE weight.
            return Err(Overflow);
        }
        let e = magnitude.trailing_zeros();
        let leaf = inputs[k].shifted_left(e).ok_or(Overflow)?;
        circuit.counts_mut().shifts += 1;
        if w > 0 {
            positive.push((e, leaf));
        } else {
            negative.push((e, leaf));
        }
    }
    let mut tree = |mut leaves: Vec<(u32, EncryptedInt<B::Ciphertext>)>| {
        leaves.sort_by_key(|(e, _)| *e);
        balanced_sum(circuit, leaves.into_iter().map(|(_, x)| x).collect())
    };
    let p = tree(positive)?;
    let n = tree(negative)?;
    Ok(match (p, n) {
        (Some(p), Some(n)) => subtract(circuit, &p, &n).ok_or(Overflow)?,
        (Some(p), None) => p,
        (None, Some(n)) => subtract(circuit, &EncryptedInt::constant(0), &n).ok_or(Overflow)?,
        (None, None) => EncryptedInt::constant(0),
    })
}

/// `Σ terms` by a balanced tree (sum pooling): no shifts.
pub fn sum<B: GateBackend>(
    circuit: &mut Circuit<'_, B>,
    terms: Vec<EncryptedInt<B::Ciphertext>>,
) -> Result<EncryptedInt<B::Ciphertext>, Overflow> {
    Ok(balanced_sum(circuit, terms)?.unwrap_or_else(|| EncryptedInt::constant(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitwise::bit::Bit;
    use crate::bitwise::circuit::AdderKind;
    use crate::bitwise::plaintext::PlaintextBackend;
    use crate::bounds::Interval;
    use proptest::prelude::*;

    fn plain(v: i64, lo: i64, hi: i64) -> EncryptedInt<bool> {
        let bits = (0..64).map(|i| Bit::encrypted((v >> i) & 1 == 1)).collect();
        EncryptedInt::from_bits(bits, Interval { lo, hi })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn weighted_sums_are_exact_and_their_range_is_the_bound(
            values in proptest::collection::vec(0i64..16, 1..12),
            weights in proptest::collection::vec((0u32..4, any::<bool>(), 0u8..5), 1..12),
            fast: bool,
        ) {
            let inputs: Vec<_> = values.iter().map(|&v| plain(v, 0, 15)).collect();
            let taps: Vec<(usize, i64)> = weights
                .iter()
                .enumerate()
                .map(|(i, &(e, neg, zero))| {
                    let w = if zero == 0 { 0 } else if neg { -(1i64 << e) } else { 1i64 << e };
                    (i % inputs.len(), w)
                })
                .collect();
            let backend = PlaintextBackend;
            let kind = if fast { AdderKind::Fast } else { AdderKind::Ripple };
            let mut c = Circuit::new(&backend, kind);
            let y = weighted_sum(&mut c, &inputs, &taps).unwrap();
            let exact: i64 = taps.iter().map(|&(k, w)| w * values[k]).sum();
            prop_assert_eq!(y.value(|c| *c), exact);
            // The range is the interval bound Σ w·[0, 15].
            let lo: i64 = taps.iter().map(|&(_, w)| (w * 15).min(0)).sum();
            let hi: i64 = taps.iter().map(|&(_, w)| (w * 15).max(0)).sum();
            prop_assert_eq!(y.range(), Interval { lo, hi });
            let nonzero = taps.iter().filter(|t| t.1 != 0).count() as u64;
            prop_assert_eq!(c.counts().shifts, nonzero);
            prop_assert_eq!(c.counts().additions + c.counts().constant_additions, nonzero.saturating_sub(1) + u64::from(taps.iter().all(|t| t.1 <= 0) && nonzero > 0));
        }
    }

    #[test]
    fn sums_of_nothing_are_zero() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let inputs = [plain(3, 0, 15)];
        assert_eq!(
            weighted_sum(&mut c, &inputs, &[(0, 0)])
                .unwrap()
                .value(|c| *c),
            0
        );
        assert_eq!(sum(&mut c, Vec::new()).unwrap().value(|c| *c), 0);
        assert_eq!(
            weighted_sum(&mut c, &inputs, &[(0, -4)])
                .unwrap()
                .value(|c| *c),
            -12
        );
        assert!(matches!(
            weighted_sum(&mut c, &inputs, &[(0, 3)]),
            Err(Overflow)
        ));
    }
}
