//! The files of client keys, server keys, encrypted inputs and encrypted results: round trips,
//! and for each format every kind of damage a file can suffer, each giving a typed error (never a
//! panic, never an allocation sized by the damaged field).
//!
//! Everything runs at the **insecure** `TOY` set (fast), plus one round trip of both key files at
//! `SHE_MNIST`.

use she_nn::ciphertexts::{CiphertextError, EncryptedImage, EncryptedLogits, MAX_LOGITS};
use she_nn::client::{ClientKey, INPUT_SCALE_LOG2};
use she_nn::header::{fingerprint, Header, HeaderError, Kind, CHECKSUM_LEN};
use she_nn::model::Shape;
use she_nn::persist::{FileError, Problem};
use she_nn::server::ServerKey;
use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tfhe_core::params::{ParameterSet, BOOLEAN_128, MSG2_CARRY2, SHE_MNIST, TOY};
use tfhe_core::serialization::SerializationError;
use tfhe_core::TfheError;
use torus::{Csprng, EncryptionRng, Seed, Torus};

/// Keys and ciphertexts at TOY, made once.
struct Fixture {
    client: ClientKey,
    server: ServerKey,
    image: EncryptedImage,
    logits: EncryptedLogits,
    values: Vec<i64>,
}

const LOGIT_SCALE_LOG2: u32 = 30;

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let client =
            ClientKey::generate(&TOY, &mut Csprng::from_seed(&Seed::insecure_from_u64(1))).unwrap();
        let mut rng = EncryptionRng::insecure_from_u64(2);
        let server = client.server_key(&mut rng).unwrap();
        let shape = Shape {
            channels: 1,
            height: 3,
            width: 5,
        };
        let pixels: Vec<u8> = (0..15u8).map(|i| i.wrapping_mul(37)).collect();
        let image = client.encrypt_image(&pixels, shape, 5, &mut rng).unwrap();
        let values = vec![-7, 0, 3, 1 << 20, -(1 << 25), 12];
        let logits = EncryptedLogits {
            params: &TOY,
            scale_log2: LOGIT_SCALE_LOG2,
            logits: values
                .iter()
                .map(|&y| {
                    let plaintext = u64::from_i64_wrapping(y) << LOGIT_SCALE_LOG2;
                    client.secret_keys().encrypt_plaintext(plaintext, &mut rng)
                })
                .collect(),
        };
        Fixture {
            client,
            server,
            image,
            logits,
            values,
        }
    })
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// One of the four formats, as a saved file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Client,
    Server,
    Input,
    Result,
}

const FORMATS: [Format; 4] = [
    Format::Client,
    Format::Server,
    Format::Input,
    Format::Result,
];

impl Format {
    fn kind(self) -> Kind {
        match self {
            Format::Client => Kind::ClientKey,
            Format::Server => Kind::ServerKey,
            Format::Input => Kind::EncryptedInput,
            Format::Result => Kind::EncryptedResult,
        }
    }

    fn save(self, path: &Path) {
        let f = fixture();
        match self {
            Format::Client => f.client.save(path),
            Format::Server => f.server.save(path),
            Format::Input => f.image.save(path),
            Format::Result => f.logits.save(path),
        }
        .unwrap();
    }

    /// Loads the file as this format, keeping only the error.
    fn load(self, path: &Path) -> Result<(), FileError> {
        match self {
            Format::Client => ClientKey::load(path).map(drop),
            Format::Server => ServerKey::load(path).map(drop),
            Format::Input => EncryptedImage::load(path).map(drop),
            Format::Result => EncryptedLogits::load(path).map(drop),
        }
    }

    fn saved(self, dir: &tempfile::TempDir) -> (PathBuf, Vec<u8>) {
        let path = dir.path().join(format!("{self:?}.bin"));
        self.save(&path);
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }
}

/// The header of a saved file, and the length of its encoding.
fn header_of(bytes: &[u8], kind: Kind) -> (Header, usize) {
    let header = Header::read(&mut &bytes[..], kind).unwrap();
    let len = 29 + header.params_name.len();
    (header, len)
}

