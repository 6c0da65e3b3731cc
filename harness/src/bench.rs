//! `harness bench`: the timings that `harness/bench/compare.sh` sets beside
//! PyTorch's (`harness/bench/pytorch_reference.py` measures the same work),
//! printed as one JSON object.

use crate::autoencoder::Model;
use crate::boxed::{boxed_zeroed, Zeroable};
use crate::mnist::{Mnist, Split, PIXELS};
use crate::train::{self, Checkpointing, TrainConfig, Trainable};
use crate::{vae, Result};
use kernel::autoencoder::{Autoencoder, Workspace};
use kernel::inference::{AutoencoderInference, DecoderInference};
use kernel::loss::Loss;
use kernel::matrix::{matmul, matmul_a_bt, matmul_at_b_acc};
use kernel::optim::Adam;
use kernel::vae::{gaussian as vg, GaussianVae};
use kernel::{Activation, Matrix};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Instant;

/// Images timed per VAE epoch; the time is scaled to 60 000.
pub const VAE_IMAGES: usize = 12_000;

// SAFETY: f32 matrices and arrays only.
unsafe impl<const B: usize, const D: usize, const H: usize> Zeroable for Workspace<B, D, H> {}
// SAFETY: f32 matrices and arrays only.
unsafe impl<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize> Zeroable for vg::Workspace<B, X, E, Z, D> {}
// SAFETY: f32 matrices and arrays, and a bool in each layer, false when its
// byte is zero (the layer is then treated as unpacked).
unsafe impl<const D: usize, const H: usize> Zeroable for AutoencoderInference<D, H> {}
// SAFETY: as for `AutoencoderInference`.
unsafe impl<const X: usize, const Z: usize, const D: usize> Zeroable for DecoderInference<X, Z, D> {}

/// Seconds per epoch of training (no data loading, no evaluation) of `model`
/// on `set`, seeded with 1, over `epochs` epochs.
pub fn epoch_seconds<T: Trainable>(model: &T, set: &Split, epochs: usize, batch: Option<usize>, adam: Adam, threads: usize) -> Result<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut params: Box<T::Params> = boxed_zeroed();
    model.init(&mut params, &mut rng);
    let cfg = TrainConfig {
        epochs,
        batch,
        adam,
        threads,
    };
    let out = train::train(model, &mut params, set, &cfg, &mut rng, &Checkpointing::default(), |_, _| {})?;
    Ok(out.seconds_per_epoch)
}

/// Single-image reconstruction by the assignment's autoencoder (784-30-784,
/// relu) through its packed one-image path (`kernel::inference`): the
/// forward pass and the output sigmoid.
pub struct AeInference {
    packed: Box<AutoencoderInference<PIXELS, 30>>,
    code: [f32; 30],
    /// The reconstruction of the last call.
    pub y: [f32; PIXELS],
}

impl AeInference {
    /// Parameters initialised as the assignment does, seed 1, then packed.
    #[must_use]
    pub fn new() -> Self {
        let mut params: Box<Autoencoder<PIXELS, 30>> = boxed_zeroed();
        params.init_uniform(&mut Xoshiro256PlusPlus::seed_from_u64(1));
        let mut packed: Box<AutoencoderInference<PIXELS, 30>> = boxed_zeroed();
        packed.pack(&params);
        Self {
            packed,
            code: [0.0; 30],
            y: [0.0; PIXELS],
        }
    }

    /// The packed model.
    #[must_use]
    pub fn packed(&self) -> &AutoencoderInference<PIXELS, 30> {
        &self.packed
    }

    /// Reconstructs `image` into `self.y`.
    #[inline]
    pub fn run(&mut self, image: &[f32; PIXELS]) {
        self.packed.reconstruct(&mut self.y, &mut self.code, image, Activation::Relu);
    }
}

impl Default for AeInference {
    fn default() -> Self {
        Self::new()
    }
}

/// Decoding one latent code by the 784-400-20 VAE's decoder (20-400-784),
/// packed for one code at a time.
pub struct VaeDecode {
    packed: Box<DecoderInference<PIXELS, 20, 400>>,
    hidden: [f32; 400],
    /// The pixel probabilities of the last call.
    pub prob: [f32; PIXELS],
}

impl VaeDecode {
    /// Parameters initialised uniformly, seed 1, then packed.
    #[must_use]
    pub fn new() -> Self {
        let mut params: Box<GaussianVae<PIXELS, 400, 20, 400>> = boxed_zeroed();
        params.init_uniform(&mut Xoshiro256PlusPlus::seed_from_u64(1));
        let mut packed: Box<DecoderInference<PIXELS, 20, 400>> = boxed_zeroed();
        packed.pack(&params);
        Self {
            packed,
            hidden: [0.0; 400],
            prob: [0.0; PIXELS],
        }
    }

