//! `she encrypt`: encrypts one image with a client key, for the server to classify.
//!
//! The image comes from a PNG file (converted to 8-bit gray) or from an IDX file (MNIST layout,
//! gzip'd or not) with an index. Pixels are quantized to the model's `input.bits` when `--model`
//! is given (whose input shape the image must then have), to 8 bits otherwise.

use super::output_error;
use crate::client::ClientKey;
use crate::data::{mnist::read_idx_images, png::read_png_gray};
use crate::model::{Model, Shape};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use torus::EncryptionRng;

/// Arguments of `she encrypt`.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// The client key (from `she keygen`).
    #[arg(long, value_name = "FILE")]
    pub client_key: PathBuf,
    /// The image as a PNG file (converted to 8-bit gray).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "idx",
        required_unless_present = "idx"
    )]
    pub png: Option<PathBuf>,
    /// The image as one entry of an IDX image file (MNIST layout, gzip'd or not); needs --index.
    #[arg(long, value_name = "FILE", requires = "index")]
    pub idx: Option<PathBuf>,
    /// Which image of the IDX file, from 0.
    #[arg(long, value_name = "I", requires = "idx")]
    pub index: Option<usize>,
    /// The model the image is for: its input bits are used (8 bits without a model) and its
    /// input shape checked.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Where to write the encrypted image.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Reads one image of an IDX file.
fn read_idx_image(path: &Path, index: usize) -> Result<(Vec<u8>, Shape), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let images = read_idx_images(&mut file).map_err(|e| e.in_file(path).to_string())?;
    let pixels = images.get(index).ok_or_else(|| {
        format!(
            "{}: no image {index} (the file holds {})",
            path.display(),
            images.len()
        )
    })?;
    let shape = Shape {
        channels: 1,
        height: images.rows,
        width: images.cols,
    };
    Ok((pixels.to_vec(), shape))
}

/// The image the arguments name, its path and its shape.
pub(crate) fn read_image(args: &EncryptArgs) -> Result<(Vec<u8>, Shape, &Path), String> {
    match (&args.png, &args.idx, args.index) {
        (Some(png), _, _) => {
            let (pixels, width, height) = read_png_gray(png).map_err(|e| e.to_string())?;
            let shape = Shape {
                channels: 1,
                height,
                width,
            };
            Ok((pixels, shape, png))
        }
        (None, Some(idx), Some(index)) => {
            let (pixels, shape) = read_idx_image(idx, index)?;
            Ok((pixels, shape, idx))
        }
        _ => Err("give the image as --png FILE or as --idx FILE --index I".to_string()),
    }
}

fn describe(shape: Shape) -> String {
    format!("{}×{}×{}", shape.channels, shape.height, shape.width)
}

/// Runs `she encrypt`.
pub fn run(args: &EncryptArgs, out: &mut dyn Write) -> Result<(), String> {
    let key = ClientKey::load(&args.client_key).map_err(|e| e.to_string())?;
    let (pixels, shape, image_path) = read_image(args)?;
    let bits = match &args.model {
        None => 8,
        Some(path) => {
            let model = Model::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if model.input.shape != shape {
                return Err(format!(
                    "{}: image is {}, the model {} reads {}",
                    image_path.display(),
                    describe(shape),
                    path.display(),
                    describe(model.input.shape)
                ));
            }
            model.input.bits
        }
    };
    let mut rng = EncryptionRng::from_os_entropy();
    let image = key
        .encrypt_image(&pixels, shape, bits, &mut rng)
        .map_err(|e| format!("{}: {e}", image_path.display()))?;
    image.save(&args.out).map_err(|e| e.to_string())?;
    let p = key.params();
    super::warn_if_insecure(p, out)?;
    writeln!(
        out,
        "wrote {} ({} image, {} pixels at {bits} bits, parameter set {})",
        args.out.display(),
        describe(shape),
        pixels.len(),
        p.name
    )
    .map_err(output_error)
}
