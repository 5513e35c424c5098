//! Planning an encrypted inference: a scale for every tensor, and the noise check.
//!
//! Layers that only add and shift (Conv2d, Dense, SumPool2d, Flatten, MaxPool2d — the latter adds
//! a bootstrapped `ReLU(a − b)` at the scale of its inputs) keep the scale of their input, so a
//! *chain* of such layers, from the input image or from the output of a clamp (ReLU) up to the
//! next batch norm, ReLU or the logits, shares one scale `δ`. The plan gives each chain the
//! largest `δ` at which every value of every tensor of the chain (and the batch norm's
//! `x + bias`) is a valid two's-complement plaintext with a spare bit, `|z|·2^δ < 2^62`, using
//! the worst-case bounds of [`crate::bounds::layer_bounds`]. A clamp writes its output directly
//! at the scale of the chain that reads it.
//!
//! The noise check follows every element's variance through the network (fresh input noise,
//! `Σ w²·Var(x)` through linear layers, three bootstrap outputs per clamp) and asks the
//! evaluator for the failure probability of the widest window read at each nonlinear layer; a
//! plan is refused above `2^-40` per bootstrap.

use crate::bounds::{layer_bounds, Interval};
use crate::model::taps::{conv_taps, dense_taps, pool_taps};
use crate::model::{Layer, Model, ModelError, Shape};
use tfhe_core::params::ParameterSet;
use tfhe_core::wide::WindowNoise;

/// The largest per-bootstrap failure probability a plan accepts, as `log2`.
pub const MAX_LOG2_FAILURE: f64 = -40.0;

/// Why a model cannot run on the PBS engine with a parameter set.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The parameter set cannot carry wide integers.
    #[error(transparent)]
    Params(#[from] tfhe_core::TfheError),
    /// The model itself is invalid or its bounds overflow.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A layer the engine does not evaluate in this position.
    #[error("layer {layer} ({kind}): {reason}")]
    Unsupported {
        /// Layer index.
        layer: usize,
        /// Layer kind.
        kind: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A chain's values are too wide for the input's scale (`2^24` pixels).
    #[error(
        "layer {layer}: values up to {magnitude} need a scale below the input's 2^{input_scale}"
    )]
    TooWide {
        /// Layer index.
        layer: usize,
        /// Largest magnitude in the chain.
        magnitude: u64,
        /// The input scale.
        input_scale: u32,
    },
    /// The noise model puts a bootstrap's failure probability above the limit.
    #[error("layer {layer}: a bootstrap would fail with probability 2^{log2_failure:.1} (limit 2^{MAX_LOG2_FAILURE})")]
    Noise {
        /// Layer index.
        layer: usize,
        /// `log2` of the failure probability.
        log2_failure: f64,
    },
}

/// The scales and checks of one model on one parameter set.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Output shape of every layer.
    pub shapes: Vec<Shape>,
    /// Scale of the input tensor (the first chain's scale).
    pub input_scale_log2: u32,
    /// Scale of every layer's output tensor.
    pub output_scales: Vec<u32>,
    /// `fused[i]`: layer `i` is a batch norm whose output goes straight into the ReLU `i + 1`;
    /// both are evaluated together and layer `i + 1` does no work of its own.
    pub fused: Vec<bool>,
    /// `log2` of the worst per-bootstrap failure probability the noise check found.
    pub worst_log2_failure: f64,
}

/// Layers whose output keeps the scale of their input.
fn keeps_scale(layer: &Layer) -> bool {
    match layer {
        Layer::Conv2d(_)
        | Layer::Dense(_)
        | Layer::SumPool2d(_)
        | Layer::MaxPool2d(_)
        | Layer::Flatten => true,
        Layer::BatchNorm(bn) => bn.shift.iter().all(|&s| s == 0),
        Layer::Relu(_) => false,
    }
}

fn magnitude(intervals: &[Interval]) -> u64 {
    intervals
        .iter()
        .map(|i| i.lo.unsigned_abs().max(i.hi.unsigned_abs()))
        .max()
        .unwrap_or(0)
}

