//! Side-by-side benchmark of this project ("she-rs") against TFHE-rs 1.8.2 at identical
//! parameters, measured in one process so that the ratios survive a noisy shared machine.
//!
//! Run with `cargo bench -p she-benches --features tfhe-rs --bench vs_tfhe_rs` (add `-- --json`
//! for one JSON object per line instead of the table). The feature is off by default, so TFHE-rs
//! is never built by the ordinary workspace commands.
//!
//! # What is compared
//!
//! 1. **KS + PBS at `MSG2_CARRY2`** (64-bit torus, `n = 918`, `k = 1`, `N = 2048`, PBS `2^23 × 1`,
//!    KS `2^4 × 4`, TUniform `2^45` / `2^17`, 2 message + 2 carry bits, ciphertexts under the big
//!    key so one key switch then one bootstrap). she-rs: [`EvaluationKeys::bootstrap_into`].
//!    TFHE-rs: `shortint::ServerKey::apply_lookup_table_assign` with a custom
//!    `ClassicPBSParameters` holding exactly these numbers, `EncryptionKeyChoice::Big` and the
//!    *standard* modulus switch (no drift / centred-mean noise reduction), so that it runs one
//!    plain key switch and one plain PBS and no carry cleaning. For information only, the stock
//!    `PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128` (same numbers, centred-mean modulus switch) is
//!    measured in the same rounds; it is not part of the ratio.
//! 2. **A NAND gate at TFHE-rs boolean `DEFAULT_PARAMETERS`** (32-bit torus, `n = 805`, `k = 3`,
//!    `N = 512`, PBS `2^10 × 2`, KS `2^3 × 5`, Gaussian noise, bootstrap then key switch), which
//!    is this project's `BOOLEAN_128`. she-rs: [`EvaluationKeys::gate`] with [`Gate::Nand`].
//!    TFHE-rs: `boolean::ServerKey::nand`. Both are the libraries' public one-gate calls: linear
//!    combination, sign lookup table filled, one PBS, one key switch, a freshly allocated output.
//!
//! # How
//!
//! Keys are generated first (on every core, untimed). The timed operations are single-threaded
//! in both libraries (neither a key switch nor a classic PBS of one ciphertext spawns work); to
//! make sure, every timed call runs inside a one-thread rayon pool (`RAYON_NUM_THREADS` alone
//! would not bind TFHE-rs's internals). Each contender is warmed up [`WARMUP`] times, then the
//! rounds interleave the contenders, one call each per round, with the starting contender rotated
//! from round to round, so that machine noise and cache effects hit all of them alike. Each call
//! gets a fresh encryption of a message that cycles through the whole message space (encrypted
//! before the timer starts), and every result — warm-ups included — is decrypted and compared
//! with the clear computation; a wrong result aborts the benchmark. Reported: median and minimum
//! per contender, the ratio of the medians (she-rs / TFHE-rs) and the median of the per-round
//! ratios.

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tfhe::boolean::prelude::{
    BinaryBooleanGates, ClientKey as BooleanClientKey, ServerKey as BooleanServerKey,
    DEFAULT_PARAMETERS,
};
use tfhe::shortint::parameters::{
    CarryModulus, CiphertextModulus, ClassicPBSParameters, DecompositionBaseLog,
    DecompositionLevelCount, DynamicDistribution, EncryptionKeyChoice, GlweDimension, LweDimension,
    MaxNoiseLevel, MessageModulus, ModulusSwitchType, PolynomialSize,
    PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128,
};
use tfhe_core::gates::Gate;
use tfhe_core::keys::{BootstrapBuffers, EvaluationKeys, SecretKeys};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextOwned};
use tfhe_core::params::{BlindRotation, ParameterSet, BOOLEAN_128, MSG2_CARRY2};
use torus::{Csprng, EncryptionRng};

