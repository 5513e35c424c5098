//! Programmable bootstrapping: refresh an LWE ciphertext while applying a lookup table.
//!
//! For an input `c = (a, b)` of dimension `n` and a table `v`:
//!
//! 1. modulus switching: `b̃ = ⌊b·2N/q⌉`, `ã_i = ⌊a_i·2N/q⌉` (inside the blind rotation);
//! 2. `ACC = (0, X^(−b̃)·v)`, a trivial GLWE encryption;
//! 3. blind rotation: `ACC ← X^(Σ ã_i s_i)·ACC = X^(−φ̃)·v` with `φ̃ = b̃ − Σ ã_i s_i`;
//! 4. sample extraction of the constant coefficient: an LWE encryption of `v_φ̃` (negacyclically
//!    extended) under the flattened GLWE key, dimension `k·N`.
//!
//! Correctness: the switched phase `φ̃` carries the input noise scaled to `2N` plus the switching
//! error of variance `(1 + n/2)·((2N)^(−2) − q^(−2))/12`
//! ([`crate::noise::modulus_switch_variance`]); it reads the right box of the table while the total
//! stays below half a box. The output noise is the blind rotation's alone
//! ([`crate::noise::blind_rotation_variance`]): independent of the input noise — the refresh.

use super::blind_rotation::BlindRotationKey;
use super::lut::LookupTable;
use crate::fft::Fft;
use crate::glwe::{sample_extract, GlweCiphertext};
use crate::lwe::LweCiphertext;
use dyn_stack::{PodStack, SizeOverflow, StackReq};
use torus::{Container, ContainerMut, Torus};

/// Scratch needed by [`programmable_bootstrap`].
pub fn programmable_bootstrap_scratch_requirement<T: Torus, K: BlindRotationKey<T>>(
    bsk: &K,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    let glwe_len = (bsk.glwe_dimension().0 + 1) * bsk.polynomial_size().0;
    StackReq::try_all_of([
        StackReq::try_new_aligned::<T>(glwe_len, 64)?,
        bsk.blind_rotate_scratch_requirement(fft)?,
    ])
}

/// `out ← PBS(input, lut)`: `out` has dimension `k·N`, `input` dimension `n`, with either kind of
/// key ([`super::FourierBootstrapKey`], [`super::MultiBitBootstrapKey`]). Allocation-free:
/// scratch from [`programmable_bootstrap_scratch_requirement`].
///
/// # Panics
/// On dimension mismatch.
pub fn programmable_bootstrap<T, K, O, I>(
    out: &mut LweCiphertext<O>,
    input: &LweCiphertext<I>,
    lut: &LookupTable<T>,
    bsk: &K,
    fft: &Fft,
    stack: PodStack<'_>,
) where
    T: Torus,
    K: BlindRotationKey<T>,
    O: ContainerMut<Element = T>,
    I: Container<Element = T>,
{
    let n = bsk.polynomial_size();
    assert_eq!(lut.polynomial_size(), n, "lookup table size");
    let glwe_len = (bsk.glwe_dimension().0 + 1) * n.0;
    let (acc, stack) = stack.make_aligned_raw::<T>(glwe_len, 64);
    let mut acc = GlweCiphertext::from_container(acc, n).expect("(k+1)·N");
    let log_2n = n.log2() + 1;
    let b = input.body().mod_switch(log_2n) as usize;
    acc.fill_trivial_rotated(lut.as_slice(), (2 * n.0 - b) % (2 * n.0));
    bsk.blind_rotate_assign(&mut acc, input.mask(), fft, stack);
    sample_extract(out, &acc, 0);
}
