//! cargo-fuzz target `encoding`: runs [`she_fuzzing::encoding`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/encoding/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::encoding(data));
