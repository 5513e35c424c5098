//! # she-fuzzing — what the fuzz targets run
//!
//! Every cargo-fuzz target in `fuzz/fuzz_targets/` is one line that hands libFuzzer's input to
//! the function of the same name here ([`TARGETS`]). The workspace's test suite replays the
//! committed seed corpus `fuzz/seeds/<target>/` (and the crash-regression inputs kept there)
//! through the same functions (`tests/replay.rs`), so CI runs exactly the code the fuzzer runs.
//!
//! Each function takes raw bytes and must return normally for **every** input. A panic is a bug:
//! untrusted input reached a panic instead of a typed error, or a property asserted here does
//! not hold. Structured targets read their fields off the front of the input with [`Input`]
//! (little-endian, zeros once the input runs out), so every byte string is a valid input.
//!
//! The parsers of this project's files ([`key_files`], [`ciphertext_files`], [`model_file`]) run
//! every input twice: as given, and *resealed* — its checksum recomputed over the header and
//! the payload the header announces — so that mutations of a payload reach the object's own
//! checks and, when those pass, the code that uses the object, instead of stopping at the
//! checksum.
//!
//! How to fuzz a target: `fuzz/README.md`.

use she_nn::ciphertexts::{EncryptedImage, EncryptedLogits};
use she_nn::cli::eval_log::{parse_log, EvaluationId, SampleFacts};
use she_nn::client::{ClientKey, INPUT_SCALE_LOG2};
use she_nn::data::mnist::{read_idx_images, read_idx_labels};
use she_nn::data::png::decode_png_gray;
use she_nn::header::{Checksum, Header, Kind};
use she_nn::model::format::{read_model, write_model};
use she_nn::pbs::Plan;
use she_nn::server::ServerKey;
use std::sync::OnceLock;
use tfhe_core::bootstrap::{BootstrapJob, LookupTable};
use tfhe_core::dimensions::{
    DecompositionBaseLog, DecompositionLevelCount, LweDimension, PolynomialSize,
};
use tfhe_core::fft::negacyclic_product;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList, LweKeyswitchKey};
use tfhe_core::params::{BlindRotation, ParameterSet, SHE_MNIST, TOY};
use tfhe_core::serialization::{read_evaluation_keys, read_lwe_ciphertext, read_secret_keys};
use torus::{Csprng, Encoding, NoiseDistribution, Polynomial, Seed, SignedDecomposer, Torus};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its cargo-fuzz binary and of its seed directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("decomposition", decomposition),
    ("encoding", encoding),
    ("fft_product", fft_product),
    ("lookup_table", lookup_table),
    ("batched_bootstrap", batched_bootstrap),
    ("lwe_containers", lwe_containers),
    ("model_file", model_file),
    ("image_files", image_files),
    ("key_files", key_files),
    ("ciphertext_files", ciphertext_files),
    ("eval_log", eval_log),
];

/// **INSECURE**, for fuzzing only: a parameter set small enough (`n = 4`, `N = 8`) that valid
/// evaluation-key payloads are 4.7 KB, so the fuzzer reaches the checks of every Fourier value
/// ([`read_evaluation_keys`]) that the 4.5 MiB `TOY` server key hides behind its length.
pub const MICRO: ParameterSet = ParameterSet {
    name: "MICRO",
    lwe_dimension: LweDimension(4),
    polynomial_size: PolynomialSize(8),
    ..TOY
};

/// [`MICRO`] on a 32-bit torus (Gaussian noise: `TOY`'s TUniform bounds need 64 bits).
pub const MICRO32: ParameterSet = ParameterSet {
    name: "MICRO32",
    torus_bits: 32,
    lwe_noise: NoiseDistribution::Gaussian { std_dev: 1e-6 },
    glwe_noise: NoiseDistribution::Gaussian { std_dev: 1e-8 },
    pbs_base_log: DecompositionBaseLog(8),
    pbs_level_count: DecompositionLevelCount(2),
    ks_base_log: DecompositionBaseLog(3),
    ks_level_count: DecompositionLevelCount(5),
    ..MICRO
};

