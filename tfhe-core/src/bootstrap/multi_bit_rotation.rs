//! Multi-bit blind rotation: `ACC ← X^(Σ ã_i·s_i)·ACC` with one external product per *pair* of
//! mask elements ([`super::MultiBitBootstrapKey`] explains the key).
//!
//! For the pair `(ã, b̃)` with key terms `K_1 = GGSW(s_a·s_b)`, `K_2 = GGSW(s_a(1−s_b))`,
//! `K_3 = GGSW((1−s_a)s_b)` and rotations `c = (ã + b̃, ã, b̃)`, the step
//!
//! ```text
//! ACC ← ACC + Σ_j (X^(c_j) − 1) · (K_j ⊡ ACC)        (= X^(ã·s_a + b̃·s_b)·ACC)
//! ```
//!
//! runs in the Fourier domain: `ACC` is decomposed and transformed **once** (`(k+1)·ℓ` forward
//! FFTs); each `K_j` contributes one Fourier inner product whose `k + 1` results are multiplied
//! by the Fourier values of `X^(c_j) − 1` — a table lookup, no transform
//! ([`Fft::monomial_minus_one`]) — and summed, all in one pass over the three key terms
//! ([`crate::fft::multi_bit_dot`]); then `k + 1` backward FFTs. Against two
//! classic CMux steps this halves the FFTs, the decompositions and the rounding passes, and
//! replaces two inner products by three. Terms with `c_j = 0` vanish and are skipped; so is a
//! pair with `ã = b̃ = 0`. For an odd `n` the last bit is one classic step written the same way
//! (one key term, `c = ã`).
//!
//! **Noise** per pair, for the decomposition's digit second moment `E[d²]`, key-term noise
//! `V_ggsw`, rounding error `ε` and FFT error term `V_fft` of one external product
//! ([`crate::noise::external_product_variance`]):
//!
//! ```text
//! V_pair = 6·(k+1)·ℓ·N·E[d²]·V_ggsw + E‖X^c − 1‖²·(1 + k·N/2)·Var(ε) + 6·V_fft
//! ```
//!
//! Each of the three key terms' noise is multiplied by `X^(c_j) − 1`, whose squared norm is 2 on
//! average over a uniform `c_j` (exactly: `0` for `c_j = 0`, `4` for `c_j = N`, `2` otherwise);
//! the rounding error of the decomposed `ACC` is multiplied by the selected `X^c − 1`, with
//! `E‖X^c − 1‖² = 2·P((s_a, s_b) ≠ (0, 0)) = 3/2` for uniform key bits. So two key bits cost
//! three times the key-noise term of two classic steps and 1.5 times their rounding term
//! ([`crate::noise::multi_bit_blind_rotation_variance`]; `tests/bootstrap_noise.rs` measures it).

use super::blind_rotation::BlindRotationKey;
use super::multi_bit_key::MultiBitBootstrapKey;
use crate::dimensions::{GlweDimension, LweDimension, PolynomialSize};
use crate::fft::{c64, multi_bit_dot, Fft};
use crate::glwe::GlweCiphertext;
use dyn_stack::{PodStack, ReborrowMut, SizeOverflow, StackReq};
use torus::{ContainerMut, Torus};

const ALIGN: usize = 64;

/// Scratch needed by [`multi_bit_blind_rotate_assign`]: the `(k+1)·ℓ` Fourier digit
/// polynomials, the `k + 1` Fourier sums, three monomials and the FFT's own scratch.
pub fn multi_bit_blind_rotate_scratch_requirement<T: Torus>(
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    let glwe_size = bsk.glwe_dimension().0 + 1;
    let half = bsk.polynomial_size().0 / 2;
    let levels = bsk.decomposer().level_count().0;
    StackReq::try_all_of([
        StackReq::try_new_aligned::<c64>(glwe_size * levels * half, ALIGN)?,
        StackReq::try_new_aligned::<c64>(glwe_size * half, ALIGN)?,
        StackReq::try_new_aligned::<c64>(3 * half, ALIGN)?,
        StackReq::try_any_of([
            fft.forward_scratch_requirement()?,
            fft.backward_scratch_requirement()?,
        ])?,
    ])
}

