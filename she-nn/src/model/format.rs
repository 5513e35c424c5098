//! The model file: a [`crate::header`] of kind [`Kind::Model`] (no parameter set: empty name,
//! fingerprint 0), then the payload below, then the checksum (SHA-256 of the header and the
//! payload, [`crate::header::Checksum`]). Every integer is little-endian; sizes are `u32`.
//!
//! ```text
//! field                 size          meaning
//! name length L         u16           L ≤ 256
//! name                  L bytes       UTF-8, no control characters
//! input channels        u32
//! input height          u32
//! input width           u32
//! input bits            u8            1 ..= 8
//! layer count           u32           1 ..= 1024
//! layers                …             one record per layer, in order:
//!
//! tag  layer        fields after the tag
//! 1    conv2d       in_channels u32, out_channels u32, kernel u32, stride u32, padding u32,
//!                   then out·in·kernel² weight bytes (row-major out × in × kernel × kernel)
//! 2    dense        inputs u32, outputs u32, then outputs·inputs weight bytes (row-major)
//! 3    batch_norm   channels C u32, then C shift bytes (u8), then C biases (i64)
//! 4    relu         bits u8
//! 5    max_pool2d   size u32, stride u32
//! 6    sum_pool2d   size u32, stride u32
//! 7    flatten      (nothing)
//! ```
//!
//! A weight byte is the raw 5-bit [`WeightCode`] (`0 ..= 31` except the negative zero `16`).
//! The encoding is canonical: a file that [`read_model`] accepts is byte for byte what
//! [`write_model`] writes for the model it returns.
//!
//! Reading trusts nothing: the payload length is bounded by [`MAX_PAYLOAD_LEN`] and only the bytes
//! actually present are buffered; every count is checked against the bytes left in the payload
//! before anything is allocated for it; every byte that is read must be used; the decoded
//! model must pass [`Model::validate`]; and the checksum must match (checked last, so that a
//! structural error is reported as such). Any malformed input gives a typed [`ModelError`].

use super::{
    is_valid_name, BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, ModelError, Pool2d, Relu,
    Shape, MAX_LAYERS, MAX_NAME_LEN, MAX_PARAMETERS,
};
use crate::header::{Checksum, Header, Kind, CHECKSUM_LEN};
use crate::quantize::WeightCode;
use std::io::{self, Read, Write};
use std::path::Path;

/// Layer tags on disk.
mod tag {
    pub(super) const CONV2D: u8 = 1;
    pub(super) const DENSE: u8 = 2;
    pub(super) const BATCH_NORM: u8 = 3;
    pub(super) const RELU: u8 = 4;
    pub(super) const MAX_POOL2D: u8 = 5;
    pub(super) const SUM_POOL2D: u8 = 6;
    pub(super) const FLATTEN: u8 = 7;
}

/// Bytes of one batch-norm channel on disk: a `u8` shift and an `i64` bias.
const BATCH_NORM_CHANNEL_BYTES: u64 = 9;

/// The largest payload a valid model can have, in bytes: the name, the input spec, the largest
/// layer records, and [`MAX_PARAMETERS`] parameters at the widest encoding (a batch-norm
/// channel, 9 bytes). A header announcing more is rejected before anything is read.
pub const MAX_PAYLOAD_LEN: u64 = 2
    + MAX_NAME_LEN as u64
    + 13
    + 4
    + MAX_LAYERS as u64 * 21
    + MAX_PARAMETERS as u64 * BATCH_NORM_CHANNEL_BYTES;

/// Writes `model` as a model file (header, payload and checksum) to `w`.
///
/// The model is validated first: an invalid model is not written and gives an error of kind
/// [`io::ErrorKind::InvalidInput`] carrying the [`ModelError`]; so does a dimension above
/// `u32::MAX` (only a stride can be that large in a valid model).
pub fn write_model(model: &Model, w: &mut dyn Write) -> io::Result<()> {
    model
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let payload = encode_payload(model)?;
    let header = Header::new(Kind::Model, None, payload.len() as u64);
    header.write(w)?;
    w.write_all(&payload)?;
    let mut checksum = Checksum::new(&header);
    checksum.update(&payload);
    w.write_all(&checksum.finish())
}

