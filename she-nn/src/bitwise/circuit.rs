//! Boolean gates over [`Bit`]s, with constant folding and operation counting.
//!
//! Booleans are phases `±1/8` (true `+1/8`); write `A = ±1` for the phase of `a` in eighths. A
//! gate is one sign bootstrap ([`GateBackend::sign_bootstrap`]) of a linear combination whose
//! phase is `+` exactly when the gate is true, at least `1/8` from the boundaries `0` and `1/2`:
//!
//! | operation | linear form (eighths) | phases | margin | `Σ c²` |
//! |---|---|---|---|---|
//! | `a ∧ b` | `−1 + A + B` | `−3, −1, −1, +1` | `1/8` | 2 |
//! | `a ∨ b` | `+1 + A + B` | `−1, +1, +1, +3` | `1/8` | 2 |
//! | `a ⊕ b` | `2 + 2A + 2B` | `−2, +2, +2, +6 ≡ −2` | `1/4` | 8 |
//! | `maj(a, b, c)` | `A + B + C` | `−3, −1, +1, +3` (by `a+b+c = 0,1,2,3`) | `1/8` | 3 |
//! | `a ⊕ b ⊕ c` | `−2A − 2B − 2C` | `+6 ≡ −2, +2, −2, −6 ≡ +2` | `1/4` | 12 |
//!
//! The three-input forms are the **fast full adder**: with `s = a + b + c`, the phase of
//! `A + B + C` is `(2s − 3)/8`, positive exactly when `s ≥ 2` (the carry); scaled by `−2` it is
//! `(3 − 2s)/4 ≡ 1/4` for odd `s` and `≡ 3/4` for even `s` modulo 1, so the sign bootstrap reads
//! the parity (the sum) directly — parity is not a function of the sign of `A + B + C` itself,
//! but it is of `−2(A + B + C)`, because doubling folds the four phases onto the two points
//! `1/4` and `3/4` of the negacyclic sign table. Each is one bootstrap.
//!
//! A negated input `¬x` has phase `−X`, so it enters any form with the opposite coefficient:
//! every gate's input negations are free, and so are output negations (`NAND = ¬AND`, …;
//! [`Bit::not`]).
//!
//! `mux(s, a, b) = s ? a : b` is `(s ∧ a) ∨ (¬s ∧ b)`: the two ANDs `−1 + S + A` and `−1 − S + B`
//! are bootstrapped without key switch, added to `+1/8` (at most one of them is true, so the sum
//! is `±1/8`) and key switched once ([`GateBackend::sum_of_sign_bootstraps`]).
//!
//! **Noise.** Every ciphertext that enters a linear form is a fresh encryption, a bootstrap
//! output (variance `V_BR + V_KS` under PBS → KS) or a MUX output (`2·V_BR + V_KS`); a form's
//! bootstrap input has variance `Σ c_i²·V_i + V_MS` and fails when it exceeds the margin. The
//! worst case is a majority of three MUX outputs, `3·(2V_BR + V_KS) + V_MS` at margin `1/8`
//! (the parity's `12·V` at margin `1/4` is the same ratio); [`super::noise`] computes it.
//!
//! **Folding.** An operation with a known input is replaced by what it reduces to, at no cost
//! when that is a constant, an input or its negation (`a ∧ 0 = 0`, `a ⊕ 1 = ¬a`, `maj(a, b, 0) =
//! a ∧ b`, `mux(s, 1, 0) = s`, …), and so is one whose inputs read the same ciphertext
//! (`a ∧ ¬a = 0`, `maj(a, a, b) = a`). Only operations on independent ciphertexts are bootstrapped
//! and counted.

use super::backend::{GateBackend, LinearForm};
use super::bit::Bit;
use super::counts::OpCounts;

/// Which full adder the adders use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdderKind {
    /// Ripple-carry full adders from two-input gates: `t = a ⊕ b`, `sum = t ⊕ c`,
    /// `carry = (a ∧ b) ∨ (t ∧ c)` — five bootstraps per full adder.
    Ripple,
    /// The sum and the carry each from one bootstrap of `a + b + c` (see the module
    /// documentation) — two bootstraps per full adder.
    Fast,
}

impl AdderKind {
    /// A short name for reports: `ripple` or `fast`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ripple => "ripple",
            Self::Fast => "fast",
        }
    }
}

/// A two-input gate whose bootstrapped form is one of the three base forms.
#[derive(Clone, Copy)]
enum BaseGate {
    And,
    Or,
    Xor,
}

