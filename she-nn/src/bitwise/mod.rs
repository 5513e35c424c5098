//! The bitwise engine (`she infer --engine bitwise`): the SHE paper's circuits taken literally —
//! encrypted integers as vectors of gate-bootstrapping ciphertexts, free shifts, mixed-bitwidth
//! adder trees, ReLU by sign gating, max by comparator and MUX.
//!
//! **Encoding.** Every bit is an LWE ciphertext of `±1/8` (true `+1/8`) of a boolean gate set
//! (`BOOLEAN_128`: 32-bit torus, `n = 805`, PBS → KS; or the insecure `TOY_BOOLEAN`). An integer
//! is a two's-complement bit vector exactly as wide as its proven range ([`integer`]); bits the
//! model fixes (zero fills, bias bits, bits a range determines) are constants, not ciphertexts.
//!
//! | operation | circuit | bootstraps |
//! |---|---|---|
//! | `x·2^k` (weight `2^k`) | re-index bits, `k` known zeros below ([`integer`]) | 0 |
//! | `⌊x/2^k⌋` (requantization) | drop the `k` low bits | 0 |
//! | `−x` (negative weight) | `¬x` bit by bit, `+1` as an adder's carry-in | 0 |
//! | zero weight | skipped | 0 |
//! | `a + b`, `a − b` | ripple-carry adder at the result's width ([`adder`]) | per full adder 2 (fast) or 5 (ripple); fewer where bits are known |
//! | neuron `Σ ±2^e·x` | two balanced mixed-bitwidth adder trees and one subtraction ([`tree`]) | the adders' |
//! | batch norm `⌊(x + b)/2^s⌋` | one constant adder, carries only below bit `s` | ≤ 1 per bit |
//! | ReLU (saturating) | `y_i = (x_i ∨ h) ∧ ¬sign` ([`activation`]) | ≤ 2 per output bit + the ORs of `h` |
//! | `max(a, b)` | comparator (carry chain of `a − b`) + one MUX per bit | `w` + 2 per bit |
//!
//! The fast full adder takes the sum and the carry from one bootstrap each of `a + b + c`
//! (`−2(A + B + C)` for the parity, `A + B + C` for the majority: [`circuit`]). All operations
//! fold constants, so the circuit of a model is fixed by the model alone: counts are exact and
//! the same for every image ([`counts`]), and the plaintext phase model ([`plaintext`]) runs the
//! very same circuits as a dry run and as the oracle of the tests.
//!
//! **Noise.** Every bootstrap input is a linear form of fresh, gate or MUX outputs whose phase is
//! at least `1/8` from the sign table's boundaries; [`noise::bitwise_noise`] gives the worst
//! per-bootstrap failure probability (`2^-299.4` at `BOOLEAN_128`, `2^-231.6` at `TOY_BOOLEAN`,
//! both for a majority of three MUX outputs), and the union bound over an image's bootstraps its
//! failure probability (`≤ 1.4·10^-84` for the shipped MNIST model at `BOOLEAN_128`).
//!
//! **Keys.** The client's [`BitwiseClientKey`] holds the secret key; the server's
//! [`BitwiseServerKey`] holds evaluation keys only, and the engine ([`BitwiseEngine`]) is built
//! on its [`EncryptedBackend`]: nothing on the server side reaches a secret key. Files:
//! [`keys`] and [`ciphertexts`].
//!
//! **Speed.** At `BOOLEAN_128` a bootstrap costs ~60 ms of one core here and an MNIST image needs
//! millions of bootstraps: [`sample`] measures neurons of every layer and projects the rest.

pub mod activation;
pub mod adder;
pub mod backend;
pub mod bit;
pub mod ciphertexts;
pub mod circuit;
pub mod counts;
pub mod engine;
pub mod error;
pub mod integer;
pub mod keys;
pub mod noise;
pub mod plaintext;
pub mod sample;
pub mod tree;

pub use backend::{EncryptedBackend, GateBackend};
pub use bit::Bit;
pub use ciphertexts::{EncryptedBitImage, EncryptedBitLogits};
pub use circuit::{AdderKind, Circuit};
pub use counts::{OpCounts, PAPER_MNIST, PAPER_MNIST_SECONDS};
pub use engine::{BitwiseEngine, InferenceReport, LayerReport};
pub use error::BitwiseError;
pub use integer::EncryptedInt;
pub use keys::{gate_set, is_gate_set, BitCiphertext, BitwiseClientKey, BitwiseServerKey};
pub use plaintext::PlaintextBackend;
