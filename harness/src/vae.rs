//! Exercise 4 on MNIST: trains the variational autoencoder with the
//! appendix's objective (eq. 175, `--objective assignment`) or the standard
//! negative ELBO (`--objective elbo`), and writes metrics, weights and
//! figures 16–17 (docs/04-vae.md).
//!
//! Layout of `--out DIR`: `DIR/vae/{assignment,elbo}/` with `metrics.json`,
//! `weights.safetensors`, `fig16_samples.png` (100 decoded prior samples),
//! `fig17_objective.svg` and `reconstructions.png` (test digits, original
//! above, reconstruction from the mean code below). Weights tensors: one
//! `NAME.w` [out, in] and `NAME.b` [out] per layer — `enc1`, `enc2`, `enc3`,
//! `dec1`, `dec2` (assignment) or `enc1`, `enc_mu`, `enc_logvar`, `dec1`,
//! `dec2` (elbo).

use crate::boxed::{boxed_zeroed, Zeroable};
use crate::cli::{self, Batch};
use crate::mnist::{self, Split, PIXELS};
use crate::train::{self, TrainConfig, Trainable};
use crate::{io, plot, weights, Result};
use kernel::dense::Linear;
use kernel::optim::Adam;
use kernel::vae::{assignment as va, gaussian as vg, AssignmentConfig, AssignmentVae, GaussianVae};
use kernel::Matrix;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Latent sizes compiled in for `--objective elbo` (`--latent`).
pub const LATENT_SIZES: [usize; 4] = [2, 10, 20, 40];

/// `--objective`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Objective {
    /// Eq. 175 on the appendix's 784-400-200-40 / 40-400-784 network.
    Assignment,
    /// The negative ELBO of a Gaussian encoder and Bernoulli decoder, 784-400-Z-400-784.
    Elbo,
}

impl Objective {
    /// Lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Objective::Assignment => "assignment",
            Objective::Elbo => "elbo",
        }
    }
}

/// `harness vae` options; unset values take the objective's defaults.
#[derive(clap::Args, Debug, Clone)]
pub struct VaeArgs {
    /// Which objective and network.
    #[arg(long, value_enum, default_value = "assignment")]
    pub objective: Objective,
    /// Passes over the training set (default: 50 for assignment, 10 for elbo).
    #[arg(long, value_parser = cli::parse_positive)]
    pub epochs: Option<usize>,
    /// Minibatch size or `full` (default: 600 for assignment, 128 for elbo).
    #[arg(long, value_parser = cli::parse_batch)]
    pub batch: Option<Batch>,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3, value_parser = cli::parse_lr)]
    pub lr: f32,
    /// Latent size Z for `elbo` (2, 10, 20 or 40; default 20). The appendix's network has 40.
    #[arg(long, value_parser = cli::parse_positive)]
    pub latent: Option<usize>,
    /// Remove the appendix's relu on the encoder mean (`assignment` only).
    #[arg(long)]
    pub linear_mean: bool,
    /// Seed, data, output, threads, subset, checkpoints.
    #[command(flatten)]
    pub run: cli::RunArgs,
}

/// `metrics.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metrics {
    /// The objective per training image with the final weights (one ε per image).
    pub train_loss: f64,
    /// The same over the 10 000 test images: for `elbo`, the negative ELBO in nats per image.
    pub test_loss: f64,
    /// Epochs trained.
    pub epochs: usize,
    /// Training seconds per epoch.
    pub seconds_per_epoch: f64,
    /// Mean objective over each epoch's steps.
    pub loss_curve: Vec<f64>,
    /// The objective of every step (figure 17).
    pub step_losses: Vec<f64>,
    /// `assignment` or `elbo`.
    pub objective: String,
    /// Latent size.
    pub latent: usize,
    /// Minibatch size or `full`.
    pub batch: String,
    /// Adam learning rate.
    pub lr: f32,
    /// Whether the encoder mean is linear (no relu).
    pub linear_mean: bool,
    /// Seed.
    pub seed: u64,
    /// Training images used.
    pub train_images: usize,
    /// Worker threads (does not change the numbers).
    pub threads: usize,
}