/// `acc ← X^(Σ ã_i·s_i)·acc` for the LWE mask `mask` (length `n`), each `a_i` switched to
/// `Z_(2N)`, one external product per pair of mask elements. Allocation-free: scratch from
/// [`multi_bit_blind_rotate_scratch_requirement`].
///
/// # Panics
/// If `mask.len()` is not the key's input dimension or the accumulator's shape differs.
pub fn multi_bit_blind_rotate_assign<T: Torus, C: ContainerMut<Element = T>>(
    acc: &mut GlweCiphertext<C>,
    mask: &[T],
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
    stack: PodStack<'_>,
) {
    assert_eq!(
        mask.len(),
        bsk.input_lwe_dimension().0,
        "LWE dimension of the key"
    );
    let n = bsk.polynomial_size().0;
    assert_eq!(acc.polynomial_size().0, n, "polynomial size");
    assert_eq!(acc.glwe_dimension(), bsk.glwe_dimension(), "GLWE dimension");
    assert_eq!(fft.polynomial_size().0, n, "FFT size");
    let glwe_size = bsk.glwe_dimension().0 + 1;
    let half = n / 2;
    let decomposer = bsk.decomposer();
    let levels = decomposer.level_count().0;
    let log_2n = bsk.polynomial_size().log2() + 1;
    let two_n = 2 * n;

    let (digits, stack) = stack.make_aligned_raw::<c64>(glwe_size * levels * half, ALIGN);
    let (sum, stack) = stack.make_aligned_raw::<c64>(glwe_size * half, ALIGN);
    let (monomials, mut stack) = stack.make_aligned_raw::<c64>(3 * half, ALIGN);

    for (g, pair) in mask.chunks(2).enumerate() {
        let a = pair[0].mod_switch(log_2n) as usize;
        let b = pair.get(1).map_or(0, |x| x.mod_switch(log_2n) as usize);
        if a == 0 && b == 0 {
            continue;
        }
        let rotations = [(a + b) % two_n, a, b];
        // FFT(D_(i,j)) of ACC, once for the whole pair.
        for (i, digits_i) in digits.chunks_exact_mut(levels * half).enumerate() {
            fft.forward_decomposition(digits_i, acc.polynomial(i), &decomposer, stack.rb_mut());
        }
        // The key terms with a non-zero rotation and their monomials F(X^(c_j) − 1).
        let mut keys: [&[c64]; 3] = [&[]; 3];
        let mut count = 0;
        for (ggsw, &c) in bsk.group(g).iter().zip(&rotations) {
            if c != 0 {
                keys[count] = ggsw.as_slice();
                fft.monomial_minus_one(&mut monomials[count * half..][..half], c);
                count += 1;
            }
        }
        // sum_c = Σ_j F(X^(c_j) − 1) ⊙ Σ_(i,l) FFT(D_(i,l)) ⊙ row_j(i, l)_c, one pass.
        multi_bit_dot(sum, digits, &keys[..count], &monomials[..count * half]);
        for (c, s) in sum.chunks_exact_mut(half).enumerate() {
            fft.add_backward_as_torus(acc.polynomial_mut(c), s, stack.rb_mut());
        }
    }
}

impl<T: Torus> BlindRotationKey<T> for MultiBitBootstrapKey<T> {
    fn input_lwe_dimension(&self) -> LweDimension {
        self.input_lwe_dimension()
    }

    fn glwe_dimension(&self) -> GlweDimension {
        self.glwe_dimension()
    }

    fn polynomial_size(&self) -> PolynomialSize {
        self.polynomial_size()
    }

    fn blind_rotate_scratch_requirement(&self, fft: &Fft) -> Result<StackReq, SizeOverflow> {
        multi_bit_blind_rotate_scratch_requirement(self, fft)
    }

    fn blind_rotate_assign<C: ContainerMut<Element = T>>(
        &self,
        acc: &mut GlweCiphertext<C>,
        mask: &[T],
        fft: &Fft,
        stack: PodStack<'_>,
    ) {
        multi_bit_blind_rotate_assign(acc, mask, self, fft, stack);
    }
}
