//! Programmable bootstrapping end to end: encrypt every message, bootstrap it through a user
//! function, decrypt, and time each step.
//!
//! ```text
//! cargo run --release -p tfhe-core --example pbs [PARAMS]      # MSG2_CARRY2 (default) or TOY
//! ```

use std::time::Instant;
use tfhe_core::keys::SecretKeys;
use tfhe_core::lwe::LweCiphertext;
use tfhe_core::noise;
use tfhe_core::params;
use torus::{Csprng, EncryptionRng};

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "MSG2_CARRY2".into());
    let Some(p) = params::by_name(&name).filter(|p| p.torus_bits == 64) else {
        eprintln!("usage: pbs [MSG2_CARRY2|TOY]");
        std::process::exit(1);
    };
    let report = noise::bootstrap_noise(p);
    println!(
        "{p}; p_fail per PBS = 2^{:.1}",
        report.log2_failure_probability
    );
    let t = Instant::now();
    let sk = SecretKeys::<u64>::generate(p, &mut Csprng::from_os_entropy()).expect("64-bit set");
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).expect("valid set");
    println!(
        "keygen: {:.1} ms (bootstrapping key {:.1} MiB, key-switching key {:.1} MiB)",
        t.elapsed().as_secs_f64() * 1e3,
        ek.bootstrap_key().size_bytes() as f64 / f64::from(1 << 20),
        ek.keyswitch_key().byte_len() as f64 / f64::from(1 << 20)
    );
    let modulus = p.encoding().message_modulus();
    // The user function: any map of the message space, here m ↦ (3m² + 1) mod p.
    let f = |m: u64| (3 * m * m + 1) % modulus;
    let lut = ek.lookup_table(f).expect("table fits");
    let mut buffers = ek.buffers();
    let mut times = Vec::new();
    for m in 0..modulus {
        let ct = sk.encrypt(m, &mut rng);
        let mut out = LweCiphertext::zero(ct.lwe_dimension());
        let t = Instant::now();
        ek.bootstrap_into(&mut out, &ct, &lut, &mut buffers);
        let dt = t.elapsed().as_secs_f64() * 1e3;
        times.push(dt);
        let got = sk.decrypt(&out);
        println!(
            "  f({m:2}) = {got:2}  {}  {dt:.2} ms",
            if got == f(m) { "ok" } else { "WRONG" }
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "KS+PBS median {:.2} ms (one thread)",
        times[times.len() / 2]
    );
}
