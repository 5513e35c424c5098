//! Signed, balanced gadget decomposition with rounding.
//!
//! For a base `B = 2^β` and `ℓ` levels, the gadget vector is `g = (q/B, q/B², …, q/B^ℓ)` with
//! `q = 2^w`. Decomposing a torus element `x` first rounds it to the closest multiple of `q/B^ℓ`
//! (the *closest representable value* `x̃`, ties rounding up), then writes
//!
//! ```text
//! x̃ = Σ_{j=1..ℓ} d_j · q/B^j  (mod q),   d_j ∈ [−B/2, B/2]
//! ```
//!
//! Digits are produced from the least significant level up: take the low `β` bits of the rounded
//! value, and if that digit is above `B/2` (or equal to `B/2` while the next bit is set) subtract
//! `B` and carry one into the next level. The tie rule makes the digits balanced: for a uniform
//! input their mean is 0 and their variance `(B² + 2)/12`, which is what the noise model of the key
//! switch and the external product assumes. A carry out of the top level is a multiple of `q`
//! and vanishes on the torus; there the tie `d_1 = ±B/2` (both equal `q/2`) is always resolved to
//! `+B/2`, which only changes that digit's sign, never its square.
//!
//! The rounding error `x − x̃` lies in `[−q/(2B^ℓ), q/(2B^ℓ))`.

use crate::scalar::Torus;
use core::fmt;

/// `β = log2(B)`, the number of bits of one digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecompositionBaseLog(pub u32);

/// `ℓ`, the number of digits (levels) kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecompositionLevelCount(pub usize);

/// Why a `(β, ℓ)` pair cannot decompose `w`-bit torus elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidDecomposition {
    /// The requested base log.
    pub base_log: u32,
    /// The requested level count.
    pub level_count: usize,
    /// The torus width.
    pub torus_bits: u32,
}

impl fmt::Display for InvalidDecomposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid decomposition: base log {} × {} levels must be in 1..={} bits with both ≥ 1",
            self.base_log, self.level_count, self.torus_bits
        )
    }
}

impl std::error::Error for InvalidDecomposition {}

/// A validated signed decomposition for `w = T::BITS`-bit torus elements.
///
/// ```
/// use torus::{SignedDecomposer, DecompositionBaseLog, DecompositionLevelCount};
/// let d = SignedDecomposer::<u64>::new(DecompositionBaseLog(4), DecompositionLevelCount(3)).unwrap();
/// let x: u64 = 0x1234_5678_9abc_def0;
/// let mut digits = [0i64; 3];
/// d.decompose_signed_into(x, &mut digits);
/// assert!(digits.iter().all(|&v| (-8..=8).contains(&v)));
/// assert_eq!(d.recompose_signed(&digits), d.closest_representable(x));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignedDecomposer<T: Torus> {
    word: WordDecomposer,
    _torus: core::marker::PhantomData<T>,
}

impl<T: Torus> SignedDecomposer<T> {
    /// Checks `1 ≤ β ≤ 63` (a digit must fit an `i64`), `ℓ ≥ 1` and `β·ℓ ≤ w`.
    pub fn new(
        base_log: DecompositionBaseLog,
        level_count: DecompositionLevelCount,
    ) -> Result<Self, InvalidDecomposition> {
        Ok(Self {
            word: WordDecomposer::new(T::BITS, base_log.0, level_count.0)?,
            _torus: core::marker::PhantomData,
        })
    }

    /// `β`.
    pub fn base_log(&self) -> DecompositionBaseLog {
        DecompositionBaseLog(self.word.base_log)
    }

    /// `ℓ`.
    pub fn level_count(&self) -> DecompositionLevelCount {
        DecompositionLevelCount(self.word.level_count)
    }

    /// The closest multiple of `q/B^ℓ` to `x` (ties round up), i.e. what `recompose` returns.
    pub fn closest_representable(&self, x: T) -> T {
        x.round_to_power_of_two(self.word.total_bits())
    }