/// Fixed-width fields read off the front of a fuzz input, little-endian; zeros once it runs out.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads from `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        out
    }

    /// A byte.
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// A `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// An `i16`.
    pub fn i16(&mut self) -> i16 {
        i16::from_le_bytes(self.array())
    }

    /// A `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }

    /// An `i64`.
    pub fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.array())
    }

    /// What is left.
    pub fn rest(self) -> &'a [u8] {
        self.bytes
    }
}

fn check_decomposition<T: Torus>(x: T, base_log: u32, levels: usize) {
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

/// Decomposition on arbitrary `x` (u64, and its low 32 bits on a 32-bit torus) and `(β, ℓ)`:
/// invalid pairs are typed errors; valid ones give balanced digits that recompose to the
/// closest representable value, within half a unit of the last level.
///
/// Input: `x` u64, `log2 β` u8, `ℓ` u8.
pub fn decomposition(data: &[u8]) {
    let mut input = Input::new(data);
    let (x, base_log, levels) = (input.u64(), input.u8(), input.u8());
    check_decomposition::<u64>(x, u32::from(base_log), usize::from(levels));
    check_decomposition::<u32>(x as u32, u32::from(base_log), usize::from(levels));
}

/// Encodings on arbitrary (b, π, m, e): invalid encodings are typed errors; valid ones decode
/// any noise in `(−Δ/2, Δ/2)` back to the message and report that noise.
///
/// Input: message bits u8, padding bits u8, message u64, noise i64.
pub fn encoding(data: &[u8]) {
    let mut input = Input::new(data);
    let (bits, padding, message, noise) = (input.u8(), input.u8(), input.u64(), input.i64());
    let Ok(enc) = Encoding::new::<u64>(u32::from(bits), u32::from(padding)) else {
        return;
    };
    let m = message % enc.message_modulus();
    let half = 1i64 << (enc.delta_log::<u64>() - 1);
    // In [−Δ/2, Δ/2), computed on 128 bits: Δ itself is 2^63 for one message bit without padding.
    let e = (i128::from(noise).rem_euclid(2 * i128::from(half)) - i128::from(half)) as i64;
    let x = enc.encode::<u64>(m).wrapping_add(u64::from_i64_wrapping(e));
    if e > -half {
        assert_eq!(enc.decode(x), m);
        assert_eq!(enc.noise_of(x), e);
    }
    let _ = enc.decode_with_padding(x);
    let _ = enc.decode_signed(x);
}

fn naive_product<T: Torus>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Polynomial::<Vec<T>>::zero(torus::PolynomialSize(a.len()));
    out.assign_naive_negacyclic_product(
        &Polynomial::from_container(a.to_vec()),
        &Polynomial::from_container(b.to_vec()),
    );
    out.into_container()
}

/// The FFT negacyclic product against the schoolbook oracle on arbitrary polynomials: within a
/// bound on 64 bits, exact on 32 bits for small operands (where `f64` cannot round wrongly).
///
/// Input: `log2 N − 2` u8 (mod 9: N = 4 … 1024), then `N` u64 torus coefficients, then `N` i16
/// integer coefficients.
pub fn fft_product(data: &[u8]) {
    let mut input = Input::new(data);
    let log_n = 2 + u32::from(input.u8() % 9);
    let n = 1usize << log_n;
    let a: Vec<u64> = (0..n).map(|_| input.u64()).collect();
    let d: Vec<i16> = (0..n).map(|_| input.i16()).collect();
    let d64: Vec<u64> = d.iter().map(|&x| i64::from(x) as u64).collect();
    let max_d = d
        .iter()
        .map(|&x| i64::from(x).unsigned_abs())
        .max()
        .unwrap_or(0);
    // |error| ≤ N·max|d|·2^(63−53)·(log2 N + 1)·4 integer units (f64 rounding through log N stages).
    let bound = (n as u64 * max_d.max(1)) << 12;
    let bound = bound.saturating_mul(u64::from(log_n) + 1);
    for (x, y) in negacyclic_product(&a, &d64)
        .iter()
        .zip(naive_product(&a, &d64))
    {
        assert!(x.wrapping_sub(y).to_signed().unsigned_abs() <= bound);
    }
    if n <= 256 {
        // 32-bit operands with 7-bit digits: every partial sum < 2^46, so the FFT is exact.
        let a32: Vec<u32> = a.iter().map(|&x| x as u32).collect();
        let d32: Vec<u32> = d.iter().map(|&x| i32::from(x % 128) as u32).collect();
        assert_eq!(negacyclic_product(&a32, &d32), naive_product(&a32, &d32));
    }
}

