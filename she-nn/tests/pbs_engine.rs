//! The PBS engine against the integer reference: every layer's encrypted output must decrypt to
//! exactly the reference's values.
//!
//! Random small networks run at `TOY` (**insecure**, for speed); a tiny network runs at the real
//! `SHE_MNIST` set. (Whole MNIST images at `SHE_MNIST` run in `she demo` and `she eval`.) Both
//! run with the engine's default bootstrap batching; a further test checks that every batch size
//! gives the same ciphertexts, bit for bit, as unbatched bootstrapping.

use she_nn::model::{BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, Pool2d, Relu, Shape};
use she_nn::pbs::PbsEngine;
use she_nn::quantize::{quantize_pixel, WeightCode};
use she_nn::reference;
use tfhe_core::keys::{EvaluationKeys, SecretKeys};
use tfhe_core::params::{BlindRotation, ParameterSet, SHE_MNIST, TOY};
use tfhe_core::wide::{decode, encode};
use torus::{Csprng, EncryptionRng, Seed};

const INPUT_SCALE: u32 = 36;

/// SplitMix64, for reproducible test networks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn weights(&mut self, count: usize, max_exponent: u32) -> Vec<WeightCode> {
        (0..count)
            .map(|_| {
                if self.below(5) == 0 {
                    WeightCode::ZERO
                } else {
                    let e = self.below(u64::from(max_exponent) + 1) as u32;
                    WeightCode::power_of_two(e, self.below(2) == 0).unwrap()
                }
            })
            .collect()
    }

    fn batch_norm(&mut self, channels: usize, shift: (u32, u32), bias: i64) -> BatchNorm {
        BatchNorm {
            shift: (0..channels)
                .map(|_| shift.0 + self.below(u64::from(shift.1 - shift.0) + 1) as u32)
                .collect(),
            bias: (0..channels)
                .map(|_| self.below(2 * bias as u64 + 1) as i64 - bias)
                .collect(),
        }
    }
}

/// Conv → sum pool → BN → ReLU → conv → BN → ReLU → max pool → flatten → dense → BN → ReLU →
/// dense: every layer kind the engine supports.
fn small_cnn(seed: u64) -> Model {
    let mut rng = Rng(seed);
    let layers = vec![
        Layer::Conv2d(Conv2d {
            in_channels: 1,
            out_channels: 2,
            kernel: 3,
            stride: 1,
            padding: 1,
            weights: rng.weights(2 * 9, 3),
        }),
        Layer::SumPool2d(Pool2d { size: 2, stride: 2 }),
        Layer::BatchNorm(rng.batch_norm(2, (6, 9), 300)),
        Layer::Relu(Relu { bits: 4 }),
        Layer::Conv2d(Conv2d {
            in_channels: 2,
            out_channels: 3,
            kernel: 2,
            stride: 1,
            padding: 0,
            weights: rng.weights(3 * 2 * 4, 2),
        }),
        Layer::BatchNorm(rng.batch_norm(3, (1, 4), 20)),
        Layer::Relu(Relu { bits: 3 }),
        Layer::MaxPool2d(Pool2d { size: 2, stride: 1 }),
        Layer::Flatten,
        Layer::Dense(Dense {
            inputs: 3 * 2 * 2,
            outputs: 4,
            weights: rng.weights(4 * 12, 3),
        }),
        Layer::BatchNorm(rng.batch_norm(4, (0, 3), 10)),
        Layer::Relu(Relu { bits: 4 }),
        Layer::Dense(Dense {
            inputs: 4,
            outputs: 3,
            weights: rng.weights(3 * 4, 4),
        }),
    ];
    Model {
        name: format!("test-{seed}"),
        input: InputSpec {
            shape: Shape {
                channels: 1,
                height: 8,
                width: 8,
            },
            bits: 8,
        },
        layers,
    }
}

fn keys(p: &ParameterSet, seed: u64) -> (SecretKeys<u64>, EvaluationKeys<u64>) {
    let mut secret_rng = Csprng::from_seed(&Seed::insecure_from_u64(seed));
    let mut rng = EncryptionRng::insecure_from_u64(seed + 1);
    let sk = SecretKeys::generate(p, &mut secret_rng).unwrap();
    let ek = sk.generate_evaluation_keys(&mut rng).unwrap();
    (sk, ek)
}

