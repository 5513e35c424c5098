//! Client images from untrusted bytes: IDX image and label files (plain or gzip'd) and PNG files
//! give a typed error or pixels of the announced size — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use she_nn::data::mnist::{read_idx_images, read_idx_labels};
use she_nn::data::png::decode_png_gray;

fuzz_target!(|data: &[u8]| {
    if let Ok(images) = read_idx_images(&mut &data[..]) {
        assert_eq!(
            images.pixels.len(),
            images.len() * images.rows * images.cols
        );
    }
    let _ = read_idx_labels(&mut &data[..]);
    if let Ok((pixels, width, height)) = decode_png_gray(data) {
        assert_eq!(pixels.len(), width * height);
    }
});
