//! Worst-case ranges of every activation, over **all** input images, by interval propagation.
//!
//! The encrypted engines encode activations modulo a small plaintext space, so the range a layer
//! can produce must be proven to fit (DESIGN.md, "Torus and encodings"). [`layer_bounds`] starts
//! from the input interval `[0, 2^bits − 1]` for every pixel and maps intervals through the
//! layers exactly as [`crate::reference`] maps values:
//!
//! * conv / dense: `Σ_i w_i·[lo_i, hi_i]`, where `w·[lo, hi]` is `[w·lo, w·hi]` for `w ≥ 0` and
//!   `[w·hi, w·lo]` for `w < 0`; a zero-padding position contributes exactly 0;
//! * sum pool: `[Σ lo_i, Σ hi_i]`; max pool: `[max lo_i, max hi_i]`;
//! * batch norm, ReLU: the (monotone) function applied to both ends.
//!
//! Every bound is **sound**: for every image, every output of [`crate::reference::forward`]
//! lies in its interval. The first layer's bounds and those of monotone layers applied to them
//! are also **tight** (attained by some image), since the pixels are independent; after a
//! second linear layer, values that share inputs are correlated and an interval may be wider
//! than the true range.
//!
//! Arithmetic is `i128`. Besides the ends of every interval, it checks that every product and
//! every partial sum the reference computes, in any order, stays inside `i64`: a sum
//! `Σ t_i` is accepted only if `Σ min(0, lo(t_i)) ≥ i64::MIN` and `Σ max(0, hi(t_i)) ≤ i64::MAX`.
//! Hence if [`layer_bounds`] succeeds, [`crate::reference::forward`] never reports an overflow.

use crate::model::{Layer, Model, ModelError, Pool2d, Shape};
use crate::quantize::WeightCode;

/// A closed integer interval `[lo, hi]` (`lo ≤ hi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Smallest value.
    pub lo: i64,
    /// Largest value.
    pub hi: i64,
}

impl Interval {
    /// The interval `[v, v]`.
    pub fn point(v: i64) -> Self {
        Self { lo: v, hi: v }
    }

    /// Whether `lo ≤ v ≤ hi`.
    pub fn contains(self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// The smallest interval containing both.
    pub fn union(self, other: Self) -> Self {
        Self {
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
        }
    }

    /// The smallest interval containing all of `intervals` (`None` if there are none).
    pub fn hull(intervals: &[Self]) -> Option<Self> {
        intervals.iter().copied().reduce(Self::union)
    }

    /// Number of values, `hi − lo + 1` (up to `2^64`, hence `u128`).
    pub fn count(self) -> u128 {
        (i128::from(self.hi) - i128::from(self.lo) + 1).unsigned_abs()
    }
}

/// The worst-case interval of every output element of every layer: `bounds[i][k]` bounds
/// element `k` (CHW order) of the output of `model.layers[i]` over every possible image.
///
/// Fails if the model is invalid ([`Model::validate`]), or with [`ModelError::Overflow`] if some
/// value or intermediate sum could leave `i64` for some image.
pub fn layer_bounds(model: &Model) -> Result<Vec<Vec<Interval>>, ModelError> {
    let shapes = model.validate()?;
    let pixel = Interval {
        lo: 0,
        hi: (1i64 << model.input.bits) - 1,
    };
    let input = vec![pixel; model.input_len()];
    let mut bounds: Vec<Vec<Interval>> = Vec::with_capacity(model.layers.len());
    let mut shape = model.input.shape;
    for (index, (layer, &out)) in model.layers.iter().zip(&shapes).enumerate() {
        let x = bounds.last().map_or(input.as_slice(), Vec::as_slice);
        let y = propagate(index, layer, shape, out, x)?;
        bounds.push(y);
        shape = out;
    }
    Ok(bounds)
}

/// A sum of intervals in `i128`, with the order-independent bounds on its partial sums.
#[derive(Default)]
struct Sum {
    lo: i128,
    hi: i128,
    /// `Σ min(0, lo(t))`: no partial sum is below it.
    floor: i128,
    /// `Σ max(0, hi(t))`: no partial sum is above it.
    ceiling: i128,
    /// Whether some single term leaves `i64`.
    term_overflow: bool,
}

impl Sum {
    fn add(&mut self, lo: i128, hi: i128) {
        self.term_overflow |= i64::try_from(lo).is_err() || i64::try_from(hi).is_err();
        self.lo += lo;
        self.hi += hi;
        self.floor += lo.min(0);
        self.ceiling += hi.max(0);
    }