/// Reads a model file from `r`: checks the header (magic, version, [`Kind::Model`], no parameter
/// set), bounds the payload length, reads exactly that many bytes, decodes them (see the module
/// documentation), validates the model and checks the checksum that follows the payload. Bytes
/// after the checksum are left unread.
pub fn read_model(r: &mut dyn Read) -> Result<Model, ModelError> {
    let header = Header::read(r, Kind::Model)?;
    if !header.params_name.is_empty() || header.fingerprint != 0 {
        return Err(ModelError::UnexpectedParameters {
            name: header.params_name,
        });
    }
    if header.payload_len > MAX_PAYLOAD_LEN {
        return Err(ModelError::PayloadTooLarge {
            len: header.payload_len,
            limit: MAX_PAYLOAD_LEN,
        });
    }
    // `take` + `read_to_end` buffers only what is really there, whatever the header claims.
    let expected = header.payload_len + CHECKSUM_LEN as u64;
    let mut payload = Vec::new();
    r.take(expected).read_to_end(&mut payload)?;
    if (payload.len() as u64) < expected {
        return Err(ModelError::Truncated {
            expected,
            found: payload.len() as u64,
        });
    }
    // At least CHECKSUM_LEN bytes were read: split the checksum off the end.
    let at = payload.len() - CHECKSUM_LEN;
    let mut stored = [0u8; CHECKSUM_LEN];
    stored.copy_from_slice(&payload[at..]);
    payload.truncate(at);
    let model = decode_payload(&payload)?;
    model.validate()?;
    let mut checksum = Checksum::new(&header);
    checksum.update(&payload);
    checksum.verify(&stored).map_err(ModelError::Header)?;
    Ok(model)
}

impl Model {
    /// Writes the model to the file at `path` ([`write_model`]), replacing it.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        self.validate()?;
        let mut w = io::BufWriter::new(std::fs::File::create(path)?);
        write_model(self, &mut w)?;
        w.flush()?;
        Ok(())
    }

    /// Reads the model file at `path` ([`read_model`]) and checks that nothing follows the
    /// checksum.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let mut r = io::BufReader::new(std::fs::File::open(path)?);
        let model = read_model(&mut r)?;
        let mut rest = [0u8; 1];
        if r.read(&mut rest)? != 0 {
            return Err(ModelError::TrailingBytes { count: 1 });
        }
        Ok(model)
    }
}

/// The payload of a valid model.
fn encode_payload(model: &Model) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let name = model.name.as_bytes();
    // `validate` bounds the name by `MAX_NAME_LEN`, which fits a `u16`.
    out.extend_from_slice(&u16::try_from(name.len()).map_err(too_large)?.to_le_bytes());
    out.extend_from_slice(name);
    let Shape {
        channels,
        height,
        width,
    } = model.input.shape;
    for v in [channels, height, width] {
        put_u32(&mut out, v)?;
    }
    out.push(u8::try_from(model.input.bits).map_err(too_large)?);
    put_u32(&mut out, model.layers.len())?;
    for layer in &model.layers {
        match layer {
            Layer::Conv2d(conv) => {
                out.push(tag::CONV2D);
                for v in [
                    conv.in_channels,
                    conv.out_channels,
                    conv.kernel,
                    conv.stride,
                    conv.padding,
                ] {
                    put_u32(&mut out, v)?;
                }
                out.extend(conv.weights.iter().map(|w| w.bits()));
            }
            Layer::Dense(dense) => {
                out.push(tag::DENSE);
                put_u32(&mut out, dense.inputs)?;
                put_u32(&mut out, dense.outputs)?;
                out.extend(dense.weights.iter().map(|w| w.bits()));
            }
            Layer::BatchNorm(bn) => {
                out.push(tag::BATCH_NORM);
                put_u32(&mut out, bn.shift.len())?;
                for &shift in &bn.shift {
                    out.push(u8::try_from(shift).map_err(too_large)?);
                }
                for &bias in &bn.bias {
                    out.extend_from_slice(&bias.to_le_bytes());
                }
            }
            Layer::Relu(relu) => {
                out.push(tag::RELU);
                out.push(u8::try_from(relu.bits).map_err(too_large)?);
            }
            Layer::MaxPool2d(pool) | Layer::SumPool2d(pool) => {
                out.push(if matches!(layer, Layer::MaxPool2d(_)) {
                    tag::MAX_POOL2D
                } else {
                    tag::SUM_POOL2D
                });
                put_u32(&mut out, pool.size)?;
                put_u32(&mut out, pool.stride)?;
            }
            Layer::Flatten => out.push(tag::FLATTEN),
        }
    }
    Ok(out)
}

