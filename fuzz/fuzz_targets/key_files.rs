//! Keys, ciphertexts and file headers from untrusted bytes (at the insecure TOY set, whose keys
//! are small enough to build): each reader returns a typed error or a valid object, with every
//! length taken from the parameter set, never from the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use she_nn::header::{Header, Kind};
use tfhe_core::params::TOY;
use tfhe_core::serialization::{read_evaluation_keys, read_lwe_ciphertext, read_secret_keys};

fuzz_target!(|data: &[u8]| {
    let _ = Header::read(&mut &data[..], Kind::ServerKey);
    let _ = read_secret_keys::<u64, _>(&TOY, &mut &data[..]);
    let _ = read_evaluation_keys::<u64, _>(&TOY, &mut &data[..]);
    if let Ok(ct) = read_lwe_ciphertext::<u64, _>(TOY.big_lwe_dimension(), &mut &data[..]) {
        assert_eq!(ct.lwe_dimension(), TOY.big_lwe_dimension());
    }
});
