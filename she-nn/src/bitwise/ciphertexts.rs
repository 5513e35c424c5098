//! What travels between client and server with the bitwise engine: an [`EncryptedBitImage`]
//! (every bit of every pixel) and [`EncryptedBitLogits`] (every bit of every logit), and their
//! files.
//!
//! A pixel quantized to `b` bits, `q = pixel >> (8 − b)`, is `b` boolean ciphertexts (`±1/8` on
//! the gate set's 32-bit torus, under the key ciphertexts live under between gates: the small key
//! `n` of PBS → KS sets), least significant bit first; the server reads it as the unsigned integer
//! of range `[0, 2^b − 1]`. A logit is `W` ciphertexts, least significant first, read in two's
//! complement (all logits share the width `W` of the widest one; narrower ones are sign-extended,
//! and bits the circuit knows are noiseless trivial ciphertexts).
//!
//! ## Files
//!
//! A [`Header`](crate::header::Header) of kind `EncryptedInput` / `EncryptedResult` naming the
//! gate set, then (little-endian; `d` = the set's `n`, each ciphertext `d + 1` `u32`s, mask then
//! body):
//!
//! Encrypted input:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | channels `c`, u32 |
//! | 4 | 4 | height `h`, u32 |
//! | 8 | 4 | width `w`, u32 |
//! | 12 | 4 | pixel bits `b`, u32, `1..=8` |
//! | 16 | `c·h·w·b·(d+1)·4` | the bits, pixel by pixel (CHW order), least significant first; `1 ≤ c·h·w ≤` [`MAX_PIXELS`](crate::ciphertexts::MAX_PIXELS) |
//!
//! Encrypted result:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | bits per logit `W`, u32, `1..=64` |
//! | 4 | 4 | number of logits `L`, u32, `1 ≤ L ≤` [`MAX_LOGITS`] |
//! | 8 | `L·W·(d+1)·4` | the bits, logit by logit, least significant first |
//!
//! Loading checks the header (kind, an exported gate set with a matching fingerprint, file size),
//! then these fields and bounds, then that the announced payload length is exactly what they
//! imply, and only then allocates the ciphertexts.

use super::bit::Bit;
use super::integer::EncryptedInt;
use super::keys::{is_gate_set, BitCiphertext, BitwiseClientKey};
use crate::bounds::Interval;
use crate::ciphertexts::{checked_pixel_count, CiphertextError, MAX_LOGITS};
use crate::header::{HeaderError, Kind};
use crate::model::Shape;
use crate::persist::{read_u32, save_object, FileError, ObjectFile, Problem, Secrecy};
use crate::quantize::quantize_pixel;
use std::io::Write;
use std::path::Path;
use tfhe_core::dimensions::LweDimension;
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::params::{ParameterSet, PbsOrder};
use tfhe_core::serialization::{
    lwe_ciphertext_len, read_lwe_ciphertext, write_lwe_ciphertext, SerializationError,
};
use tfhe_core::TfheError;
use torus::EncryptionRng;

/// The widest logit a result file holds.
pub const MAX_LOGIT_BITS: u32 = 64;

/// Bytes of the fixed fields before the ciphertexts of an encrypted input.
const INPUT_FIELDS: u64 = 16;
/// Bytes of the fixed fields before the ciphertexts of an encrypted result.
const RESULT_FIELDS: u64 = 8;

/// The dimension of a gate set's ciphertexts between gates.
pub fn bit_ciphertext_dimension(params: &ParameterSet) -> LweDimension {
    match params.order {
        PbsOrder::BootstrapKeyswitch => params.lwe_dimension,
        PbsOrder::KeyswitchBootstrap => params.big_lwe_dimension(),
    }
}

