//! The model IR: a quantized SHE network as a sequence of layers over integer tensors.
//!
//! Tensors are `channels × height × width` arrays of `i64` in row-major CHW order (a flattened
//! vector is `c × 1 × 1`). Every layer is **integer-exact**; [`crate::reference`] defines the
//! semantics bit for bit and the encrypted engines reproduce it:
//!
//! | layer | output |
//! |---|---|
//! | [`Conv2d`] | `y[o,i,j] = Σ_{c,u,v} w[o,c,u,v]·x[c, i·s+u−p, j·s+v−p]` (zero padding) |
//! | [`Dense`] | `y[o] = Σ_i w[o,i]·x[i]` |
//! | [`BatchNorm`] | `y[c,…] = ⌊(x[c,…] + bias[c]) / 2^shift[c]⌋` (floor division) |
//! | [`Relu`] | `y = clamp(x, 0, 2^bits − 1)`: ReLU fused with saturation to `bits` bits |
//! | [`Layer::MaxPool2d`] | maximum over each `size × size` window, step `stride` |
//! | [`Layer::SumPool2d`] | sum over each window (average pooling is a sum followed by a shift) |
//! | [`Layer::Flatten`] | `c × h × w → (c·h·w) × 1 × 1` |
//!
//! Weights are 5-bit power-of-two codes ([`WeightCode`]), so every product is a shift.
//! Batch norm appears in its folded inference form: a per-channel power-of-two scale `2^−shift`
//! and an integer bias (see [`BatchNorm`] for how a trained float batch norm folds into it).
//!
//! Output sizes follow the usual floor rule: a window of side `k`, stride `s` and padding `p`
//! over `n` positions gives `⌊(n + 2p − k)/s⌋ + 1` outputs (pools have `p = 0`); trailing rows
//! and columns that no whole window covers are dropped. [`Model::validate`] checks that every
//! layer fits the tensor it receives and that every size stays below the limits of this module
//! ([`MAX_TENSOR_LEN`], [`MAX_PARAMETERS`], …), so nothing absurd is ever allocated;
//! [`format`](mod@format) stores models on disk.

mod error;
pub mod format;
#[cfg(test)]
pub(crate) mod random;
pub mod taps;

pub use error::ModelError;

use crate::quantize::WeightCode;

/// Most elements of any tensor (the input and every layer output): `2^24`.
pub const MAX_TENSOR_LEN: usize = 1 << 24;
/// Most parameters of a model: weight codes plus batch-norm channels, `2^26`.
pub const MAX_PARAMETERS: usize = 1 << 26;
/// Most layers of a model.
pub const MAX_LAYERS: usize = 1024;
/// Longest model name, in UTF-8 bytes.
pub const MAX_NAME_LEN: usize = 256;
/// Largest batch-norm shift: `⌊x / 2^62⌋` is still exact on `i64`.
pub const MAX_SHIFT: u32 = 62;
/// Largest batch-norm bias magnitude, `2^40`.
pub const MAX_BIAS: i64 = 1 << 40;
/// Widest activation: inputs and ReLU outputs have `1 ..= 8` bits.
pub const MAX_ACTIVATION_BITS: u32 = 8;

/// Shape of a tensor: channels, height, width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Channels.
    pub channels: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

impl Shape {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Whether the tensor is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `channels·height·width`, or `None` if the product overflows `usize` (use this on shapes
    /// that have not been validated).
    pub fn checked_len(&self) -> Option<usize> {
        self.channels
            .checked_mul(self.height)?
            .checked_mul(self.width)
    }

    /// The flat shape `n × 1 × 1`.
    pub fn flat(n: usize) -> Self {
        Self {
            channels: n,
            height: 1,
            width: 1,
        }
    }

    /// Whether the tensor is a flat vector (`height = width = 1`).
    pub fn is_flat(&self) -> bool {
        self.height == 1 && self.width == 1
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}×{}", self.channels, self.height, self.width)
    }
}

/// What the network reads: an image of 8-bit pixels, quantized to `bits` bits per pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// Image shape (MNIST: 1 × 28 × 28).
    pub shape: Shape,
    /// Bits kept per pixel (`pixel >> (8 − bits)`), 1 ..= 8.
    pub bits: u32,
}

/// A 2-D convolution with power-of-two weights, no bias (biases live in [`BatchNorm`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Square kernel side.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Zero padding on every side.
    pub padding: usize,
    /// `out × in × kernel × kernel` codes, row-major.
    pub weights: Vec<WeightCode>,
}

