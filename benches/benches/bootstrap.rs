//! Criterion benchmarks of the bootstrapping stack, one thread (latency) unless a group says
//! "throughput" (a rayon batch over all cores, reported per ciphertext):
//!
//! * `fft/{forward,backward}/N` for N = 512 … 16384;
//! * `external_product`, `cmux`, `blind_rotate`, `pbs`, `ks_pbs` at `MSG2_CARRY2` (KS → PBS);
//! * `pbs_ks` and every gate (`gate/*`, MUX included) at `BOOLEAN_128` (PBS → KS);
//! * `keygen/*`: evaluation-key generation per set;
//! * `throughput/ks_pbs_batch`: `par_bootstrap` over a batch.
//!
//! `cargo bench -p she-benches --bench bootstrap [-- FILTER]`; `she bench` gives quick medians.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dyn_stack::{GlobalPodBuffer, PodStack, ReborrowMut, StackReq};
use std::hint::black_box;
use std::time::Duration;
use tfhe_core::bootstrap::BlindRotationKey;
use tfhe_core::dimensions::PolynomialSize;
use tfhe_core::fft::{c64, Fft};
use tfhe_core::gates::Gate;
use tfhe_core::ggsw::{
    add_external_product_assign, cmux_assign, cmux_scratch_requirement,
    external_product_scratch_requirement,
};
use tfhe_core::glwe::GlweCiphertext;
use tfhe_core::keys::SecretKeys;
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList};
use tfhe_core::params::{BOOLEAN_128, MSG2_CARRY2};
use torus::{Csprng, EncryptionRng};

fn fft(c: &mut Criterion) {
    let mut group = c.benchmark_group("fft");
    for log_n in 9..=14 {
        let n = 1usize << log_n;
        let fft = Fft::new(PolynomialSize(n));
        let req = StackReq::any_of([
            fft.forward_scratch_requirement().unwrap(),
            fft.backward_scratch_requirement().unwrap(),
        ]);
        let mut mem = GlobalPodBuffer::new(req);
        let mut stack = PodStack::new(&mut mem);
        let mut rng = Csprng::from_os_entropy();
        let mut poly = vec![0u64; n];
        rng.fill_uniform(&mut poly);
        let mut fourier = vec![c64::default(); n / 2];
        group.bench_with_input(BenchmarkId::new("forward", n), &n, |b, _| {
            b.iter(|| fft.forward_as_torus(&mut fourier, black_box(&poly), stack.rb_mut()))
        });
        group.bench_with_input(BenchmarkId::new("backward", n), &n, |b, _| {
            b.iter(|| fft.backward_as_torus(&mut poly, &mut fourier, stack.rb_mut()))
        });
    }
    group.finish();
}

fn integer_set(c: &mut Criterion) {
    let p = &MSG2_CARRY2;
    let sk = SecretKeys::<u64>::generate(p, &mut Csprng::from_os_entropy()).unwrap();
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    let (fft, bsk) = (ek.fft(), ek.bootstrap_key());
    let req = StackReq::any_of([
        bsk.blind_rotate_scratch_requirement(fft).unwrap(),
        cmux_scratch_requirement::<u64>(2, 1, fft).unwrap(),
        external_product_scratch_requirement::<u64>(2, 1, fft).unwrap(),
    ]);
    let mut mem = GlobalPodBuffer::new(req);
    let mut stack = PodStack::new(&mut mem);
    let mut glwe = GlweCiphertext::<Vec<u64>>::zero(p.glwe_dimension, p.polynomial_size);
    rng.mask().fill_uniform(glwe.as_mut_slice());
    let mut acc = glwe.clone();

    let mut group = c.benchmark_group("MSG2_CARRY2");
    group.bench_function("external_product", |b| {
        b.iter(|| {
            add_external_product_assign(&mut acc, &bsk.ggsws()[0], &glwe, fft, stack.rb_mut())
        })
    });
    group.bench_function("cmux", |b| {
        b.iter(|| cmux_assign(&mut acc, &glwe, &bsk.ggsws()[0], fft, stack.rb_mut()))
    });
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    let small = sk
        .small_lwe_key()
        .encrypt(p.encoding().encode(3), p.lwe_noise, &mut rng);
    group.bench_function("blind_rotate", |b| {
        b.iter(|| bsk.blind_rotate_assign(&mut acc, small.mask(), fft, stack.rb_mut()))
    });
    let lut = ek.lookup_table(|m| (m + 1) % 16).unwrap();
    let mut buffers = ek.buffers();
    let mut out = LweCiphertext::zero(p.big_lwe_dimension());
    group.bench_function("pbs", |b| {
        b.iter(|| ek.bootstrap_only(&mut out, &small, &lut, &mut buffers))
    });
    let big = sk.encrypt(5, &mut rng);
    group.bench_function("ks_pbs", |b| {
        b.iter(|| ek.keyswitch_bootstrap(&mut out, &big, &lut, &mut buffers))
    });
    group.bench_function("keygen_evaluation_keys", |b| {
        b.iter(|| sk.generate_evaluation_keys(&mut rng).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("throughput");
    let count = 8 * std::thread::available_parallelism().map_or(1, usize::from);
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(count, p.big_lwe_dimension());
    for mut ct in inputs.iter_mut() {
        ct.copy_from(&sk.encrypt(1, &mut rng));
    }
    let mut outputs = LweCiphertextList::<Vec<u64>>::zero(count, p.big_lwe_dimension());
    group.throughput(Throughput::Elements(count as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("ks_pbs_batch_MSG2_CARRY2", |b| {
        b.iter(|| ek.par_bootstrap(&mut outputs, &inputs, &lut))
    });
    group.finish();
}

fn boolean_set(c: &mut Criterion) {
    let p = &BOOLEAN_128;
    let sk = SecretKeys::<u32>::generate(p, &mut Csprng::from_os_entropy()).unwrap();
    let mut rng = EncryptionRng::from_os_entropy();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    let (a, b_ct, c_ct) = (
        sk.encrypt_bool(true, &mut rng),
        sk.encrypt_bool(false, &mut rng),
        sk.encrypt_bool(true, &mut rng),
    );
    let mut buffers = ek.buffers();
    let mut group = c.benchmark_group("BOOLEAN_128");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let lut = ek.gate_lookup_table();
    let mut out = LweCiphertext::zero(p.lwe_dimension);
    group.bench_function("pbs_ks", |bench| {
        bench.iter(|| ek.bootstrap_keyswitch(&mut out, &a, lut, &mut buffers))
    });
    for gate in Gate::ALL {
        group.bench_function(format!("gate/{gate:?}"), |bench| {
            bench.iter(|| ek.gate(gate, &a, &b_ct, &mut buffers))
        });
    }
    group.bench_function("gate/Mux", |bench| {
        bench.iter(|| ek.mux(&a, &b_ct, &c_ct, &mut buffers))
    });
    group.bench_function("keygen_evaluation_keys", |bench| {
        bench.iter(|| sk.generate_evaluation_keys(&mut rng).unwrap())
    });
    group.finish();
}

criterion_group!(benches, fft, integer_set, boolean_set);
criterion_main!(benches);
