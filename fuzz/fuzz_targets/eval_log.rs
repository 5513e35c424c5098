//! cargo-fuzz target `eval_log`: runs [`she_fuzzing::eval_log`], which the workspace's tests also
//! replay on the committed seeds in `fuzz/seeds/eval_log/`. See fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| she_fuzzing::eval_log(data));
