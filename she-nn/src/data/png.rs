//! PNG images as 8-bit grayscale, for `she encrypt --png`.
//!
//! Every PNG colour type and bit depth is accepted and converted to one 8-bit gray value per
//! pixel:
//!
//! 1. palette images are expanded to RGB(A), gray below 8 bits is scaled up to 8 bits, and
//!    16-bit samples keep their high byte (the `png` crate's `EXPAND | STRIP_16`);
//! 2. colour becomes luma with the ITU-R BT.601 weights, rounded:
//!    `Y = (299·R + 587·G + 114·B + 500) / 1000`;
//! 3. transparency is composited onto **black**, MNIST's background:
//!    `gray = (Y·α + 127) / 255`, so fully transparent pixels read 0.
//!
//! Images wider or taller than [`MAX_PNG_SIDE`] are rejected from the header, before any pixel
//! is decoded, and the decoder's own allocations are capped. The file is read to its end
//! (`IEND`), so a truncated file is an error, and nothing may follow `IEND`
//! ([`DataError::TrailingData`]). Only the first frame of an animated PNG is read.

use super::DataError;
use ::png::{ColorType, Decoder, Limits, Transformations};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

/// Largest width or height accepted.
pub const MAX_PNG_SIDE: u32 = 4096;

/// Cap on the decoder's allocations: a full-size RGBA image at 16 bits per sample, plus slack.
const DECODER_BYTES: usize = (MAX_PNG_SIDE as usize) * (MAX_PNG_SIDE as usize) * 8 + (1 << 20);

/// Largest PNG file read: the decoder's cap (a PNG is never larger than its pixels plus a
/// little, and a compressed one is smaller).
const MAX_FILE_BYTES: u64 = DECODER_BYTES as u64;

/// Reads the PNG file at `path` as 8-bit gray (see the module documentation for the
/// conversion). Returns `(pixels, width, height)` with the `width·height` pixels row-major.
/// Errors name the file.
pub fn read_png_gray(path: &Path) -> Result<(Vec<u8>, usize, usize), DataError> {
    let read = || -> Result<Vec<u8>, DataError> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        if len > MAX_FILE_BYTES {
            return Err(DataError::TooLarge {
                what: "PNG file size",
                size: len,
                limit: MAX_FILE_BYTES,
            });
        }
        let mut bytes = Vec::new();
        BufReader::new(file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    read()
        .and_then(|bytes| decode_png_gray(&bytes))
        .map_err(|e| e.in_file(path))
}

/// [`read_png_gray`] for a PNG held in memory: `(pixels, width, height)`.
pub fn decode_png_gray(bytes: &[u8]) -> Result<(Vec<u8>, usize, usize), DataError> {
    check_chunks(bytes)?;
    decode(Cursor::new(bytes), bytes.len() as u64)
}

/// Rejects what the `png` decoder (0.18.1) panics on instead of reporting: a `PLTE` chunk
/// whose length is not a multiple of 3 (an error by the PNG specification, 11.2.3) makes its
/// palette expansion index past the chunk. Walks the chunk lengths and types only; everything
/// else (CRCs, order, truncation) is left to the decoder.
fn check_chunks(bytes: &[u8]) -> Result<(), DataError> {
    // After the 8-byte signature: length (u32 BE), type, data, CRC.
    let mut at = 8usize;
    while let Some(head) = bytes.get(at..at.saturating_add(8)) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if kind == b"PLTE" && !len.is_multiple_of(3) {
            return Err(DataError::BadPngChunk(format!(
                "PLTE chunk of {len} bytes, not a multiple of 3"
            )));
        }
        if kind == b"IEND" {
            break;
        }
        at = at.saturating_add(12).saturating_add(len);
    }
    Ok(())
}

/// A reader that counts how far the decoder has consumed its input.
struct Tracked<R> {
    inner: R,
    position: Rc<Cell<u64>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.position.set(self.position.get() + amount as u64);
    }
}

impl<R: Seek> Seek for Tracked<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let position = self.inner.seek(to)?;
        self.position.set(position);
        Ok(position)
    }
}

