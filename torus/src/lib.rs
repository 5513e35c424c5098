//! # torus — the arithmetic under TFHE
//!
//! TFHE (Chillotti, Gama, Georgieva, Izabachène, *"TFHE: Fast Fully Homomorphic Encryption over
//! the Torus"*, J. Cryptology 2020) works over the real torus `T = R/Z`, discretised here as
//! `T_q = (1/q)Z/Z` with `q = 2^32` or `2^64` and stored as `u32`/`u64` integers. This crate holds
//! everything below the ciphertext level:
//!
//! | module | concept |
//! |---|---|
//! | [`container`] | owned and borrowed storage shared by every ciphertext type |
//! | [`scalar`] | the [`Torus`] trait: wrapping arithmetic, real fractions, rounding, modulus switching |
//! | [`decomposition`] | signed balanced gadget decomposition with rounding |
//! | [`encoding`] | messages modulo `2^b` with padding bits and the scale `Δ` |
//! | [`random`] | the ChaCha20 CSPRNG, OS seeding, separate mask and noise streams |
//! | [`distributions`] | rounded Gaussian and TUniform noise |
//! | [`polynomial`] | the negacyclic ring `Z_q[X]/(X^N + 1)` and its schoolbook product |
//!
//! It depends on no other crate of the workspace.
#![warn(missing_docs)]

pub mod container;
pub mod decomposition;
pub mod distributions;
pub mod encoding;
pub mod polynomial;
pub mod random;
pub mod scalar;

pub use container::{Container, ContainerMut};
pub use decomposition::{
    DecompositionBaseLog, DecompositionIter, DecompositionLevelCount, InvalidDecomposition,
    SignedDecomposer,
};
pub use distributions::{InvalidDistribution, NoiseDistribution};
pub use encoding::{Encoding, InvalidEncoding};
pub use polynomial::{Polynomial, PolynomialSize};
pub use random::{Csprng, EncryptionRng, Seed};
pub use scalar::Torus;
