//! Bootstrapping: the keys (classic and multi-bit), lookup tables, blind rotation and
//! programmable bootstrapping.

pub mod batch;
pub mod blind_rotation;
pub mod key;
pub mod lut;
pub mod multi_bit_key;
pub mod multi_bit_rotation;
pub mod pbs;
pub mod set_key;

pub use batch::{
    programmable_bootstrap_batch, programmable_bootstrap_batch_scratch_requirement, BootstrapJob,
};
pub use blind_rotation::{blind_rotate_assign, blind_rotate_scratch_requirement, BlindRotationKey};
pub use key::FourierBootstrapKey;
pub use lut::LookupTable;
pub use multi_bit_key::MultiBitBootstrapKey;
pub use multi_bit_rotation::{
    multi_bit_blind_rotate_assign, multi_bit_blind_rotate_batch_assign,
    multi_bit_blind_rotate_batch_scratch_requirement, multi_bit_blind_rotate_scratch_requirement,
};
pub use pbs::{programmable_bootstrap, programmable_bootstrap_scratch_requirement};
pub use set_key::BootstrapKey;
