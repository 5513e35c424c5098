//! Lookup tables (test vectors) for programmable bootstrapping.
//!
//! The blind rotation turns the accumulator `v(X)` into `X^(−φ̃)·v(X)` where `φ̃ ∈ [0, 2N)` is the
//! input phase switched to `Z_(2N)`; its constant coefficient is `v_φ̃` for `φ̃ < N` and `−v_(φ̃−N)`
//! for `φ̃ ≥ N`. The first half of the torus therefore reads `v` directly and the second half reads
//! `−v`: a bootstrap evaluates a **negacyclic** function of the phase.
//!
//! With `P = 2^(b+π)` boxes of `2N/P` coefficients (`b` message bits, `π` padding bits), box `m`
//! holds the output for phase `m·q/P`. The table is rotated by half a box, so that any phase within
//! `±q/(2P)` of a message (noise below `Δ/2`) lands in that message's box:
//!
//! * **padding-aware** (`π ≥ 1`): every message lives in the first half, so any function
//!   `f: [0, p) → T` is allowed ([`LookupTable::from_fn`]);
//! * **negacyclic** (`π = 0`): messages `m ≥ p/2` read `−f(m − p/2)`, so the caller gives `f` on
//!   `[0, p/2)` only ([`LookupTable::negacyclic_from_fn`]);
//! * **sign** ([`LookupTable::sign`]): a constant table without rotation: output `+v` for phases in
//!   `[0, 1/2)` and `−v` for `[1/2, 1)`, the gate-bootstrapping test vector.

use crate::dimensions::PolynomialSize;
use crate::error::TfheError;
use torus::{Encoding, Torus};

/// A test vector of `N` torus coefficients, ready to be rotated by a blind rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupTable<T: Torus> {
    polynomial: Vec<T>,
}

impl<T: Torus> LookupTable<T> {
    /// A padding-aware table for any function of the message: input encoded by `input` (at least
    /// one padding bit), output `f(m)` given directly as a torus element.
    pub fn from_torus_fn(
        size: PolynomialSize,
        input: &Encoding,
        f: impl Fn(u64) -> T,
    ) -> Result<Self, TfheError> {
        let mut table = Self::zero(size);
        table.refill_from_torus_fn(input, f)?;
        Ok(table)
    }

    /// A padding-aware table for an integer function: output `output.encode(f(m))`.
    pub fn from_fn(
        size: PolynomialSize,
        input: &Encoding,
        output: &Encoding,
        f: impl Fn(u64) -> u64,
    ) -> Result<Self, TfheError> {
        Self::from_torus_fn(size, input, |m| output.encode(f(m)))
    }

    /// A negacyclic table for an encoding without padding: `f` is given on `[0, p/2)`, and the
    /// bootstrap returns `−f(m − p/2)` for `m ≥ p/2`.
    pub fn negacyclic_from_fn(
        size: PolynomialSize,
        input: &Encoding,
        f: impl Fn(u64) -> T,
    ) -> Result<Self, TfheError> {
        let mut table = Self::zero(size);
        table.refill_negacyclic_from_fn(input, f)?;
        Ok(table)
    }

    /// The sign table: `+value` for phases in `[0, 1/2)`, `−value` in `[1/2, 1)`.
    pub fn sign(size: PolynomialSize, value: T) -> Self {
        Self {
            polynomial: vec![value; size.0],
        }
    }

    /// The all-zero table of size `N` (a buffer for the `refill_*` methods).
    pub fn zero(size: PolynomialSize) -> Self {
        Self {
            polynomial: vec![T::ZERO; size.0],
        }
    }

    /// [`Self::from_torus_fn`] in place, without allocating (hot paths keep one table and
    /// refill it). On error the table is left unchanged.
    pub fn refill_from_torus_fn(
        &mut self,
        input: &Encoding,
        f: impl Fn(u64) -> T,
    ) -> Result<(), TfheError> {
        if input.padding_bits() == 0 {
            return Err(TfheError::LookupTable(
                "a padding-aware table needs at least one padding bit (use negacyclic_from_fn)",
            ));
        }
        let p = input.message_modulus();
        self.fill_boxes(input, |m| f(m % p))
    }

