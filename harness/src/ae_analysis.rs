//! Ex 3.6–3.8 around the trained autoencoders (docs/03-autoencoder.md):
//! the Hessian blocks of E in b2 and in each row of W2 (convex for the
//! cross-entropy, not for the square loss), and the 2-D slices F11, F12,
//! F22 of eqs. 150–152 drawn as figures 10–15 with a verdict per slice.
//! Needs both runs of `harness autoencoder` in the output folder.

use crate::autoencoder::{self, load_weights, Metrics, Model, CHUNK};
use crate::boxed::boxed_zeroed;
use crate::cli::LossArg;
use crate::convexity::min_second_difference_2d;
use crate::mnist::{Mnist, Split, PIXELS};
use crate::train::{self, Buffers, Trainable};
use crate::{io, plot, Result};
use kernel::autoencoder::{self as ae, Autoencoder};
use kernel::{Matrix, ParamBlocks};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::path::Path;

/// Sizes of the analysis (the full run and `--quick`).
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Training images for the Hessian blocks.
    pub hessian_images: usize,
    /// Training images per slice evaluation.
    pub slice_images: usize,
    /// Grid points per axis of a slice, over z ∈ [−1, 1].
    pub grid: usize,
}

impl Sizes {
    /// Full analysis: well under a minute for all six slices in release.
    pub const FULL: Sizes = Sizes {
        hessian_images: 2000,
        slice_images: 500,
        grid: 17,
    };
    /// `--quick`.
    pub const QUICK: Sizes = Sizes {
        hessian_images: 200,
        slice_images: 100,
        grid: 7,
    };
}

/// The Hessian blocks at one point of parameter space.
#[derive(Clone, Debug, Serialize)]
pub struct HessianEvidence {
    /// `bce` or `square`.
    pub loss: String,
    /// Which point: trained weights, the initialisation, or a shifted point.
    pub point: String,
    /// Smallest entry of the (diagonal) b2 Hessian.
    pub b2_min: f64,
    /// How many of the 784 b2 curvatures are negative.
    pub b2_negative: usize,
    /// Smallest eigenvalue over the H × H Hessians of all 784 rows of W2.
    pub w2_min_eigenvalue: f64,
    /// The row where it occurs.
    pub w2_row: usize,
    /// Every block positive semi-definite (to rounding)?
    pub psd: bool,
}

/// One slice's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct SliceVerdict {
    /// `F11`, `F12` or `F22`.
    pub slice: String,
    /// `bce` or `square`.
    pub loss: String,
    /// Smallest second difference (rows, columns, diagonals), per unit z².
    pub min_second_difference: f64,
    /// Rounding tolerance it was compared with.
    pub tolerance: f64,
    /// Where (z1, z2).
    pub at: (f64, f64),
    /// No negative second difference beyond the tolerance.
    pub convex_along_slice: bool,
}

/// Everything Ex 3.6–3.8 computed.
#[derive(Clone, Debug, Serialize)]
pub struct AeAnalysis {
    /// Ex 3.6.
    pub hessians: Vec<HessianEvidence>,
    /// Ex 3.7/3.8.
    pub slices: Vec<SliceVerdict>,
    /// Figure files written.
    pub figures: Vec<String>,
}

