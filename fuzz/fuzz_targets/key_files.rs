//! cargo-fuzz target `key_files`: runs [`she_fuzzing::key_files`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/key_files/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::key_files(data));
