//! Exercise 3 on MNIST: trains the autoencoder of eq. 97 with the
//! assignment's procedure (docs/03-autoencoder.md) and writes metrics,
//! weights and figures 8 and 9.
//!
//! Layout of `--out DIR`: `DIR/autoencoder/{bce,square}/metrics.json` and
//! `weights.safetensors`, and `DIR/autoencoder/fig8_training_error.svg`
//! (redrawn after every run, one panel per loss trained so far) and
//! `fig9_reconstructions.png` (once both losses have been trained).
//! Weights tensors: `w1` [H, 784], `b1` [H], `w2` [784, H], `b2` [784].

use crate::boxed::{as_matrix, boxed_zeroed, Zeroable};
use crate::cli::{self, ActivationArg, Batch, LossArg};
use crate::mnist::{self, PIXELS};
use crate::train::{self, TrainConfig, Trainable};
use crate::{io, plot, weights, Result};
use kernel::autoencoder::{self as ae, Autoencoder, Workspace};
use kernel::loss::Loss;
use kernel::optim::Adam;
use kernel::{Activation, Matrix};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Images per kernel call (divides both 60 000 and 10 000).
pub const CHUNK: usize = 100;
/// Hidden sizes compiled in (`--hidden`).
pub const HIDDEN_SIZES: [usize; 5] = [16, 30, 32, 64, 128];

/// Calls `$f::<H>(args…)` for the runtime hidden size `$h`, one of
/// [`HIDDEN_SIZES`]; any other size is an error.
#[macro_export]
macro_rules! with_hidden {
    ($h:expr, $f:ident ( $($arg:expr),* )) => {
        match $h {
            16 => $f::<16>($($arg),*),
            30 => $f::<30>($($arg),*),
            32 => $f::<32>($($arg),*),
            64 => $f::<64>($($arg),*),
            128 => $f::<128>($($arg),*),
            h => Err(format!("--hidden {h} is not compiled in; choose one of {:?}", $crate::autoencoder::HIDDEN_SIZES).into()),
        }
    };
}

/// `harness autoencoder` options; the defaults are the assignment's procedure.
#[derive(clap::Args, Debug, Clone)]
pub struct AutoencoderArgs {
    /// Loss L of eq. 98.
    #[arg(long, value_enum, default_value = "bce")]
    pub loss: LossArg,
    /// Hidden units H (16, 30, 32, 64 or 128).
    #[arg(long, default_value_t = 30, value_parser = cli::parse_positive)]
    pub hidden: usize,
    /// Hidden nonlinearity φ.
    #[arg(long, value_enum, default_value = "relu")]
    pub activation: ActivationArg,
    /// Passes over the training set.
    #[arg(long, default_value_t = 100, value_parser = cli::parse_positive)]
    pub epochs: usize,
    /// `full` (one Adam step per epoch, the assignment's setting) or a minibatch size.
    #[arg(long, default_value = "full", value_parser = cli::parse_batch)]
    pub batch: Batch,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.05, value_parser = cli::parse_lr)]
    pub lr: f32,
    /// Seed, data, output, threads, subset, checkpoints.
    #[command(flatten)]
    pub run: cli::RunArgs,
}

/// `metrics.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metrics {
    /// Eq. 98 over the training images with the final weights.
    pub train_loss: f64,
    /// Eq. 98 over the 10 000 test images with the final weights.
    pub test_loss: f64,
    /// Epochs trained.
    pub epochs: usize,
    /// Training seconds per epoch (no loading or evaluation).
    pub seconds_per_epoch: f64,
    /// The objective at the start of each epoch's steps (eq. 98, mean over the epoch).
    pub loss_curve: Vec<f64>,
    /// Loss name (`bce` or `square`).
    pub loss: String,
    /// Hidden units.
    pub hidden: usize,
    /// φ.
    pub activation: String,
    /// `full` or the minibatch size.
    pub batch: String,
    /// Adam learning rate.
    pub lr: f32,
    /// Seed.
    pub seed: u64,
    /// Training images used.
    pub train_images: usize,
    /// Worker threads (does not change the numbers).
    pub threads: usize,
}

