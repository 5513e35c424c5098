//! Exact functions of **wide** encrypted integers: integers whose range is far larger than the
//! message space one programmable bootstrap can read.
//!
//! A [`WideCiphertext`] encrypts an integer `z` of known range `[lo, hi]` as an LWE ciphertext
//! under the big (`k·N`) key whose plaintext is `z·2^δ mod 2^64` (two's complement, `δ` the
//! *scale*). Linear operations (sums, multiplication by `±2^e`, adding constants) are exact and
//! free of bootstraps. A bootstrap, however, reads only the top few bits of the phase (the
//! modulus switch to `2N` keeps `log2(2N)` bits, and noise eats a few more), so a function of a
//! 12-bit accumulator cannot be one lookup. This module evaluates such functions **exactly** by
//! *peeling* digits off the bottom, the approach of Liu, Micciancio and Polyakov (*"Large-
//! Precision Homomorphic Sign Evaluation using FHEW/TFHE Bootstrapping"*, ASIACRYPT 2022) and of
//! the WoP-PBS of Chillotti, Ligier, Orfila and Tap (*"Improved Programmable Bootstrapping with
//! Larger Precision and Efficient Arithmetic Circuits for TFHE"*, ASIACRYPT 2021):
//!
//! * **window** (`window`): multiplying the ciphertext by `2^t` moves bits `[δ+j, δ+j+d]` of the
//!   plaintext to the top of the torus and wraps every higher bit away; a bootstrap then reads
//!   those `d + 1` bits. The noise is multiplied by `2^t` too, which is why `δ` must sit well
//!   above the noise (checked by the failure ledger);
//! * **peel** ([`WideEvaluator::peel_low_bits`], 2 bootstraps): the window's top bit is unknown, so
//!   a first bootstrap (a sign table) extracts it, its contribution is subtracted, and a second,
//!   padding-aware bootstrap reads the `d ≤ 4` low bits `r`; subtracting `r·2^δ` leaves
//!   `⌊z/2^d⌋` at scale `δ + d`, exactly;
//! * **floor division** ([`WideEvaluator::floor_shift`]): peel until `s` bits are gone;
//! * **clamp** ([`WideEvaluator::clamp`]): `clamp(z, lo, hi)` for `hi − lo < 16`. A range of at
//!   most 16 values is one lookup. A wider one peels a `d`-bit digit `r` off
//!   `z − lo = 2^d·T + r` (`hi − lo < 2^d ≤ 16`), decides `[T = 0]` and `[T ≥ 1]` by lookups on
//!   `T` (clamping `T` to `[−1, 1]` first, by recursion, if `T` is itself wide), and combines
//!   with one negacyclic bootstrap on the `(d + 1)`-bit window `r + 2^d·[T = 0]` that returns
//!   `(−1)^[T=0]·(−h(r)/2)`; adding `h(r)/2` gives `[T = 0]·h(r)` with `h(r) = min(r, hi − lo)`.
//!   No bootstrap output is ever multiplied by a window scaling: the peel clears the window's
//!   top bit in the scaled window itself and evaluates the extra tables on its digit window.
//!
//! Every bootstrap's failure probability is computed from the noise model (input variance
//! `4^t·Var(z) + V_KS + V_MS` against half a window slot) and summed in a [`FailureLedger`], so a
//! caller can state the failure probability of a whole computation.
//!
//! Only 64-bit sets in the KS → PBS order are supported (ciphertexts stay under the big key).

mod clamp;
mod floor;
mod window;

use crate::batcher::{BootstrapBatcher, Seat};
use crate::bootstrap::BootstrapJob;
use crate::dimensions::{DecompositionLevelCount, LweDimension};
use crate::error::TfheError;
use crate::keys::{BootstrapBuffers, EvaluationKeys};
use crate::lwe::{LweCiphertext, LweCiphertextOwned};
use crate::noise;
use crate::params::{BlindRotation, ParameterSet, PbsOrder};

/// An inclusive integer range `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntRange {
    /// Smallest value.
    pub lo: i64,
    /// Largest value.
    pub hi: i64,
}

impl IntRange {
    /// `[lo, hi]`; `None` if `lo > hi`.
    pub fn new(lo: i64, hi: i64) -> Option<Self> {
        (lo <= hi).then_some(Self { lo, hi })
    }

    /// Number of values `hi − lo + 1`.
    pub fn len(&self) -> u128 {
        (i128::from(self.hi) - i128::from(self.lo) + 1) as u128
    }

    /// Never empty; provided for symmetry with [`IntRange::len`].
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether `v` lies in the range.
    pub fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// The largest magnitude `max(|lo|, |hi|)`.
    pub fn magnitude(&self) -> u64 {
        self.lo.unsigned_abs().max(self.hi.unsigned_abs())
    }

