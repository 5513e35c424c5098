//! Dimension newtypes, so that an LWE dimension can never be passed where a polynomial size or a
//! level count is expected.

pub use torus::{DecompositionBaseLog, DecompositionLevelCount, PolynomialSize};

/// `n`: the number of mask elements of an LWE ciphertext (the length of its secret key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LweDimension(pub usize);

impl LweDimension {
    /// `n + 1`: the number of torus elements of one ciphertext (mask and body).
    pub fn to_lwe_size(self) -> usize {
        self.0 + 1
    }
}

/// `k`: the number of mask polynomials of a GLWE ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlweDimension(pub usize);
