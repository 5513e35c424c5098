//! Byte layouts of keys and ciphertexts, for files and the wire.
//!
//! The layouts here are *payloads*: they hold no length, version or parameter field. Every size
//! is derived from the [`ParameterSet`] the reader is given, never from the data, so a reader
//! allocates exactly what the parameters imply and nothing a corrupted input asks for. A
//! container format names the set and checks it (`she-nn`'s file header does, with a
//! fingerprint of the parameters), and should check the available length before calling a reader
//! (`she-nn` compares the file size with the header's payload length first).
//!
//! Conventions: all integers are little-endian; a torus element takes `w/8` bytes, `w` being the
//! set's torus width (4 for `u32`, 8 for `u64`); a Fourier value is two IEEE 754 binary64 numbers
//! (real part, then imaginary part), 16 bytes.
//!
//! ## Secret keys: `n + k·N` bytes ([`write_secret_keys`], [`read_secret_keys`])
//!
//! | bytes | content |
//! |---|---|
//! | `n` | the small LWE key `s_0 … s_(n−1)`, one byte per bit, `0` or `1` |
//! | `k·N` | the GLWE key `S_0[0..N], …, S_(k−1)[0..N]`, one byte per bit, `0` or `1` |
//!
//! The big (flattened) LWE key is the GLWE key's coefficients in this order, so it is not stored.
//! A byte other than `0` or `1` is rejected ([`SerializationError::NonBinaryKey`]). The bytes go
//! through a buffer that is zeroized when dropped; writers should not buffer them further (an
//! `std::io::BufWriter` does not zeroize its buffer).
//!
//! ## Evaluation keys: bootstrapping key, then key-switching key
//! ([`write_evaluation_keys`], [`read_evaluation_keys`])
//!
//! | bytes | content |
//! |---|---|
//! | `n·(k+1)²·ℓ_pbs·(N/2)·16` | the bootstrapping key: `GGSW(s_i)` for `i < n`; in each, the rows `(i, j)` in the order `(0, 1), …, (0, ℓ), (1, 1), …, (k, ℓ)`; in each row its `k + 1` polynomials; each polynomial as `N/2` Fourier values in *canonical order* (below) |
//! | `k·N·ℓ_ks·(n+1)·w_ks/8` | the key-switching key (big → small): for each input key bit `i < k·N` and level `j ∈ 1..=ℓ_ks`, the ciphertext `KSK[i][j]` (`n` mask elements, then the body), in words of the set's `ks_torus_bits = w_ks` (`w`, or 32 for a key rounded to 32-bit words: [`crate::lwe::rounded_keyswitch`]) |
//!
//! The Fourier values of a polynomial `P` of `N` torus coefficients (read as signed integers) are
//! those of the negacyclic transform of [`crate::fft`]: fold and twist,
//! `z_j = (P_j + i·P_(j+N/2))·ζ^j` with `ζ = e^(iπ/N)`, then the `N/2`-point DFT
//! `Z_m = Σ_j z_j·e^(−2πi·jm/(N/2))`; the canonical order stores `Z_0, Z_1, …, Z_(N/2−1)`.
//!
//! Reading rejects a value that is not finite ([`SerializationError::NonFinite`]) or whose real or
//! imaginary part exceeds `N·2^(w−1)` in magnitude ([`SerializationError::OutOfRange`]): no
//! transform of torus polynomials comes near it (`|Z_m| ≤ (N/2)·√2·2^(w−1)`), and such values
//! would only turn every bootstrap into noise.
//!
//! ### Why the Fourier domain, in canonical order
//!
//! The server works with the bootstrapping key in the Fourier domain, and only that form exists
//! after key generation. Storing it as it is used makes a round trip *exact* (the standard-domain
//! key cannot be recovered exactly: the transform of 64-bit integers in `f64` rounds, so going
//! back and forth would add noise) and makes loading a copy with no transform, at the same size
//! as the integer form (`N/2` values of 16 bytes for `N` elements of 8 bytes). The order inside
//! the process, however, is the plan-specific permutation that concrete-fft's unordered FFT
//! leaves, and the plan is chosen by timing at run time, so it can differ between two runs of the
//! same program. The file therefore holds the canonical (standard DFT) order, and the writer and
//! the reader convert with the permutation of their own plan (the same one concrete-fft uses for
//! its own serialization); a test checks it against a direct DFT for plans of every base size.
//!
//! ## LWE ciphertexts: `(n+1)·w/8` bytes ([`write_lwe_ciphertext`], [`read_lwe_ciphertext`])
//!
//! The mask `a_0 … a_(n−1)`, then the body `b`.

use crate::bootstrap::set_key::ggsw_count;
use crate::bootstrap::BootstrapKey;
use crate::dimensions::LweDimension;
use crate::error::TfheError;
use crate::fft::{c64, Fft};
use crate::ggsw::FourierGgswCiphertext;
use crate::glwe::GlweSecretKey;
use crate::keys::{EvaluationKeys, SecretKeys};
use crate::lwe::{
    rounded_keyswitch, EvaluationKeyswitchKey, LweCiphertext, LweCiphertextOwned, LweKeyswitchKey,
    LweSecretKey,
};
use crate::params::ParameterSet;
use std::io::{ErrorKind, Read, Write};
use thiserror::Error;
use torus::{Container, SignedDecomposer, Torus};
use zeroize::Zeroizing;