    /// The largest scale `δ` at which every value of the range is a valid two's-complement
    /// plaintext `z·2^δ` with one spare bit: `|z|·2^δ < 2^62`.
    pub fn max_scale_log2(&self) -> u32 {
        62 - (64 - self.magnitude().leading_zeros())
    }

    /// Whether every value is a valid two's-complement plaintext at scale `δ` (no spare bit
    /// required): `z·2^δ ∈ [−2^63, 2^63)`.
    pub fn fits_at(&self, scale_log2: u32) -> bool {
        let limit = 1i128 << 63;
        let Some(scale) = 1i128.checked_shl(scale_log2).filter(|s| *s <= limit) else {
            return false;
        };
        i128::from(self.lo) * scale >= -limit && i128::from(self.hi) * scale < limit
    }
}

/// An encrypted integer `z ∈ range` with plaintext `z·2^scale_log2`, under the big key, with the
/// noise-model variance of its phase error (torus fraction squared).
#[derive(Clone, Debug)]
pub struct WideCiphertext {
    /// The LWE ciphertext (dimension `k·N`).
    pub ciphertext: LweCiphertextOwned<u64>,
    /// `δ`.
    pub scale_log2: u32,
    /// The proven range of `z`.
    pub range: IntRange,
    /// Noise variance (fraction of the torus, squared).
    pub variance: f64,
}

impl WideCiphertext {
    /// A noiseless (trivial) encryption of the constant `value`.
    pub fn trivial(dimension: LweDimension, value: i64, scale_log2: u32) -> Self {
        Self {
            ciphertext: LweCiphertext::trivial(dimension, encode(value, scale_log2)),
            scale_log2,
            range: IntRange {
                lo: value,
                hi: value,
            },
            variance: 0.0,
        }
    }

    /// Whether every value of the range is a valid two's-complement plaintext at this scale:
    /// `z·2^δ ∈ [−2^63, 2^63)`.
    pub fn fits(&self) -> bool {
        self.range.fits_at(self.scale_log2)
    }

    /// `z ← z + c` (exact, noise unchanged).
    pub fn add_constant(&mut self, c: i64) -> Result<(), TfheError> {
        self.range = IntRange {
            lo: checked(self.range.lo.checked_add(c))?,
            hi: checked(self.range.hi.checked_add(c))?,
        };
        self.ciphertext
            .add_plaintext_assign(encode(c, self.scale_log2));
        self.check_fits()
    }

    /// `z ← z + w·x` for an integer weight `w` and `x` at the same scale (exact; the noise
    /// variance grows by `w²·Var(x)`).
    pub fn add_scaled(&mut self, x: &WideCiphertext, w: i64) -> Result<(), TfheError> {
        if x.scale_log2 != self.scale_log2 {
            return Err(TfheError::WideInteger("operands at different scales"));
        }
        let (a, b) = (
            checked(x.range.lo.checked_mul(w))?,
            checked(x.range.hi.checked_mul(w))?,
        );
        self.range = IntRange {
            lo: checked(self.range.lo.checked_add(a.min(b)))?,
            hi: checked(self.range.hi.checked_add(a.max(b)))?,
        };
        self.ciphertext.add_scaled_assign(&x.ciphertext, w);
        self.variance += (w as f64).powi(2) * x.variance;
        self.check_fits()
    }

    /// The same integer at a larger scale `δ' ≥ δ` (multiplies the ciphertext by `2^(δ'−δ)`;
    /// the noise variance by `4^(δ'−δ)`).
    pub fn rescale_up(&mut self, scale_log2: u32) -> Result<(), TfheError> {
        if scale_log2 < self.scale_log2 {
            return Err(TfheError::WideInteger(
                "a scale can only grow without a bootstrap",
            ));
        }
        let shift = scale_log2 - self.scale_log2;
        self.ciphertext.mul_power_of_two_assign(shift, false);
        self.variance *= 4f64.powi(shift as i32);
        self.scale_log2 = scale_log2;
        self.check_fits()
    }

    fn check_fits(&self) -> Result<(), TfheError> {
        if self.fits() {
            Ok(())
        } else {
            Err(TfheError::WideInteger("the range no longer fits its scale"))
        }
    }
}

/// `value·2^δ mod 2^64`.
pub fn encode(value: i64, scale_log2: u32) -> u64 {
    (value as u64).wrapping_shl(scale_log2)
}

/// Decodes a phase at scale `δ`: the signed integer nearest to `phase / 2^δ`.
pub fn decode(phase: u64, scale_log2: u32) -> i64 {
    if scale_log2 == 0 {
        return phase as i64;
    }
    let rounded = phase.wrapping_add(1u64 << (scale_log2 - 1));
    (rounded as i64) >> scale_log2
}

