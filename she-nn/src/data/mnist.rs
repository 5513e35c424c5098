//! MNIST-layout data sets: the IDX format and the four standard files of a directory.
//!
//! An IDX file (LeCun et al.) is a big-endian header followed by raw bytes:
//!
//! ```text
//! offset  size  field
//! 0       4     magic: 0x00 0x00, element type 0x08 (unsigned byte), number of dimensions d
//! 4       4·d   dimensions, u32 big-endian
//! 4+4d    …     the elements, row-major (one byte each)
//! ```
//!
//! Images are `0x00000803` with dimensions `(n, rows, cols)`, labels `0x00000801` with `(n)`.
//! A directory in the MNIST layout holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
//! `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally gzip'd with a `.gz`
//! suffix (the plain file wins when both exist). Any data set in that layout (Fashion-MNIST,
//! KMNIST, …) loads the same way.
//!
//! The readers accept plain or gzip'd streams (recognised by the gzip magic `1f 8b`, which no
//! IDX file starts with), check the magic number, bound every dimension before allocating
//! ([`MAX_ITEMS`], [`MAX_SIDE`], [`MAX_BYTES`]), buffer only the bytes actually present, and
//! reject files that are shorter or longer than their header says.

use super::DataError;
use flate2::bufread::GzDecoder;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

/// IDX magic of an image file: unsigned bytes, 3 dimensions.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// IDX magic of a label file: unsigned bytes, 1 dimension.
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Most items (images or labels) in one file: `2^24`.
pub const MAX_ITEMS: u64 = 1 << 24;
/// Largest image side.
pub const MAX_SIDE: u64 = 4096;
/// Most data bytes in one file: `2^32` (MNIST's training images take 47 MB).
pub const MAX_BYTES: u64 = 1 << 32;

/// Which half of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// The training set (`train-*` files; 60,000 MNIST digits).
    Train,
    /// The test set (`t10k-*` files; 10,000 MNIST digits).
    Test,
}

impl Split {
    /// The file-name prefix: `train` or `t10k`.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "t10k",
        }
    }

    /// The standard image file name, e.g. `t10k-images-idx3-ubyte`.
    pub fn images_file(self) -> String {
        format!("{}-images-idx3-ubyte", self.prefix())
    }

    /// The standard label file name, e.g. `t10k-labels-idx1-ubyte`.
    pub fn labels_file(self) -> String {
        format!("{}-labels-idx1-ubyte", self.prefix())
    }
}

/// The images of one IDX file: `len()` images of `rows × cols` 8-bit pixels, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Images {
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// All pixels, image after image (`len()·rows·cols` bytes).
    pub pixels: Vec<u8>,
}

impl Images {
    /// Pixels per image, `rows·cols`.
    pub fn image_len(&self) -> usize {
        self.rows * self.cols
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels.len() / self.image_len().max(1)
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }

    /// Image `i` (`rows·cols` pixels), or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let n = self.image_len();
        self.pixels
            .get(i.checked_mul(n)?..i.checked_add(1)?.checked_mul(n)?)
    }
}

/// A labelled data set: `len()` images of `rows × cols` 8-bit pixels and their labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// All pixels, image after image (`len()·rows·cols` bytes, row-major).
    pub images: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Pairs images with labels, checking that the counts agree.
    pub fn new(images: Images, labels: Vec<u8>) -> Result<Self, DataError> {
        if images.len() != labels.len() {
            return Err(DataError::CountMismatch {
                images: images.len(),
                labels: labels.len(),
            });
        }
        Ok(Self {
            rows: images.rows,
            cols: images.cols,
            images: images.pixels,
            labels,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image, `rows·cols`.
    pub fn image_len(&self) -> usize {
        self.rows * self.cols
    }

    /// Image `i` (`rows·cols` pixels, row-major).
    ///
    /// # Panics
    /// If `i ≥ len()`; use [`get`](Self::get) for an index that comes from the user.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.image_len();
        &self.images[i * n..(i + 1) * n]
    }

    /// Image `i` and its label, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<(&[u8], u8)> {
        let label = *self.labels.get(i)?;
        Some((self.image(i), label))
    }

    /// The first `n` items (all of them if there are fewer).
    pub fn take(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            rows: self.rows,
            cols: self.cols,
            images: self.images[..n * self.image_len()].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }
}

