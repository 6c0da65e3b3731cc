//! `harness -- logistic`: Exercise 1.4–1.7 (docs/01-logistic-regression.md).
//!
//! - Ex 1.6/1.7: 1-D and 2-D slices E(w0 + λ1 u1 + λ2 u2) of E_lik (eq. 2,
//!   `kernel::logistic::lik_loss`) and E_sq (eq. 6, `sq_loss`) on a seeded
//!   two-Gaussian data set, as in the assignment's code appendix, drawn as
//!   figs. 1 and 2, with a convexity verdict from second differences.
//! - Ex 1.4/1.5: the overflow table of eqs. 11–14, naive against stable.

use crate::io::write_text_atomic;
use crate::plot::{heat_map_svg, line_plot_svg, side_by_side_svg, HeatMap, LinePlot, Series};
use kernel::accuracy::{reference, ulp_distance};
use kernel::activation::{log_sigmoid, naive, sigmoid};
use kernel::logistic::{lik_loss, sq_loss};
use kernel::rng::{fill_normal, normal};
use kernel::Matrix;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::path::Path;

/// Number of data points (250 per class).
pub const N: usize = 500;
/// Input dimension.
pub const D: usize = 10;
/// Steps of λ: λ_i = i / STEPS for i = 1..=STEPS, as in the appendix.
pub const STEPS: usize = 100;
/// Step of λ.
const DL: f64 = 1.0 / STEPS as f64;
/// Extra direction triples drawn when searching E_sq for negative curvature.
pub const EXTRA_TRIPLES: usize = 20;
/// Assumed bound on the f32 rounding error of one loss value, in ULP of
/// max|E| along the slice. `lik_loss`/`sq_loss` sum N = 500 positive terms
/// in f32 (and w = w0 + λu is rounded too); measured against f64 the error
/// stays below 16 ULP (`tests/logistic.rs` checks it stays below this).
pub const ROUNDING_ULPS: f64 = 32.0;

/// The second-difference test of one slice of one loss.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Which slice and loss: "1-D slice, E_lik" … "2-D slice, E_sq".
    pub name: String,
    /// Smallest (E[i−1] − 2E[i] + E[i+1]) / Δλ² over the slice.
    pub min_second_difference: f64,
    /// Where it occurs: λ (1-D) or (λ1, λ2) (2-D).
    pub at: Vec<f64>,
    /// The line it was taken along: "λ", "λ1", "λ2", "λ1+λ2" or "λ1-λ2".
    pub along: String,
    /// Rounding allowance (see [`tolerance`]).
    pub tolerance: f64,
    /// Measured max |E_f32 − E_f64| over the slice, in ULP of max|E|.
    pub rounding_ulps: f64,
    /// min_second_difference ≥ −tolerance.
    pub convex: bool,
}

impl Verdict {
    /// The printed verdict line.
    pub fn line(&self) -> String {
        let head = format!("{}: min second difference {:.4}", self.name, self.min_second_difference);
        let at = match self.at[..] {
            [l] => format!("λ = {l:.2}"),
            [a, b] => format!("(λ1, λ2) = ({a:.2}, {b:.2}) along {}", self.along),
            _ => String::new(),
        };
        match self.convex {
            true => format!("{head} → convex along this slice (none below −{:.2e})", self.tolerance),
            false => format!("{head} → NOT convex (negative curvature at {at})"),
        }
    }
}

/// One entry of the overflow table.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// As printed.
    pub text: String,
    /// Distance from the f64 reference rounded to f32, in ULP.
    pub ulps: u32,
    /// NaN, inf, or more than 2 ULP from the reference.
    pub flagged: bool,
}

/// One row of the Ex 1.4/1.5 overflow table.
#[derive(Clone, Debug, Serialize)]
pub struct OverflowRow {
    /// The input.
    pub x: f32,
    /// σ by eq. 11 alone, by eq. 12 alone, and the kernel's stable σ.
    pub sigmoid: [Entry; 3],
    /// σ in f64.
    pub sigmoid_f64: f64,
    /// log σ by eq. 13 alone (plain log), and the kernel's stable log σ.
    pub log_sigmoid: [Entry; 2],
    /// log σ in f64.
    pub log_sigmoid_f64: f64,
}

