//! The header every persisted object starts with, and the checksum it ends with (DESIGN.md,
//! "Files on disk").
//!
//! ```text
//! offset    size  field
//! 0         8     magic  b"SHE-RS\0\x1a"
//! 8         2     format version, u16 little-endian (currently 2)
//! 10        2     object kind, u16 LE (see [`Kind`])
//! 12        1     length L of the parameter-set name (0 for objects without one, e.g. models)
//! 13        L     parameter-set name, ASCII
//! 13+L      8     parameter fingerprint, u64 LE (0 for objects without a set)
//! 21+L      8     payload length P in bytes, u64 LE
//! 29+L      P     payload (layout documented by each object)
//! 29+L+P    32    checksum: SHA-256 of every byte before it (header and payload)
//! ```
//!
//! The fingerprint is the first 8 bytes (little-endian) of SHA-256 over a canonical encoding of
//! every field that changes the meaning of a key or ciphertext ([`fingerprint`]), so a file made
//! for a set that shares a name but not its numbers is still rejected. The payload length is
//! checked against the size the kind and parameters imply **before** anything is allocated.
//!
//! The checksum detects accidental damage anywhere in a file (a flipped bit in a ciphertext
//! would otherwise load as another valid ciphertext); it is not an authenticator — anyone can
//! recompute it. Readers check it **after** parsing the payload (the structural checks come
//! first, so they report the more precise error and stay reachable by fuzzing) and before
//! returning the object ([`Checksum`]). Version 1 (no checksum) is no longer read.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use tfhe_core::params::{BlindRotation, ParameterSet, PbsOrder};

/// The 8 magic bytes.
pub const MAGIC: [u8; 8] = *b"SHE-RS\0\x1a";
/// The format version this build writes and reads.
pub const VERSION: u16 = 2;
/// Bytes of the checksum that ends every file.
pub const CHECKSUM_LEN: usize = 32;
/// Longest parameter-set name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A client (secret) key.
    ClientKey,
    /// A server (evaluation) key.
    ServerKey,
    /// An encrypted input image.
    EncryptedInput,
    /// An encrypted inference result (logits).
    EncryptedResult,
    /// A quantized model.
    Model,
}

impl Kind {
    /// The on-disk code.
    pub fn code(self) -> u16 {
        match self {
            Self::ClientKey => 1,
            Self::ServerKey => 2,
            Self::EncryptedInput => 3,
            Self::EncryptedResult => 4,
            Self::Model => 5,
        }
    }

    /// The kind of an on-disk code.
    pub fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            1 => Self::ClientKey,
            2 => Self::ServerKey,
            3 => Self::EncryptedInput,
            4 => Self::EncryptedResult,
            5 => Self::Model,
            _ => return None,
        })
    }

    /// A human name for error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientKey => "client key",
            Self::ServerKey => "server key",
            Self::EncryptedInput => "encrypted input",
            Self::EncryptedResult => "encrypted result",
            Self::Model => "model",
        }
    }
}

/// Why a header was rejected.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// Reading failed (including a file shorter than its header).
    #[error("cannot read header: {0}")]
    Io(#[from] std::io::Error),
    /// Not a file of this project.
    #[error("not a SHE file (bad magic bytes)")]
    BadMagic,
    /// Written by another format version.
    #[error("unsupported format version {found} (this build reads version {VERSION})")]
    Version {
        /// Version found.
        found: u16,
    },
    /// Unknown kind code.
    #[error("unknown object kind {0}")]
    UnknownKind(u16),
    /// Another kind than expected.
    #[error("wrong object kind: expected {expected}, found {found}")]
    WrongKind {
        /// Expected kind.
        expected: &'static str,
        /// Kind found.
        found: &'static str,
    },
    /// Name too long or not ASCII.
    #[error("malformed parameter-set name")]
    BadName,
    /// Made for another parameter set.
    #[error("made for parameter set {found:?}, expected {expected:?}")]
    WrongParameters {
        /// Expected set name.
        expected: String,
        /// Name in the file.
        found: String,
    },
    /// Same name, other numbers.
    #[error("parameter fingerprint of {name:?} does not match this build's set of that name")]
    FingerprintMismatch {
        /// The set's name.
        name: String,
    },
    /// The checksum at the end of the file is not the SHA-256 of the bytes before it.
    #[error("checksum mismatch: the file is damaged (its SHA-256 does not match its contents)")]
    Checksum,
    /// The payload length disagrees with what the parameters imply.
    #[error("payload is {found} bytes, the {kind} needs {expected}")]
    PayloadLength {
        /// The object kind.
        kind: &'static str,
        /// Expected length.
        expected: u64,
        /// Length found.
        found: u64,
    },
}

/// The running checksum of a file: SHA-256 over the encoded header, then the payload.
///
/// The hash state of a secret payload (a client key) keeps at most 63 bytes of it in its block
/// buffer until dropped; `sha2` offers no zeroization, which is the one place key bytes are not
/// wiped (the digest itself reveals nothing about them).
#[derive(Clone)]
pub struct Checksum(Sha256);