/// Images per kernel call of the appendix's network: its batches of 600
/// make 12 chunks, 6 per thread on two cores.
pub const CHUNK: usize = 50;
/// Images per kernel call of the standard VAE: its batches of 128 make two
/// chunks, one per thread on two cores (50 would make 50 + 50 + 28, two
/// chunks on one thread and one on the other).
pub const STANDARD_CHUNK: usize = 64;

/// The appendix's network as a [`Trainable`].
pub struct Appendix {
    /// The objective's choices.
    pub cfg: AssignmentConfig,
}
/// The appendix's parameters.
pub type AppendixParams = AssignmentVae<PIXELS, 400, 200, 40, 400>;
/// One chunk of the appendix's network.
pub struct AppendixWork {
    x: Matrix<CHUNK, PIXELS>,
    eps: Matrix<CHUNK, 40>,
    ws: va::Workspace<CHUNK, PIXELS, 400, 200, 40, 400>,
}

/// The standard VAE with Z latent units as a [`Trainable`].
pub struct Standard<const Z: usize>;
/// One chunk of the standard VAE.
pub struct StandardWork<const Z: usize> {
    x: Matrix<STANDARD_CHUNK, PIXELS>,
    eps: Matrix<STANDARD_CHUNK, Z>,
    ws: vg::Workspace<STANDARD_CHUNK, PIXELS, 400, Z, 400>,
}

// SAFETY: every field below is (a struct of) f32 matrices and arrays.
unsafe impl<const O: usize, const I: usize> Zeroable for Linear<O, I> {}
// SAFETY: as above.
unsafe impl<const X: usize, const A: usize, const B: usize, const Z: usize, const D: usize> Zeroable for AssignmentVae<X, A, B, Z, D> {}
// SAFETY: as above.
unsafe impl<const X: usize, const E: usize, const Z: usize, const D: usize> Zeroable for GaussianVae<X, E, Z, D> {}
// SAFETY: as above.
unsafe impl Zeroable for AppendixWork {}
// SAFETY: as above.
unsafe impl<const Z: usize> Zeroable for StandardWork<Z> {}

fn linear_shapes(names: usize, dims: &[(usize, usize)]) -> Vec<Vec<usize>> {
    debug_assert_eq!(names, dims.len());
    dims.iter().flat_map(|&(o, i)| [vec![o, i], vec![o]]).collect()
}

fn load_rows<const B: usize, const Z: usize>(x: &mut Matrix<B, PIXELS>, eps: &mut Matrix<B, Z>, images: &[&[f32; PIXELS]], noise: &[f32]) {
    for (row, img) in x.0.iter_mut().zip(images) {
        row.copy_from_slice(*img);
    }
    for (row, e) in eps.0.iter_mut().zip(noise.chunks_exact(Z)) {
        row.copy_from_slice(e);
    }
}

impl Trainable for Appendix {
    type Params = AppendixParams;
    type Work = AppendixWork;
    const CHUNK: usize = CHUNK;
    const NOISE: usize = 40;
    fn shapes(&self) -> Vec<Vec<usize>> {
        linear_shapes(5, &[(400, PIXELS), (200, 400), (40, 200), (400, 40), (PIXELS, 400)])
    }
    fn init(&self, params: &mut Self::Params, rng: &mut Xoshiro256PlusPlus) {
        params.init_uniform(rng);
    }
    fn load(&self, w: &mut Self::Work, images: &[&[f32; PIXELS]], noise: &[f32]) {
        load_rows(&mut w.x, &mut w.eps, images, noise);
    }
    fn chunk_grad(&self, p: &Self::Params, g: &mut Self::Params, w: &mut Self::Work, rows: usize, n_total: usize) -> f64 {
        va::forward(&mut w.ws, p, &w.x, &w.eps, self.cfg);
        let sum = va::loss_sum(&w.ws, &w.x, rows, self.cfg);
        va::backward(g, &mut w.ws, p, &w.x, rows, n_total, self.cfg);
        sum as f64
    }
    fn chunk_loss(&self, p: &Self::Params, w: &mut Self::Work, rows: usize) -> f64 {
        va::forward(&mut w.ws, p, &w.x, &w.eps, self.cfg);
        va::loss_sum(&w.ws, &w.x, rows, self.cfg) as f64
    }
}