/// The constant coefficient of X^(−φ̃)·v: what a noiseless blind rotation reads.
fn rotated_constant(v: &[u64], phase: u64, log_2n: u32) -> u64 {
    let n = v.len() as u64;
    let r = phase.mod_switch(log_2n);
    if r < n {
        v[r as usize]
    } else {
        v[(r - n) as usize].wrapping_neg()
    }
}

/// Lookup-table builders on arbitrary sizes and encodings: invalid requests are typed errors;
/// every accepted padding-aware table returns `f(m)` at the switched phase of every message, and
/// every negacyclic table returns `±f` as documented.
///
/// Input: `log2 N − 2` u8 (mod 13: N = 4 … 16384), message bits u8 (mod 16), padding bits u8
/// (mod 3), a u64 salt that picks the function.
pub fn lookup_table(data: &[u8]) {
    let mut input = Input::new(data);
    let (log_n, bits, padding, salt) = (input.u8(), input.u8(), input.u8(), input.u64());
    let n = 1usize << (2 + u32::from(log_n % 13));
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
                rotated_constant(lut.as_slice(), enc.encode(m), log_2n),
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
                assert_eq!(
                    rotated_constant(lut.as_slice(), enc.encode(m), log_2n),
                    expected
                );
            }
        }
    }
}

/// Multi-bit evaluation keys of [`MICRO`] with `n = 4` (index 0) or `n = 5` (index 1, the
/// unpaired last key bit), made once from fixed seeds (**insecure**).
fn micro_multi_bit_keys(odd: bool) -> &'static EvaluationKeys<u64> {
    static KEYS: [OnceLock<EvaluationKeys<u64>>; 2] = [OnceLock::new(), OnceLock::new()];
    KEYS[usize::from(odd)].get_or_init(|| {
        let p = ParameterSet {
            lwe_dimension: LweDimension(4 + usize::from(odd)),
            ..MICRO.with_blind_rotation(BlindRotation::MultiBit)
        };
        let sk =
            SecretKeys::<u64>::generate(&p, &mut Csprng::from_seed(&Seed::insecure_from_u64(3)))
                .expect("MICRO keys");
        sk.generate_evaluation_keys(&mut torus::EncryptionRng::insecure_from_u64(4))
            .expect("MICRO evaluation keys")
    })
}

