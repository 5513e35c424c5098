//! An exact plaintext model of gate bootstrapping: the circuits of the bitwise engine run on it
//! unchanged, with booleans in place of ciphertexts.
//!
//! A "ciphertext" here is the boolean it encrypts; its phase is `+1/8` (true) or `−1/8` (false),
//! exactly what a noiseless encryption would hold. A sign bootstrap computes the phase of the
//! linear combination in eighths, `p = μ + Σ c_i·(±1) mod 8`, and returns `p ∈ {1, 2, 3}` (phase in
//! `(0, 1/2)`). A phase on a decision boundary (`p ∈ {0, 4}`) or within less than `1/8` of one is
//! impossible for eighths other than `0` and `4`, so the model **checks** every linear form the
//! circuits build: it panics on `p ∈ {0, 4}`, which would be a bug in a circuit, never a property
//! of the data. Running a network on this backend therefore proves, for that input, that every
//! bootstrap input lies at least `1/8` from the boundaries (the encrypted run then only has to
//! beat the noise), and yields the operation counts of the encrypted run, which does not depend
//! on the data.

use super::backend::{GateBackend, LinearForm};

/// The plaintext model (no keys, no noise).
#[derive(Clone, Copy, Debug, Default)]
pub struct PlaintextBackend;

impl PlaintextBackend {
    /// The phase of `form` in eighths of the torus, in `0..8`.
    fn phase(form: &LinearForm<'_, bool>) -> i64 {
        let sum = form.terms.iter().fold(form.eighths, |acc, &(c, &b)| {
            acc + c * if b { 1 } else { -1 }
        });
        sum.rem_euclid(8)
    }

    /// The sign bootstrap's decision, checking the margin.
    fn sign(form: &LinearForm<'_, bool>) -> bool {
        let p = Self::phase(form);
        assert!(
            p != 0 && p != 4,
            "a bitwise circuit built a bootstrap input on a decision boundary (phase {p}/8): \
             a bug in the circuit's linear forms"
        );
        p < 4
    }
}

impl GateBackend for PlaintextBackend {
    type Ciphertext = bool;
    type Scratch = ();

    fn scratch(&self) {}

    fn sign_bootstrap(&self, form: &LinearForm<'_, bool>, _: &mut ()) -> bool {
        Self::sign(form)
    }

    fn sum_of_sign_bootstraps(
        &self,
        first: &LinearForm<'_, bool>,
        second: &LinearForm<'_, bool>,
        _: &mut (),
    ) -> bool {
        let (a, b) = (Self::sign(first), Self::sign(second));
        // 1/8 + (±1/8) + (±1/8) must be ±1/8 again: at most one of the two halves is true.
        assert!(
            !(a && b),
            "a MUX whose two halves are both true: a bug in the circuit's linear forms"
        );
        a || b
    }

    fn trivial(&self, value: bool) -> bool {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_computed_in_eighths() {
        let (t, f) = (true, false);
        // AND: −1/8 + a + b.
        let and = |a: &bool, b: &bool| {
            PlaintextBackend::sign(&LinearForm {
                eighths: -1,
                terms: &[(1, a), (1, b)],
            })
        };
        assert!(and(&t, &t) && !and(&t, &f) && !and(&f, &t) && !and(&f, &f));
    }

    #[test]
    #[should_panic(expected = "decision boundary")]
    fn a_boundary_phase_is_caught() {
        // a + b with a ≠ b has phase 0: not a valid gate.
        PlaintextBackend::sign(&LinearForm {
            eighths: 0,
            terms: &[(1, &true), (1, &false)],
        });
    }
}