/// Decodes a PNG of `len` bytes from `r`.
fn decode<R: BufRead + Seek>(r: R, len: u64) -> Result<(Vec<u8>, usize, usize), DataError> {
    let position = Rc::new(Cell::new(0));
    let r = Tracked {
        inner: r,
        position: Rc::clone(&position),
    };
    let mut decoder = Decoder::new_with_limits(
        r,
        Limits {
            bytes: DECODER_BYTES,
        },
    );
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let (width, height) = {
        let info = decoder.read_header_info()?;
        (info.width, info.height)
    };
    if width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(DataError::BadImageSize {
            rows: u64::from(height),
            cols: u64::from(width),
            max: u64::from(MAX_PNG_SIDE),
        });
    }
    let mut reader = decoder.read_info()?;
    let size = reader.output_buffer_size().ok_or(DataError::BadImageSize {
        rows: u64::from(height),
        cols: u64::from(width),
        max: u64::from(MAX_PNG_SIDE),
    })?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf)?;
    // Read on to `IEND`, so a truncated or corrupt file is an error even past the pixels, and
    // check that `IEND` ends the file.
    reader.finish()?;
    if position.get() != len {
        return Err(DataError::TrailingData);
    }
    let (color, depth) = (frame.color_type, frame.bit_depth);
    if depth != ::png::BitDepth::Eight {
        return Err(DataError::UnsupportedPng(format!("{color:?} at {depth:?}")));
    }
    let (w, h) = (frame.width as usize, frame.height as usize);
    let samples = color.samples();
    let mut gray = Vec::with_capacity(w * h);
    for row in buf[..frame.buffer_size()].chunks_exact(frame.line_size) {
        for px in row[..w * samples].chunks_exact(samples) {
            gray.push(match color {
                ColorType::Grayscale => px[0],
                ColorType::GrayscaleAlpha => over_black(px[0], px[1]),
                ColorType::Rgb => luma(px[0], px[1], px[2]),
                ColorType::Rgba => over_black(luma(px[0], px[1], px[2]), px[3]),
                ColorType::Indexed => {
                    return Err(DataError::UnsupportedPng(format!("{color:?}")));
                }
            });
        }
    }
    Ok((gray, w, h))
}

/// BT.601 luma, rounded: `(299·r + 587·g + 114·b + 500) / 1000`.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000;
    // The weights sum to 1000, so y ≤ 255.
    u8::try_from(y).unwrap_or(u8::MAX)
}

