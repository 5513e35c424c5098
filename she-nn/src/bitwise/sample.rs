//! Measuring a few neurons of every layer at a real gate set, and projecting the whole network
//! from them.
//!
//! At `BOOLEAN_128` a gate costs tens of milliseconds and an MNIST image needs millions of them,
//! so a whole encrypted image takes most of a day on two cores. This module measures what can be
//! measured in minutes and projects the rest, labelled as such:
//!
//! 1. a **dry run** of the whole network on the plaintext phase model
//!    ([`super::plaintext::PlaintextBackend`]) gives every layer's exact operation counts (they do
//!    not depend on the data) and every intermediate integer with its known/encrypted bit pattern;
//! 2. for each layer, the client **encrypts** that layer's true input (the dry run's values,
//!    which are the reference engine's) bit by bit, keeping the known bits known and shared
//!    ciphertexts shared ([`super::integer::map_tensor`]), so that the circuit of a sampled neuron
//!    is exactly the one a full encrypted run would evaluate;
//! 3. the server evaluates `count` neurons spread over the layer, **one at a time on one
//!    thread**, timing each; the client decrypts and checks each against the reference;
//! 4. the **projection** of a layer is its exact bootstrap count times the measured seconds per
//!    bootstrap of its sample (one thread), and divided by the thread count for a parallel run
//!    (neurons are independent: an ideal speed-up, not a measurement).

use super::bit::Bit;
use super::circuit::AdderKind;
use super::counts::OpCounts;
use super::engine::BitwiseEngine;
use super::error::BitwiseError;
use super::integer::{map_tensor, EncryptedInt};
use super::keys::{BitwiseClientKey, BitwiseServerKey};
use super::plaintext::PlaintextBackend;
use crate::bounds::Interval;
use crate::model::Model;
use crate::quantize::quantize_pixel;
use crate::reference;
use std::time::Instant;
use torus::EncryptionRng;

/// One measured neuron.
#[derive(Clone, Debug)]
pub struct NeuronSample {
    /// Output index in its layer.
    pub index: usize,
    /// Its operation counts.
    pub counts: OpCounts,
    /// Wall-clock seconds on one thread.
    pub seconds: f64,
    /// Whether the decrypted output equals the reference engine's.
    pub exact: bool,
}

/// A layer's measured sample and its projection.
#[derive(Clone, Debug)]
pub struct LayerSample {
    /// Layer index.
    pub index: usize,
    /// Layer kind.
    pub kind: &'static str,
    /// Output elements of the layer.
    pub elements: usize,
    /// The whole layer's exact counts (dry run).
    pub layer_counts: OpCounts,
    /// The measured neurons (none for layers without bootstraps).
    pub neurons: Vec<NeuronSample>,
}

impl LayerSample {
    /// Bootstraps of the measured neurons.
    pub fn sampled_bootstraps(&self) -> u64 {
        self.neurons.iter().map(|n| n.counts.bootstraps()).sum()
    }

    /// Seconds of the measured neurons (one thread).
    pub fn sampled_seconds(&self) -> f64 {
        self.neurons.iter().map(|n| n.seconds).sum()
    }

    /// Measured seconds per bootstrap in this layer's circuits (one thread), if any bootstrap
    /// was measured.
    pub fn seconds_per_bootstrap(&self) -> Option<f64> {
        let b = self.sampled_bootstraps();
        (b > 0).then(|| self.sampled_seconds() / b as f64)
    }

    /// **Projection**: the whole layer on one thread, from its exact bootstrap count and the
    /// measured seconds per bootstrap (0 for a layer without bootstraps).
    pub fn projected_seconds(&self) -> f64 {
        self.seconds_per_bootstrap()
            .map_or(0.0, |s| s * self.layer_counts.bootstraps() as f64)
    }

    /// Whether every measured neuron decrypted to the reference's value.
    pub fn exact(&self) -> bool {
        self.neurons.iter().all(|n| n.exact)
    }
}