/// Loads the `split` half of the MNIST-layout data set in `dir` (see the module documentation
/// for the file names). Errors name the file they concern.
pub fn load_mnist(dir: &Path, split: Split) -> Result<Dataset, DataError> {
    let images_path = find(dir, &split.images_file())?;
    let images = read_file(&images_path, read_idx_images)?;
    let labels_path = find(dir, &split.labels_file())?;
    let labels = read_file(&labels_path, read_idx_labels)?;
    Dataset::new(images, labels).map_err(|e| e.in_file(dir))
}

/// `dir/name` if it exists, else `dir/name.gz`.
fn find(dir: &Path, name: &str) -> Result<std::path::PathBuf, DataError> {
    let plain = dir.join(name);
    if plain.is_file() {
        return Ok(plain);
    }
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    Err(DataError::Missing {
        dir: dir.to_path_buf(),
        name: name.to_string(),
    })
}

/// Opens `path` and reads it with `read`, naming the file in any error.
fn read_file<T>(
    path: &Path,
    read: fn(&mut dyn Read) -> Result<T, DataError>,
) -> Result<T, DataError> {
    std::fs::File::open(path)
        .map_err(DataError::from)
        .and_then(|mut file| read(&mut file))
        .map_err(|e| e.in_file(path))
}

/// Reads an IDX image file (plain or gzip'd) from `r`: magic [`IMAGES_MAGIC`], dimensions
/// `(n, rows, cols)` with `n ≤ MAX_ITEMS`, `1 ≤ rows, cols ≤ MAX_SIDE`, then exactly
/// `n·rows·cols` bytes and nothing after them.
pub fn read_idx_images(r: &mut dyn Read) -> Result<Images, DataError> {
    let mut r = decompressed(r)?;
    let [n, rows, cols] = read_header::<3>(&mut r, IMAGES_MAGIC)?;
    let (n, rows, cols) = (u64::from(n), u64::from(rows), u64::from(cols));
    if !(1..=MAX_SIDE).contains(&rows) || !(1..=MAX_SIDE).contains(&cols) {
        return Err(DataError::BadImageSize {
            rows,
            cols,
            max: MAX_SIDE,
        });
    }
    check_items(n)?;
    // n ≤ 2^24 and rows·cols ≤ 2^24: no overflow.
    let pixels = read_body(&mut r, n * rows * cols)?;
    Ok(Images {
        rows: to_usize(rows)?,
        cols: to_usize(cols)?,
        pixels,
    })
}

/// Reads an IDX label file (plain or gzip'd) from `r`: magic [`LABELS_MAGIC`], dimension
/// `(n)` with `n ≤ MAX_ITEMS`, then exactly `n` bytes and nothing after them.
pub fn read_idx_labels(r: &mut dyn Read) -> Result<Vec<u8>, DataError> {
    let mut r = decompressed(r)?;
    let [n] = read_header::<1>(&mut r, LABELS_MAGIC)?;
    let n = u64::from(n);
    check_items(n)?;
    read_body(&mut r, n)
}

/// Writes `images` as a plain IDX image file.
pub fn write_idx_images(images: &Images, w: &mut dyn Write) -> std::io::Result<()> {
    let dims = [images.len(), images.rows, images.cols];
    write_header(w, IMAGES_MAGIC, &dims)?;
    w.write_all(&images.pixels)
}

/// Writes `labels` as a plain IDX label file.
pub fn write_idx_labels(labels: &[u8], w: &mut dyn Write) -> std::io::Result<()> {
    write_header(w, LABELS_MAGIC, &[labels.len()])?;
    w.write_all(labels)
}

fn write_header(w: &mut dyn Write, magic: u32, dims: &[usize]) -> std::io::Result<()> {
    w.write_all(&magic.to_be_bytes())?;
    for &d in dims {
        let d = u32::try_from(d).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "IDX dimension above u32::MAX",
            )
        })?;
        w.write_all(&d.to_be_bytes())?;
    }
    Ok(())
}

