//! Gate bootstrapping at the real 128-bit set `BOOLEAN_128` (32-bit torus, PBS → KS): every gate
//! on its whole truth table, MUX on all 8 inputs, NOT, and a chained circuit whose inputs are
//! gate outputs (the noise regime the failure probability is computed for).

use tfhe_core::gates::Gate;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::params::BOOLEAN_128;
use torus::{Csprng, EncryptionRng};

fn keys() -> (SecretKeys<u32>, EvaluationKeys<u32>, EncryptionRng) {
    let sk = SecretKeys::<u32>::generate(&BOOLEAN_128, &mut Csprng::from_os_entropy()).unwrap();
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    (sk, ek, rng)
}

#[test]
fn every_gate_truth_table_and_mux() {
    let (sk, ek, mut rng) = keys();
    assert!(BOOLEAN_128.meets_128_bit_curve());
    let mut buffers = ek.buffers();
    for gate in Gate::ALL {
        for (a, b) in [(false, false), (false, true), (true, false), (true, true)] {
            let ca = sk.encrypt_bool(a, &mut rng);
            let cb = sk.encrypt_bool(b, &mut rng);
            let out = ek.gate(gate, &ca, &cb, &mut buffers);
            assert_eq!(sk.decrypt_bool(&out), gate.eval(a, b), "{gate:?}({a}, {b})");
        }
    }
    for a in [false, true] {
        let ca = sk.encrypt_bool(a, &mut rng);
        assert_eq!(sk.decrypt_bool(&ek.not(&ca)), !a);
        for b in [false, true] {
            for c in [false, true] {
                let cb = sk.encrypt_bool(b, &mut rng);
                let cc = sk.encrypt_bool(c, &mut rng);
                let out = ek.mux(&ca, &cb, &cc, &mut buffers);
                assert_eq!(
                    sk.decrypt_bool(&out),
                    if a { b } else { c },
                    "MUX({a}, {b}, {c})"
                );
            }
        }
    }
}

#[test]
fn chained_full_adder() {
    // sum = a ⊕ b ⊕ c, carry = MUX(a ⊕ b, c, a): every input of the second layer is a gate output.
    let (sk, ek, mut rng) = keys();
    let mut buffers = ek.buffers();
    for bits in 0..8u8 {
        let (a, b, c) = (bits & 1 == 1, bits & 2 == 2, bits & 4 == 4);
        let (ca, cb, cc) = (
            sk.encrypt_bool(a, &mut rng),
            sk.encrypt_bool(b, &mut rng),
            sk.encrypt_bool(c, &mut rng),
        );
        let ab = ek.gate(Gate::Xor, &ca, &cb, &mut buffers);
        let sum = ek.gate(Gate::Xor, &ab, &cc, &mut buffers);
        let carry = ek.mux(&ab, &cc, &ca, &mut buffers);
        let total = u8::from(a) + u8::from(b) + u8::from(c);
        assert_eq!(sk.decrypt_bool(&sum), total & 1 == 1, "sum of {bits:03b}");
        assert_eq!(sk.decrypt_bool(&carry), total >= 2, "carry of {bits:03b}");
    }
}
