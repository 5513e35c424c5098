//! The SHE MNIST network in candle, in its two training forms.
//!
//! * [`Phase::Float`]: power-of-two weights with a per-layer float scale `α` (the integer
//!   weight times `α`), float batch norm on batch statistics whose gain on the integer
//!   accumulator is rounded to a power of two (the shift the fold will produce), 4-bit
//!   activations `clamp(⌊y⌋, 0, 15)`.
//! * [`Phase::Int`]: the exact integer semantics of [`crate::model`]: integer weights
//!   `±2^e`, folded batch norm `⌊(x + bias) / 2^shift⌋` with integer bias and shift, the same
//!   activations. Every tensor of the forward pass holds integers below `2^24`, so `f32`
//!   computes them exactly; quantizers pass gradients straight through ([`super::ste`]).
//!
//! Activations are kept as `(batch·positions) × channels` matrices (positions row-major), so
//! convolutions are im2col products; the flatten before the first dense layer reorders to the
//! model's `c × h × w` order.

use super::ste::{log2_weight, ste, Ste};
use candle_core::{DType, Device, Result, Tensor, Var};

/// Side of the input image.
pub(crate) const SIDE: usize = 28;
/// Convolution kernel side.
pub(crate) const K: usize = 5;
/// Output side of the first convolution (`28 − 5 + 1`).
const S1: usize = SIDE - K + 1;
/// Side after the first pool.
const P1: usize = S1 / 2;
/// Output side of the second convolution.
const S2: usize = P1 - K + 1;
/// Side after the second pool.
const P2: usize = S2 / 2;
/// Classes.
pub(crate) const CLASSES: usize = 10;
/// Activation bits of every ReLU.
pub(crate) const ACT_BITS: u32 = 4;
const ACT_MAX: f64 = ((1u32 << ACT_BITS) - 1) as f64;
const BN_EPS: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// A network topology: `conv(1→c1) pool BN ReLU conv(c1→c2) pool BN ReLU dense(→hidden) BN
/// ReLU dense(→10)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arch {
    /// Name written into the model file.
    pub name: &'static str,
    /// Channels of the first convolution.
    pub c1: usize,
    /// Channels of the second convolution.
    pub c2: usize,
    /// Width of the hidden dense layer.
    pub hidden: usize,
}

impl Arch {
    /// The architectures `she-train --arch` knows.
    pub const ALL: [Arch; 4] = [
        Arch {
            name: "she-mnist",
            c1: 8,
            c2: 16,
            hidden: 64,
        },
        Arch {
            name: "she-mnist-wide",
            c1: 8,
            c2: 32,
            hidden: 64,
        },
        Arch {
            name: "she-mnist-wide128",
            c1: 8,
            c2: 32,
            hidden: 128,
        },
        Arch {
            name: "she-mnist-tiny",
            c1: 4,
            c2: 8,
            hidden: 32,
        },
    ];

    /// Looks an architecture up by name.
    pub fn by_name(name: &str) -> Option<Arch> {
        Self::ALL.into_iter().find(|a| a.name == name)
    }

    /// `(rows, cols)` of the four weight matrices (rows = outputs).
    pub(crate) fn weight_shapes(&self) -> [(usize, usize); 4] {
        [
            (self.c1, K * K),
            (self.c2, self.c1 * K * K),
            (self.hidden, self.c2 * P2 * P2),
            (CLASSES, self.hidden),
        ]
    }

    /// Channels of the three batch norms.
    pub(crate) fn bn_channels(&self) -> [usize; 3] {
        [self.c1, self.c2, self.hidden]
    }
}

/// Which forward pass the network runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Float batch norm, per-layer float weight scale.
    Float,
    /// Exact integer semantics.
    Int,
}

/// The integer network the training produces (the values of the exported model).
#[derive(Clone, Debug)]
pub(crate) struct IntNet {
    pub(crate) arch: Arch,
    /// Weight matrices, `rows × cols` row-major, values `0` or `±2^e`.
    pub(crate) w: [Vec<i64>; 4],
    pub(crate) shift: [Vec<u32>; 3],
    pub(crate) bias: [Vec<i64>; 3],
}

