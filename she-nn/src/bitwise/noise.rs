//! The failure probability of the bitwise engine's bootstraps, from the noise model of
//! [`tfhe_core::noise`].
//!
//! Every ciphertext a circuit feeds into a bootstrap is a fresh encryption (variance `V_fresh`),
//! a bootstrap output (`V_BR + V_KS` under PBS → KS, `V_BR` under KS → PBS) or a MUX output
//! (`2·V_BR + V_KS`, resp. `2·V_BR`). A linear form `Σ c_i·φ_i + μ` then reaches the blind
//! rotation with variance `Σ c_i²·V_i + V_MS` (plus `V_KS` under KS → PBS) and decides wrongly
//! when its error exceeds the form's margin ([`super::circuit`]): `1/8` for AND, OR, majority and
//! the MUX halves (`Σ c² = 2, 2, 3, 2`), `1/4` for XOR and parity (`Σ c² = 8, 12`). Bounding every
//! input by the largest of these variances gives a per-bootstrap failure probability that holds
//! for every bootstrap of every circuit; the union bound over the bootstraps of an image bounds
//! its failure probability.

use tfhe_core::noise::{bootstrap_noise, fresh_variance, log2_failure_probability};
use tfhe_core::params::{ParameterSet, PbsOrder};

/// The linear forms the circuits bootstrap: name, `Σ c_i²`, margin.
const FORMS: [(&str, f64, f64); 5] = [
    ("AND/OR", 2.0, 0.125),
    ("XOR", 8.0, 0.25),
    ("majority", 3.0, 0.125),
    ("parity", 12.0, 0.25),
    ("MUX half", 2.0, 0.125),
];

/// The worst per-bootstrap failure probability of the bitwise circuits at `params` (a gate set).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BitwiseNoise {
    /// `log2` of the largest failure probability of one bootstrap.
    pub log2_failure: f64,
    /// The linear form that attains it.
    pub worst_form: &'static str,
}

/// [`BitwiseNoise`] of `params`.
pub fn bitwise_noise(params: &ParameterSet) -> BitwiseNoise {
    let n = bootstrap_noise(params);
    let fresh = fresh_variance(params.lwe_noise, params.torus_bits);
    let (gate, mux, extra) = match params.order {
        PbsOrder::BootstrapKeyswitch => (
            n.bootstrap_output + n.keyswitch,
            2.0 * n.bootstrap_output + n.keyswitch,
            n.modulus_switch,
        ),
        PbsOrder::KeyswitchBootstrap => (
            n.bootstrap_output,
            2.0 * n.bootstrap_output,
            n.keyswitch + n.modulus_switch,
        ),
    };
    let worst_input = fresh.max(gate).max(mux);
    let mut worst = BitwiseNoise {
        log2_failure: f64::NEG_INFINITY,
        worst_form: "none",
    };
    for (name, norm2, margin) in FORMS {
        let log2 = log2_failure_probability(norm2 * worst_input + extra, margin);
        if log2 > worst.log2_failure {
            worst = BitwiseNoise {
                log2_failure: log2,
                worst_form: name,
            };
        }
    }
    worst
}

/// The union bound `bootstraps · 2^log2_failure` on an image's failure probability.
pub fn image_failure_bound(noise: &BitwiseNoise, bootstraps: u64) -> f64 {
    bootstraps as f64 * noise.log2_failure.exp2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfhe_core::params::{BOOLEAN_128, TOY_BOOLEAN};

    #[test]
    fn gate_sets_have_negligible_failure() {
        for p in [&BOOLEAN_128, &TOY_BOOLEAN] {
            let n = bitwise_noise(p);
            let nominal = tfhe_core::noise::bootstrap_noise(p).log2_failure_probability;
            println!(
                "{}: {n:?}; the set's nominal (ν² = 8, margin 1/8): 2^{nominal:.1}",
                p.name
            );
            assert!(n.log2_failure < -200.0, "{}: {n:?}", p.name);
            assert!(image_failure_bound(&n, 10_000_000) < 1e-50);
        }
    }
}
