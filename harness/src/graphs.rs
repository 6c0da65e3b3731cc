//! `harness -- graphs`: Exercise 2's five computation graphs, each gradient
//! checked three ways (docs/02-reverse-mode.md, "Checking a schedule").
//!
//! For 2.1–2.5 (losses eqs. 15, 28, 45, 71, 74) at fixed odd sizes, with
//! fixed seeded inputs and every choice of φ (three for 2.2, all nine pairs
//! (φ1, φ2) for 2.3–2.5), this computes the scheduled gradient
//! (`kernel::graphs::exNN::backward`), the closed form the assignment
//! derives (eqs. 27, 43, 67–68, 72–73, 95) and central finite differences
//! of the independent f64 loss (`kernel::graphs::naive`), and records the
//! largest relative difference (`kernel::gradcheck::max_relative_difference`)
//! of each pair.

use crate::io::write_text_atomic;
use kernel::gradcheck::{central_difference, max_relative_difference};
use kernel::graphs::{ex21, ex22, ex23, ex24, ex25, naive};
use kernel::rng::fill_uniform;
use kernel::{Activation, Matrix};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::path::Path;

/// Finite-difference step (f64).
pub const H: f64 = 1e-6;
/// Largest relative difference allowed against finite differences.
pub const FD_TOL: f64 = 1e-4;
/// Largest relative difference allowed between schedule and closed form.
pub const CLOSED_TOL: f64 = 1e-5;

/// One graph's result: the worst case over every φ choice and weight matrix.
#[derive(Clone, Debug, Serialize)]
pub struct GraphRow {
    /// Exercise id, "2.1" … "2.5".
    pub exercise: String,
    /// Equations: the loss, the reverse schedule and the closed form.
    pub equations: String,
    /// Shapes of the weights and data.
    pub shapes: String,
    /// Number of φ choices checked.
    pub phi_choices: usize,
    /// Largest relative difference, scheduled vs closed form.
    pub sched_vs_closed: f64,
    /// Largest relative difference, scheduled vs finite differences.
    pub sched_vs_fd: f64,
    /// Largest relative difference, closed form vs finite differences.
    pub closed_vs_fd: f64,
    /// Both FD differences ≤ [`FD_TOL`] and scheduled vs closed ≤ [`CLOSED_TOL`].
    pub pass: bool,
}

/// The whole check, as printed and as written to `graphs/graphs.json`.
#[derive(Clone, Debug, Serialize)]
pub struct GraphsReport {
    /// Finite-difference step.
    pub h: f64,
    /// Tolerance against finite differences.
    pub fd_tol: f64,
    /// Tolerance between schedule and closed form.
    pub closed_tol: f64,
    /// One row per graph, 2.1 to 2.5.
    pub rows: Vec<GraphRow>,
    /// Every row passes.
    pub all_pass: bool,
}

/// The three differences of one gradient: [sched–closed, sched–FD, closed–FD].
type Diffs = [f64; 3];

/// Elementwise maximum that keeps NaN (a NaN difference must fail).
fn worst(a: Diffs, b: Diffs) -> Diffs {
    core::array::from_fn(|i| if a[i].is_nan() || b[i].is_nan() { f64::NAN } else { a[i].max(b[i]) })
}

/// Compares one weight's scheduled gradient, closed form and FD gradient.
fn compare(sched: &[f32], closed: &[f32], fd: &[f64]) -> Diffs {
    let closed64: Vec<f64> = closed.iter().map(|&v| f64::from(v)).collect();
    [
        max_relative_difference(sched, &closed64),
        max_relative_difference(sched, fd),
        max_relative_difference(closed, fd),
    ]
}

/// Central differences of `f` at the f32 point `w` (widened to f64).
fn fd(w: &[f32], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut x: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
    let mut out = vec![0.0; x.len()];
    central_difference(&mut out, &mut x, H, f);
    out
}

fn to64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Seeded generator for one graph and one φ choice.
fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A matrix uniform on [−1, 1) from the kernel's sampler.
fn uniform_matrix<const R: usize, const C: usize>(r: &mut Xoshiro256PlusPlus) -> Matrix<R, C> {
    let mut m = Matrix::zeros();
    fill_uniform(r, m.as_mut_slice(), -1.0, 1.0);
    m
}

/// An array uniform on [−1, 1) from the kernel's sampler.
fn uniform_array<const N: usize>(r: &mut Xoshiro256PlusPlus) -> [f32; N] {
    let mut a = [0.0; N];
    fill_uniform(r, &mut a, -1.0, 1.0);
    a
}

/// Every (φ1, φ2) pair, in a fixed order.
fn phi_pairs() -> impl Iterator<Item = (Activation, Activation)> {
    Activation::ALL
        .into_iter()
        .flat_map(|p1| Activation::ALL.into_iter().map(move |p2| (p1, p2)))
}

