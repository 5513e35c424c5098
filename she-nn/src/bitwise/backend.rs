//! What a circuit runs on: the [`GateBackend`] trait and its encrypted implementation.
//!
//! Every bootstrapped operation of the bitwise engine is one of two shapes, over booleans encoded
//! as phases `±1/8` (true `+1/8`):
//!
//! * a **sign bootstrap** of a linear combination `φ = μ/8 + Σ c_i·φ_i` (small integers `c_i`,
//!   `μ` in eighths): the output is a fresh ciphertext of `+1/8` if `φ ∈ [0, 1/2)` and `−1/8` if
//!   `φ ∈ [1/2, 1)` — one PBS and one key switch ([`GateBackend::sign_bootstrap`]);
//! * a **sum of two sign bootstraps** `1/8 + PBS(φ) + PBS(φ')`, key switched once, for the MUX
//!   ([`GateBackend::sum_of_sign_bootstraps`]): two PBS, one key switch.
//!
//! The circuits ([`super::circuit`]) only ever build combinations whose phase, for every input,
//! lies at least `1/8` from both decision boundaries `0` and `1/2`; [`super::plaintext`] checks
//! that exactly.

use std::fmt::Debug;
use tfhe_core::keys::{BootstrapBuffers, EvaluationKeys};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextOwned};
use tfhe_core::params::PbsOrder;

/// A linear combination `μ/8 + Σ c_i·φ_i` to bootstrap: `μ` in eighths of the torus and the
/// signed coefficients of up to three ciphertexts.
pub struct LinearForm<'a, C> {
    /// The constant, in eighths of the torus.
    pub eighths: i64,
    /// `(c_i, ciphertext_i)`.
    pub terms: &'a [(i64, &'a C)],
}

/// Gate bootstrapping as the circuits see it. Implemented by the encrypted engine
/// ([`EncryptedBackend`]) and by an exact plaintext model of the phases
/// ([`super::plaintext::PlaintextBackend`]) that runs the very same circuits in microseconds —
/// the dry run that counts operations and the oracle of the tests.
pub trait GateBackend: Sync {
    /// A boolean ciphertext.
    type Ciphertext: Debug + Send + Sync;
    /// Per-thread scratch (bootstrap buffers).
    type Scratch: Send;

    /// Fresh scratch for one thread.
    fn scratch(&self) -> Self::Scratch;

    /// The sign bootstrap of `form`: a fresh ciphertext of `+1/8` when the phase of `form` is in
    /// `[0, 1/2)`, `−1/8` otherwise. One PBS, one key switch.
    fn sign_bootstrap(
        &self,
        form: &LinearForm<'_, Self::Ciphertext>,
        scratch: &mut Self::Scratch,
    ) -> Self::Ciphertext;

    /// `1/8 + sign(first) + sign(second)` as one fresh ciphertext: two PBS, one key switch.
    /// When at most one of the two signs is positive, this is a ciphertext of `±1/8` again
    /// (`+1/8` exactly when one is), with the noise of two bootstrap outputs plus one key switch.
    fn sum_of_sign_bootstraps(
        &self,
        first: &LinearForm<'_, Self::Ciphertext>,
        second: &LinearForm<'_, Self::Ciphertext>,
        scratch: &mut Self::Scratch,
    ) -> Self::Ciphertext;

    /// A noiseless (trivial) ciphertext of `value`, for constants that must leave the circuit
    /// as ciphertexts (the bits of a result file).
    fn trivial(&self, value: bool) -> Self::Ciphertext;
}

/// `k/8` on the 32-bit torus.
pub(crate) fn eighths(k: i64) -> u32 {
    // Reduced mod 8 first, so any k is fine: k·2^29 mod 2^32.
    (k.rem_euclid(8) as u32) << 29
}

/// Gate bootstrapping with evaluation keys of a gate set (32-bit torus, booleans `±1/8`): the
/// server's side. It holds no secret key.
pub struct EncryptedBackend<'k> {
    keys: &'k EvaluationKeys<u32>,
}