/// A fully connected layer with power-of-two weights, no bias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dense {
    /// Input length.
    pub inputs: usize,
    /// Output length.
    pub outputs: usize,
    /// `outputs × inputs` codes, row-major.
    pub weights: Vec<WeightCode>,
}

/// Batch norm in folded inference form: `y = ⌊(x + bias[c]) / 2^shift[c]⌋` per channel.
///
/// A trained batch norm `γ·(s·x − μ)/σ + β` over a layer whose integer output `x` stands for the
/// real value `s·x`, feeding an activation whose integer unit is `s'`, folds as follows: the sign
/// of `γ` goes into the preceding weights; the scale `|γ|·s/(σ·s')` is rounded to a power of two
/// `2^−shift` (a larger power multiplies the channel's weights instead, which stays a power of
/// two); the bias becomes the integer `round((β·σ/|γ| − μ)/s)` in units of `x`. Floor division
/// is the exact operation on two's-complement integers that both engines implement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchNorm {
    /// Right shift per channel.
    pub shift: Vec<u32>,
    /// Integer bias per channel, added before the shift.
    pub bias: Vec<i64>,
}

/// ReLU fused with saturation: `clamp(x, 0, 2^bits − 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relu {
    /// Activation bits `b` (the paper uses 5).
    pub bits: u32,
}

/// A square pooling window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// Window side.
    pub size: usize,
    /// Step between windows.
    pub stride: usize,
}

/// One layer of the IR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Convolution.
    Conv2d(Conv2d),
    /// Fully connected.
    Dense(Dense),
    /// Folded batch norm (per-channel shift and bias).
    BatchNorm(BatchNorm),
    /// ReLU with saturation to `bits` bits.
    Relu(Relu),
    /// Max pooling.
    MaxPool2d(Pool2d),
    /// Sum pooling.
    SumPool2d(Pool2d),
    /// `c × h × w → (c·h·w) × 1 × 1`.
    Flatten,
}

/// A quantized network: its input and its layers. The last layer's output is the logits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// A short name (shown by the CLI).
    pub name: String,
    /// The input image.
    pub input: InputSpec,
    /// The layers, applied in order.
    pub layers: Vec<Layer>,
}

/// Outputs of a window of side `size`, step `stride`, sliding over `n` positions padded by
/// `padding` on both ends: `⌊(n + 2·padding − size)/stride⌋ + 1`, or `None` when the window does
/// not fit (or `stride = 0`, or the arithmetic overflows).
pub fn window_outputs(n: usize, size: usize, stride: usize, padding: usize) -> Option<usize> {
    let padded = n.checked_add(padding.checked_mul(2)?)?;
    let room = padded.checked_sub(size)?;
    Some(room.checked_div(stride)? + 1)
}

impl Conv2d {
    /// The code of `w[o, c, u, v]` (row-major `out × in × kernel × kernel`).
    ///
    /// Panics if an index is out of range; valid for any model that passed [`Model::validate`].
    pub fn weight(&self, o: usize, c: usize, u: usize, v: usize) -> WeightCode {
        self.weights[((o * self.in_channels + c) * self.kernel + u) * self.kernel + v]
    }
}

impl Dense {
    /// The codes `w[o, 0 .. inputs]` of output `o`.
    ///
    /// Panics if `o` is out of range; valid for any model that passed [`Model::validate`].
    pub fn row(&self, o: usize) -> &[WeightCode] {
        &self.weights[o * self.inputs..(o + 1) * self.inputs]
    }
}

