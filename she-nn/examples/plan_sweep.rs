//! Checks models against `SHE_MNIST`'s lattice with other bootstrap decompositions: for every
//! `(base_log, level_count)` and both blind rotations, the bootstrap output noise (noise model)
//! and the worst per-bootstrap failure of each model's plan (with its output scales at
//! `SHE_MNIST` itself).
//!
//! ```sh
//! cargo run --release -p she-nn --example plan_sweep -- MODEL...
//! ```

use she_nn::client::INPUT_SCALE_LOG2;
use she_nn::model::Model;
use she_nn::pbs::Plan;
use tfhe_core::dimensions::{DecompositionBaseLog, DecompositionLevelCount};
use tfhe_core::params::{BlindRotation, SHE_MNIST};

fn main() {
    let models: Result<Vec<(String, Model)>, String> = std::env::args()
        .skip(1)
        .map(|p| match Model::load(std::path::Path::new(&p)) {
            Ok(m) => Ok((p, m)),
            Err(e) => Err(format!("{p}: {e}")),
        })
        .collect();
    let models = models.unwrap_or_else(|e| {
        eprintln!("plan_sweep: {e}");
        std::process::exit(1);
    });
    for rotation in [BlindRotation::MultiBit, BlindRotation::Classic] {
        for (b, l) in [(12, 3), (10, 4), (9, 4), (8, 4), (8, 5), (7, 5), (7, 6)] {
            let mut p = SHE_MNIST;
            p.pbs_base_log = DecompositionBaseLog(b);
            p.pbs_level_count = DecompositionLevelCount(l);
            p.blind_rotation = rotation;
            let n = tfhe_core::noise::bootstrap_noise(&p);
            print!(
                "{rotation:?} 2^{b}x{l}: sigma_out 2^{:.1}, ms 2^{:.1}, p_fail(nu2=1) 2^{:.1} |",
                0.5 * n.bootstrap_output.log2(),
                0.5 * n.modulus_switch.log2(),
                n.log2_failure_probability
            );
            for (name, m) in &models {
                let name = name.rsplit('/').next().unwrap_or(name);
                match Plan::new(m, &p, INPUT_SCALE_LOG2) {
                    Ok(plan) if p == SHE_MNIST => print!(
                        " {name}: {:.1}, output scales {:?}",
                        plan.worst_log2_failure, plan.output_scales
                    ),
                    Ok(plan) => print!(" {name}: {:.1}", plan.worst_log2_failure),
                    Err(e) => print!(" {name}: FAIL ({e})"),
                }
            }
            println!();
        }
    }
}
