//! What travels between client and server: an [`EncryptedImage`] (the client's input) and
//! [`EncryptedLogits`] (the server's result), and their files.
//!
//! Every value is an LWE ciphertext under the key ciphertexts live under between operations
//! ([`ciphertext_dimension`]: the big `k·N` key for the KS → PBS sets the networks use) of a
//! fixed-point integer `x` encoded as the plaintext `x·2^scale_log2` on the 64-bit torus (two's
//! complement for negative values).
//!
//! ## Files
//!
//! A [`Header`](crate::header::Header) of kind `EncryptedInput` or `EncryptedResult` naming the
//! parameter set, then the payload below (little-endian; `d` = [`ciphertext_dimension`], each
//! ciphertext `d + 1` `u64`s, mask then body, as [`tfhe_core::serialization`] writes them), then
//! the checksum.
//!
//! Encrypted input:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | channels `c`, u32 |
//! | 4 | 4 | height `h`, u32 |
//! | 8 | 4 | width `w`, u32 |
//! | 12 | 4 | pixel bits, u32, `1..=8` |
//! | 16 | 4 | `scale_log2`, u32, below 64 |
//! | 20 | `c·h·w·(d+1)·8` | the pixels in CHW order, `1 ≤ c·h·w ≤` [`MAX_PIXELS`] |
//!
//! Encrypted result:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | `scale_log2`, u32, below 64 |
//! | 4 | 4 | number of logits `L`, u32, `1 ≤ L ≤` [`MAX_LOGITS`] |
//! | 8 | `L·(d+1)·8` | the logits |
//!
//! Loading checks the header, then these fields and bounds, then that the announced payload length
//! is exactly what they imply, and only then allocates the ciphertexts.

use crate::header::Kind;
use crate::model::Shape;
use crate::persist::{read_u32, save_object, FileError, ObjectFile, Problem, Secrecy};
use std::io::{Read, Write};
use std::path::Path;
use tfhe_core::dimensions::LweDimension;
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::params::{ParameterSet, PbsOrder};
use tfhe_core::serialization::{lwe_ciphertext_len, read_lwe_ciphertext, write_lwe_ciphertext};

/// The most pixels an encrypted image may have (`2^20`).
pub const MAX_PIXELS: usize = 1 << 20;
/// The most logits an encrypted result may have.
pub const MAX_LOGITS: usize = 4096;

/// Bytes of the fixed fields before the ciphertexts of an encrypted input.
const INPUT_FIELDS: u64 = 20;
/// Bytes of the fixed fields before the ciphertexts of an encrypted result.
const RESULT_FIELDS: u64 = 8;

/// The dimension of the LWE ciphertexts of a set between operations: `k·N` for KS → PBS sets,
/// `n` for PBS → KS sets.
pub fn ciphertext_dimension(params: &ParameterSet) -> LweDimension {
    match params.order {
        PbsOrder::KeyswitchBootstrap => params.big_lwe_dimension(),
        PbsOrder::BootstrapKeyswitch => params.lwe_dimension,
    }
}

/// Why an encrypted image or result is malformed or does not fit a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CiphertextError {
    /// The set is not on a 64-bit torus.
    #[error("parameter set {name} has a {bits}-bit torus; images and results need a 64-bit set")]
    TorusWidth {
        /// The set.
        name: &'static str,
        /// Its torus width.
        bits: u32,
    },
    /// Pixel bits outside `1..=8`.
    #[error("pixel bits must be 1..=8, found {0}")]
    PixelBits(u32),
    /// An empty image or one with more than [`MAX_PIXELS`] pixels.
    #[error("image shape {channels}×{height}×{width} is empty or above {max} pixels", max = MAX_PIXELS)]
    Shape {
        /// Channels.
        channels: u64,
        /// Rows.
        height: u64,
        /// Columns.
        width: u64,
    },
    /// Not one ciphertext (or one pixel) per element of the shape.
    #[error("{found} pixels for an image of {expected}")]
    PixelCount {
        /// Pixels of the shape.
        expected: usize,
        /// Pixels or ciphertexts given.
        found: usize,
    },
    /// No logits, or more than [`MAX_LOGITS`].
    #[error("{found} logits; 1 to {max} are supported", max = MAX_LOGITS)]
    LogitCount {
        /// Number found.
        found: u64,
    },
    /// A scale that leaves no room on the torus.
    #[error("scale 2^{scale_log2} does not fit a {torus_bits}-bit torus")]
    Scale {
        /// `log2` of the scale.
        scale_log2: u32,
        /// Torus width.
        torus_bits: u32,
    },
    /// A ciphertext of another dimension than its set's.
    #[error("ciphertext {index} has dimension {found}, the parameter set needs {expected}")]
    Dimension {
        /// Position of the ciphertext.
        index: usize,
        /// The set's ciphertext dimension.
        expected: usize,
        /// The ciphertext's.
        found: usize,
    },
    /// Data made for another parameter set than the key.
    #[error("made for parameter set {found}, the key is for {expected}")]
    ParameterMismatch {
        /// The key's set.
        expected: &'static str,
        /// The data's set.
        found: &'static str,
    },
}