    /// Digits `d_1 … d_ℓ` (most significant first) as signed integers in `[−B/2, B/2]`.
    ///
    /// # Panics
    /// If `out.len() != ℓ`.
    pub fn decompose_signed_into(&self, x: T, out: &mut [i64]) {
        assert_eq!(out.len(), self.word.level_count, "one slot per level");
        for (level, digit) in self.iter(x) {
            out[level - 1] = digit;
        }
    }

    /// Digits `d_1 … d_ℓ` (most significant first) as torus integers (two's complement mod `2^w`).
    ///
    /// # Panics
    /// If `out.len() != ℓ`.
    pub fn decompose_into(&self, x: T, out: &mut [T]) {
        assert_eq!(out.len(), self.word.level_count, "one slot per level");
        for (level, digit) in self.iter(x) {
            out[level - 1] = T::from_i64_wrapping(digit);
        }
    }

    /// Iterates `(level j, d_j)` from the least significant level `ℓ` down to level 1, without
    /// allocating.
    pub fn iter(&self, x: T) -> DecompositionIter {
        self.word.iter(x.to_u64())
    }

    /// `Σ_j d_j · q/B^j mod q` for signed digits `d_1 … d_ℓ`.
    pub fn recompose_signed(&self, digits: &[i64]) -> T {
        assert_eq!(digits.len(), self.word.level_count, "one digit per level");
        digits.iter().enumerate().fold(T::ZERO, |acc, (i, &d)| {
            acc.wrapping_add(T::from_i64_wrapping(d).wrapping_mul(self.gadget(i + 1)))
        })
    }

    /// `Σ_j d_j · q/B^j mod q` for digits given as torus integers.
    pub fn recompose(&self, digits: &[T]) -> T {
        assert_eq!(digits.len(), self.word.level_count, "one digit per level");
        digits.iter().enumerate().fold(T::ZERO, |acc, (i, &d)| {
            acc.wrapping_add(d.wrapping_mul(self.gadget(i + 1)))
        })
    }

    /// The gadget value `q/B^j` of level `j ∈ 1..=ℓ` as a torus element.
    pub fn gadget(&self, level: usize) -> T {
        debug_assert!((1..=self.word.level_count).contains(&level));
        T::ONE.shl(T::BITS - self.word.base_log * level as u32)
    }
}

/// The decomposition of `w`-bit words held in a `u64`, `w ≤ 64`. Kept separate from the torus type
/// so that small widths can be checked exhaustively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct WordDecomposer {
    width: u32,
    base_log: u32,
    level_count: usize,
}

impl WordDecomposer {
    pub(crate) fn new(
        width: u32,
        base_log: u32,
        level_count: usize,
    ) -> Result<Self, InvalidDecomposition> {
        let err = InvalidDecomposition {
            base_log,
            level_count,
            torus_bits: width,
        };
        let total = u64::from(base_log)
            .checked_mul(level_count as u64)
            .ok_or(err)?;
        if base_log == 0
            || base_log > 63
            || level_count == 0
            || total > u64::from(width)
            || width > 64
        {
            return Err(err);
        }
        Ok(Self {
            width,
            base_log,
            level_count,
        })
    }

    fn total_bits(&self) -> u32 {
        self.base_log * self.level_count as u32
    }

    /// `x̃ / (q/B^ℓ)`: the rounded input in units of the smallest gadget value, reduced mod `B^ℓ`
    /// (what is dropped is a multiple of `q`).
    pub(crate) fn rounded_units(&self, x: u64) -> u64 {
        let total = self.total_bits();
        let shift = self.width - total;
        let units = if shift == 0 {
            x
        } else {
            (x >> shift) + ((x >> (shift - 1)) & 1)
        };
        if total == 64 {
            units
        } else {
            units & ((1u64 << total) - 1)
        }
    }

    pub(crate) fn iter(&self, x: u64) -> DecompositionIter {
        DecompositionIter {
            state: self.rounded_units(x),
            base_log: self.base_log,
            next_level: self.level_count,
        }
    }
}

/// Iterator over `(level, digit)` pairs of one decomposition, least significant level first.
#[derive(Clone, Debug)]
pub struct DecompositionIter {
    state: u64,
    base_log: u32,
    next_level: usize,
}

impl Iterator for DecompositionIter {
    type Item = (usize, i64);

