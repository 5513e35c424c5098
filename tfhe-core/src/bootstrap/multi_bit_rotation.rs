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
//! replaces two inner products by three. Terms with `c_j = 0` vanish (their monomial is an exact
//! zero, so the same kernel serves every accumulator of a batch); a pair with `ã = b̃ = 0` is
//! skipped. For an odd `n` the last bit is one classic step written the same way (one key term,
//! `c = ã`). [`multi_bit_blind_rotate_batch_assign`] runs several accumulators pair by pair with
//! one pass over each pair's key terms.
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
use crate::dimensions::{DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize};
use crate::fft::{c64, multi_bit_dot_batch, Fft, LevelPrefixes};
use crate::glwe::GlweCiphertext;
use dyn_stack::{PodStack, ReborrowMut, SizeOverflow, StackReq};
use torus::{ContainerMut, SignedDecomposer, Torus};

const ALIGN: usize = 64;

/// Scratch needed by [`multi_bit_blind_rotate_assign`]: the `(k+1)·ℓ` Fourier digit
/// polynomials, the `k + 1` Fourier sums, three monomials and the FFT's own scratch.
pub fn multi_bit_blind_rotate_scratch_requirement<T: Torus>(
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
) -> Result<StackReq, SizeOverflow> {
    multi_bit_blind_rotate_batch_scratch_requirement(bsk, fft, 1)
}

/// Scratch needed by [`multi_bit_blind_rotate_batch_assign`] for `batch` accumulators: for each,
/// the `(k+1)·ℓ` Fourier digit polynomials, the `k + 1` Fourier sums, three monomials and its
/// level count; and the FFT's own scratch once.
pub fn multi_bit_blind_rotate_batch_scratch_requirement<T: Torus>(
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
    batch: usize,
) -> Result<StackReq, SizeOverflow> {
    let glwe_size = bsk.glwe_dimension().0 + 1;
    let layout = fft.layout();
    let levels = bsk.decomposer().level_count().0;
    let values = |per_problem: usize| {
        per_problem
            .checked_mul(batch)
            .and_then(|count| layout.len(count))
            .ok_or(SizeOverflow)
    };
    StackReq::try_all_of([
        StackReq::try_new_aligned::<c64>(values(glwe_size * levels)?, ALIGN)?,
        StackReq::try_new_aligned::<c64>(values(glwe_size)?, ALIGN)?,
        StackReq::try_new_aligned::<c64>(values(3)?, ALIGN)?,
        StackReq::try_new_aligned::<usize>(batch, ALIGN)?,
        StackReq::try_any_of([
            fft.forward_scratch_requirement()?,
            fft.backward_scratch_requirement()?,
        ])?,
    ])
}

/// `acc ← X^(Σ ã_i·s_i)·acc` for the LWE mask `mask` (length `n`), each `a_i` switched to
/// `Z_(2N)`, one external product per pair of mask elements. Allocation-free: scratch from
/// [`multi_bit_blind_rotate_scratch_requirement`]. A batch of one of
/// [`multi_bit_blind_rotate_batch_assign`].
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
        acc.polynomial_size(),
        bsk.polynomial_size(),
        "polynomial size"
    );
    assert_eq!(acc.glwe_dimension(), bsk.glwe_dimension(), "GLWE dimension");
    let levels = bsk.decomposer().level_count().0;
    multi_bit_blind_rotate_batch_assign(acc.as_mut_slice(), |_| (mask, levels), bsk, fft, stack);
}

