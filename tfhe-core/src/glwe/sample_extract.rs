//! Sample extraction: the LWE ciphertext of one coefficient of a GLWE ciphertext's message.
//!
//! Coefficient `h` of `Σ_i A_i·S_i` in `R_q` is `Σ_i (Σ_{j≤h} A_i[h−j] S_i[j] − Σ_{j>h}
//! A_i[N+h−j] S_i[j])`, a dot product with the flattened key. So with
//!
//! ```text
//! a[i·N + j] = A_i[h − j]         for j ≤ h
//! a[i·N + j] = −A_i[N + h − j]    for j > h,        b = B[h]
//! ```
//!
//! `(a, b)` is an LWE encryption of `M[h]` under the flattened key, with the noise `E[h]`
//! unchanged. Sample extraction costs no noise and no key.

use super::ciphertext::GlweCiphertext;
use crate::lwe::LweCiphertext;
use torus::{Container, ContainerMut, Torus};

/// Writes into `out` (dimension `k·N`) the LWE encryption of coefficient `h` of `input`'s message.
///
/// # Panics
/// If `out`'s dimension is not `k·N` or `h ≥ N`.
pub fn sample_extract<T: Torus, I: Container<Element = T>, O: ContainerMut<Element = T>>(
    out: &mut LweCiphertext<O>,
    input: &GlweCiphertext<I>,
    h: usize,
) {
    let n = input.polynomial_size().0;
    let k = input.glwe_dimension().0;
    assert_eq!(
        out.lwe_dimension().0,
        k * n,
        "extracted LWE dimension is k·N"
    );
    assert!(h < n, "coefficient {h} outside the polynomial");
    let (mask, body) = out.mask_and_body_mut();
    *body = input.body()[h];
    for (i, chunk) in mask.chunks_exact_mut(n).enumerate() {
        let a = input.polynomial(i);
        for (j, slot) in chunk.iter_mut().enumerate() {
            *slot = if j <= h {
                a[h - j]
            } else {
                a[n + h - j].wrapping_neg()
            };
        }
    }
}
