//! Quantization-aware training of SHE networks with candle (CPU), behind the cargo feature
//! `train` (binary `she-train`).
//!
//! Training runs in two phases:
//!
//! 1. **Float phase**: power-of-two weights with one float scale per layer (`α·W`, `W` an
//!    integer `0` or `±2^e`, `e ≤ emax`), float batch norm on batch statistics with its
//!    per-channel gain on the integer accumulator rounded to a power of two (straight-through
//!    in the log domain), 4-bit activations `clamp(⌊y⌋, 0, 15)`. Because phase 1 already uses
//!    the gains the fold produces, the fold changes the network only by the rounding of the
//!    biases and by using running instead of batch statistics.
//! 2. **Integer phase**: each batch norm is folded into the exact form of the model IR,
//!    `⌊(x + bias) / 2^shift⌋` per channel (the sign of `γ` goes into the weights, a gain above 1
//!    multiplies the channel's weights), and training goes on with the exact integer forward
//!    pass: every tensor is an integer below `2^24` held in `f32`, and the rounding of the
//!    weight exponents, of the shifts, of the biases, the floor and the clamp pass gradients
//!    straight through.
//!
//! The exported [`Model`] computes, under [`crate::reference`], exactly what the phase-2
//! forward pass computes; [`run`] checks that on the whole test set.

mod net;
mod ste;

pub use net::Arch;

use crate::model::{
    BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, Pool2d, Relu, Shape as ModelShape,
};
use crate::quantize::WeightCode;
use candle_core::Tensor;
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use net::{argmax_rows, patches, IntNet, Net, Phase, Rng, CLASSES, K, SIDE};
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// A labelled image set: `n` images of `28 × 28` 8-bit pixels, row-major, and their labels.
#[derive(Clone, Debug)]
pub struct Images {
    /// Pixels, image after image.
    pub pixels: Vec<u8>,
    /// Labels `0..10`.
    pub labels: Vec<u8>,
}

impl Images {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * SIDE * SIDE..(i + 1) * SIDE * SIDE]
    }
}

/// Everything `she-train` is told.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Training images.
    pub train: Images,
    /// Test images.
    pub test: Images,
    /// Topology.
    pub arch: Arch,
    /// Epochs in all (both phases).
    pub epochs: usize,
    /// Epochs of the integer phase (default: a third of `epochs`, at least 1).
    pub int_epochs: Option<usize>,
    /// Seed of initialisation, shuffling and augmentation.
    pub seed: u64,
    /// Minibatch size.
    pub batch: usize,
    /// Peak learning rate of the float phase (the integer phase uses a third of it).
    pub lr: f64,
    /// Largest weight exponent of each of the four weight layers (channels whose batch-norm
    /// gain exceeds 1 may exceed it by the folded gain).
    pub max_exp: [u32; 4],
    /// Random shifts by up to ±2 pixels.
    pub augment: bool,
    /// Show a progress bar (only when stdout is a terminal).
    pub progress: bool,
}

/// What a training run measured.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The trained model.
    pub model: Model,
    /// Test accuracy of the phase-1 (float batch norm) network.
    pub float_accuracy: f64,
    /// Test accuracy of the integer forward pass right after folding.
    pub folded_accuracy: f64,
    /// Test accuracy of the final integer forward pass (fake-quant, candle).
    pub int_accuracy: f64,
    /// Test-set predictions of the final integer forward pass of the trained network.
    pub int_predictions: Vec<usize>,
    /// Seconds of training.
    pub train_seconds: f64,
}

#[allow(clippy::needless_pass_by_value)] // by value so that it fits `map_err(err)`
fn err(e: candle_core::Error) -> String {
    format!("training failed: {e}")
}

fn label_tensor(labels: &[u8], dev: &candle_core::Device) -> candle_core::Result<Tensor> {
    let v: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
    Tensor::from_vec(v, labels.len(), dev)
}

/// Predictions of the network's current forward pass (no augmentation, inference mode).
fn predict_all(net: &mut Net, data: &Images) -> candle_core::Result<Vec<usize>> {
    let mut out = Vec::with_capacity(data.len());
    let chunk = 500;
    let mut start = 0;
    while start < data.len() {
        let end = (start + chunk).min(data.len());
        let imgs: Vec<&[u8]> = (start..end).map(|i| data.image(i)).collect();
        let p = patches(&imgs, &[], net.device())?;
        let logits = net.forward(&p, end - start, false)?;
        out.extend(argmax_rows(&logits)?);
        start = end;
    }
    Ok(out)
}

/// Fraction of `pred` equal to the labels of `data`.
pub fn accuracy(pred: &[usize], data: &Images) -> f64 {
    accuracy_of(pred, data)
}

