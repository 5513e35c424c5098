//! One bit of an encrypted integer: a constant the circuit knows, or a (possibly negated)
//! gate-bootstrapping ciphertext.
//!
//! A bit is [`Bit::Known`] when its value follows from the model alone — the zero fill of a
//! left shift, the bits of a batch-norm bias, the high bits that a proven range fixes — and
//! never from data, so which bits are known is the same for every input image. Gates fold
//! known bits away ([`super::circuit`]), which is what makes a shift by `2^k` free and keeps the
//! bootstraps of the adders to the bits that can actually vary.
//!
//! An encrypted bit shares its ciphertext through an [`Arc`]: re-indexing bits (shifts, sign
//! extension, flatten) copies no ciphertext, and `NOT` flips a flag — the negation `−c` of an
//! LWE ciphertext `c` of `±1/8` is a ciphertext of `∓1/8`, so a gate that reads `¬x` just uses the
//! coefficient `−α` for `x` in its linear combination (no bootstrap, no noise, no copy).

use std::sync::Arc;

/// A bit of an encrypted integer over ciphertexts of type `C`.
#[derive(Debug)]
pub enum Bit<C> {
    /// A value fixed by the model (the same for every input).
    Known(bool),
    /// A ciphertext of `±1/8`; the bit is the ciphertext's boolean, inverted when `negated`.
    Encrypted {
        /// The shared ciphertext.
        ciphertext: Arc<C>,
        /// Whether the bit is the negation of the ciphertext's boolean.
        negated: bool,
    },
}

impl<C> Clone for Bit<C> {
    fn clone(&self) -> Self {
        match self {
            Self::Known(v) => Self::Known(*v),
            Self::Encrypted {
                ciphertext,
                negated,
            } => Self::Encrypted {
                ciphertext: Arc::clone(ciphertext),
                negated: *negated,
            },
        }
    }
}

impl<C> Bit<C> {
    /// The constant `0`.
    pub const ZERO: Self = Self::Known(false);
    /// The constant `1`.
    pub const ONE: Self = Self::Known(true);

    /// An encrypted bit: the boolean of `ciphertext`.
    pub fn encrypted(ciphertext: C) -> Self {
        Self::Encrypted {
            ciphertext: Arc::new(ciphertext),
            negated: false,
        }
    }

    /// `¬self`: free (a constant flips, a ciphertext changes polarity).
    #[must_use]
    pub fn not(&self) -> Self {
        match self {
            Self::Known(v) => Self::Known(!v),
            Self::Encrypted {
                ciphertext,
                negated,
            } => Self::Encrypted {
                ciphertext: Arc::clone(ciphertext),
                negated: !negated,
            },
        }
    }

    /// `¬self` when `invert`, `self` otherwise.
    #[must_use]
    pub fn xor_known(&self, invert: bool) -> Self {
        if invert {
            self.not()
        } else {
            self.clone()
        }
    }

    /// The value, if the circuit knows it.
    pub fn known(&self) -> Option<bool> {
        match self {
            Self::Known(v) => Some(*v),
            Self::Encrypted { .. } => None,
        }
    }

    /// Whether the bit is a ciphertext.
    pub fn is_encrypted(&self) -> bool {
        matches!(self, Self::Encrypted { .. })
    }

    /// If both bits read the same ciphertext: `Some(true)` when they are equal, `Some(false)`
    /// when one is the negation of the other; `None` otherwise (different ciphertexts, or a
    /// known bit).
    pub fn relation(&self, other: &Self) -> Option<bool> {
        match (self, other) {
            (
                Self::Encrypted {
                    ciphertext: a,
                    negated: na,
                },
                Self::Encrypted {
                    ciphertext: b,
                    negated: nb,
                },
            ) if Arc::ptr_eq(a, b) => Some(na == nb),
            _ => None,
        }
    }

    /// The value under a decryption of the ciphertexts (`decrypt` returns the boolean of a
    /// ciphertext).
    pub fn value(&self, decrypt: impl Fn(&C) -> bool) -> bool {
        match self {
            Self::Known(v) => *v,
            Self::Encrypted {
                ciphertext,
                negated,
            } => decrypt(ciphertext) ^ negated,
        }
    }

    /// `±1` for the linear combination of a gate: `−1` for a negated ciphertext. `None` for a
    /// known bit.
    pub(crate) fn signed_ciphertext(&self) -> Option<(i64, &C)> {
        match self {
            Self::Known(_) => None,
            Self::Encrypted {
                ciphertext,
                negated,
            } => Some((if *negated { -1 } else { 1 }, ciphertext)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_flips_known_bits_and_polarity() {
        let x = Bit::encrypted(true);
        let nx = x.not();
        assert!(x.value(|c| *c));
        assert!(!nx.value(|c| *c));
        assert!(nx.not().value(|c| *c));
        assert_eq!(x.relation(&nx), Some(false));
        assert_eq!(x.relation(&x.clone()), Some(true));
        assert_eq!(x.relation(&Bit::encrypted(true)), None);
        assert_eq!(Bit::<bool>::ONE.not().known(), Some(false));
        assert_eq!(x.relation(&Bit::ONE), None);
        assert!(!x.xor_known(true).value(|c| *c));
    }
}
