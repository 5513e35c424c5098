//! Batches of LWE ciphertexts in one contiguous buffer.
//!
//! A list of `m` ciphertexts of dimension `n` is `m · (n + 1)` torus elements; each ciphertext is a
//! borrowed [`LweCiphertext`] view into it, so batch operations (and rayon over a batch) need no
//! copies.

use super::ciphertext::LweCiphertext;
use crate::dimensions::LweDimension;
use crate::error::TfheError;
use rayon::prelude::*;
use torus::{Container, ContainerMut, Torus};

/// `m` LWE ciphertexts of one dimension, stored back to back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweCiphertextList<C: Container> {
    data: C,
    lwe_size: usize,
}

impl<T: Torus> LweCiphertextList<Vec<T>> {
    /// `count` zero ciphertexts of dimension `n`.
    pub fn zero(count: usize, dimension: LweDimension) -> Self {
        Self {
            data: vec![T::ZERO; count * dimension.to_lwe_size()],
            lwe_size: dimension.to_lwe_size(),
        }
    }
}

impl<C: Container> LweCiphertextList<C> {
    /// Wraps a container whose length is a multiple of `n + 1`.
    pub fn from_container(data: C, dimension: LweDimension) -> Result<Self, TfheError> {
        let lwe_size = dimension.to_lwe_size();
        let len = data.as_ref().len();
        if len % lwe_size != 0 {
            return Err(TfheError::LengthMismatch {
                what: "LWE ciphertext list",
                expected: len / lwe_size * lwe_size,
                found: len,
            });
        }
        Ok(Self { data, lwe_size })
    }

    /// The number of ciphertexts.
    pub fn len(&self) -> usize {
        self.data.as_ref().len() / self.lwe_size
    }

    /// Whether the list holds no ciphertext.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n`.
    pub fn lwe_dimension(&self) -> LweDimension {
        LweDimension(self.lwe_size - 1)
    }

    /// The container.
    pub fn into_container(self) -> C {
        self.data
    }

    /// Ciphertext `i` as a view.
    pub fn get(&self, i: usize) -> LweCiphertext<&[C::Element]> {
        view(&self.data.as_ref()[i * self.lwe_size..(i + 1) * self.lwe_size])
    }

    /// Views of every ciphertext, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = LweCiphertext<&[C::Element]>> + '_ {
        self.data.as_ref().chunks_exact(self.lwe_size).map(view)
    }
}

impl<T: Torus, C: ContainerMut<Element = T>> LweCiphertextList<C> {
    /// Ciphertext `i` as a mutable view.
    pub fn get_mut(&mut self, i: usize) -> LweCiphertext<&mut [T]> {
        let s = self.lwe_size;
        view_mut(&mut self.data.as_mut()[i * s..(i + 1) * s])
    }

    /// Mutable views of every ciphertext, in order.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = LweCiphertext<&mut [T]>> + '_ {
        let s = self.lwe_size;
        self.data.as_mut().chunks_exact_mut(s).map(view_mut)
    }

    /// Mutable views of every ciphertext, as a rayon parallel iterator.
    pub fn par_iter_mut(
        &mut self,
    ) -> impl IndexedParallelIterator<Item = LweCiphertext<&mut [T]>> + '_ {
        let s = self.lwe_size;
        self.data.as_mut().par_chunks_exact_mut(s).map(view_mut)
    }
}

fn view<T>(chunk: &[T]) -> LweCiphertext<&[T]> {
    LweCiphertext::from_container(chunk).expect("chunks of lwe_size ≥ 1 are never empty")
}

fn view_mut<T>(chunk: &mut [T]) -> LweCiphertext<&mut [T]> {
    LweCiphertext::from_container(chunk).expect("chunks of lwe_size ≥ 1 are never empty")
}
