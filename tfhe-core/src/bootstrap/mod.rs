//! Bootstrapping: the key, lookup tables, blind rotation and programmable bootstrapping.

pub mod blind_rotation;
pub mod key;
pub mod lut;
pub mod pbs;

pub use blind_rotation::{blind_rotate_assign, blind_rotate_scratch_requirement};
pub use key::FourierBootstrapKey;
pub use lut::LookupTable;
pub use pbs::{programmable_bootstrap, programmable_bootstrap_scratch_requirement};