/// Untimed calls of each contender before the rounds.
const WARMUP: usize = 5;
/// Interleaved rounds of KS + PBS.
const KS_PBS_ROUNDS: usize = 30;
/// Interleaved rounds of NAND gates.
const GATE_ROUNDS: usize = 50;
/// The TFHE-rs version this benchmark pins (`=1.8.2` in `Cargo.toml`).
const TFHE_RS: &str = "tfhe-rs 1.8.2";
/// The label of this project.
const SHE_RS: &str = "she-rs";
/// The same calls with the SIMD kernels switched off (`tfhe_core::kernels::set_simd_enabled(false)`).
const SHE_RS_SCALAR: &str = "she-rs, portable kernels";
/// The same calls with a multi-bit bootstrapping key (grouping factor 2, same parameters).
const SHE_RS_MULTI_BIT: &str = "she-rs, multi-bit key (grouping 2)";

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The programmable function of the KS + PBS benchmark, over the 4-bit message-and-carry space.
fn f(m: u64) -> u64 {
    (m * m + 1) % 16
}

/// The message of round `i` (the whole 4-bit space, cyclically).
fn message(i: usize) -> u64 {
    (i % 16) as u64
}

/// The NAND inputs of round `i` (all four pairs, cyclically).
fn gate_inputs(i: usize) -> (bool, bool) {
    (i & 1 == 1, i & 2 == 2)
}

/// One side of a comparison: `run` encrypts the input of call `i` (untimed), times the operation
/// alone, decrypts and checks the result, and returns the time or why the result was wrong.
struct Contender<'a> {
    library: &'static str,
    /// Whether the contender takes part in the ratio (informational rows do not).
    in_ratio: bool,
    run: Box<dyn FnMut(usize) -> Result<Duration, String> + Send + 'a>,
}