/// [`multi_bit_blind_rotate_assign`] on `batch = accs.len() / ((k+1)·N)` accumulators at once:
/// accumulator `b` is `accs[b·(k+1)·N..][..(k+1)·N]` and is rotated by the mask `problem(b).0`,
/// decomposing to the first `ℓ'_b = problem(b).1` of the key's `ℓ` levels.
///
/// The steps are those of the single rotation, pair by pair, for every accumulator; only the
/// Fourier inner product runs over the whole batch ([`crate::fft::multi_bit_dot_batch`]), so
/// each pair's key terms are read from memory once for the batch instead of once per
/// accumulator. Every accumulator ends **bit-identical** to a rotation on its own (the same
/// operations in the same order; a key term whose rotation is `0` contributes an exact zero
/// instead of being skipped), so the noise is that of the single rotation.
///
/// **Fewer levels** (`ℓ'_b < ℓ`): the accumulator is rounded to `ℓ'_b` levels and only those
/// digits are transformed and multiplied ([`crate::fft::LevelPrefixes`]): the rotation with a
/// key of decomposition `(B, ℓ'_b)` — the first rows of this key's GGSW ciphertexts — at
/// `ℓ'_b/ℓ` of the forward transforms, decompositions and inner products, with the noise of
/// that decomposition ([`crate::noise::multi_bit_blind_rotation_variance`] at `ℓ'_b`).
/// Allocation-free: scratch from [`multi_bit_blind_rotate_batch_scratch_requirement`].
///
/// # Panics
/// If `accs` is empty or not a whole number of accumulators, if a mask's length is not the key's
/// input dimension, a level count is not in `1..=ℓ`, or the FFT's size differs.
pub fn multi_bit_blind_rotate_batch_assign<'m, T: Torus>(
    accs: &mut [T],
    problem: impl Fn(usize) -> (&'m [T], usize),
    bsk: &MultiBitBootstrapKey<T>,
    fft: &Fft,
    stack: PodStack<'_>,
) {
    let size = bsk.polynomial_size();
    let n = size.0;
    assert_eq!(fft.polynomial_size().0, n, "FFT size");
    let glwe_size = bsk.glwe_dimension().0 + 1;
    let glwe_len = glwe_size * n;
    assert!(
        !accs.is_empty() && accs.len().is_multiple_of(glwe_len),
        "a whole number of accumulators"
    );
    let batch = accs.len() / glwe_len;
    let mask_of = |b: usize| problem(b).0;
    for b in 0..batch {
        assert_eq!(
            mask_of(b).len(),
            bsk.input_lwe_dimension().0,
            "LWE dimension of the key"
        );
    }
    let layout = fft.layout();
    let (half, stride) = (layout.half(), layout.stride());
    let key_decomposer = bsk.decomposer();
    let levels = key_decomposer.level_count().0;
    let log_2n = size.log2() + 1;
    let two_n = 2 * n;
    let digit_len = glwe_size * levels * stride;

    let (digits, stack) = stack.make_aligned_raw::<c64>(batch * digit_len, ALIGN);
    let (sums, stack) = stack.make_aligned_raw::<c64>(batch * glwe_size * stride, ALIGN);
    let (monomials, stack) = stack.make_aligned_raw::<c64>(batch * 3 * stride, ALIGN);
    let (used, mut stack) = stack.make_aligned_raw::<usize>(batch, ALIGN);
    for (b, used) in used.iter_mut().enumerate() {
        *used = problem(b).1;
    }
    let prefixes = LevelPrefixes::new(levels, used).expect("level counts in 1..=ℓ");
    let decomposer = |b: usize| {
        SignedDecomposer::new(
            key_decomposer.base_log(),
            DecompositionLevelCount(prefixes.used(b)),
        )
        .expect("a prefix of a valid decomposition")
    };

    for g in 0..bsk.group_count() {
        let group = bsk.group(g);
        let terms = group.len();
        let mut keys: [&[c64]; 3] = [&[]; 3];
        for (key, ggsw) in keys.iter_mut().zip(group) {
            *key = ggsw.as_slice();
        }
        let mut rotated = false;
        for (b, acc) in accs.chunks_exact(glwe_len).enumerate() {
            let (a, a2) = switched_pair(mask_of(b), g, log_2n);
            let monomials_b = &mut monomials[b * terms * stride..][..terms * stride];
            if a == 0 && a2 == 0 {
                // X^0·ACC = ACC: every term vanishes, and the backward pass below skips `b`.
                monomials_b.fill(c64::default());
                continue;
            }
            rotated = true;
            // FFT(D_(i,j)) of ACC for its ℓ'_b levels, once for the whole pair.
            let digits_b = &mut digits[b * digit_len..][..digit_len];
            let decomposer_b = decomposer(b);
            let used_b = prefixes.used(b) * stride;
            for (i, digits_i) in digits_b.chunks_exact_mut(levels * stride).enumerate() {
                let polynomial = &acc[i * n..][..n];
                let digits_i = &mut digits_i[..used_b];
                fft.forward_decomposition(digits_i, polynomial, &decomposer_b, stack.rb_mut());
            }
            // F(X^(c_j) − 1) for the rotations c = (ã + b̃, ã, b̃); an exact zero for c_j = 0.
            let rotations = [(a + a2) % two_n, a, a2];
            for (m, &c) in monomials_b.chunks_exact_mut(stride).zip(&rotations) {
                let m = &mut m[..half];
                if c == 0 {
                    m.fill(c64::default());
                } else {
                    fft.monomial_minus_one(m, c);
                }
            }
        }
        if !rotated {
            continue;
        }
        // sum_(b,c) = Σ_j F(X^(c_(b,j)) − 1) ⊙ Σ_(i,l) FFT(D_(b,i,l)) ⊙ row_j(i, l)_c, one pass
        // over the key for the whole batch.
        multi_bit_dot_batch(
            sums,
            digits,
            &keys[..terms],
            &monomials[..batch * terms * stride],
            prefixes,
            layout,
        );
        let problems = accs
            .chunks_exact_mut(glwe_len)
            .zip(sums.chunks_exact_mut(glwe_size * stride));
        for (b, (acc, sums_b)) in problems.enumerate() {
            if switched_pair(mask_of(b), g, log_2n) == (0, 0) {
                continue;
            }
            for (polynomial, s) in acc.chunks_exact_mut(n).zip(sums_b.chunks_exact_mut(stride)) {
                fft.add_backward_as_torus(polynomial, &mut s[..half], stack.rb_mut());
            }
        }
    }
}

/// The mask elements `(ã, b̃)` of pair `g`, switched to `Z_(2N)` (`b̃ = 0` past an odd end).
fn switched_pair<T: Torus>(mask: &[T], g: usize, log_2n: u32) -> (usize, usize) {
    let switch = |x: &T| x.mod_switch(log_2n) as usize;
    (switch(&mask[2 * g]), mask.get(2 * g + 1).map_or(0, switch))
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
