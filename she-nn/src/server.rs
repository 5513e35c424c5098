//! The server's side: the [`ServerKey`], the bootstrapping and key-switching keys of one
//! parameter set.
//!
//! A `ServerKey` is built from [`EvaluationKeys`] only, which hold public encryptions and no
//! secret key: code that owns only a `ServerKey` has no path to any secret and cannot decrypt.
//!
//! ## Server key file
//!
//! A [`Header`](crate::header::Header) of kind `ServerKey` naming the parameter set, then the
//! evaluation-key payload of [`tfhe_core::serialization`]: the bootstrapping key in canonical
//! Fourier order, then the key-switching key (e.g. 373.0 MiB at `SHE_MNIST`, whose bootstrapping
//! key is multi-bit, 344.3 MiB, and whose key-switching key is rounded to 32-bit words, 28.7 MiB;
//! 258.2 MiB for a classic bootstrapping key of the same numbers), then the checksum.
//! Every Fourier value is checked (finite, in range) when loading.
//!
//! No secret reaches this file: [`ServerKey`] holds [`EvaluationKeys`] only, whose fields are
//! the bootstrapping key (GGSW encryptions of the small key's bits), the key-switching key (LWE
//! encryptions of the big key's bits), an FFT plan and a public lookup table, and the writer
//! serializes exactly those two keys (a test checks that no encoding of the secret-key bits
//! appears in a server-key file).

use crate::header::Kind;
use crate::persist::{save_object, FileError, ObjectFile, Problem, Secrecy};
use std::io::Read;
use std::path::Path;
use tfhe_core::keys::EvaluationKeys;
use tfhe_core::params::ParameterSet;
use tfhe_core::serialization::{evaluation_keys_len, read_evaluation_keys, write_evaluation_keys};
use tfhe_core::TfheError;

/// The server's key: evaluation keys of one parameter set, nothing that decrypts.
pub struct ServerKey {
    params: &'static ParameterSet,
    keys: EvaluationKeys<u64>,
}

impl core::fmt::Debug for ServerKey {
    /// The set and the key sizes (the keys themselves are megabytes of ciphertexts).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ServerKey {{ params: {}, bootstrapping key: {} B, key-switching key: {} B }}",
            self.params.name,
            self.keys.bootstrap_key().size_bytes(),
            self.keys.keyswitch_key().byte_len()
        )
    }
}

impl ServerKey {
    /// Wraps evaluation keys made for `params`.
    pub fn from_evaluation_keys(
        params: &'static ParameterSet,
        keys: EvaluationKeys<u64>,
    ) -> Result<Self, TfheError> {
        if *keys.params() != *params {
            return Err(TfheError::InconsistentKeys(
                "evaluation keys made for another parameter set",
            ));
        }
        Ok(Self { params, keys })
    }

    /// The parameter set.
    pub fn params(&self) -> &'static ParameterSet {
        self.params
    }

    /// The evaluation keys (bootstrapping, key switching, lookup tables).
    pub fn evaluation_keys(&self) -> &EvaluationKeys<u64> {
        &self.keys
    }

    /// Writes the key to `path` (layout in the module documentation), replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let len = evaluation_keys_len::<u64>(self.params).map_err(|e| FileError::new(path, e))?;
        save_object(
            path,
            Kind::ServerKey,
            self.params,
            len,
            Secrecy::Public,
            |w| Ok(write_evaluation_keys(&self.keys, w)?),
        )
    }

    /// Reads a server key from `path`: header, parameter set, size, then the keys with every
    /// Fourier value checked, then the checksum.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::open(path, Kind::ServerKey)?)
    }

    /// [`Self::load`] from a file's bytes held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::from_bytes(bytes, Kind::ServerKey)?)
    }

    fn read_from<R: Read>(mut file: ObjectFile<R>) -> Result<Self, FileError> {
        let params = file.params();
        let len = evaluation_keys_len::<u64>(params).map_err(|e| file.error(e))?;
        file.check_payload_len(len)?;
        let keys = read_evaluation_keys(params, &mut file.payload_buffered());
        let keys = keys.map_err(|e| file.error(Problem::Payload(e)))?;
        file.finish()?;
        Ok(Self { params, keys })
    }
}
