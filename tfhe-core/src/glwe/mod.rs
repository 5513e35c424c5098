//! The GLWE layer: secret keys, ciphertexts and sample extraction.

pub mod ciphertext;
pub mod sample_extract;
pub mod secret_key;

pub use ciphertext::GlweCiphertext;
pub use sample_extract::sample_extract;
pub use secret_key::GlweSecretKey;