fn too_large(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("model field too large for the file format: {e}"),
    )
}

fn put_u32(out: &mut Vec<u8>, v: usize) -> io::Result<()> {
    out.extend_from_slice(&u32::try_from(v).map_err(too_large)?.to_le_bytes());
    Ok(())
}

/// Reads fields off the payload, failing with [`ModelError::UnexpectedEnd`] past its end.
struct Fields<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        if n > self.remaining() {
            return Err(ModelError::UnexpectedEnd { offset: self.pos });
        }
        let field = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(field)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// A `u32` size field, as `usize`.
    fn size(&mut self) -> Result<usize, ModelError> {
        let v = u32::from_le_bytes(self.array()?);
        usize::try_from(v).map_err(|_| ModelError::TooLarge {
            what: "a size field".to_string(),
            size: u64::from(v),
            limit: usize::MAX as u64,
        })
    }

    fn i64(&mut self) -> Result<i64, ModelError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// Checks that `count` items of `item_bytes` bytes each are present (and that `count` is at
    /// most [`MAX_PARAMETERS`]) before anything is allocated for them; returns `count` as usize.
    fn bound(&self, count: u64, item_bytes: u64, what: &str) -> Result<usize, ModelError> {
        if count > MAX_PARAMETERS as u64 {
            return Err(ModelError::TooLarge {
                what: what.to_string(),
                size: count,
                limit: MAX_PARAMETERS as u64,
            });
        }
        // `count ≤ 2^26` and `item_bytes ≤ 9`: no overflow.
        if count * item_bytes > self.remaining() as u64 {
            return Err(ModelError::UnexpectedEnd { offset: self.pos });
        }
        // `count ≤ MAX_PARAMETERS` fits any usize of 32 bits or more.
        usize::try_from(count).map_err(|_| ModelError::UnexpectedEnd { offset: self.pos })
    }

    /// `count` weight codes of layer `layer`.
    fn weights(&mut self, layer: usize, count: u64) -> Result<Vec<WeightCode>, ModelError> {
        let n = self.bound(count, 1, &format!("layer {layer} weight count"))?;
        self.take(n)?
            .iter()
            .enumerate()
            .map(|(index, &code)| {
                WeightCode::from_bits(code).ok_or(ModelError::BadWeightCode { layer, index, code })
            })
            .collect()
    }

    fn pool(&mut self) -> Result<Pool2d, ModelError> {
        Ok(Pool2d {
            size: self.size()?,
            stride: self.size()?,
        })
    }
}

/// The product of sizes, saturating (a saturated product fails [`Fields::bound`]).
fn product(sizes: &[usize]) -> u64 {
    sizes
        .iter()
        .fold(1u64, |acc, &s| acc.saturating_mul(s as u64))
}