/// A small deterministic generator (SplitMix64) for initialisation, shuffling, augmentation.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Phase-2 parameters: the folded batch norms and the constants of the integer weights.
struct IntParams {
    /// Integer weight = `log2_weight(latent · 2^emax)`.
    scale: [f64; 4],
    /// Per-element bound on the weight latents (keeps `|w| ≤ 2^emax_c`).
    bound: [Tensor; 4],
    /// Batch-norm bias latents, in units of the layer's output (integer bias =
    /// `round(latent · 2^shift0)`).
    bias: [Var; 3],
    /// `2^shift0` per channel (the shift at folding time).
    bias_unit: [Tensor; 3],
    /// Shift latents (integer shift = `round(latent)`).
    shift: [Var; 3],
    /// Temperature of the integer logits in the loss.
    tau: f64,
}

/// The trainable network.
pub(crate) struct Net {
    pub(crate) arch: Arch,
    /// Largest weight exponent per layer.
    pub(crate) emax: [u32; 4],
    pub(crate) phase: Phase,
    w: [Var; 4],
    gamma: [Var; 3],
    beta: [Var; 3],
    run_mean: [Tensor; 3],
    run_var: [Tensor; 3],
    int: Option<IntParams>,
    /// im2col gather indices of the second convolution.
    idx2: Tensor,
    /// Permutation of the flattened `h × w × c` features into `c × h × w` order.
    device: Device,
}

fn var_from(rng: &mut Rng, rows: usize, cols: usize, dev: &Device) -> Result<Var> {
    let a = (6.0 / cols as f64).sqrt();
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| ((rng.uniform() * 2.0 - 1.0) * a) as f32)
        .collect();
    Var::from_vec(v, (rows, cols), dev)
}

/// Sum pooling 2×2 of a `(b·s·s) × c` matrix (positions row-major) into `(b·(s/2)²) × c`.
fn sum_pool(x: &Tensor, b: usize, s: usize, c: usize) -> Result<Tensor> {
    x.reshape((b, s / 2, 2, s / 2, 2, c))?
        .sum(4)?
        .sum(2)?
        .reshape((b * (s / 2) * (s / 2), c))
}

/// The batch-norm gain `scale` (per channel, applied to the float accumulator `α·A`) rounded
/// so that the gain on the integer accumulator `A`, `k = scale·α`, is `±2^r` with `r` an
/// integer (`r = round(log2|k|)`, halves away from zero in `−log2|k|`): exactly the gain
/// [`Net::fold`] turns into a shift. The rounding passes its gradient straight through in the
/// log domain ([`Ste::Pow2Neg`]), so `d k_q / d k = k_q / k`.
fn pow2_gain(scale: &Tensor, alpha: f64) -> Result<Tensor> {
    let k = (scale * alpha)?;
    let mag = (k.abs()? + 1e-30)?;
    let sign = (k.detach() / mag.detach())?;
    let q = ste(
        &(mag.log()? * (-1.0 / std::f64::consts::LN_2))?,
        Ste::Pow2Neg,
    )?;
    q.mul(&sign)? * (1.0 / alpha)
}

/// Largest magnitude of a tensor.
fn max_abs(t: &Tensor) -> Result<f64> {
    Ok(f64::from(t.abs()?.max_all()?.to_scalar::<f32>()?))
}