fn accuracy_of(pred: &[usize], data: &Images) -> f64 {
    let ok = pred
        .iter()
        .zip(&data.labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    ok as f64 / data.len().max(1) as f64
}

fn cosine(lr: f64, step: usize, total: usize) -> f64 {
    let t = step as f64 / total.max(1) as f64;
    lr * (0.02 + 0.98 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// Trains one phase; returns the last epoch's mean loss.
#[allow(clippy::too_many_arguments)]
fn train_phase(
    net: &mut Net,
    cfg: &TrainConfig,
    rng: &mut Rng,
    epochs: usize,
    lr: f64,
    label: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let (wv, bv, sv) = net.vars();
    let params = |lr: f64, wd: f64| ParamsAdamW {
        lr,
        weight_decay: wd,
        ..ParamsAdamW::default()
    };
    let mut opt_w = AdamW::new(wv, params(lr, 0.0)).map_err(err)?;
    let mut opt_b = AdamW::new(bv, params(lr, 0.0)).map_err(err)?;
    let mut opt_s = AdamW::new(sv, params(lr * 0.1, 0.0)).map_err(err)?;
    let n = cfg.train.len();
    let steps_per_epoch = n.div_ceil(cfg.batch);
    let total = steps_per_epoch * epochs;
    let show = cfg.progress && std::io::stdout().is_terminal();
    let mut step = 0;
    for epoch in 1..=epochs {
        let t0 = Instant::now();
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let bar = show.then(|| {
            let b = indicatif::ProgressBar::new(steps_per_epoch as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})",
                )
                .expect("template")
                .progress_chars("=> "),
            );
            b.set_prefix(format!("{label} epoch {epoch}/{epochs}"));
            b
        });
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        for chunk in order.chunks(cfg.batch) {
            let r = cosine(lr, step, total);
            opt_w.set_learning_rate(r);
            opt_b.set_learning_rate(r);
            opt_s.set_learning_rate(r * 0.1);
            let imgs: Vec<&[u8]> = chunk.iter().map(|&i| cfg.train.image(i)).collect();
            let shifts: Vec<(i32, i32)> = if cfg.augment {
                chunk
                    .iter()
                    .map(|_| (rng.below(5) as i32 - 2, rng.below(5) as i32 - 2))
                    .collect()
            } else {
                Vec::new()
            };
            let labels: Vec<u8> = chunk.iter().map(|&i| cfg.train.labels[i]).collect();
            let result = (|| -> candle_core::Result<(f64, usize)> {
                let dev = net.device().clone();
                let p = patches(&imgs, &shifts, &dev)?;
                let y = label_tensor(&labels, &dev)?;
                let logits = net.forward(&p, chunk.len(), true)?;
                let loss = net.loss(&logits, &y)?;
                let grads = loss.backward()?;
                opt_w.step(&grads)?;
                opt_b.step(&grads)?;
                opt_s.step(&grads)?;
                net.project()?;
                let pred = argmax_rows(&logits)?;
                let ok = pred
                    .iter()
                    .zip(&labels)
                    .filter(|(p, l)| **p == usize::from(**l))
                    .count();
                Ok((f64::from(loss.to_scalar::<f32>()?), ok))
            })();
            let (l, ok) = result.map_err(err)?;
            loss_sum += l * chunk.len() as f64;
            correct += ok;
            seen += chunk.len();
            step += 1;
            if let Some(b) = &bar {
                b.set_message(format!(
                    "loss {:.4} acc {:.2}%",
                    loss_sum / seen as f64,
                    100.0 * correct as f64 / seen as f64
                ));
                b.inc(1);
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        let test = accuracy(&predict_all(net, &cfg.test).map_err(err)?, &cfg.test);
        let _ = writeln!(
            out,
            "{label} epoch {epoch}/{epochs}: loss {:.4}, train acc {:.2}%, test acc {:.2}% ({:.1} s)",
            loss_sum / seen.max(1) as f64,
            100.0 * correct as f64 / seen.max(1) as f64,
            100.0 * test,
            t0.elapsed().as_secs_f64()
        );
        let _ = out.flush();
    }
    Ok(())
}

/// Trains a network as configured and returns the exported model with the measured
/// accuracies. Progress goes to `out`, one line per epoch.
pub fn run(cfg: &TrainConfig, out: &mut dyn Write) -> Result<Summary, String> {
    if cfg.train.is_empty() || cfg.test.is_empty() {
        return Err("empty training or test set".into());
    }
    if cfg.epochs < 2 {
        return Err("--epochs must be at least 2 (float phase and integer phase)".into());
    }
    let int_epochs = cfg
        .int_epochs
        .unwrap_or((cfg.epochs / 3).max(1))
        .clamp(1, cfg.epochs - 1);
    let float_epochs = cfg.epochs - int_epochs;
    let start = Instant::now();
    let mut rng = Rng::new(cfg.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5);
    let mut net = Net::new(cfg.arch, cfg.max_exp, cfg.seed).map_err(err)?;
    let _ = writeln!(
        out,
        "{}: conv 1→{} k5, conv {}→{} k5, dense {}→{}→{}; weight exponents ≤ {:?}; {} float + {} integer epochs, batch {}, seed {}",
        cfg.arch.name,
        cfg.arch.c1,
        cfg.arch.c1,
        cfg.arch.c2,
        cfg.arch.c2 * 16,
        cfg.arch.hidden,
        CLASSES,
        cfg.max_exp,
        float_epochs,
        int_epochs,
        cfg.batch,
        cfg.seed
    );
    train_phase(&mut net, cfg, &mut rng, float_epochs, cfg.lr, "float", out)?;
    let float_accuracy = accuracy(&predict_all(&mut net, &cfg.test).map_err(err)?, &cfg.test);
    net.fold().map_err(err)?;
    debug_assert_eq!(net.phase, Phase::Int);
    let folded_accuracy = accuracy(&predict_all(&mut net, &cfg.test).map_err(err)?, &cfg.test);
    let _ = writeln!(
        out,
        "folded batch norms: test acc {:.2}% (float phase {:.2}%)",
        100.0 * folded_accuracy,
        100.0 * float_accuracy
    );
    train_phase(
        &mut net,
        cfg,
        &mut rng,
        int_epochs,
        cfg.lr / 3.0,
        "integer",
        out,
    )?;
    let int_predictions = predict_all(&mut net, &cfg.test).map_err(err)?;
    let int_accuracy = accuracy(&int_predictions, &cfg.test);
    let int_net = net.export().map_err(err)?;
    Ok(Summary {
        model: to_model(&int_net),
        float_accuracy,
        folded_accuracy,
        int_accuracy,
        int_predictions,
        train_seconds: start.elapsed().as_secs_f64(),
    })
}

fn codes(w: &[i64]) -> Vec<WeightCode> {
    w.iter()
        .map(|&v| WeightCode::from_value(v).expect("weights are powers of two"))
        .collect()
}

/// The model IR of a trained integer network.
fn to_model(n: &IntNet) -> Model {
    let a = n.arch;
    let bn = |i: usize| {
        Layer::BatchNorm(BatchNorm {
            shift: n.shift[i].clone(),
            bias: n.bias[i].clone(),
        })
    };
    let relu = || Layer::Relu(Relu { bits: 4 });
    let pool = || Layer::SumPool2d(Pool2d { size: 2, stride: 2 });
    Model {
        name: a.name.to_string(),
        input: InputSpec {
            shape: ModelShape {
                channels: 1,
                height: SIDE,
                width: SIDE,
            },
            bits: 8,
        },
        layers: vec![
            Layer::Conv2d(Conv2d {
                in_channels: 1,
                out_channels: a.c1,
                kernel: K,
                stride: 1,
                padding: 0,
                weights: codes(&n.w[0]),
            }),
            pool(),
            bn(0),
            relu(),
            Layer::Conv2d(Conv2d {
                in_channels: a.c1,
                out_channels: a.c2,
                kernel: K,
                stride: 1,
                padding: 0,
                weights: codes(&n.w[1]),
            }),
            pool(),
            bn(1),
            relu(),
            Layer::Flatten,
            Layer::Dense(Dense {
                inputs: a.c2 * 16,
                outputs: a.hidden,
                weights: codes(&n.w[2]),
            }),
            bn(2),
            relu(),
            Layer::Dense(Dense {
                inputs: a.hidden,
                outputs: CLASSES,
                weights: codes(&n.w[3]),
            }),
        ],
    }
}

/// Reads a model produced by [`to_model`] back into the integer network (for the `f32`
/// fake-quant re-evaluation).
fn from_model(model: &Model, arch: Arch) -> Option<IntNet> {
    let mut w: Vec<Vec<i64>> = Vec::new();
    let mut shift = Vec::new();
    let mut bias = Vec::new();
    for l in &model.layers {
        match l {
            Layer::Conv2d(c) => w.push(c.weights.iter().map(|c| c.value()).collect()),
            Layer::Dense(d) => w.push(d.weights.iter().map(|c| c.value()).collect()),
            Layer::BatchNorm(b) => {
                shift.push(b.shift.clone());
                bias.push(b.bias.clone());
            }
            _ => {}
        }
    }
    Some(IntNet {
        arch,
        w: w.try_into().ok()?,
        shift: shift.try_into().ok()?,
        bias: bias.try_into().ok()?,
    })
}

/// The predictions of the candle integer (fake-quant) forward pass of a trained model, on
/// `data`: the exported integers are loaded into a phase-2 network and run through the same
/// `f32` pipeline as training.
pub fn fake_quant_predictions(
    model: &Model,
    arch: Arch,
    data: &Images,
) -> Result<Vec<usize>, String> {
    let n = from_model(model, arch).ok_or("model does not have the she-mnist layout")?;
    let mut net = Net::from_int(&n).map_err(err)?;
    predict_all(&mut net, data).map_err(err)
}

/// The predictions of an independent `i64` evaluation of a trained model (a cross-check of
/// [`crate::reference`]).
pub fn int_predictions(model: &Model, arch: Arch, data: &Images) -> Result<Vec<usize>, String> {
    let n = from_model(model, arch).ok_or("model does not have the she-mnist layout")?;
    Ok((0..data.len())
        .map(|i| crate::reference::argmax(&n.logits(data.image(i))))
        .collect())
}
