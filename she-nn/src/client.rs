//! The client's side: the [`ClientKey`] (the only holder of the secret key), which generates the
//! server's key, encrypts images and decrypts results.
//!
//! Inputs are encrypted at the fixed-point scale `2^`[`INPUT_SCALE_LOG2`]: a quantized pixel `x`
//! becomes the plaintext `x·2^INPUT_SCALE_LOG2` under the key ciphertexts live under between operations (the
//! big `k·N` key of the KS → PBS sets), so the server's first layer starts from a known scale.
//! Results are decoded as signed integers at the scale the server states in the result.
//!
//! ## Client key file
//!
//! A [`Header`](crate::header::Header) of kind `ClientKey` naming the parameter set, then the
//! secret-key payload of [`tfhe_core::serialization`] (`n + k·N` bytes, one per key bit), then the
//! checksum. The file is created readable by its owner only (Unix) and is never overwritten; its
//! bytes pass through zeroized buffers only (apart from the checksum's hash state, see
//! [`Checksum`](crate::header::Checksum)).

use crate::ciphertexts::{
    checked_pixel_count, ciphertext_dimension, CiphertextError, EncryptedImage, EncryptedLogits,
};
use crate::header::Kind;
use crate::model::Shape;
use crate::persist::{save_object, FileError, ObjectFile, Problem, Secrecy};
use crate::quantize::quantize_pixel;
use crate::server::ServerKey;
use std::io::Read;
use std::path::Path;
use tfhe_core::keys::SecretKeys;
use tfhe_core::params::ParameterSet;
use tfhe_core::serialization::{read_secret_keys, secret_keys_len, write_secret_keys};
use tfhe_core::TfheError;
use torus::{Csprng, EncryptionRng, Torus};

/// `log2` of the fixed-point scale of encrypted input pixels: pixel `x` is encrypted as
/// `x·2^INPUT_SCALE_LOG2`.
pub const INPUT_SCALE_LOG2: u32 = 36;

/// The client's secret key and its parameter set. `Debug` prints the set only; the key bits are
/// zeroized when it is dropped.
pub struct ClientKey {
    params: &'static ParameterSet,
    keys: SecretKeys<u64>,
}

impl core::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ClientKey {{ params: {}, keys: <redacted> }}",
            self.params.name
        )
    }
}

impl ClientKey {
    /// Fresh keys for `params` (a 64-bit set) from `rng`; use [`Csprng::from_os_entropy`].
    pub fn generate(params: &'static ParameterSet, rng: &mut Csprng) -> Result<Self, TfheError> {
        Ok(Self {
            params,
            keys: SecretKeys::generate(params, rng)?,
        })
    }

