//! The bitwise engine against the integer reference, at the insecure `TOY_BOOLEAN` gate set
//! (tiny dimensions, so that thousands of bootstraps take a fraction of a second): every layer
//! of random small networks decrypts to exactly the reference's values, with both full adders;
//! ReLU, comparison and max circuits agree with plaintext; both full adders are exhaustively
//! correct on their 8 inputs; the encrypted run's operation counts equal the dry run's.
//! The last test repeats the full adders and runs a few neurons of every kind of layer of the
//! shipped MNIST model at the real 128-bit `BOOLEAN_128`.

use proptest::prelude::*;
use she_nn::bitwise::activation::{greater_or_equal, max, max_tree, relu};
use she_nn::bitwise::adder::{add, add_shifted};
use she_nn::bitwise::integer::width_for;
use she_nn::bitwise::sample::plaintext_pixels;
use she_nn::bitwise::{
    AdderKind, Bit, BitwiseClientKey, BitwiseEngine, BitwiseServerKey, Circuit, EncryptedBitImage,
    EncryptedInt, PlaintextBackend,
};
use she_nn::bounds::{layer_bounds, Interval};
use she_nn::model::{BatchNorm, Conv2d, Dense, InputSpec, Layer, Model, Pool2d, Relu, Shape};
use she_nn::quantize::WeightCode;
use she_nn::reference;
use std::sync::OnceLock;
use tfhe_core::params::TOY_BOOLEAN;
use torus::{Csprng, EncryptionRng, Seed};

/// One key pair for the whole test binary (TOY_BOOLEAN: insecure, for tests).
fn keys() -> &'static (BitwiseClientKey, BitwiseServerKey) {
    static KEYS: OnceLock<(BitwiseClientKey, BitwiseServerKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let client = BitwiseClientKey::generate(
            &TOY_BOOLEAN,
            &mut Csprng::from_seed(&Seed::insecure_from_u64(61)),
        )
        .unwrap();
        let server = client
            .server_key(&mut EncryptionRng::from_os_entropy())
            .unwrap();
        (client, server)
    })
}

