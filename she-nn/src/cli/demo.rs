//! `she demo`: the main job. Until the encrypted network lands it shows the TFHE core at the
//! real 128-bit set `MSG2_CARRY2`, split as it will be used: the client generates keys and
//! encrypts, the server (holding evaluation keys only) key switches and bootstraps every
//! message through a function, and the client decrypts.

use super::output_error;
use clap::Args;
use std::io::Write;
use std::time::{Duration, Instant};
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::LweCiphertextList;
use tfhe_core::noise;
use tfhe_core::params::{self, ParameterSet};
use torus::{Csprng, EncryptionRng};

/// Arguments of `she demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Parameter set to run at: MSG2_CARRY2 (128-bit) or TOY (insecure, for quick checks).
    #[arg(long, default_value = "MSG2_CARRY2")]
    pub params: String,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// What the server returns: the results, the one-thread latency of each, the batch time.
struct ServerRun {
    outputs: LweCiphertextList<Vec<u64>>,
    latencies: Vec<Duration>,
    batch_time: Duration,
}

/// The server's side: it sees evaluation keys and ciphertexts, nothing else.
fn server_bootstrap(
    keys: &EvaluationKeys<u64>,
    inputs: &LweCiphertextList<Vec<u64>>,
    f: impl Fn(u64) -> u64,
) -> Result<ServerRun, String> {
    let lut = keys.lookup_table(f).map_err(|e| e.to_string())?;
    let mut outputs = LweCiphertextList::<Vec<u64>>::zero(inputs.len(), inputs.lwe_dimension());
    // One thread, one ciphertext at a time: the latency of KS + PBS.
    let mut buffers = keys.buffers();
    let mut latencies = Vec::with_capacity(inputs.len());
    for (i, mut out) in outputs.iter_mut().enumerate() {
        let t = Instant::now();
        keys.bootstrap_into(&mut out, &inputs.get(i), &lut, &mut buffers);
        latencies.push(t.elapsed());
    }
    // All cores over the batch: the throughput.
    let t = Instant::now();
    let mut batch = LweCiphertextList::<Vec<u64>>::zero(inputs.len(), inputs.lwe_dimension());
    keys.par_bootstrap(&mut batch, inputs, &lut);
    let batch_time = t.elapsed();
    if batch != outputs {
        return Err("batched and one-by-one bootstraps disagree".into());
    }
    Ok(ServerRun {
        outputs,
        latencies,
        batch_time,
    })
}

/// Runs the demo, printing each step and its duration.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<(), String> {
    let p: &ParameterSet = params::by_name(&args.params)
        .filter(|p| p.torus_bits == 64)
        .ok_or_else(|| {
            format!(
                "unknown parameter set '{}' for the demo (use MSG2_CARRY2 or TOY)",
                args.params
            )
        })?;
    let security = if p.is_insecure() {
        "INSECURE, for tests only".to_string()
    } else if p.meets_128_bit_curve() {
        "128-bit, checked against the secure-noise curve".to_string()
    } else {
        return Err(format!("{} fails the 128-bit curve check", p.name));
    };
    let report = noise::bootstrap_noise(p);
    writeln!(
        out,
        "SHE demo — programmable bootstrapping at {} ({security})",
        p.name
    )
    .map_err(output_error)?;
    writeln!(
        out,
        "  {p}; p_fail per PBS = 2^{:.1}",
        report.log2_failure_probability
    )
    .map_err(output_error)?;

    // Client: keys from the OS-seeded CSPRNG.
    let t = Instant::now();
    let client = SecretKeys::<u64>::generate(p, &mut Csprng::from_os_entropy())
        .map_err(|e| e.to_string())?;
    let mut rng = EncryptionRng::from_os_entropy();
    let server_keys = client
        .generate_evaluation_keys(&mut rng)
        .map_err(|e| e.to_string())?;
    writeln!(out,
        "1. client keygen: {} (bootstrapping key {:.1} MiB, key-switching key {:.1} MiB, {} threads)",
        ms(t.elapsed()),
        server_keys.bootstrap_key().size_bytes() as f64 / f64::from(1 << 20),
        (server_keys.keyswitch_key().as_slice().len() * 8) as f64 / f64::from(1 << 20),
        rayon::current_num_threads()
    ).map_err(output_error)?;

    let modulus = p.encoding().message_modulus();
    let t = Instant::now();
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(modulus as usize, p.big_lwe_dimension());
    for (m, mut ct) in inputs.iter_mut().enumerate() {
        ct.copy_from(&client.encrypt(m as u64, &mut rng));
    }
    writeln!(
        out,
        "2. client encrypts every message 0..{modulus}: {}",
        ms(t.elapsed())
    )
    .map_err(output_error)?;

    // A non-linear function, the kind a network's activation needs: f(m) = m² + 1 mod p.
    let f = |m: u64| (m * m + 1) % modulus;
    let ServerRun {
        outputs,
        mut latencies,
        batch_time,
    } = server_bootstrap(&server_keys, &inputs, f)?;
    latencies.sort();
    writeln!(out,
        "3. server KS + PBS of f(m) = m² + 1 mod {modulus}: median {} per ciphertext (one thread); batch of {} in {} on {} threads",
        ms(latencies[latencies.len() / 2]),
        inputs.len(),
        ms(batch_time),
        rayon::current_num_threads()
    )
    .map_err(output_error)?;

    let mut correct = 0;
    let mut line = String::new();
    for (m, result) in outputs.iter().enumerate() {
        let got = client.decrypt(&result);
        correct += usize::from(got == f(m as u64));
        line.push_str(&format!(" {m}→{got}"));
    }
    writeln!(out, "4. client decrypts:{line}").map_err(output_error)?;
    writeln!(
        out,
        "   {correct}/{modulus} equal f(m) computed in the clear"
    )
    .map_err(output_error)?;
    if correct as u64 != modulus {
        return Err(format!(
            "{} of {modulus} results were wrong",
            modulus - correct as u64
        ));
    }
    Ok(())
}