/// The kernel's autoencoder as a [`Trainable`] with H hidden units.
pub struct Model<const H: usize> {
    /// The loss L.
    pub loss: Loss,
    /// φ.
    pub phi: Activation,
}

/// One chunk: its input rows and the kernel's workspace.
pub struct Work<const H: usize> {
    /// Input images, one per row (CHUNK × 784).
    pub x: Matrix<CHUNK, PIXELS>,
    /// Node values and messages.
    pub ws: Workspace<CHUNK, PIXELS, H>,
}

// SAFETY: all fields are f32 matrices and arrays.
unsafe impl<const H: usize> Zeroable for Work<H> {}
// SAFETY: all fields are f32 matrices and arrays.
unsafe impl<const D: usize, const H: usize> Zeroable for Autoencoder<D, H> {}

impl<const H: usize> Trainable for Model<H> {
    type Params = Autoencoder<PIXELS, H>;
    type Work = Work<H>;
    const CHUNK: usize = CHUNK;
    const NOISE: usize = 0;

    fn shapes(&self) -> Vec<Vec<usize>> {
        vec![vec![H, PIXELS], vec![H], vec![PIXELS, H], vec![PIXELS]]
    }
    fn init(&self, params: &mut Self::Params, rng: &mut Xoshiro256PlusPlus) {
        params.init_uniform(rng);
    }
    fn load(&self, work: &mut Self::Work, images: &[&[f32; PIXELS]], _noise: &[f32]) {
        for (row, img) in work.x.0.iter_mut().zip(images) {
            row.copy_from_slice(*img);
        }
    }
    fn chunk_grad(&self, params: &Self::Params, grad: &mut Self::Params, work: &mut Self::Work, rows: usize, n_total: usize) -> f64 {
        self.grad_rows(params, grad, &mut work.ws, &work.x, rows, n_total)
    }
    fn chunk_loss(&self, params: &Self::Params, work: &mut Self::Work, rows: usize) -> f64 {
        self.loss_rows(params, &mut work.ws, &work.x, rows)
    }
    fn chunk_grad_in_place(
        &self,
        params: &Self::Params,
        grad: &mut Self::Params,
        work: &mut Self::Work,
        x: &[[f32; PIXELS]],
        n_total: usize,
    ) -> Option<f64> {
        Some(self.grad_rows(params, grad, &mut work.ws, as_matrix(x.try_into().ok()?), CHUNK, n_total))
    }
    fn chunk_loss_in_place(&self, params: &Self::Params, work: &mut Self::Work, x: &[[f32; PIXELS]]) -> Option<f64> {
        Some(self.loss_rows(params, &mut work.ws, as_matrix(x.try_into().ok()?), CHUNK))
    }
}

impl<const H: usize> Model<H> {
    /// Forward and backward over the first `rows` rows of `x` (eqs. 103–108
    /// and the reverse schedule): `grad += ∂E/∂θ`; the summed objective.
    fn grad_rows(
        &self,
        params: &Autoencoder<PIXELS, H>,
        grad: &mut Autoencoder<PIXELS, H>,
        ws: &mut Workspace<CHUNK, PIXELS, H>,
        x: &Matrix<CHUNK, PIXELS>,
        rows: usize,
        n_total: usize,
    ) -> f64 {
        ae::forward(ws, params, x, self.phi);
        ae::backward(grad, ws, params, x, rows, self.loss, self.phi, n_total) as f64
    }

    /// Forward only: the summed objective of the first `rows` rows of `x`.
    fn loss_rows(
        &self,
        params: &Autoencoder<PIXELS, H>,
        ws: &mut Workspace<CHUNK, PIXELS, H>,
        x: &Matrix<CHUNK, PIXELS>,
        rows: usize,
    ) -> f64 {
        ae::forward(ws, params, x, self.phi);
        ae::loss_sum(ws, x, rows, self.loss) as f64
    }
}

