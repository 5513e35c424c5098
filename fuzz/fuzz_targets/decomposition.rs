//! cargo-fuzz target `decomposition`: runs [`she_fuzzing::decomposition`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/decomposition/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::decomposition(data));