impl core::fmt::Debug for Checksum {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Checksum(<running SHA-256>)")
    }
}

impl Checksum {
    /// A checksum that starts with the encoding of `header`.
    pub fn new(header: &Header) -> Self {
        let mut encoded = Vec::with_capacity(29 + header.params_name.len());
        // Writing to a Vec cannot fail.
        let _ = header.write(&mut encoded);
        let mut h = Sha256::new();
        h.update(&encoded);
        Self(h)
    }

    /// Adds payload bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The [`CHECKSUM_LEN`] bytes that end the file.
    pub fn finish(self) -> [u8; CHECKSUM_LEN] {
        self.0.finalize().into()
    }

    /// Compares with the checksum stored in a file.
    pub fn verify(self, stored: &[u8; CHECKSUM_LEN]) -> Result<(), HeaderError> {
        // Not secret: the checksum is public, no constant-time comparison needed.
        if self.finish() == *stored {
            Ok(())
        } else {
            Err(HeaderError::Checksum)
        }
    }
}

/// A parsed header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Object kind.
    pub kind: Kind,
    /// Parameter-set name (empty for models).
    pub params_name: String,
    /// Parameter fingerprint (0 for models).
    pub fingerprint: u64,
    /// Payload length in bytes.
    pub payload_len: u64,
}

/// First 8 bytes of SHA-256 over the canonical encoding of `p`: name, torus width, PBS order,
/// `n`, `k`, `N`, both noise distributions, both decompositions, message and padding bits, and
/// the kind of blind rotation when it is multi-bit, and the key-switching word width when it is
/// narrower than the torus.
pub fn fingerprint(p: &ParameterSet) -> u64 {
    let mut h = Sha256::new();
    h.update(b"she-rs parameter set v1");
    h.update(p.name.as_bytes());
    h.update([0u8]);
    h.update(p.torus_bits.to_le_bytes());
    h.update([match p.order {
        PbsOrder::KeyswitchBootstrap => 0u8,
        PbsOrder::BootstrapKeyswitch => 1u8,
    }]);
    for v in [
        p.lwe_dimension.0,
        p.glwe_dimension.0,
        p.polynomial_size.0,
        p.pbs_base_log.0 as usize,
        p.pbs_level_count.0,
        p.ks_base_log.0 as usize,
        p.ks_level_count.0,
        p.message_bits as usize,
        p.padding_bits as usize,
    ] {
        h.update((v as u64).to_le_bytes());
    }
    h.update(format!("{:?}/{:?}", p.lwe_noise, p.glwe_noise).as_bytes());
    // Encoded only for multi-bit sets, so that classic sets keep the fingerprints they had
    // before the field existed.
    if p.blind_rotation == BlindRotation::MultiBit {
        h.update(b"/multi-bit blind rotation");
    }
    // Likewise only for sets whose key-switching key is rounded to narrower words.
    if p.ks_torus_bits != p.torus_bits {
        h.update(format!("/key switch on {}-bit words", p.ks_torus_bits).as_bytes());
    }
    let digest = h.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

impl Header {
    /// The header of an object of `kind` made for `params` (or for no set), with its payload length.
    pub fn new(kind: Kind, params: Option<&ParameterSet>, payload_len: u64) -> Self {
        Self {
            kind,
            params_name: params.map_or_else(String::new, |p| p.name.to_string()),
            fingerprint: params.map_or(0, fingerprint),
            payload_len,
        }
    }

    /// Bytes of the encoded header: 29 plus the parameter-set name.
    pub fn encoded_len(&self) -> u64 {
        29 + self.params_name.len() as u64
    }

    /// Writes the header.
    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        w.write_all(&MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&self.kind.code().to_le_bytes())?;
        let name = self.params_name.as_bytes();
        debug_assert!(name.len() <= MAX_NAME_LEN);
        w.write_all(&[name.len() as u8])?;
        w.write_all(name)?;
        w.write_all(&self.fingerprint.to_le_bytes())?;
        w.write_all(&self.payload_len.to_le_bytes())
    }

    /// Reads and checks a header: magic, version, `expected` kind.
    pub fn read(r: &mut dyn Read, expected: Kind) -> Result<Self, HeaderError> {
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)?;
        if magic != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let version = read_u16(r)?;
        if version != VERSION {
            return Err(HeaderError::Version { found: version });
        }
        let code = read_u16(r)?;
        let kind = Kind::from_code(code).ok_or(HeaderError::UnknownKind(code))?;
        if kind != expected {
            return Err(HeaderError::WrongKind {
                expected: expected.name(),
                found: kind.name(),
            });
        }
        let mut len = [0u8; 1];
        r.read_exact(&mut len)?;
        let len = usize::from(len[0]);
        if len > MAX_NAME_LEN {
            return Err(HeaderError::BadName);
        }
        let mut name = vec![0u8; len];
        r.read_exact(&mut name)?;
        if !name.iter().all(|b| b.is_ascii_graphic()) {
            return Err(HeaderError::BadName);
        }
        let params_name = String::from_utf8(name).map_err(|_| HeaderError::BadName)?;
        let fingerprint = read_u64(r)?;
        let payload_len = read_u64(r)?;
        Ok(Self {
            kind,
            params_name,
            fingerprint,
            payload_len,
        })
    }

    /// Checks that the header was made for exactly `params` (name and fingerprint).
    pub fn check_params(&self, params: &ParameterSet) -> Result<(), HeaderError> {
        if self.params_name != params.name {
            return Err(HeaderError::WrongParameters {
                expected: params.name.to_string(),
                found: self.params_name.clone(),
            });
        }
        if self.fingerprint != fingerprint(params) {
            return Err(HeaderError::FingerprintMismatch {
                name: self.params_name.clone(),
            });
        }
        Ok(())
    }

    /// Looks up the exported set the header names and checks its fingerprint.
    pub fn params(&self) -> Result<&'static ParameterSet, HeaderError> {
        let params = tfhe_core::params::by_name(&self.params_name).ok_or_else(|| {
            HeaderError::WrongParameters {
                expected: "an exported parameter set".to_string(),
                found: self.params_name.clone(),
            }
        })?;
        self.check_params(params)?;
        Ok(params)
    }

    /// Checks the payload length against what the object needs.
    pub fn check_payload_len(&self, expected: u64) -> Result<(), HeaderError> {
        if self.payload_len != expected {
            return Err(HeaderError::PayloadLength {
                kind: self.kind.name(),
                expected,
                found: self.payload_len,
            });
        }
        Ok(())
    }
}

