//! Typed errors for everything built from values that may come from outside the program.

use thiserror::Error;

/// An error of the TFHE layer.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TfheError {
    /// A buffer's length does not match the dimensions it is claimed to have.
    #[error("{what}: expected {expected} elements, found {found}")]
    LengthMismatch {
        /// What was being built.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A dimension is zero or out of the supported range.
    #[error("{what}: dimension {value} is not supported")]
    UnsupportedDimension {
        /// Which dimension.
        what: &'static str,
        /// The value.
        value: usize,
    },
    /// A parameter set used with a scalar type of another width.
    #[error("parameter set is for a {expected}-bit torus, the scalar type has {found} bits")]
    TorusWidthMismatch {
        /// The set's torus width.
        expected: u32,
        /// The scalar type's width.
        found: u32,
    },
    /// Evaluation-key parts whose dimensions do not match their parameter set.
    #[error("evaluation keys: {0}")]
    InconsistentKeys(&'static str),
    /// A lookup table that cannot be built for this encoding and polynomial size.
    #[error("lookup table: {0}")]
    LookupTable(&'static str),
    /// An operation on wide integers outside what the encoding supports.
    #[error("wide integer: {0}")]
    WideInteger(&'static str),
    /// A secret key coefficient is not a bit.
    #[error("secret key coefficient {index} is not 0 or 1")]
    NonBinarySecretKey {
        /// Position of the first bad coefficient.
        index: usize,
    },
    /// An invalid decomposition (base, levels).
    #[error(transparent)]
    Decomposition(#[from] torus::InvalidDecomposition),
    /// A noise distribution unusable on the torus width.
    #[error(transparent)]
    Distribution(#[from] torus::InvalidDistribution),
    /// An invalid encoding.
    #[error(transparent)]
    Encoding(#[from] torus::InvalidEncoding),
}
