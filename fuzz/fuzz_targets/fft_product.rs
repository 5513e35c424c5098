//! cargo-fuzz target `fft_product`: runs [`she_fuzzing::fft_product`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/fft_product/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::fft_product(data));
