//! `she bench`: quick medians of the core primitives, for side-by-side comparisons in one run.
//!
//! Each primitive is run a fixed number of times after a warm-up and its median wall time is
//! reported — one thread unless the line says otherwise. `--json` prints one object per line
//! (the DESIGN.md contract):
//!
//! ```text
//! {"primitive":"ks_pbs","params":"MSG2_CARRY2","threads":1,"median_ms":12.34,"samples":30}
//! ```
//!
//! The `*_multi_bit` rows run the same numbers as their `params` with a multi-bit bootstrapping
//! key ([`tfhe_core::params::BlindRotation::MultiBit`]), so both kinds compare in one run.
//!
//! The `pbs_batch_B` rows (`SHE_MNIST`, the networks' set) time one batch of `B` bootstraps
//! sharing a pass over the key ([`EvaluationKeys::bootstrap_batch`]) and report the time **per
//! bootstrap**; the batch sizes are sampled in interleaved rounds, so their ratios compare
//! like with like on a noisy machine. The `pbs_batch_4_levels_L` rows bootstrap with only the
//! first `L` of the key's 4 decomposition levels (the networks' coarse sign bootstraps).

use super::output_error;
use clap::Args;
use dyn_stack::{GlobalPodBuffer, PodStack, ReborrowMut};
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;
use tfhe_core::bootstrap::BlindRotationKey;
use tfhe_core::dimensions::DecompositionLevelCount;
use tfhe_core::fft::c64;
use tfhe_core::gates::Gate;
use tfhe_core::ggsw::{add_external_product_assign, external_product_scratch_requirement};
use tfhe_core::glwe::GlweCiphertext;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::{EvaluationKeyswitchKey, LweCiphertext, LweCiphertextList, LweKeyswitchKey};
use tfhe_core::params::{BlindRotation, ParameterSet, BOOLEAN_128, MSG2_CARRY2, SHE_MNIST};
use torus::{Csprng, EncryptionRng};

/// Arguments of `she bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Only run primitives whose name contains this string.
    #[arg(long)]
    pub filter: Option<String>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One measured primitive.
struct Measurement {
    primitive: &'static str,
    params: &'static str,
    threads: usize,
    median_ms: f64,
    samples: usize,
}

/// Median wall time of `f` in milliseconds over `samples` runs, after `samples / 5 + 1` warm-ups.
fn median_ms(samples: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..samples / 5 + 1 {
        f();
    }
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[samples / 2]
}

/// Runs the benchmark suite, streaming one line per primitive.
pub fn run(args: &BenchArgs, out: &mut dyn Write) -> Result<(), String> {
    let wanted = |name: &str| args.filter.as_deref().is_none_or(|f| name.contains(f));
    let emit = |m: Measurement, out: &mut dyn Write| -> Result<(), String> {
        if args.json {
            writeln!(
                out,
                "{{\"primitive\":\"{}\",\"params\":\"{}\",\"threads\":{},\"median_ms\":{:.4},\"samples\":{}}}",
                m.primitive, m.params, m.threads, m.median_ms, m.samples
            )
        } else {
            writeln!(
                out,
                "{:<20} {:<12} threads {:>2}  median {:>10.4} ms  ({} samples)",
                m.primitive, m.params, m.threads, m.median_ms, m.samples
            )
        }
        .map_err(output_error)
    };
    if !args.json {
        writeln!(
            out,
            "she bench: medians of wall time on this machine ({} rayon threads available, {} kernels, FFT base kernel {} at N = {})",
            rayon::current_num_threads(),
            tfhe_core::kernels::simd_level(),
            tfhe_core::fft::Fft::new(MSG2_CARRY2.polynomial_size).kernel_name(),
            MSG2_CARRY2.polynomial_size.0
        )
        .map_err(output_error)?;
    }

    let integer_names = [
        "fft_fwd_2048",
        "fft_bwd_2048",
        "external_product",
        "blind_rotate",
        "pbs",
        "ks_pbs",
        "keyswitch",
        "keyswitch_32bit_words",
        "ks_pbs_batch",
    ];
    if integer_names.iter().any(|n| wanted(n)) {
        let p = &MSG2_CARRY2;
        let (sk, ek, mut rng) = keys::<u64>(p)?;
        for m in integer_set(p, &sk, &ek, &mut rng, &wanted) {
            emit(m, out)?;
        }
    }
    if wanted("ks_pbs_multi_bit") {
        // MSG2_CARRY2's numbers with a multi-bit bootstrapping key.
        let p = MSG2_CARRY2.with_blind_rotation(BlindRotation::MultiBit);
        let (sk, ek, mut rng) = keys::<u64>(&p)?;
        let lut = ek
            .lookup_table(|m| (m + 1) % 16)
            .map_err(|e| e.to_string())?;
        let mut buffers = ek.buffers();
        let big = sk.encrypt(5, &mut rng);
        let mut out_ct = LweCiphertext::zero(p.big_lwe_dimension());
        let samples = 20;
        let median = median_ms(samples, || {
            ek.keyswitch_bootstrap(&mut out_ct, &big, &lut, &mut buffers)
        });
        if sk.decrypt(&out_ct) != 6 {
            return Err("ks_pbs_multi_bit returned a wrong result".into());
        }
        emit(
            Measurement {
                primitive: "ks_pbs_multi_bit",
                params: MSG2_CARRY2.name,
                threads: 1,
                median_ms: median,
                samples,
            },
            out,
        )?;
    }
    let batch_rows = BATCH_SIZES
        .iter()
        .filter(|(name, _, _)| wanted(name))
        .count();
    if batch_rows > 0 {
        for m in batched_pbs(&wanted)? {
            emit(m, out)?;
        }
    }
    for (primitive, p) in [
        ("gate_nand", BOOLEAN_128),
        (
            "gate_nand_multi_bit",
            BOOLEAN_128.with_blind_rotation(BlindRotation::MultiBit),
        ),
    ] {
        if !wanted(primitive) {
            continue;
        }
        let (sk, ek, mut rng) = keys::<u32>(&p)?;
        let a = sk.encrypt_bool(true, &mut rng);
        let b = sk.encrypt_bool(false, &mut rng);
        let mut buffers = ek.buffers();
        let samples = 20;
        let median = median_ms(samples, || {
            black_box(ek.gate(Gate::Nand, &a, &b, &mut buffers));
        });
        if !sk.decrypt_bool(&ek.gate(Gate::Nand, &a, &b, &mut buffers)) {
            return Err(format!("{primitive} returned a wrong result"));
        }
        emit(
            Measurement {
                primitive,
                params: BOOLEAN_128.name,
                threads: 1,
                median_ms: median,
                samples,
            },
            out,
        )?;
    }
    Ok(())
}