impl<const Z: usize> Trainable for Standard<Z> {
    type Params = GaussianVae<PIXELS, 400, Z, 400>;
    type Work = StandardWork<Z>;
    const CHUNK: usize = STANDARD_CHUNK;
    const NOISE: usize = Z;
    fn shapes(&self) -> Vec<Vec<usize>> {
        linear_shapes(5, &[(400, PIXELS), (Z, 400), (Z, 400), (400, Z), (PIXELS, 400)])
    }
    fn init(&self, params: &mut Self::Params, rng: &mut Xoshiro256PlusPlus) {
        params.init_uniform(rng);
    }
    fn load(&self, w: &mut Self::Work, images: &[&[f32; PIXELS]], noise: &[f32]) {
        load_rows(&mut w.x, &mut w.eps, images, noise);
    }
    fn chunk_grad(&self, p: &Self::Params, g: &mut Self::Params, w: &mut Self::Work, rows: usize, n_total: usize) -> f64 {
        vg::forward(&mut w.ws, p, &w.x, &w.eps);
        let (r, k) = vg::loss_sum(&w.ws, &w.x, rows);
        vg::backward(g, &mut w.ws, p, &w.x, rows, n_total);
        r as f64 + k as f64
    }
    fn chunk_loss(&self, p: &Self::Params, w: &mut Self::Work, rows: usize) -> f64 {
        vg::forward(&mut w.ws, p, &w.x, &w.eps);
        let (r, k) = vg::loss_sum(&w.ws, &w.x, rows);
        r as f64 + k as f64
    }
}

/// A model's decoder, for figures: probabilities for latent codes (rows).
trait Decoder: Trainable {
    const LATENT: usize;
    fn decode(&self, p: &Self::Params, w: &mut Self::Work, z: &[f32]) -> Vec<Vec<f32>>;
    /// The encoder mean of each image, for reconstructions.
    fn mean_code(&self, p: &Self::Params, w: &mut Self::Work, images: &[&[f32; PIXELS]]) -> Vec<f32>;
}

fn decode_rows<const B: usize, const Z: usize>(z: &[f32], mut decode: impl FnMut(&Matrix<B, Z>, &mut Matrix<B, PIXELS>)) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    let mut zm: Box<Matrix<B, Z>> = boxed_zeroed();
    let mut prob: Box<Matrix<B, PIXELS>> = boxed_zeroed();
    for block in z.chunks(B * Z) {
        zm.fill_zero();
        for (row, v) in zm.0.iter_mut().zip(block.chunks_exact(Z)) {
            row.copy_from_slice(v);
        }
        decode(&zm, &mut prob);
        out.extend(prob.0[..block.len() / Z].iter().map(|r| r.to_vec()));
    }
    out
}

impl Decoder for Appendix {
    const LATENT: usize = 40;
    fn decode(&self, p: &Self::Params, w: &mut Self::Work, z: &[f32]) -> Vec<Vec<f32>> {
        decode_rows::<CHUNK, 40>(z, |zm, prob| va::decode(prob, &mut w.ws, p, zm))
    }
    fn mean_code(&self, p: &Self::Params, w: &mut Self::Work, images: &[&[f32; PIXELS]]) -> Vec<f32> {
        self.load(w, images, &vec![0.0; images.len() * 40]);
        va::forward(&mut w.ws, p, &w.x, &w.eps, self.cfg);
        w.ws.mu_z.0[..images.len()].iter().flatten().copied().collect()
    }
}

