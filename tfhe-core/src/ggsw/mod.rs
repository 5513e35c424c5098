//! The GGSW layer: gadget ciphertexts, their Fourier form, the external product and the CMux.

pub mod ciphertext;
pub mod external_product;
pub mod fourier;

pub use ciphertext::GgswCiphertext;
pub use external_product::{
    add_external_product_assign, cmux_assign, cmux_scratch_requirement,
    external_product_scratch_requirement,
};
pub use fourier::FourierGgswCiphertext;
