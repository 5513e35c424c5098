//! Decomposition on arbitrary inputs and (β, ℓ): invalid pairs are typed errors; valid ones give
//! balanced digits that recompose to the closest representable value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use torus::{DecompositionBaseLog, DecompositionLevelCount, SignedDecomposer, Torus};

fn check<T: Torus>(x: T, base_log: u32, levels: usize) {
    let Ok(d) = SignedDecomposer::<T>::new(
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(levels),
    ) else {
        return;
    };
    let mut digits = vec![0i64; levels];
    d.decompose_signed_into(x, &mut digits);
    let half = 1i64 << (base_log - 1);
    assert!(digits.iter().all(|v| (-half..=half).contains(v)));
    assert_eq!(d.recompose_signed(&digits), d.closest_representable(x));
    let err = x.wrapping_sub(d.closest_representable(x)).to_signed();
    let unit_log = T::BITS - base_log * levels as u32;
    if unit_log > 0 {
        assert!(err >= -(1i64 << (unit_log - 1)) && err < (1i64 << (unit_log - 1)));
    }
}

fuzz_target!(|input: (u64, u8, u8)| {
    let (x, base_log, levels) = input;
    check::<u64>(x, u32::from(base_log), usize::from(levels));
    check::<u32>(x as u32, u32::from(base_log), usize::from(levels));
});
