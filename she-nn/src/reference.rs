//! The plaintext reference engine: it **defines** the integer semantics of a [`Model`] that the
//! encrypted engines must reproduce bit for bit.
//!
//! Tensors are `i64` vectors in CHW order (element `(c, i, j)` of a `C × H × W` tensor is at
//! `(c·H + i)·W + j`). For an image `x` of 8-bit pixels, the input tensor is
//! `q[k] = x[k] >> (8 − bits)` ([`quantize_pixel`]), and each layer maps its input `x` (shape
//! `C × H × W`) to its output `y` (shape from [`Model::validate`]):
//!
//! * [`Conv2d`] (kernel `K`, stride `s`, padding `p`):
//!   `y[o,i,j] = Σ_{c<C} Σ_{u,v<K} w[o,c,u,v]·x[c, i·s+u−p, j·s+v−p]`, where a position outside
//!   `0 ≤ row < H`, `0 ≤ col < W` reads 0 (zero padding);
//! * [`Dense`]: `y[o] = Σ_i w[o,i]·x[i]` (input flat);
//! * [`BatchNorm`]: `y[c,i,j] = ⌊(x[c,i,j] + bias[c]) / 2^shift[c]⌋` — floor division, which on
//!   two's-complement integers is the arithmetic shift `(x + bias) >> shift`;
//! * [`Relu`]: `y = min(max(x, 0), 2^bits − 1)`;
//! * [`Layer::MaxPool2d`] / [`Layer::SumPool2d`] (window `S`, stride `s`):
//!   `y[c,i,j] = max / Σ_{u,v<S} x[c, i·s+u, j·s+v]`;
//! * [`Layer::Flatten`]: `y = x` (the CHW order is already the flat order).
//!
//! All arithmetic is checked `i64`: an intermediate value (a product, a partial sum, `x + bias`)
//! outside `i64` is reported as [`ModelError::Overflow`], never wrapped. For a model whose
//! [`crate::bounds::layer_bounds`] succeed, no image can overflow.

use crate::model::{BatchNorm, Conv2d, Dense, Layer, Model, ModelError, Pool2d, Relu, Shape};
use crate::quantize::quantize_pixel;

/// The output of every layer of one evaluation: `layers[i]` is the output of `model.layers[i]`
/// in CHW order; the last entry is the logits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Output of each layer, CHW order.
    pub layers: Vec<Vec<i64>>,
}

impl Trace {
    /// The last layer's output: the logits (empty only for a trace of no layers, which
    /// [`forward`] never returns).
    pub fn output(&self) -> &[i64] {
        self.layers.last().map_or(&[], Vec::as_slice)
    }
}

/// Evaluates `model` on `image` (8-bit pixels in CHW order of the input shape) and returns the
/// output of every layer.
///
/// Fails if the model is invalid ([`Model::validate`]), if `image` does not hold exactly
/// `channels·height·width` pixels ([`ModelError::ImageSize`]), or on `i64` overflow
/// ([`ModelError::Overflow`]).
pub fn forward(model: &Model, image: &[u8]) -> Result<Trace, ModelError> {
    let shapes = model.validate()?;
    let expected = model.input_len();
    if image.len() != expected {
        return Err(ModelError::ImageSize {
            expected,
            found: image.len(),
        });
    }
    let bits = model.input.bits;
    let input: Vec<i64> = image.iter().map(|&p| quantize_pixel(p, bits)).collect();
    let mut layers: Vec<Vec<i64>> = Vec::with_capacity(model.layers.len());
    let mut shape = model.input.shape;
    for (index, (layer, &out)) in model.layers.iter().zip(&shapes).enumerate() {
        let x = layers.last().map_or(input.as_slice(), Vec::as_slice);
        let y = apply(index, layer, shape, out, x)?;
        layers.push(y);
        shape = out;
    }
    Ok(Trace { layers })
}

/// The logits: the last layer's output of [`forward`].
pub fn logits(model: &Model, image: &[u8]) -> Result<Vec<i64>, ModelError> {
    let mut trace = forward(model, image)?;
    Ok(trace.layers.pop().unwrap_or_default())
}