/// Everything `harness -- logistic` found; also `logistic/logistic.json`.
#[derive(Clone, Debug, Serialize)]
pub struct LogisticReport {
    /// The seed of the data and the slice directions.
    pub seed: u64,
    /// Verdicts for the figures' slices: 1-D E_lik, 1-D E_sq, 2-D E_lik, 2-D E_sq.
    pub verdicts: Vec<Verdict>,
    /// Direction triples tried for E_sq (1-D slices; triple 1 is the figures').
    pub sq_tried: usize,
    /// The first of those slices with a negative second difference beyond rounding.
    pub sq_negative: Option<Verdict>,
    /// The overflow table at x ∈ {−1000, −100, −20, 0, 20, 100, 1000}.
    pub overflow: Vec<OverflowRow>,
    /// The two SVG figures written.
    pub figures: Vec<String>,
}

/// Two unit-variance Gaussian classes, means ±u for a seeded random unit u;
/// points 0..N/2 have c = 0, the rest c = 1.
fn data(r: &mut Xoshiro256PlusPlus) -> (Box<Matrix<N, D>>, Box<[f32; N]>) {
    let mut u = [0.0f32; D];
    fill_normal(r, &mut u);
    let norm = u.iter().map(|v| v * v).sum::<f32>().sqrt();
    let mut x = Box::new(Matrix::<N, D>::zeros());
    let mut c = Box::new([0.0f32; N]);
    for (n, row) in x.0.iter_mut().enumerate() {
        c[n] = if n < N / 2 { 0.0 } else { 1.0 };
        let sign = 2.0 * c[n] - 1.0;
        for (v, &uj) in row.iter_mut().zip(&u) {
            *v = sign * uj / norm + normal(r);
        }
    }
    (x, c)
}

/// vec0, vec1, vec2 = 10·N(0, I_D), as in the appendix.
fn triple(r: &mut Xoshiro256PlusPlus) -> [[f32; D]; 3] {
    let mut t = [[0.0f32; D]; 3];
    for v in &mut t {
        fill_normal(r, v);
        v.iter_mut().for_each(|x| *x *= 10.0);
    }
    t
}

/// w = v0 + a·v1 + b·v2 in f32 (f32) or f64 (as f64 values).
fn weights(t: &[[f32; D]; 3], a: f64, b: f64) -> ([f32; D], [f64; D]) {
    let (a32, b32) = (a as f32, b as f32);
    let w32 = core::array::from_fn(|j| t[0][j] + a32 * t[1][j] + b32 * t[2][j]);
    let w64 = core::array::from_fn(|j| f64::from(t[0][j]) + a * f64::from(t[1][j]) + b * f64::from(t[2][j]));
    (w32, w64)
}

/// E_lik (`lik: true`, eq. 2) or E_sq (eq. 6) in f64, for the rounding check.
fn loss64(lik: bool, w: &[f64; D], x: &Matrix<N, D>, c: &[f32; N]) -> f64 {
    let terms = x.0.iter().zip(c).map(|(xn, &cn)| {
        let a: f64 = w.iter().zip(xn).map(|(wj, &xj)| wj * f64::from(xj)).sum();
        let cn = f64::from(cn);
        if lik {
            -(cn * reference::log_sigmoid(a) + (1.0 - cn) * reference::log_sigmoid(-a))
        } else {
            (cn - reference::sigmoid(a)).powi(2)
        }
    });
    terms.sum::<f64>() / N as f64
}

/// One slice: E on the grid (λ2 rows of λ1 values; one row in 1-D) and the
/// largest rounding error against f64, in ULP of max|E|.
fn evaluate(lik: bool, t: &[[f32; D]; 3], rows: usize, x: &Matrix<N, D>, c: &[f32; N]) -> (Vec<f64>, f64) {
    let loss: fn(&[f32; D], &Matrix<N, D>, &[f32; N]) -> f32 = if lik { lik_loss::<N, D> } else { sq_loss::<N, D> };
    let mut e = Vec::with_capacity(rows * STEPS);
    let mut err = 0.0f64;
    for j in 0..rows {
        let b = if rows == 1 { 0.0 } else { (j + 1) as f64 * DL };
        for i in 0..STEPS {
            let (w32, w64) = weights(t, (i + 1) as f64 * DL, b);
            let v = f64::from(loss(&w32, x, c));
            err = err.max((v - loss64(lik, &w64, x, c)).abs());
            e.push(v);
        }
    }
    let ulp = ulp_of(max_abs(&e));
    (e, err / ulp)
}