/// The timings of one contender.
struct Series {
    library: &'static str,
    in_ratio: bool,
    samples: Vec<Duration>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Warms every contender up, then runs `rounds` interleaved rounds, rotating who goes first, on
/// one thread.
fn interleave(
    pool: &rayon::ThreadPool,
    contenders: &mut [Contender<'_>],
    rounds: usize,
) -> Result<Vec<Series>, String> {
    pool.install(|| {
        for contender in contenders.iter_mut() {
            for i in 0..WARMUP {
                (contender.run)(i)
                    .map_err(|e| format!("{} (warm-up {i}): {e}", contender.library))?;
            }
        }
        let mut samples = vec![Vec::with_capacity(rounds); contenders.len()];
        for round in 0..rounds {
            for offset in 0..contenders.len() {
                let which = (round + offset) % contenders.len();
                let contender = &mut contenders[which];
                let time = (contender.run)(WARMUP + round)
                    .map_err(|e| format!("{} (round {round}): {e}", contender.library))?;
                samples[which].push(time);
            }
        }
        Ok(contenders
            .iter()
            .zip(samples)
            .map(|(c, samples)| Series {
                library: c.library,
                in_ratio: c.in_ratio,
                samples,
            })
            .collect())
    })
}

/// she-rs against TFHE-rs (the first two series, which are the ratio's): ratio of the medians and
/// median of the per-round ratios.
fn ratios(series: &[Series]) -> (f64, f64) {
    debug_assert!(series[0].in_ratio && series[1].in_ratio);
    ratios_of(&series[0], &series[1])
}

/// Ratio of the medians and median of the per-round ratios of `ours` against `theirs`.
fn ratios_of(ours: &Series, theirs: &Series) -> (f64, f64) {
    let of_medians = ms(median(&ours.samples)) / ms(median(&theirs.samples));
    let mut per_round: Vec<f64> = ours
        .samples
        .iter()
        .zip(&theirs.samples)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    (of_medians, median_f64(&mut per_round))
}

fn report(primitive: &str, params: &ParameterSet, series: &[Series], json: bool) {
    let (of_medians, per_round) = ratios(series);
    if json {
        for s in series {
            println!(
                "{{\"primitive\":\"{primitive}\",\"params\":\"{}\",\"library\":\"{}\",\
                 \"in_ratio\":{},\"threads\":1,\"median_ms\":{:.4},\"min_ms\":{:.4},\"samples\":{}}}",
                params.name,
                s.library,
                s.in_ratio,
                ms(median(&s.samples)),
                ms(*s.samples.iter().min().expect("at least one round")),
                s.samples.len()
            );
        }
        println!(
            "{{\"primitive\":\"{primitive}\",\"params\":\"{}\",\"ratio\":\"{SHE_RS} / {TFHE_RS}\",\
             \"ratio_of_medians\":{of_medians:.4},\"median_of_round_ratios\":{per_round:.4}}}",
            params.name
        );
        for s in other_she_rs(series) {
            let (of_medians, per_round) = ratios_of(s, &series[1]);
            println!(
                "{{\"primitive\":\"{primitive}\",\"params\":\"{}\",\"ratio\":\"{} / {TFHE_RS}\",\
                 \"ratio_of_medians\":{of_medians:.4},\"median_of_round_ratios\":{per_round:.4}}}",
                params.name, s.library
            );
        }
        return;
    }
    let label = |s: &Series| {
        if s.in_ratio {
            s.library.to_string()
        } else {
            format!("{} [not in ratio]", s.library)
        }
    };
    let width = series.iter().map(|s| label(s).len()).max().unwrap_or(0);
    println!(
        "  {:<width$} {:>10} {:>10} {:>8}",
        "library", "median ms", "min ms", "samples"
    );
    for s in series {
        println!(
            "  {:<width$} {:>10.3} {:>10.3} {:>8}",
            label(s),
            ms(median(&s.samples)),
            ms(*s.samples.iter().min().expect("at least one round")),
            s.samples.len()
        );
    }
    println!(
        "  ratio {SHE_RS} / {TFHE_RS}: {of_medians:.3} (ratio of medians), {per_round:.3} (median of per-round ratios)"
    );
    for s in other_she_rs(series) {
        let (of_medians, per_round) = ratios_of(s, &series[1]);
        println!(
            "  ratio {} / {TFHE_RS}: {of_medians:.3} (ratio of medians), {per_round:.3} (median of per-round ratios)",
            s.library
        );
    }
}

/// The informational she-rs rows (portable kernels, multi-bit key), each also compared with
/// TFHE-rs's classic bootstrap.
fn other_she_rs(series: &[Series]) -> impl Iterator<Item = &Series> {
    series[2..].iter().filter(|s| s.library.starts_with(SHE_RS))
}

/// KS + PBS at `MSG2_CARRY2` through both libraries.
fn ks_pbs(pool: &rayon::ThreadPool, json: bool) -> BenchResult<Vec<Series>> {
    let p = &MSG2_CARRY2;

    // she-rs.
    let start = Instant::now();
    let sk = SecretKeys::<u64>::generate(p, &mut Csprng::from_os_entropy())?;
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng)?;
    let ours_keygen = start.elapsed();
    let lut = ek.lookup_table(f)?;
    let mut buffers = ek.buffers();
    let mut out = LweCiphertext::zero(p.big_lwe_dimension());
    // The same keys through the portable kernels (SIMD switched off for that call only).
    let mut scalar_rng = EncryptionRng::from_os_entropy();
    let mut scalar_buffers = ek.buffers();
    let mut scalar_out = LweCiphertext::zero(p.big_lwe_dimension());
    // The set's multi-bit variant (same numbers, multi-bit bootstrapping key).
    let multi_bit_sk = SecretKeys::<u64>::generate(
        &p.with_blind_rotation(BlindRotation::MultiBit),
        &mut Csprng::from_os_entropy(),
    )?;
    let mut multi_bit_rng = EncryptionRng::from_os_entropy();
    let multi_bit_ek = multi_bit_sk.generate_evaluation_keys(&mut multi_bit_rng)?;
    let mut multi_bit_buffers = multi_bit_ek.buffers();
    let mut multi_bit_out = LweCiphertext::zero(p.big_lwe_dimension());

    // TFHE-rs, at exactly the same numbers, plain KS + PBS.
    let same = tfhe_rs_msg2_carry2();
    let start = Instant::now();
    let (their_ck, their_sk) = tfhe::shortint::gen_keys(same);
    let theirs_keygen = start.elapsed();
    let their_lut = their_sk.generate_lookup_table(f);

    // TFHE-rs's stock set (same numbers, centred-mean modulus switch), for information.
    let (stock_ck, stock_sk) =
        tfhe::shortint::gen_keys(PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128);
    let stock_lut = stock_sk.generate_lookup_table(f);

    if !json {
        println!();
        println!("KS + PBS, f(m) = m² + 1 mod 16 over all 16 messages: {p}");
        println!(
            "  keygen (untimed setup, all cores): {SHE_RS} {:.0} ms, {TFHE_RS} {:.0} ms",
            ms(ours_keygen),
            ms(theirs_keygen)
        );
    }

    let check = |m: u64, got: u64| {
        if got == f(m) {
            Ok(())
        } else {
            Err(format!("f({m}) decrypted to {got}, expected {}", f(m)))
        }
    };
    let mut contenders = [
        Contender {
            library: SHE_RS,
            in_ratio: true,
            run: Box::new(|i| {
                let m = message(i);
                let input = sk.encrypt(m, &mut rng);
                let start = Instant::now();
                ek.bootstrap_into(&mut out, &input, &lut, &mut buffers);
                let time = start.elapsed();
                check(m, sk.decrypt(&out)).map(|()| time)
            }),
        },
        Contender {
            library: TFHE_RS,
            in_ratio: true,
            run: Box::new(|i| {
                let m = message(i);
                let mut ct = their_ck.unchecked_encrypt(m);
                let start = Instant::now();
                their_sk.apply_lookup_table_assign(&mut ct, &their_lut);
                let time = start.elapsed();
                check(m, their_ck.decrypt_message_and_carry(&ct)).map(|()| time)
            }),
        },
        Contender {
            library: "tfhe-rs 1.8.2, stock set (centred-mean mod switch)",
            in_ratio: false,
            run: Box::new(|i| {
                let m = message(i);
                let mut ct = stock_ck.unchecked_encrypt(m);
                let start = Instant::now();
                stock_sk.apply_lookup_table_assign(&mut ct, &stock_lut);
                let time = start.elapsed();
                check(m, stock_ck.decrypt_message_and_carry(&ct)).map(|()| time)
            }),
        },
        Contender {
            library: SHE_RS_SCALAR,
            in_ratio: false,
            run: Box::new(|i| {
                let m = message(i);
                let input = sk.encrypt(m, &mut scalar_rng);
                tfhe_core::kernels::set_simd_enabled(false);
                let start = Instant::now();
                ek.bootstrap_into(&mut scalar_out, &input, &lut, &mut scalar_buffers);
                let time = start.elapsed();
                tfhe_core::kernels::set_simd_enabled(true);
                check(m, sk.decrypt(&scalar_out)).map(|()| time)
            }),
        },
        Contender {
            library: SHE_RS_MULTI_BIT,
            in_ratio: false,
            run: Box::new(|i| {
                let m = message(i);
                let input = multi_bit_sk.encrypt(m, &mut multi_bit_rng);
                let start = Instant::now();
                multi_bit_ek.bootstrap_into(
                    &mut multi_bit_out,
                    &input,
                    &lut,
                    &mut multi_bit_buffers,
                );
                let time = start.elapsed();
                check(m, multi_bit_sk.decrypt(&multi_bit_out)).map(|()| time)
            }),
        },
    ];
    Ok(interleave(pool, &mut contenders, KS_PBS_ROUNDS)?)
}

/// TFHE-rs shortint parameters with exactly the numbers of [`MSG2_CARRY2`] and the plain
/// (standard) modulus switch: one key switch and one classic PBS per lookup table.
fn tfhe_rs_msg2_carry2() -> ClassicPBSParameters {
    let p = &MSG2_CARRY2;
    let tuniform = |noise| match noise {
        torus::NoiseDistribution::TUniform { bound_log2 } => {
            DynamicDistribution::new_t_uniform(bound_log2)
        }
        other => panic!("MSG2_CARRY2 uses TUniform noise, found {other:?}"),
    };
    ClassicPBSParameters {
        lwe_dimension: LweDimension(p.lwe_dimension.0),
        glwe_dimension: GlweDimension(p.glwe_dimension.0),
        polynomial_size: PolynomialSize(p.polynomial_size.0),
        lwe_noise_distribution: tuniform(p.lwe_noise),
        glwe_noise_distribution: tuniform(p.glwe_noise),
        pbs_base_log: DecompositionBaseLog(p.pbs_base_log.0 as usize),
        pbs_level: DecompositionLevelCount(p.pbs_level_count.0),
        ks_base_log: DecompositionBaseLog(p.ks_base_log.0 as usize),
        ks_level: DecompositionLevelCount(p.ks_level_count.0),
        // 2 message bits and 2 carry bits: the 4 message bits of `MSG2_CARRY2`.
        message_modulus: MessageModulus(4),
        carry_modulus: CarryModulus(4),
        // As TFHE-rs's own set; only checked by its `checked_*` operations, not used here.
        max_noise_level: MaxNoiseLevel::new(5),
        // Metadata only (TFHE-rs's published -129.58 relies on the centred-mean modulus switch);
        // this is this project's noise model with the standard switch.
        log2_p_fail: -73.5,
        ciphertext_modulus: CiphertextModulus::new_native(),
        encryption_key_choice: EncryptionKeyChoice::Big,
        modulus_switch_noise_reduction_params: ModulusSwitchType::Standard,
    }
}

/// A NAND gate at `BOOLEAN_128` / TFHE-rs boolean `DEFAULT_PARAMETERS` through both libraries.
fn nand(pool: &rayon::ThreadPool, json: bool) -> BenchResult<Vec<Series>> {
    let p = &BOOLEAN_128;

    let start = Instant::now();
    let sk = SecretKeys::<u32>::generate(p, &mut Csprng::from_os_entropy())?;
    let mut rng = EncryptionRng::from_os_entropy();
    let ek: EvaluationKeys<u32> = sk.generate_evaluation_keys(&mut rng)?;
    let ours_keygen = start.elapsed();
    let mut buffers: BootstrapBuffers<u32> = ek.buffers();
    let mut scalar_rng = EncryptionRng::from_os_entropy();
    let mut scalar_buffers: BootstrapBuffers<u32> = ek.buffers();
    let multi_bit_sk = SecretKeys::<u32>::generate(
        &p.with_blind_rotation(BlindRotation::MultiBit),
        &mut Csprng::from_os_entropy(),
    )?;
    let mut multi_bit_rng = EncryptionRng::from_os_entropy();
    let multi_bit_ek = multi_bit_sk.generate_evaluation_keys(&mut multi_bit_rng)?;
    let mut multi_bit_buffers: BootstrapBuffers<u32> = multi_bit_ek.buffers();

    let start = Instant::now();
    let their_ck = BooleanClientKey::new(&DEFAULT_PARAMETERS);
    let their_sk = BooleanServerKey::new(&their_ck);
    let theirs_keygen = start.elapsed();

    if !json {
        println!();
        println!("NAND gate, all four input pairs: {p} (= TFHE-rs boolean DEFAULT_PARAMETERS)");
        println!(
            "  keygen (untimed setup, all cores): {SHE_RS} {:.0} ms, {TFHE_RS} {:.0} ms",
            ms(ours_keygen),
            ms(theirs_keygen)
        );
    }

    let check = |(a, b): (bool, bool), got: bool| {
        if got == Gate::Nand.eval(a, b) {
            Ok(())
        } else {
            Err(format!("NAND({a}, {b}) decrypted to {got}"))
        }
    };
    let mut contenders = [
        Contender {
            library: SHE_RS,
            in_ratio: true,
            run: Box::new(|i| {
                let (a, b) = gate_inputs(i);
                let (ca, cb): (LweCiphertextOwned<u32>, _) =
                    (sk.encrypt_bool(a, &mut rng), sk.encrypt_bool(b, &mut rng));
                let start = Instant::now();
                let out = ek.gate(Gate::Nand, &ca, &cb, &mut buffers);
                let time = start.elapsed();
                check((a, b), sk.decrypt_bool(&out)).map(|()| time)
            }),
        },
        Contender {
            library: TFHE_RS,
            in_ratio: true,
            run: Box::new(|i| {
                let (a, b) = gate_inputs(i);
                let (ca, cb) = (their_ck.encrypt(a), their_ck.encrypt(b));
                let start = Instant::now();
                let out = their_sk.nand(&ca, &cb);
                let time = start.elapsed();
                check((a, b), their_ck.decrypt(&out)).map(|()| time)
            }),
        },
        Contender {
            library: SHE_RS_SCALAR,
            in_ratio: false,
            run: Box::new(|i| {
                let (a, b) = gate_inputs(i);
                let (ca, cb): (LweCiphertextOwned<u32>, _) = (
                    sk.encrypt_bool(a, &mut scalar_rng),
                    sk.encrypt_bool(b, &mut scalar_rng),
                );
                tfhe_core::kernels::set_simd_enabled(false);
                let start = Instant::now();
                let out = ek.gate(Gate::Nand, &ca, &cb, &mut scalar_buffers);
                let time = start.elapsed();
                tfhe_core::kernels::set_simd_enabled(true);
                check((a, b), sk.decrypt_bool(&out)).map(|()| time)
            }),
        },
        Contender {
            library: SHE_RS_MULTI_BIT,
            in_ratio: false,
            run: Box::new(|i| {
                let (a, b) = gate_inputs(i);
                let (ca, cb): (LweCiphertextOwned<u32>, _) = (
                    multi_bit_sk.encrypt_bool(a, &mut multi_bit_rng),
                    multi_bit_sk.encrypt_bool(b, &mut multi_bit_rng),
                );
                let start = Instant::now();
                let out = multi_bit_ek.gate(Gate::Nand, &ca, &cb, &mut multi_bit_buffers);
                let time = start.elapsed();
                check((a, b), multi_bit_sk.decrypt_bool(&out)).map(|()| time)
            }),
        },
    ];
    Ok(interleave(pool, &mut contenders, GATE_ROUNDS)?)
}

/// `YYYY-MM-DD HH:MM:SS UTC` from the system clock (civil-from-days, proleptic Gregorian).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_string(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn cpu_features() -> String {
    let mut s = String::new();
    #[cfg(target_arch = "x86_64")]
    {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let _ = write!(
            s,
            "AVX2 {}, FMA {}, AVX-512F {}",
            yes_no(std::is_x86_feature_detected!("avx2")),
            yes_no(std::is_x86_feature_detected!("fma")),
            yes_no(std::is_x86_feature_detected!("avx512f"))
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    s.push_str("not x86_64");
    s
}

/// The build profile, as far as the binary can tell: `cargo bench` uses the `bench` profile
/// (workspace: inherits `release`, lto = fat, codegen-units = 1, opt-level = 3) unless overridden
/// through `CARGO_PROFILE_BENCH_*` variables, which are captured here at compile time.
fn profile() -> String {
    format!(
        "bench (inherits release) — opt-level {}, lto {}, codegen-units {}, debug assertions {}",
        option_env!("CARGO_PROFILE_BENCH_OPT_LEVEL").unwrap_or("3"),
        option_env!("CARGO_PROFILE_BENCH_LTO").unwrap_or("fat"),
        option_env!("CARGO_PROFILE_BENCH_CODEGEN_UNITS").unwrap_or("1"),
        if cfg!(debug_assertions) { "on" } else { "off" }
    )
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; every other argument but `--json` is ignored.
    let json = std::env::args().any(|a| a == "--json");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;

    let header = [
        ("cpu", format!("{} ({cores} logical CPUs)", cpu_model())),
        ("features", cpu_features()),
        (
            "she-rs kernels",
            tfhe_core::kernels::simd_level().to_string(),
        ),
        ("date", utc_now()),
        ("load average at start", load_average()),
        ("profile", profile()),
    ];
    if json {
        let mut line = String::from("{\"environment\":true");
        for (k, v) in &header {
            let _ = write!(
                line,
                ",\"{}\":\"{}\"",
                k.replace(' ', "_"),
                v.replace('"', "'")
            );
        }
        println!("{line}}}");
    } else {
        println!("{SHE_RS} vs {TFHE_RS}: identical parameters, one process, interleaved rounds");
        for (k, v) in &header {
            println!("  {k}: {v}");
        }
        println!(
            "  method: {WARMUP} checked warm-ups each, then interleaved rounds (starting contender \
             rotated), one thread per operation, every result decrypted and checked"
        );
    }

    let series = ks_pbs(&pool, json)?;
    report("ks_pbs", &MSG2_CARRY2, &series, json);
    let series = nand(&pool, json)?;
    report("nand", &BOOLEAN_128, &series, json);

    if json {
        println!(
            "{{\"environment\":true,\"load_average_at_end\":\"{}\"}}",
            load_average()
        );
    } else {
        println!();
        println!("  load average at end: {}", load_average());
    }
    Ok(())
}
