//! The discretised torus `T_q = (1/q)·Z / Z` with `q = 2^w`, stored as `w`-bit unsigned integers.
//!
//! An element `x ∈ {0, …, 2^w − 1}` stands for the real number `x / 2^w ∈ [0, 1)`. Addition and
//! subtraction are the integer operations modulo `2^w` (wrapping), and so is multiplication by an
//! integer (`Z × T → T` is well defined). The product of two torus elements is *not* defined on the
//! torus, but the wrapping product of their representatives is the ring product of `Z_q`, which is
//! what polynomial arithmetic in `Z_q[X]/(X^N + 1)` needs.

use core::fmt::Debug;
use core::hash::Hash;

/// An unsigned integer type used as a discretised torus element (`u32` or `u64`).
///
/// All arithmetic wraps modulo `2^BITS`; none of these methods can panic.
pub trait Torus:
    Copy
    + Clone
    + Default
    + Debug
    + Eq
    + Ord
    + Hash
    + Send
    + Sync
    + zeroize::Zeroize
    + bytemuck::Pod
    + 'static
{
    /// `w`: the torus is represented modulo `q = 2^w`.
    const BITS: u32;
    /// The element 0.
    const ZERO: Self;
    /// The element `1/q` (the integer 1).
    const ONE: Self;

    /// `self + rhs mod 2^w`.
    fn wrapping_add(self, rhs: Self) -> Self;
    /// `self − rhs mod 2^w`.
    fn wrapping_sub(self, rhs: Self) -> Self;
    /// `−self mod 2^w`.
    fn wrapping_neg(self) -> Self;
    /// `self · rhs mod 2^w` (ring product of the representatives).
    fn wrapping_mul(self, rhs: Self) -> Self;
    /// `self · 2^k mod 2^w`; zero when `k ≥ w`.
    fn shl(self, k: u32) -> Self;
    /// Logical right shift `⌊self / 2^k⌋`; zero when `k ≥ w`.
    fn shr(self, k: u32) -> Self;

    /// The representative as a `u64` (zero-extended).
    fn to_u64(self) -> u64;
    /// `x mod 2^w`.
    fn from_u64_wrapping(x: u64) -> Self;
    /// `x mod 2^w` for a signed integer (two's complement).
    fn from_i64_wrapping(x: i64) -> Self {
        Self::from_u64_wrapping(x as u64)
    }
    /// The representative in the balanced range `[−2^(w−1), 2^(w−1))`, as an `i64`.
    fn to_signed(self) -> i64;

    /// The real number `self / 2^w ∈ [0, 1)`.
    fn to_f64_fraction(self) -> f64 {
        self.to_u64() as f64 / 2f64.powi(Self::BITS as i32)
    }
    /// The real number `self / 2^w` taken in the balanced range `[−1/2, 1/2)`.
    fn to_signed_f64_fraction(self) -> f64 {
        self.to_signed() as f64 / 2f64.powi(Self::BITS as i32)
    }
    /// The closest torus element to the real number `x` (taken modulo 1).
    ///
    /// Exact when `x · 2^w` is an integer representable in an `f64`; otherwise the error is at most
    /// half an ulp of `x · 2^w`.
    fn from_f64_fraction(x: f64) -> Self {
        let frac = x - x.floor();
        let scaled = (frac * 2f64.powi(Self::BITS as i32)).round();
        // `scaled` lies in [0, 2^w]; 2^w itself wraps to 0. For w = 64 the `as u128` keeps 2^64.
        Self::from_u64_wrapping(scaled as u128 as u64)
    }

    /// Rounds to the closest multiple of `2^(w − log_modulus)`, i.e. to the torus `T_{2^log_modulus}`
    /// (ties round up). `log_modulus` must be in `1..=w`.
    fn round_to_power_of_two(self, log_modulus: u32) -> Self {
        debug_assert!((1..=Self::BITS).contains(&log_modulus));
        let shift = Self::BITS - log_modulus;
        if shift == 0 {
            return self;
        }
        let half = Self::ONE.shl(shift - 1);
        self.wrapping_add(half).shr(shift).shl(shift)
    }

    /// Modulus switching from `2^w` to `2^log_modulus`: `round(self · 2^log_modulus / 2^w) mod
    /// 2^log_modulus`, as an integer in `[0, 2^log_modulus)`. `log_modulus` must be in `1..=w`.
    ///
    /// With `log_modulus = log2(2N)` this maps a torus element to a rotation amount of
    /// `Z[X]/(X^N + 1)`; the rounding error is uniform in `[−1/2, 1/2)` units of `2^w / 2^log_modulus`.
    fn mod_switch(self, log_modulus: u32) -> u64 {
        debug_assert!((1..=Self::BITS).contains(&log_modulus));
        let shift = Self::BITS - log_modulus;
        self.round_to_power_of_two(log_modulus).shr(shift).to_u64()
    }

    /// A uniformly random element from a random 64-bit word (the low `w` bits are used).
    fn from_random_u64(word: u64) -> Self {
        Self::from_u64_wrapping(word)
    }
}