    /// Adds `w·x` over the interval `x`.
    fn add_product(&mut self, w: WeightCode, x: Interval) {
        let w = i128::from(w.value());
        let (a, b) = (w * i128::from(x.lo), w * i128::from(x.hi));
        self.add(a.min(b), a.max(b));
    }

    /// The interval, if every term and every partial sum fits `i64`.
    fn finish(&self) -> Option<Interval> {
        if self.term_overflow
            || self.floor < i128::from(i64::MIN)
            || self.ceiling > i128::from(i64::MAX)
        {
            return None;
        }
        Some(Interval {
            lo: i64::try_from(self.lo).ok()?,
            hi: i64::try_from(self.hi).ok()?,
        })
    }
}

/// Bounds of layer `index` (shape `input → out`) from the bounds `x` of its input.
fn propagate(
    index: usize,
    layer: &Layer,
    input: Shape,
    out: Shape,
    x: &[Interval],
) -> Result<Vec<Interval>, ModelError> {
    let overflow = |k: usize| ModelError::Overflow {
        layer: index,
        index: k,
    };
    let (h, w) = (input.height, input.width);
    match layer {
        Layer::Conv2d(conv) => {
            let (k, s, p) = (conv.kernel, conv.stride, conv.padding);
            let mut y = Vec::with_capacity(out.len());
            for o in 0..out.channels {
                for i in 0..out.height {
                    for j in 0..out.width {
                        let mut sum = Sum::default();
                        for c in 0..conv.in_channels {
                            for u in 0..k {
                                let Some(row) = (i * s + u).checked_sub(p).filter(|&r| r < h)
                                else {
                                    continue; // padding: exactly 0
                                };
                                for v in 0..k {
                                    let Some(col) = (j * s + v).checked_sub(p).filter(|&q| q < w)
                                    else {
                                        continue;
                                    };
                                    sum.add_product(
                                        conv.weight(o, c, u, v),
                                        x[(c * h + row) * w + col],
                                    );
                                }
                            }
                        }
                        y.push(sum.finish().ok_or_else(|| overflow(y.len()))?);
                    }
                }
            }
            Ok(y)
        }
        Layer::Dense(dense) => (0..dense.outputs)
            .map(|o| {
                let mut sum = Sum::default();
                for (&wi, &xi) in dense.row(o).iter().zip(x) {
                    sum.add_product(wi, xi);
                }
                sum.finish().ok_or_else(|| overflow(o))
            })
            .collect(),
        Layer::BatchNorm(bn) => {
            let plane = h * w;
            x.iter()
                .enumerate()
                .map(|(k, xi)| {
                    let c = k / plane;
                    // x ↦ ⌊(x + b)/2^s⌋ is monotone: map both ends; `x + b` must fit i64.
                    let end = |v: i64| v.checked_add(bn.bias[c]).map(|t| t >> bn.shift[c]);
                    Ok(Interval {
                        lo: end(xi.lo).ok_or_else(|| overflow(k))?,
                        hi: end(xi.hi).ok_or_else(|| overflow(k))?,
                    })
                })
                .collect()
        }
        Layer::Relu(relu) => {
            let max = (1i64 << relu.bits) - 1;
            Ok(x.iter()
                .map(|xi| Interval {
                    lo: xi.lo.clamp(0, max),
                    hi: xi.hi.clamp(0, max),
                })
                .collect())
        }
        Layer::MaxPool2d(pool) => Ok(windows(*pool, input, out, x)
            .map(|window| {
                let mut window = window.peekable();
                let first = window.peek().copied().unwrap_or(Interval::point(0));
                window.fold(first, |acc, xi| Interval {
                    lo: acc.lo.max(xi.lo),
                    hi: acc.hi.max(xi.hi),
                })
            })
            .collect()),
        Layer::SumPool2d(pool) => windows(*pool, input, out, x)
            .enumerate()
            .map(|(k, window)| {
                let mut sum = Sum::default();
                for xi in window {
                    sum.add(i128::from(xi.lo), i128::from(xi.hi));
                }
                sum.finish().ok_or_else(|| overflow(k))
            })
            .collect(),
        Layer::Flatten => Ok(x.to_vec()),
    }
}

/// The pooling windows of `x` in output (CHW) order, each yielding its intervals row by row.
fn windows<'a>(
    pool: Pool2d,
    input: Shape,
    out: Shape,
    x: &'a [Interval],
) -> impl Iterator<Item = impl Iterator<Item = Interval> + 'a> + 'a {
    let (h, w) = (input.height, input.width);
    (0..out.channels).flat_map(move |c| {
        (0..out.height).flat_map(move |i| {
            (0..out.width).map(move |j| {
                let (r0, c0) = (i * pool.stride, j * pool.stride);
                (0..pool.size).flat_map(move |u| {
                    let start = (c * h + r0 + u) * w + c0;
                    x[start..start + pool.size].iter().copied()
                })
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::random::{random_model, TestRng};
    use crate::model::{BatchNorm, Conv2d, Dense, InputSpec, Relu};
    use crate::reference::forward;
    use proptest::prelude::*;

    fn codes(values: &[i64]) -> Vec<WeightCode> {
        values
            .iter()
            .map(|&v| WeightCode::from_value(v).unwrap())
            .collect()
    }

    fn flat_model(n: usize, bits: u32, layers: Vec<Layer>) -> Model {
        Model {
            name: "bounds".to_string(),
            input: InputSpec {
                shape: Shape::flat(n),
                bits,
            },
            layers,
        }
    }

    #[test]
    fn hand_computed_bounds() {
        // Pixels in [0, 15]; y0 = x0 − 2·x1 ∈ [−30, 15], y1 = 4·x2 ∈ [0, 60];
        // BN ⌊(y − 1)/2⌋: [−16, 7], [−1, 29]; ReLU 4 bits: [0, 7], [0, 15]; sum: [0, 22].
        let m = flat_model(
            3,
            4,
            vec![
                Layer::Dense(Dense {
                    inputs: 3,
                    outputs: 2,
                    weights: codes(&[1, -2, 0, 0, 0, 4]),
                }),
                Layer::BatchNorm(BatchNorm {
                    shift: vec![1, 1],
                    bias: vec![-1, -1],
                }),
                Layer::Relu(Relu { bits: 4 }),
                Layer::Dense(Dense {
                    inputs: 2,
                    outputs: 1,
                    weights: codes(&[1, 1]),
                }),
            ],
        );
        let b = layer_bounds(&m).unwrap();
        let iv = |lo, hi| Interval { lo, hi };
        assert_eq!(b[0], vec![iv(-30, 15), iv(0, 60)]);
        assert_eq!(b[1], vec![iv(-16, 7), iv(-1, 29)]);
        assert_eq!(b[2], vec![iv(0, 7), iv(0, 15)]);
        assert_eq!(b[3], vec![iv(0, 22)]);
    }

    #[test]
    fn padding_contributes_zero() {
        // 1×1 input, 3×3 kernel of −1 with padding 1: only the centre reads a pixel.
        let m = Model {
            name: "pad".to_string(),
            input: InputSpec {
                shape: Shape {
                    channels: 1,
                    height: 1,
                    width: 1,
                },
                bits: 8,
            },
            layers: vec![Layer::Conv2d(Conv2d {
                in_channels: 1,
                out_channels: 1,
                kernel: 3,
                stride: 1,
                padding: 1,
                weights: codes(&[-1; 9]),
            })],
        };
        assert_eq!(
            layer_bounds(&m).unwrap()[0],
            vec![Interval { lo: -255, hi: 0 }]
        );
    }

    #[test]
    fn overflowing_models_are_reported() {
        let dense = Layer::Dense(Dense {
            inputs: 1,
            outputs: 1,
            weights: codes(&[1 << 14]),
        });
        let m = flat_model(1, 8, vec![dense; 4]);
        assert!(matches!(
            layer_bounds(&m),
            Err(ModelError::Overflow { layer: 3, index: 0 })
        ));
    }

    #[test]
    fn interval_helpers() {
        let a = Interval { lo: -3, hi: 2 };
        assert!(a.contains(-3) && a.contains(2) && !a.contains(3));
        assert_eq!(a.count(), 6);
        assert_eq!(
            Interval {
                lo: i64::MIN,
                hi: i64::MAX
            }
            .count(),
            1u128 << 64
        );
        assert_eq!(
            Interval::hull(&[a, Interval::point(7)]),
            Some(Interval { lo: -3, hi: 7 })
        );
        assert_eq!(Interval::hull(&[]), None);
    }

    /// For one linear layer the bounds are attained: output `k` is `Σ a_p·q_p` with `q_p` the
    /// quantized pixel, so the image with 255 where `a_p > 0` (resp. `< 0`) reaches `hi`
    /// (resp. `lo`). The coefficients are read off the reference with unit images.
    #[test]
    fn first_linear_layer_bounds_are_tight() {
        let mut rng = TestRng::new(99);
        let mut checked = 0;
        while checked < 200 {
            let mut m = random_model(&mut rng);
            m.layers.truncate(1);
            if !matches!(m.layers[0], Layer::Conv2d(_) | Layer::Dense(_)) {
                continue;
            }
            let Ok(bounds) = layer_bounds(&m) else {
                continue;
            };
            let n = m.input_len();
            let top = (1i64 << m.input.bits) - 1;
            let coefficients: Vec<Vec<i64>> = (0..n)
                .map(|p| {
                    let mut image = vec![0u8; n];
                    image[p] = 255;
                    forward(&m, &image).unwrap().layers[0]
                        .iter()
                        .map(|v| v / top)
                        .collect()
                })
                .collect();
            for (k, bound) in bounds[0].iter().enumerate() {
                let extreme = |sign: i64| -> Vec<u8> {
                    (0..n)
                        .map(|p| {
                            if coefficients[p][k] * sign > 0 {
                                255
                            } else {
                                0
                            }
                        })
                        .collect()
                };
                assert_eq!(forward(&m, &extreme(1)).unwrap().layers[0][k], bound.hi);
                assert_eq!(forward(&m, &extreme(-1)).unwrap().layers[0][k], bound.lo);
            }
            checked += 1;
        }
    }

    /// The property below is only as strong as the share of random models whose bounds exist.
    #[test]
    fn most_random_models_have_bounds() {
        let mut rng = TestRng::new(5);
        let ok = (0..1000)
            .filter(|_| layer_bounds(&random_model(&mut rng)).is_ok())
            .count();
        assert!(ok > 900, "only {ok} of 1000");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every reference value of a random model on a random image lies in its bound, and a
        /// model whose bounds exist never overflows.
        #[test]
        fn reference_outputs_lie_inside_the_bounds(model_seed: u64, image_seed: u64) {
            let m = random_model(&mut TestRng::new(model_seed));
            let Ok(bounds) = layer_bounds(&m) else {
                return Ok(());
            };
            let mut rng = TestRng::new(image_seed);
            // Random pixels, and the all-dark and all-bright corners.
            let n = m.input_len();
            for image in [rng.bytes(n), vec![0; n], vec![255; n]] {
                let trace = forward(&m, &image).expect("bounds exist, so no overflow");
                for (layer, (values, bounds)) in trace.layers.iter().zip(&bounds).enumerate() {
                    prop_assert_eq!(values.len(), bounds.len());
                    for (k, (&v, b)) in values.iter().zip(bounds).enumerate() {
                        prop_assert!(b.contains(v), "layer {} element {}: {} ∉ {:?}", layer, k, v, b);
                    }
                }
            }
        }
    }
}