fn checked(v: Option<i64>) -> Result<i64, TfheError> {
    v.ok_or(TfheError::WideInteger("integer range overflows i64"))
}

/// The failure probabilities of the bootstraps of a computation, from the noise model.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FailureLedger {
    /// Bootstraps performed.
    pub bootstraps: u64,
    /// Of them, the coarse ones: bootstraps with a prefix of the key's decomposition levels (the
    /// sign bootstraps of peels, [`WindowNoise`]).
    pub coarse_bootstraps: u64,
    /// Union bound on the probability that any of them failed.
    pub failure_probability: f64,
    /// `log2` of the largest single failure probability.
    pub worst_log2_failure: f64,
}

impl FailureLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self {
            bootstraps: 0,
            coarse_bootstraps: 0,
            failure_probability: 0.0,
            worst_log2_failure: f64::NEG_INFINITY,
        }
    }

    /// Records one bootstrap with input variance `variance` and decision margin `margin`.
    pub fn record(&mut self, variance: f64, margin: f64) {
        self.bootstraps += 1;
        self.failure_probability += noise::failure_probability(variance, margin);
        self.worst_log2_failure = self
            .worst_log2_failure
            .max(noise::log2_failure_probability(variance, margin));
    }

    /// Adds another ledger (e.g. one per thread).
    pub fn merge(&mut self, other: &FailureLedger) {
        self.bootstraps += other.bootstraps;
        self.coarse_bootstraps += other.coarse_bootstraps;
        self.failure_probability += other.failure_probability;
        self.worst_log2_failure = self.worst_log2_failure.max(other.worst_log2_failure);
    }
}

/// The largest share of a digit read's input variance (key switch and modulus switch, which every
/// window read carries) that the coarse sign bootstrap of a peel may add to it: `1/16`. At that
/// share the read's failure exponent (`∝ margin²/V`) moves by at most 6%; the level count
/// [`WindowNoise::new`] picks usually stays far below it.
pub const SIGN_VARIANCE_SHARE: f64 = 1.0 / 16.0;

/// The noise every window bootstrap of a parameter set works with: what a bootstrap outputs and
/// what its input gains from the key switch and the modulus switch. Needs no keys, so a plan can
/// be checked before any key exists.
///
/// It also fixes the **coarse sign bootstrap** of a peel ([`WideEvaluator::peel_low_bits`]): its
/// output is subtracted from the scaled window at the window's own scale — never multiplied by a
/// scaling — so its noise only has to stay small against the key-switch and modulus-switch noise
/// of the digit read that follows, not against the `2^t`-fold amplification a wide accumulator
/// applies. With a multi-bit key it uses the fewest of the key's decomposition levels (a prefix,
/// [`crate::fft::LevelPrefixes`]) whose output variance is at most [`SIGN_VARIANCE_SHARE`] of
/// that noise. At `SHE_MNIST` (`2^9 × 4`) that is 3 levels: output σ `2^-19.1` instead of
/// `2^-27.1`, against the read's `2^-9.3` (key switch and modulus switch), so the digit read's
/// failure probability stays `2^-73.6`; 2 levels (σ `2^-10.1`) would move it to `2^-55.6`. A
/// classic key uses all of its levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowNoise {
    /// Output variance of one bootstrap.
    pub bootstrap_variance: f64,
    /// Variance every bootstrap input gains from the key switch and the modulus switch.
    pub input_variance: f64,
    /// The decomposition levels of the sign bootstrap of a peel.
    pub sign_levels: DecompositionLevelCount,
    /// Output variance of the sign bootstrap of a peel.
    pub sign_variance: f64,
}

impl WindowNoise {
    /// The noise model of `params` (64-bit, KS → PBS).
    pub fn new(params: &ParameterSet) -> Result<Self, TfheError> {
        if params.order != PbsOrder::KeyswitchBootstrap || params.torus_bits != 64 {
            return Err(TfheError::WideInteger(
                "wide integers need a 64-bit set in the KS → PBS order",
            ));
        }
        let budget = noise::bootstrap_noise(params);
        let input_variance = budget.keyswitch + budget.modulus_switch;
        let levels = params.pbs_level_count;
        let at_levels = |l: usize| {
            noise::bootstrap_noise(&ParameterSet {
                pbs_level_count: DecompositionLevelCount(l),
                ..*params
            })
            .bootstrap_output
        };
        let fits = |l: &usize| at_levels(*l) <= SIGN_VARIANCE_SHARE * input_variance;
        let sign_levels = match params.blind_rotation {
            BlindRotation::MultiBit => (1..levels.0).find(fits).unwrap_or(levels.0),
            BlindRotation::Classic => levels.0,
        };
        Ok(Self {
            bootstrap_variance: budget.bootstrap_output,
            input_variance,
            sign_levels: DecompositionLevelCount(sign_levels),
            sign_variance: at_levels(sign_levels),
        })
    }