macro_rules! impl_torus {
    ($t:ty, $signed:ty) => {
        impl Torus for $t {
            const BITS: u32 = <$t>::BITS;
            const ZERO: Self = 0;
            const ONE: Self = 1;

            #[inline(always)]
            fn wrapping_add(self, rhs: Self) -> Self {
                <$t>::wrapping_add(self, rhs)
            }
            #[inline(always)]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$t>::wrapping_sub(self, rhs)
            }
            #[inline(always)]
            fn wrapping_neg(self) -> Self {
                <$t>::wrapping_neg(self)
            }
            #[inline(always)]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$t>::wrapping_mul(self, rhs)
            }
            #[inline(always)]
            fn shl(self, k: u32) -> Self {
                self.checked_shl(k).unwrap_or(0)
            }
            #[inline(always)]
            fn shr(self, k: u32) -> Self {
                self.checked_shr(k).unwrap_or(0)
            }
            #[inline(always)]
            fn to_u64(self) -> u64 {
                u64::from(self)
            }
            #[inline(always)]
            fn from_u64_wrapping(x: u64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_signed(self) -> i64 {
                i64::from(self as $signed)
            }
        }
    };
}

impl_torus!(u32, i32);
impl_torus!(u64, i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_round_trip() {
        assert_eq!(u64::from_f64_fraction(0.5), 1u64 << 63);
        assert_eq!(u32::from_f64_fraction(0.25), 1u32 << 30);
        assert_eq!(u32::from_f64_fraction(-0.25), 3u32 << 30);
        assert_eq!(u32::from_f64_fraction(1.0), 0);
        assert_eq!((3u32 << 30).to_signed_f64_fraction(), -0.25);
        assert_eq!((1u64 << 62).to_f64_fraction(), 0.25);
    }

    #[test]
    fn signed_representative() {
        assert_eq!(u32::MAX.to_signed(), -1);
        assert_eq!((1u32 << 31).to_signed(), i64::from(i32::MIN));
        assert_eq!(u64::from_i64_wrapping(-5).to_signed(), -5);
    }

    #[test]
    fn shifts_saturate_to_zero() {
        assert_eq!(Torus::shl(1u32, 32), 0);
        assert_eq!(Torus::shr(u64::MAX, 64), 0);
        assert_eq!(Torus::shl(3u64, 62), 3u64 << 62);
    }

    #[test]
    fn rounding_and_mod_switch_match_real_arithmetic() {
        // Exhaustive over the top 16 bits with a few low patterns, against f64 arithmetic.
        for hi in 0u32..(1 << 16) {
            for lo in [0u32, 1, 0x7fff, 0x8000, 0xffff] {
                let x = (hi << 16) | lo;
                for log in [1u32, 4, 11, 16, 31] {
                    let scaled = f64::from(x) * 2f64.powi(log as i32) / 2f64.powi(32);
                    // ties round up, as documented
                    let expected = ((scaled + 0.5).floor() as u64) % (1u64 << log);
                    assert_eq!(x.mod_switch(log), expected, "x={x:#x} log={log}");
                    assert_eq!(
                        x.round_to_power_of_two(log),
                        (expected as u32) << (32 - log),
                        "x={x:#x} log={log}"
                    );
                }
            }
        }
        assert_eq!(u32::MAX.round_to_power_of_two(32), u32::MAX);
    }
}