/// `bytes` with its header replaced by `header`.
fn with_header(bytes: &[u8], kind: Kind, header: &Header) -> Vec<u8> {
    let (_, len) = header_of(bytes, kind);
    let mut out = Vec::new();
    header.write(&mut out).unwrap();
    out.extend_from_slice(&bytes[len..]);
    out
}

fn load_bytes(format: Format, dir: &tempfile::TempDir, bytes: &[u8]) -> Result<(), FileError> {
    let path = dir.path().join("doctored.bin");
    std::fs::write(&path, bytes).unwrap();
    format.load(&path)
}

fn assert_names_the_file(err: &FileError, path: &Path) {
    let text = err.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn client_keys_round_trip() {
    let d = dir();
    let path = d.path().join("client.key");
    let f = fixture();
    f.client.save(&path).unwrap();
    let back = ClientKey::load(&path).unwrap();
    assert_eq!(back.params().name, "TOY");
    let (a, b) = (f.client.secret_keys(), back.secret_keys());
    assert_eq!(a.small_lwe_key(), b.small_lwe_key());
    assert_eq!(a.glwe_key(), b.glwe_key());
    assert_eq!(back.decrypt_logits(&f.logits).unwrap(), f.values);
    // The Debug form shows no key material.
    let debug = format!("{back:?}");
    assert!(debug.contains("redacted") && debug.len() < 80, "{debug}");
}

#[test]
fn an_existing_client_key_is_never_overwritten() {
    let d = dir();
    let path = d.path().join("client.key");
    std::fs::write(&path, b"precious").unwrap();
    let err = fixture().client.save(&path).unwrap_err();
    assert!(matches!(err.problem, Problem::Exists), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[cfg(unix)]
#[test]
fn client_key_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir();
    let path = d.path().join("client.key");
    fixture().client.save(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

#[test]
fn server_keys_round_trip_exactly_and_still_bootstrap() {
    let d = dir();
    let (path, bytes) = Format::Server.saved(&d);
    let back = ServerKey::load(&path).unwrap();
    let again = d.path().join("again.key");
    back.save(&again).unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), bytes);
    let f = fixture();
    let keys = back.evaluation_keys();
    let lut = keys.lookup_table(|m| (m + 1) % 4).unwrap();
    let mut rng = EncryptionRng::insecure_from_u64(3);
    for m in 0..4 {
        let ct = f.client.secret_keys().encrypt(m, &mut rng);
        assert_eq!(
            f.client.secret_keys().decrypt(&keys.bootstrap(&ct, &lut)),
            (m + 1) % 4
        );
    }
}

#[test]
fn encrypted_images_and_results_round_trip() {
    let d = dir();
    let f = fixture();
    let (path, _) = Format::Input.saved(&d);
    let image = EncryptedImage::load(&path).unwrap();
    assert_eq!(image, f.image);
    assert_eq!(image.scale_log2, INPUT_SCALE_LOG2);
    // Pixel i decrypts to its 5-bit quantization at scale 2^INPUT_SCALE_LOG2.
    let key = f.client.secret_keys().ciphertext_key();
    for (i, ct) in image.pixels.iter().enumerate() {
        let pixel = (i as u8).wrapping_mul(37);
        let phase = key.phase(ct).to_signed();
        let x = (phase + (1 << (INPUT_SCALE_LOG2 - 1))) >> INPUT_SCALE_LOG2;
        assert_eq!(x, i64::from(pixel >> 3), "pixel {i}");
    }
    let (path, _) = Format::Result.saved(&d);
    let logits = EncryptedLogits::load(&path).unwrap();
    assert_eq!(logits, f.logits);
    assert_eq!(f.client.decrypt_logits(&logits).unwrap(), f.values);
}

#[test]
fn key_files_round_trip_at_she_mnist() {
    let d = dir();
    let client = ClientKey::generate(
        &SHE_MNIST,
        &mut Csprng::from_seed(&Seed::insecure_from_u64(4)),
    )
    .unwrap();
    let server = client
        .server_key(&mut EncryptionRng::insecure_from_u64(5))
        .unwrap();
    let (cp, sp) = (d.path().join("client.key"), d.path().join("server.key"));
    client.save(&cp).unwrap();
    server.save(&sp).unwrap();
    let client_back = ClientKey::load(&cp).unwrap();
    assert_eq!(
        client_back.secret_keys().glwe_key(),
        client.secret_keys().glwe_key()
    );
    assert_eq!(
        client_back.secret_keys().small_lwe_key(),
        client.secret_keys().small_lwe_key()
    );
    let server_back = ServerKey::load(&sp).unwrap();
    assert_eq!(
        server_back.evaluation_keys().keyswitch_key(),
        server.evaluation_keys().keyswitch_key()
    );
    let keys = server_back.evaluation_keys();
    let lut = keys.lookup_table(|m| 15 - m).unwrap();
    let mut rng = EncryptionRng::insecure_from_u64(6);
    for m in [0, 5, 15] {
        let ct = client_back.secret_keys().encrypt(m, &mut rng);
        let out = keys.bootstrap(&ct, &lut);
        assert_eq!(client_back.secret_keys().decrypt(&out), 15 - m);
    }
}

#[test]
fn every_truncation_is_a_typed_error() {
    let d = dir();
    for format in FORMATS {
        let (path, bytes) = format.saved(&d);
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        // Small files: every cut; the server key: a dense sample, boundaries included.
        let cuts: Vec<usize> = if bytes.len() <= 1 << 17 {
            (0..bytes.len()).rev().collect()
        } else {
            let mut cuts: Vec<usize> = (0..bytes.len()).step_by(4099).collect();
            cuts.extend(0..64);
            cuts.push(bytes.len() - 1);
            cuts.sort_unstable();
            cuts.dedup();
            cuts.reverse();
            cuts
        };
        for cut in cuts {
            file.set_len(cut as u64).unwrap();
            let err = format.load(&path).unwrap_err();
            match &err.problem {
                Problem::TruncatedHeader | Problem::Size { .. } => {}
                other => panic!("{format:?} cut at {cut}: {other:?}"),
            }
            assert_names_the_file(&err, &path);
        }
    }
}

#[test]
fn a_truncated_payload_with_a_matching_header_is_caught_before_reading() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (mut header, len) = header_of(&bytes, format.kind());
        for drop_bytes in [1usize, 8, 100] {
            header.payload_len -= drop_bytes as u64;
            let mut doctored = with_header(&bytes, format.kind(), &header);
            // The payload cut short, then a checksum: the sizes agree with the header.
            doctored.truncate(len + header.payload_len as usize);
            doctored.extend_from_slice(&[0; CHECKSUM_LEN]);
            let err = load_bytes(format, &d, &doctored).unwrap_err();
            assert!(
                matches!(
                    err.problem,
                    Problem::Header(HeaderError::PayloadLength { .. })
                ),
                "{format:?}: {err}"
            );
            header.payload_len += drop_bytes as u64;
        }
        // Trailing bytes.
        let mut longer = bytes.clone();
        longer.push(0);
        let err = load_bytes(format, &d, &longer).unwrap_err();
        assert!(matches!(err.problem, Problem::Size { .. }), "{err}");
    }
}