impl Net {
    pub(crate) fn new(arch: Arch, emax: [u32; 4], seed: u64) -> Result<Self> {
        let dev = Device::Cpu;
        let mut rng = Rng::new(seed);
        let shapes = arch.weight_shapes();
        let w = [
            var_from(&mut rng, shapes[0].0, shapes[0].1, &dev)?,
            var_from(&mut rng, shapes[1].0, shapes[1].1, &dev)?,
            var_from(&mut rng, shapes[2].0, shapes[2].1, &dev)?,
            var_from(&mut rng, shapes[3].0, shapes[3].1, &dev)?,
        ];
        let ch = arch.bn_channels();
        // γ = 4, β = 2: the normalised pre-activations spread over the 16 activation levels.
        let gamma = ch.map(|c| Var::from_vec(vec![4f32; c], c, &dev));
        let beta = ch.map(|c| Var::from_vec(vec![2f32; c], c, &dev));
        let [g0, g1, g2] = gamma;
        let [b0, b1, b2] = beta;
        let mut idx = Vec::with_capacity(S2 * S2 * arch.c1 * K * K);
        for i in 0..S2 {
            for j in 0..S2 {
                for c in 0..arch.c1 {
                    for u in 0..K {
                        for v in 0..K {
                            idx.push((((i + u) * P1 + (j + v)) * arch.c1 + c) as u32);
                        }
                    }
                }
            }
        }
        let n = idx.len();
        Ok(Self {
            arch,
            emax,
            phase: Phase::Float,
            w,
            gamma: [g0?, g1?, g2?],
            beta: [b0?, b1?, b2?],
            run_mean: ch.map(|c| Tensor::zeros(c, DType::F32, &dev).expect("alloc")),
            run_var: ch.map(|c| Tensor::ones(c, DType::F32, &dev).expect("alloc")),
            int: None,
            idx2: Tensor::from_vec(idx, n, &dev)?,
            device: dev,
        })
    }

    pub(crate) fn device(&self) -> &Device {
        &self.device
    }

    /// The variables the optimiser updates in the current phase, in groups:
    /// `(weights, biases, shifts)` (shifts empty in phase 1; phase-1 BN γ, β go with biases).
    pub(crate) fn vars(&self) -> (Vec<Var>, Vec<Var>, Vec<Var>) {
        let w = self.w.to_vec();
        match &self.int {
            None => {
                let mut b = self.gamma.to_vec();
                b.extend(self.beta.iter().cloned());
                (w, b, Vec::new())
            }
            Some(p) => (w, p.bias.to_vec(), p.shift.to_vec()),
        }
    }

    /// Phase-1 per-layer scale `α = max|w| / 2^emax`.
    fn alpha(&self, l: usize) -> Result<f64> {
        let m = max_abs(self.w[l].as_tensor())?.max(1e-12);
        Ok(m / f64::from(1u32 << self.emax[l]))
    }

    /// The quantized weight matrix of layer `l`: `α·W` (phase 1) or the integers `W` (phase 2).
    fn weight(&self, l: usize) -> Result<Tensor> {
        let u = self.w[l].as_tensor();
        match &self.int {
            None => {
                let a = self.alpha(l)?;
                ste(&(u * (1.0 / a))?, Ste::Log2Weight)? * a
            }
            Some(p) => ste(&(u * p.scale[l])?, Ste::Log2Weight),
        }
    }

    /// Batch norm `i` and the 4-bit activation over an `n × c` matrix.
    fn bn_act(&mut self, i: usize, x: &Tensor, train: bool) -> Result<Tensor> {
        let y = match &self.int {
            None => {
                let (mean, var) = if train {
                    let mean = x.mean(0)?;
                    let xc = x.broadcast_sub(&mean)?;
                    let var = xc.sqr()?.mean(0)?;
                    self.run_mean[i] = ((&self.run_mean[i] * (1.0 - BN_MOMENTUM))?
                        + (mean.detach() * BN_MOMENTUM)?)?;
                    self.run_var[i] = ((&self.run_var[i] * (1.0 - BN_MOMENTUM))?
                        + (var.detach() * BN_MOMENTUM)?)?;
                    (mean, var)
                } else {
                    (self.run_mean[i].clone(), self.run_var[i].clone())
                };
                let inv = (var + BN_EPS)?.sqrt()?.recip()?;
                let scale = inv.mul(self.gamma[i].as_tensor())?;
                // The gain the fold will produce: a power of two on the integer accumulator.
                let scale = pow2_gain(&scale, self.alpha(i)?)?;
                x.broadcast_sub(&mean)?
                    .broadcast_mul(&scale)?
                    .broadcast_add(self.beta[i].as_tensor())?
            }
            Some(p) => {
                let b = ste(&p.bias[i].as_tensor().mul(&p.bias_unit[i])?, Ste::Round)?;
                let s = ste(p.shift[i].as_tensor(), Ste::Pow2Neg)?;
                x.broadcast_add(&b)?.broadcast_mul(&s)?
            }
        };
        ste(&y, Ste::Floor)?.clamp(0f32, ACT_MAX as f32)
    }

