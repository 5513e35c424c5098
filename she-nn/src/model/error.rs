//! [`ModelError`]: why a model is rejected, a model file cannot be read, or the reference engine
//! cannot evaluate an input.
//!
//! Every variant that concerns one layer names it by its index in [`Model::layers`]
//! (0-based), so the CLI can print a one-line message that points at the culprit.
//!
//! [`Model::layers`]: super::Model::layers

use crate::header::HeaderError;

/// A model that is malformed, too large, unreadable, or cannot evaluate a given input.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    // ----- structure (`Model::validate`) -----
    /// The input spec asks for a pixel width outside `1 ..= 8`.
    #[error("input bits must be 1..=8, found {bits}")]
    InputBits {
        /// Bits found.
        bits: u32,
    },
    /// The input image has a zero dimension.
    #[error("input shape {channels}×{height}×{width} is empty")]
    EmptyInput {
        /// Channels.
        channels: usize,
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
    },
    /// The model has no layers, so it has no logits.
    #[error("the model has no layers")]
    NoLayers,
    /// A layer expects another number of input channels than its input tensor has.
    #[error("layer {layer}: expects {expected} input channels, its input has {found}")]
    ChannelMismatch {
        /// Layer index.
        layer: usize,
        /// Channels the layer declares.
        expected: usize,
        /// Channels of its input tensor.
        found: usize,
    },
    /// A dense layer's input length disagrees with its input tensor.
    #[error("layer {layer}: dense layer has {expected} inputs, its input has {found} elements")]
    DenseInputs {
        /// Layer index.
        layer: usize,
        /// Inputs the layer declares.
        expected: usize,
        /// Elements of its input tensor.
        found: usize,
    },
    /// A layer produces no output (zero channels or zero outputs).
    #[error("layer {layer}: produces an empty tensor")]
    EmptyOutput {
        /// Layer index.
        layer: usize,
    },
    /// A convolution or pooling window has side 0 or stride 0.
    #[error("layer {layer}: window side {size} and stride {stride} must both be at least 1")]
    ZeroWindow {
        /// Layer index.
        layer: usize,
        /// Window (kernel) side.
        size: usize,
        /// Stride.
        stride: usize,
    },
    /// A convolution's padding is not smaller than its kernel, so some windows would read
    /// nothing but padding.
    #[error("layer {layer}: padding {padding} must be smaller than the kernel side {kernel}")]
    PaddingTooLarge {
        /// Layer index.
        layer: usize,
        /// Padding found.
        padding: usize,
        /// Kernel side.
        kernel: usize,
    },
    /// A window is larger than the (padded) input it slides over.
    #[error(
        "layer {layer}: a {size}×{size} window does not fit a {height}×{width} (padded) input"
    )]
    WindowTooLarge {
        /// Layer index.
        layer: usize,
        /// Window side.
        size: usize,
        /// Padded input rows.
        height: usize,
        /// Padded input columns.
        width: usize,
    },
    /// A weight vector's length disagrees with the layer's dimensions.
    #[error("layer {layer}: needs {expected} weights, has {found}")]
    WeightCount {
        /// Layer index.
        layer: usize,
        /// `out·in·k²` (convolution) or `outputs·inputs` (dense).
        expected: usize,
        /// Length of the weight vector.
        found: usize,
    },
    /// A batch norm's shift or bias vector does not have one entry per channel.
    #[error(
        "layer {layer}: batch norm has {shifts} shifts and {biases} biases for {channels} channels"
    )]
    BatchNormChannels {
        /// Layer index.
        layer: usize,
        /// Channels of the input tensor.
        channels: usize,
        /// Length of the shift vector.
        shifts: usize,
        /// Length of the bias vector.
        biases: usize,
    },
    /// A batch-norm shift above [`MAX_SHIFT`](super::MAX_SHIFT).
    #[error("layer {layer}, channel {channel}: shift {shift} exceeds {max}", max = super::MAX_SHIFT)]
    ShiftTooLarge {
        /// Layer index.
        layer: usize,
        /// Channel.
        channel: usize,
        /// Shift found.
        shift: u32,
    },
    /// A batch-norm bias outside `±`[`MAX_BIAS`](super::MAX_BIAS).
    #[error("layer {layer}, channel {channel}: |bias| = |{bias}| exceeds 2^40")]
    BiasTooLarge {
        /// Layer index.
        layer: usize,
        /// Channel.
        channel: usize,
        /// Bias found.
        bias: i64,
    },
    /// A ReLU's saturation width outside `1 ..= 8`.
    #[error("layer {layer}: ReLU bits must be 1..=8, found {bits}")]
    ReluBits {
        /// Layer index.
        layer: usize,
        /// Bits found.
        bits: u32,
    },
    /// The layer sequence is not supported (e.g. a dense layer on an unflattened tensor).
    #[error("layer {layer}: {reason}")]
    UnsupportedOrder {
        /// Layer index.
        layer: usize,
        /// What is wrong and how to fix it.
        reason: &'static str,
    },
    /// A size exceeds one of the limits that keep allocations bounded.
    #[error("{what} is {size}, the limit is {limit}")]
    TooLarge {
        /// What is too large (e.g. "layer 3 output elements").
        what: String,
        /// The size found (saturated at `u64::MAX`).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The model name is too long or contains control characters.
    #[error("model name must be at most {max} bytes of printable UTF-8", max = super::MAX_NAME_LEN)]
    BadName,

    // ----- model files (`model::format`) -----
    /// The file header is missing, of another kind or version, or malformed.
    #[error("{0}")]
    Header(#[from] HeaderError),
    /// A model header names a parameter set; models are independent of parameters.
    #[error("a model file must not name a parameter set (found {name:?})")]
    UnexpectedParameters {
        /// The name found.
        name: String,
    },
    /// The header announces a payload larger than any valid model.
    #[error("payload length {len} exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Announced length.
        len: u64,
        /// Limit.
        limit: u64,
    },
    /// The input ended before the announced payload and the checksum after it.
    #[error("file truncated: {expected} bytes of payload and checksum announced, found {found}")]
    Truncated {
        /// Announced payload length plus the checksum's.
        expected: u64,
        /// Bytes actually present.
        found: u64,
    },
    /// The payload ends in the middle of a field.
    #[error("payload ends in the middle of a field at byte {offset}")]
    UnexpectedEnd {
        /// Offset into the payload where more bytes were needed.
        offset: usize,
    },
    /// Bytes are left over after the last layer (in the payload or after it in the file).
    #[error("{count} unexpected bytes after the model")]
    TrailingBytes {
        /// How many (at least).
        count: u64,
    },
    /// A layer tag that this version does not know.
    #[error("layer {layer}: unknown layer tag {tag}")]
    UnknownLayerTag {
        /// Layer index.
        layer: usize,
        /// Tag found.
        tag: u8,
    },
    /// A byte that is not a valid 5-bit weight code.
    #[error("layer {layer}: weight {index} has invalid code {code:#04x}")]
    BadWeightCode {
        /// Layer index.
        layer: usize,
        /// Weight index within the layer.
        index: usize,
        /// Byte found.
        code: u8,
    },
    /// Opening, reading or writing a model file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),

    // ----- evaluation (`reference`) -----
    /// The image does not have one byte per input element.
    #[error("image has {found} pixels, the model reads {expected}")]
    ImageSize {
        /// `channels·height·width` of the input spec.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// An intermediate value left the `i64` range.
    #[error("layer {layer}: arithmetic overflow at output element {index}")]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Output element (CHW index) being computed.
        index: usize,
    },
}
