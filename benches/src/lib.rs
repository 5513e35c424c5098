//! Criterion benchmarks of the SHE workspace; the benchmarks themselves are under `benches/`.
//! Run them with `cargo bench -p she-benches`.