/// The checks every encrypted object's set and scale must pass.
fn check_set_and_scale(params: &ParameterSet, scale_log2: u32) -> Result<(), CiphertextError> {
    if params.torus_bits != 64 {
        return Err(CiphertextError::TorusWidth {
            name: params.name,
            bits: params.torus_bits,
        });
    }
    if scale_log2 >= params.torus_bits {
        return Err(CiphertextError::Scale {
            scale_log2,
            torus_bits: params.torus_bits,
        });
    }
    Ok(())
}

/// Checks an image's shape (non-empty, at most [`MAX_PIXELS`]) and returns its pixel count.
pub(crate) fn checked_pixel_count(shape: Shape) -> Result<usize, CiphertextError> {
    let error = || CiphertextError::Shape {
        channels: shape.channels as u64,
        height: shape.height as u64,
        width: shape.width as u64,
    };
    match shape.checked_len() {
        Some(count) if (1..=MAX_PIXELS).contains(&count) => Ok(count),
        _ => Err(error()),
    }
}

/// Checks that every ciphertext has the set's dimension.
fn check_dimensions(
    params: &ParameterSet,
    cts: &[LweCiphertext<Vec<u64>>],
) -> Result<(), CiphertextError> {
    let expected = ciphertext_dimension(params);
    match cts.iter().position(|ct| ct.lwe_dimension() != expected) {
        Some(index) => Err(CiphertextError::Dimension {
            index,
            expected: expected.0,
            found: cts[index].lwe_dimension().0,
        }),
        None => Ok(()),
    }
}

/// `fields + count·(d+1)·8`: the payload length of `count` ciphertexts of `params` (saturated,
/// which no real file length equals; with the bounded counts it never saturates).
fn payload_len(params: &ParameterSet, fields: u64, count: usize) -> Result<u64, Problem> {
    let each = lwe_ciphertext_len::<u64>(ciphertext_dimension(params))?;
    Ok((count as u64).saturating_mul(each).saturating_add(fields))
}

/// Writes ciphertexts back to back.
fn write_ciphertexts(w: &mut dyn Write, cts: &[LweCiphertext<Vec<u64>>]) -> Result<(), Problem> {
    for ct in cts {
        write_lwe_ciphertext(ct, w)?;
    }
    Ok(())
}

/// Reads `count` ciphertexts of `params` from the rest of `file` (the payload length has been
/// checked, so `count` is bounded and matches the data).
fn read_ciphertexts<R: Read>(
    file: &mut ObjectFile<R>,
    count: usize,
) -> Result<Vec<LweCiphertext<Vec<u64>>>, FileError> {
    let dimension = ciphertext_dimension(file.params());
    let mut cts = Vec::with_capacity(count);
    let mut r = file.payload_buffered();
    for _ in 0..count {
        match read_lwe_ciphertext::<u64, _>(dimension, &mut r) {
            Ok(ct) => cts.push(ct),
            Err(e) => {
                drop(r);
                return Err(file.error(e));
            }
        }
    }
    Ok(cts)
}

/// An encrypted image: one ciphertext per pixel, CHW order, each of the quantized pixel value
/// `x ∈ [0, 2^bits)` at the plaintext `x·2^scale_log2`.
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptedImage {
    /// The parameter set of the ciphertexts.
    pub params: &'static ParameterSet,
    /// The image shape.
    pub shape: Shape,
    /// Bits per quantized pixel (`1..=8`).
    pub bits: u32,
    /// `log2` of the fixed-point scale of the plaintexts.
    pub scale_log2: u32,
    /// One ciphertext per pixel, CHW order.
    pub pixels: Vec<LweCiphertext<Vec<u64>>>,
}

impl EncryptedImage {
    /// Checks that the fields agree: a 64-bit set, bits `1..=8`, a scale below 64, a non-empty
    /// shape of at most [`MAX_PIXELS`] pixels, one ciphertext of the set's dimension per pixel.
    pub fn validate(&self) -> Result<(), CiphertextError> {
        check_set_and_scale(self.params, self.scale_log2)?;
        if !(1..=8).contains(&self.bits) {
            return Err(CiphertextError::PixelBits(self.bits));
        }
        let count = checked_pixel_count(self.shape)?;
        if self.pixels.len() != count {
            return Err(CiphertextError::PixelCount {
                expected: count,
                found: self.pixels.len(),
            });
        }
        check_dimensions(self.params, &self.pixels)
    }

