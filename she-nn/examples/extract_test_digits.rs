//! Writes the first 16 test digits of an MNIST-layout directory as the uncompressed IDX files
//! that the crate ships (`she-nn/data/mnist-test-16-{images,labels}.idx`), for `she demo` and
//! the tests.
//!
//! ```sh
//! cargo run -p she-nn --example extract_test_digits -- [MNIST_DIR] [OUT_DIR]
//! ```
//!
//! `MNIST_DIR` defaults to `../shared/data/mnist` and `OUT_DIR` to `she-nn/data`, both relative
//! to the workspace root.

use she_nn::data::mnist::{write_idx_images, write_idx_labels};
use she_nn::data::{load_mnist, Images, Split};
use std::path::{Path, PathBuf};

/// How many digits are shipped.
const COUNT: usize = 16;

fn main() {
    if let Err(e) = run() {
        eprintln!("extract_test_digits: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = std::env::args_os().skip(1);
    let data = args
        .next()
        .map_or_else(|| root.join("../shared/data/mnist"), PathBuf::from);
    let out = args
        .next()
        .map_or_else(|| root.join("she-nn/data"), PathBuf::from);
    let test = load_mnist(&data, Split::Test)
        .map_err(|e| e.to_string())?
        .take(COUNT);
    let images = Images {
        rows: test.rows,
        cols: test.cols,
        pixels: test.images,
    };
    let write = |name: &str, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        f(&mut bytes).map_err(|e| e.to_string())?;
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
        Ok::<(), String>(())
    };
    write("mnist-test-16-images.idx", &|w| {
        write_idx_images(&images, w)
    })?;
    write("mnist-test-16-labels.idx", &|w| {
        write_idx_labels(&test.labels, w)
    })?;
    Ok(())
}