impl Layer {
    /// A short lowercase name for messages: `conv2d`, `dense`, `batch_norm`, `relu`,
    /// `max_pool2d`, `sum_pool2d`, `flatten`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Conv2d(_) => "conv2d",
            Self::Dense(_) => "dense",
            Self::BatchNorm(_) => "batch_norm",
            Self::Relu(_) => "relu",
            Self::MaxPool2d(_) => "max_pool2d",
            Self::SumPool2d(_) => "sum_pool2d",
            Self::Flatten => "flatten",
        }
    }

    /// Parameters the layer stores: weight codes, or one shift and one bias per batch-norm
    /// channel (counted once per channel).
    pub fn parameter_count(&self) -> usize {
        match self {
            Self::Conv2d(conv) => conv.weights.len(),
            Self::Dense(dense) => dense.weights.len(),
            Self::BatchNorm(bn) => bn.shift.len().max(bn.bias.len()),
            Self::Relu(_) | Self::MaxPool2d(_) | Self::SumPool2d(_) | Self::Flatten => 0,
        }
    }

    /// Checks the layer (number `index` in its model) against the tensor shape it receives and
    /// returns the shape it produces. Checks everything about the layer except the global
    /// limits ([`MAX_TENSOR_LEN`], [`MAX_PARAMETERS`]) that [`Model::validate`] adds.
    pub fn output_shape(&self, index: usize, input: Shape) -> Result<Shape, ModelError> {
        let layer = index;
        match self {
            Self::Conv2d(conv) => {
                if conv.in_channels != input.channels {
                    return Err(ModelError::ChannelMismatch {
                        layer,
                        expected: conv.in_channels,
                        found: input.channels,
                    });
                }
                if conv.out_channels == 0 {
                    return Err(ModelError::EmptyOutput { layer });
                }
                if conv.kernel == 0 || conv.stride == 0 {
                    return Err(ModelError::ZeroWindow {
                        layer,
                        size: conv.kernel,
                        stride: conv.stride,
                    });
                }
                if conv.padding >= conv.kernel {
                    return Err(ModelError::PaddingTooLarge {
                        layer,
                        padding: conv.padding,
                        kernel: conv.kernel,
                    });
                }
                let out = |n: usize| window_outputs(n, conv.kernel, conv.stride, conv.padding);
                let (Some(height), Some(width)) = (out(input.height), out(input.width)) else {
                    let pad = conv.padding.saturating_mul(2);
                    return Err(ModelError::WindowTooLarge {
                        layer,
                        size: conv.kernel,
                        height: input.height.saturating_add(pad),
                        width: input.width.saturating_add(pad),
                    });
                };
                // Saturates on overflow; `check_weight_count` then reports it as too large.
                let expected = conv
                    .out_channels
                    .saturating_mul(conv.in_channels)
                    .saturating_mul(conv.kernel)
                    .saturating_mul(conv.kernel);
                check_weight_count(layer, expected, conv.weights.len())?;
                Ok(Shape {
                    channels: conv.out_channels,
                    height,
                    width,
                })
            }
            Self::Dense(dense) => {
                if !input.is_flat() {
                    return Err(ModelError::UnsupportedOrder {
                        layer,
                        reason:
                            "a dense layer needs a flat input: insert a flatten layer before it",
                    });
                }
                if dense.inputs != input.channels {
                    return Err(ModelError::DenseInputs {
                        layer,
                        expected: dense.inputs,
                        found: input.channels,
                    });
                }
                if dense.outputs == 0 {
                    return Err(ModelError::EmptyOutput { layer });
                }
                let expected = dense.outputs.saturating_mul(dense.inputs);
                check_weight_count(layer, expected, dense.weights.len())?;
                Ok(Shape::flat(dense.outputs))
            }
            Self::BatchNorm(bn) => {
                if bn.shift.len() != input.channels || bn.bias.len() != input.channels {
                    return Err(ModelError::BatchNormChannels {
                        layer,
                        channels: input.channels,
                        shifts: bn.shift.len(),
                        biases: bn.bias.len(),
                    });
                }
                if let Some((channel, &shift)) =
                    bn.shift.iter().enumerate().find(|&(_, &s)| s > MAX_SHIFT)
                {
                    return Err(ModelError::ShiftTooLarge {
                        layer,
                        channel,
                        shift,
                    });
                }
                if let Some((channel, &bias)) = bn
                    .bias
                    .iter()
                    .enumerate()
                    .find(|&(_, &b)| !(-MAX_BIAS..=MAX_BIAS).contains(&b))
                {
                    return Err(ModelError::BiasTooLarge {
                        layer,
                        channel,
                        bias,
                    });
                }
                Ok(input)
            }
            Self::Relu(relu) => {
                if !(1..=MAX_ACTIVATION_BITS).contains(&relu.bits) {
                    return Err(ModelError::ReluBits {
                        layer,
                        bits: relu.bits,
                    });
                }
                Ok(input)
            }
            Self::MaxPool2d(pool) | Self::SumPool2d(pool) => {
                if pool.size == 0 || pool.stride == 0 {
                    return Err(ModelError::ZeroWindow {
                        layer,
                        size: pool.size,
                        stride: pool.stride,
                    });
                }
                let out = |n: usize| window_outputs(n, pool.size, pool.stride, 0);
                let (Some(height), Some(width)) = (out(input.height), out(input.width)) else {
                    return Err(ModelError::WindowTooLarge {
                        layer,
                        size: pool.size,
                        height: input.height,
                        width: input.width,
                    });
                };
                Ok(Shape {
                    channels: input.channels,
                    height,
                    width,
                })
            }
            Self::Flatten => Ok(Shape::flat(input.len())),
        }
    }
}

