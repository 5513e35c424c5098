//! The encrypted engine on programmable bootstrapping (`she infer --engine pbs`, the default).
//!
//! Every activation is one LWE ciphertext (a [`WideCiphertext`]: an integer of proven range at a
//! power-of-two scale, under the big key of a KS → PBS set such as `SHE_MNIST`):
//!
//! | layer | encrypted operation | bootstraps |
//! |---|---|---|
//! | Conv2d, Dense | `Σ ±2^e·x`: ciphertext additions and shifts | 0 |
//! | SumPool2d, Flatten | additions / nothing | 0 |
//! | BatchNorm → ReLU | `+bias` (plaintext), exact `⌊·/2^shift⌋` by peeling, exact `clamp(·, 0, 2^b−1)` | `2·⌈shift/4⌉ + 1…6` per element |
//! | ReLU | exact clamp | `1…6` per element |
//! | MaxPool2d | `max(a, b) = b + clamp(a − b, 0, m)` | per comparison `1…6` |
//!
//! The wide-integer operations come from [`tfhe_core::wide`]; this module only *plans* them
//! ([`Plan`]): from the model's worst-case bounds ([`crate::bounds`]) it picks, for every chain of
//! linear layers, the largest scale at which all of the chain's values fit, which makes the
//! accumulators as far above the noise as the torus allows, and checks with the noise model that
//! every bootstrap's failure probability stays below `2^-40`. The engine then evaluates layer by
//! layer, in parallel over the elements of a layer, reporting progress, per-layer time and
//! bootstrap counts, and the summed failure probability of the whole inference
//! ([`InferenceReport`]).
//!
//! **Bootstrap batching.** Each element of a nonlinear layer is a sequential chain of
//! bootstraps, but the elements are independent: with `T` threads the engine runs `T·B` workers
//! (`B` = [`PbsEngine::with_bootstrap_batch`], default [`DEFAULT_BOOTSTRAP_BATCH`]), each taking
//! one element at a time, and their bootstraps meet at a [`tfhe_core::batcher::BootstrapBatcher`]
//! that runs up to `B` of them at once with one pass over the multi-bit bootstrapping key. The
//! ciphertexts are the same bits for every `B` (tested); `B = 1` is the plain rayon loop.
//!
//! The outputs are **exactly** the integers [`crate::reference`] computes (tests decrypt every
//! layer and compare).

mod engine;
mod error;
mod plan;

pub use engine::{
    Inference, InferenceReport, LayerReport, PbsEngine, Progress, DEFAULT_BOOTSTRAP_BATCH,
};
pub use error::EngineError;
pub use plan::{Plan, PlanError, MAX_LOG2_FAILURE};
pub use tfhe_core::wide::WideCiphertext;