/// `gray` with opacity `alpha` over a black background, rounded: `(gray·α + 127) / 255`.
fn over_black(gray: u8, alpha: u8) -> u8 {
    let v = (u32::from(gray) * u32::from(alpha) + 127) / 255;
    u8::try_from(v).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::png::{BitDepth, Encoder};

    fn encode(width: u32, height: u32, color: ColorType, depth: BitDepth, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, width, height);
        e.set_color(color);
        e.set_depth(depth);
        let mut w = e.write_header().unwrap();
        w.write_image_data(data).unwrap();
        w.finish().unwrap();
        out
    }

    #[test]
    fn gray8_is_read_as_is() {
        let png = encode(
            3,
            2,
            ColorType::Grayscale,
            BitDepth::Eight,
            &[0, 1, 2, 253, 254, 255],
        );
        assert_eq!(
            decode_png_gray(&png).unwrap(),
            (vec![0, 1, 2, 253, 254, 255], 3, 2)
        );
    }

    #[test]
    fn colour_alpha_and_16_bit_are_converted() {
        // RGB: pure red, green, blue, white.
        let rgb = encode(
            4,
            1,
            ColorType::Rgb,
            BitDepth::Eight,
            &[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
        );
        // 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1
        assert_eq!(
            decode_png_gray(&rgb).unwrap(),
            (vec![76, 150, 29, 255], 4, 1)
        );
        // RGBA: white at full, half and zero opacity.
        let rgba = encode(
            3,
            1,
            ColorType::Rgba,
            BitDepth::Eight,
            &[255, 255, 255, 255, 255, 255, 255, 128, 255, 255, 255, 0],
        );
        assert_eq!(decode_png_gray(&rgba).unwrap().0, vec![255, 128, 0]);
        // Gray + alpha.
        let ga = encode(
            2,
            1,
            ColorType::GrayscaleAlpha,
            BitDepth::Eight,
            &[200, 255, 200, 0],
        );
        assert_eq!(decode_png_gray(&ga).unwrap().0, vec![200, 0]);
        // 16-bit gray keeps the high byte.
        let g16 = encode(
            2,
            1,
            ColorType::Grayscale,
            BitDepth::Sixteen,
            &[0x12, 0x34, 0xff, 0xff],
        );
        assert_eq!(decode_png_gray(&g16).unwrap().0, vec![0x12, 0xff]);
        // 1-bit gray is scaled to 0 / 255 (8 pixels in one byte, 0b1010_0000 → first two).
        let g1 = encode(3, 1, ColorType::Grayscale, BitDepth::One, &[0b1010_0000]);
        assert_eq!(decode_png_gray(&g1).unwrap().0, vec![255, 0, 255]);
    }

    #[test]
    fn palette_images_are_expanded() {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 2, 1);
        e.set_color(ColorType::Indexed);
        e.set_depth(BitDepth::Eight);
        e.set_palette(vec![0, 0, 0, 255, 255, 255]);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[1, 0]).unwrap();
        w.finish().unwrap();
        assert_eq!(decode_png_gray(&out).unwrap(), (vec![255, 0], 2, 1));
    }

    #[test]
    fn oversized_and_corrupt_images_are_rejected() {
        // A header claiming 5000 × 1 (the data is never reached).
        let png = encode(5000, 1, ColorType::Grayscale, BitDepth::One, &[0u8; 625]);
        assert!(matches!(
            decode_png_gray(&png),
            Err(DataError::BadImageSize { cols: 5000, .. })
        ));
        let good = encode(3, 2, ColorType::Grayscale, BitDepth::Eight, &[9; 6]);
        for cut in 0..good.len() {
            assert!(decode_png_gray(&good[..cut]).is_err(), "cut {cut}");
        }
        for bit in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            // Must not panic; CRCs catch almost every flip.
            let _ = decode_png_gray(&bad);
        }
        assert!(matches!(
            decode_png_gray(b"not a png"),
            Err(DataError::Png(_))
        ));
    }

    #[test]
    fn a_palette_whose_length_is_not_a_multiple_of_3_is_an_error_not_a_panic() {
        // Found by the image_files fuzz target: the png crate 0.18.1 panics expanding such a
        // palette (fuzz/seeds/image_files/regression-image_files-plte-length).
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/seeds/image_files/regression-image_files-plte-length"
        );
        let crash = std::fs::read(path).unwrap();
        assert!(matches!(
            decode_png_gray(&crash),
            Err(DataError::BadPngChunk(_))
        ));
        // A valid palette image with its PLTE chunk grown by 1 and 2 bytes.
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 2, 1);
        e.set_color(ColorType::Indexed);
        e.set_depth(BitDepth::Eight);
        e.set_palette(vec![0, 0, 0, 255, 255, 255]);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[1, 0]).unwrap();
        w.finish().unwrap();
        let plte = out.windows(4).position(|w| w == b"PLTE").unwrap() - 4;
        for extra in [1usize, 2] {
            let mut bad = out[..plte].to_vec();
            bad.extend_from_slice(&(6 + extra as u32).to_be_bytes());
            bad.extend_from_slice(b"PLTE");
            bad.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
            bad.extend(std::iter::repeat_n(7u8, extra));
            bad.extend_from_slice(&[0; 4]); // CRC (never checked: rejected before decoding)
            bad.extend_from_slice(&out[plte + 4 + 4 + 6 + 4..]);
            assert!(
                matches!(decode_png_gray(&bad), Err(DataError::BadPngChunk(_))),
                "{extra}"
            );
        }
        assert_eq!(decode_png_gray(&out).unwrap(), (vec![255, 0], 2, 1));
    }

    #[test]
    fn bytes_after_iend_are_rejected() {
        let good = encode(3, 2, ColorType::Grayscale, BitDepth::Eight, &[9; 6]);
        assert!(decode_png_gray(&good).is_ok());
        for extra in [&[0u8][..], b"trailing garbage", &good] {
            let mut long = good.clone();
            long.extend_from_slice(extra);
            assert!(
                matches!(decode_png_gray(&long), Err(DataError::TrailingData)),
                "{} extra bytes",
                extra.len()
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.png");
        let mut long = good.clone();
        long.push(0);
        std::fs::write(&path, &long).unwrap();
        let err = read_png_gray(&path).unwrap_err();
        assert!(err.to_string().contains("long.png"), "{err}");
        std::fs::write(&path, &good).unwrap();
        assert!(read_png_gray(&path).is_ok());
    }

    #[test]
    fn files_are_read_and_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digit.png");
        std::fs::write(
            &path,
            encode(2, 2, ColorType::Grayscale, BitDepth::Eight, &[1, 2, 3, 4]),
        )
        .unwrap();
        assert_eq!(read_png_gray(&path).unwrap(), (vec![1, 2, 3, 4], 2, 2));
        let missing = dir.path().join("missing.png");
        let err = read_png_gray(&missing).unwrap_err();
        assert!(err.to_string().contains("missing.png"), "{err}");
    }
}
