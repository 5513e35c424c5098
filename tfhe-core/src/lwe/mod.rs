//! The LWE layer: binary secret keys, ciphertexts (single and batched) and key switching (with
//! keys at the ciphertexts' width or rounded to 32-bit words).

pub mod ciphertext;
pub mod ciphertext_list;
pub mod keyswitch;
pub mod rounded_keyswitch;
pub mod secret_key;

pub use ciphertext::{LweCiphertext, LweCiphertextOwned};
pub use ciphertext_list::LweCiphertextList;
pub use keyswitch::LweKeyswitchKey;
pub use rounded_keyswitch::EvaluationKeyswitchKey;
pub use secret_key::LweSecretKey;