fn max_scale(magnitude: u64) -> u32 {
    62 - (64 - magnitude.leading_zeros())
}

impl Plan {
    /// Plans `model` for `params`; input pixels arrive at scale `2^input_scale_log2`, freshly
    /// encrypted under the big key. Needs no keys.
    pub fn new(
        model: &Model,
        params: &ParameterSet,
        input_scale_log2: u32,
    ) -> Result<Self, PlanError> {
        let noise = WindowNoise::new(params)?;
        // Fresh inputs are multiplied by 2^(δ − input scale) to reach the first chain's scale.
        let fresh = tfhe_core::noise::fresh_variance(params.glwe_noise, params.torus_bits);
        let shapes = model.validate()?;
        let bounds = layer_bounds(model)?;
        let layers = &model.layers;
        let count = layers.len();
        let unsupported = |layer: usize, reason| PlanError::Unsupported {
            layer,
            kind: layers[layer].kind_name(),
            reason,
        };

        // Fusion and support.
        let mut fused = vec![false; count];
        for (i, layer) in layers.iter().enumerate() {
            match layer {
                Layer::BatchNorm(bn) => {
                    let followed_by_relu = matches!(layers.get(i + 1), Some(Layer::Relu(_)));
                    if followed_by_relu {
                        fused[i] = true;
                    } else if bn.shift.iter().any(|&s| s != 0) {
                        return Err(unsupported(
                            i,
                            "a batch norm with shifts must be followed by a ReLU",
                        ));
                    }
                }
                Layer::Relu(relu) if relu.bits > 4 => {
                    return Err(unsupported(i, "activations of more than 4 bits"));
                }
                Layer::MaxPool2d(_) if i == 0 || !matches!(layers[i - 1], Layer::Relu(_)) => {
                    return Err(unsupported(
                        i,
                        "max pooling is supported right after a ReLU",
                    ));
                }
                _ => {}
            }
        }

        // Chains: tensor t (t = 0 is the input, t = i + 1 the output of layer i) belongs to chain
        // chain[t]; a new chain starts after every layer that does not keep its input's scale.
        let mut chain = vec![0usize; count + 1];
        for (i, layer) in layers.iter().enumerate() {
            chain[i + 1] = if keeps_scale(layer) {
                chain[i]
            } else {
                chain[i] + 1
            };
        }
        let chains = chain[count] + 1;
        let mut chain_scale = vec![u32::MAX; chains];
        let mut chain_first_layer = vec![0usize; chains];
        for t in (0..=count).rev() {
            chain_first_layer[chain[t]] = t.saturating_sub(1);
        }
        let mut limit = |t: usize, magnitude: u64| {
            let s = &mut chain_scale[chain[t]];
            *s = (*s).min(max_scale(magnitude));
        };
        let pixels = vec![
            Interval {
                lo: 0,
                hi: (1i64 << model.input.bits) - 1,
            };
            model.input_len()
        ];
        limit(0, magnitude(&pixels));
        for (i, layer) in layers.iter().enumerate() {
            limit(i + 1, magnitude(&bounds[i]));
            if let Layer::BatchNorm(bn) = layer {
                // x + bias must fit the input's chain too.
                let input = if i == 0 { &pixels } else { &bounds[i - 1] };
                let plane = input.len() / bn.bias.len().max(1);
                let widest = input
                    .iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let b = bn.bias[k / plane.max(1)];
                        x.lo.saturating_add(b)
                            .unsigned_abs()
                            .max(x.hi.saturating_add(b).unsigned_abs())
                    })
                    .max()
                    .unwrap_or(0);
                limit(i, widest);
            }
        }
        if chain_scale[0] < input_scale_log2 {
            return Err(PlanError::TooWide {
                layer: chain_first_layer[0],
                magnitude: 1 << (62 - chain_scale[0]),
                input_scale: input_scale_log2,
            });
        }
        let output_scales: Vec<u32> = (1..=count).map(|t| chain_scale[chain[t]]).collect();

        let mut plan = Self {
            shapes,
            input_scale_log2: chain_scale[0],
            output_scales,
            fused,
            worst_log2_failure: f64::NEG_INFINITY,
        };
        let input_variance = fresh * 4f64.powi((plan.input_scale_log2 - input_scale_log2) as i32);
        plan.check_noise(model, &noise, input_variance)?;
        Ok(plan)
    }

    /// Scale of the tensor layer `i` reads.
    pub fn input_scale_of(&self, i: usize) -> u32 {
        if i == 0 {
            self.input_scale_log2
        } else {
            self.output_scales[i - 1]
        }
    }

    /// Follows the worst variance of every tensor and checks each nonlinear layer's widest
    /// window against [`MAX_LOG2_FAILURE`] — its worst read, the digit read of a peel after the
    /// (coarse) sign bootstrap, bounded by [`WindowNoise::peel_log2_failure`].
    fn check_noise(
        &mut self,
        model: &Model,
        noise: &WindowNoise,
        input_variance: f64,
    ) -> Result<(), PlanError> {
        let clamp_output = 3.0 * noise.bootstrap_variance;
        let mut shape = model.input.shape;
        let mut variance = vec![input_variance; shape.len()];
        let mut taps = Vec::new();
        let mut pool = Vec::new();
        for (i, layer) in model.layers.iter().enumerate() {
            let out = self.shapes[i];
            let scale = self.input_scale_of(i);
            let mut check = |v: f64| -> Result<(), PlanError> {
                let log2 = noise.peel_log2_failure(v, scale, 5);
                self.worst_log2_failure = self.worst_log2_failure.max(log2);
                if log2 > MAX_LOG2_FAILURE {
                    Err(PlanError::Noise {
                        layer: i,
                        log2_failure: log2,
                    })
                } else {
                    Ok(())
                }
            };
            variance = match layer {
                Layer::Conv2d(conv) => (0..out.len())
                    .map(|k| {
                        conv_taps(conv, shape, out, k, &mut taps);
                        taps.iter()
                            .map(|&(x, w)| (w * w) as f64 * variance[x])
                            .sum()
                    })
                    .collect(),
                Layer::Dense(dense) => (0..out.len())
                    .map(|k| {
                        dense_taps(dense, k, &mut taps);
                        taps.iter()
                            .map(|&(x, w)| (w * w) as f64 * variance[x])
                            .sum()
                    })
                    .collect(),
                Layer::SumPool2d(p) => (0..out.len())
                    .map(|k| {
                        pool_taps(*p, shape, out, k, &mut pool);
                        pool.iter().map(|&x| variance[x]).sum()
                    })
                    .collect(),
                Layer::MaxPool2d(p) => {
                    let mut next = Vec::with_capacity(out.len());
                    for k in 0..out.len() {
                        pool_taps(*p, shape, out, k, &mut pool);
                        // A chain of maxima: each step reads a − b and adds a clamp output.
                        let mut v = variance[pool[0]];
                        for &x in &pool[1..] {
                            check(v + variance[x])?;
                            v = variance[x] + clamp_output;
                        }
                        next.push(v);
                    }
                    next
                }
                Layer::BatchNorm(_) | Layer::Relu(_) => {
                    if !(matches!(layer, Layer::Relu(_)) && i > 0 && self.fused[i - 1]) {
                        let worst = variance.iter().copied().fold(0.0, f64::max);
                        check(worst)?;
                    }
                    if self.fused[i] || matches!(layer, Layer::Relu(_)) {
                        vec![clamp_output; out.len()]
                    } else {
                        variance
                    }
                }
                Layer::Flatten => variance,
            };
            shape = out;
        }
        // Decrypting a logit rounds to the nearest integer: the noise must stay below half a unit.
        let scale = *self.output_scales.last().unwrap_or(&self.input_scale_log2);
        let worst = variance.iter().copied().fold(0.0, f64::max);
        let log2 = noise.window_log2_failure(worst, scale, 1);
        self.worst_log2_failure = self.worst_log2_failure.max(log2);
        if log2 > MAX_LOG2_FAILURE {
            return Err(PlanError::Noise {
                layer: model.layers.len() - 1,
                log2_failure: log2,
            });
        }
        Ok(())
    }
}
