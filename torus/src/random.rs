//! Cryptographically secure randomness: ChaCha20 (RFC 8439 core, via `rand_chacha`) seeded from the
//! operating system.
//!
//! Encryption draws from two *separate* streams: the mask stream (the uniform `a` of each
//! ciphertext) and the noise stream (the error `e`). A mask stream is a pure function of its seed,
//! so a ciphertext or key can later be stored as `(seed, b)` and its mask regenerated; the noise
//! stream has its own independent seed and is never derivable from the mask seed.

use crate::scalar::Torus;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 256-bit ChaCha20 seed. Zeroized on drop; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Seed(pub [u8; 32]);

impl core::fmt::Debug for Seed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

impl Seed {
    /// 32 bytes from the operating system's entropy source.
    ///
    /// # Panics
    /// If the operating system cannot provide entropy (there is no safe way to continue).
    pub fn from_os_entropy() -> Self {
        let mut bytes = [0u8; 32];
        rand_core::OsRng
            .try_fill_bytes(&mut bytes)
            .expect("the operating system entropy source failed");
        Seed(bytes)
    }

    /// A seed expanded from a 64-bit value. **For tests and reproducible examples only**: 64 bits
    /// of entropy are not enough for keys.
    pub fn insecure_from_u64(value: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&value.to_le_bytes());
        bytes[8..16].copy_from_slice(b"insecure");
        Seed(bytes)
    }
}

use rand_core::TryRngCore as _;

/// A ChaCha20 stream.
///
/// Implements [`RngCore`] so `rand_distr` samplers can draw from it.
pub struct Csprng {
    inner: ChaCha20Rng,
}

impl core::fmt::Debug for Csprng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Csprng(<redacted>)")
    }
}

impl Csprng {
    /// A stream seeded by the operating system.
    pub fn from_os_entropy() -> Self {
        Self::from_seed(&Seed::from_os_entropy())
    }

    /// The stream determined by `seed`.
    pub fn from_seed(seed: &Seed) -> Self {
        Self {
            inner: ChaCha20Rng::from_seed(seed.0),
        }
    }

    /// A child stream seeded by 32 bytes of this one: deterministic given this stream's seed, and
    /// independent of it in practice. Used to give each rayon task its own stream so that parallel
    /// key generation is reproducible.
    pub fn fork(&mut self) -> Self {
        let mut seed = Seed([0; 32]);
        self.inner.fill_bytes(&mut seed.0);
        Self::from_seed(&seed)
    }

    /// A uniform torus element.
    #[inline]
    pub fn random_torus<T: Torus>(&mut self) -> T {
        T::from_random_u64(self.inner.next_u64())
    }

    /// Fills `out` with uniform torus elements.
    pub fn fill_uniform<T: Torus>(&mut self, out: &mut [T]) {
        for x in out {
            *x = self.random_torus();
        }
    }

    /// Fills `out` with uniform bits (0 or 1), 64 bits per draw.
    pub fn fill_binary<T: Torus>(&mut self, out: &mut [T]) {
        for chunk in out.chunks_mut(64) {
            let mut word = self.inner.next_u64();
            for x in chunk {
                *x = T::from_u64_wrapping(word & 1);
                word >>= 1;
            }
        }
    }
}

impl RngCore for Csprng {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.inner.fill_bytes(dst)
    }
}

impl Drop for Csprng {
    fn drop(&mut self) {
        // Best effort: overwrite the key schedule in place. ChaCha20Rng does not implement
        // `Zeroize`, so replace it with the all-zero-seed state and keep the store observable.
        self.inner = ChaCha20Rng::from_seed([0; 32]);
        core::hint::black_box(&self.inner);
    }
}

/// The randomness of encryption: a mask stream and an independent noise stream.
#[derive(Debug)]
pub struct EncryptionRng {
    mask: Csprng,
    noise: Csprng,
}

impl EncryptionRng {
    /// Both streams seeded independently by the operating system.
    pub fn from_os_entropy() -> Self {
        Self::from_seeds(&Seed::from_os_entropy(), &Seed::from_os_entropy())
    }

    /// The streams determined by two seeds. The mask seed may be published (compressed
    /// ciphertexts); the noise seed must stay secret.
    pub fn from_seeds(mask_seed: &Seed, noise_seed: &Seed) -> Self {
        Self {
            mask: Csprng::from_seed(mask_seed),
            noise: Csprng::from_seed(noise_seed),
        }
    }

    /// Both streams from one 64-bit value. **For tests and reproducible examples only.**
    pub fn insecure_from_u64(value: u64) -> Self {
        Self::from_seeds(
            &Seed::insecure_from_u64(value),
            &Seed::insecure_from_u64(value ^ 0x9e37_79b9_7f4a_7c15),
        )
    }

    /// A child whose mask stream forks this mask stream and whose noise stream forks this noise
    /// stream, keeping the two independent.
    pub fn fork(&mut self) -> Self {
        Self {
            mask: self.mask.fork(),
            noise: self.noise.fork(),
        }
    }

    /// `count` children, in order (for one-task-per-chunk parallel generation).
    pub fn fork_many(&mut self, count: usize) -> Vec<Self> {
        (0..count).map(|_| self.fork()).collect()
    }

    /// The mask stream.
    pub fn mask(&mut self) -> &mut Csprng {
        &mut self.mask
    }

    /// The noise stream.
    pub fn noise(&mut self) -> &mut Csprng {
        &mut self.noise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_are_reproducible_and_distinct() {
        let mut a = EncryptionRng::insecure_from_u64(7);
        let mut b = EncryptionRng::insecure_from_u64(7);
        let xa: Vec<u64> = (0..4).map(|_| a.mask().random_torus()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.mask().random_torus()).collect();
        assert_eq!(xa, xb);
        let na: Vec<u64> = (0..4).map(|_| a.noise().random_torus()).collect();
        assert_ne!(xa, na, "mask and noise streams must differ");
        let mut c = Csprng::from_os_entropy();
        let mut d = Csprng::from_os_entropy();
        assert_ne!(c.next_u64(), d.next_u64());
    }

    #[test]
    fn binary_fill_is_balanced() {
        let mut rng = Csprng::from_seed(&Seed::insecure_from_u64(1));
        let mut bits = vec![0u64; 100_000];
        rng.fill_binary(&mut bits);
        assert!(bits.iter().all(|&b| b <= 1));
        let ones = bits.iter().sum::<u64>() as f64;
        // mean 50,000, std dev 158: a 6σ window
        assert!((ones - 50_000.0).abs() < 950.0, "ones = {ones}");
    }

    #[test]
    fn debug_never_prints_seed_material() {
        let s = format!("{:?}", Seed([0xab; 32]));
        assert!(!s.contains("171") && !s.contains("ab"), "{s}");
    }
}
