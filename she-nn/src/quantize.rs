//! SHE quantization: power-of-two weight codes and fixed-point activations.
//!
//! A weight is a **5-bit code** as in the SHE paper (Lou & Jiang 2019, §3.1): one sign bit and a
//! 4-bit exponent field `f`. `f = 0` is the explicit zero code; otherwise the weight is
//! `±2^(f−1)`, an integer in `{±1, ±2, …, ±2^14}`. Multiplying an encrypted integer by such a
//! weight is a shift (multiplication of every LWE coefficient by `±2^e`), never a bootstrap.
//!
//! Activations are unsigned `b`-bit integers `[0, 2^b − 1]`; the input image is quantized to
//! `bits` bits by dropping the low bits of each 8-bit pixel.

/// A 5-bit power-of-two weight code (sign bit 4, exponent field bits 0–3; field 0 means zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct WeightCode(u8);

/// The largest exponent a code can hold: `2^14`.
pub const MAX_WEIGHT_EXPONENT: u32 = 14;

impl WeightCode {
    /// The zero weight.
    pub const ZERO: Self = Self(0);

    /// Validates a raw code: only the low 5 bits may be set, and the negative zero `0b1_0000`
    /// is rejected so that every weight has exactly one code.
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits < 32 && bits != 0b1_0000).then_some(Self(bits))
    }

    /// The code of `±2^exponent`.
    pub fn power_of_two(exponent: u32, negative: bool) -> Option<Self> {
        (exponent <= MAX_WEIGHT_EXPONENT)
            .then(|| Self((u8::from(negative) << 4) | (exponent as u8 + 1)))
    }

    /// The code of an integer weight, if it is zero or `±2^e` with `e ≤ 14`.
    pub fn from_value(value: i64) -> Option<Self> {
        if value == 0 {
            return Some(Self::ZERO);
        }
        let magnitude = value.unsigned_abs();
        if !magnitude.is_power_of_two() {
            return None;
        }
        Self::power_of_two(magnitude.trailing_zeros(), value < 0)
    }

    /// The raw 5-bit code.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether this is the zero code.
    pub fn is_zero(self) -> bool {
        self.0 & 0x0f == 0
    }

    /// Whether the weight is negative.
    pub fn is_negative(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// `e` for a weight `±2^e`; `None` for zero.
    pub fn exponent(self) -> Option<u32> {
        let field = u32::from(self.0 & 0x0f);
        (field != 0).then(|| field - 1)
    }

    /// The integer value `0` or `±2^e`.
    pub fn value(self) -> i64 {
        match self.exponent() {
            None => 0,
            Some(e) if self.is_negative() => -(1i64 << e),
            Some(e) => 1i64 << e,
        }
    }
}

/// Quantizes an 8-bit pixel to `bits` bits: `pixel >> (8 − bits)`.
pub fn quantize_pixel(pixel: u8, bits: u32) -> i64 {
    debug_assert!((1..=8).contains(&bits));
    i64::from(pixel >> (8 - bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_value() {
        let mut seen = std::collections::HashSet::new();
        for bits in 0u8..=255 {
            let Some(code) = WeightCode::from_bits(bits) else {
                assert!(bits >= 32 || bits == 0b1_0000);
                continue;
            };
            assert_eq!(WeightCode::from_value(code.value()), Some(code));
            assert!(seen.insert(code.value()), "two codes for {}", code.value());
        }
        // zero, and ±2^0 … ±2^14
        assert_eq!(seen.len(), 1 + 2 * 15);
    }

    #[test]
    fn non_powers_of_two_have_no_code() {
        for v in [3i64, -3, 5, 6, 7, 1 << 15, -(1 << 15), i64::MIN] {
            assert_eq!(WeightCode::from_value(v), None, "{v}");
        }
    }
}
