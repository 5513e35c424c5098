//! Lookup-table builders on arbitrary sizes and encodings: invalid requests are typed errors;
//! every accepted padding-aware table returns f(m) at the switched phase of every message, and
//! every negacyclic table returns ±f as documented.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tfhe_core::bootstrap::LookupTable;
use tfhe_core::dimensions::PolynomialSize;
use torus::{Encoding, Torus};

/// The constant coefficient of X^(−φ̃)·v: what a noiseless blind rotation reads.
fn read(v: &[u64], phase: u64, log_2n: u32) -> u64 {
    let n = v.len() as u64;
    let r = phase.mod_switch(log_2n);
    if r < n {
        v[r as usize]
    } else {
        v[(r - n) as usize].wrapping_neg()
    }
}

fuzz_target!(|input: (u8, u8, u8, u64)| {
    let (log_n, bits, padding, salt) = input;
    let n = 1usize << (2 + u32::from(log_n % 13)); // 4 … 16384
    let size = PolynomialSize(n);
    let log_2n = size.log2() + 1;
    let Ok(enc) = Encoding::new::<u64>(u32::from(bits % 16), u32::from(padding % 3)) else {
        return;
    };
    let p = enc.message_modulus();
    let f = |m: u64| (m.wrapping_mul(salt | 1) ^ (salt >> 7)) % p;
    if let Ok(lut) = LookupTable::<u64>::from_fn(size, &enc, &enc, f) {
        assert_eq!(lut.as_slice().len(), n);
        for m in 0..p.min(4096) {
            assert_eq!(
                read(lut.as_slice(), enc.encode(m), log_2n),
                enc.encode::<u64>(f(m))
            );
        }
    }
    if let Ok(lut) = LookupTable::<u64>::negacyclic_from_fn(size, &enc, |m| enc.encode(f(m))) {
        if enc.padding_bits() == 0 && p >= 2 {
            for m in 0..p.min(4096) {
                let expected = if m < p / 2 {
                    enc.encode::<u64>(f(m))
                } else {
                    enc.encode::<u64>(f(m - p / 2)).wrapping_neg()
                };
                assert_eq!(read(lut.as_slice(), enc.encode(m), log_2n), expected);
            }
        }
    }
});
