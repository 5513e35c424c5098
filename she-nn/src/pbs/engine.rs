//! Running a planned model on encrypted inputs.

use super::error::EngineError;
use super::plan::Plan;
use crate::ciphertexts::{EncryptedImage, EncryptedLogits};
use crate::client::INPUT_SCALE_LOG2;
use crate::model::taps::{conv_taps, dense_taps, pool_taps};
use crate::model::{Layer, Model};
use crate::server::ServerKey;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;
use tfhe_core::batcher::BootstrapBatcher;
use tfhe_core::keys::EvaluationKeys;
use tfhe_core::lwe::LweCiphertextOwned;
use tfhe_core::wide::{FailureLedger, IntRange, WideBuffers, WideCiphertext, WideEvaluator};
use tfhe_core::TfheError;

/// Where an inference stands (for progress bars).
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Index of the layer being evaluated.
    pub layer: usize,
    /// Number of layers.
    pub layers: usize,
    /// The layer's kind.
    pub kind: &'static str,
    /// Elements of the layer finished.
    pub done: usize,
    /// Elements of the layer.
    pub total: usize,
}

/// Time and bootstraps of one layer.
#[derive(Clone, Debug)]
pub struct LayerReport {
    /// Layer index.
    pub index: usize,
    /// Layer kind (a fused batch norm + ReLU reports as `batch_norm+relu`).
    pub kind: &'static str,
    /// Output elements.
    pub elements: usize,
    /// Bootstraps performed.
    pub bootstraps: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// What an inference cost and how likely it is to be wrong.
#[derive(Clone, Debug)]
pub struct InferenceReport {
    /// Per layer.
    pub layers: Vec<LayerReport>,
    /// Every bootstrap's failure probability (union bound over the image).
    pub ledger: FailureLedger,
    /// Total wall-clock seconds.
    pub seconds: f64,
}

/// The encrypted logits and the report.
#[derive(Clone, Debug)]
pub struct Inference {
    /// One ciphertext per class, all at the same scale.
    pub logits: Vec<WideCiphertext>,
    /// Cost and failure probability.
    pub report: InferenceReport,
}

/// The PBS engine for one model and one set of evaluation keys (the server side: it holds no
/// secret).
pub struct PbsEngine<'k> {
    evaluator: WideEvaluator<'k>,
    model: Model,
    plan: Plan,
    bootstrap_batch: usize,
}

/// How many bootstraps a thread runs as one batch by default ([`PbsEngine::with_bootstrap_batch`]):
/// with a multi-bit key each batch shares one pass over the bootstrapping key.
pub const DEFAULT_BOOTSTRAP_BATCH: usize = 4;

/// The element type a nonlinear layer computes: one output from the evaluator, the thread's
/// scratch and the element's ledger.
type ElementFn<'f> = dyn Fn(
        &WideEvaluator<'_>,
        usize,
        &mut WideBuffers<'_>,
        &mut FailureLedger,
    ) -> Result<WideCiphertext, TfheError>
    + Sync
    + 'f;

impl<'k> PbsEngine<'k> {
    /// Plans `model` for `keys`; inputs will arrive at scale `2^input_scale_log2`.
    pub fn new(
        keys: &'k EvaluationKeys<u64>,
        model: &Model,
        input_scale_log2: u32,
    ) -> Result<Self, EngineError> {
        let evaluator = WideEvaluator::new(keys)?;
        let plan = Plan::new(model, keys.params(), input_scale_log2)?;
        Ok(Self {
            evaluator,
            model: model.clone(),
            plan,
            bootstrap_batch: DEFAULT_BOOTSTRAP_BATCH,
        })
    }

    /// Sets how many bootstraps of different neurons run as one batch (at least 1; 1 runs every
    /// bootstrap on its own thread, the way before batching). The results are the same bits for
    /// every batch size ([`tfhe_core::batcher`]); only the speed changes. A nonlinear layer runs
    /// `threads × batch` workers, each the sequential chain of one neuron at a time.
    pub fn with_bootstrap_batch(mut self, batch: usize) -> Self {
        self.bootstrap_batch = batch.max(1);
        self
    }

    /// The batch size of [`Self::with_bootstrap_batch`].
    pub fn bootstrap_batch(&self) -> usize {
        self.bootstrap_batch
    }