    /// Logits of a batch given as first-layer patches `(b·24·24) × 25` (phase 1: float
    /// logits; phase 2: the integer logits, unscaled).
    pub(crate) fn forward(&mut self, patches: &Tensor, b: usize, train: bool) -> Result<Tensor> {
        let a = self.arch;
        let w0 = self.weight(0)?;
        let x = patches.matmul(&w0.t()?)?;
        let x = sum_pool(&x, b, S1, a.c1)?;
        let x = self.bn_act(0, &x, train)?;
        // Second convolution: gather the 5×5×c1 windows of every 8×8 output position.
        let x = x
            .reshape((b, P1 * P1 * a.c1))?
            .index_select(&self.idx2, 1)?;
        let x = x.reshape((b * S2 * S2, a.c1 * K * K))?;
        let w1 = self.weight(1)?;
        let x = x.matmul(&w1.t()?)?;
        let x = sum_pool(&x, b, S2, a.c2)?;
        let x = self.bn_act(1, &x, train)?;
        // Flatten in c × h × w order.
        let x = x
            .reshape((b, P2 * P2, a.c2))?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, a.c2 * P2 * P2))?;
        let w2 = self.weight(2)?;
        let x = x.matmul(&w2.t()?)?;
        let x = self.bn_act(2, &x, train)?;
        let w3 = self.weight(3)?;
        x.matmul(&w3.t()?)
    }

    /// The loss of a batch (cross entropy of the logits, scaled by the temperature in phase 2).
    pub(crate) fn loss(&self, logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
        let z = match &self.int {
            None => logits.clone(),
            Some(p) => (logits * p.tau)?,
        };
        candle_nn::loss::cross_entropy(&z, labels)
    }

    /// After an optimiser step: keep phase-2 latents in range.
    pub(crate) fn project(&self) -> Result<()> {
        if let Some(p) = &self.int {
            for (w, bound) in self.w.iter().zip(&p.bound) {
                let t = w.as_tensor();
                w.set(&t.minimum(bound)?.maximum(&bound.neg()?)?)?;
            }
            for s in &p.shift {
                s.set(&s.as_tensor().clamp(-0.49f32, 30f32)?)?;
            }
        }
        Ok(())
    }

    /// Folds the float batch norms into power-of-two shifts and integer biases and switches
    /// to the exact integer forward pass (phase 2).
    pub(crate) fn fold(&mut self) -> Result<()> {
        assert!(self.int.is_none(), "already folded");
        let dev = self.device.clone();
        let mut scale = [0f64; 4];
        let mut bounds = Vec::new();
        let mut biases = Vec::new();
        let mut units = Vec::new();
        let mut shifts = Vec::new();
        let mut tau = 1.0;
        #[allow(clippy::needless_range_loop)] // `l` indexes several per-layer arrays
        for l in 0..4 {
            let alpha = self.alpha(l)?;
            let (rows, cols) = self.arch.weight_shapes()[l];
            let cl = f64::from(1u32 << self.emax[l]);
            scale[l] = cl;
            // Latent in integer units.
            let mut v: Vec<f32> = self.w[l].as_tensor().flatten_all()?.to_vec1::<f32>()?;
            for x in &mut v {
                *x = (f64::from(*x) / alpha) as f32;
            }
            let mut row_emax = vec![self.emax[l]; rows];
            if l < 3 {
                let gamma = self.gamma[l].as_tensor().to_vec1::<f32>()?;
                let beta = self.beta[l].as_tensor().to_vec1::<f32>()?;
                let mean = self.run_mean[l].to_vec1::<f32>()?;
                let var = self.run_var[l].to_vec1::<f32>()?;
                let mut b = vec![0f32; rows];
                let mut unit = vec![0f32; rows];
                let mut sh = vec![0f32; rows];
                for c in 0..rows {
                    let sigma = (f64::from(var[c]) + BN_EPS).sqrt();
                    let mut k = f64::from(gamma[c]) * alpha / sigma;
                    // The bias is computed for the rounded gain `kq = ±2^round(log2|k|)`, the
                    // gain phase 1 trained with ([`pow2_gain`]), so the fold is exact up to
                    // the rounding of the bias and the batch vs running statistics.
                    let kq = 2f64.powf(-(-k.abs().max(1e-30).log2()).round()).copysign(k);
                    let mut cc = f64::from(beta[c]) / kq - f64::from(mean[c]) / alpha;
                    if k < 0.0 {
                        k = -k;
                        cc = -cc;
                        for x in &mut v[c * cols..(c + 1) * cols] {
                            *x = -*x;
                        }
                    }
                    let k = k.max(1e-30);
                    let mut s = -k.log2();
                    // A gain above 1 moves into the weights (still powers of two).
                    let m = (-s.round()).max(0.0) as u32;
                    if m > 0 {
                        let f = f64::from(1u32 << m);
                        for x in &mut v[c * cols..(c + 1) * cols] {
                            *x = (f64::from(*x) * f) as f32;
                        }
                        cc *= f;
                        s += f64::from(m);
                        row_emax[c] += m;
                    }
                    let s0 = s.round();
                    sh[c] = s as f32;
                    unit[c] = 2f32.powi(s0 as i32);
                    b[c] = (cc / 2f64.powi(s0 as i32)) as f32;
                }
                biases.push(Var::from_vec(b, rows, &dev)?);
                units.push(Tensor::from_vec(unit, rows, &dev)?);
                shifts.push(Var::from_vec(sh, rows, &dev)?);
            } else {
                tau = alpha;
            }
            let bound: Vec<f32> = (0..rows * cols)
                .map(|i| {
                    let e = row_emax[i / cols].min(crate::quantize::MAX_WEIGHT_EXPONENT);
                    (2f64.powf(f64::from(e) + 0.49) / cl) as f32
                })
                .collect();
            let latent: Vec<f32> = v.iter().map(|&x| (f64::from(x) / cl) as f32).collect();
            self.w[l].set(&Tensor::from_vec(latent, (rows, cols), &dev)?)?;
            bounds.push(Tensor::from_vec(bound, (rows, cols), &dev)?);
        }
        let four = |v: Vec<Tensor>| -> [Tensor; 4] { v.try_into().expect("four layers") };
        let three_t = |v: Vec<Tensor>| -> [Tensor; 3] { v.try_into().expect("three BNs") };
        let three_v = |v: Vec<Var>| -> [Var; 3] { v.try_into().expect("three BNs") };
        self.int = Some(IntParams {
            scale,
            bound: four(bounds),
            bias: three_v(biases),
            bias_unit: three_t(units),
            shift: three_v(shifts),
            tau,
        });
        self.phase = Phase::Int;
        self.project()
    }

    /// A phase-2 network that computes exactly `n` (latents are the integers themselves).
    pub(crate) fn from_int(n: &IntNet) -> Result<Self> {
        let mut net = Self::new(n.arch, [crate::quantize::MAX_WEIGHT_EXPONENT; 4], 0)?;
        let dev = net.device.clone();
        let shapes = n.arch.weight_shapes();
        let mut bounds = Vec::new();
        #[allow(clippy::needless_range_loop)] // `l` indexes several per-layer arrays
        for l in 0..4 {
            let (rows, cols) = shapes[l];
            let v: Vec<f32> = n.w[l].iter().map(|&x| x as f32).collect();
            net.w[l].set(&Tensor::from_vec(v, (rows, cols), &dev)?)?;
            bounds.push(Tensor::full(f32::MAX, (rows, cols), &dev)?);
        }
        let mut bias = Vec::new();
        let mut units = Vec::new();
        let mut shifts = Vec::new();
        for i in 0..3 {
            let c = n.shift[i].len();
            bias.push(Var::from_vec(
                n.bias[i].iter().map(|&b| b as f32).collect(),
                c,
                &dev,
            )?);
            units.push(Tensor::ones(c, DType::F32, &dev)?);
            shifts.push(Var::from_vec(
                n.shift[i].iter().map(|&s| s as f32).collect(),
                c,
                &dev,
            )?);
        }
        net.int = Some(IntParams {
            scale: [1.0; 4],
            bound: bounds.try_into().expect("four layers"),
            bias: bias.try_into().expect("three BNs"),
            bias_unit: units.try_into().expect("three BNs"),
            shift: shifts.try_into().expect("three BNs"),
            tau: 1.0,
        });
        net.phase = Phase::Int;
        Ok(net)
    }

    /// The integer network of phase 2, computed with the same `f32` operations as the forward
    /// pass.
    pub(crate) fn export(&self) -> Result<IntNet> {
        let p = self.int.as_ref().expect("export needs phase 2");
        let mut w: [Vec<i64>; 4] = Default::default();
        for (l, out) in w.iter_mut().enumerate() {
            let t = (self.w[l].as_tensor() * p.scale[l])?;
            *out = t
                .flatten_all()?
                .to_vec1::<f32>()?
                .into_iter()
                .map(|x| log2_weight(x) as i64)
                .collect();
        }
        let mut shift: [Vec<u32>; 3] = Default::default();
        let mut bias: [Vec<i64>; 3] = Default::default();
        for i in 0..3 {
            shift[i] = p.shift[i]
                .as_tensor()
                .to_vec1::<f32>()?
                .into_iter()
                .map(|s| s.round().max(0.0) as u32)
                .collect();
            bias[i] = p.bias[i]
                .as_tensor()
                .mul(&p.bias_unit[i])?
                .to_vec1::<f32>()?
                .into_iter()
                .map(|b| b.round() as i64)
                .collect();
        }
        Ok(IntNet {
            arch: self.arch,
            w,
            shift,
            bias,
        })
    }
}