type Keys<T> = (SecretKeys<T>, EvaluationKeys<T>, EncryptionRng);

fn keys<T: torus::Torus>(p: &ParameterSet) -> Result<Keys<T>, String> {
    let sk =
        SecretKeys::<T>::generate(p, &mut Csprng::from_os_entropy()).map_err(|e| e.to_string())?;
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk
        .generate_evaluation_keys(&mut rng)
        .map_err(|e| e.to_string())?;
    Ok((sk, ek, rng))
}

/// The primitives of the 64-bit integer set.
fn integer_set(
    p: &'static ParameterSet,
    sk: &SecretKeys<u64>,
    ek: &EvaluationKeys<u64>,
    rng: &mut EncryptionRng,
    wanted: &dyn Fn(&str) -> bool,
) -> Vec<Measurement> {
    let mut results = Vec::new();
    let mut record = |primitive: &'static str, threads: usize, samples: usize, median_ms: f64| {
        results.push(Measurement {
            primitive,
            params: p.name,
            threads,
            median_ms,
            samples,
        })
    };
    let fft = ek.fft();
    let n = p.polynomial_size.0;
    let bsk = ek.bootstrap_key();
    let req = bsk.blind_rotate_scratch_requirement(fft).expect("fits");
    let req = dyn_stack::StackReq::any_of([
        req,
        external_product_scratch_requirement::<u64>(2, 1, fft).expect("fits"),
    ]);
    let mut mem = GlobalPodBuffer::new(req);
    let mut stack = PodStack::new(&mut mem);
    let mut poly = vec![0u64; n];
    rng.mask().fill_uniform(&mut poly);
    let mut fourier = vec![c64::default(); n / 2];
    if wanted("fft_fwd_2048") {
        let m = median_ms(200, || {
            fft.forward_as_torus(&mut fourier, &poly, stack.rb_mut())
        });
        record("fft_fwd_2048", 1, 200, m);
    }
    if wanted("fft_bwd_2048") {
        let m = median_ms(200, || {
            fft.backward_as_torus(&mut poly, &mut fourier, stack.rb_mut())
        });
        record("fft_bwd_2048", 1, 200, m);
    }
    let mut glwe = GlweCiphertext::<Vec<u64>>::zero(p.glwe_dimension, p.polynomial_size);
    rng.mask().fill_uniform(glwe.as_mut_slice());
    let mut acc = glwe.clone();
    if wanted("external_product") {
        let m = median_ms(200, || {
            add_external_product_assign(&mut acc, &bsk.ggsws()[0], &glwe, fft, stack.rb_mut())
        });
        record("external_product", 1, 200, m);
    }
    let small = sk
        .small_lwe_key()
        .encrypt(p.encoding().encode(3), p.lwe_noise, rng);
    if wanted("blind_rotate") {
        let m = median_ms(20, || {
            bsk.blind_rotate_assign(&mut acc, small.mask(), fft, stack.rb_mut())
        });
        record("blind_rotate", 1, 20, m);
    }
    let lut = ek.lookup_table(|m| (m + 1) % 16).expect("fits");
    let mut buffers = ek.buffers();
    let mut big_out = LweCiphertext::zero(p.big_lwe_dimension());
    if wanted("pbs") {
        let m = median_ms(20, || {
            ek.bootstrap_only(&mut big_out, &small, &lut, &mut buffers)
        });
        record("pbs", 1, 20, m);
    }
    let big = sk.encrypt(5, rng);
    if wanted("ks_pbs") {
        let m = median_ms(20, || {
            ek.keyswitch_bootstrap(&mut big_out, &big, &lut, &mut buffers)
        });
        record("ks_pbs", 1, 20, m);
    }
    if wanted("keyswitch") {
        let mut small_out = LweCiphertext::zero(p.lwe_dimension);
        let m = median_ms(50, || ek.keyswitch_key().keyswitch(&mut small_out, &big));
        record("keyswitch", 1, 50, m);
    }
    // The same key rounded to 32-bit words, as `SHE_MNIST` (same key-switching numbers) stores it.
    if let (true, EvaluationKeyswitchKey::Native(native)) =
        (wanted("keyswitch_32bit_words"), ek.keyswitch_key())
    {
        let rounded = LweKeyswitchKey::rounded_from(native).expect("2^4 x 4 fits 32 bits");
        let mut small_out = LweCiphertext::zero(p.lwe_dimension);
        let m = median_ms(50, || rounded.keyswitch_from_wider(&mut small_out, &big));
        record("keyswitch_32bit_words", 1, 50, m);
    }
    if wanted("ks_pbs_batch") {
        let threads = rayon::current_num_threads();
        let count = 4 * threads;
        let mut inputs = LweCiphertextList::<Vec<u64>>::zero(count, p.big_lwe_dimension());
        for mut ct in inputs.iter_mut() {
            ct.copy_from(&sk.encrypt(1, rng));
        }
        let mut outputs = LweCiphertextList::<Vec<u64>>::zero(count, p.big_lwe_dimension());
        // Per ciphertext: the batch's median wall time divided by its size (throughput).
        let m = median_ms(5, || ek.par_bootstrap(&mut outputs, &inputs, &lut));
        record("ks_pbs_batch", threads, 5, m / count as f64);
    }
    results
}

