//! GLWE ciphertexts: `k + 1` polynomials `(A_0, …, A_(k−1), B)` of `R_q`, stored back to back
//! (masks first, body last) over any container.
//!
//! The phase `B − Σ A_i·S_i` is linear, so sums and differences of ciphertexts add noise
//! variances, and multiplying by a monomial `X^a` rotates every polynomial (the phase rotates too,
//! noise variance unchanged).

use crate::dimensions::{GlweDimension, PolynomialSize};
use crate::error::TfheError;
use torus::{Container, ContainerMut, Polynomial, Torus};

/// A GLWE ciphertext over a container of `(k + 1)·N` torus elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlweCiphertext<C: Container> {
    data: C,
    polynomial_size: PolynomialSize,
}

impl<T: Torus> GlweCiphertext<Vec<T>> {
    /// The zero ciphertext.
    pub fn zero(k: GlweDimension, n: PolynomialSize) -> Self {
        Self {
            data: vec![T::ZERO; (k.0 + 1) * n.0],
            polynomial_size: n,
        }
    }

    /// The trivial encryption `(0, …, 0, M)`.
    pub fn trivial(k: GlweDimension, message: &[T]) -> Self {
        let n = PolynomialSize(message.len());
        let mut ct = Self::zero(k, n);
        ct.body_mut().copy_from_slice(message);
        ct
    }
}

impl<C: Container> GlweCiphertext<C> {
    /// Wraps a container of `(k + 1)·N` elements, `N` a power of two.
    pub fn from_container(data: C, polynomial_size: PolynomialSize) -> Result<Self, TfheError> {
        let len = data.as_ref().len();
        let n = polynomial_size.0;
        if !n.is_power_of_two() {
            return Err(TfheError::UnsupportedDimension {
                what: "polynomial size",
                value: n,
            });
        }
        if len < 2 * n || len % n != 0 {
            return Err(TfheError::LengthMismatch {
                what: "GLWE ciphertext",
                expected: (len / n).max(2) * n,
                found: len,
            });
        }
        Ok(Self {
            data,
            polynomial_size,
        })
    }

    /// `N`.
    pub fn polynomial_size(&self) -> PolynomialSize {
        self.polynomial_size
    }

    /// `k`.
    pub fn glwe_dimension(&self) -> GlweDimension {
        GlweDimension(self.data.as_ref().len() / self.polynomial_size.0 - 1)
    }

    /// All elements.
    pub fn as_slice(&self) -> &[C::Element] {
        self.data.as_ref()
    }

    /// Polynomial `i` (`i < k`: mask `A_i`; `i = k`: body `B`).
    pub fn polynomial(&self, i: usize) -> &[C::Element] {
        let n = self.polynomial_size.0;
        &self.data.as_ref()[i * n..(i + 1) * n]
    }

    /// The body `B`.
    pub fn body(&self) -> &[C::Element] {
        self.polynomial(self.glwe_dimension().0)
    }

    /// A borrowed view.
    pub fn as_view(&self) -> GlweCiphertext<&[C::Element]> {
        GlweCiphertext {
            data: self.data.as_ref(),
            polynomial_size: self.polynomial_size,
        }
    }
}

impl<T: Torus, C: ContainerMut<Element = T>> GlweCiphertext<C> {
    /// All elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.data.as_mut()
    }

    /// The `k·N` mask coefficients and the body, mutably.
    pub fn masks_and_body_mut(&mut self) -> (&mut [T], &mut [T]) {
        let body_start = self.glwe_dimension().0 * self.polynomial_size.0;
        self.data.as_mut().split_at_mut(body_start)
    }

    /// The body, mutably.
    pub fn body_mut(&mut self) -> &mut [T] {
        self.masks_and_body_mut().1
    }

    /// Polynomial `i`, mutably.
    pub fn polynomial_mut(&mut self, i: usize) -> &mut [T] {
        let n = self.polynomial_size.0;
        &mut self.data.as_mut()[i * n..(i + 1) * n]
    }

    /// A mutable borrowed view.
    pub fn as_mut_view(&mut self) -> GlweCiphertext<&mut [T]> {
        GlweCiphertext {
            polynomial_size: self.polynomial_size,
            data: self.data.as_mut(),
        }
    }

    /// Overwrites with the trivial encryption `(0, …, 0, X^a·M)`, `a ∈ [0, 2N)`.
    pub fn fill_trivial_rotated(&mut self, message: &[T], a: usize) {
        let (masks, body) = self.masks_and_body_mut();
        masks.fill(T::ZERO);
        Polynomial::from_container(body)
            .assign_monomial_product(&Polynomial::from_container(message), a);
    }

    /// `self ← X^a · input − input` for every polynomial (the CMux difference of a blind-rotation
    /// step), `a ∈ [0, 2N)`.
    ///
    /// # Panics
    /// On dimension mismatch.
    pub fn assign_rotation_minus_self<D: Container<Element = T>>(
        &mut self,
        input: &GlweCiphertext<D>,
        a: usize,
    ) {
        assert_eq!(self.as_slice().len(), input.as_slice().len(), "GLWE sizes");
        let n = self.polynomial_size.0;
        for (out, inp) in self
            .data
            .as_mut()
            .chunks_exact_mut(n)
            .zip(input.as_slice().chunks_exact(n))
        {
            Polynomial::from_container(out)
                .assign_monomial_product_minus_input(&Polynomial::from_container(inp), a);
        }
    }

    /// `self ← self + rhs`.
    pub fn add_assign<D: Container<Element = T>>(&mut self, rhs: &GlweCiphertext<D>) {
        assert_eq!(self.as_slice().len(), rhs.as_slice().len(), "GLWE sizes");
        for (a, &b) in self.data.as_mut().iter_mut().zip(rhs.as_slice()) {
            *a = a.wrapping_add(b);
        }
    }

    /// `self ← self − rhs`.
    pub fn sub_assign<D: Container<Element = T>>(&mut self, rhs: &GlweCiphertext<D>) {
        assert_eq!(self.as_slice().len(), rhs.as_slice().len(), "GLWE sizes");
        for (a, &b) in self.data.as_mut().iter_mut().zip(rhs.as_slice()) {
            *a = a.wrapping_sub(b);
        }
    }
}