/// The folder of one loss's run.
#[must_use]
pub fn run_dir(out: &Path, loss: LossArg) -> PathBuf {
    out.join("autoencoder").join(loss.loss().name())
}

/// Trains with `args` on `data` and writes metrics and weights; then redraws
/// the figures from whatever runs the output folder holds.
pub fn run(args: &AutoencoderArgs, data: &mnist::Mnist) -> Result<Metrics> {
    let m = crate::with_hidden!(args.hidden, run_h(args, data))?;
    draw_figures(&args.run.out_dir(), data)?;
    Ok(m)
}

fn run_h<const H: usize>(args: &AutoencoderArgs, data: &mnist::Mnist) -> Result<Metrics> {
    let model = Model::<H> {
        loss: args.loss.loss(),
        phi: args.activation.activation(),
    };
    let train_set = match args.run.train_subset {
        Some(n) => data.train.subset(n),
        None => data.train.subset(data.train.len()),
    };
    let threads = args.run.threads();
    let cfg = TrainConfig {
        epochs: args.epochs,
        batch: args.batch.size(),
        adam: Adam {
            lr: args.lr,
            ..Adam::ASSIGNMENT_AUTOENCODER
        },
        threads,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.run.seed);
    let mut params: Box<Autoencoder<PIXELS, H>> = boxed_zeroed();
    model.init(&mut params, &mut rng);
    let steps_per_epoch = args.batch.size().map_or(1, |b| train_set.len().div_ceil(b.min(train_set.len())));
    let pb = cli::progress(
        (args.epochs * steps_per_epoch) as u64,
        &format!("autoencoder {}", model.loss.name()),
    );
    let out = args.run.out_dir();
    let dir = run_dir(&out, args.loss);
    let settings = format!(
        "autoencoder loss={} hidden={H} activation={} epochs={} batch={} lr={} seed={} train_images={}",
        model.loss.name(),
        model.phi.name(),
        args.epochs,
        args.batch,
        args.lr,
        args.run.seed,
        train_set.len()
    );
    let outcome = train::train(
        &model,
        &mut params,
        &train_set,
        &cfg,
        &mut rng,
        &args.run.control.checkpointing(&dir, settings),
        |_, loss| {
            pb.inc(1);
            pb.set_message(format!("loss {loss:.3}"));
        },
    )?;
    pb.finish_and_clear();
    let mut bufs = train::Buffers::<Model<H>>::new(threads);
    let train_loss = train::dataset_loss(&model, &params, &mut bufs, &train_set, &[]) / train_set.len() as f64;
    let test_loss = train::dataset_loss(&model, &params, &mut bufs, &data.test, &[]) / data.test.len() as f64;
    let metrics = Metrics {
        train_loss,
        test_loss,
        epochs: args.epochs,
        seconds_per_epoch: outcome.seconds_per_epoch,
        loss_curve: outcome.loss_curve,
        loss: model.loss.name().into(),
        hidden: H,
        activation: model.phi.name().into(),
        batch: args.batch.to_string(),
        lr: args.lr,
        seed: args.run.seed,
        train_images: train_set.len(),
        threads,
    };
    let meta = [
        ("model", format!("autoencoder 784-{H}-784 {}", model.phi.name())),
        ("loss", metrics.loss.clone()),
    ];
    weights::save(&dir.join("weights.safetensors"), &*params, &model.shapes(), &meta)?;
    io::write_text_atomic(&dir.join("metrics.json"), &serde_json::to_string_pretty(&metrics)?)?;
    Ok(metrics)
}

/// Reads a run's metrics, if that run exists.
pub fn read_metrics(out: &Path, loss: LossArg) -> Result<Option<Metrics>> {
    let p = run_dir(out, loss).join("metrics.json");
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(Some(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?))
}

