//! Encrypted integers: two's-complement bit vectors of a proven range.
//!
//! An [`EncryptedInt`] is `w` bits `x_0 … x_(w−1)` (least significant first) read in two's
//! complement, `x = −2^(w−1)·x_(w−1) + Σ_(i<w−1) 2^i·x_i`, together with an interval that
//! provably holds `x` for every input image (propagated exactly like
//! [`crate::bounds::layer_bounds`]). The width is always the smallest that holds the interval
//! ([`width_for`]): never wider than needed. Bits the interval fixes are [`Bit::Known`]: all
//! values of `[lo, hi]` share the bits `i` with `⌊lo/2^i⌋ = ⌊hi/2^i⌋`, so a non-negative
//! integer's sign bit is a known `0`, and an integer of range `[8, 15]` has only three encrypted
//! bits.
//!
//! Free operations (no bootstrap, no ciphertext copied — bits are shared through `Arc`s):
//!
//! * `x·2^k` ([`EncryptedInt::shifted_left`]): the bits move up by `k`, `k` known zeros fill
//!   the bottom;
//! * `⌊x/2^k⌋` ([`EncryptedInt::floor_shifted_right`]): the bottom `k` bits are dropped (an
//!   arithmetic right shift; the sign bit is replicated as needed — [`EncryptedInt::bit`] reads
//!   every bit above the width as the sign);
//! * `−x − 1 = ¬x` bit by bit ([`Bit::not`]); the `+1` of a negation is the carry-in of the adder
//!   that consumes it ([`super::adder`]).

use super::bit::Bit;
use crate::bounds::Interval;

/// The smallest two's-complement width `w ≥ 1` with `−2^(w−1) ≤ lo` and `hi ≤ 2^(w−1) − 1`.
pub fn width_for(range: Interval) -> usize {
    // Bits of the magnitude: for v ≥ 0, v needs bit_len(v) + 1 bits; for v < 0, bit_len(¬v) + 1.
    let need = |v: i64| {
        let m = if v < 0 { !v } else { v };
        (64 - m.leading_zeros()) as usize + 1
    };
    need(range.lo).max(need(range.hi))
}

/// An encrypted integer: bits (least significant first, two's complement) and a proven range.
#[derive(Debug)]
pub struct EncryptedInt<C> {
    bits: Vec<Bit<C>>,
    range: Interval,
}

impl<C> Clone for EncryptedInt<C> {
    fn clone(&self) -> Self {
        Self {
            bits: self.bits.clone(),
            range: self.range,
        }
    }
}

impl<C> EncryptedInt<C> {
    /// The integer of `bits` (two's complement, least significant first) known to lie in
    /// `range`: the bits are cut to [`width_for`]`(range)` (the dropped ones are copies of the
    /// sign for every value of the range) and the bits the range fixes become known.
    ///
    /// The caller guarantees that the bits, read in two's complement at their own width, hold a
    /// value of `range` (a sign-extended value has the same meaning at any larger width).
    pub fn from_bits(mut bits: Vec<Bit<C>>, range: Interval) -> Self {
        let width = width_for(range);
        if bits.is_empty() {
            bits.push(Bit::ZERO);
        }
        // Sign-extend short vectors, cut long ones.
        while bits.len() < width {
            let sign = bits[bits.len() - 1].clone();
            bits.push(sign);
        }
        bits.truncate(width);
        for (i, bit) in bits.iter_mut().enumerate() {
            // i < 64 (width ≤ 64); v >> 63 is the sign for i = 63.
            let (lo, hi) = (range.lo >> i, range.hi >> i);
            if lo == hi {
                *bit = Bit::Known(lo & 1 == 1);
            }
        }
        Self { bits, range }
    }

    /// The constant `v`.
    pub fn constant(v: i64) -> Self {
        Self::from_bits(Vec::new(), Interval::point(v))
    }

    /// The width `w` (at least 1).
    pub fn width(&self) -> usize {
        self.bits.len()
    }

    /// The bits, least significant first.
    pub fn bits(&self) -> &[Bit<C>] {
        &self.bits
    }

    /// The proven range.
    pub fn range(&self) -> Interval {
        self.range
    }

    /// Bit `i`, for any `i`: bits above the width are copies of the sign bit.
    pub fn bit(&self, i: usize) -> &Bit<C> {
        let top = self.bits.len() - 1;
        &self.bits[i.min(top)]
    }

    /// The sign bit.
    pub fn sign(&self) -> &Bit<C> {
        self.bit(self.bits.len() - 1)
    }

    /// Whether every bit is known (the value does not depend on the input).
    pub fn is_constant(&self) -> bool {
        self.bits.iter().all(|b| b.known().is_some())
    }

    /// Number of encrypted bits.
    pub fn encrypted_bits(&self) -> usize {
        self.bits.iter().filter(|b| b.is_encrypted()).count()
    }

    /// `x·2^k`: free. `None` if the range leaves `i64`.
    pub fn shifted_left(&self, k: u32) -> Option<Self> {
        if k > 62 {
            return None;
        }
        let scale = 1i64 << k;
        let lo = self.range.lo.checked_mul(scale)?;
        let hi = self.range.hi.checked_mul(scale)?;
        let mut bits = Vec::with_capacity(self.bits.len() + k as usize);
        bits.extend(std::iter::repeat_n(Bit::ZERO, k as usize));
        bits.extend(self.bits.iter().cloned());
        Some(Self::from_bits(bits, Interval { lo, hi }))
    }