    /// Writes the image to `path` (layout in the module documentation), replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        self.validate().map_err(|e| FileError::new(path, e))?;
        let len = payload_len(self.params, INPUT_FIELDS, self.pixels.len())
            .map_err(|e| FileError::new(path, e))?;
        // Validated: every side is at most MAX_PIXELS, which fits a u32.
        let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        save_object(
            path,
            Kind::EncryptedInput,
            self.params,
            len,
            Secrecy::Public,
            |w| {
                for field in [
                    side(self.shape.channels),
                    side(self.shape.height),
                    side(self.shape.width),
                    self.bits,
                    self.scale_log2,
                ] {
                    w.write_all(&field.to_le_bytes())?;
                }
                write_ciphertexts(w, &self.pixels)
            },
        )
    }

    /// Reads an encrypted image from `path`, checking header, fields and length before it
    /// allocates the ciphertexts, and the checksum after reading them.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::open(path, Kind::EncryptedInput)?)
    }

    /// [`Self::load`] from a file's bytes held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::from_bytes(bytes, Kind::EncryptedInput)?)
    }

    fn read_from<R: Read>(mut file: ObjectFile<R>) -> Result<Self, FileError> {
        let params = file.params();
        let mut fields = [0u32; 5];
        for field in &mut fields {
            *field = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        }
        let [channels, height, width, bits, scale_log2] = fields;
        let shape = Shape {
            channels: channels as usize,
            height: height as usize,
            width: width as usize,
        };
        check_set_and_scale(params, scale_log2).map_err(|e| file.error(e))?;
        if !(1..=8).contains(&bits) {
            return Err(file.error(CiphertextError::PixelBits(bits)));
        }
        let count = checked_pixel_count(shape).map_err(|e| file.error(e))?;
        let expected = payload_len(params, INPUT_FIELDS, count).map_err(|e| file.error(e))?;
        file.check_payload_len(expected)?;
        let pixels = read_ciphertexts(&mut file, count)?;
        file.finish()?;
        Ok(Self {
            params,
            shape,
            bits,
            scale_log2,
            pixels,
        })
    }
}

/// An encrypted inference result: one ciphertext per logit, each of the signed logit `y` at the
/// plaintext `y·2^scale_log2` (two's complement).
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptedLogits {
    /// The parameter set of the ciphertexts.
    pub params: &'static ParameterSet,
    /// `log2` of the fixed-point scale of the plaintexts.
    pub scale_log2: u32,
    /// One ciphertext per logit.
    pub logits: Vec<LweCiphertext<Vec<u64>>>,
}

impl EncryptedLogits {
    /// Checks that the fields agree: a 64-bit set, a scale below 64, 1 to [`MAX_LOGITS`]
    /// ciphertexts of the set's dimension.
    pub fn validate(&self) -> Result<(), CiphertextError> {
        check_set_and_scale(self.params, self.scale_log2)?;
        if !(1..=MAX_LOGITS).contains(&self.logits.len()) {
            return Err(CiphertextError::LogitCount {
                found: self.logits.len() as u64,
            });
        }
        check_dimensions(self.params, &self.logits)
    }

    /// Writes the result to `path` (layout in the module documentation), replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        self.validate().map_err(|e| FileError::new(path, e))?;
        let len = payload_len(self.params, RESULT_FIELDS, self.logits.len())
            .map_err(|e| FileError::new(path, e))?;
        // Validated: at most MAX_LOGITS, which fits a u32.
        let count = u32::try_from(self.logits.len()).unwrap_or(u32::MAX);
        save_object(
            path,
            Kind::EncryptedResult,
            self.params,
            len,
            Secrecy::Public,
            |w| {
                w.write_all(&self.scale_log2.to_le_bytes())?;
                w.write_all(&count.to_le_bytes())?;
                write_ciphertexts(w, &self.logits)
            },
        )
    }

    /// Reads an encrypted result from `path`, checking header, fields and length before it
    /// allocates the ciphertexts, and the checksum after reading them.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::open(path, Kind::EncryptedResult)?)
    }

    /// [`Self::load`] from a file's bytes held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        Self::read_from(ObjectFile::from_bytes(bytes, Kind::EncryptedResult)?)
    }

    fn read_from<R: Read>(mut file: ObjectFile<R>) -> Result<Self, FileError> {
        let params = file.params();
        let scale_log2 = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        let count = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        check_set_and_scale(params, scale_log2).map_err(|e| file.error(e))?;
        let count = count as usize;
        if !(1..=MAX_LOGITS).contains(&count) {
            return Err(file.error(CiphertextError::LogitCount {
                found: count as u64,
            }));
        }
        let expected = payload_len(params, RESULT_FIELDS, count).map_err(|e| file.error(e))?;
        file.check_payload_len(expected)?;
        let logits = read_ciphertexts(&mut file, count)?;
        file.finish()?;
        Ok(Self {
            params,
            scale_log2,
            logits,
        })
    }
}
