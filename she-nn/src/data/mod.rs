//! Data sets and client images: MNIST-layout IDX files ([`mnist`]) and PNG images ([`png`]).
//!
//! Everything read here comes from the user, so every reader validates magic numbers,
//! dimensions and counts before allocating, buffers only the bytes actually present, and
//! reports problems as a typed [`DataError`].

pub mod mnist;
pub mod png;

pub use self::png::{decode_png_gray, read_png_gray};
pub use mnist::{load_mnist, read_idx_images, read_idx_labels, Dataset, Images, Split};

use std::path::PathBuf;

/// Why a data file or image could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Reading failed (including a corrupt gzip stream).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// An error in a named file.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<DataError>,
    },
    /// Neither the plain nor the gzip'd file of a data set exists.
    #[error("neither {name} nor {name}.gz found in {}", dir.display())]
    Missing {
        /// The directory searched.
        dir: PathBuf,
        /// The standard file name.
        name: String,
    },
    /// Not an IDX file of the expected kind.
    #[error("bad IDX magic number {found:#010x}, expected {expected:#010x}")]
    BadMagic {
        /// Magic found (big-endian).
        found: u32,
        /// Magic expected: `0x0803` for images, `0x0801` for labels.
        expected: u32,
    },
    /// An image side of 0 or above the limit.
    #[error("image size {rows}×{cols} is outside 1..={max} per side")]
    BadImageSize {
        /// Rows.
        rows: u64,
        /// Columns.
        cols: u64,
        /// Largest side accepted.
        max: u64,
    },
    /// More items or bytes than the readers accept.
    #[error("{what} is {size}, the limit is {limit}")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Size found.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// The file ends before the data its header announces.
    #[error("truncated: expected {expected} data bytes, found {found}")]
    Truncated {
        /// Bytes announced.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// Bytes follow the announced data.
    #[error("unexpected bytes after the announced data")]
    TrailingData,
    /// The image and label files disagree on the number of items.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Images.
        images: usize,
        /// Labels.
        labels: usize,
    },
    /// The PNG decoder rejected the image.
    #[error("invalid PNG: {0}")]
    Png(#[from] ::png::DecodingError),
    /// A PNG chunk that breaks the format in a way the `png` decoder does not report itself.
    #[error("invalid PNG: {0}")]
    BadPngChunk(String),
    /// A PNG colour layout this reader does not convert.
    #[error("unsupported PNG colour type {0}")]
    UnsupportedPng(String),
}

impl DataError {
    /// Attaches the file name to an error.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        Self::File {
            path: path.into(),
            source: Box::new(self),
        }
    }
}
