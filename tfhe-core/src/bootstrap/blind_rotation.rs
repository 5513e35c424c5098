//! Blind rotation: `ACC ← X^(Σ ã_i·s_i)·ACC`, one CMux per LWE mask element.
//!
//! With `ã_i = ⌊a_i·2N/q⌉` (modulus switching, [`torus::Torus::mod_switch`]) and
//! `BSK_i = GGSW(s_i)`, each step computes
//!
//! ```text
//! ACC ← ACC + BSK_i ⊡ (X^(ã_i)·ACC − ACC)          (= X^(ã_i·s_i)·ACC)
//! ```
//!
//! Steps with `ã_i = 0` are skipped (the CMux would be the identity). Noise grows additively
//! (Chillotti et al. 2020, Thm. 4.3 for the un-balanced form): each step adds one external product
//! term, so after `n` steps
//!
//! ```text
//! V_BR = n·[(k+1)·ℓ·N·(B²+2)/12·V_bsk + ½·(1 + k·N/2)·Var(ε) + V_fft]
//! ```
//!
//! ([`crate::noise::blind_rotation_variance`]; the ½ is `E[s_i]`, the rounding term only being
//! present when `s_i = 1`).

use super::key::FourierBootstrapKey;
use crate::dimensions::{GlweDimension, LweDimension, PolynomialSize};
use crate::fft::Fft;
use crate::ggsw::{add_external_product_assign, external_product_scratch_requirement};
use crate::glwe::GlweCiphertext;
use dyn_stack::{PodStack, SizeOverflow, StackReq};
use torus::{ContainerMut, Torus};

/// Scratch needed by [`blind_rotate_assign`].
pub fn blind_rotate_scratch_requirement<T: Torus>(
    bsk: &FourierBootstrapKey<T>,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    let glwe_size = bsk.glwe_dimension().0 + 1;
    StackReq::try_all_of([
        StackReq::try_new_aligned::<T>(glwe_size * bsk.polynomial_size().0, 64)?,
        external_product_scratch_requirement::<T>(
            glwe_size,
            bsk.decomposer().level_count().0,
            fft,
        )?,
    ])
}

/// `acc ← X^(Σ ã_i·s_i)·acc` for the LWE mask `mask` (length `n`), each `a_i` switched to
/// `Z_(2N)`. Allocation-free: scratch from [`blind_rotate_scratch_requirement`].
///
/// # Panics
/// If `mask.len()` is not the key's input dimension or the accumulator's shape differs.
pub fn blind_rotate_assign<T: Torus, C: ContainerMut<Element = T>>(
    acc: &mut GlweCiphertext<C>,
    mask: &[T],
    bsk: &FourierBootstrapKey<T>,
    fft: &Fft,
    stack: PodStack<'_>,
) {
    assert_eq!(
        mask.len(),
        bsk.input_lwe_dimension().0,
        "LWE dimension of the key"
    );
    let log_2n = bsk.polynomial_size().log2() + 1;
    let (diff, mut stack) = stack.make_aligned_raw::<T>(acc.as_slice().len(), 64);
    let mut diff = GlweCiphertext::from_container(diff, acc.polynomial_size()).expect("same shape");
    for (i, &a) in mask.iter().enumerate() {
        let rotation = a.mod_switch(log_2n) as usize;
        if rotation == 0 {
            continue;
        }
        diff.assign_rotation_minus_self(acc, rotation);
        add_external_product_assign(
            acc,
            bsk.ggsw(i),
            &diff,
            fft,
            dyn_stack::ReborrowMut::rb_mut(&mut stack),
        );
    }
}

/// A bootstrapping key that can blind-rotate: what a programmable bootstrap
/// ([`super::programmable_bootstrap`]) needs from its key. Implemented by the classic key
/// ([`FourierBootstrapKey`], one CMux per mask element) and the multi-bit key
/// ([`super::MultiBitBootstrapKey`], one external product per pair).
pub trait BlindRotationKey<T: Torus> {
    /// `n`: the dimension of the LWE ciphertexts the key bootstraps.
    fn input_lwe_dimension(&self) -> LweDimension;
    /// `k`.
    fn glwe_dimension(&self) -> GlweDimension;
    /// `N`.
    fn polynomial_size(&self) -> PolynomialSize;
    /// Scratch needed by [`BlindRotationKey::blind_rotate_assign`].
    fn blind_rotate_scratch_requirement(&self, fft: &Fft) -> Result<StackReq, SizeOverflow>;
    /// `acc ← X^(Σ ã_i·s_i)·acc`, allocation-free.
    fn blind_rotate_assign<C: ContainerMut<Element = T>>(
        &self,
        acc: &mut GlweCiphertext<C>,
        mask: &[T],
        fft: &Fft,
        stack: PodStack<'_>,
    );
}

impl<T: Torus> BlindRotationKey<T> for FourierBootstrapKey<T> {
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
        blind_rotate_scratch_requirement(self, fft)
    }

    fn blind_rotate_assign<C: ContainerMut<Element = T>>(
        &self,
        acc: &mut GlweCiphertext<C>,
        mask: &[T],
        fft: &Fft,
        stack: PodStack<'_>,
    ) {
        blind_rotate_assign(acc, mask, self, fft, stack);
    }
}