    /// The parameter set.
    pub fn params(&self) -> &'static ParameterSet {
        self.params
    }

    /// The secret keys (for encrypting or decrypting other values than images and logits).
    pub fn secret_keys(&self) -> &SecretKeys<u64> {
        &self.keys
    }

    /// Generates the server's key: the bootstrapping and key-switching keys, which hold no
    /// secret. The most expensive client operation (seconds at the real sets; parallel).
    pub fn server_key(&self, rng: &mut EncryptionRng) -> Result<ServerKey, TfheError> {
        ServerKey::from_evaluation_keys(self.params, self.keys.generate_evaluation_keys(rng)?)
    }

    /// Encrypts an image of 8-bit pixels (CHW order, `shape.len()` of them): each pixel is
    /// quantized to `bits` bits ([`quantize_pixel`]) and encrypted as `x·2^`[`INPUT_SCALE_LOG2`].
    pub fn encrypt_image(
        &self,
        pixels: &[u8],
        shape: Shape,
        bits: u32,
        rng: &mut EncryptionRng,
    ) -> Result<EncryptedImage, CiphertextError> {
        if !(1..=8).contains(&bits) {
            return Err(CiphertextError::PixelBits(bits));
        }
        let count = checked_pixel_count(shape)?;
        if pixels.len() != count {
            return Err(CiphertextError::PixelCount {
                expected: count,
                found: pixels.len(),
            });
        }
        let encrypted = pixels
            .iter()
            .map(|&p| {
                let x = u64::from_i64_wrapping(quantize_pixel(p, bits));
                self.keys.encrypt_plaintext(x << INPUT_SCALE_LOG2, rng)
            })
            .collect();
        let image = EncryptedImage {
            params: self.params,
            shape,
            bits,
            scale_log2: INPUT_SCALE_LOG2,
            pixels: encrypted,
        };
        image.validate()?;
        Ok(image)
    }

    /// Decrypts a result: each logit is its phase divided by `2^scale_log2`, rounded to the
    /// nearest integer and read as a signed (two's complement) value.
    pub fn decrypt_logits(&self, logits: &EncryptedLogits) -> Result<Vec<i64>, CiphertextError> {
        if *logits.params != *self.params {
            return Err(CiphertextError::ParameterMismatch {
                expected: self.params.name,
                found: logits.params.name,
            });
        }
        logits.validate()?;
        debug_assert_eq!(
            ciphertext_dimension(self.params),
            self.keys.ciphertext_key().dimension()
        );
        let key = self.keys.ciphertext_key();
        Ok(logits
            .logits
            .iter()
            .map(|ct| decode_signed(key.phase(ct), logits.scale_log2))
            .collect())
    }

    /// Writes the key to `path` (layout in the module documentation). Refuses to replace an
    /// existing file ([`Problem::Exists`]).
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let len = secret_keys_len::<u64>(self.params).map_err(|e| FileError::new(path, e))?;
        save_object(
            path,
            Kind::ClientKey,
            self.params,
            len,
            Secrecy::Secret,
            |w| Ok(write_secret_keys(&self.keys, w)?),
        )
    }

    /// Reads a client key from `path`: header, parameter set, size, then `n + k·N` key bytes that
    /// must each be 0 or 1, then the checksum.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::open(path, Kind::ClientKey)?)
    }

    /// [`Self::load`] from a file's bytes held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::from_bytes(bytes, Kind::ClientKey)?)
    }

    fn read_from<R: Read>(mut file: ObjectFile<R>) -> Result<Self, FileError> {
        let params = file.params();
        let len = secret_keys_len::<u64>(params).map_err(|e| file.error(e))?;
        file.check_payload_len(len)?;
        let keys = read_secret_keys(params, file.payload_unbuffered())
            .map_err(|e| file.error(Problem::Payload(e)))?;
        file.finish()?;
        Ok(Self { params, keys })
    }
}

/// `round(phase / 2^scale_log2)` as a signed integer, modulo the torus: the phase is rounded to
/// the nearest multiple of the scale (ties up) and the quotient read in two's complement.
fn decode_signed(phase: u64, scale_log2: u32) -> i64 {
    if scale_log2 == 0 {
        return phase.to_signed();
    }
    let half = 1u64 << (scale_log2 - 1);
    phase.wrapping_add(half).to_signed() >> scale_log2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_rounds_to_the_nearest_signed_multiple() {
        let s = 10;
        let scale = 1u64 << s;
        for y in [-5i64, -1, 0, 1, 7, (1 << 53) - 1, -(1 << 53)] {
            let exact = u64::from_i64_wrapping(y) << s;
            for noise in [-(scale as i64) / 2 + 1, -3, 0, 3, (scale as i64) / 2 - 1] {
                assert_eq!(
                    decode_signed(exact.wrapping_add_signed(noise), s),
                    y,
                    "{y} {noise}"
                );
            }
        }
        assert_eq!(decode_signed(u64::MAX, 0), -1);
        assert_eq!(decode_signed(1 << 63, 63), -1);
        assert_eq!(decode_signed((1 << 62) - 1, 63), 0);
    }
}