/// Ex 2.1, W 3 × 5 (eqs. 15, 23–27).
fn check_ex21() -> Diffs {
    let mut r = rng(21);
    let (w, x, y) = (
        uniform_matrix::<3, 5>(&mut r),
        uniform_array::<5>(&mut r),
        uniform_array::<3>(&mut r),
    );
    let mut cache = ex21::Cache::default();
    ex21::forward(&mut cache, &w, &x, &y);
    let mut dw = Matrix::zeros();
    ex21::backward(&mut dw, &cache, &x);
    let (x64, y64) = (to64(&x), to64(&y));
    let f = fd(w.as_slice(), |w| naive::ex21_loss(w, &x64, &y64));
    compare(dw.as_slice(), ex21::closed_form(&w, &x, &y).as_slice(), &f)
}

/// Ex 2.2, W 3 × 5, each φ (eqs. 28, 38–43).
fn check_ex22(phi: Activation, seed: u64) -> Diffs {
    let mut r = rng(seed);
    let (w, x, y) = (
        uniform_matrix::<3, 5>(&mut r),
        uniform_array::<5>(&mut r),
        uniform_array::<3>(&mut r),
    );
    let mut cache = ex22::Cache::default();
    ex22::forward(&mut cache, &w, &x, &y, phi);
    let mut dw = Matrix::zeros();
    ex22::backward(&mut dw, &cache, &x, phi);
    let (x64, y64) = (to64(&x), to64(&y));
    let f = fd(w.as_slice(), |w| naive::ex22_loss(w, &x64, &y64, phi));
    compare(dw.as_slice(), ex22::closed_form(&w, &x, &y, phi).as_slice(), &f)
}

/// Ex 2.3, J = 5, K = 3, I = 4 (eqs. 45, 59–68).
fn check_ex23((p1, p2): (Activation, Activation), seed: u64) -> Diffs {
    let mut r = rng(seed);
    let (w1, w2) = (uniform_matrix::<3, 5>(&mut r), uniform_matrix::<4, 3>(&mut r));
    let (x, y) = (uniform_array::<5>(&mut r), uniform_array::<4>(&mut r));
    let mut cache = ex23::Cache::default();
    ex23::forward(&mut cache, &w1, &w2, &x, &y, p1, p2);
    let (mut dw1, mut dw2) = (Matrix::zeros(), Matrix::zeros());
    ex23::backward(&mut dw1, &mut dw2, &cache, &w2, &x, p1, p2);
    let (c1, c2) = ex23::closed_form(&cache, &w2, &x, p1, p2);
    let (w1_64, w2_64, x64, y64) = (to64(w1.as_slice()), to64(w2.as_slice()), to64(&x), to64(&y));
    let f1 = fd(w1.as_slice(), |w| naive::ex23_loss(w, &w2_64, &x64, &y64, p1, p2));
    let f2 = fd(w2.as_slice(), |w| naive::ex23_loss(&w1_64, w, &x64, &y64, p1, p2));
    worst(
        compare(dw1.as_slice(), c1.as_slice(), &f1),
        compare(dw2.as_slice(), c2.as_slice(), &f2),
    )
}

/// Ex 2.4, N = 7, J = 5, K = 3, I = 4 (eqs. 71–73).
fn check_ex24((p1, p2): (Activation, Activation), seed: u64) -> Diffs {
    let mut r = rng(seed);
    let (w1, w2) = (uniform_matrix::<3, 5>(&mut r), uniform_matrix::<4, 3>(&mut r));
    let (x, y) = (uniform_matrix::<7, 5>(&mut r), uniform_matrix::<7, 4>(&mut r));
    let mut cache = ex24::Cache::default();
    ex24::forward(&mut cache, &w1, &w2, &x, &y, p1, p2);
    let (mut dw1, mut dw2) = (Matrix::zeros(), Matrix::zeros());
    ex24::backward(&mut dw1, &mut dw2, &cache, &w2, &x, p1, p2);
    let (c1, c2) = ex24::closed_form(&cache, &w2, &x, p1, p2);
    let (w1_64, w2_64, x64, y64) = (to64(w1.as_slice()), to64(w2.as_slice()), to64(x.as_slice()), to64(y.as_slice()));
    let f1 = fd(w1.as_slice(), |w| naive::ex24_loss(w, &w2_64, &x64, &y64, 3, p1, p2));
    let f2 = fd(w2.as_slice(), |w| naive::ex24_loss(&w1_64, w, &x64, &y64, 3, p1, p2));
    worst(
        compare(dw1.as_slice(), c1.as_slice(), &f1),
        compare(dw2.as_slice(), c2.as_slice(), &f2),
    )
}

/// Ex 2.5, K = 5 (eqs. 74, 88–95).
fn check_ex25((p1, p2): (Activation, Activation), seed: u64) -> Diffs {
    let mut r = rng(seed);
    let w = uniform_matrix::<5, 5>(&mut r);
    let (x, y) = (uniform_array::<5>(&mut r), uniform_array::<5>(&mut r));
    let mut cache = ex23::Cache::default();
    ex25::forward(&mut cache, &w, &x, &y, p1, p2);
    let mut dw = Matrix::zeros();
    ex25::backward(&mut dw, &cache, &w, &x, p1, p2);
    let (x64, y64) = (to64(&x), to64(&y));
    let f = fd(w.as_slice(), |w| naive::ex25_loss(w, &x64, &y64, p1, p2));
    compare(dw.as_slice(), ex25::closed_form(&cache, &w, &x, p1, p2).as_slice(), &f)
}

