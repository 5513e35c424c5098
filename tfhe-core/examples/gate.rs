//! Bootstrapped NAND gates at `BOOLEAN_128` (TFHE-rs boolean `DEFAULT_PARAMETERS`), timed one
//! at a time on one thread and checked: the workload to profile the gate with, e.g.
//!
//! ```text
//! cargo run --release -p tfhe-core --example gate [classic|multi-bit] [GATES]
//! perf record -F 2000 target/release/examples/gate multi-bit 300
//! ```

use std::time::Instant;
use tfhe_core::gates::Gate;
use tfhe_core::keys::SecretKeys;
use tfhe_core::params::{BlindRotation, BOOLEAN_128};
use torus::{Csprng, EncryptionRng};

fn main() {
    let mut args = std::env::args().skip(1);
    let rotation = match args.next().as_deref() {
        None | Some("classic") => BlindRotation::Classic,
        Some("multi-bit") => BlindRotation::MultiBit,
        Some(other) => {
            eprintln!("unknown blind rotation {other:?}: classic or multi-bit");
            std::process::exit(1);
        }
    };
    let gates: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
        .max(1);
    let params = BOOLEAN_128.with_blind_rotation(rotation);
    let sk =
        SecretKeys::<u32>::generate(&params, &mut Csprng::from_os_entropy()).expect("a 32-bit set");
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).expect("a valid set");
    let mut buffers = ek.buffers();
    let mut times = Vec::with_capacity(gates);
    for i in 0..gates {
        let (a, b) = (i & 1 == 1, i & 2 == 2);
        let (ca, cb) = (sk.encrypt_bool(a, &mut rng), sk.encrypt_bool(b, &mut rng));
        let t = Instant::now();
        let out = ek.gate(Gate::Nand, &ca, &cb, &mut buffers);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(sk.decrypt_bool(&out), !(a && b), "NAND({a}, {b})");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{params}: NAND median {:.2} ms over {gates} gates (one thread, all correct)",
        times[times.len() / 2]
    );
}