impl<const Z: usize> Decoder for Standard<Z> {
    const LATENT: usize = Z;
    fn decode(&self, p: &Self::Params, w: &mut Self::Work, z: &[f32]) -> Vec<Vec<f32>> {
        decode_rows::<STANDARD_CHUNK, Z>(z, |zm, prob| vg::decode(prob, &mut w.ws, p, zm))
    }
    fn mean_code(&self, p: &Self::Params, w: &mut Self::Work, images: &[&[f32; PIXELS]]) -> Vec<f32> {
        self.load(w, images, &vec![0.0; images.len() * Z]);
        vg::forward(&mut w.ws, p, &w.x, &w.eps);
        w.ws.mu_z.0[..images.len()].iter().flatten().copied().collect()
    }
}

/// The folder of one objective's run (`assignment-linear-mean` for the
/// appendix's network without the relu on the mean, so both can coexist).
#[must_use]
pub fn run_dir(out: &Path, objective: Objective, linear_mean: bool) -> PathBuf {
    let name = if linear_mean {
        format!("{}-linear-mean", objective.name())
    } else {
        objective.name().to_string()
    };
    out.join("vae").join(name)
}

/// Trains with `args` on `data`, writes metrics, weights and figures.
pub fn run(args: &VaeArgs, data: &mnist::Mnist) -> Result<Metrics> {
    match args.objective {
        Objective::Assignment => {
            if args.latent.is_some_and(|z| z != 40) {
                return Err("--latent applies to --objective elbo; the appendix's network has 40 latent units".into());
            }
            run_model(
                &Appendix {
                    cfg: AssignmentConfig {
                        linear_mean: args.linear_mean,
                        mean_penalty: 0.5,
                    },
                },
                args,
                data,
                40,
                (50, 600),
            )
        }
        Objective::Elbo => {
            if args.linear_mean {
                return Err("--linear-mean applies to --objective assignment".into());
            }
            match args.latent.unwrap_or(20) {
                2 => run_model(&Standard::<2>, args, data, 2, (10, 128)),
                10 => run_model(&Standard::<10>, args, data, 10, (10, 128)),
                20 => run_model(&Standard::<20>, args, data, 20, (10, 128)),
                40 => run_model(&Standard::<40>, args, data, 40, (10, 128)),
                z => Err(format!("--latent {z} is not compiled in; choose one of {LATENT_SIZES:?}").into()),
            }
        }
    }
}

