//! LWE ciphertexts and their linear homomorphism.
//!
//! A ciphertext is `c = (a_0, …, a_(n−1), b) ∈ T_q^(n+1)`, stored contiguously with the body last,
//! over any [`Container`] (owned, or a view into a batch). Its phase `φ_s(c) = b − ⟨a, s⟩` is
//! linear in `c`, which gives the homomorphic operations, with these noise laws for independent
//! noises `e_i` (see [`crate::noise`]):
//!
//! | operation | phase | noise variance |
//! |---|---|---|
//! | `c_1 + c_2`, `c_1 − c_2` | `φ_1 ± φ_2` | `V_1 + V_2` |
//! | `−c` | `−φ` | `V` |
//! | `k · c`, `k ∈ Z` | `k φ` | `k² V` |
//! | `±2^k · c` (SHE's shift) | `±2^k φ` | `4^k V` |
//! | `c + μ'` (plaintext) | `φ + μ'` | `V` |
//! | trivial `(0, μ)` | `μ` | `0` |
//!
//! A multiplication by `2^k` moves the message `k` bits up: it is exact as long as the result
//! still fits below the padding, which the caller proves from the encoding.

use crate::dimensions::LweDimension;
use crate::error::TfheError;
use torus::{Container, ContainerMut, Torus};

/// An LWE ciphertext over a container of `n + 1` torus elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweCiphertext<C: Container> {
    data: C,
}

/// An owned LWE ciphertext.
pub type LweCiphertextOwned<T> = LweCiphertext<Vec<T>>;

impl<T: Torus> LweCiphertext<Vec<T>> {
    /// The all-zero ciphertext (a trivial encryption of 0) of dimension `n`.
    pub fn zero(dimension: LweDimension) -> Self {
        Self {
            data: vec![T::ZERO; dimension.to_lwe_size()],
        }
    }

    /// The trivial encryption `(0, …, 0, μ)`: decrypts to `μ` under every key, with zero noise.
    pub fn trivial(dimension: LweDimension, plaintext: T) -> Self {
        let mut ct = Self::zero(dimension);
        *ct.body_mut() = plaintext;
        ct
    }
}

impl<C: Container> LweCiphertext<C> {
    /// Wraps a container of `n + 1` elements (mask then body).
    pub fn from_container(data: C) -> Result<Self, TfheError> {
        if data.as_ref().is_empty() {
            return Err(TfheError::LengthMismatch {
                what: "LWE ciphertext",
                expected: 1,
                found: 0,
            });
        }
        Ok(Self { data })
    }

    /// The container.
    pub fn into_container(self) -> C {
        self.data
    }

    /// All `n + 1` elements.
    pub fn as_slice(&self) -> &[C::Element] {
        self.data.as_ref()
    }

    /// `n`.
    pub fn lwe_dimension(&self) -> LweDimension {
        LweDimension(self.data.as_ref().len() - 1)
    }

    /// The mask `a`.
    pub fn mask(&self) -> &[C::Element] {
        let d = self.data.as_ref();
        &d[..d.len() - 1]
    }

    /// A borrowed view.
    pub fn as_view(&self) -> LweCiphertext<&[C::Element]> {
        LweCiphertext {
            data: self.data.as_ref(),
        }
    }
}

impl<T: Torus, C: Container<Element = T>> LweCiphertext<C> {
    /// The body `b`.
    pub fn body(&self) -> T {
        let d = self.data.as_ref();
        d[d.len() - 1]
    }

    /// An owned copy.
    pub fn to_owned(&self) -> LweCiphertextOwned<T> {
        LweCiphertext {
            data: self.data.as_ref().to_vec(),
        }
    }
}

