//! Files of keys and ciphertexts: the error every loader and saver returns ([`FileError`]) and the
//! checks they share.
//!
//! Every file is a [`Header`] followed by exactly the payload it announces. Loading
//! ([`ObjectFile::open`]) checks, in this order and before the payload is touched:
//!
//! 1. the header itself: magic bytes, format version, the expected [`Kind`];
//! 2. the parameter set: the name must be an exported set and the fingerprint that of this
//!    build's set of that name ([`Header::params`]);
//! 3. the file size: exactly the header plus the announced payload length, so a truncated file or
//!    trailing bytes are reported before anything is read;
//!
//! then each object checks the announced payload length against what the parameters (and, for
//! ciphertexts, the counts stored at the start of the payload, themselves bounded) imply, before
//! it allocates anything ([`ObjectFile::check_payload_len`]).
//!
//! Saving ([`save_object`]) writes the header and the payload, checks that the payload had the
//! announced length, and removes the partial file on any error. Secret payloads are written
//! unbuffered (a `BufWriter` would keep a copy of key bits in a buffer that is not zeroized) to a
//! file readable by its owner only (on Unix).

use crate::ciphertexts::CiphertextError;
use crate::header::{Header, HeaderError, Kind, MAX_NAME_LEN};
use std::fs::File;
use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use tfhe_core::params::ParameterSet;
use tfhe_core::serialization::SerializationError;

/// A file that could not be saved or loaded: the file and the problem. Its `Display` is one line,
/// `PATH: PROBLEM`.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub problem: Problem,
}