/// Why a payload could not be written or read.
#[derive(Debug, Error)]
pub enum SerializationError {
    /// The input ended before the payload did.
    #[error("data ends early, in the {0}")]
    Truncated(&'static str),
    /// Reading or writing failed for another reason.
    #[error("I/O error: {0}")]
    Io(std::io::Error),
    /// A secret-key byte is neither 0 nor 1.
    #[error("secret key byte {index} is not 0 or 1")]
    NonBinaryKey {
        /// Offset of the first bad byte in the secret-key payload.
        index: usize,
    },
    /// A bootstrapping-key value is NaN or infinite.
    #[error("bootstrapping-key number {index} is not finite")]
    NonFinite {
        /// Index of the `f64` (real and imaginary parts counted separately) in the key.
        index: usize,
    },
    /// A bootstrapping-key value is larger than any transform of torus polynomials.
    #[error(
        "bootstrapping-key number {index} is out of range for a transform of torus polynomials"
    )]
    OutOfRange {
        /// Index of the `f64` (real and imaginary parts counted separately) in the key.
        index: usize,
    },
    /// The parameters (or the scalar type) do not describe a valid object.
    #[error(transparent)]
    Tfhe(#[from] TfheError),
}

/// Maps a read failure, telling a short input apart from other I/O errors.
fn read_failure(what: &'static str) -> impl Fn(std::io::Error) -> SerializationError {
    move |e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            SerializationError::Truncated(what)
        } else {
            SerializationError::Io(e)
        }
    }
}

/// The sizes of every serialized object of one parameter set, computed with checked arithmetic.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Bytes of the secret keys.
    secret_bytes: usize,
    /// Fourier values of one GGSW ciphertext.
    ggsw_values: usize,
    /// Bytes of the bootstrapping key.
    bsk_bytes: usize,
    /// Elements of the key-switching key.
    ksk_elements: usize,
    /// Bytes of the key-switching key.
    ksk_bytes: usize,
}

const TOO_LARGE: TfheError = TfheError::UnsupportedDimension {
    what: "serialized size (overflows the address space)",
    value: usize::MAX,
};

impl Layout {
    /// Checks that `params` describe valid keys for the scalar `T` and computes every size.
    fn of<T: Torus>(params: &ParameterSet) -> Result<Self, TfheError> {
        if params.torus_bits != T::BITS {
            return Err(TfheError::TorusWidthMismatch {
                expected: params.torus_bits,
                found: T::BITS,
            });
        }
        let n = params.lwe_dimension.0;
        let big_n = params.polynomial_size.0;
        if n == 0 {
            return Err(TfheError::UnsupportedDimension {
                what: "LWE dimension",
                value: 0,
            });
        }
        if !big_n.is_power_of_two() || big_n < 4 {
            return Err(TfheError::UnsupportedDimension {
                what: "polynomial size (a power of two, at least 4)",
                value: big_n,
            });
        }
        if params.glwe_dimension.0 == 0 {
            return Err(TfheError::UnsupportedDimension {
                what: "GLWE dimension",
                value: 0,
            });
        }
        let pbs = SignedDecomposer::<T>::new(params.pbs_base_log, params.pbs_level_count)?;
        if !rounded_keyswitch::supported_word_bits::<T>(params.ks_torus_bits) {
            return Err(rounded_keyswitch::UNSUPPORTED_WORD_BITS);
        }
        if params.ks_torus_bits == T::BITS {
            SignedDecomposer::<T>::new(params.ks_base_log, params.ks_level_count)?;
        } else {
            SignedDecomposer::<u32>::new(params.ks_base_log, params.ks_level_count)?;
        }
        let ks_width = (params.ks_torus_bits / 8) as usize;
        let kn = params
            .glwe_dimension
            .0
            .checked_mul(big_n)
            .ok_or(TOO_LARGE)?;
        let secret_bytes = n.checked_add(kn).ok_or(TOO_LARGE)?;
        let ggsw_values =
            FourierGgswCiphertext::fourier_len(params.glwe_dimension, params.polynomial_size, pbs)?;
        let bsk_bytes = ggsw_count(params.blind_rotation, params.lwe_dimension)
            .ok_or(TOO_LARGE)?
            .checked_mul(ggsw_values)
            .and_then(|v| v.checked_mul(16))
            .ok_or(TOO_LARGE)?;
        let ksk_elements = kn
            .checked_mul(params.ks_level_count.0)
            .and_then(|v| v.checked_mul(n + 1))
            .ok_or(TOO_LARGE)?;
        let ksk_bytes = ksk_elements.checked_mul(ks_width).ok_or(TOO_LARGE)?;
        bsk_bytes.checked_add(ksk_bytes).ok_or(TOO_LARGE)?;
        Ok(Self {
            secret_bytes,
            ggsw_values,
            bsk_bytes,
            ksk_elements,
            ksk_bytes,
        })
    }
}