/// Checks that every ciphertext has the set's dimension.
fn check_dimensions(params: &ParameterSet, cts: &[BitCiphertext]) -> Result<(), CiphertextError> {
    let expected = bit_ciphertext_dimension(params);
    match cts.iter().position(|ct| ct.lwe_dimension() != expected) {
        Some(index) => Err(CiphertextError::Dimension {
            index,
            expected: expected.0,
            found: cts[index].lwe_dimension().0,
        }),
        None => Ok(()),
    }
}

/// `fields + count·(d+1)·4`, saturated (no real file has that length).
fn payload_len(params: &ParameterSet, fields: u64, count: u64) -> Result<u64, Problem> {
    let each = lwe_ciphertext_len::<u32>(bit_ciphertext_dimension(params))?;
    Ok(count.saturating_mul(each).saturating_add(fields))
}

fn write_ciphertexts(w: &mut dyn Write, cts: &[BitCiphertext]) -> Result<(), Problem> {
    for ct in cts {
        write_lwe_ciphertext(ct, w)?;
    }
    Ok(())
}

fn read_ciphertexts(file: &mut ObjectFile, count: usize) -> Result<Vec<BitCiphertext>, FileError> {
    let dimension = bit_ciphertext_dimension(file.params());
    let mut cts = Vec::with_capacity(count);
    let mut r = file.payload_buffered();
    for _ in 0..count {
        match read_lwe_ciphertext::<u32, _>(dimension, &mut r) {
            Ok(ct) => cts.push(ct),
            Err(e) => {
                drop(r);
                return Err(file.error(e));
            }
        }
    }
    Ok(cts)
}

/// Opens `path` as an object of `kind` made for a gate set.
fn open_gate_set_file(path: &Path, kind: Kind) -> Result<ObjectFile, FileError> {
    let file = ObjectFile::open(path, kind)?;
    if !is_gate_set(file.params()) {
        let found = file.params().name.to_string();
        return Err(file.error(Problem::Header(HeaderError::WrongParameters {
            expected: "a boolean gate set (BOOLEAN_128 or TOY_BOOLEAN)".to_string(),
            found,
        })));
    }
    Ok(file)
}

/// An encrypted image for the bitwise engine: `bits` ciphertexts per pixel.
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptedBitImage {
    /// The gate set.
    pub params: &'static ParameterSet,
    /// The image shape.
    pub shape: Shape,
    /// Bits per quantized pixel (`1..=8`).
    pub bits: u32,
    /// `shape.len()·bits` ciphertexts: pixel by pixel (CHW order), least significant bit first.
    pub pixels: Vec<BitCiphertext>,
}

impl EncryptedBitImage {
    /// Encrypts an image of 8-bit pixels (CHW order) quantized to `bits` bits.
    pub fn encrypt(
        key: &BitwiseClientKey,
        pixels: &[u8],
        shape: Shape,
        bits: u32,
        rng: &mut EncryptionRng,
    ) -> Result<Self, CiphertextError> {
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
        let mut cts = Vec::with_capacity(count * bits as usize);
        for &p in pixels {
            let q = quantize_pixel(p, bits);
            for i in 0..bits {
                cts.push(key.encrypt_bool((q >> i) & 1 == 1, rng));
            }
        }
        Ok(Self {
            params: key.params(),
            shape,
            bits,
            pixels: cts,
        })
    }

    /// Checks that the fields agree: a gate set, bits `1..=8`, a non-empty shape of at most
    /// [`MAX_PIXELS`](crate::ciphertexts::MAX_PIXELS) pixels, `bits` ciphertexts of the set's dimension per pixel.
    pub fn validate(&self) -> Result<(), CiphertextError> {
        if !(1..=8).contains(&self.bits) {
            return Err(CiphertextError::PixelBits(self.bits));
        }
        let count = checked_pixel_count(self.shape)?;
        if self.pixels.len() != count * self.bits as usize {
            return Err(CiphertextError::PixelCount {
                expected: count,
                found: self.pixels.len() / self.bits as usize,
            });
        }
        check_dimensions(self.params, &self.pixels)
    }

