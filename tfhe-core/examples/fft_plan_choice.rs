//! How stable the choice of concrete-fft's base kernel is, and what it costs: concrete-fft's own
//! `Method::Measure(5 ms)` against [`tfhe_core::fft::plan_choice::fastest_plan`] (interleaved
//! rounds of forward plus inverse transforms, fastest round kept), for the size-1024 unordered FFT
//! of `N = 2048` polynomials; then the time of every candidate kernel.
//!
//! ```sh
//! cargo run --release -p tfhe-core --example fft_plan_choice -- [CHOICES]
//! ```
//!
//! Builds `CHOICES` (default 8) plans each way, alternating, and prints each pick and how long
//! building it took; then the median over 15 interleaved rounds of one forward plus one inverse
//! transform (with the `1/n` scaling) for every candidate. Run it on an idle machine and again
//! beside other load (e.g. two `sh -c 'while :; do :; done'` loops) to see the difference.

use concrete_fft::unordered::{Method, Plan};
use std::time::{Duration, Instant};
use tfhe_core::fft::plan_choice::{fastest_plan, kernel_name, time_candidates};

const N: usize = 1024;

fn main() {
    let choices: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("CHOICES is a number"))
        .unwrap_or(8);
    println!("base kernel picked for an unordered FFT of size {N}, and the time to build the plan");
    for _ in 0..choices {
        let start = Instant::now();
        let measured = Plan::new(N, Method::Measure(Duration::from_millis(5)));
        let measured_ms = start.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        let chosen = fastest_plan(N);
        let chosen_ms = start.elapsed().as_secs_f64() * 1e3;
        println!(
            "Method::Measure(5 ms) {:>10} in {measured_ms:6.1} ms    fastest_plan {:>10} in {chosen_ms:6.1} ms",
            kernel_name(&measured),
            kernel_name(&chosen)
        );
    }

    const REPETITIONS: usize = 200;
    let (plans, timings) = time_candidates(N, 15, REPETITIONS);
    println!("forward + inverse, median of 15 interleaved rounds:");
    for (plan, mut t) in plans.iter().zip(timings) {
        t.sort();
        let median_us = t[t.len() / 2].as_secs_f64() * 1e6 / REPETITIONS as f64;
        println!("{:>10}  {median_us:6.2} µs", kernel_name(plan));
    }
}
