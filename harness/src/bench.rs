//! `harness bench`: the timings that `harness/bench/compare.sh` sets beside
//! PyTorch's (`harness/bench/pytorch_reference.py` measures the same work),
//! printed as one JSON object.

use crate::autoencoder::Model;
use crate::boxed::{boxed_zeroed, Zeroable};
use crate::mnist::{Mnist, PIXELS};
use crate::train::{self, Checkpointing, TrainConfig, Trainable};
use crate::{vae, Result};
use kernel::autoencoder::{self as ae, Autoencoder, Workspace};
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

fn epoch_seconds<T: Trainable>(
    model: &T,
    data: &Mnist,
    images: usize,
    epochs: usize,
    batch: Option<usize>,
    adam: Adam,
    threads: usize,
) -> Result<f64> {
    let set = data.train.subset(images);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut params: Box<T::Params> = boxed_zeroed();
    model.init(&mut params, &mut rng);
    let cfg = TrainConfig {
        epochs,
        batch,
        adam,
        threads,
    };
    let out = train::train(model, &mut params, &set, &cfg, &mut rng, &Checkpointing::default(), |_, _| {})?;
    Ok(out.seconds_per_epoch * data.train.len() as f64 / images as f64)
}

fn per_call_us(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() / n as f64 * 1e6
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
    let us = per_call_us(400, || {
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
    let ae_epoch = epoch_seconds(&ae_model, data, data.train.len(), 3, None, Adam::ASSIGNMENT_AUTOENCODER, threads)?;
    let appendix = vae::Appendix { cfg: Default::default() };
    let vae_appendix = epoch_seconds(&appendix, data, VAE_IMAGES, 1, Some(600), Adam::PYTORCH_DEFAULT, threads)?;
    let vae_elbo = epoch_seconds(&vae::Standard::<20>, data, VAE_IMAGES, 1, Some(128), Adam::PYTORCH_DEFAULT, threads)?;

    let mut p: Box<Autoencoder<PIXELS, 30>> = boxed_zeroed();
    p.init_uniform(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let mut ws: Box<Workspace<1, PIXELS, 30>> = boxed_zeroed();
    let x = Matrix::<1, PIXELS>([*data.test.image(0)]);
    let mut y = [0.0f32; PIXELS];
    let ae_infer = per_call_us(20_000, || {
        ae::forward(&mut ws, &p, black_box(&x), Activation::Relu);
        for (o, &z) in y.iter_mut().zip(&ws.f5.0[0]) {
            *o = kernel::activation::sigmoid(z);
        }
        black_box(&y);
    });
    let mut g: Box<GaussianVae<PIXELS, 400, 20, 400>> = boxed_zeroed();
    g.init_uniform(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let mut gws: Box<vg::Workspace<1, PIXELS, 400, 20, 400>> = boxed_zeroed();
    let mut prob: Box<Matrix<1, PIXELS>> = boxed_zeroed();
    let z = Matrix::<1, 20>([[0.3; 20]]);
    let vae_decode = per_call_us(5_000, || {
        vg::decode(&mut prob, &mut gws, &g, black_box(&z));
        black_box(&prob);
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