/// First-layer im2col patches `(b·24·24) × 25` of a batch of images, each optionally shifted
/// by `(dy, dx)` pixels (zero fill).
pub(crate) fn patches(images: &[&[u8]], shifts: &[(i32, i32)], dev: &Device) -> Result<Tensor> {
    let b = images.len();
    let mut out = vec![0f32; b * S1 * S1 * K * K];
    let mut img = [0f32; SIDE * SIDE];
    for (n, src) in images.iter().enumerate() {
        let (dy, dx) = shifts.get(n).copied().unwrap_or((0, 0));
        for r in 0..SIDE as i32 {
            for c in 0..SIDE as i32 {
                let (sr, sc) = (r - dy, c - dx);
                img[(r * SIDE as i32 + c) as usize] =
                    if (0..SIDE as i32).contains(&sr) && (0..SIDE as i32).contains(&sc) {
                        f32::from(src[(sr * SIDE as i32 + sc) as usize])
                    } else {
                        0.0
                    };
            }
        }
        let base = n * S1 * S1 * K * K;
        for i in 0..S1 {
            for j in 0..S1 {
                let o = base + (i * S1 + j) * K * K;
                for u in 0..K {
                    let row = &img[(i + u) * SIDE + j..(i + u) * SIDE + j + K];
                    out[o + u * K..o + u * K + K].copy_from_slice(row);
                }
            }
        }
    }
    Tensor::from_vec(out, (b * S1 * S1, K * K), dev)
}

