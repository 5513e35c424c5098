//! Plaintext encodings: integers modulo `p = 2^b` placed in the most significant bits of the torus.
//!
//! With `π` padding bits (0 or more) an encoding uses the scaling factor `Δ = 2^(w − π − b)`:
//!
//! ```text
//! encode(m) = (m mod p) · Δ            decode(x) = round(x / Δ) mod p
//! ```
//!
//! The padding bit (`π = 1`) keeps the top bit of the torus at zero for every valid message, so a
//! programmable bootstrap can evaluate *any* function of `m`: the negacyclic sign flip of the blind
//! rotation then never occurs. `decode` is correct as long as the noise `e` satisfies `|e| < Δ/2`.
//! Signed messages use two's complement modulo `p`.

use crate::scalar::Torus;
use core::fmt;

/// An encoding of `message_bits`-bit integers with `padding_bits` bits of padding above them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Encoding {
    message_bits: u32,
    padding_bits: u32,
}

/// Why an [`Encoding`] cannot be built for a torus width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidEncoding {
    /// Requested message bits.
    pub message_bits: u32,
    /// Requested padding bits.
    pub padding_bits: u32,
    /// Torus width.
    pub torus_bits: u32,
}

impl fmt::Display for InvalidEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid encoding: {} message bits + {} padding bits must be at least 1 and below the {}-bit torus",
            self.message_bits, self.padding_bits, self.torus_bits
        )
    }
}

impl std::error::Error for InvalidEncoding {}

impl Encoding {
    /// An encoding for a `T`-torus. Requires `b ≥ 1` and `π + b < w` (at least one bit of `Δ`
    /// below the message for the noise).
    pub fn new<T: Torus>(message_bits: u32, padding_bits: u32) -> Result<Self, InvalidEncoding> {
        if message_bits == 0 || message_bits.saturating_add(padding_bits) >= T::BITS {
            return Err(InvalidEncoding {
                message_bits,
                padding_bits,
                torus_bits: T::BITS,
            });
        }
        Ok(Self {
            message_bits,
            padding_bits,
        })
    }

    /// `b`, the number of message bits.
    pub fn message_bits(&self) -> u32 {
        self.message_bits
    }

    /// `π`, the number of padding bits.
    pub fn padding_bits(&self) -> u32 {
        self.padding_bits
    }

    /// `p = 2^b`.
    pub fn message_modulus(&self) -> u64 {
        1u64 << self.message_bits
    }

    /// `log2 Δ = w − π − b` for a `T`-torus.
    pub fn delta_log<T: Torus>(&self) -> u32 {
        T::BITS - self.padding_bits - self.message_bits
    }

    /// `Δ` as a torus integer.
    pub fn delta<T: Torus>(&self) -> T {
        T::ONE.shl(self.delta_log::<T>())
    }

    /// `(m mod p) · Δ`.
    pub fn encode<T: Torus>(&self, message: u64) -> T {
        T::from_u64_wrapping(message & (self.message_modulus() - 1)).shl(self.delta_log::<T>())
    }

    /// Two's complement encoding of a signed message: `(m mod p) · Δ`.
    pub fn encode_signed<T: Torus>(&self, message: i64) -> T {
        self.encode(message as u64)
    }

    /// `round(x / Δ) mod p`: the closest message, discarding the padding bits.
    pub fn decode<T: Torus>(&self, x: T) -> u64 {
        self.decode_with_padding(x) & (self.message_modulus() - 1)
    }

    /// `round(x / Δ) mod 2^(π + b)`: the closest multiple of `Δ`, padding bits included, so that a
    /// message that overflowed into the padding can be seen.
    pub fn decode_with_padding<T: Torus>(&self, x: T) -> u64 {
        x.mod_switch(self.padding_bits + self.message_bits)
    }

    /// `decode` read as a two's complement integer in `[−p/2, p/2)`.
    pub fn decode_signed<T: Torus>(&self, x: T) -> i64 {
        let m = self.decode(x);
        let p = self.message_modulus();
        if m >= p / 2 {
            // m − p in two's complement: p is at most 2^63, so `p as i64` can overflow, but the
            // difference, in [−p/2, 0), always fits.
            m.wrapping_sub(p) as i64
        } else {
            m as i64
        }
    }

    /// The signed distance from `x` to the encoding of its decoded message, in torus integers: the
    /// noise, if `x` decrypts correctly.
    pub fn noise_of<T: Torus>(&self, x: T) -> i64 {
        let rounded = x.round_to_power_of_two(self.padding_bits + self.message_bits);
        x.wrapping_sub(rounded).to_signed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustive_round_trip_with_noise_below_half_delta() {
        for (b, pad) in [(1, 0), (1, 1), (4, 1), (5, 0), (8, 1)] {
            let enc = Encoding::new::<u32>(b, pad).unwrap();
            let half = 1i64 << (enc.delta_log::<u32>() - 1);
            for m in 0..enc.message_modulus() {
                for e in [-(half - 1), -1, 0, 1, half - 1] {
                    let x = enc.encode::<u32>(m).wrapping_add(u32::from_i64_wrapping(e));
                    assert_eq!(enc.decode(x), m);
                    assert_eq!(enc.noise_of(x), e);
                }
            }
        }
    }

    #[test]
    fn signed_messages_and_padding() {
        let enc = Encoding::new::<u64>(5, 1).unwrap();
        for m in -16i64..16 {
            assert_eq!(enc.decode_signed(enc.encode_signed::<u64>(m)), m);
        }
        assert_eq!(enc.delta::<u64>(), 1u64 << 58);
        // An overflow into the padding bit is visible with decode_with_padding.
        let x = enc.encode::<u64>(31).wrapping_add(enc.delta::<u64>());
        assert_eq!(enc.decode(x), 0);
        assert_eq!(enc.decode_with_padding(x), 32);
    }

    #[test]
    fn rejects_encodings_without_room_for_noise() {
        assert!(Encoding::new::<u32>(0, 1).is_err());
        assert!(Encoding::new::<u32>(31, 1).is_err());
        assert!(Encoding::new::<u32>(30, 1).is_ok());
        assert!(Encoding::new::<u64>(u32::MAX, 1).is_err());
    }

    #[test]
    fn decode_signed_covers_the_widest_encoding() {
        // 63 message bits, no padding, on u64: p = 2^63 (found by the `encoding` fuzz target,
        // whose regression seed is fuzz/seeds/encoding/regression-encoding-decode-signed-63-bits).
        let enc = Encoding::new::<u64>(63, 0).unwrap();
        assert_eq!(enc.message_modulus(), 1 << 63);
        for (m, signed) in [
            (0u64, 0i64),
            (1, 1),
            ((1 << 62) - 1, (1 << 62) - 1),
            (1 << 62, -(1 << 62)),
            ((1 << 63) - 1, -1),
        ] {
            assert_eq!(enc.decode_signed(enc.encode::<u64>(m)), signed, "{m}");
        }
        let enc = Encoding::new::<u32>(31, 0).unwrap();
        assert_eq!(enc.decode_signed(enc.encode::<u32>(1 << 30)), -(1 << 30));
    }
}
