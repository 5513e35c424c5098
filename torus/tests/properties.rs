//! Property tests of the torus primitives against independent oracles (u128 rational arithmetic,
//! the schoolbook product).

use proptest::prelude::*;
use torus::{
    DecompositionBaseLog, DecompositionLevelCount, Encoding, Polynomial, PolynomialSize,
    SignedDecomposer, Torus,
};

/// Closest multiple of `2^(w − total)` to `x`, ties up, reduced mod `2^w`: exact in u128.
fn closest_representable(x: u64, width: u32, total: u32) -> u64 {
    let unit = 1u128 << (width - total);
    let rounded = (u128::from(x) + unit / 2) / unit * unit;
    (rounded % (1u128 << width)) as u64
}

/// Every valid (β, ℓ) for a width, β ≤ 63.
fn valid_pairs(width: u32) -> Vec<(u32, usize)> {
    (1..=width.min(63))
        .flat_map(|b| (1..=(width / b) as usize).map(move |l| (b, l)))
        .collect()
}

fn check_decomposition<T: Torus>(x: T, base_log: u32, level_count: usize) {
    let d = SignedDecomposer::<T>::new(
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(level_count),
    )
    .unwrap();
    let mut signed = vec![0i64; level_count];
    d.decompose_signed_into(x, &mut signed);
    let half = 1i64 << (base_log - 1);
    assert!(signed.iter().all(|v| (-half..=half).contains(v)));
    let expected = closest_representable(x.to_u64(), T::BITS, base_log * level_count as u32);
    assert_eq!(d.recompose_signed(&signed).to_u64(), expected);
    assert_eq!(d.closest_representable(x).to_u64(), expected);
    let mut wrapped = vec![T::ZERO; level_count];
    d.decompose_into(x, &mut wrapped);
    assert_eq!(d.recompose(&wrapped).to_u64(), expected);
}

#[test]
fn decomposition_every_valid_pair_both_widths() {
    // Deterministic sweep: every (β, ℓ) at w = 32 and w = 64 on edge values and a pseudo-random
    // sequence (splitmix64); proptest below adds random exploration.
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for (b, l) in valid_pairs(32) {
        for x in [0u32, 1, u32::MAX, 1 << 31, (1 << 31) - 1] {
            check_decomposition(x, b, l);
        }
        for _ in 0..200 {
            check_decomposition(next() as u32, b, l);
        }
    }
    for (b, l) in valid_pairs(64) {
        for x in [0u64, 1, u64::MAX, 1 << 63, (1 << 63) - 1] {
            check_decomposition(x, b, l);
        }
        for _ in 0..200 {
            check_decomposition(next(), b, l);
        }
    }
}

fn pair_strategy(width: u32) -> impl Strategy<Value = (u32, usize)> {
    let pairs = valid_pairs(width);
    (0..pairs.len()).prop_map(move |i| pairs[i])
}

proptest! {
    #[test]
    fn decomposition_u64(x in any::<u64>(), (b, l) in pair_strategy(64)) {
        check_decomposition(x, b, l);
    }

    #[test]
    fn decomposition_u32(x in any::<u32>(), (b, l) in pair_strategy(32)) {
        check_decomposition(x, b, l);
    }

    #[test]
    fn encoding_round_trip_u64(
        b in 1u32..16, pad in 0u32..2, m in any::<u64>(), noise_frac in -0.499f64..0.499
    ) {
        let enc = Encoding::new::<u64>(b, pad).unwrap();
        let m = m % enc.message_modulus();
        let delta = enc.delta::<u64>() as f64;
        let e = (noise_frac * delta) as i64;
        let x = enc.encode::<u64>(m).wrapping_add(u64::from_i64_wrapping(e));
        prop_assert_eq!(enc.decode(x), m);
        prop_assert_eq!(enc.noise_of(x), e);
    }

    #[test]
    fn encoding_round_trip_u32(b in 1u32..12, pad in 0u32..2, m in any::<i64>()) {
        let enc = Encoding::new::<u32>(b, pad).unwrap();
        let p = enc.message_modulus() as i64;
        let m = m.rem_euclid(p) - p / 2;
        prop_assert_eq!(enc.decode_signed(enc.encode_signed::<u32>(m)), m);
    }

    #[test]
    fn monomials_compose(
        log_n in 1u32..8, a in 0usize..256, b in 0usize..256, seed in any::<u64>()
    ) {
        let n = 1usize << log_n;
        let (a, b) = (a % (2 * n), b % (2 * n));
        let p = Polynomial::from_container(
            (0..n as u64).map(|i| seed.wrapping_mul(i + 1)).collect::<Vec<_>>(),
        );
        let mut once = Polynomial::zero(PolynomialSize(n));
        once.assign_monomial_product(&p, (a + b) % (2 * n));
        let mut first = Polynomial::zero(PolynomialSize(n));
        first.assign_monomial_product(&p, a);
        let mut twice = Polynomial::zero(PolynomialSize(n));
        twice.assign_monomial_product(&first, b);
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn fused_rotation_minus_input_matches_oracle(log_n in 1u32..8, k in 0usize..256, seed in any::<u64>()) {
        let n = 1usize << log_n;
        let k = k % (2 * n);
        let p = Polynomial::from_container(
            (0..n as u64).map(|i| seed.wrapping_mul(i + 3)).collect::<Vec<_>>(),
        );
        // Oracle: X^k as a ring element times p by the schoolbook product, minus p.
        let mut mono = Polynomial::<Vec<u64>>::zero(PolynomialSize(n));
        if k < n { mono.coeffs_mut()[k] = 1 } else { mono.coeffs_mut()[k - n] = u64::MAX }
        let mut expected = Polynomial::zero(PolynomialSize(n));
        expected.assign_naive_negacyclic_product(&mono, &p);
        expected.sub_assign(&p);
        let mut got = Polynomial::zero(PolynomialSize(n));
        got.assign_monomial_product_minus_input(&p, k);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn naive_product_is_a_commutative_ring_product(
        log_n in 0u32..6, seed_a in any::<u32>(), seed_b in any::<u32>(), seed_c in any::<u32>()
    ) {
        let n = 1usize << log_n;
        let gen = |s: u32| Polynomial::from_container(
            (0..n as u32).map(|i| s.wrapping_mul(2 * i + 1) ^ (i << 7)).collect::<Vec<_>>(),
        );
        let (a, b, c) = (gen(seed_a), gen(seed_b), gen(seed_c));
        let mut ab = Polynomial::zero(PolynomialSize(n));
        ab.assign_naive_negacyclic_product(&a, &b);
        let mut ba = Polynomial::zero(PolynomialSize(n));
        ba.assign_naive_negacyclic_product(&b, &a);
        prop_assert_eq!(&ab, &ba);
        // a·(b + c) = a·b + a·c
        let mut b_plus_c = b.clone();
        b_plus_c.add_assign(&c);
        let mut lhs = Polynomial::zero(PolynomialSize(n));
        lhs.assign_naive_negacyclic_product(&a, &b_plus_c);
        let mut ac = Polynomial::zero(PolynomialSize(n));
        ac.assign_naive_negacyclic_product(&a, &c);
        let mut rhs = ab.clone();
        rhs.add_assign(&ac);
        prop_assert_eq!(&lhs, &rhs);
        rhs.sub_assign(&ac);
        prop_assert_eq!(rhs, ab);
    }
}