/// Batched bootstrapping against its oracle, each job bootstrapped alone: on arbitrary
/// ciphertexts (masks that switch to zero pairs included), arbitrary tables and level counts,
/// every output of a batch must be bit-identical to the single bootstrap's (for a job with all
/// levels, [`EvaluationKeys::bootstrap_only`]; with fewer, the job alone).
///
/// Input: u8 (even: `n = 4`, odd: `n = 5`), batch size u8 (mod 4, plus 1), then per job the
/// `n + 1` ciphertext words (u64), the 8 table values (u64) of a negacyclic table and a u8
/// level count (mod 3: all of the key's 2 levels, or 1 or 2 of them).
pub fn batched_bootstrap(data: &[u8]) {
    let mut input = Input::new(data);
    let keys = micro_multi_bit_keys(input.u8() % 2 == 1);
    let batch = 1 + usize::from(input.u8() % 4);
    let size = keys.params().polynomial_size;
    let encoding = Encoding::new::<u64>(3, 0).expect("3 bits, no padding");
    let mut jobs: Vec<BootstrapJob<u64>> = (0..batch)
        .map(|_| {
            let mut job = keys.bootstrap_job();
            for word in job.input.as_mut_slice() {
                *word = input.u64();
            }
            let values: Vec<u64> = (0..8).map(|_| input.u64()).collect();
            job.lut = LookupTable::negacyclic_from_fn(size, &encoding, |m| values[m as usize])
                .expect("8 boxes of N = 8");
            job.levels = match input.u8() % 3 {
                0 => None,
                used => Some(DecompositionLevelCount(usize::from(used))),
            };
            job
        })
        .collect();
    let mut single = keys.buffers();
    let expected: Vec<_> = jobs
        .iter()
        .map(|job| match job.levels {
            None => {
                let mut out = LweCiphertext::zero(keys.params().big_lwe_dimension());
                keys.bootstrap_only(&mut out, &job.input, &job.lut, &mut single);
                out
            }
            Some(_) => {
                let mut alone = job.clone();
                keys.bootstrap_job_alone(&mut alone, &mut single);
                alone.output
            }
        })
        .collect();
    keys.bootstrap_batch(&mut jobs, &mut keys.batch_buffers(batch));
    for (job, expected) in jobs.iter().zip(&expected) {
        assert_eq!(job.output.as_slice(), expected.as_slice());
    }
}

/// LWE containers built from untrusted lengths and dimensions: never a panic, only typed
/// errors; accepted ones support every view and linear operation, and an accepted
/// key-switching key, rounded to 32-bit words, switches bit for bit as its widened words do.
///
/// Input: input dimension u16, output dimension u16, `log2 β` u8, `ℓ` u8, a cleartext i64, a
/// shift u8, then the container's elements (u64 each; a partial last one is dropped).
pub fn lwe_containers(data: &[u8]) {
    let mut input = Input::new(data);
    let (n_in, n_out) = (input.u16(), input.u16());
    let (base_log, levels, k, shift) = (input.u8(), input.u8(), input.i64(), input.u8());
    let elements: Vec<u64> = input
        .rest()
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("chunks of 8")))
        .collect();
    if let Ok(list) =
        LweCiphertextList::from_container(elements.clone(), LweDimension(usize::from(n_in)))
    {
        for ct in list.iter() {
            let mut owned = ct.to_owned();
            owned.add_assign(&ct);
            owned.mul_cleartext_assign(k);
            owned.mul_power_of_two_assign(u32::from(shift), k < 0);
            owned.neg_assign();
            assert_eq!(owned.lwe_dimension(), LweDimension(usize::from(n_in)));
        }
    }
    if let Ok(mut ct) = LweCiphertext::from_container(elements.clone()) {
        let _ = ct.body();
        ct.add_plaintext_assign(1);
        assert_eq!(ct.lwe_dimension().0 + 1, elements.len());
    }
    let shape = (
        LweDimension(usize::from(n_in)),
        LweDimension(usize::from(n_out)),
        DecompositionBaseLog(u32::from(base_log)),
        DecompositionLevelCount(usize::from(levels)),
    );
    let Ok(key) =
        LweKeyswitchKey::from_container(elements.clone(), shape.0, shape.1, shape.2, shape.3)
    else {
        return;
    };
    // Rounded to 32-bit words (when `β·ℓ ≤ 32`), the key switches exactly as the 64-bit key of
    // its widened words `2^32·K'` does; the input is the data's first `n_in + 1` words.
    if let Ok(rounded) = LweKeyswitchKey::<Vec<u32>>::rounded_from(&key) {
        let widened: Vec<u64> = rounded
            .as_slice()
            .iter()
            .map(|&w| u64::from(w) << 32)
            .collect();
        let widened = LweKeyswitchKey::from_container(widened, shape.0, shape.1, shape.2, shape.3)
            .expect("the shape of an accepted key");
        let words = (0..=shape.0 .0).map(|i| elements.get(i).copied().unwrap_or(i as u64));
        let input =
            LweCiphertext::from_container(words.collect::<Vec<u64>>()).expect("at least the body");
        let mut actual = LweCiphertext::zero(shape.1);
        let mut expected = LweCiphertext::zero(shape.1);
        rounded.keyswitch_from_wider(&mut actual, &input);
        widened.keyswitch(&mut expected, &input);
        assert_eq!(actual.as_slice(), expected.as_slice());
    }
}