fn run_model<T: Decoder>(model: &T, args: &VaeArgs, data: &mnist::Mnist, latent: usize, defaults: (usize, usize)) -> Result<Metrics> {
    let epochs = args.epochs.unwrap_or(defaults.0);
    let batch = args.batch.unwrap_or(Batch::Mini(defaults.1));
    let train_set: Split = data.train.subset(args.run.train_subset.unwrap_or(data.train.len()));
    let threads = args.run.threads();
    let cfg = TrainConfig {
        epochs,
        batch: batch.size(),
        adam: Adam {
            lr: args.lr,
            ..Adam::PYTORCH_DEFAULT
        },
        threads,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(args.run.seed);
    let mut params: Box<T::Params> = boxed_zeroed();
    model.init(&mut params, &mut rng);
    let steps_per_epoch = batch.size().map_or(1, |b| train_set.len().div_ceil(b.min(train_set.len())));
    let pb = cli::progress((epochs * steps_per_epoch) as u64, &format!("vae {}", args.objective.name()));
    let dir = run_dir(&args.run.out_dir(), args.objective, args.linear_mean);
    let settings = format!(
        "vae objective={} latent={latent} linear_mean={} epochs={epochs} batch={batch} lr={} seed={} train_images={}",
        args.objective.name(),
        args.linear_mean,
        args.lr,
        args.run.seed,
        train_set.len()
    );
    let outcome = train::train(
        model,
        &mut params,
        &train_set,
        &cfg,
        &mut rng,
        &args.run.control.checkpointing(&dir, settings),
        |_, loss| {
            pb.inc(1);
            pb.set_message(format!("objective {loss:.2}"));
        },
    )?;
    pb.finish_and_clear();
    // Evaluation: one ε per image from a generator of its own, so that the
    // numbers do not depend on how many steps training took.
    let mut eval_rng = Xoshiro256PlusPlus::seed_from_u64(args.run.seed ^ 0x5eed_e7a1);
    let mut bufs = train::Buffers::<T>::new(threads);
    let noise = train::normals(&mut eval_rng, train_set.len() * T::NOISE);
    let train_loss = train::dataset_loss(model, &params, &mut bufs, &train_set, &noise) / train_set.len() as f64;
    let noise = train::normals(&mut eval_rng, data.test.len() * T::NOISE);
    let test_loss = train::dataset_loss(model, &params, &mut bufs, &data.test, &noise) / data.test.len() as f64;
    let metrics = Metrics {
        train_loss,
        test_loss,
        epochs,
        seconds_per_epoch: outcome.seconds_per_epoch,
        loss_curve: outcome.loss_curve,
        step_losses: outcome.step_losses,
        objective: args.objective.name().into(),
        latent,
        batch: batch.to_string(),
        lr: args.lr,
        linear_mean: args.linear_mean,
        seed: args.run.seed,
        train_images: train_set.len(),
        threads,
    };
    weights::save(
        &dir.join("weights.safetensors"),
        &*params,
        &model.shapes(),
        &[("objective", metrics.objective.clone())],
    )?;
    io::write_text_atomic(&dir.join("metrics.json"), &serde_json::to_string_pretty(&metrics)?)?;
    figures(model, &params, &metrics, &dir, data, &mut eval_rng)?;
    Ok(metrics)
}

fn figures<T: Decoder>(
    model: &T,
    params: &T::Params,
    m: &Metrics,
    dir: &Path,
    data: &mnist::Mnist,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<()> {
    let mut work: Box<T::Work> = boxed_zeroed();
    let z = train::normals(rng, 100 * T::LATENT);
    let samples = model.decode(params, &mut work, &z);
    let tiles: Vec<&[f32]> = samples.iter().map(|s| &s[..]).collect();
    io::write_atomic(&dir.join("fig16_samples.png"), &plot::image_grid_png(&tiles, 28, 28, 10, 2, 2)?)?;
    let images: Vec<&[f32; PIXELS]> = (0..20).map(|i| data.test.image(i)).collect();
    let codes = model.mean_code(params, &mut work, &images);
    let recon = model.decode(params, &mut work, &codes);
    let mut tiles: Vec<&[f32]> = images.iter().map(|i| &i[..]).collect();
    tiles.extend(recon.iter().map(|r| &r[..]));
    io::write_atomic(&dir.join("reconstructions.png"), &plot::image_grid_png(&tiles, 28, 28, 20, 2, 2)?)?;
    let pts: Vec<(f64, f64)> = m.step_losses.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v)).collect();
    let title = format!("Figure 17: the {} objective over training", m.objective);
    let svg = plot::line_plot_svg(&plot::LinePlot {
        title: &title,
        x_label: "Adam step",
        y_label: "objective per image",
        series: &[plot::Series {
            label: &m.objective,
            points: &pts,
        }],
        log_y: false,
    });
    io::write_text_atomic(&dir.join("fig17_objective.svg"), &svg)
}

/// Reads a run's metrics, if that run exists.
pub fn read_metrics(out: &Path, objective: Objective) -> Result<Option<Metrics>> {
    let p = run_dir(out, objective, false).join("metrics.json");
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(Some(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?))
}