/// A row from the per-φ differences.
fn row(exercise: &str, equations: &str, shapes: &str, diffs: &[Diffs]) -> GraphRow {
    let [sched_vs_closed, sched_vs_fd, closed_vs_fd] = diffs.iter().copied().fold([0.0; 3], worst);
    GraphRow {
        exercise: exercise.into(),
        equations: equations.into(),
        shapes: shapes.into(),
        phi_choices: diffs.len(),
        sched_vs_closed,
        sched_vs_fd,
        closed_vs_fd,
        pass: sched_vs_fd <= FD_TOL && closed_vs_fd <= FD_TOL && sched_vs_closed <= CLOSED_TOL,
    }
}

/// Checks all five graphs; writes `out/graphs/graphs.json` if `out` is given.
pub fn run(out: Option<&Path>) -> crate::Result<GraphsReport> {
    let pairs: Vec<_> = phi_pairs().collect();
    let ex22: Vec<Diffs> = Activation::ALL.into_iter().zip(220..).map(|(p, s)| check_ex22(p, s)).collect();
    let ex23: Vec<Diffs> = pairs.iter().zip(230..).map(|(&p, s)| check_ex23(p, s)).collect();
    let ex24: Vec<Diffs> = pairs.iter().zip(240..).map(|(&p, s)| check_ex24(p, s)).collect();
    let ex25: Vec<Diffs> = pairs.iter().zip(250..).map(|(&p, s)| check_ex25(p, s)).collect();
    let rows = vec![
        row("2.1", "15; 23-26; 27", "W 3x5", &[check_ex21()]),
        row("2.2", "28; 38-42; 43", "W 3x5", &ex22),
        row("2.3", "45; 59-66; 67-68", "W1 3x5, W2 4x3", &ex23),
        row("2.4", "71; 72-73", "N=7, W1 3x5, W2 4x3", &ex24),
        row("2.5", "74; 88-94; 95", "W 5x5", &ex25),
    ];
    let report = GraphsReport {
        h: H,
        fd_tol: FD_TOL,
        closed_tol: CLOSED_TOL,
        all_pass: rows.iter().all(|r| r.pass),
        rows,
    };
    if let Some(dir) = out {
        let json = serde_json::to_string_pretty(&report)?;
        write_text_atomic(&dir.join("graphs").join("graphs.json"), &(json + "\n"))?;
    }
    Ok(report)
}

/// A difference in scientific notation with two significant digits.
pub fn scientific(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v:.1e}")
    }
}

/// A difference as its power-of-ten bucket: `<1e-6` for v in [1e-7, 1e-6)
/// (the smallest power of ten strictly above v), `0` for 0.
pub fn bucket(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let mut p = v.log10().floor() as i32;
    while 10f64.powi(p) <= v {
        p += 1;
    }
    while 10f64.powi(p - 1) > v {
        p -= 1;
    }
    format!("<1e{p}")
}

/// The report as a fixed-width text table, each difference written by `fmt`.
pub fn table_with(report: &GraphsReport, fmt: impl Fn(f64) -> String) -> String {
    let mut s = format!(
        "Exercise 2: scheduled gradient vs closed form vs central differences (h = {:e}) of the naive f64 E\n\
         pass: both FD differences <= {:e}, scheduled vs closed <= {:e}\n\n",
        report.h, report.fd_tol, report.closed_tol
    );
    s += &format!(
        "{:<4} {:<22} {:<20} {:>3}  {:>14} {:>11} {:>12}  {}\n",
        "ex", "eqs (E; sched; closed)", "shapes", "phi", "sched-closed", "sched-FD", "closed-FD", "pass"
    );
    for r in &report.rows {
        s += &format!(
            "{:<4} {:<22} {:<20} {:>3}  {:>14} {:>11} {:>12}  {}\n",
            r.exercise,
            r.equations,
            r.shapes,
            r.phi_choices,
            fmt(r.sched_vs_closed),
            fmt(r.sched_vs_fd),
            fmt(r.closed_vs_fd),
            if r.pass { "yes" } else { "NO" }
        );
    }
    s
}

/// The report as a fixed-width text table with differences like `3.1e-7`.
pub fn table(report: &GraphsReport) -> String {
    table_with(report, scientific)
}

/// Prints the table; an error (non-zero exit) if any graph fails.
pub fn print_and_check(report: GraphsReport) -> crate::Result<()> {
    print!("{}", table(&report));
    let failed: Vec<&str> = report.rows.iter().filter(|r| !r.pass).map(|r| r.exercise.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("gradient check failed for exercise {}", failed.join(", ")).into())
    }
}