    /// `⌊x/2^k⌋`, the arithmetic right shift: free.
    pub fn floor_shifted_right(&self, k: u32) -> Self {
        let k = k.min(63);
        let range = Interval {
            lo: self.range.lo >> k,
            hi: self.range.hi >> k,
        };
        let start = (k as usize).min(self.bits.len() - 1);
        Self::from_bits(self.bits[start..].to_vec(), range)
    }

    /// The value, given how to decrypt one ciphertext.
    pub fn value(&self, decrypt: impl Fn(&C) -> bool) -> i64 {
        let w = self.bits.len();
        let mut v = 0i64;
        for (i, bit) in self.bits.iter().enumerate() {
            if bit.value(&decrypt) {
                v = v.wrapping_add(if i + 1 == w {
                    (-1i64).wrapping_shl(i as u32)
                } else {
                    1i64 << i
                });
            }
        }
        v
    }
}

/// Maps every ciphertext of a tensor of integers through `f`, once per distinct ciphertext:
/// bits that share a ciphertext (sign extensions, a comparator bit a MAX copied into several
/// positions, a flatten) still share one afterwards, so a circuit run on the result folds exactly
/// as it would on the original (same gates, same counts).
pub fn map_tensor<C, D>(
    tensor: &[EncryptedInt<C>],
    mut f: impl FnMut(&C) -> D,
) -> Vec<EncryptedInt<D>> {
    let mut seen: std::collections::HashMap<*const C, std::sync::Arc<D>> =
        std::collections::HashMap::new();
    let mut map_bit = |bit: &Bit<C>| match bit {
        Bit::Known(v) => Bit::Known(*v),
        Bit::Encrypted {
            ciphertext,
            negated,
        } => {
            let mapped = seen
                .entry(std::sync::Arc::as_ptr(ciphertext))
                .or_insert_with(|| std::sync::Arc::new(f(ciphertext)));
            Bit::Encrypted {
                ciphertext: std::sync::Arc::clone(mapped),
                negated: *negated,
            }
        }
    };
    tensor
        .iter()
        .map(|x| EncryptedInt {
            bits: x.bits.iter().map(&mut map_bit).collect(),
            range: x.range,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(lo: i64, hi: i64) -> Interval {
        Interval { lo, hi }
    }

    /// A plaintext "encrypted" integer of `v` in `range`: every bit a ciphertext.
    fn plain(v: i64, range: Interval) -> EncryptedInt<bool> {
        let bits = (0..64).map(|i| Bit::encrypted((v >> i) & 1 == 1)).collect();
        EncryptedInt::from_bits(bits, range)
    }

    #[test]
    fn widths() {
        assert_eq!(width_for(iv(0, 0)), 1);
        assert_eq!(width_for(iv(-1, 0)), 1);
        assert_eq!(width_for(iv(0, 1)), 2);
        assert_eq!(width_for(iv(-2, 1)), 2);
        assert_eq!(width_for(iv(0, 15)), 5);
        assert_eq!(width_for(iv(-16, 15)), 5);
        assert_eq!(width_for(iv(-17, 0)), 6);
        assert_eq!(width_for(iv(i64::MIN, i64::MAX)), 64);
    }

    #[test]
    fn the_range_fixes_known_bits() {
        let x = plain(12, iv(8, 15));
        assert_eq!(x.width(), 5);
        assert_eq!(x.encrypted_bits(), 3);
        assert_eq!(x.bits()[3].known(), Some(true));
        assert_eq!(x.sign().known(), Some(false));
        assert_eq!(x.value(|c| *c), 12);
        let n = plain(-3, iv(-4, -1));
        assert_eq!(n.width(), 3);
        assert_eq!(n.encrypted_bits(), 2);
        assert_eq!(n.value(|c| *c), -3);
        assert!(EncryptedInt::<bool>::constant(-5).is_constant());
        assert_eq!(
            EncryptedInt::<bool>::constant(-5).value(|_| unreachable!()),
            -5
        );
    }

    proptest! {
        #[test]
        fn shifts_are_exact(a in -1000i64..1000, b in -1000i64..1000, v_seed: u64, k in 0u32..12) {
            let (lo, hi) = (a.min(b), a.max(b));
            let v = lo + (v_seed % (hi - lo + 1) as u64) as i64;
            let x = plain(v, iv(lo, hi));
            prop_assert_eq!(x.value(|c| *c), v);
            let left = x.shifted_left(k).unwrap();
            prop_assert_eq!(left.value(|c| *c), v << k);
            prop_assert_eq!(left.width(), width_for(left.range()));
            prop_assert_eq!(left.encrypted_bits(), x.encrypted_bits());
            let right = x.floor_shifted_right(k);
            prop_assert_eq!(right.value(|c| *c), v >> k);
            prop_assert!(right.range().contains(v >> k));
            for i in 0..70 {
                prop_assert_eq!(x.bit(i).value(|c| *c), (v >> i.min(63)) & 1 == 1);
            }
        }
    }
}
