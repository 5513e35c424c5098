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
use torus::{Encoding, Polynomial, Torus};

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
        if input.padding_bits() == 0 {
            return Err(TfheError::LookupTable(
                "a padding-aware table needs at least one padding bit (use negacyclic_from_fn)",
            ));
        }
        let p = input.message_modulus();
        Self::boxed(size, input, |m| f(m % p))
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
        Self::boxed(size, input, f)
    }

    /// The sign table: `+value` for phases in `[0, 1/2)`, `−value` in `[1/2, 1)`.
    pub fn sign(size: PolynomialSize, value: T) -> Self {
        Self {
            polynomial: vec![value; size.0],
        }
    }

    /// Fills `P/2` boxes of `2N/P` coefficients with `f(m)`, then rotates by half a box.
    fn boxed(
        size: PolynomialSize,
        input: &Encoding,
        f: impl Fn(u64) -> T,
    ) -> Result<Self, TfheError> {
        let n = size.0;
        let total_bits = input.message_bits() + input.padding_bits();
        if !n.is_power_of_two() || total_bits > size.log2() + 1 {
            return Err(TfheError::LookupTable(
                "2^(message + padding bits) must divide 2N",
            ));
        }
        let box_size = (2 * n) >> total_bits;
        let unrotated: Vec<T> = (0..n).map(|j| f((j / box_size) as u64)).collect();
        // v'(X) = X^(−box/2)·v(X) = X^(2N − box/2)·v(X).
        let mut polynomial = Polynomial::<Vec<T>>::zero(size);
        polynomial.assign_monomial_product(
            &Polynomial::from_container(unrotated),
            (2 * n - box_size / 2) % (2 * n),
        );
        Ok(Self {
            polynomial: polynomial.into_container(),
        })
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
