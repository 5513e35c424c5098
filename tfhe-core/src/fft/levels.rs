//! Inner products over a **prefix of the decomposition levels**: a cheaper, noisier external
//! product with the same key.
//!
//! Row `(i, j)` of a GGSW ciphertext with decomposition `(B, ℓ)` (`j = 1..=ℓ`, row index
//! `r = i·ℓ + j − 1`) encrypts `M` times the gadget value `q/B^j` in component `i`. Its rows with
//! `j ≤ ℓ'` are therefore exactly a GGSW ciphertext of the same message with decomposition
//! `(B, ℓ')`: an external product may round its input to `ℓ' < ℓ` levels, transform only those
//! digits and read only those rows. It costs `ℓ'/ℓ` of the forward transforms, the decomposition
//! and the inner product (the `k + 1` backward transforms stay), and its noise is that of a key
//! with decomposition `(B, ℓ')` ([`crate::noise::external_product_variance`] at `ℓ'`): the key
//! term shrinks by `ℓ'/ℓ`, the rounding term `Var(ε) ≈ q²·B^(−2ℓ')/12` grows by `B^(2(ℓ−ℓ'))`.
//! A bootstrap whose output only has to be *read* again at a coarse precision — the sign
//! bootstrap of a peel in [`crate::wide`], whose output is subtracted from a window at the
//! window's own scale — can afford that growth; a bootstrap whose output is summed into a wide
//! accumulator cannot. (Choosing a decomposition per bootstrap is the parameter optimisation of
//! Bergerat et al., *"Parameter Optimization and Larger Precision for (T)FHE"*, J. Cryptology
//! 2023; here the shorter decompositions come from one key.)
//!
//! Digits stay at their places `r = i·ℓ + j − 1` in the digit buffer; the digits of levels
//! `j > ℓ'` are neither read nor written.

/// For each problem of a batched inner product ([`super::multi_bit_dot_batch`]), how many of the
/// key's `ℓ` decomposition levels it uses (`1 ≤ ℓ'_b ≤ ℓ`); see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelPrefixes<'a> {
    levels: usize,
    used: &'a [usize],
}

impl LevelPrefixes<'static> {
    /// One problem that reads every row (each row counted as its own one-level component):
    /// [`super::multi_bit_dot`], and any inner product without a prefix.
    pub const ONE_WITH_ALL_ROWS: Self = Self {
        levels: 1,
        used: &[1],
    };
}

impl<'a> LevelPrefixes<'a> {
    /// Problem `b` uses the first `used[b]` of the key's `levels` levels; `None` unless
    /// `1 ≤ used[b] ≤ levels` for every `b` and there is at least one problem.
    pub fn new(levels: usize, used: &'a [usize]) -> Option<Self> {
        let valid = !used.is_empty() && used.iter().all(|&u| (1..=levels).contains(&u));
        valid.then_some(Self { levels, used })
    }

    /// The key's level count `ℓ`.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The number of problems.
    pub fn batch(&self) -> usize {
        self.used.len()
    }

    /// `ℓ'_b`: the levels problem `b` uses.
    ///
    /// # Panics
    /// If `b` is not a problem of the batch.
    pub fn used(&self, b: usize) -> usize {
        self.used[b]
    }

    /// The rows (and digit polynomials) problem `b` uses, in the order its sums visit them: every
    /// `r = i·ℓ + j` with `j < ℓ'_b`, for the `row_count / ℓ` GGSW components `i`. With all
    /// levels it is `0..row_count`.
    pub fn rows(&self, b: usize, row_count: usize) -> impl Iterator<Item = usize> + Clone {
        let (levels, used) = (self.levels, self.used[b]);
        (0..row_count / levels).flat_map(move |i| (0..used).map(move |j| i * levels + j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_validated_and_list_their_rows() {
        assert!(LevelPrefixes::new(4, &[]).is_none());
        assert!(LevelPrefixes::new(4, &[0]).is_none());
        assert!(LevelPrefixes::new(4, &[4, 5]).is_none());
        let used = [4, 2, 1];
        let p = LevelPrefixes::new(4, &used).unwrap();
        assert_eq!((p.levels(), p.batch(), p.used(1)), (4, 3, 2));
        assert_eq!(p.rows(0, 8).collect::<Vec<_>>(), (0..8).collect::<Vec<_>>());
        assert_eq!(p.rows(1, 8).collect::<Vec<_>>(), [0, 1, 4, 5]);
        assert_eq!(p.rows(2, 12).collect::<Vec<_>>(), [0, 4, 8]);
        let all = LevelPrefixes::ONE_WITH_ALL_ROWS;
        assert_eq!(all.batch(), 1);
        assert_eq!(
            all.rows(0, 6).collect::<Vec<_>>(),
            (0..6).collect::<Vec<_>>()
        );
    }
}
