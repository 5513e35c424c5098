//! cargo-fuzz target `ciphertext_files`: runs [`she_fuzzing::ciphertext_files`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/ciphertext_files/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::ciphertext_files(data));
