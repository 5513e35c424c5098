//! cargo-fuzz target `model_file`: runs [`she_fuzzing::model_file`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/model_file/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::model_file(data));