/// What is wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// Opening, reading, writing or removing the file failed.
    #[error("{0}")]
    Io(std::io::Error),
    /// The file ends inside its header.
    #[error("file ends inside its header (not a complete SHE file)")]
    TruncatedHeader,
    /// The header is malformed, of another kind, or made for other parameters.
    #[error("{0}")]
    Header(HeaderError),
    /// The file is not exactly its header plus the payload the header announces.
    #[error("file is {found} bytes, its header announces {expected} (truncated or trailing data)")]
    Size {
        /// Header plus announced payload.
        expected: u64,
        /// Actual size.
        found: u64,
    },
    /// A count or field stored in the payload is out of range, or the object is inconsistent.
    #[error("{0}")]
    Invalid(#[from] CiphertextError),
    /// The payload is malformed (truncated, a non-binary key byte, a non-finite number, …).
    #[error("{0}")]
    Payload(#[from] SerializationError),
    /// Saving would overwrite a file that must not be lost (a secret key).
    #[error("already exists; refusing to overwrite it")]
    Exists,
    /// A saved payload did not have the length its header announces (a bug, reported rather
    /// than written as a corrupt file).
    #[error("wrote a payload of {written} bytes, the header announces {announced}")]
    PayloadMismatch {
        /// Bytes written.
        written: u64,
        /// Bytes announced.
        announced: u64,
    },
}

impl From<HeaderError> for Problem {
    /// A header that ends early is reported as such rather than as a bare I/O error.
    fn from(e: HeaderError) -> Self {
        match e {
            HeaderError::Io(io) if io.kind() == ErrorKind::UnexpectedEof => Self::TruncatedHeader,
            HeaderError::Io(io) => Self::Io(io),
            other => Self::Header(other),
        }
    }
}

impl From<std::io::Error> for Problem {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl FileError {
    /// `problem` in the file at `path`.
    pub fn new(path: &Path, problem: impl Into<Problem>) -> Self {
        Self {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

/// The length of a header naming `params`: magic, version, kind, name length and name,
/// fingerprint, payload length.
fn header_len(name_len: usize) -> u64 {
    // The name is at most MAX_NAME_LEN (64) bytes: the sum is tiny.
    debug_assert!(name_len <= MAX_NAME_LEN);
    29 + name_len as u64
}

/// A key or ciphertext file whose header, parameter set and size have been checked, positioned
/// at the start of its payload.
#[derive(Debug)]
pub struct ObjectFile {
    path: PathBuf,
    file: File,
    header: Header,
    params: &'static ParameterSet,
}

impl ObjectFile {
    /// Opens `path` and checks its header (magic, version, `kind`), its parameter set (an
    /// exported set, with a matching fingerprint) and its size (header plus announced payload).
    pub fn open(path: &Path, kind: Kind) -> Result<Self, FileError> {
        let fail = |p: Problem| FileError::new(path, p);
        let mut file = File::open(path).map_err(|e| fail(e.into()))?;
        let found = file.metadata().map_err(|e| fail(e.into()))?.len();
        // Unbuffered: a client key's payload must not be copied into a reader's buffer.
        let header = Header::read(&mut file, kind).map_err(|e| fail(e.into()))?;
        let params = header.params().map_err(|e| fail(e.into()))?;
        let expected = header_len(header.params_name.len()).checked_add(header.payload_len);
        if expected != Some(found) {
            return Err(fail(Problem::Size {
                expected: expected.unwrap_or(u64::MAX),
                found,
            }));
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            header,
            params,
        })
    }

    /// The checked header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The exported parameter set the file was made for.
    pub fn params(&self) -> &'static ParameterSet {
        self.params
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `problem` in this file.
    pub fn error(&self, problem: impl Into<Problem>) -> FileError {
        FileError::new(&self.path, problem)
    }

    /// Checks the announced payload length against `expected` (computed from the parameters and
    /// bounded counts, never allocated before this check).
    pub fn check_payload_len(&self, expected: u64) -> Result<(), FileError> {
        self.header
            .check_payload_len(expected)
            .map_err(|e| self.error(e))
    }

    /// The payload, unbuffered (for secret payloads, read in one piece into a zeroized buffer).
    pub fn payload_unbuffered(&mut self) -> &mut File {
        &mut self.file
    }

    /// The payload through a 1 MiB buffer (for public payloads).
    pub fn payload_buffered(&mut self) -> BufReader<&mut File> {
        BufReader::with_capacity(1 << 20, &mut self.file)
    }
}

/// Whether a payload is secret, which decides how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrecy {
    /// Public material: written through a buffer, an existing file is replaced.
    Public,
    /// Key bits: written unbuffered to an owner-only file; an existing file is never replaced.
    Secret,
}

/// Counts the bytes written through it.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    count: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Creates `path` (owner-only on Unix for secrets; never replacing an existing secret file).
fn create(path: &Path, secrecy: Secrecy) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    match secrecy {
        Secrecy::Public => options.create(true).truncate(true),
        Secrecy::Secret => options.create_new(true),
    };
    #[cfg(unix)]
    if secrecy == Secrecy::Secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes an object file: the header for `kind`, `params` and `payload_len`, then the payload
/// written by `write_payload`, which must write exactly `payload_len` bytes. On any error the
/// partial file is removed.
pub fn save_object(
    path: &Path,
    kind: Kind,
    params: &ParameterSet,
    payload_len: u64,
    secrecy: Secrecy,
    write_payload: impl FnOnce(&mut dyn Write) -> Result<(), Problem>,
) -> Result<(), FileError> {
    let mut file = create(path, secrecy).map_err(|e| {
        if e.kind() == ErrorKind::AlreadyExists {
            FileError::new(path, Problem::Exists)
        } else {
            FileError::new(path, e)
        }
    })?;
    let result = write_all(&mut file, kind, params, payload_len, secrecy, write_payload);
    if let Err(problem) = result {
        drop(file);
        // Best effort: the original problem is what the user needs to see.
        let _ = std::fs::remove_file(path);
        return Err(FileError::new(path, problem));
    }
    Ok(())
}

fn write_all(
    file: &mut File,
    kind: Kind,
    params: &ParameterSet,
    payload_len: u64,
    secrecy: Secrecy,
    write_payload: impl FnOnce(&mut dyn Write) -> Result<(), Problem>,
) -> Result<(), Problem> {
    let mut header = Vec::new();
    Header::new(kind, Some(params), payload_len).write(&mut header)?;
    file.write_all(&header)?;
    let count = match secrecy {
        Secrecy::Secret => {
            let mut counting = Counting {
                inner: file,
                count: 0,
            };
            write_payload(&mut counting)?;
            counting.count
        }
        Secrecy::Public => {
            let mut buffered = BufWriter::with_capacity(1 << 20, &mut *file);
            let mut counting = Counting {
                inner: &mut buffered,
                count: 0,
            };
            write_payload(&mut counting)?;
            let count = counting.count;
            buffered.flush()?;
            count
        }
    };
    if count != payload_len {
        return Err(Problem::PayloadMismatch {
            written: count,
            announced: payload_len,
        });
    }
    file.sync_all()?;
    Ok(())
}

/// Reads a little-endian `u32` field of a payload.
pub fn read_u32(r: &mut dyn Read) -> Result<u32, Problem> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            Problem::Payload(SerializationError::Truncated("payload fields"))
        } else {
            Problem::Io(e)
        }
    })?;
    Ok(u32::from_le_bytes(b))
}