/// Decodes a payload into a model (not yet validated).
fn decode_payload(payload: &[u8]) -> Result<Model, ModelError> {
    let mut f = Fields {
        bytes: payload,
        pos: 0,
    };
    let name_len = usize::from(f.u16()?);
    if name_len > MAX_NAME_LEN {
        return Err(ModelError::BadName);
    }
    let name = std::str::from_utf8(f.take(name_len)?).map_err(|_| ModelError::BadName)?;
    if !is_valid_name(name) {
        return Err(ModelError::BadName);
    }
    let shape = Shape {
        channels: f.size()?,
        height: f.size()?,
        width: f.size()?,
    };
    let input = InputSpec {
        shape,
        bits: u32::from(f.u8()?),
    };
    let count = f.size()?;
    if count > MAX_LAYERS {
        return Err(ModelError::TooLarge {
            what: "layer count".to_string(),
            size: count as u64,
            limit: MAX_LAYERS as u64,
        });
    }
    let mut layers = Vec::with_capacity(count);
    for layer in 0..count {
        let t = f.u8()?;
        layers.push(match t {
            tag::CONV2D => {
                let in_channels = f.size()?;
                let out_channels = f.size()?;
                let kernel = f.size()?;
                let stride = f.size()?;
                let padding = f.size()?;
                let n = product(&[out_channels, in_channels, kernel, kernel]);
                Layer::Conv2d(Conv2d {
                    in_channels,
                    out_channels,
                    kernel,
                    stride,
                    padding,
                    weights: f.weights(layer, n)?,
                })
            }
            tag::DENSE => {
                let inputs = f.size()?;
                let outputs = f.size()?;
                let n = product(&[outputs, inputs]);
                Layer::Dense(Dense {
                    inputs,
                    outputs,
                    weights: f.weights(layer, n)?,
                })
            }
            tag::BATCH_NORM => {
                let channels = f.size()?;
                let c = f.bound(
                    channels as u64,
                    BATCH_NORM_CHANNEL_BYTES,
                    &format!("layer {layer} batch-norm channels"),
                )?;
                let shift = f.take(c)?.iter().map(|&s| u32::from(s)).collect();
                let bias = (0..c).map(|_| f.i64()).collect::<Result<_, _>>()?;
                Layer::BatchNorm(BatchNorm { shift, bias })
            }
            tag::RELU => Layer::Relu(Relu {
                bits: u32::from(f.u8()?),
            }),
            tag::MAX_POOL2D => Layer::MaxPool2d(f.pool()?),
            tag::SUM_POOL2D => Layer::SumPool2d(f.pool()?),
            tag::FLATTEN => Layer::Flatten,
            _ => return Err(ModelError::UnknownLayerTag { layer, tag: t }),
        });
    }
    if f.remaining() > 0 {
        return Err(ModelError::TrailingBytes {
            count: f.remaining() as u64,
        });
    }
    Ok(Model {
        name: name.to_string(),
        input,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderError;
    use crate::model::random::{random_model, TestRng};

    fn tiny() -> Model {
        let w = |v: i64| WeightCode::from_value(v).unwrap();
        Model {
            name: "tiny ✓".to_string(),
            input: InputSpec {
                shape: Shape {
                    channels: 1,
                    height: 4,
                    width: 4,
                },
                bits: 5,
            },
            layers: vec![
                Layer::Conv2d(Conv2d {
                    in_channels: 1,
                    out_channels: 2,
                    kernel: 3,
                    stride: 1,
                    padding: 1,
                    weights: (0..18).map(|i| w([1, -2, 0, 4, -16384][i % 5])).collect(),
                }),
                Layer::BatchNorm(BatchNorm {
                    shift: vec![3, 62],
                    bias: vec![-(1 << 40), 7],
                }),
                Layer::Relu(Relu { bits: 5 }),
                Layer::MaxPool2d(Pool2d { size: 2, stride: 2 }),
                Layer::SumPool2d(Pool2d { size: 2, stride: 1 }),
                Layer::Flatten,
                Layer::Dense(Dense {
                    inputs: 2,
                    outputs: 3,
                    weights: (0..6).map(|i| w([-1, 2, 8][i % 3])).collect(),
                }),
            ],
        }
    }

    fn bytes_of(model: &Model) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_model(model, &mut bytes).unwrap();
        bytes
    }

    /// Length of the model header (no parameter-set name).
    const HEADER_LEN: usize = 29;

    #[test]
    fn round_trips_every_layer_kind() {
        let model = tiny();
        let bytes = bytes_of(&model);
        assert_eq!(read_model(&mut bytes.as_slice()).unwrap(), model);
        assert_eq!(
            u64::from_le_bytes(bytes[21..29].try_into().unwrap()),
            (bytes.len() - HEADER_LEN - CHECKSUM_LEN) as u64
        );
    }

    #[test]
    fn the_shipped_model_reads_with_a_valid_checksum() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/mnist-she.model");
        let model = Model::load(Path::new(path)).unwrap();
        assert_eq!(model.name, "she-mnist-wide128");
        assert_eq!(bytes_of(&model), std::fs::read(path).unwrap());
    }

    #[test]
    fn round_trips_random_models() {
        let mut rng = TestRng::new(7);
        for _ in 0..300 {
            let model = random_model(&mut rng);
            let bytes = bytes_of(&model);
            assert_eq!(read_model(&mut bytes.as_slice()).unwrap(), model);
        }
    }

    #[test]
    fn save_and_load_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.model");
        let model = tiny();
        model.save(&path).unwrap();
        assert_eq!(Model::load(&path).unwrap(), model);
        // Trailing garbage after the payload is rejected by `load`.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.push(0);
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            Model::load(&path),
            Err(ModelError::TrailingBytes { .. })
        ));
        assert!(matches!(
            Model::load(&dir.path().join("missing")),
            Err(ModelError::Io(_))
        ));
    }

    #[test]
    fn invalid_models_are_not_written() {
        let mut model = tiny();
        model.input.bits = 9;
        let err = write_model(&model, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            model.save(&dir.path().join("bad.model")),
            Err(ModelError::InputBits { bits: 9 })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = bytes_of(&tiny());
        for cut in 0..bytes.len() {
            let result = read_model(&mut &bytes[..cut]);
            match (cut < HEADER_LEN, result) {
                (true, Err(ModelError::Header(HeaderError::Io(_)))) => {}
                (false, Err(ModelError::Truncated { expected, found })) => {
                    assert_eq!(expected as usize, bytes.len() - HEADER_LEN);
                    assert_eq!(found as usize, cut - HEADER_LEN);
                }
                (_, other) => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    /// Any result is fine except a panic; an accepted file must be the canonical encoding of
    /// the model it decodes to.
    fn check_mutant(bytes: &[u8]) {
        if let Ok(model) = read_model(&mut &bytes[..]) {
            assert_eq!(bytes_of(&model), bytes, "accepted a non-canonical file");
        }
    }

    /// `bytes` with its last [`CHECKSUM_LEN`] bytes replaced by the SHA-256 of the rest, so that
    /// a damaged file reaches the decoder's own checks and then passes the checksum.
    fn resealed(bytes: &[u8]) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let at = bytes.len().saturating_sub(CHECKSUM_LEN);
        let mut out = bytes[..at].to_vec();
        out.extend_from_slice(&Sha256::digest(&out));
        out
    }

    #[test]
    fn every_single_bit_flip_is_rejected() {
        let mut rng = TestRng::new(11);
        let mut files = vec![bytes_of(&tiny())];
        files.extend((0..20).map(|_| bytes_of(&random_model(&mut rng))));
        let (mut structural, mut checksum) = (0, 0);
        for original in &files {
            for bit in 0..original.len() * 8 {
                let mut bytes = original.clone();
                bytes[bit / 8] ^= 1 << (bit % 8);
                match read_model(&mut bytes.as_slice()) {
                    Err(ModelError::Header(HeaderError::Checksum)) => checksum += 1,
                    Err(_) => structural += 1,
                    Ok(_) => panic!("bit {bit} flipped and accepted"),
                }
                // With a recomputed checksum the decoder alone must reject it or decode a model
                // whose canonical encoding it is.
                check_mutant(&resealed(&bytes));
            }
        }
        // Both kinds of rejection happen: the structure catches some flips, the checksum the
        // rest (e.g. a weight code changed into another valid code).
        assert!(structural > 0 && checksum > 0, "{structural} {checksum}");
    }

    #[test]
    fn random_byte_rewrites_never_panic() {
        let mut rng = TestRng::new(13);
        let original = bytes_of(&tiny());
        for _ in 0..20_000 {
            let mut bytes = original.clone();
            for _ in 0..rng.range(1, 4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next_u64() as u8;
            }
            if bytes != original {
                assert!(read_model(&mut bytes.as_slice()).is_err());
            }
            check_mutant(&resealed(&bytes));
        }
    }

    #[test]
    fn huge_length_fields_are_bounded() {
        let original = bytes_of(&tiny());
        // Payload length in the header.
        for len in [u64::MAX, MAX_PAYLOAD_LEN + 1] {
            let mut bytes = original.clone();
            bytes[21..29].copy_from_slice(&len.to_le_bytes());
            assert!(matches!(
                read_model(&mut bytes.as_slice()),
                Err(ModelError::PayloadTooLarge { .. })
            ));
        }
        let mut bytes = original.clone();
        bytes[21..29].copy_from_slice(&MAX_PAYLOAD_LEN.to_le_bytes());
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::Truncated { .. })
        ));
        // Any four payload bytes set to u32::MAX: never a panic.
        for at in HEADER_LEN..original.len() - 3 {
            let mut bytes = original.clone();
            bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            check_mutant(&bytes);
        }
        // Each size field of the input spec, the layer count and the convolution: an error.
        let input_at = HEADER_LEN + 2 + tiny().name.len();
        let conv_at = input_at + 13 + 4 + 1;
        let fields = [input_at, input_at + 4, input_at + 8, input_at + 13]
            .into_iter()
            .chain((0..5).map(|k| conv_at + 4 * k));
        for at in fields {
            let mut bytes = original.clone();
            bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            assert!(read_model(&mut bytes.as_slice()).is_err(), "offset {at}");
        }
        // The name length.
        let mut bytes = original.clone();
        bytes[HEADER_LEN..HEADER_LEN + 2].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::BadName)
        ));
    }

    #[test]
    fn wrong_kind_and_parameters_are_rejected() {
        let original = bytes_of(&tiny());
        let mut bytes = original.clone();
        bytes[10..12].copy_from_slice(&Kind::ServerKey.code().to_le_bytes());
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::Header(HeaderError::WrongKind { .. }))
        ));
        let mut bytes = original.clone();
        bytes[13] = 1; // fingerprint
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::UnexpectedParameters { .. })
        ));
        // A header naming a parameter set.
        let mut named = Vec::new();
        Header::new(
            Kind::Model,
            Some(&tfhe_core::params::TOY),
            (original.len() - HEADER_LEN) as u64,
        )
        .write(&mut named)
        .unwrap();
        named.extend_from_slice(&original[HEADER_LEN..]);
        assert!(matches!(
            read_model(&mut named.as_slice()),
            Err(ModelError::UnexpectedParameters { .. })
        ));
    }

    #[test]
    fn decoding_errors_are_typed() {
        let original = bytes_of(&tiny());
        let name_len = tiny().name.len();
        let layers_at = HEADER_LEN + 2 + name_len + 13 + 4;
        let mut bytes = original.clone();
        bytes[layers_at] = 99;
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::UnknownLayerTag { layer: 0, tag: 99 })
        ));
        let first_weight = layers_at + 1 + 20;
        let mut bytes = original.clone();
        bytes[first_weight + 1] = 0b1_0000;
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::BadWeightCode {
                layer: 0,
                index: 1,
                code: 16
            })
        ));
        // One byte more in the payload than the layers use (with a matching checksum).
        let mut bytes = original[..original.len() - CHECKSUM_LEN].to_vec();
        bytes.push(0);
        let len = (bytes.len() - HEADER_LEN) as u64;
        bytes[21..29].copy_from_slice(&len.to_le_bytes());
        let mut checksum = Checksum::new(&Header::new(Kind::Model, None, len));
        checksum.update(&bytes[HEADER_LEN..]);
        bytes.extend_from_slice(&checksum.finish());
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::TrailingBytes { count: 1 })
        ));
        // A name that is not UTF-8.
        let mut bytes = original.clone();
        bytes[HEADER_LEN + 2 + name_len - 1] = 0xff;
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::BadName)
        ));
        // Input bits out of range: decoded, then rejected by validation.
        let mut bytes = original;
        bytes[HEADER_LEN + 2 + name_len + 12] = 0;
        assert!(matches!(
            read_model(&mut bytes.as_slice()),
            Err(ModelError::InputBits { bits: 0 })
        ));
    }
}