    /// The engine of a server key for `model`, for images encrypted by
    /// [`crate::client::ClientKey::encrypt_image`] (scale `2^`[`INPUT_SCALE_LOG2`]).
    pub fn for_server(server: &'k ServerKey, model: &Model) -> Result<Self, EngineError> {
        Self::new(server.evaluation_keys(), model, INPUT_SCALE_LOG2)
    }

    /// Evaluates the model on an encrypted image; the logits come back at one common scale.
    pub fn infer_image(
        &self,
        image: &EncryptedImage,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(EncryptedLogits, InferenceReport), EngineError> {
        let params = self.evaluator.keys().params();
        if image.params.name != params.name {
            return Err(EngineError::Parameters {
                expected: params.name,
                found: image.params.name,
            });
        }
        if image.shape != self.model.input.shape {
            return Err(EngineError::InputSize {
                expected: self.model.input_len(),
                found: image.shape.len(),
            });
        }
        let inference = self.infer(&image.pixels, image.bits, image.scale_log2, progress)?;
        let scale = inference
            .logits
            .iter()
            .map(|l| l.scale_log2)
            .max()
            .unwrap_or(0);
        let logits = inference
            .logits
            .into_iter()
            .map(|mut l| {
                l.rescale_up(scale)?;
                Ok(l.ciphertext)
            })
            .collect::<Result<_, tfhe_core::TfheError>>()?;
        Ok((
            EncryptedLogits {
                params: image.params,
                scale_log2: scale,
                logits,
            },
            inference.report,
        ))
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The plan (scales, bounds, noise check).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Evaluates the model on an encrypted image (pixels quantized to `bits`, encrypted at
    /// `2^input_scale_log2` under the big key).
    pub fn infer(
        &self,
        pixels: &[LweCiphertextOwned<u64>],
        bits: u32,
        input_scale_log2: u32,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Inference, EngineError> {
        self.run(pixels, bits, input_scale_log2, progress, None)
    }

    /// [`Self::infer`], also returning every layer's output (for exactness tests and
    /// debugging). A batch norm fused with its ReLU ([`Plan::fused`]) has no output of its own:
    /// its entry holds the ReLU's output, as does the ReLU's.
    pub fn infer_traced(
        &self,
        pixels: &[LweCiphertextOwned<u64>],
        bits: u32,
        input_scale_log2: u32,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Inference, Vec<Vec<WideCiphertext>>), EngineError> {
        let mut trace = Vec::new();
        let inference = self.run(pixels, bits, input_scale_log2, progress, Some(&mut trace))?;
        Ok((inference, trace))
    }

    fn run(
        &self,
        pixels: &[LweCiphertextOwned<u64>],
        bits: u32,
        input_scale_log2: u32,
        progress: &(dyn Fn(Progress) + Sync),
        mut trace: Option<&mut Vec<Vec<WideCiphertext>>>,
    ) -> Result<Inference, EngineError> {
        let start = Instant::now();
        let params = self.evaluator.keys().params();
        let expected = self.model.input_len();
        if pixels.len() != expected {
            return Err(EngineError::InputSize {
                expected,
                found: pixels.len(),
            });
        }
        if bits != self.model.input.bits {
            return Err(EngineError::InputBits {
                expected: self.model.input.bits,
                found: bits,
            });
        }
        if input_scale_log2 > self.plan.input_scale_log2 {
            return Err(EngineError::InputScale {
                expected: self.plan.input_scale_log2,
                found: input_scale_log2,
            });
        }
        let big = params.big_lwe_dimension();
        if let Some(bad) = pixels.iter().find(|c| c.lwe_dimension() != big) {
            return Err(EngineError::InputDimension {
                expected: big.0,
                found: bad.lwe_dimension().0,
            });
        }
        let variance = tfhe_core::noise::fresh_variance(params.glwe_noise, params.torus_bits);
        let mut x: Vec<WideCiphertext> = pixels
            .iter()
            .map(|c| {
                let mut w = WideCiphertext {
                    ciphertext: c.clone(),
                    scale_log2: input_scale_log2,
                    range: IntRange {
                        lo: 0,
                        hi: (1 << bits) - 1,
                    },
                    variance,
                };
                w.rescale_up(self.plan.input_scale_log2).map(|()| w)
            })
            .collect::<Result<_, TfheError>>()?;

        let mut ledger = FailureLedger::new();
        let mut reports = Vec::new();
        let layers = self.model.layers.len();
        for (i, layer) in self.model.layers.iter().enumerate() {
            if i > 0 && self.plan.fused[i - 1] {
                // Evaluated with its batch norm.
                if let Some(trace) = trace.as_deref_mut() {
                    trace.push(x.clone());
                }
                continue;
            }
            let layer_start = Instant::now();
            let kind = if self.plan.fused[i] {
                "batch_norm+relu"
            } else {
                layer.kind_name()
            };
            let total = self.plan.shapes[i].len();
            let done = AtomicUsize::new(0);
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
            let (y, layer_ledger) = self.layer(i, layer, &x, &tick)?;
            reports.push(LayerReport {
                index: i,
                kind,
                elements: total,
                bootstraps: layer_ledger.bootstraps,
                seconds: layer_start.elapsed().as_secs_f64(),
            });
            ledger.merge(&layer_ledger);
            x = y;
            if let Some(trace) = trace.as_deref_mut() {
                trace.push(x.clone());
            }
        }
        Ok(Inference {
            logits: x,
            report: InferenceReport {
                layers: reports,
                ledger,
                seconds: start.elapsed().as_secs_f64(),
            },
        })
    }

    /// Layer `i` on `x`.
    fn layer(
        &self,
        i: usize,
        layer: &Layer,
        x: &[WideCiphertext],
        tick: &(dyn Fn() + Sync),
    ) -> Result<(Vec<WideCiphertext>, FailureLedger), EngineError> {
        let input = if i == 0 {
            self.model.input.shape
        } else {
            self.plan.shapes[i - 1]
        };
        let out = self.plan.shapes[i];
        let scale = self.plan.input_scale_of(i);
        let dimension = self.evaluator.keys().params().big_lwe_dimension();
        let linear = |taps: &[(usize, i64)]| -> Result<WideCiphertext, TfheError> {
            let mut acc = WideCiphertext::trivial(dimension, 0, scale);
            for &(k, w) in taps {
                acc.add_scaled(&x[k], w)?;
            }
            Ok(acc)
        };
        let no_bootstraps = |y: Result<Vec<WideCiphertext>, TfheError>| {
            y.map(|y| (y, FailureLedger::new()))
                .map_err(EngineError::from)
        };
        match layer {
            Layer::Conv2d(conv) => no_bootstraps(
                (0..out.len())
                    .into_par_iter()
                    .map_init(Vec::new, |taps, k| {
                        conv_taps(conv, input, out, k, taps);
                        let y = linear(taps);
                        tick();
                        y
                    })
                    .collect(),
            ),
            Layer::Dense(dense) => no_bootstraps(
                (0..out.len())
                    .into_par_iter()
                    .map_init(Vec::new, |taps, k| {
                        dense_taps(dense, k, taps);
                        let y = linear(taps);
                        tick();
                        y
                    })
                    .collect(),
            ),
            Layer::SumPool2d(pool) => no_bootstraps(
                (0..out.len())
                    .into_par_iter()
                    .map_init(Vec::new, |window, k| {
                        pool_taps(*pool, input, out, k, window);
                        let taps: Vec<(usize, i64)> = window.iter().map(|&j| (j, 1)).collect();
                        let y = linear(&taps);
                        tick();
                        y
                    })
                    .collect(),
            ),
            Layer::Flatten => Ok((x.to_vec(), FailureLedger::new())),
            Layer::BatchNorm(bn) => {
                let plane = input.height * input.width;
                let relu = match self.model.layers.get(i + 1) {
                    Some(Layer::Relu(relu)) if self.plan.fused[i] => Some(*relu),
                    _ => None,
                };
                let out_scale = if relu.is_some() {
                    self.plan.output_scales[i + 1]
                } else {
                    self.plan.output_scales[i]
                };
                self.nonlinear(out.len(), tick, &|evaluator, k, buffers, ledger| {
                    let c = k / plane;
                    let mut z = x[k].clone();
                    z.add_constant(bn.bias[c])?;
                    evaluator.floor_shift(&mut z, bn.shift[c], buffers, ledger)?;
                    match relu {
                        Some(relu) => {
                            evaluator.clamp(&z, 0, (1 << relu.bits) - 1, out_scale, buffers, ledger)
                        }
                        None => Ok(z),
                    }
                })
            }
            Layer::Relu(relu) => {
                let out_scale = self.plan.output_scales[i];
                self.nonlinear(out.len(), tick, &|evaluator, k, buffers, ledger| {
                    evaluator.clamp(&x[k], 0, (1 << relu.bits) - 1, out_scale, buffers, ledger)
                })
            }
            Layer::MaxPool2d(pool) => {
                self.nonlinear(out.len(), tick, &|evaluator, k, buffers, ledger| {
                    let mut window = Vec::with_capacity(pool.size * pool.size);
                    pool_taps(*pool, input, out, k, &mut window);
                    let mut best = x[window[0]].clone();
                    for &j in &window[1..] {
                        best = max(evaluator, &best, &x[j], buffers, ledger)?;
                    }
                    Ok(best)
                })
            }
        }
    }

    /// Runs `f` on every element, one ledger per element, merged at the end. With a batch of
    /// 1: in parallel on the rayon threads, one scratch per thread. With a larger batch:
    /// `threads × batch` workers that take elements one at a time and pool their bootstraps at a
    /// [`BootstrapBatcher`] (every worker seated before any starts; a worker that fails stops
    /// the others from taking new elements).
    fn nonlinear(
        &self,
        elements: usize,
        tick: &(dyn Fn() + Sync),
        f: &ElementFn<'_>,
    ) -> Result<(Vec<WideCiphertext>, FailureLedger), EngineError> {
        let threads = rayon::current_num_threads();
        let workers = (threads * self.bootstrap_batch).min(elements);
        let results: Vec<(WideCiphertext, FailureLedger)> = if self.bootstrap_batch <= 1
            || workers <= 1
        {
            let evaluator = &self.evaluator;
            (0..elements)
                .into_par_iter()
                .map_init(
                    || evaluator.buffers(),
                    |buffers, k| {
                        let mut ledger = FailureLedger::new();
                        let y = f(evaluator, k, buffers, &mut ledger)?;
                        tick();
                        Ok((y, ledger))
                    },
                )
                .collect::<Result<_, TfheError>>()?
        } else {
            let batcher = BootstrapBatcher::new(self.evaluator.keys(), self.bootstrap_batch);
            let evaluator = WideEvaluator::batched(&batcher)?;
            let seated: Vec<WideBuffers<'_>> = (0..workers).map(|_| evaluator.buffers()).collect();
            let next = AtomicUsize::new(0);
            let stop = AtomicBool::new(false);
            let worker = |mut buffers: WideBuffers<'_>| {
                let mut done = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= elements {
                        break;
                    }
                    let mut ledger = FailureLedger::new();
                    match f(&evaluator, k, &mut buffers, &mut ledger) {
                        Ok(y) => done.push((k, y, ledger)),
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    tick();
                }
                Ok(done)
            };
            let finished: Vec<Result<Vec<_>, TfheError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = seated
                    .into_iter()
                    .map(|buffers| scope.spawn(|| worker(buffers)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            let mut slots: Vec<Option<(WideCiphertext, FailureLedger)>> = vec![None; elements];
            for done in finished {
                for (k, y, ledger) in done? {
                    slots[k] = Some((y, ledger));
                }
            }
            slots
                .into_iter()
                .map(|slot| slot.expect("every element was computed"))
                .collect()
        };
        let mut ledger = FailureLedger::new();
        let outputs = results
            .into_iter()
            .map(|(y, l)| {
                ledger.merge(&l);
                y
            })
            .collect();
        Ok((outputs, ledger))
    }
}

/// `max(a, b) = b + clamp(a − b, 0, m)` with `m = max(0, hi(a) − lo(b))` (at most 15).
fn max(
    evaluator: &WideEvaluator<'_>,
    a: &WideCiphertext,
    b: &WideCiphertext,
    buffers: &mut WideBuffers<'_>,
    ledger: &mut FailureLedger,
) -> Result<WideCiphertext, TfheError> {
    let mut difference = a.clone();
    difference.add_scaled(b, -1)?;
    // The plan admits max pooling only right after a ReLU of at most 4 bits, so m ≤ 15.
    let m = (a.range.hi - b.range.lo).max(0);
    if m > 15 {
        return Err(TfheError::WideInteger(
            "max pooling of values more than 15 apart",
        ));
    }
    let relu = evaluator.clamp(&difference, 0, m, a.scale_log2, buffers, ledger)?;
    let mut y = b.clone();
    y.add_scaled(&relu, 1)?;
    y.range = IntRange {
        lo: a.range.lo.max(b.range.lo),
        hi: a.range.hi.max(b.range.hi),
    };
    Ok(y)
}