fn read_u16(r: &mut dyn Read) -> std::io::Result<u16> {
    let mut b = [0u8; 2];
    r.read_exact(&mut b)?;
    Ok(u16::from_le_bytes(b))
}

fn read_u64(r: &mut dyn Read) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfhe_core::params::{MSG2_CARRY2, TOY};

    #[test]
    fn header_round_trips_and_rejects_mismatches() {
        let h = Header::new(Kind::ServerKey, Some(&TOY), 1234);
        let mut bytes = Vec::new();
        h.write(&mut bytes).unwrap();
        let back = Header::read(&mut bytes.as_slice(), Kind::ServerKey).unwrap();
        assert_eq!(back, h);
        back.check_params(&TOY).unwrap();
        assert!(back.check_params(&MSG2_CARRY2).is_err());
        assert!(matches!(
            Header::read(&mut bytes.as_slice(), Kind::ClientKey),
            Err(HeaderError::WrongKind { .. })
        ));
        for cut in 0..bytes.len() {
            assert!(Header::read(&mut &bytes[..cut], Kind::ServerKey).is_err());
        }
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert!(matches!(
            Header::read(&mut bad.as_slice(), Kind::ServerKey),
            Err(HeaderError::BadMagic)
        ));
    }

    #[test]
    fn the_checksum_covers_the_header_and_every_payload_byte() {
        let header = Header::new(Kind::EncryptedResult, Some(&TOY), 3);
        let sum = |h: &Header, payload: &[u8]| {
            let mut c = Checksum::new(h);
            c.update(payload);
            c.finish()
        };
        let good = sum(&header, b"abc");
        // SHA-256 of the encoded header followed by the payload.
        let mut bytes = Vec::new();
        header.write(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, header.encoded_len());
        bytes.extend_from_slice(b"abc");
        let direct: [u8; CHECKSUM_LEN] = Sha256::digest(&bytes).into();
        assert_eq!(good, direct);
        let mut c = Checksum::new(&header);
        c.update(b"ab");
        c.update(b"c");
        c.verify(&good).unwrap();
        for payload in [&b"abd"[..], b"ab", b"abcd"] {
            assert_ne!(sum(&header, payload), good);
        }
        let other = Header::new(Kind::EncryptedInput, Some(&TOY), 3);
        let mut c = Checksum::new(&other);
        c.update(b"abc");
        assert!(matches!(c.verify(&good), Err(HeaderError::Checksum)));
    }

    #[test]
    fn fingerprints_separate_the_exported_sets() {
        let prints: std::collections::HashSet<u64> = tfhe_core::params::ALL
            .iter()
            .map(|p| fingerprint(p))
            .collect();
        assert_eq!(prints.len(), tfhe_core::params::ALL.len());
    }

    /// The kind of blind rotation changes the fingerprint (a multi-bit server key is not a
    /// classic one of the same numbers).
    #[test]
    fn fingerprints_separate_the_kinds_of_blind_rotation() {
        for p in tfhe_core::params::ALL {
            let flipped = ParameterSet {
                blind_rotation: match p.blind_rotation {
                    BlindRotation::Classic => BlindRotation::MultiBit,
                    BlindRotation::MultiBit => BlindRotation::Classic,
                },
                ..**p
            };
            assert_ne!(fingerprint(p), fingerprint(&flipped), "{}", p.name);
        }
    }
}