    /// What a sign bootstrap's job asks for ([`BootstrapJob::levels`]): its prefix of the key's
    /// levels when that is shorter than the key, else `None` (all of them).
    fn sign_job_levels(&self, params: &ParameterSet) -> Option<DecompositionLevelCount> {
        (self.sign_levels < params.pbs_level_count).then_some(self.sign_levels)
    }

    /// `log2` of the failure probability of reading a `window_bits`-bit window (top bit
    /// included) from a ciphertext of noise `variance` at scale `scale_log2`.
    pub fn window_log2_failure(&self, variance: f64, scale_log2: u32, window_bits: u32) -> f64 {
        let t = 64 - window_bits as i32 - scale_log2 as i32;
        let v = variance * 4f64.powi(t) + self.input_variance;
        noise::log2_failure_probability(v, window::margin(window_bits))
    }

    /// `log2` of the failure probability of the worst bootstrap of a peel (or of a clamp built
    /// on it) of a `window_bits`-bit window of a ciphertext of noise `variance` at scale
    /// `scale_log2`: the digit read, which adds the sign bootstrap's output to the window's
    /// noise, and the clamp's final read, which adds one more bootstrap output — bounded by both.
    pub fn peel_log2_failure(&self, variance: f64, scale_log2: u32, window_bits: u32) -> f64 {
        let t = 64 - window_bits as i32 - scale_log2 as i32;
        let v = variance * 4f64.powi(t)
            + self.input_variance
            + self.sign_variance
            + self.bootstrap_variance;
        noise::log2_failure_probability(v, window::margin(window_bits))
    }
}

/// Evaluates exact functions of wide integers with a set of evaluation keys.
///
/// Every bootstrap is either run by the calling thread ([`WideEvaluator::new`]) or handed to a
/// [`BootstrapBatcher`] that pools the bootstraps of several threads into batches with one pass
/// over the key ([`WideEvaluator::batched`]); the results are the same bits either way.
pub struct WideEvaluator<'k> {
    keys: &'k EvaluationKeys<u64>,
    batcher: Option<&'k BootstrapBatcher<'k, u64>>,
    /// The set's window noise, and the levels of the sign bootstraps.
    noise: WindowNoise,
}

/// Scratch of one thread: bootstrap buffers, the scaled window and the next bootstrap's job
/// (its input, the key-switched window under the small key; its table, refilled in place; its
/// output), and, for a batched evaluator, the thread's seat at the batcher.
pub struct WideBuffers<'b> {
    pbs: BootstrapBuffers<u64>,
    /// The scaled window, under the big key.
    scaled: LweCiphertextOwned<u64>,
    /// The next bootstrap; lent to the batcher while it runs (always back between bootstraps).
    job: Option<BootstrapJob<u64>>,
    seat: Option<Seat<'b, 'b, u64>>,
}

impl WideBuffers<'_> {
    /// The next bootstrap's job buffers.
    fn job(&mut self) -> &mut BootstrapJob<u64> {
        self.job
            .as_mut()
            .expect("the job buffers are back from the batcher")
    }
}

impl<'k> WideEvaluator<'k> {
    /// An evaluator for `keys` whose bootstraps run on the calling thread; the set must be
    /// 64-bit and KS → PBS.
    pub fn new(keys: &'k EvaluationKeys<u64>) -> Result<Self, TfheError> {
        Ok(Self {
            keys,
            batcher: None,
            noise: WindowNoise::new(keys.params())?,
        })
    }

    /// An evaluator that hands every bootstrap to `batcher` (with its keys). Each thread that
    /// uses it takes a seat at the batcher through [`Self::buffers`]; create every thread's
    /// buffers before the threads start, and drop them when a thread is done.
    pub fn batched(batcher: &'k BootstrapBatcher<'k, u64>) -> Result<Self, TfheError> {
        Ok(Self {
            batcher: Some(batcher),
            ..Self::new(batcher.keys())?
        })
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &EvaluationKeys<u64> {
        self.keys
    }

    /// Noise variance of a bootstrap's output.
    pub fn bootstrap_variance(&self) -> f64 {
        self.noise.bootstrap_variance
    }

    /// The window noise of the keys' set (and the levels of the sign bootstraps).
    pub fn window_noise(&self) -> &WindowNoise {
        &self.noise
    }

    /// Scratch for one thread (for a batched evaluator, also the thread's seat at the batcher).
    pub fn buffers(&self) -> WideBuffers<'k> {
        let p = self.keys.params();
        WideBuffers {
            pbs: self.keys.buffers(),
            scaled: LweCiphertext::zero(p.big_lwe_dimension()),
            job: Some(self.keys.bootstrap_job()),
            seat: self.batcher.map(|batcher| batcher.seat()),
        }
    }
}
