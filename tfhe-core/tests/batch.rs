//! Batched bootstrapping against its oracle, the single bootstrap: every output of a batch must be
//! **bit-identical** to the same job bootstrapped alone (so the batch inherits the single
//! bootstrap's correctness, noise and failure probability), and must decrypt to the table's value.
//!
//! * Multi-bit keys at `TOY` (**insecure**, for speed) with even and odd `n`, batch sizes 1–5,
//!   including inputs whose mask pairs switch to `(0, 0)` (a pair skipped for one job of the
//!   batch only) and to `(0, x)` / `(x, 0)` (key terms whose rotation is zero).
//! * The real 128-bit `SHE_MNIST` set (multi-bit): one batch of 3.
//! * A classic key (bootstrapped one by one inside the batch call).
//! * **Fewer levels** (`job.levels`): a bootstrap with the first `ℓ'` of a multi-bit key's `ℓ`
//!   levels against its independent oracle, the ordinary bootstrap with a key of decomposition
//!   `(B, ℓ')` assembled from exactly those rows of the key, bit for bit — alone and in batches
//!   that mix every `ℓ'`, at `TOY` (multi-bit, **insecure**) and at the real `SHE_MNIST`.
//! * The [`BootstrapBatcher`]: 6 threads each running a chain of 5 bootstraps (every input the
//!   key switch of the previous output), in batches of up to 3, against the same chains run
//!   sequentially with single bootstraps.

use tfhe_core::batcher::BootstrapBatcher;
use tfhe_core::bootstrap::{BootstrapJob, BootstrapKey, MultiBitBootstrapKey};
use tfhe_core::dimensions::{DecompositionLevelCount, LweDimension};
use tfhe_core::fft::c64;
use tfhe_core::ggsw::FourierGgswCiphertext;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::LweCiphertextOwned;
use tfhe_core::params::{BlindRotation, ParameterSet, SHE_MNIST, TOY};
use torus::{EncryptionRng, SignedDecomposer};

mod common;
use common::{f, keys};

/// A job for message `m`: encrypted under the big key, key-switched to the small key, table `g`.
fn job(
    sk: &SecretKeys<u64>,
    ek: &EvaluationKeys<u64>,
    m: u64,
    g: &dyn Fn(u64) -> u64,
    rng: &mut EncryptionRng,
) -> BootstrapJob<u64> {
    let mut job = ek.bootstrap_job();
    ek.keyswitch_key()
        .keyswitch(&mut job.input, &sk.encrypt(m, rng));
    job.lut = ek.lookup_table(g).unwrap();
    job
}

/// The oracle: the job bootstrapped alone.
fn single(ek: &EvaluationKeys<u64>, job: &BootstrapJob<u64>) -> LweCiphertextOwned<u64> {
    let mut out = LweCiphertextOwned::zero(ek.params().big_lwe_dimension());
    ek.bootstrap_only(&mut out, &job.input, &job.lut, &mut ek.buffers());
    out
}

/// Batches of 1 to 5 jobs against single bootstraps; jobs `1` and `2` of each batch have mask
/// elements zeroed so that a pair switches to `(0, 0)`, `(0, x)` or `(x, 0)`.
fn batches_match_single_bootstraps(p: &ParameterSet, seed: u64) {
    let (sk, ek, mut rng) = keys(p, seed);
    let modulus = p.encoding().message_modulus();
    let g = |m| f(m, modulus);
    let mut buffers = ek.batch_buffers(5);
    for size in 1..=5u64 {
        let mut jobs: Vec<_> = (0..size)
            .map(|i| job(&sk, &ek, (size * 7 + i * 5) % modulus, &g, &mut rng))
            .collect();
        if let Some(job) = jobs.get_mut(1) {
            job.input.as_mut_slice()[..2].fill(0); // pair 0 switches to (0, 0)
        }
        if let Some(job) = jobs.get_mut(2) {
            job.input.as_mut_slice()[2] = 0; // pair 1 switches to (0, x)
            job.input.as_mut_slice()[5] = 0; // pair 2 switches to (x, 0)
        }
        let expected: Vec<_> = jobs.iter().map(|job| single(&ek, job)).collect();
        ek.bootstrap_batch(&mut jobs, &mut buffers);
        for (i, (job, expected)) in jobs.iter().zip(&expected).enumerate() {
            assert_eq!(
                job.output.as_slice(),
                expected.as_slice(),
                "{}: batch of {size}, job {i}",
                p.name
            );
            if i != 1 && i != 2 {
                let m = (size * 7 + i as u64 * 5) % modulus;
                assert_eq!(sk.decrypt(&job.output), f(m, modulus), "{}", p.name);
            }
        }
    }
}

