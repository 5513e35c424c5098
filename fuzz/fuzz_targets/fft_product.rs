//! The FFT negacyclic product against the schoolbook oracle on arbitrary polynomials: within a
//! bound on 64 bits, exact on 32 bits for small operands (where f64 cannot round wrongly).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tfhe_core::fft::negacyclic_product;
use torus::{Polynomial, Torus};

fn naive<T: Torus>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Polynomial::<Vec<T>>::zero(torus::PolynomialSize(a.len()));
    out.assign_naive_negacyclic_product(
        &Polynomial::from_container(a.to_vec()),
        &Polynomial::from_container(b.to_vec()),
    );
    out.into_container()
}

fuzz_target!(|input: (u8, Vec<u64>, Vec<i16>)| {
    let (log_n, a, d) = input;
    let log_n = 2 + u32::from(log_n % 9); // N = 4 … 1024
    let n = 1usize << log_n;
    if a.len() < n || d.len() < n {
        return;
    }
    let a = &a[..n];
    let d64: Vec<u64> = d[..n].iter().map(|&x| i64::from(x) as u64).collect();
    let max_d = d[..n]
        .iter()
        .map(|&x| i64::from(x).unsigned_abs())
        .max()
        .unwrap_or(0);
    // |error| ≤ N·max|d|·2^(63−53)·(log2 N + 1)·4 integer units (f64 rounding through log N stages).
    let bound = (n as u64 * max_d.max(1)) << 12;
    let bound = bound.saturating_mul(u64::from(log_n) + 1);
    for (x, y) in negacyclic_product(a, &d64).iter().zip(naive(a, &d64)) {
        assert!(x.wrapping_sub(y).to_signed().unsigned_abs() <= bound);
    }
    if n <= 256 {
        // 32-bit operands with 7-bit digits: every partial sum < 2^46, so the FFT is exact.
        let a32: Vec<u32> = a.iter().map(|&x| x as u32).collect();
        let d32: Vec<u32> = d[..n].iter().map(|&x| i32::from(x % 128) as u32).collect();
        assert_eq!(negacyclic_product(&a32, &d32), naive(&a32, &d32));
    }
});