/// Runs the analysis on the two trained runs in `out` and writes figures 10–15.
pub fn run(out: &Path, data: &Mnist, sizes: Sizes, seed: u64, threads: usize) -> Result<AeAnalysis> {
    let mut hessians = Vec::new();
    let mut slices = Vec::new();
    let mut grids = Vec::new();
    for loss in [LossArg::Bce, LossArg::Square] {
        let m = autoencoder::read_metrics(out, loss)?
            .ok_or_else(|| format!("no `{}` autoencoder run in {}: train it first", loss.loss().name(), out.display()))?;
        let (h, s, g) = crate::with_hidden!(m.hidden, analyse(out, loss, &m, data, sizes, seed, threads))?;
        hessians.extend(h);
        slices.extend(s);
        grids.push(g);
    }
    let dir = out.join("autoencoder");
    let z = |i: usize| -1.0 + 2.0 * i as f64 / (sizes.grid - 1) as f64;
    let mut figures = Vec::new();
    for (k, (name, fig)) in [("F11", 10), ("F12", 12), ("F22", 14)].into_iter().enumerate() {
        let panels: Vec<String> = grids
            .iter()
            .zip(LABELS)
            .map(|(g, label)| {
                plot::heat_map_svg(&plot::HeatMap {
                    title: &format!("{name}, {label}"),
                    x_label: "z1",
                    y_label: "z2",
                    x_range: (-1.0, 1.0),
                    y_range: (-1.0, 1.0),
                    values: &g[k],
                    nx: sizes.grid,
                    ny: sizes.grid,
                    contours: 10,
                })
            })
            .collect();
        let file = format!("fig{fig}_{name}.svg");
        io::write_text_atomic(
            &dir.join(&file),
            &plot::side_by_side_svg(
                &panels,
                &format!(
                    "Figure {fig}: {name} (eq. {}) for cross-entropy (left) and square loss (right)",
                    150 + k
                ),
            ),
        )?;
        figures.push(file);
        // Figures 11, 13, 15: the cuts through the trained point, z2 = 0 and z1 = 0.
        let mid = sizes.grid / 2;
        let cuts: Vec<String> = grids
            .iter()
            .zip(LABELS)
            .map(|(g, label)| {
                let row: Vec<(f64, f64)> = (0..sizes.grid).map(|j| (z(j), g[k][mid * sizes.grid + j])).collect();
                let col: Vec<(f64, f64)> = (0..sizes.grid).map(|i| (z(i), g[k][i * sizes.grid + mid])).collect();
                plot::line_plot_svg(&plot::LinePlot {
                    title: &format!("{name}, {label}"),
                    x_label: "z",
                    y_label: "E",
                    series: &[
                        plot::Series {
                            label: "along z1 (z2 = 0)",
                            points: &row,
                        },
                        plot::Series {
                            label: "along z2 (z1 = 0)",
                            points: &col,
                        },
                    ],
                    log_y: false,
                })
            })
            .collect();
        let file = format!("fig{}_{name}_cuts.svg", fig + 1);
        io::write_text_atomic(
            &dir.join(&file),
            &plot::side_by_side_svg(
                &cuts,
                &format!(
                    "Figure {}: {name} through the trained weights, cross-entropy (left) and square loss (right)",
                    fig + 1
                ),
            ),
        )?;
        figures.push(file);
    }
    let report = AeAnalysis { hessians, slices, figures };
    io::write_text_atomic(&dir.join("analysis.json"), &serde_json::to_string_pretty(&report)?)?;
    Ok(report)
}

/// The panels' names, in the order the losses are analysed.
const LABELS: [&str; 2] = ["cross-entropy", "square loss"];

type Analysed = (Vec<HessianEvidence>, Vec<SliceVerdict>, Vec<Vec<f64>>);

fn analyse<const H: usize>(
    out: &Path,
    loss: LossArg,
    m: &Metrics,
    data: &Mnist,
    sizes: Sizes,
    seed: u64,
    threads: usize,
) -> Result<Analysed> {
    let phi = autoencoder::activation_of(m);
    let model = Model::<H> { loss: loss.loss(), phi };
    let trained = load_weights::<H>(out, loss, phi)?;
    let mut random: Box<Autoencoder<PIXELS, H>> = boxed_zeroed();
    random.init_uniform(&mut Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x3_6));
    // A point where σ is pushed towards 1 on every pixel: the square loss's
    // curvature factor σ(1−σ) + (σ−x)(1−2σ) (eq. 147) is then negative on the
    // dark pixels (x = 0 and σ > 2/3); the cross-entropy's σ(1−σ) never is.
    let mut shifted = copy(&trained);
    shifted.b2.iter_mut().for_each(|b| *b += 3.0);
    let set = data.train.subset(sizes.hessian_images);
    let name = loss.loss().name().to_string();
    let hessians = vec![
        hessian_evidence(&model, &trained, &set, &name, "trained weights"),
        hessian_evidence(&model, &random, &set, &name, "initialisation (seeded)"),
        hessian_evidence(&model, &shifted, &set, &name, "trained weights with b2 + 3"),
    ];
    // Slices: U ~ N(0, 1) rescaled to the norm of the block it perturbs.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x3_7);
    let mut dir = |block: &[f32]| -> Vec<f32> {
        let mut u = train::normals(&mut rng, block.len());
        let scale = norm(block) / norm(&u).max(1e-30);
        u.iter_mut().for_each(|v| *v *= scale as f32);
        u
    };
    let (u1, u2) = (dir(trained.w1.as_slice()), dir(trained.w1.as_slice()));
    let (v1, v2) = (dir(trained.w2.as_slice()), dir(trained.w2.as_slice()));
    let subset = data.train.subset(sizes.slice_images);
    let mut bufs = Buffers::<Model<H>>::new(threads);
    let g = sizes.grid;
    let step = 2.0 / (g - 1) as f64;
    let mut grids = Vec::new();
    let mut verdicts = Vec::new();
    let mut p = copy(&trained);
    for (slice, (da, db)) in [("F11", (&u1, Some(&u2))), ("F12", (&u1, None)), ("F22", (&v1, Some(&v2)))] {
        let mut values = Vec::with_capacity(g * g);
        for i in 0..g {
            for j in 0..g {
                let (z1, z2) = (-1.0 + j as f64 * step, -1.0 + i as f64 * step);
                copy_into(&mut *p, &*trained);
                match slice {
                    "F11" => perturb(p.w1.as_mut_slice(), da, db.unwrap(), z1, z2),
                    "F12" => {
                        perturb(p.w1.as_mut_slice(), da, da, z1, 0.0);
                        perturb(p.w2.as_mut_slice(), &v1, &v1, z2, 0.0);
                    }
                    _ => perturb(p.w2.as_mut_slice(), da, db.unwrap(), z1, z2),
                }
                values.push(train::dataset_loss(&model, &p, &mut bufs, &subset, &[]) / subset.len() as f64);
            }
        }
        let (d, i, j) = min_second_difference_2d(&values, g, g, step, step);
        let max_abs = values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        // ≈ 100 f32 epsilons of |E|, spread over the second difference's step².
        let tolerance = 100.0 * f32::EPSILON as f64 * max_abs / (step * step);
        verdicts.push(SliceVerdict {
            slice: slice.into(),
            loss: name.clone(),
            min_second_difference: d,
            tolerance,
            at: (-1.0 + j as f64 * step, -1.0 + i as f64 * step),
            convex_along_slice: d >= -tolerance,
        });
        grids.push(values);
    }
    Ok((hessians, verdicts, grids))
}

