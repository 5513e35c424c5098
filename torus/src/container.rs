//! Containers of scalars: the storage behind polynomials and ciphertexts.
//!
//! Every ciphertext type is generic over its container, so the same code works on an owned
//! `Vec<T>`, a borrowed `&[T]` or `&mut [T]` view into a larger buffer (a batch, a key), without
//! copies.

/// A contiguous container of `Element`s.
pub trait Container: AsRef<[Self::Element]> {
    /// The scalar type stored.
    type Element;
}

/// A container whose elements can be written.
pub trait ContainerMut: Container + AsMut<[Self::Element]> {}

impl<T> Container for Vec<T> {
    type Element = T;
}
impl<T> ContainerMut for Vec<T> {}
impl<T> Container for &[T] {
    type Element = T;
}
impl<T> Container for &mut [T] {
    type Element = T;
}
impl<T> ContainerMut for &mut [T] {}
impl<T> Container for Box<[T]> {
    type Element = T;
}
impl<T> ContainerMut for Box<[T]> {}