/// `data` cut to its header and the payload that header announces, followed by the checksum
/// of both: the same bytes with a valid checksum. `None` when no header of `kind` parses or the
/// payload is not all there.
pub fn resealed(data: &[u8], kind: Kind) -> Option<Vec<u8>> {
    let mut rest = data;
    let header = Header::read(&mut rest, kind).ok()?;
    let start = data.len() - rest.len();
    let end = start.checked_add(usize::try_from(header.payload_len).ok()?)?;
    let payload = data.get(start..end)?;
    let mut checksum = Checksum::new(&header);
    checksum.update(payload);
    let mut out = data[..end].to_vec();
    out.extend_from_slice(&checksum.finish());
    Some(out)
}

/// Runs `check` on `data` and on [`resealed`] `data`.
fn with_resealed(data: &[u8], kind: Kind, check: impl Fn(&[u8])) {
    check(data);
    if let Some(sealed) = resealed(data, kind) {
        if sealed != data {
            check(&sealed);
        }
    }
}

fn check_model(data: &[u8]) {
    let mut rest = data;
    let Ok(model) = read_model(&mut rest) else {
        return;
    };
    let used = data.len() - rest.len();
    let mut again = Vec::new();
    write_model(&model, &mut again).expect("an accepted model writes");
    assert_eq!(&again[..], &data[..used], "the model format is canonical");
    let _ = she_nn::bounds::layer_bounds(&model);
    for params in [&TOY, &SHE_MNIST] {
        let _ = Plan::new(&model, params, INPUT_SCALE_LOG2);
    }
}

/// Model files from untrusted bytes: `read_model` returns a typed error or a valid model —
/// never a panic or an unbounded allocation — and every accepted file re-encodes to the same
/// bytes (the format is canonical). Accepted models also get their worst-case bounds and a PBS
/// plan at `TOY` and `SHE_MNIST` (both may fail, with typed errors).
pub fn model_file(data: &[u8]) {
    with_resealed(data, Kind::Model, check_model);
}

/// Client images from untrusted bytes: IDX image and label files (plain or gzip'd) and PNG
/// files give a typed error or pixels of the announced size — never a panic.
pub fn image_files(data: &[u8]) {
    if let Ok(images) = read_idx_images(&mut &data[..]) {
        assert_eq!(
            images.pixels.len(),
            images.len() * images.rows * images.cols
        );
    }
    let _ = read_idx_labels(&mut &data[..]);
    if let Ok((pixels, width, height)) = decode_png_gray(data) {
        assert_eq!(pixels.len(), width * height);
    }
}

