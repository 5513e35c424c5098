//! Throughput of key switch + bootstrap chains on all cores, without and with a
//! [`BootstrapBatcher`]: the shape of an encrypted network's nonlinear layers (many independent
//! neurons, each a sequential chain of key switches and bootstraps).
//!
//! ```sh
//! cargo run --release -p tfhe-core --example batch_throughput -- [ROUNDS] [THREADS]
//! ```
//!
//! Runs at `SHE_MNIST`; batch sizes 1 (one bootstrap per thread at a time, no batcher), 2, 4
//! and 8 in interleaved rounds; prints the median milliseconds of wall time per bootstrap of
//! each and its ratio to batch 1. Every chain's result is decrypted and checked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tfhe_core::batcher::BootstrapBatcher;
use tfhe_core::bootstrap::BootstrapJob;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::LweCiphertextOwned;
use tfhe_core::params::SHE_MNIST;
use torus::{Csprng, EncryptionRng};

/// Bootstraps in one chain.
const LINKS: usize = 6;

/// One chain from message `m`: key switch, bootstrap `m ↦ m + 1`, `LINKS` times.
fn chain(
    ek: &EvaluationKeys<u64>,
    start: &LweCiphertextOwned<u64>,
    job: &mut Option<BootstrapJob<u64>>,
    bootstrap: &mut dyn FnMut(BootstrapJob<u64>) -> BootstrapJob<u64>,
) -> LweCiphertextOwned<u64> {
    let mut current = start.clone();
    for _ in 0..LINKS {
        let mut j = job.take().expect("job buffers");
        ek.keyswitch_key().keyswitch(&mut j.input, &current);
        j = bootstrap(j);
        current.as_mut_slice().copy_from_slice(j.output.as_slice());
        *job = Some(j);
    }
    current
}

/// Runs `chains` chains on `threads` threads with batches of `batch`; returns the wall time.
fn run(
    ek: &EvaluationKeys<u64>,
    starts: &[LweCiphertextOwned<u64>],
    threads: usize,
    batch: usize,
) -> (f64, Vec<LweCiphertextOwned<u64>>) {
    let next = AtomicUsize::new(0);
    let lut = ek.lookup_table(|m| (m + 1) % 16).expect("table");
    // One worker: chains taken one at a time until none is left, each bootstrap by `bootstrap`.
    let worker = |bootstrap: &mut dyn FnMut(BootstrapJob<u64>) -> BootstrapJob<u64>| {
        let mut job = Some(BootstrapJob {
            lut: lut.clone(),
            ..ek.bootstrap_job()
        });
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(start) = starts.get(k) else { break };
            done.push((k, chain(ek, start, &mut job, bootstrap)));
        }
        done
    };
    let t = Instant::now();
    let results: Vec<Vec<(usize, LweCiphertextOwned<u64>)>> = if batch == 1 {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut buffers = ek.buffers();
                        worker(&mut |mut j| {
                            ek.bootstrap_only(&mut j.output, &j.input, &j.lut, &mut buffers);
                            j
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    } else {
        let batcher = BootstrapBatcher::new(ek, batch);
        let seats: Vec<_> = (0..threads * batch).map(|_| batcher.seat()).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = seats
                .into_iter()
                .map(|mut seat| {
                    let worker = &worker;
                    scope.spawn(move || worker(&mut |j| seat.bootstrap(j)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let seconds = t.elapsed().as_secs_f64();
    let mut outputs: Vec<_> = results.into_iter().flatten().collect();
    outputs.sort_by_key(|(k, _)| *k);
    (seconds, outputs.into_iter().map(|(_, c)| c).collect())
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = args.first().copied().unwrap_or(3);
    let threads = args
        .get(1)
        .copied()
        .unwrap_or_else(rayon::current_num_threads);
    let p = &SHE_MNIST;
    let sk = SecretKeys::<u64>::generate(p, &mut Csprng::from_os_entropy()).expect("keys");
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).expect("keys");
    // 8 chains per thread and batch slot at the largest batch: every size runs full batches.
    let chains = threads * 8 * 2;
    let starts: Vec<_> = (0..chains as u64)
        .map(|m| sk.encrypt(m % 16, &mut rng))
        .collect();
    let bootstraps = (chains * LINKS) as f64;
    println!(
        "{} chains of {LINKS} KS + PBS at {} on {threads} threads, {rounds} interleaved rounds ({} kernels)",
        chains,
        p.name,
        tfhe_core::kernels::simd_level()
    );
    let sizes = [1, 2, 4, 8];
    let mut times = vec![Vec::new(); sizes.len()];
    for _ in 0..rounds {
        for (i, &batch) in sizes.iter().enumerate() {
            let (seconds, outputs) = run(&ek, &starts, threads, batch);
            for (m, out) in outputs.iter().enumerate() {
                assert_eq!(sk.decrypt(out), (m as u64 + LINKS as u64) % 16, "chain {m}");
            }
            times[i].push(seconds * 1e3 / bootstraps);
        }
    }
    let median = |t: &mut Vec<f64>| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let base = median(&mut times[0].clone());
    for (batch, t) in sizes.iter().zip(&mut times) {
        let m = median(t);
        println!(
            "batch {batch}: {m:7.2} ms of wall time per bootstrap (ratio to batch 1: {:.3}; rounds {:?})",
            m / base,
            t.iter().map(|x| (x * 100.0).round() / 100.0).collect::<Vec<_>>()
        );
    }
}