/// `usize → u64` (lossless on every supported target; saturates otherwise).
fn to_u64(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Bytes of the secret-key payload of `params`: `n + k·N`.
pub fn secret_keys_len<T: Torus>(params: &ParameterSet) -> Result<u64, SerializationError> {
    Ok(to_u64(Layout::of::<T>(params)?.secret_bytes))
}

/// Bytes of the evaluation-key payload of `params`:
/// `n·(k+1)²·ℓ_pbs·(N/2)·16 + k·N·ℓ_ks·(n+1)·w_ks/8` (`w_ks` the set's `ks_torus_bits`).
pub fn evaluation_keys_len<T: Torus>(params: &ParameterSet) -> Result<u64, SerializationError> {
    let layout = Layout::of::<T>(params)?;
    Ok(to_u64(layout.bsk_bytes) + to_u64(layout.ksk_bytes))
}

/// Bytes of one LWE ciphertext of dimension `n` over `T`: `(n+1)·w/8`.
pub fn lwe_ciphertext_len<T: Torus>(dimension: LweDimension) -> Result<u64, SerializationError> {
    dimension
        .0
        .checked_add(1)
        .and_then(|size| size.checked_mul((T::BITS / 8) as usize))
        .map(to_u64)
        .ok_or(SerializationError::Tfhe(TOO_LARGE))
}

/// Writes the secret keys (layout in the module documentation) with one `write_all` of a buffer
/// that is zeroized afterwards.
pub fn write_secret_keys<T: Torus, W: Write + ?Sized>(
    keys: &SecretKeys<T>,
    w: &mut W,
) -> Result<(), SerializationError> {
    let small = keys.small_lwe_key().bits();
    let glwe = keys.glwe_key().bits();
    let mut bytes = Zeroizing::new(Vec::with_capacity(small.len() + glwe.len()));
    // Key bits are 0 or 1 by construction: the comparison maps them to the bytes 0 and 1.
    bytes.extend(small.iter().chain(glwe).map(|&b| u8::from(b == T::ONE)));
    w.write_all(&bytes).map_err(SerializationError::Io)
}

/// Reads secret keys of `params` (layout in the module documentation): exactly `n + k·N` bytes,
/// each 0 or 1. Every buffer that held key bits is zeroized, on success and on error.
pub fn read_secret_keys<T: Torus, R: Read + ?Sized>(
    params: &ParameterSet,
    r: &mut R,
) -> Result<SecretKeys<T>, SerializationError> {
    let layout = Layout::of::<T>(params)?;
    let mut bytes = Zeroizing::new(vec![0u8; layout.secret_bytes]);
    r.read_exact(&mut bytes)
        .map_err(read_failure("secret keys"))?;
    if let Some(index) = bytes.iter().position(|&b| b > 1) {
        return Err(SerializationError::NonBinaryKey { index });
    }
    let (small, glwe) = bytes.split_at(params.lwe_dimension.0);
    let to_bits = |bytes: &[u8]| -> Vec<T> {
        bytes
            .iter()
            .map(|&b| T::from_u64_wrapping(u64::from(b)))
            .collect()
    };
    // Each vector is moved into its key at once, which zeroizes it on drop.
    let small = LweSecretKey::from_bits(to_bits(small))?;
    let glwe = GlweSecretKey::from_bits(to_bits(glwe), params.polynomial_size)?;
    Ok(SecretKeys::from_parts(params, small, glwe)?)
}

/// Bytes per chunk when converting torus elements.
const CHUNK_BYTES: usize = 1 << 16;

/// Writes torus elements, `w/8` little-endian bytes each.
fn write_torus<T: Torus, W: Write + ?Sized>(w: &mut W, elements: &[T]) -> std::io::Result<()> {
    let width = (T::BITS / 8) as usize;
    let per_chunk = CHUNK_BYTES / width;
    let mut buf = Vec::with_capacity(elements.len().min(per_chunk) * width);
    for chunk in elements.chunks(per_chunk) {
        buf.clear();
        for &x in chunk {
            buf.extend_from_slice(&x.to_u64().to_le_bytes()[..width]);
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// Fills `out` with torus elements of `w/8` little-endian bytes each.
fn read_torus<T: Torus, R: Read + ?Sized>(
    r: &mut R,
    out: &mut [T],
    what: &'static str,
) -> Result<(), SerializationError> {
    let width = (T::BITS / 8) as usize;
    let per_chunk = CHUNK_BYTES / width;
    let mut buf = vec![0u8; out.len().min(per_chunk) * width];
    for chunk in out.chunks_mut(per_chunk) {
        let bytes = &mut buf[..chunk.len() * width];
        r.read_exact(bytes).map_err(read_failure(what))?;
        for (x, b) in chunk.iter_mut().zip(bytes.chunks_exact(width)) {
            let mut le = [0u8; 8];
            le[..width].copy_from_slice(b);
            *x = T::from_u64_wrapping(u64::from_le_bytes(le));
        }
    }
    Ok(())
}

/// `order[m]`: where the plan of `fft` keeps the canonical Fourier value `Z_m`.
fn canonical_order(fft: &Fft) -> Vec<usize> {
    let half = fft.polynomial_size / 2;
    let base = fft.plan.algo().1;
    (0..half).map(|m| permuted_index(half, base, m)).collect()
}

/// The position of the `m`-th DFT output in the output of concrete-fft's unordered FFT of size
/// `n` built on base kernels of size `base_n` (both powers of two): the bit reversal of `m` over
/// `log2 n` bits, with its low `log2 base_n` bits reversed once more.
fn permuted_index(n: usize, base_n: usize, m: usize) -> usize {
    let reversed = bit_reverse(m, n.trailing_zeros());
    let low = base_n - 1;
    (reversed & !low) | bit_reverse(reversed & low, base_n.trailing_zeros())
}

/// The low `bits` bits of `i`, reversed.
fn bit_reverse(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// The bound on the real and imaginary parts of a stored Fourier value: `N·2^(w−1)`.
fn fourier_bound(params: &ParameterSet) -> f64 {
    // N ≤ 2^63 and w ≤ 64, so the product is a finite power of two.
    (params.polynomial_size.0 as f64) * 2f64.powi(params.torus_bits as i32 - 1)
}

/// Writes the evaluation keys (layout in the module documentation): the bootstrapping key in
/// canonical Fourier order, then the key-switching key.
pub fn write_evaluation_keys<T: Torus, W: Write + ?Sized>(
    keys: &EvaluationKeys<T>,
    w: &mut W,
) -> Result<(), SerializationError> {
    Layout::of::<T>(keys.params())?;
    let order = canonical_order(keys.fft());
    let bsk = keys.bootstrap_key();
    let mut buf = Vec::with_capacity(order.len() * 16);
    let mut polynomial = vec![c64::default(); order.len()];
    for ggsw in bsk.ggsws() {
        for index in 0..ggsw.polynomial_count() {
            ggsw.copy_polynomial(index, &mut polynomial);
            buf.clear();
            for &p in &order {
                let z = polynomial[p];
                buf.extend_from_slice(&z.re.to_le_bytes());
                buf.extend_from_slice(&z.im.to_le_bytes());
            }
            w.write_all(&buf).map_err(SerializationError::Io)?;
        }
    }
    match keys.keyswitch_key() {
        EvaluationKeyswitchKey::Native(key) => write_torus(w, key.as_slice()),
        EvaluationKeyswitchKey::Rounded32(key) => write_torus(w, key.as_slice()),
    }
    .map_err(SerializationError::Io)
}

/// Reads evaluation keys of `params` (layout in the module documentation), checking every
/// Fourier value, and assembles them with [`EvaluationKeys::from_parts`].
///
/// Allocates the sizes `params` imply (e.g. 115 MiB at `MSG2_CARRY2`) as the data arrives, one
/// GGSW ciphertext at a time, then the key-switching key.
pub fn read_evaluation_keys<T: Torus, R: Read + ?Sized>(
    params: &ParameterSet,
    r: &mut R,
) -> Result<EvaluationKeys<T>, SerializationError> {
    let layout = Layout::of::<T>(params)?;
    let decomposer = SignedDecomposer::<T>::new(params.pbs_base_log, params.pbs_level_count)
        .map_err(TfheError::from)?;
    let fft = Fft::new(params.polynomial_size);
    let order = canonical_order(&fft);
    let bound = fourier_bound(params);
    let mut buf = vec![0u8; order.len() * 16];
    let mut index = 0usize;
    let count = ggsw_count(params.blind_rotation, params.lwe_dimension).ok_or(TOO_LARGE)?;
    let mut ggsws = Vec::with_capacity(count);
    // One GGSW ciphertext polynomial by polynomial, copied into its interleaved layout.
    let mut data = vec![c64::default(); layout.ggsw_values];
    for _ in 0..count {
        for polynomial in data.chunks_exact_mut(order.len()) {
            r.read_exact(&mut buf)
                .map_err(read_failure("bootstrapping key"))?;
            for (&p, bytes) in order.iter().zip(buf.chunks_exact(16)) {
                let (re, im) = bytes.split_at(8);
                polynomial[p] = c64::new(
                    checked_f64(re, index, bound)?,
                    checked_f64(im, index + 1, bound)?,
                );
                index += 2;
            }
        }
        ggsws.push(FourierGgswCiphertext::from_fourier_data(
            &data,
            params.glwe_dimension,
            params.polynomial_size,
            decomposer,
        )?);
    }
    let bsk = BootstrapKey::from_ggsws(params.blind_rotation, params.lwe_dimension, ggsws)?;
    let ksk = if params.rounded_keyswitch() {
        EvaluationKeyswitchKey::Rounded32(read_keyswitch_key::<u32, _>(r, params, &layout)?)
    } else {
        EvaluationKeyswitchKey::Native(read_keyswitch_key::<T, _>(r, params, &layout)?)
    };
    Ok(EvaluationKeys::from_parts(params, bsk, ksk)?)
}

/// The key-switching key of `params` in words of `K` (the set's `ks_torus_bits`).
fn read_keyswitch_key<K: Torus, R: Read + ?Sized>(
    r: &mut R,
    params: &ParameterSet,
    layout: &Layout,
) -> Result<LweKeyswitchKey<Vec<K>>, SerializationError> {
    let mut ksk = vec![K::ZERO; layout.ksk_elements];
    read_torus(r, &mut ksk, "key-switching key")?;
    Ok(LweKeyswitchKey::from_container(
        ksk,
        params.big_lwe_dimension(),
        params.lwe_dimension,
        params.ks_base_log,
        params.ks_level_count,
    )?)
}

/// Decodes 8 little-endian bytes as an `f64` and checks it is finite and within `±bound`.
fn checked_f64(bytes: &[u8], index: usize, bound: f64) -> Result<f64, SerializationError> {
    let mut le = [0u8; 8];
    le.copy_from_slice(bytes);
    let x = f64::from_le_bytes(le);
    if !x.is_finite() {
        return Err(SerializationError::NonFinite { index });
    }
    if x.abs() > bound {
        return Err(SerializationError::OutOfRange { index });
    }
    Ok(x)
}

/// Writes one LWE ciphertext: mask, then body, `w/8` little-endian bytes per element.
pub fn write_lwe_ciphertext<T, C, W>(
    ct: &LweCiphertext<C>,
    w: &mut W,
) -> Result<(), SerializationError>
where
    T: Torus,
    C: Container<Element = T>,
    W: Write + ?Sized,
{
    write_torus(w, ct.as_slice()).map_err(SerializationError::Io)
}

/// Reads one LWE ciphertext of dimension `n` (`n + 1` elements). Any bit pattern is a valid
/// ciphertext, so only the length is checked.
pub fn read_lwe_ciphertext<T: Torus, R: Read + ?Sized>(
    dimension: LweDimension,
    r: &mut R,
) -> Result<LweCiphertextOwned<T>, SerializationError> {
    lwe_ciphertext_len::<T>(dimension)?;
    let mut ct = LweCiphertext::zero(dimension);
    read_torus(r, ct.as_mut_slice(), "LWE ciphertext")?;
    Ok(ct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dimensions::{
        DecompositionBaseLog, DecompositionLevelCount, GlweDimension, PolynomialSize,
    };
    use crate::params::{BlindRotation, MSG2_CARRY2, SHE_MNIST, TOY};
    use concrete_fft::unordered::{Method, Plan};
    use dyn_stack::{GlobalPodBuffer, PodStack};
    use torus::{Csprng, EncryptionRng, NoiseDistribution, Seed};

    fn keys<T: Torus>(params: &ParameterSet, seed: u64) -> (SecretKeys<T>, EvaluationKeys<T>) {
        let secret = SecretKeys::<T>::generate(
            params,
            &mut Csprng::from_seed(&Seed::insecure_from_u64(seed)),
        )
        .unwrap();
        let eval = secret
            .generate_evaluation_keys(&mut EncryptionRng::insecure_from_u64(seed + 1))
            .unwrap();
        (secret, eval)
    }

    fn secret_bytes<T: Torus>(keys: &SecretKeys<T>) -> Vec<u8> {
        let mut out = Vec::new();
        write_secret_keys(keys, &mut out).unwrap();
        out
    }

    fn eval_bytes<T: Torus>(keys: &EvaluationKeys<T>) -> Vec<u8> {
        let mut out = Vec::new();
        write_evaluation_keys(keys, &mut out).unwrap();
        out
    }

    /// The Fourier data of every GGSW ciphertext, in this process's plan order.
    fn fourier_data<T: Torus>(keys: &EvaluationKeys<T>) -> Vec<c64> {
        let bsk = keys.bootstrap_key();
        bsk.ggsws()
            .iter()
            .flat_map(|g| g.as_slice().to_vec())
            .collect()
    }

    /// Every message through KS → PBS with the identity table decrypts to itself.
    fn assert_bootstraps_correctly(secret: &SecretKeys<u64>, eval: &EvaluationKeys<u64>) {
        let mut rng = EncryptionRng::insecure_from_u64(99);
        let lut = eval.lookup_table(|m| m).unwrap();
        let p = 1u64 << secret.params().message_bits;
        for m in 0..p {
            let ct = secret.encrypt(m, &mut rng);
            assert_eq!(secret.decrypt(&eval.bootstrap(&ct, &lut)), m);
        }
    }

    #[test]
    fn sizes_follow_the_documented_formulas() {
        for p in [&TOY, &SHE_MNIST, &MSG2_CARRY2] {
            let n = to_u64(p.lwe_dimension.0);
            let (k, big_n) = (to_u64(p.glwe_dimension.0), to_u64(p.polynomial_size.0));
            let (pbs, ks) = (to_u64(p.pbs_level_count.0), to_u64(p.ks_level_count.0));
            assert_eq!(secret_keys_len::<u64>(p).unwrap(), n + k * big_n);
            // GGSW ciphertexts: n classic, 3·⌊n/2⌋ + n mod 2 multi-bit.
            let ggsws = match p.blind_rotation {
                BlindRotation::Classic => n,
                BlindRotation::MultiBit => 3 * (n / 2) + n % 2,
            };
            let bsk = ggsws * (k + 1) * (k + 1) * pbs * (big_n / 2) * 16;
            let ksk = k * big_n * ks * (n + 1) * u64::from(p.ks_torus_bits / 8);
            assert_eq!(evaluation_keys_len::<u64>(p).unwrap(), bsk + ksk);
        }
        // SHE_MNIST (multi-bit, four levels, key switch on 32-bit words): 1,377 GGSW
        // ciphertexts, 373.0 MiB in all, as `she_nn::server` says.
        assert_eq!(
            evaluation_keys_len::<u64>(&SHE_MNIST).unwrap(),
            1377 * 4 * 4 * 1024 * 16 + 2048 * 4 * 919 * 4
        );
        // MSG2_CARRY2: 57.4 MiB each, as the README says.
        assert_eq!(
            evaluation_keys_len::<u64>(&MSG2_CARRY2).unwrap(),
            918 * 4 * 1024 * 16 + 2048 * 4 * 919 * 8
        );
        // Key-switching words: the torus width or 32 bits of a wider one, nothing else.
        let toy_64 = ParameterSet {
            ks_torus_bits: 64,
            ..TOY
        };
        let (full, rounded) = (
            evaluation_keys_len::<u64>(&toy_64).unwrap(),
            evaluation_keys_len::<u64>(&TOY).unwrap(),
        );
        assert_eq!(full - rounded, 512 * 5 * 65 * 4);
        for ks_torus_bits in [16, 48, 128] {
            let odd = ParameterSet {
                ks_torus_bits,
                ..TOY
            };
            assert!(evaluation_keys_len::<u64>(&odd).is_err(), "{ks_torus_bits}");
        }
        assert_eq!(lwe_ciphertext_len::<u64>(LweDimension(10)).unwrap(), 88);
        assert_eq!(lwe_ciphertext_len::<u32>(LweDimension(10)).unwrap(), 44);
    }

    #[test]
    fn secret_keys_round_trip_at_toy() {
        let (secret, _) = keys::<u64>(&TOY, 1);
        let bytes = secret_bytes(&secret);
        assert_eq!(to_u64(bytes.len()), secret_keys_len::<u64>(&TOY).unwrap());
        assert!(bytes.iter().all(|&b| b <= 1));
        let back: SecretKeys<u64> = read_secret_keys(&TOY, &mut bytes.as_slice()).unwrap();
        assert_eq!(back.small_lwe_key(), secret.small_lwe_key());
        assert_eq!(back.glwe_key(), secret.glwe_key());
        assert_eq!(back.big_lwe_key(), secret.big_lwe_key());
        assert_eq!(back.params(), secret.params());
    }

    #[test]
    fn evaluation_keys_round_trip_exactly_at_toy_and_still_bootstrap() {
        let (secret, eval) = keys::<u64>(&TOY, 2);
        let bytes = eval_bytes(&eval);
        assert_eq!(
            to_u64(bytes.len()),
            evaluation_keys_len::<u64>(&TOY).unwrap()
        );
        let back: EvaluationKeys<u64> = read_evaluation_keys(&TOY, &mut bytes.as_slice()).unwrap();
        // Bit-exact: same Fourier values in the same (process) order, same key-switching key.
        let (a, b) = (fourier_data(&eval), fourier_data(&back));
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.re.to_bits() == y.re.to_bits() && x.im.to_bits() == y.im.to_bits()));
        assert_eq!(a.len(), b.len());
        assert_eq!(back.keyswitch_key(), eval.keyswitch_key());
        assert_eq!(eval_bytes(&back), bytes);
        assert_bootstraps_correctly(&secret, &back);
    }

    #[test]
    fn keys_round_trip_at_she_mnist() {
        let (secret, eval) = keys::<u64>(&SHE_MNIST, 3);
        let bytes = secret_bytes(&secret);
        let back: SecretKeys<u64> = read_secret_keys(&SHE_MNIST, &mut bytes.as_slice()).unwrap();
        assert_eq!(back.glwe_key(), secret.glwe_key());
        assert_eq!(back.small_lwe_key(), secret.small_lwe_key());
        let bytes = eval_bytes(&eval);
        assert_eq!(
            to_u64(bytes.len()),
            evaluation_keys_len::<u64>(&SHE_MNIST).unwrap()
        );
        let back: EvaluationKeys<u64> =
            read_evaluation_keys(&SHE_MNIST, &mut bytes.as_slice()).unwrap();
        assert_eq!(eval_bytes(&back), bytes);
        let mut rng = EncryptionRng::insecure_from_u64(5);
        let lut = back.lookup_table(|m| (m * m + 1) % 16).unwrap();
        for m in [0, 3, 7, 15] {
            let ct = secret.encrypt(m, &mut rng);
            assert_eq!(secret.decrypt(&back.bootstrap(&ct, &lut)), (m * m + 1) % 16);
        }
    }

    /// A 32-bit variant of TOY (Gaussian noise, as TUniform bounds of TOY do not fit 32 bits).
    const TOY32: ParameterSet = ParameterSet {
        name: "TOY32",
        torus_bits: 32,
        lwe_noise: NoiseDistribution::Gaussian { std_dev: 1e-6 },
        glwe_noise: NoiseDistribution::Gaussian { std_dev: 1e-8 },
        pbs_base_log: DecompositionBaseLog(8),
        pbs_level_count: DecompositionLevelCount(2),
        ks_base_log: DecompositionBaseLog(3),
        ks_level_count: DecompositionLevelCount(5),
        ..TOY
    };

    #[test]
    fn a_32_bit_set_round_trips_with_4_byte_elements() {
        let (secret, eval) = keys::<u32>(&TOY32, 4);
        let bytes = secret_bytes(&secret);
        let back: SecretKeys<u32> = read_secret_keys(&TOY32, &mut bytes.as_slice()).unwrap();
        assert_eq!(back.glwe_key(), secret.glwe_key());
        let bytes = eval_bytes(&eval);
        assert_eq!(
            to_u64(bytes.len()),
            evaluation_keys_len::<u32>(&TOY32).unwrap()
        );
        let back: EvaluationKeys<u32> =
            read_evaluation_keys(&TOY32, &mut bytes.as_slice()).unwrap();
        assert_eq!(back.keyswitch_key(), eval.keyswitch_key());
        assert_eq!(eval_bytes(&back), bytes);
    }

    #[test]
    fn the_scalar_width_must_match_the_set() {
        let bytes = vec![0u8; 1 << 12];
        assert!(matches!(
            read_secret_keys::<u32, _>(&TOY, &mut bytes.as_slice()),
            Err(SerializationError::Tfhe(
                TfheError::TorusWidthMismatch { .. }
            ))
        ));
        assert!(matches!(
            read_evaluation_keys::<u32, _>(&TOY, &mut bytes.as_slice()),
            Err(SerializationError::Tfhe(
                TfheError::TorusWidthMismatch { .. }
            ))
        ));
        assert!(evaluation_keys_len::<u32>(&TOY).is_err());
    }

    #[test]
    fn every_truncation_of_secret_keys_is_reported() {
        let (secret, _) = keys::<u64>(&TOY, 6);
        let bytes = secret_bytes(&secret);
        for cut in 0..bytes.len() {
            assert!(matches!(
                read_secret_keys::<u64, _>(&TOY, &mut &bytes[..cut]),
                Err(SerializationError::Truncated("secret keys"))
            ));
        }
    }

    #[test]
    fn a_non_binary_secret_byte_is_rejected_wherever_it_is() {
        let (secret, _) = keys::<u64>(&TOY, 7);
        let bytes = secret_bytes(&secret);
        for index in 0..bytes.len() {
            for bad in [2u8, 0x80, 0xff] {
                let mut doctored = bytes.clone();
                doctored[index] = bad;
                match read_secret_keys::<u64, _>(&TOY, &mut doctored.as_slice()) {
                    Err(SerializationError::NonBinaryKey { index: i }) => assert_eq!(i, index),
                    other => panic!("byte {index} = {bad}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn truncated_evaluation_keys_are_reported_at_a_dense_sample_of_cuts() {
        let (_, eval) = keys::<u64>(&TOY, 8);
        let bytes = eval_bytes(&eval);
        let bsk = Layout::of::<u64>(&TOY).unwrap().bsk_bytes;
        let mut cuts: Vec<usize> = (0..bytes.len()).step_by(997).collect();
        cuts.extend([1, 15, 16, 17, bsk - 1, bsk, bsk + 1, bytes.len() - 1]);
        for cut in cuts {
            let expected = if cut < bsk {
                "bootstrapping key"
            } else {
                "key-switching key"
            };
            match read_evaluation_keys::<u64, _>(&TOY, &mut &bytes[..cut]) {
                Err(SerializationError::Truncated(what)) => assert_eq!(what, expected, "{cut}"),
                other => panic!("cut at {cut}: {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn non_finite_and_out_of_range_fourier_values_are_rejected() {
        let (_, eval) = keys::<u64>(&TOY, 9);
        let bytes = eval_bytes(&eval);
        let bound = fourier_bound(&TOY);
        let bsk_values = Layout::of::<u64>(&TOY).unwrap().bsk_bytes / 8;
        for index in [0, 1, 2, 255, 256, bsk_values / 2 + 1, bsk_values - 1] {
            for (value, non_finite) in [
                (f64::NAN, true),
                (f64::INFINITY, true),
                (f64::NEG_INFINITY, true),
                (bound * 2.0, false),
                (-bound * 1.5, false),
                (f64::MAX, false),
            ] {
                let mut doctored = bytes.clone();
                doctored[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
                let result = read_evaluation_keys::<u64, _>(&TOY, &mut doctored.as_slice());
                match result {
                    Err(SerializationError::NonFinite { index: i }) if non_finite => {
                        assert_eq!(i, index);
                    }
                    Err(SerializationError::OutOfRange { index: i }) if !non_finite => {
                        assert_eq!(i, index);
                    }
                    other => panic!("value {value} at {index}: {:?}", other.map(|_| ())),
                }
            }
        }
        // The largest value that can occur is accepted.
        let mut doctored = bytes.clone();
        doctored[..8].copy_from_slice(&bound.to_le_bytes());
        assert!(read_evaluation_keys::<u64, _>(&TOY, &mut doctored.as_slice()).is_ok());
    }

    #[test]
    fn every_stored_fourier_value_is_within_the_bound() {
        let (_, eval) = keys::<u64>(&TOY, 10);
        let bound = fourier_bound(&TOY) / core::f64::consts::SQRT_2;
        assert!(fourier_data(&eval)
            .iter()
            .all(|z| z.re.abs() <= bound && z.im.abs() <= bound));
    }

    #[test]
    fn unusable_parameter_sets_are_errors_not_panics() {
        let bytes = vec![0u8; 64];
        let odd_n = ParameterSet {
            polynomial_size: PolynomialSize(100),
            ..TOY
        };
        let huge = ParameterSet {
            lwe_dimension: LweDimension(usize::MAX / 2),
            glwe_dimension: GlweDimension(usize::MAX / 2),
            ..TOY
        };
        let bad_decomposition = ParameterSet {
            pbs_base_log: DecompositionBaseLog(40),
            ..TOY
        };
        let no_lwe = ParameterSet {
            lwe_dimension: LweDimension(0),
            ..TOY
        };
        for p in [&odd_n, &huge, &bad_decomposition, &no_lwe] {
            assert!(matches!(
                read_secret_keys::<u64, _>(p, &mut bytes.as_slice()),
                Err(SerializationError::Tfhe(_))
            ));
            assert!(matches!(
                read_evaluation_keys::<u64, _>(p, &mut bytes.as_slice()),
                Err(SerializationError::Tfhe(_))
            ));
            assert!(evaluation_keys_len::<u64>(p).is_err());
        }
        assert!(lwe_ciphertext_len::<u64>(LweDimension(usize::MAX)).is_err());
    }

    #[test]
    fn lwe_ciphertexts_round_trip_and_report_truncation() {
        let (secret, _) = keys::<u64>(&TOY, 11);
        let ct = secret.encrypt(3, &mut EncryptionRng::insecure_from_u64(12));
        let mut bytes = Vec::new();
        write_lwe_ciphertext(&ct, &mut bytes).unwrap();
        let dim = ct.lwe_dimension();
        assert_eq!(to_u64(bytes.len()), lwe_ciphertext_len::<u64>(dim).unwrap());
        let back: LweCiphertextOwned<u64> =
            read_lwe_ciphertext(dim, &mut bytes.as_slice()).unwrap();
        assert_eq!(back, ct);
        for cut in 0..bytes.len() {
            assert!(matches!(
                read_lwe_ciphertext::<u64, _>(dim, &mut &bytes[..cut]),
                Err(SerializationError::Truncated("LWE ciphertext"))
            ));
        }
    }

    #[test]
    fn io_errors_other_than_a_short_input_are_kept() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        assert!(matches!(
            read_secret_keys::<u64, _>(&TOY, &mut Failing),
            Err(SerializationError::Io(_))
        ));
    }

    /// The DFT `Z_m = Σ_j z_j·e^(−2πi·jm/n)`, computed directly.
    fn naive_dft(z: &[c64]) -> Vec<c64> {
        let n = z.len();
        (0..n)
            .map(|m| {
                z.iter().enumerate().fold(c64::default(), |acc, (j, &zj)| {
                    let angle = -2.0 * core::f64::consts::PI * ((j * m) % n) as f64 / n as f64;
                    acc + zj * c64::new(angle.cos(), angle.sin())
                })
            })
            .collect()
    }

    #[test]
    fn the_canonical_order_is_the_dft_order_for_every_plan() {
        let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(13));
        let algos = crate::fft::plan_choice::ALGORITHMS;
        for log_n in 1..=11u32 {
            let n = 1usize << log_n;
            let input: Vec<c64> = (0..n)
                .map(|_| {
                    let re = rng.random_torus::<u32>().to_signed() as f64;
                    let im = rng.random_torus::<u32>().to_signed() as f64;
                    c64::new(re, im)
                })
                .collect();
            let expected = naive_dft(&input);
            let scale = input.iter().map(|z| z.norm()).sum::<f64>();
            // The plan the cache would pick, then every base kernel concrete-fft accepts: the
            // whole size (up to 2^10), or any power of two from 32 up to 2^10 below it.
            let mut bases = vec![Fft::new(PolynomialSize(2 * n)).plan.algo()];
            for log_base in (1..=log_n.min(10)).filter(|&b| b == log_n || b >= 5) {
                bases.extend(algos.iter().map(|&algo| (algo, 1usize << log_base)));
            }
            for (base_algo, base_n) in bases {
                let plan = Plan::new(n, Method::UserProvided { base_algo, base_n });
                let base_n = plan.algo().1;
                let mut buf = input.clone();
                let mut memory = GlobalPodBuffer::new(plan.fft_scratch().unwrap());
                plan.fwd(&mut buf, PodStack::new(&mut memory));
                for (m, want) in expected.iter().enumerate() {
                    let got = buf[permuted_index(n, base_n, m)];
                    assert!(
                        (got - want).norm() <= 1e-9 * scale,
                        "n = {n}, base {base_n} ({base_algo:?}), m = {m}: {got:?} vs {want:?}"
                    );
                }
            }
        }
    }
}
