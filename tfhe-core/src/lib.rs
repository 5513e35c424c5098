//! # tfhe-core — TFHE ciphertexts and operations, written from the papers
//!
//! The scheme is TFHE (Chillotti, Gama, Georgieva, Izabachène, *"TFHE: Fast Fully Homomorphic
//! Encryption over the Torus"*, J. Cryptology 33, 2020) on the discretised torus of the [`torus`]
//! crate, from LWE up to programmable and gate bootstrapping:
//!
//! | module | concept |
//! |---|---|
//! | [`lwe`] | binary secret keys, ciphertexts and batches, key switching |
//! | [`glwe`] | GLWE secret keys and ciphertexts, sample extraction |
//! | [`fft`] | negacyclic polynomial products on concrete-fft (twist, plan cache, scratch sizes), Fourier inner products over all or a prefix of a key's decomposition levels |
//! | [`ggsw`] | GGSW ciphertexts, their Fourier form, the external product and the CMux |
//! | [`bootstrap`] | bootstrapping key, lookup tables, blind rotation, programmable bootstrapping (single and batched) |
//! | [`batcher`] | threads pooling independent bootstraps into batches that share one pass over the key |
//! | [`kernels`] | the AVX2 inner loops and their portable twins (bit-identical), chosen at run time |
//! | [`keys`] | the client's [`keys::SecretKeys`] and the server's [`keys::EvaluationKeys`] |
//! | [`gates`] | gate bootstrapping: the ten two-input gates, NOT and MUX |
//! | [`noise`] | closed-form variance of every operation, failure probabilities |
//! | [`wide`] | exact floor division and clamping of integers wider than one bootstrap's message space (with coarse sign bootstraps) |
//! | [`security`] | the 128-bit secure-noise curve for binary keys |
//! | [`params`] | named parameter sets with their provenance |
//! | [`serialization`] | byte layouts of keys and ciphertexts (documented, checked on reading) |
//! | [`dimensions`] | dimension newtypes |
//! | [`error`] | typed errors |
//!
//! ```
//! use tfhe_core::{lwe::{LweSecretKey, LweKeyswitchKey}, params::MSG2_CARRY2};
//! use torus::{Csprng, EncryptionRng};
//!
//! let p = &MSG2_CARRY2;
//! let mut secret_rng = Csprng::from_os_entropy();
//! let mut enc_rng = EncryptionRng::from_os_entropy();
//! let big = LweSecretKey::<u64>::generate(p.big_lwe_dimension(), &mut secret_rng);
//! let small = LweSecretKey::<u64>::generate(p.lwe_dimension, &mut secret_rng);
//! let ksk = LweKeyswitchKey::generate(
//!     &big, &small, p.ks_base_log, p.ks_level_count, p.lwe_noise, &mut enc_rng,
//! ).unwrap();
//! let enc = p.encoding();
//! let ct = big.encrypt(enc.encode(11), p.glwe_noise, &mut enc_rng);
//! let mut out = tfhe_core::lwe::LweCiphertext::zero(p.lwe_dimension);
//! ksk.keyswitch(&mut out, &ct);
//! assert_eq!(small.decrypt(&out, &enc), 11);
//! ```
#![warn(missing_docs)]

pub mod batcher;
pub mod bootstrap;
pub mod dimensions;
pub mod error;
pub mod fft;
pub mod gates;
pub mod ggsw;
pub mod glwe;
pub mod kernels;
pub mod keys;
pub mod lwe;
pub mod noise;
pub mod params;
pub mod security;
pub mod serialization;
pub mod wide;

pub use error::TfheError;