/// The predicted class: the index of the largest logit, the lowest index among ties.
pub fn predict(model: &Model, image: &[u8]) -> Result<usize, ModelError> {
    Ok(argmax(&logits(model, image)?))
}

/// Index of the largest value, the lowest one among ties (0 for an empty slice).
pub fn argmax(values: &[i64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// Applies layer `index` of shape `input → out` to `x`.
fn apply(
    index: usize,
    layer: &Layer,
    input: Shape,
    out: Shape,
    x: &[i64],
) -> Result<Vec<i64>, ModelError> {
    match layer {
        Layer::Conv2d(conv) => conv2d(index, conv, input, out, x),
        Layer::Dense(dense) => dense_layer(index, dense, x),
        Layer::BatchNorm(bn) => batch_norm(index, bn, input, x),
        Layer::Relu(relu) => Ok(self::relu(*relu, x)),
        Layer::MaxPool2d(pool) => pool2d(index, *pool, input, out, x, |window| {
            window.fold(None, |best: Option<i64>, v| {
                Some(best.map_or(v, |b| b.max(v)))
            })
        }),
        Layer::SumPool2d(pool) => pool2d(index, *pool, input, out, x, |window| {
            let mut sum = 0i64;
            for v in window {
                sum = sum.checked_add(v)?;
            }
            Some(sum)
        }),
        Layer::Flatten => Ok(x.to_vec()),
    }
}

/// `w·x` for the code `w`, checked.
fn times(weight: crate::quantize::WeightCode, x: i64) -> Option<i64> {
    x.checked_mul(weight.value())
}

fn conv2d(
    layer: usize,
    conv: &Conv2d,
    input: Shape,
    out: Shape,
    x: &[i64],
) -> Result<Vec<i64>, ModelError> {
    let (h, w) = (input.height, input.width);
    let (k, s, p) = (conv.kernel, conv.stride, conv.padding);
    let mut y = Vec::with_capacity(out.len());
    for o in 0..out.channels {
        for i in 0..out.height {
            for j in 0..out.width {
                let index = y.len();
                let overflow = || ModelError::Overflow { layer, index };
                let mut acc = 0i64;
                for c in 0..conv.in_channels {
                    for u in 0..k {
                        // Row `i·s + u − p`; rows outside `0 .. h` are padding and read 0.
                        let Some(row) = (i * s + u).checked_sub(p).filter(|&r| r < h) else {
                            continue;
                        };
                        for v in 0..k {
                            let Some(col) = (j * s + v).checked_sub(p).filter(|&q| q < w) else {
                                continue;
                            };
                            let term = times(conv.weight(o, c, u, v), x[(c * h + row) * w + col])
                                .ok_or_else(overflow)?;
                            acc = acc.checked_add(term).ok_or_else(overflow)?;
                        }
                    }
                }
                y.push(acc);
            }
        }
    }
    Ok(y)
}

fn dense_layer(layer: usize, dense: &Dense, x: &[i64]) -> Result<Vec<i64>, ModelError> {
    (0..dense.outputs)
        .map(|o| {
            dense
                .row(o)
                .iter()
                .zip(x)
                .try_fold(0i64, |acc, (&w, &xi)| acc.checked_add(times(w, xi)?))
                .ok_or(ModelError::Overflow { layer, index: o })
        })
        .collect()
}

fn batch_norm(
    layer: usize,
    bn: &BatchNorm,
    input: Shape,
    x: &[i64],
) -> Result<Vec<i64>, ModelError> {
    let plane = input.height * input.width;
    x.iter()
        .enumerate()
        .map(|(index, &v)| {
            let c = index / plane;
            // Arithmetic right shift = floor division by 2^shift (shift ≤ 62).
            v.checked_add(bn.bias[c])
                .map(|t| t >> bn.shift[c])
                .ok_or(ModelError::Overflow { layer, index })
        })
        .collect()
}

fn relu(relu: Relu, x: &[i64]) -> Vec<i64> {
    let max = (1i64 << relu.bits) - 1;
    x.iter().map(|&v| v.clamp(0, max)).collect()
}

/// Applies `reduce` to every pooling window (each window yields its values in row-major
/// order); `None` from `reduce` is an overflow at that output.
fn pool2d(
    layer: usize,
    pool: Pool2d,
    input: Shape,
    out: Shape,
    x: &[i64],
    reduce: impl Fn(&mut dyn Iterator<Item = i64>) -> Option<i64>,
) -> Result<Vec<i64>, ModelError> {
    let (h, w) = (input.height, input.width);
    let mut y = Vec::with_capacity(out.len());
    for c in 0..out.channels {
        for i in 0..out.height {
            for j in 0..out.width {
                let (r0, c0) = (i * pool.stride, j * pool.stride);
                let mut window = (0..pool.size).flat_map(|u| {
                    let start = (c * h + r0 + u) * w + c0;
                    x[start..start + pool.size].iter().copied()
                });
                let index = y.len();
                y.push(reduce(&mut window).ok_or(ModelError::Overflow { layer, index })?);
            }
        }
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::random::{random_model, TestRng};
    use crate::model::InputSpec;
    use crate::quantize::WeightCode;

    fn codes(values: &[i64]) -> Vec<WeightCode> {
        values
            .iter()
            .map(|&v| WeightCode::from_value(v).unwrap())
            .collect()
    }

    fn model(channels: usize, height: usize, width: usize, layers: Vec<Layer>) -> Model {
        Model {
            name: "test".to_string(),
            input: InputSpec {
                shape: Shape {
                    channels,
                    height,
                    width,
                },
                bits: 8,
            },
            layers,
        }
    }

    /// 1×3×3 image 1..=9 (8-bit input bits keep the pixels as they are).
    const NINE: [u8; 9] = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    #[test]
    fn conv_with_stride_and_padding() {
        // w = [[1,0,0],[0,2,0],[0,0,-1]], stride 2, padding 1 over [[1,2,3],[4,5,6],[7,8,9]]:
        // y[i,j] = x[2i−1,2j−1] + 2·x[2i,2j] − x[2i+1,2j+1], outside reads 0.
        let m = model(
            1,
            3,
            3,
            vec![Layer::Conv2d(Conv2d {
                in_channels: 1,
                out_channels: 1,
                kernel: 3,
                stride: 2,
                padding: 1,
                weights: codes(&[1, 0, 0, 0, 2, 0, 0, 0, -1]),
            })],
        );
        assert_eq!(logits(&m, &NINE).unwrap(), vec![-3, 6, 14, 23]);
    }

    #[test]
    fn conv_sums_over_input_channels() {
        // Two input channels, two output channels, 1×1 kernel: a per-pixel linear map.
        let m = model(
            2,
            1,
            2,
            vec![Layer::Conv2d(Conv2d {
                in_channels: 2,
                out_channels: 2,
                kernel: 1,
                stride: 1,
                padding: 0,
                weights: codes(&[1, 4, -2, 0]),
            })],
        );
        // x = [[1, 2], [3, 4]] (channel, column): y0 = x0 + 4·x1, y1 = −2·x0.
        assert_eq!(logits(&m, &[1, 2, 3, 4]).unwrap(), vec![13, 18, -2, -4]);
    }

    #[test]
    fn pools_drop_incomplete_windows() {
        let max = model(
            1,
            3,
            3,
            vec![Layer::MaxPool2d(Pool2d { size: 2, stride: 1 })],
        );
        assert_eq!(logits(&max, &NINE).unwrap(), vec![5, 6, 8, 9]);
        let sum = model(
            1,
            3,
            3,
            vec![Layer::SumPool2d(Pool2d { size: 2, stride: 2 })],
        );
        assert_eq!(logits(&sum, &NINE).unwrap(), vec![1 + 2 + 4 + 5]);
    }

    #[test]
    fn batch_norm_floors_negative_values() {
        // Dense with weight −1 makes negatives; then ⌊(x + 1)/2⌋ and ⌊(x − 3)/8⌋ per channel.
        let m = model(
            4,
            1,
            1,
            vec![
                Layer::Dense(Dense {
                    inputs: 4,
                    outputs: 4,
                    weights: codes(&[
                        -1, 0, 0, 0, //
                        0, -1, 0, 0, //
                        0, 0, 1, 0, //
                        0, 0, 0, 1,
                    ]),
                }),
                Layer::BatchNorm(BatchNorm {
                    shift: vec![1, 1, 1, 3],
                    bias: vec![1, 1, 1, -3],
                }),
            ],
        );
        // (−5+1)/2 = −2; ⌊(−4+1)/2⌋ = ⌊−1.5⌋ = −2; ⌊(3+1)/2⌋ = 2; ⌊(0−3)/8⌋ = −1.
        assert_eq!(logits(&m, &[5, 4, 3, 0]).unwrap(), vec![-2, -2, 2, -1]);
    }

    #[test]
    fn relu_clamps_to_its_bits() {
        let m = model(
            6,
            1,
            1,
            vec![
                Layer::BatchNorm(BatchNorm {
                    shift: vec![0; 6],
                    bias: vec![-10, -5, 0, 0, 0, 0],
                }),
                Layer::Relu(Relu { bits: 3 }),
            ],
        );
        let trace = forward(&m, &[5, 5, 3, 7, 8, 100]).unwrap();
        assert_eq!(trace.layers[0], vec![-5, 0, 3, 7, 8, 100]);
        assert_eq!(trace.output(), &[0, 0, 3, 7, 7, 7]);
    }

    #[test]
    fn dense_and_flatten() {
        let m = model(
            3,
            1,
            1,
            vec![
                Layer::Flatten,
                Layer::Dense(Dense {
                    inputs: 3,
                    outputs: 2,
                    weights: codes(&[1, -2, 4, 0, 8, -1]),
                }),
            ],
        );
        assert_eq!(logits(&m, &[3, 1, 2]).unwrap(), vec![9, 6]);
    }

    #[test]
    fn input_is_quantized_to_its_bits() {
        let mut m = model(1, 1, 3, vec![Layer::Flatten]);
        m.input.bits = 5;
        assert_eq!(logits(&m, &[255, 8, 7]).unwrap(), vec![31, 1, 0]);
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        // 255 · (2^14)^k leaves i64 at k = 4 (2^8 · 2^56 > 2^63).
        let dense = Layer::Dense(Dense {
            inputs: 1,
            outputs: 1,
            weights: codes(&[1 << 14]),
        });
        let m = model(1, 1, 1, vec![dense; 4]);
        assert!(matches!(
            forward(&m, &[255]),
            Err(ModelError::Overflow { layer: 3, index: 0 })
        ));
        assert_eq!(forward(&m, &[0]).unwrap().output(), &[0]);
    }

    #[test]
    fn predict_breaks_ties_to_the_lowest_index() {
        assert_eq!(argmax(&[3, 7, 7, -1]), 1);
        assert_eq!(argmax(&[-4, -4]), 0);
        let m = model(1, 1, 4, vec![Layer::Flatten]);
        assert_eq!(predict(&m, &[3, 7, 7, 1]).unwrap(), 1);
    }

    #[test]
    fn wrong_image_size_and_invalid_models_are_errors() {
        let m = model(1, 2, 2, vec![Layer::Flatten]);
        assert!(matches!(
            forward(&m, &[0; 3]),
            Err(ModelError::ImageSize {
                expected: 4,
                found: 3
            })
        ));
        let empty = model(1, 2, 2, vec![]);
        assert!(matches!(
            forward(&empty, &[0; 4]),
            Err(ModelError::NoLayers)
        ));
    }

    /// An independent oracle: `i128`, padding materialized, floor by `div_euclid`, windows
    /// gathered into vectors. Returns every layer's output.
    fn oracle(model: &Model, image: &[u8]) -> Vec<Vec<i128>> {
        let shift = 8 - model.input.bits;
        let mut x: Vec<i128> = image.iter().map(|&p| i128::from(p >> shift)).collect();
        let mut shape = model.input.shape;
        let mut out = Vec::new();
        for layer in &model.layers {
            let (c, h, w) = (shape.channels, shape.height, shape.width);
            let at = |x: &[i128], ch: usize, r: usize, col: usize| x[(ch * h + r) * w + col];
            let y: Vec<i128> = match layer {
                Layer::Conv2d(conv) => {
                    let p = conv.padding;
                    let (ph, pw) = (h + 2 * p, w + 2 * p);
                    let mut padded = vec![0i128; c * ph * pw];
                    for ch in 0..c {
                        for r in 0..h {
                            for col in 0..w {
                                padded[(ch * ph + r + p) * pw + col + p] = at(&x, ch, r, col);
                            }
                        }
                    }
                    let oh = (ph - conv.kernel) / conv.stride + 1;
                    let ow = (pw - conv.kernel) / conv.stride + 1;
                    shape = Shape {
                        channels: conv.out_channels,
                        height: oh,
                        width: ow,
                    };
                    let mut y = Vec::new();
                    for o in 0..conv.out_channels {
                        for i in 0..oh {
                            for j in 0..ow {
                                let mut acc = 0i128;
                                for ch in 0..c {
                                    for u in 0..conv.kernel {
                                        for v in 0..conv.kernel {
                                            let wi =
                                                ((o * c + ch) * conv.kernel + u) * conv.kernel + v;
                                            let r = i * conv.stride + u;
                                            let col = j * conv.stride + v;
                                            acc += i128::from(conv.weights[wi].value())
                                                * padded[(ch * ph + r) * pw + col];
                                        }
                                    }
                                }
                                y.push(acc);
                            }
                        }
                    }
                    y
                }
                Layer::Dense(dense) => {
                    shape = Shape::flat(dense.outputs);
                    dense
                        .weights
                        .chunks(dense.inputs)
                        .map(|row| {
                            row.iter()
                                .zip(&x)
                                .map(|(w, &v)| i128::from(w.value()) * v)
                                .sum()
                        })
                        .collect()
                }
                Layer::BatchNorm(bn) => x
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| {
                        let ch = k / (h * w);
                        (v + i128::from(bn.bias[ch])).div_euclid(1i128 << bn.shift[ch])
                    })
                    .collect(),
                Layer::Relu(relu) => x
                    .iter()
                    .map(|&v| v.max(0).min((1i128 << relu.bits) - 1))
                    .collect(),
                Layer::MaxPool2d(pool) | Layer::SumPool2d(pool) => {
                    let oh = (h - pool.size) / pool.stride + 1;
                    let ow = (w - pool.size) / pool.stride + 1;
                    let mut y = Vec::new();
                    for ch in 0..c {
                        for i in 0..oh {
                            for j in 0..ow {
                                let mut window = Vec::new();
                                for u in 0..pool.size {
                                    for v in 0..pool.size {
                                        window.push(at(
                                            &x,
                                            ch,
                                            i * pool.stride + u,
                                            j * pool.stride + v,
                                        ));
                                    }
                                }
                                y.push(if matches!(layer, Layer::MaxPool2d(_)) {
                                    *window.iter().max().unwrap()
                                } else {
                                    window.iter().sum()
                                });
                            }
                        }
                    }
                    shape = Shape {
                        channels: c,
                        height: oh,
                        width: ow,
                    };
                    y
                }
                Layer::Flatten => {
                    shape = Shape::flat(c * h * w);
                    x.clone()
                }
            };
            out.push(y.clone());
            x = y;
        }
        out
    }

    #[test]
    fn agrees_with_an_independent_oracle_on_random_models() {
        let mut rng = TestRng::new(2024);
        let mut evaluated = 0;
        for _ in 0..2000 {
            let m = random_model(&mut rng);
            let image = rng.bytes(m.input_len());
            let expected = oracle(&m, &image);
            match forward(&m, &image) {
                Ok(trace) => {
                    let got: Vec<Vec<i128>> = trace
                        .layers
                        .iter()
                        .map(|l| l.iter().map(|&v| i128::from(v)).collect())
                        .collect();
                    assert_eq!(got, expected, "{m:?}");
                    evaluated += 1;
                }
                // Random weights up to 2^14 do overflow now and then; `overflow_is_an_error…`
                // and the bounds tests cover that case.
                Err(ModelError::Overflow { .. }) => {}
                Err(e) => panic!("{e}: {m:?}"),
            }
        }
        assert!(evaluated > 1800, "only {evaluated} models evaluated");
    }
}