#[test]
fn every_single_bit_flip_in_a_header_is_rejected() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (_, len) = header_of(&bytes, format.kind());
        // Only the header is rewritten: the payload stays on disk untouched.
        let path = d.path().join("flipped.bin");
        std::fs::write(&path, &bytes).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        for bit in 0..len * 8 {
            let mut header = bytes[..len].to_vec();
            header[bit / 8] ^= 1 << (bit % 8);
            let mut file = &file;
            file.seek(SeekFrom::Start(0)).unwrap();
            file.write_all(&header).unwrap();
            let err = format.load(&path).unwrap_err();
            assert_names_the_file(&err, &path);
            assert!(
                !matches!(err.problem, Problem::Payload(_) | Problem::Invalid(_)),
                "{format:?} bit {bit}: {err}"
            );
        }
    }
}

#[test]
fn every_wrong_kind_is_rejected() {
    let d = dir();
    for written in FORMATS {
        let (path, _) = written.saved(&d);
        for expected in FORMATS.into_iter().filter(|&f| f != written) {
            let err = expected.load(&path).unwrap_err();
            match &err.problem {
                Problem::Header(HeaderError::WrongKind { expected: e, found }) => {
                    assert_eq!(*e, expected.kind().name());
                    assert_eq!(*found, written.kind().name());
                }
                other => panic!("{written:?} as {expected:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn files_of_other_parameter_sets_are_rejected() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (header, _) = header_of(&bytes, format.kind());
        // TOY's payload under a name it was not made for, with TOY's fingerprint.
        let renamed = Header {
            params_name: "MSG2_CARRY2".into(),
            ..header.clone()
        };
        let err =
            load_bytes(format, &d, &with_header(&bytes, format.kind(), &renamed)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Header(HeaderError::FingerprintMismatch { .. })
            ),
            "{format:?}: {err}"
        );
        // A header valid for MSG2_CARRY2 in every field: the payload length gives it away.
        let relabelled = Header::new(format.kind(), Some(&MSG2_CARRY2), header.payload_len);
        let err =
            load_bytes(format, &d, &with_header(&bytes, format.kind(), &relabelled)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Header(HeaderError::PayloadLength { .. })
            ),
            "{format:?}: {err}"
        );
        // A doctored fingerprint.
        let doctored = Header {
            fingerprint: header.fingerprint ^ 0x100,
            ..header.clone()
        };
        let err =
            load_bytes(format, &d, &with_header(&bytes, format.kind(), &doctored)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Header(HeaderError::FingerprintMismatch { .. })
            ),
            "{format:?}: {err}"
        );
        // A set this build does not have.
        let unknown = Header {
            params_name: "NOPE".into(),
            ..header.clone()
        };
        let err =
            load_bytes(format, &d, &with_header(&bytes, format.kind(), &unknown)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Header(HeaderError::WrongParameters { .. })
            ),
            "{format:?}: {err}"
        );
        // A 32-bit set, correctly fingerprinted, with a payload of the right length for nothing.
        let boolean = Header::new(format.kind(), Some(&BOOLEAN_128), header.payload_len);
        let err =
            load_bytes(format, &d, &with_header(&bytes, format.kind(), &boolean)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Payload(SerializationError::Tfhe(
                    TfheError::TorusWidthMismatch { .. }
                )) | Problem::Invalid(CiphertextError::TorusWidth { .. })
            ),
            "{format:?}: {err}"
        );
    }
}

