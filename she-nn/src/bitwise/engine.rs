//! A whole network on encrypted bit vectors, layer by layer, in parallel over neurons.
//!
//! | layer | bitwise circuit |
//! |---|---|
//! | Conv2d, Dense | shifts and a mixed-bitwidth adder tree per output ([`super::tree`]) |
//! | SumPool2d | a balanced adder tree per window |
//! | BatchNorm | `⌊(x + bias)/2^shift⌋`: one constant adder whose `shift` low positions compute only carries; the shift drops bits (free) |
//! | Relu | sign gating and saturation ([`super::activation::relu`]) |
//! | MaxPool2d | a balanced tree of comparator + MUX ([`super::activation::max_tree`]) |
//! | Flatten | nothing (bits are shared) |
//!
//! Every output is exactly [`crate::reference`]'s integer (the circuits are exact on the proven
//! ranges of [`crate::bounds`]). The engine runs on any [`GateBackend`]: encrypted for the
//! server, the plaintext phase model for the dry run that counts operations and for tests.

use super::activation::{max_tree, relu};
use super::adder::add_shifted;
use super::backend::GateBackend;
use super::circuit::{AdderKind, Circuit};
use super::counts::OpCounts;
use super::error::BitwiseError;
use super::integer::EncryptedInt;
use super::tree::{sum, weighted_sum, Overflow};
use crate::bounds::{layer_bounds, Interval};
use crate::model::taps::{conv_taps, dense_taps, pool_taps};
use crate::model::{Layer, Model, Shape};
use crate::pbs::Progress;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A tensor of encrypted integers (CHW order).
pub type Tensor<C> = Vec<EncryptedInt<C>>;

/// Every layer's output: entry `i` is the output of layer `i`.
pub type Trace<C> = Vec<Tensor<C>>;

/// Evaluated elements of a layer, each with its exact operation counts.
pub type Evaluated<C> = Vec<(EncryptedInt<C>, OpCounts)>;

/// Cost and shape of one layer's evaluation.
#[derive(Clone, Debug)]
pub struct LayerReport {
    /// Layer index in the model.
    pub index: usize,
    /// Layer kind ([`Layer::kind_name`]).
    pub kind: &'static str,
    /// Output elements (neurons).
    pub elements: usize,
    /// Widest output integer, in bits (two's complement, sign included).
    pub width: usize,
    /// Operations performed (exact: counted while evaluating).
    pub counts: OpCounts,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Cost of a whole inference.
#[derive(Clone, Debug)]
pub struct InferenceReport {
    /// Per layer.
    pub layers: Vec<LayerReport>,
    /// Total wall-clock seconds.
    pub seconds: f64,
}

impl InferenceReport {
    /// The operation counts of the whole network.
    pub fn counts(&self) -> OpCounts {
        self.layers.iter().map(|l| l.counts).sum()
    }
}

/// The bitwise engine for one model on one backend (the server side: an encrypted backend holds
/// evaluation keys only).
pub struct BitwiseEngine<'b, B: GateBackend> {
    backend: &'b B,
    model: Model,
    shapes: Vec<Shape>,
    adder: AdderKind,
}

/// Scratch of one worker: a circuit and the tap / window lists.
struct Worker<'b, B: GateBackend> {
    circuit: Circuit<'b, B>,
    taps: Vec<(usize, i64)>,
    window: Vec<usize>,
}

