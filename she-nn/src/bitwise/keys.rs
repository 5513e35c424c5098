//! The bitwise engine's key pair, at a boolean gate set (`BOOLEAN_128`, or the insecure
//! `TOY_BOOLEAN`): the client's [`BitwiseClientKey`] (the only holder of the secret key) and the
//! server's [`BitwiseServerKey`] (bootstrapping and key-switching keys: nothing that decrypts).
//!
//! ## Files
//!
//! The same layouts as the PBS engine's keys ([`crate::client`], [`crate::server`]), on the gate
//! set's 32-bit torus: a [`Header`](crate::header::Header) of kind `ClientKey` / `ServerKey`
//! naming the gate set, then the secret-key payload (`n + k·N` bytes, one per key bit; the file is
//! owner-only and never overwritten) or the evaluation-key payload of
//! [`tfhe_core::serialization`] (the bootstrapping key in canonical Fourier order, then the
//! key-switching key: 130,273,280 bytes (124 MiB) at `BOOLEAN_128`). The set named in the header decides which
//! engine a key belongs to; a loader refuses a set of the other kind.

use super::backend::EncryptedBackend;
use super::bit::Bit;
use super::error::BitwiseError;
use super::integer::EncryptedInt;
use crate::bounds::Interval;
use crate::header::{HeaderError, Kind};
use crate::persist::{save_object, FileError, ObjectFile, Problem, Secrecy};
use std::path::Path;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::LweCiphertextOwned;
use tfhe_core::params::{self, ParameterSet, Usage};
use tfhe_core::serialization::{
    evaluation_keys_len, read_evaluation_keys, read_secret_keys, secret_keys_len,
    write_evaluation_keys, write_secret_keys,
};
use torus::{Csprng, EncryptionRng};

/// A boolean ciphertext of the bitwise engine (32-bit torus).
pub type BitCiphertext = LweCiphertextOwned<u32>;

/// Whether `params` is a boolean gate set on a 32-bit torus (the sets the bitwise engine runs on).
pub fn is_gate_set(params: &ParameterSet) -> bool {
    params.usage == Usage::BooleanGates && params.torus_bits == 32
}

/// The exported gate sets: `BOOLEAN_128` and `TOY_BOOLEAN`.
pub fn gate_sets() -> impl Iterator<Item = &'static ParameterSet> {
    params::ALL.iter().copied().filter(|p| is_gate_set(p))
}

/// The exported gate set called `name`.
pub fn gate_set(name: &str) -> Option<&'static ParameterSet> {
    gate_sets().find(|p| p.name == name)
}

/// The error for a file made for a set that is not a gate set.
fn not_a_gate_set(file: &ObjectFile) -> FileError {
    file.error(Problem::Header(HeaderError::WrongParameters {
        expected: "a boolean gate set (BOOLEAN_128 or TOY_BOOLEAN)".to_string(),
        found: file.params().name.to_string(),
    }))
}

/// The client's secret key for the bitwise engine. `Debug` prints the set only; the key bits
/// are zeroized when it is dropped.
pub struct BitwiseClientKey {
    params: &'static ParameterSet,
    keys: SecretKeys<u32>,
}

impl core::fmt::Debug for BitwiseClientKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "BitwiseClientKey {{ params: {}, keys: <redacted> }}",
            self.params.name
        )
    }
}

impl BitwiseClientKey {
    /// Fresh keys for the gate set `params` from `rng` (use [`Csprng::from_os_entropy`]).
    pub fn generate(params: &'static ParameterSet, rng: &mut Csprng) -> Result<Self, BitwiseError> {
        if !is_gate_set(params) {
            return Err(BitwiseError::NotAGateSet(params.name));
        }
        Ok(Self {
            params,
            keys: SecretKeys::generate(params, rng)?,
        })
    }