impl<T: Torus, C: ContainerMut<Element = T>> LweCiphertext<C> {
    /// All `n + 1` elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.data.as_mut()
    }

    /// A mutable borrowed view.
    pub fn as_mut_view(&mut self) -> LweCiphertext<&mut [T]> {
        LweCiphertext {
            data: self.data.as_mut(),
        }
    }

    /// The mask and the body, mutably.
    pub fn mask_and_body_mut(&mut self) -> (&mut [T], &mut T) {
        let (body, mask) = self
            .data
            .as_mut()
            .split_last_mut()
            .expect("a ciphertext has a body");
        (mask, body)
    }

    /// The body, mutably.
    pub fn body_mut(&mut self) -> &mut T {
        self.mask_and_body_mut().1
    }

    /// Overwrites with the trivial encryption `(0, …, 0, μ)`.
    pub fn fill_trivial(&mut self, plaintext: T) {
        let (mask, body) = self.mask_and_body_mut();
        mask.fill(T::ZERO);
        *body = plaintext;
    }

    /// Overwrites with a copy of `other`.
    pub fn copy_from<D: Container<Element = T>>(&mut self, other: &LweCiphertext<D>) {
        self.as_mut_slice().copy_from_slice(other.as_slice());
    }

    fn zip_apply<D: Container<Element = T>>(
        &mut self,
        rhs: &LweCiphertext<D>,
        f: impl Fn(T, T) -> T,
    ) {
        assert_eq!(
            self.lwe_dimension(),
            rhs.lwe_dimension(),
            "LWE dimensions differ"
        );
        for (a, &b) in self.data.as_mut().iter_mut().zip(rhs.as_slice()) {
            *a = f(*a, b);
        }
    }

    /// `self ← self + rhs`. Noise: `V_self + V_rhs`.
    ///
    /// # Panics
    /// If the dimensions differ.
    pub fn add_assign<D: Container<Element = T>>(&mut self, rhs: &LweCiphertext<D>) {
        self.zip_apply(rhs, T::wrapping_add);
    }

    /// `self ← self − rhs`. Noise: `V_self + V_rhs`.
    ///
    /// # Panics
    /// If the dimensions differ.
    pub fn sub_assign<D: Container<Element = T>>(&mut self, rhs: &LweCiphertext<D>) {
        self.zip_apply(rhs, T::wrapping_sub);
    }

    /// `self ← self + k · rhs`, `k ∈ Z`. Noise: `V_self + k² V_rhs`.
    ///
    /// # Panics
    /// If the dimensions differ.
    pub fn add_scaled_assign<D: Container<Element = T>>(&mut self, rhs: &LweCiphertext<D>, k: i64) {
        let k = T::from_i64_wrapping(k);
        self.zip_apply(rhs, |a, b| a.wrapping_add(b.wrapping_mul(k)));
    }

    /// `self ← −self`. Noise unchanged.
    pub fn neg_assign(&mut self) {
        for a in self.data.as_mut() {
            *a = a.wrapping_neg();
        }
    }

    /// `self ← k · self` for a cleartext integer `k`. Noise: `k² V`.
    pub fn mul_cleartext_assign(&mut self, k: i64) {
        let k = T::from_i64_wrapping(k);
        for a in self.data.as_mut() {
            *a = a.wrapping_mul(k);
        }
    }

    /// `self ← ±2^k · self`: SHE's multiplication by a power-of-two weight, a left shift of every
    /// element (and a negation for a negative weight). Noise: `4^k V`. A shift of `k ≥ w` gives
    /// the zero ciphertext.
    pub fn mul_power_of_two_assign(&mut self, k: u32, negative: bool) {
        for a in self.data.as_mut() {
            let shifted = a.shl(k);
            *a = if negative {
                shifted.wrapping_neg()
            } else {
                shifted
            };
        }
    }

    /// `self ← self + μ'` for a plaintext `μ'` (added to the body). Noise unchanged.
    pub fn add_plaintext_assign(&mut self, plaintext: T) {
        let b = self.body_mut();
        *b = b.wrapping_add(plaintext);
    }
}
