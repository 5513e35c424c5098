//! Encodings on arbitrary (b, π, m, e): invalid encodings are typed errors; valid ones decode any
//! noise below Δ/2 back to the message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use torus::{Encoding, Torus};

fuzz_target!(|input: (u8, u8, u64, i64)| {
    let (bits, padding, message, noise) = input;
    let Ok(enc) = Encoding::new::<u64>(u32::from(bits), u32::from(padding)) else {
        return;
    };
    let m = message % enc.message_modulus();
    let half = 1i64 << (enc.delta_log::<u64>() - 1);
    let e = noise.rem_euclid(2 * half) - half; // in [−Δ/2, Δ/2)
    let x = enc.encode::<u64>(m).wrapping_add(u64::from_i64_wrapping(e));
    if e > -half {
        assert_eq!(enc.decode(x), m);
        assert_eq!(enc.noise_of(x), e);
    }
    let _ = enc.decode_with_padding(x);
    let _ = enc.decode_signed(x);
});