    /// The gate set.
    pub fn params(&self) -> &'static ParameterSet {
        self.params
    }

    /// The server's key (bootstrapping and key-switching keys; parallel).
    pub fn server_key(&self, rng: &mut EncryptionRng) -> Result<BitwiseServerKey, BitwiseError> {
        Ok(BitwiseServerKey {
            params: self.params,
            keys: self.keys.generate_evaluation_keys(rng)?,
        })
    }

    /// Encrypts one boolean as `±1/8`.
    pub fn encrypt_bool(&self, value: bool, rng: &mut EncryptionRng) -> BitCiphertext {
        self.keys.encrypt_bool(value, rng)
    }

    /// Decrypts one boolean.
    pub fn decrypt_bool(&self, ct: &BitCiphertext) -> bool {
        self.keys.decrypt_bool(ct)
    }

    /// Encrypts every bit of `value` in two's complement at the width of `range` (which must hold
    /// it): the integer a circuit would hold, all of its bits encrypted except those the range
    /// fixes.
    pub fn encrypt_integer(
        &self,
        value: i64,
        range: Interval,
        rng: &mut EncryptionRng,
    ) -> EncryptedInt<BitCiphertext> {
        let width = super::integer::width_for(range);
        let bits = (0..width)
            .map(|i| Bit::encrypted(self.encrypt_bool((value >> i.min(63)) & 1 == 1, rng)))
            .collect();
        EncryptedInt::from_bits(bits, range)
    }

    /// Decrypts an encrypted integer.
    pub fn decrypt_integer(&self, x: &EncryptedInt<BitCiphertext>) -> i64 {
        x.value(|c| self.decrypt_bool(c))
    }

    /// Writes the key to `path` (owner-only, never replacing a file).
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let len = secret_keys_len::<u32>(self.params).map_err(|e| FileError::new(path, e))?;
        save_object(
            path,
            Kind::ClientKey,
            self.params,
            len,
            Secrecy::Secret,
            |w| Ok(write_secret_keys(&self.keys, w)?),
        )
    }

    /// Reads a client key of a gate set from `path`: header, set, size, then `n + k·N` key bytes
    /// that must each be 0 or 1.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let mut file = ObjectFile::open(path, Kind::ClientKey)?;
        let params = file.params();
        if !is_gate_set(params) {
            return Err(not_a_gate_set(&file));
        }
        let len = secret_keys_len::<u32>(params).map_err(|e| file.error(e))?;
        file.check_payload_len(len)?;
        let keys = read_secret_keys(params, file.payload_unbuffered())
            .map_err(|e| file.error(Problem::Payload(e)))?;
        file.finish()?;
        Ok(Self { params, keys })
    }

    pub(crate) fn secret_keys(&self) -> &SecretKeys<u32> {
        &self.keys
    }
}

/// The server's key for the bitwise engine: evaluation keys of a gate set, nothing that decrypts.
pub struct BitwiseServerKey {
    params: &'static ParameterSet,
    keys: EvaluationKeys<u32>,
}

impl core::fmt::Debug for BitwiseServerKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "BitwiseServerKey {{ params: {}, bootstrapping key: {} B }}",
            self.params.name,
            self.keys.bootstrap_key().size_bytes()
        )
    }
}

impl BitwiseServerKey {
    /// The gate set.
    pub fn params(&self) -> &'static ParameterSet {
        self.params
    }

    /// The evaluation keys.
    pub fn evaluation_keys(&self) -> &EvaluationKeys<u32> {
        &self.keys
    }

    /// The encrypted gate backend of this key.
    pub fn backend(&self) -> EncryptedBackend<'_> {
        EncryptedBackend::new(&self.keys)
    }

    /// Writes the key to `path`, replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let len = evaluation_keys_len::<u32>(self.params).map_err(|e| FileError::new(path, e))?;
        save_object(
            path,
            Kind::ServerKey,
            self.params,
            len,
            Secrecy::Public,
            |w| Ok(write_evaluation_keys(&self.keys, w)?),
        )
    }

    /// Reads a server key of a gate set from `path` (every Fourier value checked).
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let mut file = ObjectFile::open(path, Kind::ServerKey)?;
        let params = file.params();
        if !is_gate_set(params) {
            return Err(not_a_gate_set(&file));
        }
        let len = evaluation_keys_len::<u32>(params).map_err(|e| file.error(e))?;
        file.check_payload_len(len)?;
        let keys = read_evaluation_keys(params, &mut file.payload_buffered());
        let keys = keys.map_err(|e| file.error(Problem::Payload(e)))?;
        file.finish()?;
        Ok(Self { params, keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_sets_and_key_sizes() {
        let names: Vec<&str> = gate_sets().map(|p| p.name).collect();
        assert_eq!(names, ["BOOLEAN_128", "TOY_BOOLEAN"]);
        assert!(gate_set("SHE_MNIST").is_none());
        for p in gate_sets() {
            println!(
                "{}: server key payload {} B",
                p.name,
                evaluation_keys_len::<u32>(p).unwrap()
            );
        }
        let err = BitwiseClientKey::generate(&params::TOY, &mut Csprng::from_os_entropy());
        assert!(matches!(err, Err(BitwiseError::NotAGateSet("TOY"))));
    }
}