/// The pixels of `image` as plaintext-model integers: the structure of an encrypted image
/// (every pixel bit a distinct ciphertext, the sign known).
pub fn plaintext_pixels(model: &Model, image: &[u8]) -> Vec<EncryptedInt<bool>> {
    let bits = model.input.bits;
    let range = Interval {
        lo: 0,
        hi: (1i64 << bits) - 1,
    };
    image
        .iter()
        .map(|&p| {
            let q = quantize_pixel(p, bits);
            let mut v: Vec<Bit<bool>> = (0..bits)
                .map(|i| Bit::encrypted((q >> i) & 1 == 1))
                .collect();
            v.push(Bit::ZERO);
            EncryptedInt::from_bits(v, range)
        })
        .collect()
}

/// `count` indices spread evenly over `0..total` (all of them if `count ≥ total`).
fn spread(total: usize, count: usize) -> Vec<usize> {
    let count = count.min(total);
    let mut v: Vec<usize> = (0..count).map(|j| j * total / count).collect();
    v.dedup();
    v
}

/// What to measure: `neurons_per_layer` neurons of every layer of `model`, on `image` (8-bit
/// pixels, CHW order), with full adders of kind `adder`.
#[derive(Clone, Copy, Debug)]
pub struct Sampling<'a> {
    /// The model.
    pub model: &'a Model,
    /// The full adder.
    pub adder: AdderKind,
    /// The image.
    pub image: &'a [u8],
    /// Neurons measured per layer (spread evenly over the layer).
    pub neurons_per_layer: usize,
}

/// Measures a sample of neurons of every layer at the client's gate set (module
/// documentation); `progress(layer, done, total)` after each neuron. The client key only
/// encrypts inputs and checks outputs; the evaluation uses the server key alone.
pub fn measure_layers(
    client: &BitwiseClientKey,
    server: &BitwiseServerKey,
    sampling: Sampling<'_>,
    rng: &mut EncryptionRng,
    progress: &dyn Fn(usize, usize, usize),
) -> Result<Vec<LayerSample>, BitwiseError> {
    let Sampling {
        model,
        adder,
        image,
        neurons_per_layer: count,
    } = sampling;
    let reference = reference::forward(model, image)?;
    let dry = BitwiseEngine::new(&PlaintextBackend, model, adder)?;
    let inputs = plaintext_pixels(model, image);
    let (trace, report) = dry.infer_traced(inputs.clone(), &|_| {})?;
    let backend = server.backend();
    let engine = BitwiseEngine::new(&backend, model, adder)?;
    let mut samples = Vec::with_capacity(model.layers.len());
    for (i, layer_report) in report.layers.iter().enumerate() {
        let mut sample = LayerSample {
            index: i,
            kind: layer_report.kind,
            elements: layer_report.elements,
            layer_counts: layer_report.counts,
            neurons: Vec::new(),
        };
        if layer_report.counts.bootstraps() > 0 {
            let plain_input = if i == 0 { &inputs } else { &trace[i - 1] };
            let input = map_tensor(plain_input, |&b| client.encrypt_bool(b, rng));
            let chosen = spread(layer_report.elements, count);
            for (done, &k) in chosen.iter().enumerate() {
                let start = Instant::now();
                let mut out = engine.evaluate_elements(i, &input, &[k])?;
                let seconds = start.elapsed().as_secs_f64();
                let (y, counts) = out
                    .pop()
                    .ok_or(BitwiseError::NoSuchElement { layer: i, index: k })?;
                sample.neurons.push(NeuronSample {
                    index: k,
                    counts,
                    seconds,
                    exact: client.decrypt_integer(&y) == reference.layers[i][k],
                });
                progress(i, done + 1, chosen.len());
            }
        }
        samples.push(sample);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_picks_distinct_indices() {
        assert_eq!(spread(10, 3), vec![0, 3, 6]);
        assert_eq!(spread(2, 5), vec![0, 1]);
        assert_eq!(spread(4608, 2), vec![0, 2304]);
        assert!(spread(0, 3).is_empty());
    }
}
