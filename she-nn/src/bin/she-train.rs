//! `she-train`: quantization-aware training of the SHE MNIST network (cargo feature `train`).
//!
//! ```text
//! she-train --data DIR --arch NAME --epochs E --seed S --out F
//! ```
//!
//! Trains with candle on the CPU (float phase, then the exact integer phase), writes the model,
//! and checks it: test accuracy under the reference engine on every test image, agreement of
//! the reference with the training's fake-quant forward pass, and the worst-case accumulator
//! range at every batch-norm input.

use clap::Parser;
use rayon::prelude::*;
use she_nn::data::mnist::{load_mnist, Split};
use she_nn::model::{Layer, Model};
use she_nn::train::{self, Arch, Images, TrainConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Quantization-aware training of a SHE network on MNIST-shaped data.
#[derive(Parser, Debug)]
#[command(name = "she-train", version)]
struct Args {
    /// Folder with the four IDX files (train-images-idx3-ubyte[.gz], …).
    #[arg(long)]
    data: PathBuf,
    /// Architecture: she-mnist, she-mnist-wide (32 channels in the second convolution),
    /// she-mnist-wide128 (and 128 hidden units: the shipped model) or she-mnist-tiny.
    #[arg(long, default_value = "she-mnist")]
    arch: String,
    /// Epochs in all (float phase, then integer phase).
    #[arg(long, default_value_t = 15)]
    epochs: usize,
    /// Epochs of the integer phase (default: a third of --epochs).
    #[arg(long)]
    int_epochs: Option<usize>,
    /// Seed of initialisation, shuffling and augmentation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the model.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Minibatch size.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Peak learning rate (Adam, cosine schedule) of the float phase; the integer phase uses
    /// a third of it.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Largest weight exponent per weight layer (one value, or four separated by commas).
    #[arg(long, default_value = "5")]
    max_exp: String,
    /// No random shifts of the training images.
    #[arg(long)]
    no_augment: bool,
    /// Train on the first N training images only (smoke tests).
    #[arg(long)]
    limit: Option<usize>,
    /// Skip training: check an existing model file (with --arch naming its layout).
    #[arg(long)]
    check: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Input pixel bits of the model (1–8): the network sees `pixel >> (8 − bits)`.
    #[arg(long, default_value_t = 8)]
    input_bits: u32,
}

/// Keeps the top `bits` bits of every pixel (the model's input quantization).
fn quantize_images(data: &Images, bits: u32) -> Images {
    Images {
        pixels: data
            .pixels
            .iter()
            .map(|&p| she_nn::quantize::quantize_pixel(p, bits) as u8)
            .collect(),
        labels: data.labels.clone(),
    }
}

/// The encrypted engine's plan at `SHE_MNIST`, and per batch norm its shifts and the width of
/// the worst-case range of `⌊(x + bias) / 2^shift⌋` before the ReLU clamp.
fn plan_check(model: &Model, out: &mut dyn Write) -> Result<bool, String> {
    let plan = she_nn::pbs::Plan::new(
        model,
        &tfhe_core::params::SHE_MNIST,
        she_nn::client::INPUT_SCALE_LOG2,
    );
    let ok = match &plan {
        Ok(p) => {
            let _ = writeln!(
                out,
                "plan at SHE_MNIST: OK, worst log2 failure {:.1}",
                p.worst_log2_failure
            );
            true
        }
        Err(e) => {
            let _ = writeln!(out, "plan at SHE_MNIST: FAILED: {e}");
            false
        }
    };
    let bounds = she_nn::bounds::layer_bounds(model).map_err(|e| format!("layer bounds: {e}"))?;
    for (i, layer) in model.layers.iter().enumerate() {
        let Layer::BatchNorm(bn) = layer else {
            continue;
        };
        if i == 0 {
            continue;
        }
        let input = &bounds[i - 1];
        let plane = input.len() / bn.bias.len().max(1);
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        let mut widest = 0i64;
        for (k, x) in input.iter().enumerate() {
            let c = k / plane.max(1);
            let (b, s) = (bn.bias[c], bn.shift[c]);
            let l = (x.lo + b) >> s;
            let h = (x.hi + b) >> s;
            lo = lo.min(l);
            hi = hi.max(h);
            widest = widest.max(h - l + 1);
        }
        let mut shifts = bn.shift.clone();
        shifts.sort_unstable();
        let _ = writeln!(
            out,
            "  layer {i} batch norm: shifts min {} median {} max {}; output before clamp [{lo}, {hi}], log2 width {:.2}, widest element {:.2} bits",
            shifts[0],
            shifts[shifts.len() / 2],
            shifts[shifts.len() - 1],
            ((hi - lo + 1) as f64).log2(),
            (widest as f64).log2()
        );
        let _ = writeln!(out, "    shifts: {:?}", bn.shift);
    }
    if let Ok(p) = &plan {
        let _ = writeln!(out, "  output scales: {:?}", p.output_scales);
    }
    Ok(ok)
}

/// Reads one split of an MNIST-layout data set (28 × 28 images, labels 0–9).
fn load(dir: &Path, split: Split) -> Result<Images, String> {
    let data = load_mnist(dir, split).map_err(|e| e.to_string())?;
    if data.rows != 28 || data.cols != 28 {
        return Err(format!(
            "{}: expected 28×28 images, found {}×{}",
            dir.display(),
            data.rows,
            data.cols
        ));
    }
    if let Some(l) = data.labels.iter().find(|&&l| l > 9) {
        return Err(format!("{}: label {l} out of range 0..10", dir.display()));
    }
    Ok(Images {
        pixels: data.images,
        labels: data.labels,
    })
}

fn parse_exps(s: &str) -> Result<[u32; 4], String> {
    let v: Vec<u32> = s
        .split(',')
        .map(|x| x.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--max-exp: not a list of exponents: {s}"))?;
    let a = match v.as_slice() {
        [e] => [*e; 4],
        [a, b, c, d] => [*a, *b, *c, *d],
        _ => return Err("--max-exp takes one exponent or four".into()),
    };
    if a.iter().any(|&e| e > 14) {
        return Err("--max-exp: exponents are at most 14".into());
    }
    Ok(a)
}

fn image(data: &Images, i: usize) -> &[u8] {
    &data.pixels[i * 784..(i + 1) * 784]
}

/// Reference-engine test accuracy, agreement with the given predictions, accumulator ranges.
fn check(
    model: &Model,
    arch: Arch,
    test: &Images,
    test_q: &Images,
    trained: Option<&[usize]>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let t0 = Instant::now();
    let reference: Vec<usize> = (0..test.len())
        .into_par_iter()
        .map(|i| she_nn::reference::predict(model, image(test, i)))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("reference engine: {e}"))?;
    let ref_acc = train::accuracy(&reference, test);
    let agree = |p: &[usize]| p.iter().zip(&reference).filter(|(a, b)| a == b).count();
    let _ = writeln!(
        out,
        "reference engine: test accuracy {:.2}% on {} images ({:.1} s)",
        100.0 * ref_acc,
        test.len(),
        t0.elapsed().as_secs_f64()
    );
    if let Some(p) = trained {
        let _ = writeln!(
            out,
            "agreement with the trained fake-quant forward pass: {}/{}",
            agree(p),
            test.len()
        );
    }
    let fq = train::fake_quant_predictions(model, arch, test_q)?;
    let _ = writeln!(
        out,
        "agreement with the fake-quant forward pass of the saved model: {}/{}",
        agree(&fq),
        test.len()
    );
    let own = train::int_predictions(model, arch, test_q)?;
    let _ = writeln!(
        out,
        "agreement with the trainer's own i64 evaluation: {}/{}",
        agree(&own),
        test.len()
    );
    let bounds = she_nn::bounds::layer_bounds(model).map_err(|e| format!("layer bounds: {e}"))?;
    let _ = writeln!(out, "worst-case ranges (over all images):");
    for (i, layer) in model.layers.iter().enumerate() {
        let what = match layer {
            Layer::BatchNorm(_) if i > 0 => format!("layer {i} batch-norm input"),
            _ if i + 1 == model.layers.len() => format!("layer {i} logits"),
            _ => continue,
        };
        let src = if matches!(layer, Layer::BatchNorm(_)) {
            &bounds[i - 1]
        } else {
            &bounds[i]
        };
        let lo = src.iter().map(|b| b.lo).min().unwrap_or(0);
        let hi = src.iter().map(|b| b.hi).max().unwrap_or(0);
        let widest = src.iter().map(|b| b.count()).max().unwrap_or(1);
        let _ = writeln!(
            out,
            "  {what}: [{lo}, {hi}], log2(hi − lo + 1) = {:.2}; widest single element {:.2} bits",
            ((hi as f64) - (lo as f64) + 1.0).log2(),
            (widest as f64).log2()
        );
    }
    let mut exps = Vec::new();
    for layer in &model.layers {
        let w = match layer {
            Layer::Conv2d(c) => &c.weights,
            Layer::Dense(d) => &d.weights,
            _ => continue,
        };
        let max = w.iter().filter_map(|c| c.exponent()).max();
        let nz = w.iter().filter(|c| !c.is_zero()).count();
        exps.push(format!(
            "{}/{} nonzero, max exponent {}",
            nz,
            w.len(),
            max.map_or("-".into(), |e| e.to_string())
        ));
    }
    let _ = writeln!(out, "weights per layer: {}", exps.join("; "));
    plan_check(model, out)?;
    Ok(())
}

fn main_inner(args: &Args) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let arch = Arch::by_name(&args.arch).ok_or_else(|| {
        let names: Vec<&str> = Arch::ALL.iter().map(|a| a.name).collect();
        format!("unknown --arch {} (known: {})", args.arch, names.join(", "))
    })?;
    let test = load(&args.data, Split::Test)?;
    if let Some(path) = &args.check {
        let model = Model::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let test_q = quantize_images(&test, model.input.bits);
        return check(&model, arch, &test, &test_q, None, &mut out);
    }
    if !(1..=8).contains(&args.input_bits) {
        return Err("--input-bits must be in 1..=8".into());
    }
    let test_q = quantize_images(&test, args.input_bits);
    let out_path = args.out.clone().ok_or("--out is required")?;
    let mut trainset = quantize_images(&load(&args.data, Split::Train)?, args.input_bits);
    if let Some(n) = args.limit {
        let n = n.min(trainset.len());
        trainset.pixels.truncate(n * 784);
        trainset.labels.truncate(n);
    }
    if args.batch_size == 0 {
        return Err("--batch-size must be positive".into());
    }
    let cfg = TrainConfig {
        train: trainset,
        test: test_q.clone(),
        arch,
        epochs: args.epochs,
        int_epochs: args.int_epochs,
        seed: args.seed,
        batch: args.batch_size,
        lr: args.lr,
        max_exp: parse_exps(&args.max_exp)?,
        augment: !args.no_augment,
        progress: !args.quiet,
    };
    let mut summary = train::run(&cfg, &mut out)?;
    summary.model.input.bits = args.input_bits;
    summary
        .model
        .save(&out_path)
        .map_err(|e| format!("{}: {e}", out_path.display()))?;
    let model = Model::load(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let _ = writeln!(
        out,
        "wrote {} ({:.0} s of training); test accuracy: float phase {:.2}%, after folding {:.2}%, integer fake-quant {:.2}%",
        out_path.display(),
        summary.train_seconds,
        100.0 * summary.float_accuracy,
        100.0 * summary.folded_accuracy,
        100.0 * summary.int_accuracy
    );
    check(
        &model,
        arch,
        &test,
        &test_q,
        Some(&summary.int_predictions),
        &mut out,
    )
}

fn main() -> ExitCode {
    let args = Args::parse();
    match main_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("she-train: {message}");
            ExitCode::FAILURE
        }
    }
}