fn max_abs(e: &[f64]) -> f64 {
    e.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// The spacing of f32 values at |v|.
fn ulp_of(v: f64) -> f64 {
    let f = (v as f32).abs().max(f32::MIN_POSITIVE);
    f64::from(f32::from_bits(f.to_bits() + 1) - f)
}

/// Rounding allowance for a second difference of f32 loss values with
/// largest magnitude `max_abs`, whose measured error against f64 is
/// `measured_ulps` ULP of max|E|: each value is within
/// r = max(ROUNDING_ULPS, measured_ulps) ULP of the exact one, and
/// E[i−1] − 2E[i] + E[i+1] weighs three of them 1, 2, 1, so its error is at
/// most 4r·ulp(max|E|); divided by Δλ² like the second difference. Only a
/// second difference below −tolerance counts as negative curvature.
pub fn tolerance(max_abs: f64, measured_ulps: f64) -> f64 {
    4.0 * ROUNDING_ULPS.max(measured_ulps) * ulp_of(max_abs) / (DL * DL)
}

/// Smallest second difference of a slice along every line of the grid
/// (1-D: λ; 2-D: rows, columns and both diagonals), with the verdict.
fn verdict(lik: bool, e: &[f64], rows: usize, rounding_ulps: f64) -> Verdict {
    let lines: &[(isize, isize, &str)] = if rows == 1 {
        &[(1, 0, "λ")]
    } else {
        &[(1, 0, "λ1"), (0, 1, "λ2"), (1, 1, "λ1+λ2"), (1, -1, "λ1-λ2")]
    };
    let (mut min, mut at, mut along) = (f64::INFINITY, vec![], "");
    let get = |i: isize, j: isize| e[j as usize * STEPS + i as usize];
    let (ni, nj) = (STEPS as isize, rows as isize);
    for &(di, dj, name) in lines {
        for j in dj.abs()..nj - dj.abs() {
            for i in 1..ni - 1 {
                let d2 = (get(i - di, j - dj) - 2.0 * get(i, j) + get(i + di, j + dj)) / (DL * DL);
                if d2 < min {
                    let lam = |k: isize| (k + 1) as f64 * DL;
                    (min, along) = (d2, name);
                    at = if rows == 1 { vec![lam(i)] } else { vec![lam(i), lam(j)] };
                }
            }
        }
    }
    let tolerance = tolerance(max_abs(e), rounding_ulps);
    Verdict {
        name: format!("{}-D slice, {}", if rows == 1 { 1 } else { 2 }, if lik { "E_lik" } else { "E_sq" }),
        min_second_difference: min,
        at,
        along: along.into(),
        tolerance,
        rounding_ulps,
        convex: min >= -tolerance,
    }
}

/// A value as printed in the overflow table: its shortest round-trip
/// decimal (as f32 or f64), in scientific notation if tiny or huge.
fn show<T: Copy + Into<f64> + std::fmt::Display + std::fmt::LowerExp>(v: T) -> String {
    let a = v.into().abs();
    if a == 0.0 || !a.is_finite() || (1e-3..1e5).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn entry(value: f32, reference: f64) -> Entry {
    let ulps = ulp_distance(value, reference as f32);
    let mut text = show(value);
    let flagged = !value.is_finite() || ulps > 2;
    if flagged {
        text.push('*');
    }
    Entry { text, ulps, flagged }
}

/// The Ex 1.4/1.5 overflow table: naive and stable σ and log σ in f32.
pub fn overflow_table() -> Vec<OverflowRow> {
    [-1000.0f32, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]
        .into_iter()
        .map(|x| {
            let (s, l) = (reference::sigmoid(f64::from(x)), reference::log_sigmoid(f64::from(x)));
            OverflowRow {
                x,
                sigmoid: [naive::sigmoid(x), naive::sigmoid_eq12(x), sigmoid(x)].map(|v| entry(v, s)),
                sigmoid_f64: s,
                log_sigmoid: [naive::log_sigmoid(x), log_sigmoid(x)].map(|v| entry(v, l)),
                log_sigmoid_f64: l,
            }
        })
        .collect()
}

/// Fig. 1 (line plots) or fig. 2 (heat maps, 10 contours) of E_lik and E_sq, side by side.
fn figure(lik: &[f64], sq: &[f64], two_d: bool) -> String {
    let panels = [("E_lik (eq. 2)", lik), ("E_sq (eq. 6)", sq)].map(|(name, e)| {
        if !two_d {
            let pts: Vec<(f64, f64)> = e.iter().enumerate().map(|(i, &v)| ((i + 1) as f64 * DL, v)).collect();
            let (title, series) = (format!("{name} at w0 + λ·u1"), [Series { label: name, points: &pts }]);
            return line_plot_svg(&LinePlot {
                title: &title,
                x_label: "λ",
                y_label: name,
                series: &series,
                log_y: false,
            });
        }
        heat_map_svg(&HeatMap {
            title: &format!("{name} at w0 + λ1·u1 + λ2·u2"),
            x_label: "λ1",
            y_label: "λ2",
            x_range: (DL, 1.0),
            y_range: (DL, 1.0),
            values: e,
            nx: STEPS,
            ny: STEPS,
            contours: 10,
        })
    });
    let (n, ex, d) = if two_d { (2, "1.7", 2) } else { (1, "1.6", 1) };
    side_by_side_svg(
        &panels,
        &format!("Figure {n} (Ex {ex}): {d}-D slices of the error surface of E_lik and E_sq"),
    )
}

/// Runs Ex 1.4–1.7 with `seed`; writes the figures and `logistic.json` under `out/logistic/`.
pub fn run(out: &Path, seed: u64) -> crate::Result<LogisticReport> {
    let mut r = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (x, c) = data(&mut r);
    let t = triple(&mut r);
    let mut slices = vec![];
    let mut verdicts = vec![];
    for rows in [1, STEPS] {
        for lik in [true, false] {
            let (e, ulps) = evaluate(lik, &t, rows, &x, &c);
            verdicts.push(verdict(lik, &e, rows, ulps));
            slices.push(e);
        }
    }
    // Triple 1 is the figures'; draw up to EXTRA_TRIPLES more until E_sq bends down.
    let (mut sq_tried, mut cand) = (1, verdicts[1].clone());
    while cand.convex && sq_tried <= EXTRA_TRIPLES {
        let (e, ulps) = evaluate(false, &triple(&mut r), 1, &x, &c);
        (cand, sq_tried) = (verdict(false, &e, 1, ulps), sq_tried + 1);
    }
    let sq_negative = (!cand.convex).then_some(cand);
    let dir = out.join("logistic");
    let figures = [dir.join("fig1_slices_1d.svg"), dir.join("fig2_slices_2d.svg")];
    write_text_atomic(&figures[0], &figure(&slices[0], &slices[1], false))?;
    write_text_atomic(&figures[1], &figure(&slices[2], &slices[3], true))?;
    let report = LogisticReport {
        seed,
        verdicts,
        sq_tried,
        sq_negative,
        overflow: overflow_table(),
        figures: figures.iter().map(|p| p.display().to_string()).collect(),
    };
    write_text_atomic(&dir.join("logistic.json"), &(serde_json::to_string_pretty(&report)? + "\n"))?;
    Ok(report)
}

/// The printed summary: verdicts, the E_sq search, the overflow table.
pub fn summary(r: &LogisticReport) -> String {
    let mut s = format!("Ex 1.6/1.7: slices of E_lik and E_sq (N = {N}, D = {D}, seed {})\n", r.seed);
    for v in &r.verdicts {
        s += &format!("{}\n", v.line());
    }
    let found = match &r.sq_negative {
        Some(v) => format!("negative curvature on triple {}: {}", r.sq_tried, v.line()),
        None => "no negative second difference beyond rounding".into(),
    };
    s += &format!(
        "E_sq search over 1-D slices (direction triples tried: {}; the figures use triple 1): {found}\n",
        r.sq_tried
    );
    s += "\nEx 1.4/1.5: overflow table in f32 (* = NaN/inf or more than 2 ULP from the f64 reference)\n";
    s += &format!(
        "{:>6} {:>14} {:>14} {:>14} {:>21} {:>14} {:>14} {:>21}\n",
        "x", "σ eq.11", "σ eq.12", "σ stable", "σ f64", "log σ eq.13", "log σ stable", "log σ f64"
    );
    for row in &r.overflow {
        let [a, b, c] = row.sigmoid.each_ref().map(|e| e.text.as_str());
        let [d, e] = row.log_sigmoid.each_ref().map(|e| e.text.as_str());
        let (f, l) = (show(row.sigmoid_f64), show(row.log_sigmoid_f64));
        s += &format!("{:>6} {a:>14} {b:>14} {c:>14} {f:>21} {d:>14} {e:>14} {l:>21}\n", row.x);
    }
    s += &format!("figures: {}\n", r.figures.join(", "));
    s
}
