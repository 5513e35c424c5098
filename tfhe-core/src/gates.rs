//! Gate bootstrapping: every two-input boolean gate as one linear combination and one sign
//! bootstrap (Chillotti et al. 2020, §5).
//!
//! Booleans are encoded as `true = +1/8`, `false = −1/8`. A gate computes
//! `c = (0, μ_0) + α·a + β·b` whose phase lands on an odd multiple of `1/8`, positive exactly when
//! the gate is true, then bootstraps with the sign table (`+1/8` on `[0, 1/2)`, `−1/8` on
//! `[1/2, 1)`), so the output is a fresh boolean ciphertext. The phase is `1/8` away from the
//! decision boundaries (`0` and `1/2`), which is the margin of the failure probability.
//!
//! | gate | `μ_0` | `α` | `β` |
//! |---|---|---|---|
//! | AND | −1/8 | 1 | 1 |
//! | NAND | 1/8 | −1 | −1 |
//! | OR | 1/8 | 1 | 1 |
//! | NOR | −1/8 | −1 | −1 |
//! | XOR | 1/4 | 2 | 2 |
//! | XNOR | −1/4 | −2 | −2 |
//! | ANDNY = ¬a ∧ b | −1/8 | −1 | 1 |
//! | ANDYN = a ∧ ¬b | −1/8 | 1 | −1 |
//! | ORNY = ¬a ∨ b | 1/8 | −1 | 1 |
//! | ORYN = a ∨ ¬b | 1/8 | 1 | −1 |
//!
//! NOT negates the ciphertext (free). MUX(a, b, c) = (a ∧ b) ∨ (¬a ∧ c): the two ANDs are
//! bootstrapped without key switch, added with `+1/8` (at most one of them is true), and the sum
//! is key switched (PBS → KS sets) — two bootstraps, one key switch; under KS → PBS sets the two
//! bootstrapped halves are added directly. A MUX output carries twice the bootstrap noise of a
//! gate output (the failure analysis of `noise::bootstrap_noise` assumes gate outputs).

use crate::bootstrap::LookupTable;
use crate::keys::{BootstrapBuffers, EvaluationKeys, SecretKeys};
use crate::lwe::{LweCiphertext, LweCiphertextOwned};
use crate::params::PbsOrder;
use torus::{Container, EncryptionRng, Torus};

/// A two-input boolean gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    /// `a ∧ b`
    And,
    /// `¬(a ∧ b)`
    Nand,
    /// `a ∨ b`
    Or,
    /// `¬(a ∨ b)`
    Nor,
    /// `a ⊕ b`
    Xor,
    /// `¬(a ⊕ b)`
    Xnor,
    /// `¬a ∧ b`
    AndNY,
    /// `a ∧ ¬b`
    AndYN,
    /// `¬a ∨ b`
    OrNY,
    /// `a ∨ ¬b`
    OrYN,
}

impl Gate {
    /// Every gate, for exhaustive tests and benchmarks.
    pub const ALL: [Gate; 10] = [
        Gate::And,
        Gate::Nand,
        Gate::Or,
        Gate::Nor,
        Gate::Xor,
        Gate::Xnor,
        Gate::AndNY,
        Gate::AndYN,
        Gate::OrNY,
        Gate::OrYN,
    ];

    /// The plaintext truth table: the oracle.
    pub fn eval(self, a: bool, b: bool) -> bool {
        match self {
            Gate::And => a && b,
            Gate::Nand => !(a && b),
            Gate::Or => a || b,
            Gate::Nor => !(a || b),
            Gate::Xor => a ^ b,
            Gate::Xnor => !(a ^ b),
            Gate::AndNY => !a && b,
            Gate::AndYN => a && !b,
            Gate::OrNY => !a || b,
            Gate::OrYN => a || !b,
        }
    }

    /// `(μ_0 in eighths of the torus, α, β)`.
    fn linear_form(self) -> (i64, i64, i64) {
        match self {
            Gate::And => (-1, 1, 1),
            Gate::Nand => (1, -1, -1),
            Gate::Or => (1, 1, 1),
            Gate::Nor => (-1, -1, -1),
            Gate::Xor => (2, 2, 2),
            Gate::Xnor => (-2, -2, -2),
            Gate::AndNY => (-1, -1, 1),
            Gate::AndYN => (-1, 1, -1),
            Gate::OrNY => (1, -1, 1),
            Gate::OrYN => (1, 1, -1),
        }
    }
}