/// SplitMix64, for reproducible random networks.
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

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }

    fn weights(&mut self, count: usize, max_exponent: u32) -> Vec<WeightCode> {
        (0..count)
            .map(|_| {
                if self.below(4) == 0 {
                    WeightCode::ZERO
                } else {
                    let e = self.below(u64::from(max_exponent) + 1) as u32;
                    WeightCode::power_of_two(e, self.below(2) == 0).unwrap()
                }
            })
            .collect()
    }

    fn batch_norm(&mut self, channels: usize) -> BatchNorm {
        BatchNorm {
            shift: (0..channels).map(|_| self.below(5) as u32).collect(),
            bias: (0..channels).map(|_| self.below(81) as i64 - 40).collect(),
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A random small network over every layer kind the engine supports: conv (random kernel,
/// stride, padding), an optional sum or max pool, batch norm, ReLU, an optional max pool,
/// flatten, dense, and optionally batch norm, ReLU and a second dense layer.
fn random_network(seed: u64) -> Model {
    let mut rng = Rng(seed);
    loop {
        let channels = rng.range(1, 2);
        let (h, w) = (rng.range(3, 6), rng.range(3, 6));
        let kernel = rng.range(1, 3);
        let padding = rng.range(0, kernel - 1);
        let out_channels = rng.range(1, 3);
        let mut layers = vec![Layer::Conv2d(Conv2d {
            in_channels: channels,
            out_channels,
            kernel,
            stride: rng.range(1, 2),
            padding,
            weights: rng.weights(out_channels * channels * kernel * kernel, 3),
        })];
        match rng.below(3) {
            0 => layers.push(Layer::SumPool2d(Pool2d {
                size: 2,
                stride: rng.range(1, 2),
            })),
            1 => layers.push(Layer::MaxPool2d(Pool2d {
                size: 2,
                stride: rng.range(1, 2),
            })),
            _ => {}
        }
        layers.push(Layer::BatchNorm(rng.batch_norm(out_channels)));
        layers.push(Layer::Relu(Relu {
            bits: rng.range(1, 4) as u32,
        }));
        if rng.below(2) == 0 {
            layers.push(Layer::MaxPool2d(Pool2d { size: 2, stride: 1 }));
        }
        layers.push(Layer::Flatten);
        let model = Model {
            name: "random".into(),
            input: InputSpec {
                shape: Shape {
                    channels,
                    height: h,
                    width: w,
                },
                bits: rng.range(1, 4) as u32,
            },
            layers,
        };
        let Ok(shapes) = model.validate() else {
            continue;
        };
        let flat = shapes.last().unwrap().len();
        let mut model = model;
        let hidden = rng.range(2, 4);
        model.layers.push(Layer::Dense(Dense {
            inputs: flat,
            outputs: hidden,
            weights: rng.weights(flat * hidden, 2),
        }));
        if rng.below(2) == 0 {
            model.layers.push(Layer::BatchNorm(rng.batch_norm(hidden)));
            model.layers.push(Layer::Relu(Relu { bits: 3 }));
            model.layers.push(Layer::Dense(Dense {
                inputs: hidden,
                outputs: 2,
                weights: rng.weights(hidden * 2, 2),
            }));
        }
        if model.validate().is_ok() && layer_bounds(&model).is_ok() {
            return model;
        }
    }
}

/// Encrypts an image's pixels as the engine's integers.
fn encrypt_pixels(
    client: &BitwiseClientKey,
    model: &Model,
    image: &[u8],
) -> Vec<EncryptedInt<she_nn::bitwise::BitCiphertext>> {
    EncryptedBitImage::encrypt(
        client,
        image,
        model.input.shape,
        model.input.bits,
        &mut EncryptionRng::from_os_entropy(),
    )
    .unwrap()
    .into_integers()
}

/// Runs `model` on `image` encrypted and checks every layer against the reference and the
/// counts against the dry run.
fn check_network(model: &Model, image: &[u8], adder: AdderKind) {
    let (client, server) = keys();
    let expected = reference::forward(model, image).unwrap();
    let bounds = layer_bounds(model).unwrap();
    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, model, adder).unwrap();
    let (trace, report) = engine
        .infer_traced(encrypt_pixels(client, model, image), &|_| {})
        .unwrap();
    for (i, (layer, values)) in trace.iter().zip(&expected.layers).enumerate() {
        let got: Vec<i64> = layer.iter().map(|x| client.decrypt_integer(x)).collect();
        assert_eq!(
            &got, values,
            "layer {i} ({:?}) of {model:?}",
            model.layers[i]
        );
        // Every integer's range is exactly the worst-case bound of `she_nn::bounds`, and its
        // width the smallest that holds it.
        for ((x, &v), bound) in layer.iter().zip(values).zip(&bounds[i]) {
            assert_eq!(x.range(), *bound, "layer {i}");
            assert_eq!(x.width(), width_for(*bound), "layer {i}");
            assert!(x.range().contains(v));
        }
    }
    let dry = BitwiseEngine::new(&PlaintextBackend, model, adder).unwrap();
    let (dry_trace, dry_report) = dry
        .infer_traced(plaintext_pixels(model, image), &|_| {})
        .unwrap();
    for (l, d) in report.layers.iter().zip(&dry_report.layers) {
        assert_eq!(l.counts, d.counts, "layer {}", l.index);
    }
    // The dry run computes the reference too.
    for (layer, values) in dry_trace.iter().zip(&expected.layers) {
        let got: Vec<i64> = layer.iter().map(|x| x.value(|c| *c)).collect();
        assert_eq!(&got, values);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random small networks at TOY_BOOLEAN, both full adders: bit-exact at every layer.
    #[test]
    fn random_networks_are_bit_exact(seed: u64, image_seed: u64, fast: bool) {
        let model = random_network(seed);
        let image = Rng(image_seed).bytes(model.input_len());
        let adder = if fast { AdderKind::Fast } else { AdderKind::Ripple };
        check_network(&model, &image, adder);
    }
}

#[test]
fn the_all_dark_and_all_bright_images_are_exact() {
    for seed in [3, 4] {
        let model = random_network(seed);
        for pixel in [0u8, 255] {
            check_network(&model, &vec![pixel; model.input_len()], AdderKind::Fast);
        }
    }
}

/// Encrypted integers of `range` holding `v` (every bit a ciphertext, known bits as the range
/// fixes them).
fn encrypted(v: i64, lo: i64, hi: i64) -> EncryptedInt<she_nn::bitwise::BitCiphertext> {
    keys().0.encrypt_integer(
        v,
        Interval { lo, hi },
        &mut EncryptionRng::from_os_entropy(),
    )
}

fn pick(lo: i64, hi: i64, seed: u64) -> i64 {
    lo + (seed % (hi - lo + 1) as u64) as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// ReLU with saturation, comparison and max on encrypted integers, against plaintext.
    #[test]
    fn relu_comparison_and_max_agree_with_plaintext(
        a0 in -120i64..120, a1 in -120i64..120, b0 in -120i64..120, b1 in -120i64..120,
        sa: u64, sb: u64, bits in 1u32..6, fast: bool,
    ) {
        let (client, server) = keys();
        let (alo, ahi) = (a0.min(a1), a0.max(a1));
        let (blo, bhi) = (b0.min(b1), b0.max(b1));
        let (va, vb) = (pick(alo, ahi, sa), pick(blo, bhi, sb));
        let (a, b) = (encrypted(va, alo, ahi), encrypted(vb, blo, bhi));
        let backend = server.backend();
        let kind = if fast { AdderKind::Fast } else { AdderKind::Ripple };
        let mut c = Circuit::new(&backend, kind);
        let r = relu(&mut c, &a, bits);
        prop_assert_eq!(client.decrypt_integer(&r), va.clamp(0, (1 << bits) - 1));
        let ge = greater_or_equal(&mut c, &a, &b).unwrap();
        prop_assert_eq!(ge.value(|ct| client.decrypt_bool(ct)), va >= vb);
        let m = max(&mut c, &a, &b).unwrap();
        prop_assert_eq!(client.decrypt_integer(&m), va.max(vb));
        // Chained: inputs that are MUX and gate outputs.
        let s = add(&mut c, &m, &r).unwrap();
        prop_assert_eq!(client.decrypt_integer(&s), va.max(vb) + va.clamp(0, (1 << bits) - 1));
        let shifted = add_shifted(&mut c, &s, &b, true, 2).unwrap();
        prop_assert_eq!(
            client.decrypt_integer(&shifted),
            (va.max(vb) + va.clamp(0, (1 << bits) - 1) - vb) >> 2
        );
    }
}

#[test]
fn max_pool_trees_of_encrypted_values() {
    let (client, server) = keys();
    let backend = server.backend();
    let mut c = Circuit::new(&backend, AdderKind::Fast);
    let values = [3i64, 15, 0, 9, 15, 7];
    let window = values.iter().map(|&v| encrypted(v, 0, 15)).collect();
    let m = max_tree(&mut c, window).unwrap().unwrap();
    assert_eq!(client.decrypt_integer(&m), 15);
    assert_eq!(c.counts().comparisons, 5);
}

/// The full adders' truth tables, on fresh inputs and (`chained`) on inputs that are gate
/// outputs; with `through_adders`, also `a + b + c` by the integer adders.
fn full_adders_exhaustively(
    client: &BitwiseClientKey,
    server: &BitwiseServerKey,
    kinds: &[(AdderKind, bool)],
    through_adders: bool,
) {
    let backend = server.backend();
    let mut rng = EncryptionRng::from_os_entropy();
    let dec = |bit: &Bit<she_nn::bitwise::BitCiphertext>| bit.value(|ct| client.decrypt_bool(ct));
    for &(kind, chained) in kinds {
        let mut c = Circuit::new(&backend, kind);
        for bits in 0..8u8 {
            let v = [bits & 1 == 1, bits & 2 == 2, bits & 4 == 4];
            let total = i64::from(v[0]) + i64::from(v[1]) + i64::from(v[2]);
            let fresh = v.map(|b| Bit::encrypted(client.encrypt_bool(b, &mut rng)));
            let mut cases = vec![fresh.clone()];
            if chained {
                // The same values as bootstrap outputs: x ∨ f with f a fresh false.
                let f = Bit::encrypted(client.encrypt_bool(false, &mut rng));
                cases.push(fresh.map(|x| c.or(&x, &f)));
            }
            for [a, b, d] in &cases {
                let (sum, carry) = match kind {
                    AdderKind::Fast => (c.parity(a, b, d), c.majority(a, b, d)),
                    AdderKind::Ripple => {
                        let t = c.xor(a, b);
                        let sum = c.xor(&t, d);
                        let both = c.and(a, b);
                        let propagated = c.and(&t, d);
                        (sum, c.or(&both, &propagated))
                    }
                };
                assert_eq!(dec(&sum), total & 1 == 1, "{kind:?} sum of {bits:03b}");
                assert_eq!(dec(&carry), total >= 2, "{kind:?} carry of {bits:03b}");
                if through_adders {
                    let one_bit = |x: &Bit<_>| {
                        EncryptedInt::from_bits(
                            vec![x.clone(), Bit::ZERO],
                            Interval { lo: 0, hi: 1 },
                        )
                    };
                    let xy = add(&mut c, &one_bit(a), &one_bit(b)).unwrap();
                    let s = add(&mut c, &xy, &one_bit(d)).unwrap();
                    assert_eq!(
                        client.decrypt_integer(&s),
                        total,
                        "{kind:?} adder of {bits:03b}"
                    );
                }
            }
        }
        let counts = c.counts();
        match kind {
            AdderKind::Fast => assert!(counts.majorities > 0 && counts.parities > 0),
            AdderKind::Ripple => assert_eq!(counts.majorities + counts.parities, 0),
        }
    }
}

#[test]
fn full_adders_exhaustively_at_toy() {
    let (client, server) = keys();
    let both = [(AdderKind::Fast, true), (AdderKind::Ripple, true)];
    full_adders_exhaustively(client, server, &both, true);
}

#[test]
fn inputs_of_the_wrong_size_or_range_are_errors() {
    let (client, server) = keys();
    let model = random_network(9);
    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, &model, AdderKind::Fast).unwrap();
    let mut pixels = encrypt_pixels(client, &model, &vec![7; model.input_len()]);
    pixels.pop();
    assert!(matches!(
        engine.infer(pixels, &|_| {}),
        Err(she_nn::bitwise::BitwiseError::InputSize { .. })
    ));
    let wrong = vec![encrypted(3, 0, 300); model.input_len()];
    assert!(matches!(
        engine.infer(wrong, &|_| {}),
        Err(she_nn::bitwise::BitwiseError::InputBits { .. })
    ));
    assert!(engine.evaluate_elements(0, &[], &[0]).is_err());
}

/// At the real 128-bit gate set: the fast full adder on all 8 inputs, fresh and chained (the
/// ripple adder's two-input gates are the gates `tfhe-core` tests at this set; here on fresh
/// inputs), a small weighted sum with negative, shifted and zero weights, and one neuron of
/// each kind the shipped MNIST model bootstraps outside its adder trees (sum pool, batch norm,
/// ReLU, twice) on the client's encryption of its true input, against the reference: about 250
/// bootstraps. (`she demo --engine bitwise --sample K` measures neurons of every layer.)
#[test]
fn boolean_128_full_adders_and_neurons() {
    use she_nn::bitwise::integer::map_tensor;
    use she_nn::bitwise::tree::weighted_sum;
    let client = BitwiseClientKey::generate(
        &tfhe_core::params::BOOLEAN_128,
        &mut Csprng::from_os_entropy(),
    )
    .unwrap();
    let mut rng = EncryptionRng::from_os_entropy();
    let server = client.server_key(&mut rng).unwrap();
    let kinds = [(AdderKind::Fast, true), (AdderKind::Ripple, false)];
    full_adders_exhaustively(&client, &server, &kinds, false);

    let backend = server.backend();
    let values = [13i64, 6, 0, 15, 9];
    let inputs: Vec<_> = values
        .iter()
        .map(|&v| client.encrypt_integer(v, Interval { lo: 0, hi: 15 }, &mut rng))
        .collect();
    let taps = [(0, 1), (1, -2), (2, 8), (3, -1), (4, 0), (0, 4)];
    let mut c = Circuit::new(&backend, AdderKind::Fast);
    let y = weighted_sum(&mut c, &inputs, &taps).unwrap();
    assert_eq!(client.decrypt_integer(&y), (13 - 12) - 15 + 52);

    let model = she_nn::cli::demo::shipped_model().unwrap();
    let digits = she_nn::data::mnist::shipped_test_digits().unwrap();
    let (image, _) = digits.get(0).unwrap();
    let expected = reference::forward(&model, image).unwrap();
    let dry = BitwiseEngine::new(&PlaintextBackend, &model, AdderKind::Fast).unwrap();
    let (trace, _) = dry
        .infer_traced(plaintext_pixels(&model, image), &|_| {})
        .unwrap();
    let engine = BitwiseEngine::new(&backend, &model, AdderKind::Fast).unwrap();
    for (layer, k) in [(1, 500), (2, 500), (3, 500), (10, 7), (11, 7)] {
        let input = &trace[layer - 1];
        let encrypted = map_tensor(input, |&b| client.encrypt_bool(b, &mut rng));
        let (y, counts) = engine
            .evaluate_elements(layer, &encrypted, &[k])
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            client.decrypt_integer(&y),
            expected.layers[layer][k],
            "layer {layer}, neuron {k}"
        );
        let (_, dry_counts) = dry
            .evaluate_elements(layer, input, &[k])
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(counts, dry_counts);
        assert!(
            counts.bootstraps() > 0,
            "layer {layer} neuron {k} bootstraps nothing"
        );
    }
}