    /// The pixels as the engine's integers (range `[0, 2^bits − 1]`, sign bit known 0). Moves
    /// the ciphertexts.
    pub fn into_integers(self) -> Vec<EncryptedInt<BitCiphertext>> {
        let bits = self.bits as usize;
        let range = Interval {
            lo: 0,
            hi: (1i64 << bits) - 1,
        };
        let mut out = Vec::with_capacity(self.pixels.len() / bits.max(1));
        let mut cts = self.pixels.into_iter();
        loop {
            let pixel: Vec<Bit<BitCiphertext>> =
                cts.by_ref().take(bits).map(Bit::encrypted).collect();
            if pixel.len() < bits || bits == 0 {
                break;
            }
            let mut with_sign = pixel;
            with_sign.push(Bit::ZERO);
            out.push(EncryptedInt::from_bits(with_sign, range));
        }
        out
    }

    /// Writes the image to `path` (layout in the module documentation), replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        self.validate().map_err(|e| FileError::new(path, e))?;
        let len = payload_len(self.params, INPUT_FIELDS, self.pixels.len() as u64)
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
                ] {
                    w.write_all(&field.to_le_bytes())?;
                }
                write_ciphertexts(w, &self.pixels)
            },
        )
    }

    /// Reads an encrypted image of a gate set from `path`, checking header, fields and length
    /// before it allocates the ciphertexts.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let mut file = open_gate_set_file(path, Kind::EncryptedInput)?;
        let params = file.params();
        let mut fields = [0u32; 4];
        for field in &mut fields {
            *field = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        }
        let [channels, height, width, bits] = fields;
        if !(1..=8).contains(&bits) {
            return Err(file.error(CiphertextError::PixelBits(bits)));
        }
        let shape = Shape {
            channels: channels as usize,
            height: height as usize,
            width: width as usize,
        };
        let pixels = checked_pixel_count(shape).map_err(|e| file.error(e))?;
        // At most 2^20 pixels of 8 bits: no overflow.
        let count = pixels * bits as usize;
        let expected =
            payload_len(params, INPUT_FIELDS, count as u64).map_err(|e| file.error(e))?;
        file.check_payload_len(expected)?;
        let cts = read_ciphertexts(&mut file, count)?;
        file.finish()?;
        Ok(Self {
            params,
            shape,
            bits,
            pixels: cts,
        })
    }
}

/// An encrypted result of the bitwise engine: `width` ciphertexts per logit.
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptedBitLogits {
    /// The gate set.
    pub params: &'static ParameterSet,
    /// Bits per logit `W` (two's complement).
    pub width: u32,
    /// `L·W` ciphertexts: logit by logit, least significant bit first.
    pub bits: Vec<BitCiphertext>,
}

impl EncryptedBitLogits {
    /// The logits of an inference as ciphertexts: each integer sign-extended to the widest one's
    /// width, known bits as trivial ciphertexts, negated bits negated (no bootstrap).
    /// `None` for no logits or a width above [`MAX_LOGIT_BITS`] (impossible for `i64` ranges).
    pub fn from_integers(
        params: &'static ParameterSet,
        logits: &[EncryptedInt<BitCiphertext>],
    ) -> Option<Self> {
        let width = logits.iter().map(EncryptedInt::width).max()?;
        let dimension = bit_ciphertext_dimension(params);
        let eighth = |v: bool| super::backend::eighths(if v { 1 } else { -1 });
        let mut bits = Vec::with_capacity(logits.len() * width);
        for logit in logits {
            for i in 0..width {
                bits.push(match logit.bit(i) {
                    Bit::Known(v) => LweCiphertext::trivial(dimension, eighth(*v)),
                    Bit::Encrypted {
                        ciphertext,
                        negated,
                    } => {
                        let mut ct = (**ciphertext).clone();
                        if *negated {
                            ct.neg_assign();
                        }
                        ct
                    }
                });
            }
        }
        Some(Self {
            params,
            width: u32::try_from(width).ok().filter(|&w| w <= MAX_LOGIT_BITS)?,
            bits,
        })
    }