/// The batch sizes of the `pbs_batch_B` rows, and the decomposition levels their bootstraps use
/// (`None`: all of the key's; `pbs_batch_4_levels_L`: the first `L` of its 4, as the networks'
/// coarse sign bootstraps do, [`tfhe_core::wide::WindowNoise`]).
const BATCH_SIZES: [(&str, usize, Option<usize>); 6] = [
    ("pbs_batch_1", 1, None),
    ("pbs_batch_2", 2, None),
    ("pbs_batch_4", 4, None),
    ("pbs_batch_8", 8, None),
    ("pbs_batch_4_levels_3", 4, Some(3)),
    ("pbs_batch_4_levels_2", 4, Some(2)),
];

/// Per-bootstrap medians of batches of `B` bootstraps at `SHE_MNIST`, one thread, the sizes
/// interleaved round by round; every output decrypted and checked.
fn batched_pbs(wanted: &dyn Fn(&str) -> bool) -> Result<Vec<Measurement>, String> {
    let p = &SHE_MNIST;
    let (sk, ek, mut rng) = keys::<u64>(p)?;
    let modulus = p.encoding().message_modulus();
    let sizes: Vec<_> = BATCH_SIZES.iter().filter(|(n, _, _)| wanted(n)).collect();
    let largest = sizes.iter().map(|(_, b, _)| *b).max().unwrap_or(1);
    let mut buffers = ek.batch_buffers(largest);
    let mut jobs: Vec<_> = (0..largest as u64)
        .map(|m| {
            let mut job = ek.bootstrap_job();
            ek.keyswitch_key()
                .keyswitch(&mut job.input, &sk.encrypt(m % modulus, &mut rng));
            job.lut = ek.lookup_table(|m| (m + 1) % modulus)?;
            Ok(job)
        })
        .collect::<Result<_, tfhe_core::TfheError>>()
        .map_err(|e| e.to_string())?;
    let rounds = 9;
    let mut times = vec![Vec::with_capacity(rounds); sizes.len()];
    for round in 0..=rounds {
        for (i, (_, batch, levels)) in sizes.iter().enumerate() {
            for job in &mut jobs[..*batch] {
                job.levels = levels.map(DecompositionLevelCount);
            }
            let t = Instant::now();
            ek.bootstrap_batch(&mut jobs[..*batch], &mut buffers);
            let per_bootstrap = t.elapsed().as_secs_f64() * 1e3 / *batch as f64;
            if round > 0 {
                // Round 0 warms up.
                times[i].push(per_bootstrap);
            }
            for (m, job) in jobs[..*batch].iter().enumerate() {
                if sk.decrypt(&job.output) != (m as u64 + 1) % modulus {
                    return Err(format!("pbs_batch_{batch} returned a wrong result"));
                }
            }
        }
    }
    Ok(sizes
        .iter()
        .zip(times)
        .map(|((primitive, _, _), mut t)| {
            t.sort_by(f64::total_cmp);
            Measurement {
                primitive,
                params: p.name,
                threads: 1,
                median_ms: t[t.len() / 2],
                samples: t.len(),
            }
        })
        .collect())
}
