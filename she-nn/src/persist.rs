//! Files of keys and ciphertexts: the error every loader and saver returns ([`FileError`]) and the
//! checks they share.
//!
//! Every file is a [`Header`], exactly the payload it announces, and a [`CHECKSUM_LEN`]-byte
//! checksum ([`crate::header`]). Loading ([`ObjectFile::open`], or [`ObjectFile::from_bytes`]
//! for bytes already in memory) checks, in this order and before the payload is touched:
//!
//! 1. the header itself: magic bytes, format version, the expected [`Kind`];
//! 2. the parameter set: the name must be an exported set and the fingerprint that of this
//!    build's set of that name ([`Header::params`]);
//! 3. the size: exactly the header, the announced payload and the checksum, so a truncated file
//!    or trailing bytes are reported before anything is read;
//!
//! then each object checks the announced payload length against what the parameters (and, for
//! ciphertexts, the counts stored at the start of the payload, themselves bounded) imply, before
//! it allocates anything ([`ObjectFile::check_payload_len`]), parses the payload, and finally
//! checks the checksum ([`ObjectFile::finish`]): a file whose structure is sound but whose
//! bytes were damaged (a flipped bit in a ciphertext) is rejected too.
//!
//! Saving ([`save_object`]) writes the header, the payload and the checksum, checks that the
//! payload had the announced length, and removes the partial file on any error. Secret payloads
//! are written unbuffered (a `BufWriter` would keep a copy of key bits in a buffer that is not
//! zeroized) to a file readable by its owner only (on Unix).

use crate::ciphertexts::CiphertextError;
use crate::header::{Checksum, Header, HeaderError, Kind, CHECKSUM_LEN};
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

/// The label of bytes loaded from memory in error messages.
pub const MEMORY: &str = "<memory>";

/// The payload of an object file: reads at most the announced payload length and adds every
/// byte it hands out to the file's checksum.
#[derive(Debug)]
pub struct Payload<R> {
    inner: R,
    remaining: u64,
    checksum: Checksum,
}

impl<R: Read> Read for Payload<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let max = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        let take = buf.len().min(max);
        let n = self.inner.read(&mut buf[..take])?;
        self.checksum.update(&buf[..n]);
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A key or ciphertext file whose header, parameter set and size have been checked, positioned
/// at the start of its payload. `R` is the source: a [`File`], or a byte slice
/// ([`ObjectFile::from_bytes`]).
#[derive(Debug)]
pub struct ObjectFile<R = File> {
    path: PathBuf,
    payload: Payload<R>,
    header: Header,
    params: &'static ParameterSet,
}

impl ObjectFile<File> {
    /// Opens `path` and checks its header (magic, version, `kind`), its parameter set (an
    /// exported set, with a matching fingerprint) and its size (header, announced payload and
    /// checksum).
    pub fn open(path: &Path, kind: Kind) -> Result<Self, FileError> {
        let file = File::open(path).map_err(|e| FileError::new(path, e))?;
        let size = file.metadata().map_err(|e| FileError::new(path, e))?.len();
        // Unbuffered: a client key's payload must not be copied into a reader's buffer.
        Self::from_reader(path, file, size, kind)
    }
}

impl<'a> ObjectFile<&'a [u8]> {
    /// The same checks as [`ObjectFile::open`] on a file's bytes held in memory (errors name
    /// the file [`MEMORY`]).
    pub fn from_bytes(bytes: &'a [u8], kind: Kind) -> Result<Self, FileError> {
        Self::from_reader(Path::new(MEMORY), bytes, bytes.len() as u64, kind)
    }
}

impl<R: Read> ObjectFile<R> {
    /// Reads and checks the header from `reader`, whose total length is `size` bytes.
    fn from_reader(path: &Path, mut reader: R, size: u64, kind: Kind) -> Result<Self, FileError> {
        let fail = |p: Problem| FileError::new(path, p);
        let header = Header::read(&mut reader, kind).map_err(|e| fail(e.into()))?;
        let params = header.params().map_err(|e| fail(e.into()))?;
        let expected = header
            .encoded_len()
            .checked_add(header.payload_len)
            .and_then(|len| len.checked_add(CHECKSUM_LEN as u64));
        if expected != Some(size) {
            return Err(fail(Problem::Size {
                expected: expected.unwrap_or(u64::MAX),
                found: size,
            }));
        }
        Ok(Self {
            path: path.to_path_buf(),
            payload: Payload {
                inner: reader,
                remaining: header.payload_len,
                checksum: Checksum::new(&header),
            },
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
    pub fn payload_unbuffered(&mut self) -> &mut Payload<R> {
        &mut self.payload
    }

    /// The payload through a 1 MiB buffer (for public payloads).
    pub fn payload_buffered(&mut self) -> BufReader<&mut Payload<R>> {
        BufReader::with_capacity(1 << 20, &mut self.payload)
    }

    /// Ends the load: checks that the payload was read to its end and that the checksum after
    /// it matches the header and payload ([`HeaderError::Checksum`]).
    pub fn finish(mut self) -> Result<(), FileError> {
        if self.payload.remaining != 0 {
            let unread = self.payload.remaining;
            return Err(self.error(Problem::Header(HeaderError::PayloadLength {
                kind: self.header.kind.name(),
                expected: self.header.payload_len - unread,
                found: self.header.payload_len,
            })));
        }
        let mut stored = [0u8; CHECKSUM_LEN];
        let read = self.payload.inner.read_exact(&mut stored);
        read.map_err(|e| {
            if e.kind() == ErrorKind::UnexpectedEof {
                self.error(Problem::Payload(SerializationError::Truncated("checksum")))
            } else {
                self.error(e)
            }
        })?;
        let Payload { checksum, .. } = self.payload;
        checksum
            .verify(&stored)
            .map_err(|e| FileError::new(&self.path, e))
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

/// Counts and checksums the bytes written through it.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    count: u64,
    checksum: Checksum,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.checksum.update(&buf[..n]);
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

/// Writes an object file: the header for `kind`, `params` and `payload_len`, the payload
/// written by `write_payload`, which must write exactly `payload_len` bytes, then the checksum.
/// On any error the partial file is removed.
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
    let header = Header::new(kind, Some(params), payload_len);
    let mut encoded = Vec::new();
    header.write(&mut encoded)?;
    file.write_all(&encoded)?;
    let (count, checksum) = match secrecy {
        Secrecy::Secret => {
            let mut counting = Counting {
                inner: file,
                count: 0,
                checksum: Checksum::new(&header),
            };
            write_payload(&mut counting)?;
            (counting.count, counting.checksum)
        }
        Secrecy::Public => {
            let mut buffered = BufWriter::with_capacity(1 << 20, &mut *file);
            let mut counting = Counting {
                inner: &mut buffered,
                count: 0,
                checksum: Checksum::new(&header),
            };
            write_payload(&mut counting)?;
            let (count, checksum) = (counting.count, counting.checksum);
            buffered.flush()?;
            (count, checksum)
        }
    };
    if count != payload_len {
        return Err(Problem::PayloadMismatch {
            written: count,
            announced: payload_len,
        });
    }
    file.write_all(&checksum.finish())?;
    file.sync_all()?;
    Ok(())
}

/// Reads a little-endian `u32` field of a payload.
pub fn read_u32(r: &mut impl Read) -> Result<u32, Problem> {
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
