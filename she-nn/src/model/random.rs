//! Test support: small random **valid** models and images, reproducible from a seed.
//!
//! The generator walks the layer sequence, tracking the current shape, and only ever picks a
//! layer that fits it, so every model it returns passes [`Model::validate`]. Weight exponents
//! are mostly small (so that most models stay far from `i64` overflow) but now and then reach
//! the largest code, `2^14`; batch-norm shifts and biases likewise reach their limits now and
//! then, so the edge cases are exercised too.

use super::{
    BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, Pool2d, Relu, Shape, MAX_BIAS, MAX_SHIFT,
};
use crate::quantize::{WeightCode, MAX_WEIGHT_EXPONENT};

/// SplitMix64: a tiny deterministic generator, good enough to draw test models.
#[derive(Clone, Debug)]
pub(crate) struct TestRng(u64);

impl TestRng {
    /// A generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0 .. n` (`n ≥ 1`; the modulo bias is irrelevant for tests).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo ..= hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `1/n`.
    pub(crate) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// Uniform in `lo ..= hi` for signed values.
    fn signed(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo) + 1;
        lo.wrapping_add((self.next_u64() % span) as i64)
    }

    /// A random weight code: zero one time in five, exponent mostly `≤ 2`, sometimes any.
    pub(crate) fn weight(&mut self) -> WeightCode {
        if self.one_in(5) {
            return WeightCode::ZERO;
        }
        let exponent = if self.one_in(20) {
            self.range(0, MAX_WEIGHT_EXPONENT as usize)
        } else {
            self.range(0, 2)
        };
        let code = WeightCode::power_of_two(exponent as u32, self.one_in(2));
        code.unwrap_or(WeightCode::ZERO)
    }

    /// `n` random bytes (pixels).
    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// A random valid model with an input of at most `2 × 7 × 7` and `1 ..= 6` layers.
pub(crate) fn random_model(rng: &mut TestRng) -> Model {
    let shape = Shape {
        channels: rng.range(1, 2),
        height: rng.range(1, 7),
        width: rng.range(1, 7),
    };
    let input = InputSpec {
        shape,
        bits: rng.range(1, 8) as u32,
    };
    let count = rng.range(1, 6);
    let mut layers = Vec::with_capacity(count);
    let mut shape = shape;
    while layers.len() < count {
        let Some(layer) = random_layer(rng, shape) else {
            continue;
        };
        shape = layer
            .output_shape(layers.len(), shape)
            .expect("the generator only draws layers that fit");
        layers.push(layer);
    }
    Model {
        name: format!("random-{}", rng.next_u64() % 1000),
        input,
        layers,
    }
}

/// A random layer that fits `shape`, or `None` when the drawn kind does not fit it.
fn random_layer(rng: &mut TestRng, shape: Shape) -> Option<Layer> {
    let channels = shape.channels;
    Some(match rng.below(7) {
        0 => {
            let kernel = rng.range(1, 3);
            let padding = rng.below(kernel);
            if kernel > shape.height + 2 * padding || kernel > shape.width + 2 * padding {
                return None;
            }
            let out_channels = rng.range(1, 3);
            let n = out_channels * channels * kernel * kernel;
            Layer::Conv2d(Conv2d {
                in_channels: channels,
                out_channels,
                kernel,
                stride: rng.range(1, 2),
                padding,
                weights: (0..n).map(|_| rng.weight()).collect(),
            })
        }
        1 => {
            if !shape.is_flat() {
                return None;
            }
            let outputs = rng.range(1, 4);
            Layer::Dense(Dense {
                inputs: channels,
                outputs,
                weights: (0..outputs * channels).map(|_| rng.weight()).collect(),
            })
        }
        2 => {
            let shift = (0..channels)
                .map(|_| {
                    if rng.one_in(10) {
                        rng.range(0, MAX_SHIFT as usize) as u32
                    } else {
                        rng.range(0, 4) as u32
                    }
                })
                .collect();
            let bias = (0..channels)
                .map(|_| {
                    if rng.one_in(10) {
                        rng.signed(-MAX_BIAS, MAX_BIAS)
                    } else {
                        rng.signed(-40, 40)
                    }
                })
                .collect();
            Layer::BatchNorm(BatchNorm { shift, bias })
        }
        3 => Layer::Relu(Relu {
            bits: rng.range(1, 8) as u32,
        }),
        4 | 5 => {
            let size = rng.range(1, 3);
            if size > shape.height || size > shape.width {
                return None;
            }
            let pool = Pool2d {
                size,
                stride: rng.range(1, 3),
            };
            if rng.one_in(2) {
                Layer::MaxPool2d(pool)
            } else {
                Layer::SumPool2d(pool)
            }
        }
        _ => Layer::Flatten,
    })
}
