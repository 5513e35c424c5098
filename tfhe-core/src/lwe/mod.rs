//! The LWE layer: binary secret keys, ciphertexts (single and batched) and key switching.

pub mod ciphertext;
pub mod ciphertext_list;
pub mod keyswitch;
pub mod secret_key;

pub use ciphertext::{LweCiphertext, LweCiphertextOwned};
pub use ciphertext_list::LweCiphertextList;
pub use keyswitch::LweKeyswitchKey;
pub use secret_key::LweSecretKey;