#[test]
fn results_of_another_set_are_not_decrypted() {
    let f = fixture();
    let other = EncryptedLogits {
        params: &MSG2_CARRY2,
        ..f.logits.clone()
    };
    assert!(matches!(
        f.client.decrypt_logits(&other),
        Err(CiphertextError::ParameterMismatch { .. })
    ));
    // Ciphertexts of the wrong dimension are an error, not a panic.
    let mut short = f.logits.clone();
    short.logits[2] = tfhe_core::lwe::LweCiphertext::zero(TOY.lwe_dimension);
    assert!(matches!(
        f.client.decrypt_logits(&short),
        Err(CiphertextError::Dimension { index: 2, .. })
    ));
}

#[test]
fn absurd_length_fields_are_typed_errors() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (header, _) = header_of(&bytes, format.kind());
        for payload_len in [0, u64::MAX, u64::MAX - 28, 1 << 62] {
            let doctored = Header {
                payload_len,
                ..header.clone()
            };
            let err =
                load_bytes(format, &d, &with_header(&bytes, format.kind(), &doctored)).unwrap_err();
            assert!(matches!(err.problem, Problem::Size { .. }), "{err}");
        }
    }
}

/// A saved file with the payload's `u32` field at `offset` replaced (the header unchanged).
fn with_field(bytes: &[u8], kind: Kind, offset: usize, value: u32) -> Vec<u8> {
    let (_, len) = header_of(bytes, kind);
    let mut out = bytes.to_vec();
    out[len + offset..len + offset + 4].copy_from_slice(&value.to_le_bytes());
    out
}

