//! The Fourier inner product of the multi-bit blind rotation alone
//! ([`tfhe_core::fft::multi_bit_dot_batch`]), at the shape of `SHE_MNIST` (`k = 1`, `ℓ = 4`,
//! `N = 2048`, three key terms per pair of mask elements, 459 pairs: 344 MiB of key), for batch
//! sizes 1, 2, 4 and 8 and for scratch polynomials back to back or padded
//! ([`tfhe_core::fft::FourierLayout`]), and padded with only the first 2 or 3 of the 4 levels
//! ([`tfhe_core::fft::LevelPrefixes`]).
//!
//! ```sh
//! cargo run --release -p tfhe-core --example inner_product -- [ROUNDS]
//! ```
//!
//! Prints, per configuration, the median over `ROUNDS` (default 3) interleaved rounds of the
//! milliseconds one bootstrap spends in the inner product (all 459 pairs, per job of the batch).
//! The values are arbitrary (the arithmetic does not depend on them); the key is distinct per
//! pair, so it streams from memory as in a real bootstrap.

use std::time::Instant;
use tfhe_core::fft::{c64, multi_bit_dot_batch, FourierLayout, LevelPrefixes};

const HALF: usize = 1024;
const LEVELS: usize = 4;
const ROWS: usize = 2 * LEVELS;
const OUTPUTS: usize = 2;
const TERMS: usize = 3;
const PAIRS: usize = 459;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(3, |a| a.parse().expect("ROUNDS: a number"));
    let key_len = ROWS * OUTPUTS * HALF;
    let keys: Vec<Vec<c64>> = (0..PAIRS * TERMS)
        .map(|i| {
            (0..key_len)
                .map(|j| c64::new(((i * 7 + j) % 1000) as f64, 1.0))
                .collect()
        })
        .collect();
    let configs: Vec<(usize, &str, FourierLayout, usize)> = [1, 2, 4, 8]
        .into_iter()
        .flat_map(|batch| {
            [
                (
                    batch,
                    "back to back",
                    FourierLayout::contiguous(HALF),
                    LEVELS,
                ),
                (batch, "padded", FourierLayout::padded(HALF), LEVELS),
            ]
        })
        .chain([
            (4, "padded, 3 of 4 levels", FourierLayout::padded(HALF), 3),
            (4, "padded, 2 of 4 levels", FourierLayout::padded(HALF), 2),
        ])
        .collect();
    println!(
        "multi_bit_dot_batch at SHE_MNIST's shape, {} kernels, {rounds} interleaved rounds",
        tfhe_core::kernels::simd_level()
    );
    let mut times = vec![Vec::new(); configs.len()];
    for _ in 0..rounds {
        for (t, &(batch, _, layout, used)) in times.iter_mut().zip(&configs) {
            let used = vec![used; batch];
            let levels = LevelPrefixes::new(LEVELS, &used).expect("1 to 4 levels");
            let polynomials =
                |count: usize| vec![c64::new(0.5, 0.25); batch * count * layout.stride()];
            let digits = polynomials(ROWS);
            let monomials = polynomials(TERMS);
            let mut sums = polynomials(OUTPUTS);
            let start = Instant::now();
            for pair in keys.chunks_exact(TERMS) {
                let terms: [&[c64]; TERMS] = [&pair[0], &pair[1], &pair[2]];
                multi_bit_dot_batch(&mut sums, &digits, &terms, &monomials, levels, layout);
            }
            t.push(start.elapsed().as_secs_f64() * 1e3 / batch as f64);
            std::hint::black_box(&sums);
        }
    }
    let base = median(times[0].clone());
    for ((batch, name, _, _), t) in configs.iter().zip(times) {
        let m = median(t);
        println!(
            "batch {batch}, {name:>21}: {m:6.2} ms per bootstrap (ratio to batch 1 back to back: {:.3})",
            m / base
        );
    }
}
