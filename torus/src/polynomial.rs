//! Polynomials of the negacyclic ring `R_q = Z_q[X] / (X^N + 1)`, `N` a power of two.
//!
//! In `R_q`, `X^N = −1`, so multiplying by the monomial `X^k` rotates the coefficients by `k`
//! places and negates those that wrap around; `X^(2N) = 1`, so `k` is taken in `[0, 2N)`. The
//! O(N²) schoolbook product here is the oracle every fast (FFT) product is tested against.

use crate::container::{Container, ContainerMut};
use crate::scalar::Torus;

/// `N`, the number of coefficients of a ring element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolynomialSize(pub usize);

impl PolynomialSize {
    /// `log2 N`; `N` must be a power of two.
    pub fn log2(self) -> u32 {
        debug_assert!(self.0.is_power_of_two());
        self.0.trailing_zeros()
    }
}

/// A polynomial of `R_q` over any container of coefficients (`Vec<T>`, `&[T]`, `&mut [T]`);
/// coefficient `i` is the coefficient of `X^i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polynomial<C> {
    coeffs: C,
}

impl<C: Container> Polynomial<C> {
    /// Wraps a container. Its length is `N`, which must be a power of two.
    ///
    /// # Panics
    /// If the length is not a power of two.
    pub fn from_container(coeffs: C) -> Self {
        assert!(
            coeffs.as_ref().len().is_power_of_two(),
            "a polynomial of the negacyclic ring has a power-of-two size"
        );
        Self { coeffs }
    }

    /// The container.
    pub fn into_container(self) -> C {
        self.coeffs
    }
}

impl<T: Torus> Polynomial<Vec<T>> {
    /// The zero polynomial of size `N`.
    pub fn zero(size: PolynomialSize) -> Self {
        Self::from_container(vec![T::ZERO; size.0])
    }
}

impl<T: Torus, C: Container<Element = T>> Polynomial<C> {
    /// `N`.
    pub fn size(&self) -> PolynomialSize {
        PolynomialSize(self.coeffs.as_ref().len())
    }

    /// The coefficients.
    pub fn coeffs(&self) -> &[T] {
        self.coeffs.as_ref()
    }