#[test]
fn absurd_counts_and_fields_of_encrypted_inputs_are_typed_errors() {
    let d = dir();
    let (_, bytes) = Format::Input.saved(&d);
    let kind = Kind::EncryptedInput;
    let check = |offset: usize, value: u32, expected: &dyn Fn(&Problem) -> bool| {
        let err =
            load_bytes(Format::Input, &d, &with_field(&bytes, kind, offset, value)).unwrap_err();
        assert!(expected(&err.problem), "field {offset} = {value}: {err}");
    };
    let shape = |p: &Problem| matches!(p, Problem::Invalid(CiphertextError::Shape { .. }));
    let length = |p: &Problem| matches!(p, Problem::Header(HeaderError::PayloadLength { .. }));
    for offset in [0, 4, 8] {
        check(offset, 0, &shape);
        check(offset, u32::MAX, &shape);
        check(offset, 1 << 20, &shape);
        check(offset, 2, &length);
    }
    for bits in [0, 9, u32::MAX] {
        check(12, bits, &|p| {
            matches!(p, Problem::Invalid(CiphertextError::PixelBits(_)))
        });
    }
    for scale in [64, 65, u32::MAX] {
        check(16, scale, &|p| {
            matches!(p, Problem::Invalid(CiphertextError::Scale { .. }))
        });
    }
    // Fields cut short.
    let (header, len) = header_of(&bytes, kind);
    for fields in 0..20 {
        let short = Header {
            payload_len: fields as u64,
            ..header.clone()
        };
        let mut doctored = with_header(&bytes, kind, &short);
        doctored.truncate(len + fields);
        doctored.extend_from_slice(&[0; CHECKSUM_LEN]);
        let err = load_bytes(Format::Input, &d, &doctored).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Payload(SerializationError::Truncated(_))
            ),
            "{fields}: {err}"
        );
    }
}

#[test]
fn absurd_counts_and_fields_of_encrypted_results_are_typed_errors() {
    let d = dir();
    let (_, bytes) = Format::Result.saved(&d);
    let kind = Kind::EncryptedResult;
    for count in [0, MAX_LOGITS as u32 + 1, u32::MAX] {
        let err = load_bytes(Format::Result, &d, &with_field(&bytes, kind, 4, count)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Invalid(CiphertextError::LogitCount { .. })
            ),
            "{count}: {err}"
        );
    }
    for count in [1, 5, 7, MAX_LOGITS as u32] {
        let err = load_bytes(Format::Result, &d, &with_field(&bytes, kind, 4, count)).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Header(HeaderError::PayloadLength { .. })
            ),
            "{count}: {err}"
        );
    }
    let err = load_bytes(Format::Result, &d, &with_field(&bytes, kind, 0, 64)).unwrap_err();
    assert!(matches!(
        err.problem,
        Problem::Invalid(CiphertextError::Scale { .. })
    ));
}

#[test]
fn damaged_key_payloads_are_typed_errors() {
    let d = dir();
    let (_, bytes) = Format::Client.saved(&d);
    let (_, len) = header_of(&bytes, Kind::ClientKey);
    for index in [
        0,
        1,
        TOY.lwe_dimension.0,
        bytes.len() - len - CHECKSUM_LEN - 1,
    ] {
        let mut doctored = bytes.clone();
        doctored[len + index] = 2;
        let err = load_bytes(Format::Client, &d, &doctored).unwrap_err();
        match err.problem {
            Problem::Payload(SerializationError::NonBinaryKey { index: i }) => {
                assert_eq!(i, index);
            }
            other => panic!("{other:?}"),
        }
    }
    let (_, bytes) = Format::Server.saved(&d);
    let (_, len) = header_of(&bytes, Kind::ServerKey);
    for value in [f64::NAN, f64::INFINITY, -f64::INFINITY] {
        let mut doctored = bytes.clone();
        doctored[len + 8..len + 16].copy_from_slice(&value.to_le_bytes());
        let err = load_bytes(Format::Server, &d, &doctored).unwrap_err();
        assert!(
            matches!(
                err.problem,
                Problem::Payload(SerializationError::NonFinite { index: 1 })
            ),
            "{err}"
        );
    }
    let mut doctored = bytes.clone();
    doctored[len..len + 8].copy_from_slice(&1e300f64.to_le_bytes());
    let err = load_bytes(Format::Server, &d, &doctored).unwrap_err();
    assert!(matches!(
        err.problem,
        Problem::Payload(SerializationError::OutOfRange { index: 0 })
    ));
}

