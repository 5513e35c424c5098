//! LWE containers built from untrusted lengths and dimensions: never a panic, only typed errors;
//! accepted ones support every view and linear operation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tfhe_core::dimensions::{DecompositionBaseLog, DecompositionLevelCount, LweDimension};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList, LweKeyswitchKey};

fuzz_target!(|input: (Vec<u64>, u16, u16, u8, u8, i64, u8)| {
    let (data, n_in, n_out, base_log, levels, k, shift) = input;
    if let Ok(list) =
        LweCiphertextList::from_container(data.clone(), LweDimension(usize::from(n_in)))
    {
        for ct in list.iter() {
            let mut owned = ct.to_owned();
            owned.add_assign(&ct);
            owned.mul_cleartext_assign(k);
            owned.mul_power_of_two_assign(u32::from(shift), k < 0);
            owned.neg_assign();
        }
    }
    if let Ok(mut ct) = LweCiphertext::from_container(data.clone()) {
        let _ = ct.body();
        ct.add_plaintext_assign(1);
    }
    let _ = LweKeyswitchKey::from_container(
        data,
        LweDimension(usize::from(n_in)),
        LweDimension(usize::from(n_out)),
        DecompositionBaseLog(u32::from(base_log)),
        DecompositionLevelCount(usize::from(levels)),
    );
});