    /// A borrowed view.
    pub fn as_view(&self) -> Polynomial<&[T]> {
        Polynomial {
            coeffs: self.coeffs.as_ref(),
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Polynomial<Vec<T>> {
        Polynomial {
            coeffs: self.coeffs.as_ref().to_vec(),
        }
    }
}

impl<T: Torus, C: ContainerMut<Element = T>> Polynomial<C> {
    /// The coefficients, mutably.
    pub fn coeffs_mut(&mut self) -> &mut [T] {
        self.coeffs.as_mut()
    }

    /// A mutable borrowed view.
    pub fn as_mut_view(&mut self) -> Polynomial<&mut [T]> {
        Polynomial {
            coeffs: self.coeffs.as_mut(),
        }
    }

    /// `self ← self + rhs`.
    pub fn add_assign<D: Container<Element = T>>(&mut self, rhs: &Polynomial<D>) {
        assert_eq!(self.size(), rhs.size());
        for (a, &b) in self.coeffs_mut().iter_mut().zip(rhs.coeffs()) {
            *a = a.wrapping_add(b);
        }
    }

    /// `self ← self − rhs`.
    pub fn sub_assign<D: Container<Element = T>>(&mut self, rhs: &Polynomial<D>) {
        assert_eq!(self.size(), rhs.size());
        for (a, &b) in self.coeffs_mut().iter_mut().zip(rhs.coeffs()) {
            *a = a.wrapping_sub(b);
        }
    }

    /// `self ← X^k · input` for `k ∈ [0, 2N)`.
    ///
    /// # Panics
    /// If the sizes differ or `k ≥ 2N`.
    pub fn assign_monomial_product<D: Container<Element = T>>(
        &mut self,
        input: &Polynomial<D>,
        k: usize,
    ) {
        self.rotate_with(input, k, |rotated, _| rotated);
    }

    /// `self ← X^k · input − input` for `k ∈ [0, 2N)`: the difference a CMux of the blind
    /// rotation multiplies, in one pass.
    ///
    /// # Panics
    /// If the sizes differ or `k ≥ 2N`.
    pub fn assign_monomial_product_minus_input<D: Container<Element = T>>(
        &mut self,
        input: &Polynomial<D>,
        k: usize,
    ) {
        self.rotate_with(input, k, |rotated, original| rotated.wrapping_sub(original));
    }

    /// `self[j] ← combine((X^k · input)[j], input[j])`, as two contiguous loops: with
    /// `s = k mod N`, coefficients `0..N−s` move up by `s` and the last `s` wrap to the bottom
    /// with a sign flip; for `k ≥ N` every sign flips once more (`X^N = −1`).
    fn rotate_with<D: Container<Element = T>>(
        &mut self,
        input: &Polynomial<D>,
        k: usize,
        combine: impl Fn(T, T) -> T,
    ) {
        let n = input.size().0;
        assert_eq!(self.size().0, n);
        assert!(k < 2 * n, "monomial exponent {k} outside [0, 2N)");
        let (shift, negate_all) = if k >= n { (k - n, true) } else { (k, false) };
        let input = input.coeffs();
        let out = self.coeffs_mut();
        let sign = |x: T, negate: bool| if negate { x.wrapping_neg() } else { x };
        let (low_out, high_out) = out.split_at_mut(shift);
        // out[shift..] = ±input[..n−shift]
        for ((o, &a), &orig) in high_out
            .iter_mut()
            .zip(&input[..n - shift])
            .zip(&input[shift..])
        {
            *o = combine(sign(a, negate_all), orig);
        }
        // out[..shift] = ∓input[n−shift..]
        for ((o, &a), &orig) in low_out
            .iter_mut()
            .zip(&input[n - shift..])
            .zip(&input[..shift])
        {
            *o = combine(sign(a, !negate_all), orig);
        }
    }

    /// `self ← a · b` in `R_q`, by the O(N²) schoolbook method. The test oracle for fast products.
    pub fn assign_naive_negacyclic_product<A: Container<Element = T>, B: Container<Element = T>>(
        &mut self,
        a: &Polynomial<A>,
        b: &Polynomial<B>,
    ) {
        let n = a.size().0;
        assert!(n == b.size().0 && n == self.size().0);
        let out = self.coeffs_mut();
        out.fill(T::ZERO);
        for (i, &ai) in a.coeffs().iter().enumerate() {
            for (j, &bj) in b.coeffs().iter().enumerate() {
                let p = ai.wrapping_mul(bj);
                if i + j < n {
                    out[i + j] = out[i + j].wrapping_add(p);
                } else {
                    out[i + j - n] = out[i + j - n].wrapping_sub(p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monomial_product_matches_naive_product() {
        let n = 16;
        let a = Polynomial::from_container((1..=n as u32).map(|i| i * 7919).collect::<Vec<_>>());
        for k in 0..2 * n {
            let mut mono = Polynomial::<Vec<u32>>::zero(PolynomialSize(n));
            // X^k as a ring element: +X^k for k < N, −X^(k−N) otherwise.
            if k < n {
                mono.coeffs_mut()[k] = 1;
            } else {
                mono.coeffs_mut()[k - n] = u32::MAX;
            }
            let mut expected = Polynomial::zero(PolynomialSize(n));
            expected.assign_naive_negacyclic_product(&mono, &a);
            let mut got = Polynomial::zero(PolynomialSize(n));
            got.assign_monomial_product(&a, k);
            assert_eq!(got, expected, "k = {k}");
        }
    }

    #[test]
    fn x_to_the_n_is_minus_one() {
        let n = 8;
        let mut x = Polynomial::<Vec<u64>>::zero(PolynomialSize(n));
        x.coeffs_mut()[1] = 1;
        let mut x_pow = Polynomial::<Vec<u64>>::zero(PolynomialSize(n));
        x_pow.coeffs_mut()[0] = 1;
        for _ in 0..n {
            let mut next = Polynomial::zero(PolynomialSize(n));
            next.assign_naive_negacyclic_product(&x_pow, &x);
            x_pow = next;
        }
        let mut minus_one = vec![0u64; n];
        minus_one[0] = u64::MAX;
        assert_eq!(x_pow.coeffs(), &minus_one[..]);
    }
}