/// Client and server key files and raw key payloads from untrusted bytes: each reader returns
/// a typed error or a valid key, every length taken from the parameter set, never from the
/// input. Raw evaluation-key payloads are read at [`MICRO`] and [`MICRO32`], whose keys are
/// small enough for the fuzzer to build and damage.
pub fn key_files(data: &[u8]) {
    with_resealed(data, Kind::ClientKey, |bytes| {
        if let Ok(key) = ClientKey::from_bytes(bytes) {
            let keys = key.secret_keys();
            assert_eq!(keys.params(), key.params());
            assert!(format!("{key:?}").contains("redacted"));
        }
    });
    with_resealed(data, Kind::ServerKey, |bytes| {
        if let Ok(key) = ServerKey::from_bytes(bytes) {
            assert_eq!(key.evaluation_keys().params(), key.params());
        }
    });
    if let Ok(keys) = read_secret_keys::<u64, _>(&TOY, &mut &data[..]) {
        assert!(keys.glwe_key().bits().iter().all(|&b| b <= 1));
    }
    let _ = read_secret_keys::<u32, _>(&MICRO32, &mut &data[..]);
    if let Ok(keys) = read_evaluation_keys::<u64, _>(&MICRO, &mut &data[..]) {
        assert_eq!(
            keys.keyswitch_key().input_dimension(),
            MICRO.big_lwe_dimension()
        );
    }
    let _ = read_evaluation_keys::<u32, _>(&MICRO32, &mut &data[..]);
}

/// A `TOY` client key from a fixed seed, to decrypt whatever the fuzzer builds.
fn toy_client_key() -> &'static ClientKey {
    static KEY: OnceLock<ClientKey> = OnceLock::new();
    KEY.get_or_init(|| {
        ClientKey::generate(&TOY, &mut Csprng::from_seed(&Seed::insecure_from_u64(1)))
            .expect("TOY is a 64-bit set")
    })
}

/// Encrypted inputs and results and raw LWE ciphertexts from untrusted bytes: a typed error or
/// a valid object whose fields agree ([`EncryptedImage::validate`]); accepted `TOY` results are
/// decrypted (any ciphertext decrypts to some integers, without a panic).
pub fn ciphertext_files(data: &[u8]) {
    with_resealed(data, Kind::EncryptedInput, |bytes| {
        if let Ok(image) = EncryptedImage::from_bytes(bytes) {
            image.validate().expect("a loaded image is valid");
        }
    });
    with_resealed(data, Kind::EncryptedResult, |bytes| {
        if let Ok(logits) = EncryptedLogits::from_bytes(bytes) {
            logits.validate().expect("a loaded result is valid");
            let key = toy_client_key();
            match key.decrypt_logits(&logits) {
                Ok(values) => assert_eq!(values.len(), logits.logits.len()),
                Err(e) => assert!(logits.params.name != "TOY", "{e}"),
            }
        }
    });
    if let Ok(ct) = read_lwe_ciphertext::<u64, _>(TOY.big_lwe_dimension(), &mut &data[..]) {
        assert_eq!(ct.lwe_dimension(), TOY.big_lwe_dimension());
    }
}

/// The evaluation whose `she eval --log` records the `eval_log` target reads: a test set of 16
/// images taken in the order `p ↦ 7·p mod 16`, label `i mod 10` and reference prediction
/// `(i + 1) mod 10` for image `i`.
pub struct LogFacts;

impl SampleFacts for LogFacts {
    fn index_at(&self, position: usize) -> Option<usize> {
        (position < 16).then_some(7 * position % 16)
    }
    fn label(&self, index: usize) -> Option<u8> {
        (index < 16).then_some((index % 10) as u8)
    }
    fn reference(&self, index: usize) -> Option<usize> {
        (index < 16).then_some((index + 1) % 10)
    }
}

/// The model, parameter set and seed of [`LogFacts`]' evaluation.
pub fn log_evaluation() -> EvaluationId {
    EvaluationId {
        model_sha256: "0".repeat(64),
        params: "TOY".into(),
        seed: 0,
    }
}

/// `she eval --log` record files from untrusted bytes: a typed error, or records of this
/// evaluation only, each position once, in order, each matching the test set — never a panic.
pub fn eval_log(data: &[u8]) {
    let id = log_evaluation();
    if let Ok(records) = parse_log(data, "input", &id, &LogFacts) {
        assert!(records.windows(2).all(|w| w[0].position < w[1].position));
        for r in &records {
            assert!(id.owns(r));
            assert_eq!(LogFacts.index_at(r.position), Some(r.index));
            assert_eq!(LogFacts.label(r.index), Some(r.label));
        }
    }
}