/// Encrypts, infers with every layer traced, and compares each layer with the reference.
fn check_exact(model: &Model, sk: &SecretKeys<u64>, ek: &EvaluationKeys<u64>, image: &[u8]) {
    let mut rng = EncryptionRng::insecure_from_u64(image.iter().map(|&p| u64::from(p)).sum());
    let bits = model.input.bits;
    let pixels: Vec<_> = image
        .iter()
        .map(|&p| sk.encrypt_plaintext(encode(quantize_pixel(p, bits), INPUT_SCALE), &mut rng))
        .collect();
    let engine = PbsEngine::new(ek, model, INPUT_SCALE).unwrap();
    let (inference, trace) = engine
        .infer_traced(&pixels, bits, INPUT_SCALE, &|_| {})
        .unwrap();
    let expected = reference::forward(model, image).unwrap();
    assert_eq!(trace.len(), expected.layers.len());
    for (i, (encrypted, plain)) in trace.iter().zip(&expected.layers).enumerate() {
        if engine.plan().fused[i] {
            // A batch norm evaluated together with its ReLU: its entry holds the ReLU's output,
            // compared at the next layer.
            continue;
        }
        let decrypted: Vec<i64> = encrypted
            .iter()
            .map(|c| decode(sk.ciphertext_key().phase(&c.ciphertext), c.scale_log2))
            .collect();
        assert_eq!(
            &decrypted,
            plain,
            "layer {i} ({})",
            model.layers[i].kind_name()
        );
    }
    let report = &inference.report;
    assert!(report.ledger.worst_log2_failure < -40.0, "{report:?}");
    eprintln!(
        "{}: {} bootstraps, {:.2} s, worst p_fail 2^{:.1}, image p_fail {:.2e}",
        model.name,
        report.ledger.bootstraps,
        report.seconds,
        report.ledger.worst_log2_failure,
        report.ledger.failure_probability
    );
}

fn image(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}

#[test]
fn random_networks_are_exact_at_toy() {
    let (sk, ek) = keys(&TOY, 3);
    for seed in 0..2 {
        check_exact(&small_cnn(seed), &sk, &ek, &image(100 * seed, 64));
    }
}

/// The real 128-bit set, on a network small enough for CI (a few dozen bootstraps).
#[test]
fn tiny_network_is_exact_at_she_mnist() {
    let (sk, ek) = keys(&SHE_MNIST, 5);
    let mut rng = Rng(9);
    let model = Model {
        name: "tiny".into(),
        input: InputSpec {
            shape: Shape {
                channels: 1,
                height: 4,
                width: 4,
            },
            bits: 8,
        },
        layers: vec![
            Layer::Conv2d(Conv2d {
                in_channels: 1,
                out_channels: 1,
                kernel: 3,
                stride: 1,
                padding: 0,
                weights: rng.weights(9, 3),
            }),
            Layer::BatchNorm(rng.batch_norm(1, (5, 7), 200)),
            Layer::Relu(Relu { bits: 4 }),
            Layer::Flatten,
            Layer::Dense(Dense {
                inputs: 4,
                outputs: 2,
                weights: rng.weights(8, 3),
            }),
        ],
    };
    check_exact(&model, &sk, &ek, &image(77, 16));
}

/// Bootstrap batching changes no bit: a random network at `TOY` with a multi-bit key (batches
/// share one pass over the key) and with the classic key (batches run one by one), batch sizes
/// 1 (no batcher), 2, 3 and 8, on one and on three threads.
#[test]
fn every_bootstrap_batch_gives_the_same_ciphertexts() {
    for p in [TOY.with_blind_rotation(BlindRotation::MultiBit), TOY] {
        let (sk, ek) = keys(&p, 21);
        let model = small_cnn(1);
        let input = image(5, 64);
        let mut rng = EncryptionRng::insecure_from_u64(23);
        let pixels: Vec<_> = input
            .iter()
            .map(|&x| {
                let value = quantize_pixel(x, model.input.bits);
                sk.encrypt_plaintext(encode(value, INPUT_SCALE), &mut rng)
            })
            .collect();
        let run = |batch: usize, threads: usize| {
            let engine = PbsEngine::new(&ek, &model, INPUT_SCALE)
                .unwrap()
                .with_bootstrap_batch(batch);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| engine.infer(&pixels, model.input.bits, INPUT_SCALE, &|_| {}))
                .unwrap()
        };
        let unbatched = run(1, 1);
        let expected = reference::forward(&model, &input).unwrap();
        let decrypted: Vec<i64> = unbatched
            .logits
            .iter()
            .map(|c| decode(sk.ciphertext_key().phase(&c.ciphertext), c.scale_log2))
            .collect();
        assert_eq!(&decrypted, expected.layers.last().unwrap(), "{}", p.name);
        for (batch, threads) in [(2, 1), (3, 3), (8, 3)] {
            let batched = run(batch, threads);
            assert_eq!(
                batched.report.ledger.bootstraps, unbatched.report.ledger.bootstraps,
                "{}",
                p.name
            );
            for (b, u) in batched.logits.iter().zip(&unbatched.logits) {
                assert_eq!(
                    b.ciphertext.as_slice(),
                    u.ciphertext.as_slice(),
                    "{}: batch {batch}, {threads} threads",
                    p.name
                );
            }
        }
    }
}