    /// Number of logits.
    pub fn len(&self) -> usize {
        self.bits.len() / (self.width.max(1) as usize)
    }

    /// Whether there are no logits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the fields: a width in `1..=64`, 1 to [`MAX_LOGITS`] logits of `width` ciphertexts
    /// each, all of the set's dimension.
    pub fn validate(&self) -> Result<(), Problem> {
        check_width(self.width)?;
        let logits = self.bits.len() / self.width as usize;
        if !self.bits.len().is_multiple_of(self.width as usize)
            || !(1..=MAX_LOGITS).contains(&logits)
        {
            return Err(CiphertextError::LogitCount {
                found: logits as u64,
            }
            .into());
        }
        Ok(check_dimensions(self.params, &self.bits)?)
    }

    /// Decrypts every logit (two's complement at `width` bits).
    pub fn decrypt(&self, key: &BitwiseClientKey) -> Result<Vec<i64>, Problem> {
        if *key.params() != *self.params {
            return Err(CiphertextError::ParameterMismatch {
                expected: key.params().name,
                found: self.params.name,
            }
            .into());
        }
        self.validate()?;
        let w = self.width as usize;
        Ok(self
            .bits
            .chunks_exact(w)
            .map(|logit| {
                logit.iter().enumerate().fold(0i64, |v, (i, ct)| {
                    if key.secret_keys().decrypt_bool(ct) {
                        v.wrapping_add(if i + 1 == w {
                            (-1i64).wrapping_shl(i as u32)
                        } else {
                            1i64 << i
                        })
                    } else {
                        v
                    }
                })
            })
            .collect())
    }

    /// Writes the result to `path` (layout in the module documentation), replacing the file.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        self.validate().map_err(|e| FileError::new(path, e))?;
        let len = payload_len(self.params, RESULT_FIELDS, self.bits.len() as u64)
            .map_err(|e| FileError::new(path, e))?;
        // Validated: at most MAX_LOGITS.
        let count = u32::try_from(self.len()).unwrap_or(u32::MAX);
        save_object(
            path,
            Kind::EncryptedResult,
            self.params,
            len,
            Secrecy::Public,
            |w| {
                w.write_all(&self.width.to_le_bytes())?;
                w.write_all(&count.to_le_bytes())?;
                write_ciphertexts(w, &self.bits)
            },
        )
    }

    /// Reads an encrypted result of a gate set from `path`, checking header, fields and length
    /// before it allocates the ciphertexts.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let mut file = open_gate_set_file(path, Kind::EncryptedResult)?;
        let params = file.params();
        let width = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        let count = read_u32(file.payload_unbuffered()).map_err(|e| file.error(e))?;
        check_width(width).map_err(|e| file.error(e))?;
        let count = count as usize;
        if !(1..=MAX_LOGITS).contains(&count) {
            return Err(file.error(CiphertextError::LogitCount {
                found: count as u64,
            }));
        }
        // At most 4096 logits of 64 bits: no overflow.
        let total = count * width as usize;
        let expected =
            payload_len(params, RESULT_FIELDS, total as u64).map_err(|e| file.error(e))?;
        file.check_payload_len(expected)?;
        let bits = read_ciphertexts(&mut file, total)?;
        file.finish()?;
        Ok(Self {
            params,
            width,
            bits,
        })
    }
}

/// A logit width in `1..=`[`MAX_LOGIT_BITS`].
fn check_width(width: u32) -> Result<(), Problem> {
    if (1..=MAX_LOGIT_BITS).contains(&width) {
        Ok(())
    } else {
        Err(Problem::Payload(SerializationError::Tfhe(
            TfheError::UnsupportedDimension {
                what: "bits per logit (1 to 64)",
                value: width as usize,
            },
        )))
    }
}