/// The oracle of a bootstrap with fewer levels: evaluation keys of `p` with decomposition
/// `(B, used)` whose GGSW ciphertexts are the rows of levels `1..=used` of `ek`'s multi-bit key
/// (row `(i, j)` is polynomial row `r = i·ℓ + j − 1`), copied out and reassembled.
fn key_of_fewer_levels(ek: &EvaluationKeys<u64>, used: usize) -> EvaluationKeys<u64> {
    let BootstrapKey::MultiBit(bsk) = ek.bootstrap_key() else {
        panic!("a multi-bit key")
    };
    let p = ek.params();
    let (levels, outputs) = (p.pbs_level_count.0, p.glwe_dimension.0 + 1);
    let half = p.polynomial_size.0 / 2;
    let short = SignedDecomposer::new(p.pbs_base_log, DecompositionLevelCount(used)).unwrap();
    let ggsws = bsk
        .ggsws()
        .iter()
        .map(|ggsw| {
            let mut data = Vec::new();
            let mut polynomial = vec![c64::default(); half];
            for r in (0..outputs * levels).filter(|r| r % levels < used) {
                for c in 0..outputs {
                    ggsw.copy_polynomial(r * outputs + c, &mut polynomial);
                    data.extend_from_slice(&polynomial);
                }
            }
            FourierGgswCiphertext::from_fourier_data(
                &data,
                p.glwe_dimension,
                p.polynomial_size,
                short,
            )
            .unwrap()
        })
        .collect();
    let bsk = MultiBitBootstrapKey::from_ggsws(p.lwe_dimension, ggsws).unwrap();
    let params = ParameterSet {
        pbs_level_count: DecompositionLevelCount(used),
        ..*p
    };
    EvaluationKeys::from_parts(
        &params,
        BootstrapKey::MultiBit(bsk),
        ek.keyswitch_key().clone(),
    )
    .unwrap()
}

/// Jobs with every level count `1..=ℓ`, alone and in one mixed batch, against the bootstrap
/// with the key of that decomposition; outputs decrypt to the table's values where the
/// decomposition is precise enough (`decrypts(ℓ')`).
fn fewer_levels_match_keys_of_fewer_levels(
    p: &ParameterSet,
    seed: u64,
    decrypts: impl Fn(usize) -> bool,
) {
    let (sk, ek, mut rng) = keys(p, seed);
    assert!(ek.supports_fewer_levels());
    let levels = p.pbs_level_count.0;
    let modulus = p.encoding().message_modulus();
    let g = |m| f(m, modulus);
    let messages: Vec<u64> = (0..levels as u64).map(|i| (i * 5 + 3) % modulus).collect();
    let mut jobs: Vec<_> = messages
        .iter()
        .zip(1..=levels)
        .map(|(&m, used)| {
            let mut job = job(&sk, &ek, m, &g, &mut rng);
            job.levels = Some(DecompositionLevelCount(used));
            job
        })
        .collect();
    let expected: Vec<_> = jobs
        .iter()
        .map(|job| single(&key_of_fewer_levels(&ek, job.levels.unwrap().0), job))
        .collect();
    // Alone (the scratch of a single bootstrap), then all together in one batch.
    for (job, expected) in jobs.iter_mut().zip(&expected) {
        ek.bootstrap_job_alone(job, &mut ek.buffers());
        assert_eq!(
            job.output.as_slice(),
            expected.as_slice(),
            "{}: alone",
            p.name
        );
    }
    ek.bootstrap_batch(&mut jobs, &mut ek.batch_buffers(levels));
    for ((job, expected), &m) in jobs.iter().zip(&expected).zip(&messages) {
        let used = job.levels.unwrap().0;
        assert_eq!(
            job.output.as_slice(),
            expected.as_slice(),
            "{}: {used} of {levels} levels in a mixed batch",
            p.name
        );
        if decrypts(used) {
            assert_eq!(sk.decrypt(&job.output), f(m, modulus), "{}: {used}", p.name);
        }
    }
}

#[test]
fn toy_multi_bit_fewer_levels_match_keys_of_fewer_levels() {
    // TOY: 2^12 × 3; one level (12 bits) is too coarse to decrypt reliably.
    let p = TOY.with_blind_rotation(BlindRotation::MultiBit);
    fewer_levels_match_keys_of_fewer_levels(&p, 19, |used| used >= 2);
}

/// The real set: the sign bootstraps of the networks use 2 of its 4 levels.
#[test]
fn she_mnist_fewer_levels_match_keys_of_fewer_levels() {
    fewer_levels_match_keys_of_fewer_levels(&SHE_MNIST, 23, |used| used >= 2);
}

