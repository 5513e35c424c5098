//! cargo-fuzz target `lwe_containers`: runs [`she_fuzzing::lwe_containers`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/lwe_containers/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::lwe_containers(data));
