//! # she-nn — SHE networks on TFHE-encrypted data
//!
//! The network layer of the workspace (Lou & Jiang, *"SHE: A Fast and Accurate Deep Neural
//! Network for Encrypted Data"*, NeurIPS 2019), built on [`tfhe_core`] and [`torus`].
//!
//! At this stage the crate holds the `she` command-line interface ([`cli`]); the quantized
//! models, the plaintext reference engine and the encrypted engines follow.

pub mod bitwise;
pub mod bounds;
pub mod ciphertexts;
pub mod cli;
pub mod client;
pub mod data;
pub mod header;
pub mod model;
pub mod pbs;
pub mod persist;
pub mod quantize;
pub mod reference;
pub mod server;
#[cfg(feature = "train")]
pub mod train;