fn check_weight_count(layer: usize, expected: usize, found: usize) -> Result<(), ModelError> {
    if expected > MAX_PARAMETERS {
        return Err(ModelError::TooLarge {
            what: format!("layer {layer} weight count"),
            size: expected as u64,
            limit: MAX_PARAMETERS as u64,
        });
    }
    if expected != found {
        return Err(ModelError::WeightCount {
            layer,
            expected,
            found,
        });
    }
    Ok(())
}

fn check_tensor_len(what: impl FnOnce() -> String, shape: Shape) -> Result<(), ModelError> {
    match shape.checked_len() {
        Some(n) if n <= MAX_TENSOR_LEN => Ok(()),
        n => Err(ModelError::TooLarge {
            what: what(),
            size: n.map_or(u64::MAX, |n| n as u64),
            limit: MAX_TENSOR_LEN as u64,
        }),
    }
}

/// Whether `name` is an acceptable model name: at most [`MAX_NAME_LEN`] bytes, no control
/// characters.
pub fn is_valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME_LEN && !name.chars().any(char::is_control)
}

impl Model {
    /// Checks the whole model and returns the output shape of every layer (`shapes[i]` is the
    /// output of `layers[i]`; the last one is the logits' shape).
    ///
    /// Checks, in order: the name ([`is_valid_name`]); input bits in `1 ..= 8`; a non-empty
    /// input of at most [`MAX_TENSOR_LEN`] elements; `1 ..= MAX_LAYERS` layers; then every
    /// layer against the shape it receives ([`Layer::output_shape`]: channel agreement,
    /// kernel/stride ≥ 1, `padding < kernel`, windows that fit, weight counts, batch-norm vectors
    /// of one entry per channel with `shift ≤ 62` and `|bias| ≤ 2^40`, ReLU bits in `1 ..= 8`,
    /// dense layers on flat inputs of matching length, non-empty outputs); finally that every
    /// output has at most [`MAX_TENSOR_LEN`] elements and the model at most [`MAX_PARAMETERS`]
    /// parameters.
    pub fn validate(&self) -> Result<Vec<Shape>, ModelError> {
        if !is_valid_name(&self.name) {
            return Err(ModelError::BadName);
        }
        let bits = self.input.bits;
        if !(1..=MAX_ACTIVATION_BITS).contains(&bits) {
            return Err(ModelError::InputBits { bits });
        }
        let input = self.input.shape;
        if input.channels == 0 || input.height == 0 || input.width == 0 {
            return Err(ModelError::EmptyInput {
                channels: input.channels,
                height: input.height,
                width: input.width,
            });
        }
        check_tensor_len(|| "input element count".to_string(), input)?;
        if self.layers.is_empty() {
            return Err(ModelError::NoLayers);
        }
        if self.layers.len() > MAX_LAYERS {
            return Err(ModelError::TooLarge {
                what: "layer count".to_string(),
                size: self.layers.len() as u64,
                limit: MAX_LAYERS as u64,
            });
        }
        let mut shapes = Vec::with_capacity(self.layers.len());
        let mut shape = input;
        let mut parameters = 0usize;
        for (index, layer) in self.layers.iter().enumerate() {
            shape = layer.output_shape(index, shape)?;
            check_tensor_len(|| format!("layer {index} output element count"), shape)?;
            parameters = parameters.saturating_add(layer.parameter_count());
            if parameters > MAX_PARAMETERS {
                return Err(ModelError::TooLarge {
                    what: format!("parameter count up to layer {index}"),
                    size: parameters as u64,
                    limit: MAX_PARAMETERS as u64,
                });
            }
            shapes.push(shape);
        }
        Ok(shapes)
    }

    /// The shape of the logits (the last layer's output), after [`validate`](Self::validate).
    pub fn output_shape(&self) -> Result<Shape, ModelError> {
        let shapes = self.validate()?;
        shapes.last().copied().ok_or(ModelError::NoLayers)
    }

