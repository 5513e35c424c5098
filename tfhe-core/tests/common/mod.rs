//! Helpers shared by the bootstrapping test files.

use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::params::ParameterSet;
use torus::{Csprng, EncryptionRng, Seed};

/// Deterministic (insecure, test-only) keys of `p` and the encryption generator after them.
pub(crate) fn keys(
    p: &ParameterSet,
    seed: u64,
) -> (SecretKeys<u64>, EvaluationKeys<u64>, EncryptionRng) {
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::generate(p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    (sk, ek, rng)
}

/// A non-linear, non-negacyclic function: exercises every box of the table.
pub(crate) fn f(m: u64, p: u64) -> u64 {
    (m * m + 3 * m + 1) % p
}
