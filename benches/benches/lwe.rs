//! LWE-layer benchmarks at the real set `MSG2_CARRY2`: decomposition, encryption, key switching
//! (one ciphertext, one thread; and a rayon batch) and key-switching-key generation.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use tfhe_core::lwe::{LweCiphertext, LweCiphertextList, LweKeyswitchKey, LweSecretKey};
use tfhe_core::params::MSG2_CARRY2;
use torus::{Csprng, EncryptionRng, SignedDecomposer};

fn lwe(c: &mut Criterion) {
    let p = &MSG2_CARRY2;
    let mut secret_rng = Csprng::from_os_entropy();
    let mut rng = EncryptionRng::from_os_entropy();
    let big = LweSecretKey::<u64>::generate(p.big_lwe_dimension(), &mut secret_rng);
    let small = LweSecretKey::<u64>::generate(p.lwe_dimension, &mut secret_rng);
    let enc = p.encoding();

    let decomposer = SignedDecomposer::<u64>::new(p.ks_base_log, p.ks_level_count).unwrap();
    let mut digits = [0i64; 4];
    c.bench_function("decompose_ks_msg2_carry2", |b| {
        b.iter(|| decomposer.decompose_signed_into(black_box(0x1234_5678_9abc_def0), &mut digits))
    });

    c.bench_function("encrypt_lwe_2048_msg2_carry2", |b| {
        b.iter(|| big.encrypt(enc.encode(3), p.glwe_noise, &mut rng))
    });

    let mut group = c.benchmark_group("ksk_generation");
    group.sample_size(10);
    group.bench_function("msg2_carry2", |b| {
        b.iter(|| {
            LweKeyswitchKey::generate(
                &big,
                &small,
                p.ks_base_log,
                p.ks_level_count,
                p.lwe_noise,
                &mut rng,
            )
            .unwrap()
        })
    });
    group.finish();

    let ksk = LweKeyswitchKey::generate(
        &big,
        &small,
        p.ks_base_log,
        p.ks_level_count,
        p.lwe_noise,
        &mut rng,
    )
    .unwrap();
    let input = big.encrypt(enc.encode(5), p.glwe_noise, &mut rng);
    let mut out = LweCiphertext::zero(p.lwe_dimension);
    c.bench_function("keyswitch_msg2_carry2", |b| {
        b.iter(|| ksk.keyswitch(&mut out, black_box(&input)))
    });

    let batch = 64;
    let mut inputs = LweCiphertextList::<Vec<u64>>::zero(batch, p.big_lwe_dimension());
    for mut ct in inputs.iter_mut() {
        big.encrypt_into(&mut ct, enc.encode(1), p.glwe_noise, &mut rng);
    }
    let mut group = c.benchmark_group("keyswitch_batch");
    group.throughput(Throughput::Elements(batch as u64));
    group.sample_size(10);
    group.bench_function("msg2_carry2_rayon", |b| {
        b.iter_batched_ref(
            || LweCiphertextList::<Vec<u64>>::zero(batch, p.lwe_dimension),
            |outputs| ksk.par_keyswitch_list(outputs, &inputs),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, lwe);
criterion_main!(benches);