fn norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt()
}

fn perturb(w: &mut [f32], a: &[f32], b: &[f32], za: f64, zb: f64) {
    for ((w, &a), &b) in w.iter_mut().zip(a).zip(b) {
        *w += za as f32 * a + zb as f32 * b;
    }
}

fn copy<const H: usize>(src: &Autoencoder<PIXELS, H>) -> Box<Autoencoder<PIXELS, H>> {
    let mut dst: Box<Autoencoder<PIXELS, H>> = boxed_zeroed();
    copy_into(&mut *dst, src);
    dst
}

fn copy_into<P: ParamBlocks>(dst: &mut P, src: &P) {
    for (d, (_, s)) in dst.blocks_mut().into_iter().zip(src.blocks()) {
        d.copy_from_slice(s);
    }
}

/// The b2 and W2-row Hessian blocks over `set` (eqs. 145 and 149 as matrices).
fn hessian_evidence<const H: usize>(model: &Model<H>, p: &Autoencoder<PIXELS, H>, set: &Split, loss: &str, point: &str) -> HessianEvidence {
    let mut work: Box<autoencoder::Work<H>> = boxed_zeroed();
    let mut b2 = [0.0f32; PIXELS];
    let mut rows: Vec<Matrix<H, H>> = vec![Matrix::zeros(); PIXELS];
    for start in (0..set.len()).step_by(CHUNK) {
        let images: Vec<&[f32; PIXELS]> = (start..(start + CHUNK).min(set.len())).map(|i| set.image(i)).collect();
        work.x.fill_zero();
        model.load(&mut work, &images, &[]);
        ae::forward(&mut work.ws, p, &work.x, model.phi);
        let n = images.len();
        ae::b2_hessian_acc(&mut b2, &work.ws, &work.x, n, model.loss, set.len());
        for (a, h) in rows.iter_mut().enumerate() {
            ae::w2_row_hessian_acc(h, &work.ws, &work.x, n, model.loss, a, set.len());
        }
    }
    let (mut w2_min, mut w2_row) = (f64::INFINITY, 0);
    for (a, h) in rows.iter().enumerate() {
        let mut m: [[f64; H]; H] = std::array::from_fn(|i| std::array::from_fn(|j| h.0[i][j] as f64));
        let ev = kernel::linalg::symmetric_eigenvalues(&mut m);
        if ev[0] < w2_min {
            (w2_min, w2_row) = (ev[0], a);
        }
    }
    let b2_min = b2.iter().fold(f64::INFINITY, |m, &v| m.min(v as f64));
    let scale = rows.iter().flat_map(|h| h.as_slice()).fold(0.0f64, |m, &v| m.max(v.abs() as f64));
    HessianEvidence {
        loss: loss.into(),
        point: point.into(),
        b2_min,
        b2_negative: b2.iter().filter(|&&v| v < 0.0).count(),
        w2_min_eigenvalue: w2_min,
        w2_row,
        psd: b2_min >= 0.0 && w2_min >= -1e-6 * scale,
    }
}
