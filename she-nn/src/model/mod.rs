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

use crate::quantize::WeightCode;

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
