//! The external product `GGSW(M) ⊡ GLWE(μ) → GLWE(M·μ)` and the CMux built from it.
//!
//! Decompose every polynomial `C_i` of the GLWE input into digits `D_(i,j)` (`C̃_i = Σ_j D_(i,j)·
//! q/B^j` is `C_i` rounded to `ℓ` levels), then
//!
//! ```text
//! GGSW(M) ⊡ C = Σ_(i,j) D_(i,j) · row(i, j)
//! φ(GGSW(M) ⊡ C) = M·φ(C̃) + Σ_(i,j) D_(i,j)·E_(i,j) = M·φ(C) − M·φ(ε) + Σ D·E
//! ```
//!
//! where `ε = C − C̃` is the rounding error. For `M ∈ {0, 1}` (a key bit), per coefficient:
//!
//! ```text
//! V_out = M·V_in + (k+1)·ℓ·N·(B²+2)/12 · V_ggsw + M·(1 + k·N/2)·Var(ε) + V_fft
//! ```
//!
//! ([`crate::noise::external_product_variance`]). The products run in the Fourier domain: each
//! input polynomial is decomposed, converted and twisted in one pass
//! ([`Fft::forward_decomposition`]) and its `ℓ` digit polynomials transformed forward; one pass
//! over the GGSW then forms the `k + 1` Fourier-domain sums ([`crate::fft::fourier_dot`]), which
//! are transformed back and added to the output: `(k+1)·ℓ` forward and `k+1` backward FFTs per
//! external product. The loops around the FFTs run as AVX2 kernels where the CPU has them, with
//! results bit-identical to the portable code (`crate::fft` explains).
//!
//! `CMux(b, C_0, C_1) = C_0 + GGSW(b) ⊡ (C_1 − C_0)` selects `C_b` for `b ∈ {0, 1}`.

use super::fourier::FourierGgswCiphertext;
use crate::fft::{c64, fourier_dot, Fft};
use crate::glwe::GlweCiphertext;
use dyn_stack::{PodStack, ReborrowMut, SizeOverflow, StackReq};
use torus::{Container, ContainerMut, Torus};

const ALIGN: usize = 64;

/// Scratch needed by [`add_external_product_assign`].
pub fn external_product_scratch_requirement<T: Torus>(
    glwe_size: usize,
    level_count: usize,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    let layout = fft.layout();
    let polynomials = |count: Option<usize>| count.and_then(|c| layout.len(c)).ok_or(SizeOverflow);
    StackReq::try_all_of([
        StackReq::try_new_aligned::<c64>(polynomials(glwe_size.checked_mul(level_count))?, ALIGN)?,
        StackReq::try_new_aligned::<c64>(polynomials(Some(glwe_size))?, ALIGN)?,
        StackReq::try_any_of([
            fft.forward_scratch_requirement()?,
            fft.backward_scratch_requirement()?,
        ])?,
    ])
}

/// Scratch needed by [`cmux_assign`].
pub fn cmux_scratch_requirement<T: Torus>(
    glwe_size: usize,
    level_count: usize,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    let n = fft.polynomial_size().0;
    StackReq::try_all_of([
        StackReq::try_new_aligned::<T>(glwe_size * n, ALIGN)?,
        external_product_scratch_requirement::<T>(glwe_size, level_count, fft)?,
    ])
}

/// `out ← out + ggsw ⊡ input`. Allocation-free: scratch from
/// [`external_product_scratch_requirement`].
///
/// # Panics
/// On dimension mismatch or insufficient scratch.
pub fn add_external_product_assign<T, O, I>(
    out: &mut GlweCiphertext<O>,
    ggsw: &FourierGgswCiphertext<T>,
    input: &GlweCiphertext<I>,
    fft: &Fft,
    stack: PodStack<'_>,
) where
    T: Torus,
    O: ContainerMut<Element = T>,
    I: Container<Element = T>,
{
    let n = ggsw.polynomial_size().0;
    let glwe_size = ggsw.glwe_dimension().0 + 1;
    assert_eq!(input.polynomial_size().0, n, "polynomial size");
    assert_eq!(
        input.glwe_dimension(),
        ggsw.glwe_dimension(),
        "GLWE dimension"
    );
    assert_eq!(out.as_slice().len(), input.as_slice().len(), "output size");
    let decomposer = ggsw.decomposer();
    let levels = decomposer.level_count().0;
    let layout = fft.layout();
    let stride = layout.stride();

    let (fourier_digits, stack) = stack.make_aligned_raw::<c64>(glwe_size * levels * stride, ALIGN);
    let (acc, mut stack) = stack.make_aligned_raw::<c64>(glwe_size * stride, ALIGN);

    // FFT(D_(i,j)) for every polynomial i and level j, in the GGSW's row order (i, j).
    for (i, digits_i) in fourier_digits.chunks_exact_mut(levels * stride).enumerate() {
        fft.forward_decomposition(digits_i, input.polynomial(i), &decomposer, stack.rb_mut());
    }
    // acc_c = Σ_(i,j) FFT(D_(i,j)) ⊙ row(i, j)_c, one pass over the GGSW.
    fourier_dot(acc, fourier_digits, ggsw.as_slice(), layout);
    for (c, a) in acc.chunks_exact_mut(stride).enumerate() {
        fft.add_backward_as_torus(
            out.polynomial_mut(c),
            &mut a[..layout.half()],
            stack.rb_mut(),
        );
    }
}

/// `c0 ← CMux(ggsw, c0, c1) = c0 + ggsw ⊡ (c1 − c0)`: `c1` if the GGSW encrypts 1, `c0` if 0.
/// Allocation-free: scratch from [`cmux_scratch_requirement`].
pub fn cmux_assign<T, C0, C1>(
    c0: &mut GlweCiphertext<C0>,
    c1: &GlweCiphertext<C1>,
    ggsw: &FourierGgswCiphertext<T>,
    fft: &Fft,
    stack: PodStack<'_>,
) where
    T: Torus,
    C0: ContainerMut<Element = T>,
    C1: Container<Element = T>,
{
    let len = c0.as_slice().len();
    let (diff, stack) = stack.make_aligned_raw::<T>(len, ALIGN);
    diff.copy_from_slice(c1.as_slice());
    let mut diff = GlweCiphertext::from_container(diff, c0.polynomial_size()).expect("same shape");
    diff.sub_assign(c0);
    add_external_product_assign(c0, ggsw, &diff, fft, stack);
}