    #[inline]
    fn next(&mut self) -> Option<(usize, i64)> {
        if self.next_level == 0 {
            return None;
        }
        let level = self.next_level;
        self.next_level -= 1;
        let beta = self.base_log;
        let mask = (1u64 << beta) - 1;
        let raw = self.state & mask;
        self.state >>= beta;
        let half = 1u64 << (beta - 1);
        // Carry when the digit is above B/2, or exactly B/2 and the next bit is set (balancing).
        let carry = u64::from((raw > half) | ((raw == half) & (self.state & 1 == 1)));
        self.state += carry;
        // raw − carry·B as a signed value; the wrapping arithmetic is exact because β ≤ 63 keeps the
        // digit in [−2^62, 2^62].
        let digit = (raw as i64).wrapping_sub((carry << beta) as i64);
        Some((level, digit))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.next_level, Some(self.next_level))
    }
}

impl ExactSizeIterator for DecompositionIter {}

#[cfg(test)]
mod tests {
    use super::*;

    fn recompose_word(width: u32, base_log: u32, digits: &[(usize, i64)]) -> u64 {
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        digits.iter().fold(0u64, |acc, &(level, d)| {
            let g = 1u64 << (width - base_log * level as u32);
            acc.wrapping_add((d as u64).wrapping_mul(g))
        }) & mask
    }

    fn closest_word(width: u32, total: u32, x: u64) -> u64 {
        // Independent oracle: exact rational rounding in u128.
        let q = 1u128 << width;
        let unit = 1u128 << (width - total);
        let rounded = (u128::from(x) + unit / 2) / unit * unit;
        (rounded % q) as u64
    }

    #[test]
    fn exhaustive_small_widths() {
        for width in 1..=11u32 {
            for base_log in 1..=width {
                for level_count in 1..=(width / base_log) as usize {
                    let d = WordDecomposer::new(width, base_log, level_count).unwrap();
                    let half = 1i64 << (base_log - 1);
                    let mut sum = 0i64;
                    for x in 0..(1u64 << width) {
                        let digits: Vec<_> = d.iter(x).collect();
                        assert_eq!(digits.len(), level_count);
                        assert!(digits.iter().all(|&(_, v)| (-half..=half).contains(&v)));
                        sum += digits
                            .iter()
                            .filter(|&&(l, _)| l > 1)
                            .map(|&(_, v)| v)
                            .sum::<i64>();
                        assert_eq!(
                            recompose_word(width, base_log, &digits),
                            closest_word(width, base_log * level_count as u32, x),
                            "w={width} β={base_log} ℓ={level_count} x={x}"
                        );
                    }
                    // Balanced: over all inputs, the digits below the top level sum to (nearly) zero.
                    let n = (1i64 << width) * (level_count as i64 - 1);
                    assert!(
                        sum.abs() * 8 <= n.max(1),
                        "digits biased: sum {sum} over {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_invalid_pairs() {
        assert!(
            SignedDecomposer::<u32>::new(DecompositionBaseLog(0), DecompositionLevelCount(3))
                .is_err()
        );
        assert!(
            SignedDecomposer::<u32>::new(DecompositionBaseLog(4), DecompositionLevelCount(0))
                .is_err()
        );
        assert!(
            SignedDecomposer::<u32>::new(DecompositionBaseLog(11), DecompositionLevelCount(3))
                .is_err()
        );
        assert!(
            SignedDecomposer::<u64>::new(DecompositionBaseLog(64), DecompositionLevelCount(1))
                .is_err()
        );
        assert!(SignedDecomposer::<u64>::new(
            DecompositionBaseLog(u32::MAX),
            DecompositionLevelCount(usize::MAX)
        )
        .is_err());
    }

    #[test]
    fn full_width_is_exact() {
        let d = SignedDecomposer::<u64>::new(DecompositionBaseLog(32), DecompositionLevelCount(2))
            .unwrap();
        for x in [0u64, 1, u64::MAX, 1 << 63, (1 << 63) + 1, 12345] {
            let mut digits = [0i64; 2];
            d.decompose_signed_into(x, &mut digits);
            assert_eq!(d.recompose_signed(&digits), x);
        }
    }
}