/// Index of the largest logit (the first one on ties) of each row.
pub(crate) fn argmax_rows(logits: &Tensor) -> Result<Vec<usize>> {
    let rows = logits.to_dtype(DType::F32)?.to_vec2::<f32>()?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut best = 0;
            for (i, &x) in r.iter().enumerate() {
                if x > r[best] {
                    best = i;
                }
            }
            best
        })
        .collect())
}

impl IntNet {
    /// The integer logits of one image: an independent `i64` evaluation of the exported
    /// semantics (used to cross-check the reference engine and the `f32` forward pass).
    pub(crate) fn logits(&self, image: &[u8]) -> Vec<i64> {
        let a = self.arch;
        let act = |x: i64, sh: u32, b: i64| ((x + b) >> sh).clamp(0, ACT_MAX as i64);
        // conv1 + pool + bn + relu → h1[(i*12+j)*c1 + c]
        let mut h1 = vec![0i64; P1 * P1 * a.c1];
        for c in 0..a.c1 {
            let w = &self.w[0][c * K * K..(c + 1) * K * K];
            for i in 0..P1 {
                for j in 0..P1 {
                    let mut s = 0i64;
                    for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let (y, x) = (2 * i + di, 2 * j + dj);
                        for u in 0..K {
                            for v in 0..K {
                                s += w[u * K + v] * i64::from(image[(y + u) * SIDE + x + v]);
                            }
                        }
                    }
                    h1[(i * P1 + j) * a.c1 + c] = act(s, self.shift[0][c], self.bias[0][c]);
                }
            }
        }
        let mut h2 = vec![0i64; a.c2 * P2 * P2]; // c × h × w
        for o in 0..a.c2 {
            let w = &self.w[1][o * a.c1 * K * K..(o + 1) * a.c1 * K * K];
            for i in 0..P2 {
                for j in 0..P2 {
                    let mut s = 0i64;
                    for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let (y, x) = (2 * i + di, 2 * j + dj);
                        for c in 0..a.c1 {
                            for u in 0..K {
                                for v in 0..K {
                                    s += w[(c * K + u) * K + v]
                                        * h1[((y + u) * P1 + x + v) * a.c1 + c];
                                }
                            }
                        }
                    }
                    h2[(o * P2 + i) * P2 + j] = act(s, self.shift[1][o], self.bias[1][o]);
                }
            }
        }
        let n2 = a.c2 * P2 * P2;
        let h3: Vec<i64> = (0..a.hidden)
            .map(|o| {
                let s: i64 = (0..n2).map(|i| self.w[2][o * n2 + i] * h2[i]).sum();
                act(s, self.shift[2][o], self.bias[2][o])
            })
            .collect();
        (0..CLASSES)
            .map(|o| {
                (0..a.hidden)
                    .map(|i| self.w[3][o * a.hidden + i] * h3[i])
                    .sum()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2_gain_rounds_the_integer_gain_and_passes_gradients() -> Result<()> {
        let dev = Device::Cpu;
        // α = 0.25: integer gains k = 0.3, −0.1, 3.0 round to 0.25, −0.125, 4.
        let scale = Var::from_vec(vec![1.2f32, -0.4, 12.0], 3, &dev)?;
        let q = pow2_gain(scale.as_tensor(), 0.25)?;
        let k: Vec<f32> = (&q * 0.25)?.to_vec1()?;
        assert_eq!(k, vec![0.25, -0.125, 4.0]);
        // d q / d scale = q / scale (straight through in the log domain).
        let g = q.sum_all()?.backward()?;
        let g: Vec<f32> = g.get(&scale).expect("gradient").to_vec1()?;
        for (g, want) in g.iter().zip([1.0f32 / 1.2, 0.5 / 0.4, 16.0 / 12.0]) {
            assert!((g - want).abs() < 1e-5, "{g} vs {want}");
        }
        Ok(())
    }
}