#[test]
fn inconsistent_objects_are_not_saved() {
    let d = dir();
    let f = fixture();
    let path = d.path().join("image.bin");
    let mut image = f.image.clone();
    image.pixels.pop();
    let err = image.save(&path).unwrap_err();
    assert!(matches!(
        err.problem,
        Problem::Invalid(CiphertextError::PixelCount { .. })
    ));
    assert!(!path.exists());
    let mut logits = f.logits.clone();
    logits.logits.clear();
    let err = logits.save(&path).unwrap_err();
    assert!(matches!(
        err.problem,
        Problem::Invalid(CiphertextError::LogitCount { found: 0 })
    ));
    assert!(!path.exists());
}

#[test]
fn images_are_checked_when_encrypting() {
    let f = fixture();
    let mut rng = EncryptionRng::insecure_from_u64(7);
    let shape = Shape {
        channels: 1,
        height: 2,
        width: 2,
    };
    assert!(matches!(
        f.client.encrypt_image(&[1, 2, 3], shape, 8, &mut rng),
        Err(CiphertextError::PixelCount {
            expected: 4,
            found: 3
        })
    ));
    for bits in [0, 9] {
        assert!(matches!(
            f.client.encrypt_image(&[1, 2, 3, 4], shape, bits, &mut rng),
            Err(CiphertextError::PixelBits(_))
        ));
    }
    let huge = Shape {
        channels: usize::MAX,
        height: 2,
        width: 2,
    };
    assert!(matches!(
        f.client.encrypt_image(&[], huge, 8, &mut rng),
        Err(CiphertextError::Shape { .. })
    ));
}

#[test]
fn the_fingerprint_in_every_file_is_the_sets() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (header, _) = header_of(&bytes, format.kind());
        assert_eq!(header.fingerprint, fingerprint(&TOY));
        assert_eq!(header.params_name, "TOY");
        let _: &ParameterSet = header.params().unwrap();
    }
}

/// Bit positions to flip in a file of `len` bytes whose header is `header_len` bytes: every bit
/// of the first 256 bytes after the header and of the checksum, then one bit of every 61st byte.
fn payload_bits(len: usize, header_len: usize) -> Vec<usize> {
    let dense = header_len..(header_len + 256).min(len);
    let trailer = len - CHECKSUM_LEN..len;
    let mut bits: Vec<usize> = dense
        .chain(trailer)
        .flat_map(|byte| (0..8).map(move |b| byte * 8 + b))
        .collect();
    bits.extend(
        (header_len + 256..len - CHECKSUM_LEN)
            .step_by(61)
            .map(|byte| byte * 8 + byte % 8),
    );
    bits
}

/// Loads a file's bytes from memory as `format`.
fn load_memory(format: Format, bytes: &[u8]) -> Result<(), FileError> {
    match format {
        Format::Client => ClientKey::from_bytes(bytes).map(drop),
        Format::Server => ServerKey::from_bytes(bytes).map(drop),
        Format::Input => EncryptedImage::from_bytes(bytes).map(drop),
        Format::Result => EncryptedLogits::from_bytes(bytes).map(drop),
    }
}

#[test]
fn payload_and_checksum_bit_flips_are_rejected() {
    let d = dir();
    for format in FORMATS {
        let (_, bytes) = format.saved(&d);
        let (_, len) = header_of(&bytes, format.kind());
        let bits = payload_bits(bytes.len(), len);
        // The server key is 4.5 MiB at TOY: about 60 flips in it and 32 in its checksum.
        let bits: Vec<usize> = match format {
            Format::Server => {
                let step = bits.len() / 60;
                let trailer = 8 * (bytes.len() - CHECKSUM_LEN);
                let (body, tail): (Vec<usize>, Vec<usize>) =
                    bits.into_iter().partition(|&b| b < trailer);
                let tail = tail.into_iter().step_by(8);
                body.into_iter().step_by(step).chain(tail).collect()
            }
            _ => bits,
        };
        let mut by_checksum = 0;
        for &bit in &bits {
            let mut doctored = bytes.clone();
            doctored[bit / 8] ^= 1 << (bit % 8);
            let err = load_memory(format, &doctored).unwrap_err();
            assert_eq!(err.to_string().lines().count(), 1);
            assert!(err.to_string().starts_with("<memory>: "), "{err}");
            match err.problem {
                Problem::Header(HeaderError::Checksum) => by_checksum += 1,
                _ if bit / 8 >= bytes.len() - CHECKSUM_LEN => {
                    panic!("{format:?}: checksum bit {bit}: {err}")
                }
                // A client-key byte other than 0 or 1, a Fourier value out of range, a field.
                Problem::Payload(_) | Problem::Invalid(_) | Problem::Header(_) => {}
                other => panic!("{format:?} bit {bit}: {other:?}"),
            }
        }
        // Besides the checksum's own bits, payload flips that leave a well-formed object (a
        // ciphertext bit, a key bit 0 ↔ 1) are caught by the checksum only.
        let in_checksum = bits
            .iter()
            .filter(|&&b| b / 8 >= bytes.len() - CHECKSUM_LEN)
            .count();
        assert!(by_checksum > in_checksum, "{format:?}: {by_checksum}");
    }
}