#[test]
fn toy_multi_bit_batches_are_bit_identical_even_dimension() {
    batches_match_single_bootstraps(&TOY.with_blind_rotation(BlindRotation::MultiBit), 11);
}

#[test]
fn toy_multi_bit_batches_are_bit_identical_odd_dimension() {
    let p = ParameterSet {
        lwe_dimension: LweDimension(TOY.lwe_dimension.0 - 1),
        ..TOY.with_blind_rotation(BlindRotation::MultiBit)
    };
    batches_match_single_bootstraps(&p, 13);
}

#[test]
fn toy_classic_batches_are_bit_identical() {
    assert_eq!(TOY.blind_rotation, BlindRotation::Classic);
    batches_match_single_bootstraps(&TOY, 15);
}

/// The real 128-bit set the networks run on: one batch of three against single bootstraps.
#[test]
fn she_mnist_batch_is_bit_identical() {
    assert_eq!(SHE_MNIST.blind_rotation, BlindRotation::MultiBit);
    let (sk, ek, mut rng) = keys(&SHE_MNIST, 17);
    let modulus = SHE_MNIST.encoding().message_modulus();
    let g = |m| f(m, modulus);
    let mut jobs: Vec<_> = [3, 9, 14]
        .iter()
        .map(|&m| job(&sk, &ek, m, &g, &mut rng))
        .collect();
    let expected: Vec<_> = jobs.iter().map(|job| single(&ek, job)).collect();
    ek.bootstrap_batch(&mut jobs, &mut ek.batch_buffers(3));
    for ((job, expected), m) in jobs.iter().zip(&expected).zip([3, 9, 14]) {
        assert_eq!(job.output.as_slice(), expected.as_slice());
        assert_eq!(sk.decrypt(&job.output), f(m, modulus));
    }
}

/// One chain: `links` bootstraps, each on the key switch of the previous output.
fn chain(
    ek: &EvaluationKeys<u64>,
    start: &BootstrapJob<u64>,
    links: usize,
    bootstrap: &mut dyn FnMut(BootstrapJob<u64>) -> BootstrapJob<u64>,
) -> LweCiphertextOwned<u64> {
    let mut job = start.clone();
    for _ in 0..links {
        job = bootstrap(job);
        let output = job.output.clone();
        ek.keyswitch_key().keyswitch(&mut job.input, &output);
    }
    job.output
}

#[test]
fn batcher_threads_match_sequential_chains() {
    let p = TOY.with_blind_rotation(BlindRotation::MultiBit);
    let (sk, ek, mut rng) = keys(&p, 19);
    let modulus = p.encoding().message_modulus();
    let g = |m| (m + 1) % modulus;
    let starts: Vec<_> = (0..6).map(|m| job(&sk, &ek, m, &g, &mut rng)).collect();
    let expected: Vec<_> = starts
        .iter()
        .map(|start| {
            let mut buffers = ek.buffers();
            chain(&ek, start, 5, &mut |mut job| {
                ek.bootstrap_only(&mut job.output, &job.input, &job.lut, &mut buffers);
                job
            })
        })
        .collect();

    let batcher = BootstrapBatcher::new(&ek, 3);
    let seats: Vec<_> = starts.iter().map(|_| batcher.seat()).collect();
    let actual: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = seats
            .into_iter()
            .zip(&starts)
            .map(|(mut seat, start)| {
                let ek = &ek;
                scope.spawn(move || chain(ek, start, 5, &mut |job| seat.bootstrap(job)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (m, (actual, expected)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(actual.as_slice(), expected.as_slice(), "chain {m}");
        assert_eq!(sk.decrypt(actual), (m as u64 + 5) % modulus, "chain {m}");
    }
}

/// A job the batch rejects (a table of the wrong size) makes its batch's leader panic; the
/// other worker of that batch must panic too, not wait forever for its job.
#[test]
fn a_panicking_batch_does_not_leave_workers_waiting() {
    let p = TOY.with_blind_rotation(BlindRotation::MultiBit);
    let (sk, ek, mut rng) = keys(&p, 23);
    let good = job(&sk, &ek, 1, &|m| m, &mut rng);
    let mut bad = good.clone();
    bad.lut = tfhe_core::bootstrap::LookupTable::zero(torus::PolynomialSize(256));
    let batcher = BootstrapBatcher::new(&ek, 2);
    let seats: Vec<_> = (0..2).map(|_| batcher.seat()).collect();
    let outcomes: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = seats
            .into_iter()
            .zip([good, bad])
            .map(|(mut seat, job)| scope.spawn(move || drop(seat.bootstrap(job))))
            .collect();
        handles.into_iter().map(|h| h.join().is_err()).collect()
    });
    assert_eq!(outcomes, [true, true]);
}