    /// Decodes `z` into `self.prob`.
    #[inline]
    pub fn run(&mut self, z: &[f32; 20]) {
        self.packed.decode(&mut self.prob, &mut self.hidden, z);
    }
}

impl Default for VaeDecode {
    fn default() -> Self {
        Self::new()
    }
}

/// Microseconds per call of `f`: the best of 5 runs of `n` calls, after
/// `n / 10` calls of warm-up (the best, not the mean, since this machine's
/// other load only ever adds time).
fn per_call_us(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() / n as f64 * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

/// The best of `runs` one-epoch trainings ([`epoch_seconds`]).
fn best_epoch_seconds<T: Trainable>(model: &T, set: &Split, runs: usize, batch: Option<usize>, adam: Adam, threads: usize) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        best = best.min(epoch_seconds(model, set, 1, batch, adam, threads)?);
    }
    Ok(best)
}

/// GFLOP/s of the five products of one autoencoder step on a chunk of 100.
fn gemm_ae_shapes() -> f64 {
    let x: Box<Matrix<100, PIXELS>> = boxed_zeroed();
    let w1: Box<Matrix<30, PIXELS>> = boxed_zeroed();
    let w2: Box<Matrix<PIXELS, 30>> = boxed_zeroed();
    let mut f2: Box<Matrix<100, 30>> = boxed_zeroed();
    let mut f5: Box<Matrix<100, PIXELS>> = boxed_zeroed();
    let mut dw1: Box<Matrix<30, PIXELS>> = boxed_zeroed();
    let mut dw2: Box<Matrix<PIXELS, 30>> = boxed_zeroed();
    let flops = 5.0 * 2.0 * 100.0 * 784.0 * 30.0;
    let us = per_call_us(80, || {
        matmul_a_bt(&mut f2, &x, &w1);
        matmul_a_bt(&mut f5, &f2, &w2);
        matmul_at_b_acc(&mut dw2, &f5, &f2);
        matmul(&mut f2, &f5, &w2);
        matmul_at_b_acc(&mut dw1, &f2, &x);
        black_box((&f2, &f5, &dw1, &dw2));
    });
    flops / us / 1e3
}

/// Runs every timing and returns the JSON line.
pub fn run(data: &Mnist, threads: usize) -> Result<String> {
    let ae_model = Model::<30> {
        loss: Loss::CrossEntropy,
        phi: Activation::Relu,
    };
    let scale = |images: usize| data.train.len() as f64 / images as f64;
    // Each the best of a few runs, as `pytorch_reference.py` takes its best.
    let ae_epoch = best_epoch_seconds(&ae_model, &data.train, 4, None, Adam::ASSIGNMENT_AUTOENCODER, threads)?;
    let vae_set = data.train.subset(VAE_IMAGES);
    let appendix = vae::Appendix { cfg: Default::default() };
    let vae_appendix = best_epoch_seconds(&appendix, &vae_set, 3, Some(600), Adam::PYTORCH_DEFAULT, threads)? * scale(VAE_IMAGES);
    let vae_elbo = best_epoch_seconds(&vae::Standard::<20>, &vae_set, 3, Some(128), Adam::PYTORCH_DEFAULT, threads)? * scale(VAE_IMAGES);

    let mut ae = AeInference::new();
    // Different images in turn: the time depends on how many pixels are 0.
    let images: Vec<&[f32; PIXELS]> = (0..data.test.len().min(1000)).map(|i| data.test.image(i)).collect();
    let mut next = images.iter().cycle();
    let ae_infer = per_call_us(4_000, || {
        ae.run(black_box(next.next().expect("a cycle of test images")));
        black_box(&ae.y);
    });
    let mut dec = VaeDecode::new();
    let z = [0.3f32; 20];
    let vae_decode = per_call_us(1_000, || {
        dec.run(black_box(&z));
        black_box(&dec.prob);
    });
    Ok(serde_json::json!({
        "implementation": "harness (kernel)",
        "threads": threads,
        "ae_epoch_s": ae_epoch,
        "vae_appendix_epoch_s": vae_appendix,
        "vae_elbo_epoch_s": vae_elbo,
        "ae_infer_us": ae_infer,
        "vae_decode_us": vae_decode,
        "gemm_ae_shapes_gflops": gemm_ae_shapes(),
    })
    .to_string())
}