/// σ(f(x)) for `images` (at most CHUNK) with the weights of a run.
pub fn reconstruct<const H: usize>(params: &Autoencoder<PIXELS, H>, phi: Activation, images: &[&[f32; PIXELS]]) -> Vec<Vec<f32>> {
    let mut work: Box<Work<H>> = boxed_zeroed();
    let model = Model::<H> {
        loss: Loss::CrossEntropy,
        phi,
    };
    model.load(&mut work, images, &[]);
    ae::forward(&mut work.ws, params, &work.x, phi);
    work.ws.f5.0[..images.len()]
        .iter()
        .map(|row| row.iter().map(|&z| kernel::activation::sigmoid(z)).collect())
        .collect()
}

/// The activation a run's metrics name.
#[must_use]
pub fn activation_of(m: &Metrics) -> Activation {
    match m.activation.as_str() {
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        _ => Activation::Relu,
    }
}

/// Loads a run's weights (H hidden units) into a zeroed box.
pub fn load_weights<const H: usize>(out: &Path, loss: LossArg, phi: Activation) -> Result<Box<Autoencoder<PIXELS, H>>> {
    let mut p: Box<Autoencoder<PIXELS, H>> = boxed_zeroed();
    weights::load(
        &run_dir(out, loss).join("weights.safetensors"),
        &mut *p,
        &Model::<H> { loss: loss.loss(), phi }.shapes(),
    )?;
    Ok(p)
}

fn reconstruct_run<const H: usize>(out: &Path, loss: LossArg, m: &Metrics, images: &[&[f32; PIXELS]]) -> Result<Vec<Vec<f32>>> {
    let phi = activation_of(m);
    Ok(reconstruct(&*load_weights::<H>(out, loss, phi)?, phi, images))
}

/// Figure 8 (training error of each run there is) and figure 9 (100 test
/// digits: original | square-loss | cross-entropy reconstruction) when both exist.
pub fn draw_figures(out: &Path, data: &mnist::Mnist) -> Result<()> {
    let runs: Vec<(LossArg, Metrics)> = [LossArg::Square, LossArg::Bce]
        .into_iter()
        .filter_map(|l| read_metrics(out, l).ok().flatten().map(|m| (l, m)))
        .collect();
    if runs.is_empty() {
        return Ok(());
    }
    let panels: Vec<String> = runs
        .iter()
        .map(|(l, m)| {
            let pts: Vec<(f64, f64)> = m.loss_curve.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v)).collect();
            let name = if *l == LossArg::Square {
                "Square loss"
            } else {
                "Cross-entropy loss"
            };
            plot::line_plot_svg(&plot::LinePlot {
                title: &format!("{name}: training error (eq. 98)"),
                x_label: "epoch (one Adam step each)",
                y_label: "E",
                series: &[plot::Series { label: name, points: &pts }],
                log_y: false,
            })
        })
        .collect();
    let dir = out.join("autoencoder");
    io::write_text_atomic(
        &dir.join("fig8_training_error.svg"),
        &plot::side_by_side_svg(&panels, "Figure 8: training error per Adam step"),
    )?;
    if runs.len() == 2 && runs.iter().all(|(_, m)| m.hidden == runs[0].1.hidden) {
        let images: Vec<&[f32; PIXELS]> = (0..100).map(|i| data.test.image(i)).collect();
        let recon =
            |l: LossArg, m: &Metrics| -> Result<Vec<Vec<f32>>> { crate::with_hidden!(m.hidden, reconstruct_run(out, l, m, &images)) };
        let sq = recon(LossArg::Square, &runs[0].1)?;
        let ce = recon(LossArg::Bce, &runs[1].1)?;
        let mut tiles: Vec<&[f32]> = Vec::with_capacity(300);
        for i in 0..100 {
            tiles.extend([&images[i][..], &sq[i][..], &ce[i][..]]);
        }
        let png = plot::image_grid_png(&tiles, 28, 28, 30, 2, 2)?;
        io::write_atomic(&dir.join("fig9_reconstructions.png"), &png)?;
    }
    Ok(())
}

/// Loads MNIST as `args` say.
pub fn load_data(data_dir: &Path, no_verify: bool) -> Result<mnist::Mnist> {
    Ok(mnist::load(data_dir, !no_verify)?)
}
