//! Errors of the PBS engine.

use super::plan::PlanError;

/// Why an encrypted inference could not run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The model cannot be planned for this parameter set.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An operation on ciphertexts was refused (a bug in planning if it ever happens).
    #[error("encrypted evaluation: {0}")]
    Tfhe(#[from] tfhe_core::TfheError),
    /// The encrypted input does not have the model's size.
    #[error("the encrypted input has {found} pixels, the model reads {expected}")]
    InputSize {
        /// Pixels the model reads.
        expected: usize,
        /// Pixels in the input.
        found: usize,
    },
    /// The encrypted input was quantized to other bits than the model's input.
    #[error(
        "the input was encrypted with {found}-bit pixels, the model reads {expected}-bit pixels"
    )]
    InputBits {
        /// The model's input bits.
        expected: u32,
        /// Bits of the encrypted input.
        found: u32,
    },
    /// The input's scale is above the one the plan needs.
    #[error("the input is encrypted at scale 2^{found}, the model's first layer needs at most 2^{expected}")]
    InputScale {
        /// The plan's input scale.
        expected: u32,
        /// The input's scale.
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
        /// The big key's dimension.
        expected: usize,
        /// Found.
        found: usize,
    },
}