fn eighths<T: Torus>(k: i64) -> T {
    T::from_i64_wrapping(k).shl(T::BITS - 3)
}

impl<T: Torus> SecretKeys<T> {
    /// Encrypts a boolean as `±1/8`.
    pub fn encrypt_bool(&self, value: bool, rng: &mut EncryptionRng) -> LweCiphertextOwned<T> {
        self.encrypt_plaintext(eighths(if value { 1 } else { -1 }), rng)
    }

    /// Decrypts a boolean: the sign of the phase (`[0, 1/2)` is true).
    pub fn decrypt_bool<C: Container<Element = T>>(&self, ct: &LweCiphertext<C>) -> bool {
        self.ciphertext_key().phase(ct).shr(T::BITS - 1) == T::ZERO
    }
}

/// The sign table `±1/8` for polynomials of size `N` (built once per key set).
pub(crate) fn sign_table<T: Torus>(size: crate::dimensions::PolynomialSize) -> LookupTable<T> {
    LookupTable::sign(size, eighths(1))
}

impl<T: Torus> EvaluationKeys<T> {
    fn linear<A: Container<Element = T>, B: Container<Element = T>>(
        mu: i64,
        alpha: i64,
        a: &LweCiphertext<A>,
        beta: i64,
        b: &LweCiphertext<B>,
    ) -> LweCiphertextOwned<T> {
        let mut c = LweCiphertext::trivial(a.lwe_dimension(), eighths(mu));
        c.add_scaled_assign(a, alpha);
        c.add_scaled_assign(b, beta);
        c
    }

    /// `gate(a, b)`, bootstrapped in the set's order (one PBS, one key switch).
    pub fn gate<A: Container<Element = T>, B: Container<Element = T>>(
        &self,
        gate: Gate,
        a: &LweCiphertext<A>,
        b: &LweCiphertext<B>,
        buffers: &mut BootstrapBuffers<T>,
    ) -> LweCiphertextOwned<T> {
        let (mu, alpha, beta) = gate.linear_form();
        let c = Self::linear(mu, alpha, a, beta, b);
        let mut out = LweCiphertext::zero(a.lwe_dimension());
        self.bootstrap_into(&mut out, &c, self.gate_lookup_table(), buffers);
        out
    }

    /// `¬a`: a negation, no bootstrap.
    pub fn not<A: Container<Element = T>>(&self, a: &LweCiphertext<A>) -> LweCiphertextOwned<T> {
        let mut out = a.to_owned();
        out.neg_assign();
        out
    }

    /// `a ? b : c` (two bootstraps, one key switch).
    pub fn mux<A, B, C>(
        &self,
        a: &LweCiphertext<A>,
        b: &LweCiphertext<B>,
        c: &LweCiphertext<C>,
        buffers: &mut BootstrapBuffers<T>,
    ) -> LweCiphertextOwned<T>
    where
        A: Container<Element = T>,
        B: Container<Element = T>,
        C: Container<Element = T>,
    {
        let lut = self.gate_lookup_table();
        let p = self.params();
        let and_ab = Self::linear(-1, 1, a, 1, b);
        let and_not_a_c = Self::linear(-1, -1, a, 1, c);
        match p.order {
            PbsOrder::BootstrapKeyswitch => {
                let big = p.big_lwe_dimension();
                let mut sum = LweCiphertext::trivial(big, eighths(1));
                let mut half = LweCiphertext::zero(big);
                self.bootstrap_only(&mut half, &and_ab, lut, buffers);
                sum.add_assign(&half);
                self.bootstrap_only(&mut half, &and_not_a_c, lut, buffers);
                sum.add_assign(&half);
                let mut out = LweCiphertext::zero(p.lwe_dimension);
                self.keyswitch_key().keyswitch(&mut out, &sum);
                out
            }
            PbsOrder::KeyswitchBootstrap => {
                let mut sum = LweCiphertext::trivial(a.lwe_dimension(), eighths(1));
                let mut half = LweCiphertext::zero(a.lwe_dimension());
                self.keyswitch_bootstrap(&mut half, &and_ab, lut, buffers);
                sum.add_assign(&half);
                self.keyswitch_bootstrap(&mut half, &and_not_a_c, lut, buffers);
                sum.add_assign(&half);
                sum
            }
        }
    }
}