/// Scratch of the encrypted backend: bootstrap buffers and the linear combinations.
pub struct EncryptedScratch {
    buffers: BootstrapBuffers<u32>,
    /// The combination `μ/8 + Σ c_i·φ_i`, under the ciphertext key.
    combination: LweCiphertextOwned<u32>,
    /// PBS → KS MUX: the sum of the two bootstrap outputs, under the big key.
    big_sum: LweCiphertextOwned<u32>,
    /// PBS → KS MUX: one bootstrap output, under the big key.
    big_half: LweCiphertextOwned<u32>,
}

impl<'k> EncryptedBackend<'k> {
    /// The backend of `keys` (any gate set: PBS → KS or KS → PBS).
    pub fn new(keys: &'k EvaluationKeys<u32>) -> Self {
        Self { keys }
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &EvaluationKeys<u32> {
        self.keys
    }

    fn ciphertext_dimension(&self) -> tfhe_core::dimensions::LweDimension {
        let p = self.keys.params();
        match p.order {
            PbsOrder::BootstrapKeyswitch => p.lwe_dimension,
            PbsOrder::KeyswitchBootstrap => p.big_lwe_dimension(),
        }
    }

    fn combine(form: &LinearForm<'_, LweCiphertextOwned<u32>>, out: &mut LweCiphertextOwned<u32>) {
        out.fill_trivial(eighths(form.eighths));
        for &(c, ct) in form.terms {
            out.add_scaled_assign(ct, c);
        }
    }
}

impl GateBackend for EncryptedBackend<'_> {
    type Ciphertext = LweCiphertextOwned<u32>;
    type Scratch = EncryptedScratch;

    fn scratch(&self) -> EncryptedScratch {
        let big = self.keys.params().big_lwe_dimension();
        EncryptedScratch {
            buffers: self.keys.buffers(),
            combination: LweCiphertext::zero(self.ciphertext_dimension()),
            big_sum: LweCiphertext::zero(big),
            big_half: LweCiphertext::zero(big),
        }
    }

    fn sign_bootstrap(
        &self,
        form: &LinearForm<'_, Self::Ciphertext>,
        scratch: &mut EncryptedScratch,
    ) -> Self::Ciphertext {
        Self::combine(form, &mut scratch.combination);
        let mut out = LweCiphertext::zero(self.ciphertext_dimension());
        self.keys.bootstrap_into(
            &mut out,
            &scratch.combination,
            self.keys.gate_lookup_table(),
            &mut scratch.buffers,
        );
        out
    }

    fn sum_of_sign_bootstraps(
        &self,
        first: &LinearForm<'_, Self::Ciphertext>,
        second: &LinearForm<'_, Self::Ciphertext>,
        scratch: &mut EncryptedScratch,
    ) -> Self::Ciphertext {
        let lut = self.keys.gate_lookup_table();
        let mut out = LweCiphertext::zero(self.ciphertext_dimension());
        match self.keys.params().order {
            PbsOrder::BootstrapKeyswitch => {
                scratch.big_sum.fill_trivial(eighths(1));
                for form in [first, second] {
                    Self::combine(form, &mut scratch.combination);
                    self.keys.bootstrap_only(
                        &mut scratch.big_half,
                        &scratch.combination,
                        lut,
                        &mut scratch.buffers,
                    );
                    scratch.big_sum.add_assign(&scratch.big_half);
                }
                self.keys
                    .keyswitch_key()
                    .keyswitch(&mut out, &scratch.big_sum);
            }
            PbsOrder::KeyswitchBootstrap => {
                out.fill_trivial(eighths(1));
                let mut half = LweCiphertext::zero(self.ciphertext_dimension());
                for form in [first, second] {
                    Self::combine(form, &mut scratch.combination);
                    self.keys.keyswitch_bootstrap(
                        &mut half,
                        &scratch.combination,
                        lut,
                        &mut scratch.buffers,
                    );
                    out.add_assign(&half);
                }
            }
        }
        out
    }

    fn trivial(&self, value: bool) -> Self::Ciphertext {
        LweCiphertext::trivial(
            self.ciphertext_dimension(),
            eighths(if value { 1 } else { -1 }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::eighths;

    #[test]
    fn eighths_wrap_modulo_one() {
        assert_eq!(eighths(1), 1 << 29);
        assert_eq!(eighths(-1), 7 << 29);
        assert_eq!(eighths(9), 1 << 29);
        assert_eq!(eighths(-2), 3 << 30);
        assert_eq!(eighths(0), 0);
    }
}
