//! cargo-fuzz target `batched_bootstrap`: runs [`she_fuzzing::batched_bootstrap`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/batched_bootstrap/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::batched_bootstrap(data));