#[test]
fn a_ciphertext_bit_flip_is_caught_by_the_checksum_only() {
    let d = dir();
    for format in [Format::Input, Format::Result] {
        let (path, bytes) = format.saved(&d);
        let (_, len) = header_of(&bytes, format.kind());
        // The lowest bit of the last ciphertext's body.
        let at = bytes.len() - CHECKSUM_LEN - 8;
        let mut doctored = bytes.clone();
        doctored[at] ^= 1;
        assert!(at > len + 20);
        std::fs::write(&path, &doctored).unwrap();
        let err = format.load(&path).unwrap_err();
        assert!(
            matches!(err.problem, Problem::Header(HeaderError::Checksum)),
            "{format:?}: {err}"
        );
        assert_names_the_file(&err, &path);
    }
}

#[test]
fn loading_from_memory_agrees_with_loading_the_file() {
    let d = dir();
    let f = fixture();
    let (_, bytes) = Format::Input.saved(&d);
    assert_eq!(EncryptedImage::from_bytes(&bytes).unwrap(), f.image);
    let (_, bytes) = Format::Result.saved(&d);
    assert_eq!(EncryptedLogits::from_bytes(&bytes).unwrap(), f.logits);
    let (_, bytes) = Format::Client.saved(&d);
    let back = ClientKey::from_bytes(&bytes).unwrap();
    assert_eq!(
        back.secret_keys().glwe_key(),
        f.client.secret_keys().glwe_key()
    );
    let (path, bytes) = Format::Server.saved(&d);
    let back = ServerKey::from_bytes(&bytes).unwrap();
    let again = d.path().join("again.key");
    back.save(&again).unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&path).unwrap()
    );
    for format in FORMATS {
        let err = load_memory(format, &bytes[..100]).unwrap_err();
        assert_eq!(err.path, Path::new(she_nn::persist::MEMORY));
    }
}

/// `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_server_key_file_holds_no_encoding_of_the_secret_key() {
    let d = dir();
    let f = fixture();
    let (_, server) = Format::Server.saved(&d);
    let keys = f.client.secret_keys();
    let small = keys.small_lwe_key().bits();
    let glwe = keys.glwe_key().bits();
    let as_bytes = |bits: &[u64]| bits.iter().map(|&b| b as u8).collect::<Vec<u8>>();
    let as_words = |bits: &[u64]| {
        bits.iter()
            .flat_map(|b| b.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let as_packed = |bits: &[u64]| {
        bits.chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |a, (i, &b)| a | ((b as u8) << i))
            })
            .collect::<Vec<u8>>()
    };
    // The client-key payload, each key as bytes, as 64-bit words and packed 8 bits per byte
    // (the packed small key is 8 bytes: a chance match in 4.5 MiB is ~2^-41).
    let (_, client) = Format::Client.saved(&d);
    let (_, len) = header_of(&client, Kind::ClientKey);
    let needles = [
        client[len..client.len() - CHECKSUM_LEN].to_vec(),
        as_bytes(small),
        as_bytes(glwe),
        as_words(small),
        as_words(glwe),
        as_packed(small),
        as_packed(glwe),
    ];
    // The needles would be found if they were there.
    assert!(contains(&client, &needles[1]) && contains(&client, &needles[2]));
    for (i, needle) in needles.iter().enumerate() {
        assert!(
            !contains(&server, needle),
            "secret encoding {i} found in the server key"
        );
    }
}