impl<'b, B: GateBackend> BitwiseEngine<'b, B> {
    /// The engine for `model` on `backend` with full adders of kind `adder`. Fails if the model is
    /// invalid or its worst-case bounds overflow.
    pub fn new(backend: &'b B, model: &Model, adder: AdderKind) -> Result<Self, BitwiseError> {
        let shapes = model.validate()?;
        layer_bounds(model)?;
        Ok(Self {
            backend,
            model: model.clone(),
            shapes,
            adder,
        })
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The full adder in use.
    pub fn adder(&self) -> AdderKind {
        self.adder
    }

    /// Output shape of every layer.
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// The range of an input pixel: `[0, 2^bits − 1]`.
    pub fn pixel_range(&self) -> Interval {
        Interval {
            lo: 0,
            hi: (1i64 << self.model.input.bits) - 1,
        }
    }

    /// Evaluates the model on encrypted pixels (one integer of range [`Self::pixel_range`] per
    /// pixel, CHW order) and returns the logits.
    pub fn infer(
        &self,
        pixels: Vec<EncryptedInt<B::Ciphertext>>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Tensor<B::Ciphertext>, InferenceReport), BitwiseError> {
        let (mut trace, report) = self.run(pixels, progress, false)?;
        Ok((trace.pop().unwrap_or_default(), report))
    }

    /// [`Self::infer`], returning every layer's output.
    pub fn infer_traced(
        &self,
        pixels: Vec<EncryptedInt<B::Ciphertext>>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Trace<B::Ciphertext>, InferenceReport), BitwiseError> {
        self.run(pixels, progress, true)
    }

    fn run(
        &self,
        pixels: Vec<EncryptedInt<B::Ciphertext>>,
        progress: &(dyn Fn(Progress) + Sync),
        keep_all: bool,
    ) -> Result<(Trace<B::Ciphertext>, InferenceReport), BitwiseError> {
        let start = Instant::now();
        let expected = self.model.input_len();
        if pixels.len() != expected {
            return Err(BitwiseError::InputSize {
                expected,
                found: pixels.len(),
            });
        }
        let range = self.pixel_range();
        if let Some(bad) = pixels.iter().find(|p| p.range() != range) {
            return Err(BitwiseError::InputBits {
                expected: self.model.input.bits,
                found: (64 - bad.range().hi.max(0).leading_zeros()),
            });
        }
        let layers = self.model.layers.len();
        let mut outputs: Vec<Vec<EncryptedInt<B::Ciphertext>>> = Vec::new();
        let mut x = pixels;
        let mut reports = Vec::with_capacity(layers);
        for (i, layer) in self.model.layers.iter().enumerate() {
            let layer_start = Instant::now();
            let total = self.shapes[i].len();
            let done = AtomicUsize::new(0);
            let kind = layer.kind_name();
            let tick = || {
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(Progress {
                    layer: i,
                    layers,
                    kind,
                    done,
                    total,
                });
            };
            let elements: Vec<usize> = (0..total).collect();
            let results = self.evaluate(i, &x, &elements, &tick)?;
            let mut counts = OpCounts::default();
            let y: Vec<EncryptedInt<B::Ciphertext>> = results
                .into_iter()
                .map(|(y, c)| {
                    counts += c;
                    y
                })
                .collect();
            reports.push(LayerReport {
                index: i,
                kind,
                elements: total,
                width: y.iter().map(EncryptedInt::width).max().unwrap_or(0),
                counts,
                seconds: layer_start.elapsed().as_secs_f64(),
            });
            if keep_all {
                // Bits are shared (`Arc`): this copies no ciphertext.
                outputs.push(y.clone());
            }
            x = y;
        }
        if !keep_all {
            outputs.push(x);
        }
        Ok((
            outputs,
            InferenceReport {
                layers: reports,
                seconds: start.elapsed().as_secs_f64(),
            },
        ))
    }

    /// Evaluates the output `elements` of layer `layer` from that layer's input `x`, in parallel,
    /// each with its exact operation counts. Used by whole inferences and to measure a sample of
    /// neurons.
    pub fn evaluate_elements(
        &self,
        layer: usize,
        x: &[EncryptedInt<B::Ciphertext>],
        elements: &[usize],
    ) -> Result<Evaluated<B::Ciphertext>, BitwiseError> {
        self.evaluate(layer, x, elements, &|| {})
    }

    /// The input shape of layer `i`.
    fn input_shape(&self, i: usize) -> Shape {
        if i == 0 {
            self.model.input.shape
        } else {
            self.shapes[i - 1]
        }
    }

    fn evaluate(
        &self,
        i: usize,
        x: &[EncryptedInt<B::Ciphertext>],
        elements: &[usize],
        tick: &(dyn Fn() + Sync),
    ) -> Result<Evaluated<B::Ciphertext>, BitwiseError> {
        let layer = self
            .model
            .layers
            .get(i)
            .ok_or(BitwiseError::NoSuchElement { layer: i, index: 0 })?;
        let input = self.input_shape(i);
        let total = self.shapes[i].len();
        if x.len() != input.len() {
            return Err(BitwiseError::InputSize {
                expected: input.len(),
                found: x.len(),
            });
        }
        if let Some(&bad) = elements.iter().find(|&&k| k >= total) {
            return Err(BitwiseError::NoSuchElement {
                layer: i,
                index: bad,
            });
        }
        elements
            .par_iter()
            .map_init(
                || Worker {
                    circuit: Circuit::new(self.backend, self.adder),
                    taps: Vec::new(),
                    window: Vec::new(),
                },
                |worker, &k| {
                    let y = self
                        .element(i, layer, input, x, k, worker)
                        .map_err(|Overflow| BitwiseError::Overflow { layer: i, index: k })?;
                    let counts = worker.circuit.take_counts();
                    tick();
                    Ok((y, counts))
                },
            )
            .collect()
    }

    /// Output `k` of layer `i`.
    fn element(
        &self,
        i: usize,
        layer: &Layer,
        input: Shape,
        x: &[EncryptedInt<B::Ciphertext>],
        k: usize,
        worker: &mut Worker<'b, B>,
    ) -> Result<EncryptedInt<B::Ciphertext>, Overflow> {
        let out = self.shapes[i];
        let circuit = &mut worker.circuit;
        match layer {
            Layer::Conv2d(conv) => {
                conv_taps(conv, input, out, k, &mut worker.taps);
                weighted_sum(circuit, x, &worker.taps)
            }
            Layer::Dense(dense) => {
                dense_taps(dense, k, &mut worker.taps);
                weighted_sum(circuit, x, &worker.taps)
            }
            Layer::SumPool2d(pool) => {
                pool_taps(*pool, input, out, k, &mut worker.window);
                sum(
                    circuit,
                    worker.window.iter().map(|&j| x[j].clone()).collect(),
                )
            }
            Layer::MaxPool2d(pool) => {
                pool_taps(*pool, input, out, k, &mut worker.window);
                let window = worker.window.iter().map(|&j| x[j].clone()).collect();
                max_tree(circuit, window)?.ok_or(Overflow)
            }
            Layer::BatchNorm(bn) => {
                let c = k / (input.height * input.width);
                if bn.bias[c] == 0 {
                    return Ok(x[k].floor_shifted_right(bn.shift[c]));
                }
                let bias = EncryptedInt::constant(bn.bias[c]);
                add_shifted(circuit, &x[k], &bias, false, bn.shift[c]).ok_or(Overflow)
            }
            Layer::Relu(r) => Ok(relu(circuit, &x[k], r.bits)),
            Layer::Flatten => Ok(x[k].clone()),
        }
    }
}
