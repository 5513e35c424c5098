//! Criterion benchmarks of the SHE workspace; the benchmarks themselves are under `benches/`.
//! Run them with `cargo bench -p she-benches`.
//!
//! `benches/vs_tfhe_rs.rs` compares this project with TFHE-rs 1.8.2 at identical parameters in
//! one interleaved run; it needs the non-default feature `tfhe-rs` (which alone pulls in the
//! `tfhe` crate): `cargo bench -p she-benches --features tfhe-rs --bench vs_tfhe_rs`.
