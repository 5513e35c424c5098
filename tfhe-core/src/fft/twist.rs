//! The negacyclic twist: how a real polynomial of `R = R[X]/(X^N + 1)` becomes `N/2` complex
//! values whose *cyclic* convolution is the negacyclic product.
//!
//! `X^N + 1 = (X^(N/2) − i)(X^(N/2) + i)`, and for a real polynomial the two residues are complex
//! conjugates, so the residue modulo `X^(N/2) − i` alone determines it:
//!
//! ```text
//! a(X) mod (X^(N/2) − i) = Σ_{j<N/2} (a_j + i·a_(j+N/2)) X^j
//! ```
//!
//! Substituting `X = ζY` with `ζ = e^(iπ/N)` (so `ζ^(N/2) = i`) turns `X^(N/2) − i` into
//! `i(Y^(N/2) − 1)`: a cyclic convolution of length `N/2`, which an FFT diagonalises. Hence
//!
//! ```text
//! forward:  z_j = (a_j + i·a_(j+N/2)) · ζ^j,  then FFT_(N/2)
//! backward: IFFT_(N/2), then w_j = z_j · ζ^(−j) / (N/2),  a_j = Re w_j,  a_(j+N/2) = Im w_j
//! ```
//!
//! The product is exact in exact arithmetic; in `f64` it carries a rounding error that the noise
//! model accounts for ([`crate::noise::fft_product_error_variance`]).

use concrete_fft::c64;

/// `ζ^j` and `ζ^(−j) / (N/2)` for `j < N/2`, with `ζ = e^(iπ/N)`.
#[derive(Clone, Debug)]
pub(crate) struct Twisties {
    pub(crate) forward: Vec<c64>,
    pub(crate) backward: Vec<c64>,
}

impl Twisties {
    pub(crate) fn new(polynomial_size: usize) -> Self {
        let half = polynomial_size / 2;
        let scale = 1.0 / half as f64;
        let (forward, backward) = (0..half)
            .map(|j| {
                let angle = core::f64::consts::PI * j as f64 / polynomial_size as f64;
                let (sin, cos) = angle.sin_cos();
                (c64::new(cos, sin), c64::new(cos * scale, -sin * scale))
            })
            .unzip();
        Self { forward, backward }
    }
}