/// `r`, transparently gunzipped if it starts with the gzip magic `1f 8b`.
fn decompressed<'a>(r: &'a mut dyn Read) -> Result<Box<dyn Read + 'a>, DataError> {
    let mut r = BufReader::new(r);
    let gzip = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(GzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

/// Reads the magic number (must be `magic`) and `D` big-endian dimensions.
fn read_header<const D: usize>(r: &mut dyn Read, magic: u32) -> Result<[u32; D], DataError> {
    let mut word = || -> Result<u32, DataError> {
        let mut b = [0u8; 4];
        read_fully(r, &mut b)?;
        Ok(u32::from_be_bytes(b))
    };
    let found = word()?;
    if found != magic {
        return Err(DataError::BadMagic {
            found,
            expected: magic,
        });
    }
    let mut dims = [0u32; D];
    for d in &mut dims {
        *d = word()?;
    }
    Ok(dims)
}

/// `read_exact`, with a short read reported as [`DataError::Truncated`].
fn read_fully(r: &mut dyn Read, buf: &mut [u8]) -> Result<(), DataError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(DataError::Truncated {
                    expected: buf.len() as u64,
                    found: got as u64,
                })
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn check_items(n: u64) -> Result<(), DataError> {
    if n > MAX_ITEMS {
        return Err(DataError::TooLarge {
            what: "item count",
            size: n,
            limit: MAX_ITEMS,
        });
    }
    Ok(())
}

fn to_usize(v: u64) -> Result<usize, DataError> {
    usize::try_from(v).map_err(|_| DataError::TooLarge {
        what: "size",
        size: v,
        limit: usize::MAX as u64,
    })
}

/// Reads exactly `len` bytes (buffering only what is present) and checks that nothing follows.
fn read_body(r: &mut dyn Read, len: u64) -> Result<Vec<u8>, DataError> {
    if len > MAX_BYTES {
        return Err(DataError::TooLarge {
            what: "data length",
            size: len,
            limit: MAX_BYTES,
        });
    }
    let mut data = Vec::new();
    r.take(len).read_to_end(&mut data)?;
    if (data.len() as u64) < len {
        return Err(DataError::Truncated {
            expected: len,
            found: data.len() as u64,
        });
    }
    // Reading on to the end also makes a gzip stream verify its checksum.
    if r.read(&mut [0u8; 1])? != 0 {
        return Err(DataError::TrailingData);
    }
    Ok(data)
}

/// The first 16 MNIST test digits, shipped with the crate for `she demo` and the tests
/// (`she-nn/data/mnist-test-16-{images,labels}.idx`, made by
/// `cargo run -p she-nn --example extract_test_digits`).
pub fn shipped_test_digits() -> Result<Dataset, DataError> {
    const IMAGES: &[u8] = include_bytes!("../../data/mnist-test-16-images.idx");
    const LABELS: &[u8] = include_bytes!("../../data/mnist-test-16-labels.idx");
    Dataset::new(
        read_idx_images(&mut &IMAGES[..])?,
        read_idx_labels(&mut &LABELS[..])?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::path::PathBuf;

    fn sample() -> (Images, Vec<u8>) {
        let images = Images {
            rows: 2,
            cols: 3,
            pixels: (0..18).collect(),
        };
        (images, vec![7, 0, 9])
    }

    fn idx_bytes() -> (Vec<u8>, Vec<u8>) {
        let (images, labels) = sample();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_idx_images(&images, &mut a).unwrap();
        write_idx_labels(&labels, &mut b).unwrap();
        (a, b)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn idx_round_trips_plain_and_gzipped() {
        let (images, labels) = sample();
        let (a, b) = idx_bytes();
        assert_eq!(&a[..4], &[0, 0, 8, 3]);
        assert_eq!(read_idx_images(&mut a.as_slice()).unwrap(), images);
        assert_eq!(read_idx_labels(&mut b.as_slice()).unwrap(), labels);
        assert_eq!(read_idx_images(&mut gzip(&a).as_slice()).unwrap(), images);
        assert_eq!(read_idx_labels(&mut gzip(&b).as_slice()).unwrap(), labels);
        assert_eq!(images.len(), 3);
        assert_eq!(images.get(2).unwrap(), &[12, 13, 14, 15, 16, 17]);
        assert_eq!(images.get(3), None);
        assert_eq!(images.get(usize::MAX), None);
    }

    #[test]
    fn malformed_idx_is_rejected() {
        let (a, b) = idx_bytes();
        // Labels read as images and vice versa.
        assert!(matches!(
            read_idx_images(&mut b.as_slice()),
            Err(DataError::BadMagic { .. })
        ));
        assert!(matches!(
            read_idx_labels(&mut a.as_slice()),
            Err(DataError::BadMagic { .. })
        ));
        // Every truncation.
        for cut in 0..a.len() {
            assert!(
                matches!(
                    read_idx_images(&mut &a[..cut]),
                    Err(DataError::Truncated { .. })
                ),
                "cut {cut}"
            );
        }
        for cut in 0..gzip(&a).len() {
            assert!(
                read_idx_images(&mut &gzip(&a)[..cut]).is_err(),
                "gz cut {cut}"
            );
        }
        // Trailing bytes.
        let mut long = a.clone();
        long.push(0);
        assert!(matches!(
            read_idx_images(&mut long.as_slice()),
            Err(DataError::TrailingData)
        ));
        // A corrupted gzip body fails its checksum or inflation.
        let mut gz = gzip(&a);
        let mid = gz.len() / 2;
        gz[mid] ^= 0x40;
        assert!(read_idx_images(&mut gz.as_slice()).is_err());
    }

    #[test]
    fn dimensions_are_bounded_before_allocating() {
        let header = |dims: [u32; 3]| {
            let mut v = IMAGES_MAGIC.to_be_bytes().to_vec();
            for d in dims {
                v.extend_from_slice(&d.to_be_bytes());
            }
            v
        };
        for dims in [[1, 0, 28], [1, 28, 0], [1, 4097, 28], [1, 28, u32::MAX]] {
            assert!(matches!(
                read_idx_images(&mut header(dims).as_slice()),
                Err(DataError::BadImageSize { .. })
            ));
        }
        assert!(matches!(
            read_idx_images(&mut header([u32::MAX, 28, 28]).as_slice()),
            Err(DataError::TooLarge { .. })
        ));
        // A large but allowed announced size with no data: truncated, nothing big allocated.
        assert!(matches!(
            read_idx_images(&mut header([1 << 24, 16, 16]).as_slice()),
            Err(DataError::Truncated {
                expected: 4_294_967_296,
                found: 0
            })
        ));
        let mut labels = LABELS_MAGIC.to_be_bytes().to_vec();
        labels.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            read_idx_labels(&mut labels.as_slice()),
            Err(DataError::TooLarge { .. })
        ));
    }

    #[test]
    fn load_mnist_finds_plain_and_gzipped_files() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = idx_bytes();
        std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), &a).unwrap();
        std::fs::write(dir.path().join("t10k-labels-idx1-ubyte.gz"), gzip(&b)).unwrap();
        let set = load_mnist(dir.path(), Split::Test).unwrap();
        let (images, labels) = sample();
        assert_eq!(set.len(), 3);
        assert_eq!((set.rows, set.cols), (2, 3));
        assert_eq!(set.image(1), images.get(1).unwrap());
        assert_eq!(set.get(2), Some((images.get(2).unwrap(), 9)));
        assert_eq!(set.get(3), None);
        assert_eq!(set.labels, labels);
        assert_eq!(set.take(2).len(), 2);

        // The training split is missing: the error names the file.
        let err = load_mnist(dir.path(), Split::Train).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }));
        assert!(err.to_string().contains("train-images-idx3-ubyte"));

        // A label file with another count.
        let mut short = Vec::new();
        write_idx_labels(&[1, 2], &mut short).unwrap();
        std::fs::write(dir.path().join("t10k-labels-idx1-ubyte"), short).unwrap();
        let err = load_mnist(dir.path(), Split::Test).unwrap_err();
        assert!(matches!(
            &err,
            DataError::File { source, .. }
                if matches!(**source, DataError::CountMismatch { images: 3, labels: 2 })
        ));

        // A corrupt image file: the message names it.
        std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), &a[..10]).unwrap();
        let err = load_mnist(dir.path(), Split::Test).unwrap_err();
        assert!(
            err.to_string()
                .contains("t10k-images-idx3-ubyte: truncated"),
            "{err}"
        );
    }

    /// `../shared/data/mnist` beside the repository, if present.
    fn shared_mnist() -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mnist");
        if dir.is_dir() {
            Some(dir)
        } else {
            eprintln!("note: {} not found, skipping", dir.display());
            None
        }
    }

    #[test]
    fn shipped_digits_are_the_first_sixteen_test_digits() {
        let shipped = shipped_test_digits().unwrap();
        assert_eq!(shipped.len(), 16);
        assert_eq!((shipped.rows, shipped.cols), (28, 28));
        // The well-known first MNIST test labels.
        assert_eq!(
            shipped.labels,
            [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5]
        );
        let Some(dir) = shared_mnist() else {
            return;
        };
        let test = load_mnist(&dir, Split::Test).unwrap();
        assert_eq!(test.len(), 10_000);
        assert_eq!(test.take(16), shipped);
    }

    #[test]
    fn full_mnist_loads_with_the_published_label_counts() {
        let Some(dir) = shared_mnist() else {
            return;
        };
        let train = load_mnist(&dir, Split::Train).unwrap();
        assert_eq!((train.len(), train.rows, train.cols), (60_000, 28, 28));
        let mut counts = [0usize; 10];
        for &l in &train.labels {
            counts[usize::from(l)] += 1;
        }
        assert_eq!(
            counts,
            [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        );
    }
}