impl BaseGate {
    fn eval(self, a: bool, b: bool) -> bool {
        match self {
            Self::And => a && b,
            Self::Or => a || b,
            Self::Xor => a ^ b,
        }
    }

    /// `(μ in eighths, coefficient of each input)`.
    fn form(self) -> (i64, i64) {
        match self {
            Self::And => (-1, 1),
            Self::Or => (1, 1),
            Self::Xor => (2, 2),
        }
    }
}

/// A function of one boolean: what a gate reduces to when its other inputs are known or tied.
fn unary<C>(x: &Bit<C>, f0: bool, f1: bool) -> Bit<C> {
    match (f0, f1) {
        (false, false) => Bit::ZERO,
        (true, true) => Bit::ONE,
        (false, true) => x.clone(),
        (true, false) => x.not(),
    }
}

/// Gates over one backend, with one thread's scratch and the counts of what it evaluated.
pub struct Circuit<'b, B: GateBackend> {
    backend: &'b B,
    scratch: B::Scratch,
    adder: AdderKind,
    counts: OpCounts,
}

impl<'b, B: GateBackend> Circuit<'b, B> {
    /// A circuit on `backend` whose adders use `adder`.
    pub fn new(backend: &'b B, adder: AdderKind) -> Self {
        Self {
            backend,
            scratch: backend.scratch(),
            adder,
            counts: OpCounts::default(),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &'b B {
        self.backend
    }

    /// The full adder the adders use.
    pub fn adder(&self) -> AdderKind {
        self.adder
    }

    /// What was evaluated so far.
    pub fn counts(&self) -> &OpCounts {
        &self.counts
    }

    /// Returns the counts so far and starts again from zero.
    pub fn take_counts(&mut self) -> OpCounts {
        std::mem::take(&mut self.counts)
    }

    pub(crate) fn counts_mut(&mut self) -> &mut OpCounts {
        &mut self.counts
    }

    fn base(
        &mut self,
        gate: BaseGate,
        a: &Bit<B::Ciphertext>,
        b: &Bit<B::Ciphertext>,
    ) -> Bit<B::Ciphertext> {
        let f = |x, y| gate.eval(x, y);
        if let Some(va) = a.known() {
            return unary(b, f(va, false), f(va, true));
        }
        if let Some(vb) = b.known() {
            return unary(a, f(false, vb), f(true, vb));
        }
        if let Some(equal) = a.relation(b) {
            // b = a or b = ¬a: a function of a alone.
            return unary(a, f(false, !equal), f(true, equal));
        }
        let (mu, c) = gate.form();
        let (Some((sa, ca)), Some((sb, cb))) = (a.signed_ciphertext(), b.signed_ciphertext())
        else {
            unreachable!("both inputs are ciphertexts here");
        };
        let terms = [(c * sa, ca), (c * sb, cb)];
        self.counts.gates += 1;
        Bit::encrypted(self.backend.sign_bootstrap(
            &LinearForm {
                eighths: mu,
                terms: &terms,
            },
            &mut self.scratch,
        ))
    }

    /// `a ∧ b` (one bootstrap unless folded).
    pub fn and(&mut self, a: &Bit<B::Ciphertext>, b: &Bit<B::Ciphertext>) -> Bit<B::Ciphertext> {
        self.base(BaseGate::And, a, b)
    }

    /// `a ∨ b` (one bootstrap unless folded).
    pub fn or(&mut self, a: &Bit<B::Ciphertext>, b: &Bit<B::Ciphertext>) -> Bit<B::Ciphertext> {
        self.base(BaseGate::Or, a, b)
    }

    /// `a ⊕ b` (one bootstrap unless folded).
    pub fn xor(&mut self, a: &Bit<B::Ciphertext>, b: &Bit<B::Ciphertext>) -> Bit<B::Ciphertext> {
        self.base(BaseGate::Xor, a, b)
    }

    /// If one of three inputs is known or two read the same ciphertext, the two-input (or
    /// one-input) operation the three-input `op` reduces to; `None` when all three are
    /// independent ciphertexts.
    fn reduce3(
        &mut self,
        inputs: [&Bit<B::Ciphertext>; 3],
        known: impl Fn(&mut Self, bool, &Bit<B::Ciphertext>, &Bit<B::Ciphertext>) -> Bit<B::Ciphertext>,
        tied: impl Fn(bool, &Bit<B::Ciphertext>, &Bit<B::Ciphertext>) -> Bit<B::Ciphertext>,
    ) -> Option<Bit<B::Ciphertext>> {
        let [a, b, c] = inputs;
        for (k, x, y) in [(a, b, c), (b, a, c), (c, a, b)] {
            if let Some(v) = k.known() {
                return Some(known(self, v, x, y));
            }
        }
        for (x, y, z) in [(a, b, c), (a, c, b), (b, c, a)] {
            if let Some(equal) = x.relation(y) {
                return Some(tied(equal, x, z));
            }
        }
        None
    }

    fn three(&mut self, coefficient: i64, inputs: [&Bit<B::Ciphertext>; 3]) -> B::Ciphertext {
        let signed = inputs.map(|x| x.signed_ciphertext());
        let [Some((sa, ca)), Some((sb, cb)), Some((sc, cc))] = signed else {
            unreachable!("three ciphertexts here");
        };
        let terms = [
            (coefficient * sa, ca),
            (coefficient * sb, cb),
            (coefficient * sc, cc),
        ];
        self.backend.sign_bootstrap(
            &LinearForm {
                eighths: 0,
                terms: &terms,
            },
            &mut self.scratch,
        )
    }

    /// `maj(a, b, c)`: the carry of `a + b + c` (one bootstrap of `A + B + C` unless folded).
    pub fn majority(
        &mut self,
        a: &Bit<B::Ciphertext>,
        b: &Bit<B::Ciphertext>,
        c: &Bit<B::Ciphertext>,
    ) -> Bit<B::Ciphertext> {
        let reduced = self.reduce3(
            [a, b, c],
            // maj(x, y, 0) = x ∧ y, maj(x, y, 1) = x ∨ y
            |s, v, x, y| if v { s.or(x, y) } else { s.and(x, y) },
            // maj(x, x, z) = x, maj(x, ¬x, z) = z
            |equal, x, z| if equal { x.clone() } else { z.clone() },
        );
        if let Some(bit) = reduced {
            return bit;
        }
        self.counts.majorities += 1;
        Bit::encrypted(self.three(1, [a, b, c]))
    }

    /// `a ⊕ b ⊕ c`: the sum bit of `a + b + c` (one bootstrap of `−2(A + B + C)` unless folded).
    pub fn parity(
        &mut self,
        a: &Bit<B::Ciphertext>,
        b: &Bit<B::Ciphertext>,
        c: &Bit<B::Ciphertext>,
    ) -> Bit<B::Ciphertext> {
        let reduced = self.reduce3(
            [a, b, c],
            // x ⊕ y ⊕ v
            |s, v, x, y| s.xor(x, y).xor_known(v),
            // x ⊕ x ⊕ z = z, x ⊕ ¬x ⊕ z = ¬z
            |equal, _, z| z.xor_known(!equal),
        );
        if let Some(bit) = reduced {
            return bit;
        }
        self.counts.parities += 1;
        Bit::encrypted(self.three(-2, [a, b, c]))
    }

    /// `s ? a : b` (two bootstraps and one key switch unless folded).
    pub fn mux(
        &mut self,
        s: &Bit<B::Ciphertext>,
        a: &Bit<B::Ciphertext>,
        b: &Bit<B::Ciphertext>,
    ) -> Bit<B::Ciphertext> {
        if let Some(v) = s.known() {
            return if v { a.clone() } else { b.clone() };
        }
        match (a.known(), b.known()) {
            (Some(va), Some(vb)) => return unary(s, vb, va),
            // s ? 0 : b = ¬s ∧ b; s ? 1 : b = s ∨ b
            (Some(va), None) => {
                return if va {
                    self.or(s, b)
                } else {
                    self.and(&s.not(), b)
                };
            }
            // s ? a : 0 = s ∧ a; s ? a : 1 = ¬s ∨ a
            (None, Some(vb)) => {
                return if vb {
                    self.or(&s.not(), a)
                } else {
                    self.and(s, a)
                };
            }
            (None, None) => {}
        }
        match a.relation(b) {
            Some(true) => return a.clone(),
            // s ? a : ¬a = ¬(s ⊕ a)
            Some(false) => return self.xor(s, a).not(),
            None => {}
        }
        if let Some(equal) = s.relation(a) {
            // s ? s : b = s ∨ b; s ? ¬s : b = ¬s ∧ b
            return if equal {
                self.or(s, b)
            } else {
                self.and(&s.not(), b)
            };
        }
        if let Some(equal) = s.relation(b) {
            // s ? a : s = s ∧ a; s ? a : ¬s = ¬s ∨ a
            return if equal {
                self.and(s, a)
            } else {
                self.or(&s.not(), a)
            };
        }
        let signed = [s, a, b].map(|x| x.signed_ciphertext());
        let [Some((ss, cs)), Some((sa, ca)), Some((sb, cb))] = signed else {
            unreachable!("three ciphertexts here");
        };
        let first = [(ss, cs), (sa, ca)];
        let second = [(-ss, cs), (sb, cb)];
        self.counts.muxes += 1;
        Bit::encrypted(self.backend.sum_of_sign_bootstraps(
            &LinearForm {
                eighths: -1,
                terms: &first,
            },
            &LinearForm {
                eighths: -1,
                terms: &second,
            },
            &mut self.scratch,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitwise::plaintext::PlaintextBackend;

    type P = Bit<bool>;

    /// Every input as a known bit, a fresh ciphertext, or a negated ciphertext.
    fn forms(v: bool) -> Vec<P> {
        vec![Bit::Known(v), Bit::encrypted(v), Bit::encrypted(!v).not()]
    }

    fn value(b: &P) -> bool {
        b.value(|c| *c)
    }

    #[test]
    fn every_gate_on_every_input_form() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        for bits in 0..8u8 {
            let (x, y, z) = (bits & 1 == 1, bits & 2 == 2, bits & 4 == 4);
            for a in forms(x) {
                for b in forms(y) {
                    assert_eq!(value(&c.and(&a, &b)), x && y);
                    assert_eq!(value(&c.or(&a, &b)), x || y);
                    assert_eq!(value(&c.xor(&a, &b)), x ^ y);
                    for d in forms(z) {
                        assert_eq!(
                            value(&c.majority(&a, &b, &d)),
                            u8::from(x) + u8::from(y) + u8::from(z) >= 2
                        );
                        assert_eq!(value(&c.parity(&a, &b, &d)), x ^ y ^ z);
                        assert_eq!(value(&c.mux(&a, &b, &d)), if x { y } else { z });
                    }
                }
            }
        }
    }

    #[test]
    fn tied_inputs_fold_without_bootstraps() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        for v in [false, true] {
            for w in [false, true] {
                let x = Bit::encrypted(v);
                let y = Bit::encrypted(w);
                assert!(!value(&c.and(&x, &x.not())));
                assert!(value(&c.or(&x, &x.not())));
                assert!(!value(&c.xor(&x, &x)));
                assert_eq!(value(&c.majority(&x, &x, &y)), v);
                assert_eq!(value(&c.majority(&x, &y, &x.not())), w);
                assert_eq!(value(&c.parity(&x, &y, &x)), w);
                assert_eq!(value(&c.parity(&x.not(), &y, &x)), !w);
                assert_eq!(value(&c.mux(&x, &y, &y)), w);
                assert_eq!(value(&c.mux(&x, &y, &y.not())), if v { w } else { !w });
                assert_eq!(value(&c.mux(&x, &x, &y)), v || w);
                assert_eq!(value(&c.mux(&x, &y, &x)), v && w);
            }
        }
        // Only the XOR of s ? a : ¬a, the OR of s ? s : b and the AND of s ? a : s bootstrap.
        assert_eq!(c.counts().bootstraps(), 4 * 3);
        assert_eq!(
            c.counts().majorities + c.counts().parities + c.counts().muxes,
            0
        );
    }

    #[test]
    fn known_inputs_cost_nothing_or_one_gate() {
        let backend = PlaintextBackend;
        let mut c = Circuit::new(&backend, AdderKind::Fast);
        let x = Bit::encrypted(true);
        let y = Bit::encrypted(false);
        assert!(value(&c.majority(&x, &Bit::ZERO, &Bit::ONE)));
        assert!(value(&c.parity(&x, &Bit::ONE, &Bit::ONE)));
        assert!(value(&c.mux(&x, &Bit::ONE, &Bit::ZERO)));
        assert_eq!(c.counts().bootstraps(), 0);
        c.majority(&x, &y, &Bit::ONE);
        c.parity(&x, &y, &Bit::ZERO);
        c.mux(&x, &y, &Bit::ZERO);
        assert_eq!(c.counts().gates, 3);
        assert_eq!(c.counts().bootstraps(), 3);
        c.majority(&x, &y, &x.not().not().not());
        c.parity(&x, &y, &Bit::encrypted(true));
        c.mux(&x, &y, &Bit::encrypted(true));
        assert_eq!(
            (c.counts().majorities, c.counts().parities, c.counts().muxes),
            (0, 1, 1)
        );
    }
}