    /// [`Self::negacyclic_from_fn`] in place, without allocating. On error the table is left
    /// unchanged.
    pub fn refill_negacyclic_from_fn(
        &mut self,
        input: &Encoding,
        f: impl Fn(u64) -> T,
    ) -> Result<(), TfheError> {
        self.fill_boxes(input, f)
    }

    /// [`Self::sign`] in place.
    pub fn refill_sign(&mut self, value: T) {
        self.polynomial.fill(value);
    }

    /// Fills `P/2` boxes of `2N/P` coefficients with `f(m)`, rotated by half a box:
    /// `v'(X) = X^(−box/2)·v(X)`, i.e. `v'_j = v_(j + box/2)` for `j + box/2 < N` and
    /// `−v_(j + box/2 − N)` past the end (`X^N = −1`), where `v_i = f(⌊i / box⌋)`.
    fn fill_boxes(&mut self, input: &Encoding, f: impl Fn(u64) -> T) -> Result<(), TfheError> {
        let n = self.polynomial.len();
        let total_bits = input.message_bits() + input.padding_bits();
        if !n.is_power_of_two() || total_bits > n.trailing_zeros() + 1 {
            return Err(TfheError::LookupTable(
                "2^(message + padding bits) must divide 2N",
            ));
        }
        let box_size = (2 * n) >> total_bits;
        let shift = box_size / 2;
        for (j, v) in self.polynomial.iter_mut().enumerate() {
            let source = j + shift;
            *v = if source < n {
                f((source / box_size) as u64)
            } else {
                f(((source - n) / box_size) as u64).wrapping_neg()
            };
        }
        Ok(())
    }

    /// The coefficients.
    pub fn as_slice(&self) -> &[T] {
        &self.polynomial
    }

    /// `N`.
    pub fn polynomial_size(&self) -> PolynomialSize {
        PolynomialSize(self.polynomial.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use torus::Polynomial;

    /// The table built in place equals the definition: boxes of `f(m)`, then the polynomial
    /// product with the monomial `X^(2N − box/2)` (the oracle multiplies by the monomial).
    #[test]
    fn refill_matches_boxes_times_monomial() {
        for (n, bits, padding) in [(16usize, 2u32, 1u32), (64, 3, 0), (512, 4, 1), (8, 4, 0)] {
            let size = PolynomialSize(n);
            let input = Encoding::new::<u64>(bits, padding).expect("valid encoding");
            let f = |m: u64| m.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 7;
            let box_size = (2 * n) >> (bits + padding);
            let p = input.message_modulus();
            let unrotated: Vec<u64> = (0..n).map(|i| f(((i / box_size) as u64) % p)).collect();
            let mut expected = Polynomial::<Vec<u64>>::zero(size);
            expected.assign_monomial_product(
                &Polynomial::from_container(unrotated),
                (2 * n - box_size / 2) % (2 * n),
            );
            let mut table = LookupTable::<u64>::sign(size, 5);
            if padding >= 1 {
                table.refill_from_torus_fn(&input, f).expect("fits");
            } else {
                table.refill_negacyclic_from_fn(&input, f).expect("fits");
            }
            assert_eq!(
                table.as_slice(),
                expected.coeffs(),
                "N = {n}, {bits}+{padding} bits"
            );
        }
    }

    #[test]
    fn refill_errors_leave_the_table_unchanged() {
        let size = PolynomialSize(16);
        let mut table = LookupTable::<u64>::sign(size, 3);
        let no_padding = Encoding::new::<u64>(2, 0).expect("valid");
        assert!(table.refill_from_torus_fn(&no_padding, |m| m).is_err());
        let too_fine = Encoding::new::<u64>(5, 1).expect("valid");
        assert!(table.refill_negacyclic_from_fn(&too_fine, |m| m).is_err());
        assert!(table.as_slice().iter().all(|&v| v == 3));
    }
}
