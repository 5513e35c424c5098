//! cargo-fuzz target `lookup_table`: runs [`she_fuzzing::lookup_table`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/lookup_table/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::lookup_table(data));