    /// Pixels of one input image, `channels·height·width` (saturating at `usize::MAX` for an
    /// absurd shape that [`validate`](Self::validate) would reject).
    pub fn input_len(&self) -> usize {
        self.input.shape.checked_len().unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: i64) -> WeightCode {
        WeightCode::from_value(v).unwrap()
    }

    /// 1×6×6 → conv 3×3 (2 ch, padding 1, stride 1) → BN → ReLU → max pool 2/2 → flatten →
    /// dense 18 → 10.
    fn valid() -> Model {
        Model {
            name: "valid".to_string(),
            input: InputSpec {
                shape: Shape {
                    channels: 1,
                    height: 6,
                    width: 6,
                },
                bits: 5,
            },
            layers: vec![
                Layer::Conv2d(Conv2d {
                    in_channels: 1,
                    out_channels: 2,
                    kernel: 3,
                    stride: 1,
                    padding: 1,
                    weights: vec![code(1); 18],
                }),
                Layer::BatchNorm(BatchNorm {
                    shift: vec![2, 3],
                    bias: vec![-1, 4],
                }),
                Layer::Relu(Relu { bits: 5 }),
                Layer::MaxPool2d(Pool2d { size: 2, stride: 2 }),
                Layer::Flatten,
                Layer::Dense(Dense {
                    inputs: 18,
                    outputs: 10,
                    weights: vec![code(-2); 180],
                }),
            ],
        }
    }

    fn with(f: impl FnOnce(&mut Model)) -> Result<Vec<Shape>, ModelError> {
        let mut m = valid();
        f(&mut m);
        m.validate()
    }

    fn conv(m: &mut Model) -> &mut Conv2d {
        match &mut m.layers[0] {
            Layer::Conv2d(c) => c,
            _ => unreachable!(),
        }
    }

    #[test]
    fn valid_model_shapes() {
        let s = |channels, height, width| Shape {
            channels,
            height,
            width,
        };
        let m = valid();
        assert_eq!(
            m.validate().unwrap(),
            vec![
                s(2, 6, 6),
                s(2, 6, 6),
                s(2, 6, 6),
                s(2, 3, 3),
                s(18, 1, 1),
                s(10, 1, 1)
            ]
        );
        assert_eq!(m.output_shape().unwrap(), Shape::flat(10));
        assert_eq!(m.input_len(), 36);
        assert_eq!(s(2, 3, 3).to_string(), "2×3×3");
    }

    #[test]
    fn window_arithmetic() {
        assert_eq!(window_outputs(28, 5, 1, 0), Some(24));
        assert_eq!(window_outputs(28, 5, 1, 2), Some(28));
        assert_eq!(window_outputs(7, 2, 2, 0), Some(3)); // the last column is dropped
        assert_eq!(window_outputs(2, 3, 1, 0), None);
        assert_eq!(window_outputs(5, 1, 0, 0), None);
        assert_eq!(window_outputs(usize::MAX, 1, 1, 1), None);
    }

