//! Operation counts of a bitwise circuit, counted while it is evaluated, and the SHE paper's
//! figures to compare them with.
//!
//! The counts come from the circuit actually run: every [`super::circuit::Circuit`] operation
//! increments them as it executes, after constant folding. Because which bits are known depends
//! on the model only (never on the data), the counts of an image are the same for every image
//! and every backend: the plaintext dry run ([`super::plaintext`]) gives exactly the encrypted
//! run's counts (a test checks it).

use std::ops::{Add, AddAssign};

/// What a circuit (a neuron, a layer, a network) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// Additions of two encrypted integers (the paper's CCAdd): adder circuits in the adder
    /// trees of convolutions, dense layers and sum pools.
    pub additions: u64,
    /// Additions of an encrypted integer and a constant (batch-norm biases, and the final
    /// negation `0 − x` of a sum of only negative terms).
    pub constant_additions: u64,
    /// Products by a power-of-two weight `±2^e` (the paper's PCShift): one per nonzero weight
    /// tap, a re-indexing of bits (zero weights are skipped and not counted).
    pub shifts: u64,
    /// Comparisons of two encrypted integers (the paper's CCCom): one per `max` of a max pool.
    pub comparisons: u64,
    /// ReLUs (sign gating and saturation).
    pub relus: u64,
    /// Bootstrapped two-input gates (AND, OR, XOR and their negated forms).
    pub gates: u64,
    /// Bootstrapped three-input majorities (the fast full adder's carry).
    pub majorities: u64,
    /// Bootstrapped three-input parities (the fast full adder's sum).
    pub parities: u64,
    /// MUXes (two bootstraps and one key switch each).
    pub muxes: u64,
}

impl OpCounts {
    /// Programmable bootstraps performed: every gate, majority and parity is one, a MUX is two.
    pub fn bootstraps(&self) -> u64 {
        self.gates + self.majorities + self.parities + 2 * self.muxes
    }

    /// Key switches performed (PBS → KS sets: one per gate, majority, parity and MUX).
    pub fn keyswitches(&self) -> u64 {
        self.gates + self.majorities + self.parities + self.muxes
    }
}

impl AddAssign for OpCounts {
    fn add_assign(&mut self, o: Self) {
        self.additions += o.additions;
        self.constant_additions += o.constant_additions;
        self.shifts += o.shifts;
        self.comparisons += o.comparisons;
        self.relus += o.relus;
        self.gates += o.gates;
        self.majorities += o.majorities;
        self.parities += o.parities;
        self.muxes += o.muxes;
    }
}

impl Add for OpCounts {
    type Output = Self;
    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

impl std::iter::Sum for OpCounts {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

/// The SHE paper's operation counts for its own MNIST model (Lou & Jiang, NeurIPS 2019,
/// Table 4, as quoted in this project's issue 6): totals for one image. The paper's network is
/// not this project's model (other layers and widths), so the two are compared side by side,
/// not equated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaperCounts {
    /// Ciphertext–ciphertext additions (CCAdd).
    pub additions: u64,
    /// Plaintext–ciphertext shifts (PCShift).
    pub shifts: u64,
    /// Ciphertext–ciphertext comparisons (CCCom).
    pub comparisons: u64,
    /// Gate operations.
    pub gates: u64,
}

/// Table 4 of the paper, MNIST: 19K CCAdd, 19K PCShift, 3K CCCom, 856K gate operations.
pub const PAPER_MNIST: PaperCounts = PaperCounts {
    additions: 19_000,
    shifts: 19_000,
    comparisons: 3_000,
    gates: 856_000,
};

/// The paper's latency figures for that model (as quoted in issue 6): a projection of 11K s
/// fully bootstrapped, and an estimate of 9.3 s on leveled TFHE. Neither was measured.
pub const PAPER_MNIST_SECONDS: (f64, f64) = (11_000.0, 9.3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_bootstraps() {
        let a = OpCounts {
            gates: 3,
            majorities: 2,
            parities: 1,
            muxes: 4,
            additions: 1,
            ..OpCounts::default()
        };
        assert_eq!(a.bootstraps(), 3 + 2 + 1 + 8);
        assert_eq!(a.keyswitches(), 3 + 2 + 1 + 4);
        let total: OpCounts = [a, a].into_iter().sum();
        assert_eq!(total.bootstraps(), 28);
        assert_eq!(total.additions, 2);
    }
}
