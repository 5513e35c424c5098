//! Errors of the bitwise engine.

use crate::model::ModelError;

/// Why a bitwise evaluation (or its keys) could not be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum BitwiseError {
    /// The model is invalid or its worst-case bounds leave `i64`.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Keys or ciphertexts of a set that is not a boolean gate set.
    #[error(
        "parameter set {0} is not a boolean gate set; the bitwise engine needs BOOLEAN_128 or \
         TOY_BOOLEAN"
    )]
    NotAGateSet(&'static str),
    /// A TFHE-level failure (key generation).
    #[error(transparent)]
    Tfhe(#[from] tfhe_core::TfheError),
    /// The encrypted input does not have the model's size.
    #[error("the encrypted input has {found} pixels, the model reads {expected}")]
    InputSize {
        /// Pixels the model reads.
        expected: usize,
        /// Pixels in the input.
        found: usize,
    },
    /// The input was quantized to other bits than the model's input.
    #[error(
        "the input was encrypted with {found}-bit pixels, the model reads {expected}-bit pixels"
    )]
    InputBits {
        /// The model's input bits.
        expected: u32,
        /// Bits of the encrypted input.
        found: u32,
    },
    /// The input was encrypted for another parameter set than the server key's.
    #[error("the input is for parameter set {found}, the server key for {expected}")]
    Parameters {
        /// The server key's set.
        expected: &'static str,
        /// The input's set.
        found: &'static str,
    },
    /// A ciphertext of the input has the wrong dimension.
    #[error("an input ciphertext has dimension {found}, the server key expects {expected}")]
    InputDimension {
        /// The key's ciphertext dimension.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// An intermediate range left `i64` (not possible for a model whose bounds exist).
    #[error("layer {layer}, element {index}: a value range leaves 64-bit integers")]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Element index.
        index: usize,
    },
    /// A layer index or element index outside the model.
    #[error("no element {index} in layer {layer}")]
    NoSuchElement {
        /// Layer index.
        layer: usize,
        /// Element index.
        index: usize,
    },
}