    #[test]
    fn each_check_has_its_error() {
        use ModelError as E;
        assert!(matches!(
            with(|m| m.input.bits = 0),
            Err(E::InputBits { bits: 0 })
        ));
        assert!(matches!(
            with(|m| m.input.bits = 9),
            Err(E::InputBits { bits: 9 })
        ));
        assert!(matches!(
            with(|m| m.input.shape.width = 0),
            Err(E::EmptyInput { .. })
        ));
        assert!(matches!(
            with(|m| m.input.shape.height = 1 << 25),
            Err(E::TooLarge { .. })
        ));
        assert!(matches!(
            with(|m| m.input.shape.height = usize::MAX),
            Err(E::TooLarge { .. })
        ));
        assert!(matches!(with(|m| m.layers.clear()), Err(E::NoLayers)));
        assert!(matches!(
            with(|m| m.layers = vec![Layer::Flatten; MAX_LAYERS + 1]),
            Err(E::TooLarge { .. })
        ));
        assert!(matches!(with(|m| m.name = "a\nb".into()), Err(E::BadName)));
        assert!(matches!(
            with(|m| m.name = "x".repeat(MAX_NAME_LEN + 1)),
            Err(E::BadName)
        ));
        assert!(matches!(
            with(|m| conv(m).in_channels = 2),
            Err(E::ChannelMismatch {
                layer: 0,
                expected: 2,
                found: 1
            })
        ));
        assert!(matches!(
            with(|m| conv(m).out_channels = 0),
            Err(E::EmptyOutput { layer: 0 })
        ));
        assert!(matches!(
            with(|m| conv(m).stride = 0),
            Err(E::ZeroWindow { layer: 0, .. })
        ));
        assert!(matches!(
            with(|m| conv(m).kernel = 0),
            Err(E::ZeroWindow { layer: 0, .. })
        ));
        assert!(matches!(
            with(|m| conv(m).padding = 3),
            Err(E::PaddingTooLarge { layer: 0, .. })
        ));
        assert!(matches!(
            with(|m| {
                let c = conv(m);
                c.kernel = 9;
                c.padding = 0;
                c.weights = vec![code(1); 2 * 81];
            }),
            Err(E::WindowTooLarge { layer: 0, .. })
        ));
        assert!(matches!(
            with(|m| {
                conv(m).weights.pop();
            }),
            Err(E::WeightCount {
                layer: 0,
                expected: 18,
                found: 17
            })
        ));
        assert!(matches!(
            with(|m| conv(m).out_channels = usize::MAX),
            Err(E::TooLarge { .. })
        ));
        assert!(matches!(
            with(|m| m.layers[1] = Layer::BatchNorm(BatchNorm {
                shift: vec![0],
                bias: vec![0, 0]
            })),
            Err(E::BatchNormChannels { layer: 1, .. })
        ));
        assert!(matches!(
            with(|m| m.layers[1] = Layer::BatchNorm(BatchNorm {
                shift: vec![0, MAX_SHIFT + 1],
                bias: vec![0, 0]
            })),
            Err(E::ShiftTooLarge {
                layer: 1,
                channel: 1,
                shift: 63
            })
        ));
        assert!(matches!(
            with(|m| m.layers[1] = Layer::BatchNorm(BatchNorm {
                shift: vec![0, 0],
                bias: vec![-MAX_BIAS - 1, 0]
            })),
            Err(E::BiasTooLarge {
                layer: 1,
                channel: 0,
                ..
            })
        ));
        assert!(matches!(
            with(|m| m.layers[2] = Layer::Relu(Relu { bits: 9 })),
            Err(E::ReluBits { layer: 2, bits: 9 })
        ));
        assert!(matches!(
            with(|m| m.layers[3] = Layer::SumPool2d(Pool2d { size: 7, stride: 1 })),
            Err(E::WindowTooLarge { layer: 3, .. })
        ));
        assert!(matches!(
            with(|m| m.layers[3] = Layer::MaxPool2d(Pool2d { size: 2, stride: 0 })),
            Err(E::ZeroWindow { layer: 3, .. })
        ));
        assert!(matches!(
            with(|m| {
                m.layers.remove(4);
            }),
            Err(E::UnsupportedOrder { layer: 4, .. })
        ));
        assert!(matches!(
            with(|m| m.layers[5] = Layer::Dense(Dense {
                inputs: 17,
                outputs: 10,
                weights: vec![code(1); 170]
            })),
            Err(E::DenseInputs {
                layer: 5,
                expected: 17,
                found: 18
            })
        ));
        assert!(matches!(
            with(|m| m.layers[5] = Layer::Dense(Dense {
                inputs: 18,
                outputs: 0,
                weights: vec![]
            })),
            Err(E::EmptyOutput { layer: 5 })
        ));
    }

    #[test]
    fn size_limits_hold() {
        // A tensor just above 2^24 elements, reached by padding.
        let big = Model {
            name: String::new(),
            input: InputSpec {
                shape: Shape {
                    channels: 1,
                    height: 4096,
                    width: 4096,
                },
                bits: 8,
            },
            layers: vec![Layer::Conv2d(Conv2d {
                in_channels: 1,
                out_channels: 1,
                kernel: 3,
                stride: 1,
                padding: 2,
                weights: vec![code(1); 9],
            })],
        };
        assert!(matches!(
            big.validate(),
            Err(ModelError::TooLarge { size, .. }) if size == 4098 * 4098
        ));
        // More than 2^26 parameters in total, each layer within its own limit.
        let dense = Layer::Dense(Dense {
            inputs: 1 << 12,
            outputs: 1 << 12,
            weights: vec![WeightCode::ZERO; 1 << 24],
        });
        let mut layers = vec![Layer::Flatten];
        layers.extend(std::iter::repeat_n(dense, 5));
        let many = Model {
            name: String::new(),
            input: InputSpec {
                shape: Shape::flat(1 << 12),
                bits: 8,
            },
            layers,
        };
        assert!(matches!(many.validate(), Err(ModelError::TooLarge { .. })));
    }
}
