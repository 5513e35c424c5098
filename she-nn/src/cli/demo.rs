//! `she demo`: the main job. Currently it shows the LWE layer at the real 128-bit set
//! `MSG2_CARRY2`: key generation, encryption under the big (k·N) key, key switching to the small
//! key, decryption, and the measured noise against the model.

use clap::Args;
use std::time::{Duration, Instant};
use tfhe_core::lwe::{LweCiphertextList, LweKeyswitchKey, LweSecretKey};
use tfhe_core::noise;
use tfhe_core::params::{self, ParameterSet, TORUS_BITS};
use torus::{Csprng, EncryptionRng};

/// Arguments of `she demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Parameter set to run at (see `she demo --help`; `TOY` is insecure).
    #[arg(long, default_value = "MSG2_CARRY2")]
    pub params: String,
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Runs the demo, printing each step and its duration.
pub fn run(args: &DemoArgs) -> Result<(), String> {
    let p: &ParameterSet = params::by_name(&args.params).ok_or_else(|| {
        let names: Vec<_> = params::ALL.iter().map(|p| p.name).collect();
        format!(
            "unknown parameter set '{}' (known: {})",
            args.params,
            names.join(", ")
        )
    })?;
    let security = if p.is_insecure() {
        "INSECURE, for tests only".to_string()
    } else if p.meets_128_bit_curve() {
        "128-bit, checked against the secure-noise curve".to_string()
    } else {
        return Err(format!("{} fails the 128-bit curve check", p.name));
    };
    let enc = p.encoding();
    println!("SHE demo — LWE layer at {} ({security})", p.name);
    println!(
        "  big key n = k·N = {}, small key n = {}, key switch base 2^{} × {} levels, {}-bit messages + {} padding bit",
        p.big_lwe_dimension().0,
        p.lwe_dimension.0,
        p.ks_base_log.0,
        p.ks_level_count.0,
        p.message_bits,
        p.padding_bits
    );

    let t = Instant::now();
    let mut secret_rng = Csprng::from_os_entropy();
    let mut rng = EncryptionRng::from_os_entropy();
    let big = LweSecretKey::<u64>::generate(p.big_lwe_dimension(), &mut secret_rng);
    let small = LweSecretKey::<u64>::generate(p.lwe_dimension, &mut secret_rng);
    let keygen_secret = t.elapsed();
    let t = Instant::now();
    let ksk = LweKeyswitchKey::generate(
        &big,
        &small,
        p.ks_base_log,
        p.ks_level_count,
        p.lwe_noise,
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let keygen_ksk = t.elapsed();
    println!(
        "1. keygen: secret keys {} (OS-seeded ChaCha20); key-switching key {} ({:.1} MiB, {} threads)",
        ms(keygen_secret),
        ms(keygen_ksk),
        (ksk.as_slice().len() * 8) as f64 / f64::from(1 << 20),
        rayon::current_num_threads()
    );

    let count = enc.message_modulus() as usize;
    let t = Instant::now();
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(count, p.big_lwe_dimension());
    for (m, mut ct) in inputs.iter_mut().enumerate() {
        big.encrypt_into(&mut ct, enc.encode(m as u64), p.glwe_noise, &mut rng);
    }
    println!(
        "2. encrypt every message 0..{count} under the big key: {} total",
        ms(t.elapsed())
    );

    let mut outputs = LweCiphertextList::<Vec<u64>>::zero(count, p.lwe_dimension);
    let mut timings = Vec::with_capacity(count);
    for (i, mut out) in outputs.iter_mut().enumerate() {
        let t = Instant::now();
        ksk.keyswitch(&mut out, &inputs.get(i));
        timings.push(t.elapsed());
    }
    timings.sort();
    println!(
        "3. key switch {} → {}: median {} per ciphertext (one thread)",
        p.big_lwe_dimension().0,
        p.lwe_dimension.0,
        ms(timings[count / 2])
    );

    let variance = noise::keyswitch_variance(
        noise::fresh_variance(p.glwe_noise, TORUS_BITS),
        p.big_lwe_dimension().0,
        p.ks_base_log.0,
        p.ks_level_count.0,
        noise::fresh_variance(p.lwe_noise, TORUS_BITS),
        TORUS_BITS,
    );
    let half_delta = enc.delta::<u64>() as f64 / 2.0 / 2f64.powi(64);
    let mut correct = 0;
    let mut max_noise = 0f64;
    let t = Instant::now();
    for (m, out) in outputs.iter().enumerate() {
        let decoded = small.decrypt(&out, &enc);
        correct += usize::from(decoded == m as u64);
        let e = enc.noise_of(small.phase(&out)) as f64 / 2f64.powi(64);
        max_noise = max_noise.max(e.abs());
    }
    println!(
        "4. decrypt with the small key: {correct}/{count} correct in {}",
        ms(t.elapsed())
    );
    println!(
        "   noise: max |e| = 2^{:.2} measured; model σ = 2^{:.2}, decoding bound Δ/2 = 2^{:.2}, p_fail per ciphertext = 2^{:.1}",
        max_noise.log2(),
        variance.sqrt().log2(),
        half_delta.log2(),
        noise::log2_failure_probability(variance, half_delta)
    );
    println!("Programmable bootstrapping and the encrypted network are not implemented yet.");
    if correct != count {
        return Err(format!(
            "{} of {count} decryptions were wrong",
            count - correct
        ));
    }
    Ok(())
}
