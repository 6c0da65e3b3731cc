//! Ex 1: gradients and Hessians of both logistic-regression losses against
//! f64 finite differences of independent implementations; convexity
//! evidence for E_lik; a concrete point of negative curvature for E_sq; the
//! corrected sign analysis of eqs. 9–10.
mod common;
use common::*;
use kernel::logistic::*;
use kernel::Matrix;

const N: usize = 9;
const D: usize = 4;

fn sig(a: f64) -> f64 {
    1.0 / (1.0 + (-a).exp())
}

/// E_lik and E_sq of eqs. 2 and 6, straight from the definitions in f64.
fn e_lik64(w: &[f64], x: &[f64], c: &[f64]) -> f64 {
    let n = c.len();
    let d = w.len();
    -(0..n)
        .map(|s| {
            let p = sig((0..d).map(|j| w[j] * x[s * d + j]).sum());
            c[s] * p.ln() + (1.0 - c[s]) * (1.0 - p).ln()
        })
        .sum::<f64>()
        / n as f64
}

fn e_sq64(w: &[f64], x: &[f64], c: &[f64]) -> f64 {
    let n = c.len();
    let d = w.len();
    (0..n)
        .map(|s| (c[s] - sig((0..d).map(|j| w[j] * x[s * d + j]).sum())).powi(2))
        .sum::<f64>()
        / n as f64
}

fn data(seed: u64) -> (Matrix<N, D>, [f32; N], [f32; D]) {
    let mut r = rng(seed);
    let x = rand_matrix::<N, D>(&mut r, -2.0, 2.0);
    let c: [f32; N] = core::array::from_fn(|_| if unif(&mut r, 0.0, 1.0) < 0.5 { 0.0 } else { 1.0 });
    let w = rand_array::<D>(&mut r, -1.5, 1.5);
    (x, c, w)
}

/// The Hessian of `e` at `w` by central differences of central differences.
fn fd_hessian(e: impl Fn(&[f64]) -> f64, w: &[f64]) -> Vec<f64> {
    let h = 1e-4;
    let d = w.len();
    let mut out = vec![0.0; d * d];
    for a in 0..d {
        for b in 0..d {
            let at = |da: f64, db: f64| {
                let mut p = w.to_vec();
                p[a] += da;
                p[b] += db;
                e(&p)
            };
            out[a * d + b] = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h);
        }
    }
    out
}

#[test]
fn gradients_and_hessians_match_finite_differences() {
    for seed in 0..5 {
        let (x, c, w) = data(seed);
        let (x64, c64, w64) = (to64(x.as_slice()), to64(&c), to64(&w));
        let lik = |w: &[f64]| e_lik64(w, &x64, &c64);
        let sq = |w: &[f64]| e_sq64(w, &x64, &c64);
        assert!((lik_loss(&w, &x, &c) as f64 - lik(&w64)).abs() < 1e-5);
        assert!((sq_loss(&w, &x, &c) as f64 - sq(&w64)).abs() < 1e-5);
        let mut g = [0.0; D];
        lik_grad(&mut g, &w, &x, &c);
        assert_grad_close("E_lik gradient (eq. 4)", &g, &fd_grad(lik, &w64, 1e-6), 1e-4);
        sq_grad(&mut g, &w, &x, &c);
        assert_grad_close("E_sq gradient (eq. 7)", &g, &fd_grad(sq, &w64, 1e-6), 1e-4);
        let mut h = Matrix::<D, D>::zeros();
        lik_hessian(&mut h, &w, &x);
        assert_grad_close("E_lik Hessian (eq. 5)", h.as_slice(), &fd_hessian(lik, &w64), 1e-3);
        sq_hessian(&mut h, &w, &x, &c);
        assert_grad_close("E_sq Hessian (eq. 8)", h.as_slice(), &fd_hessian(sq, &w64), 1e-3);
    }
}

fn sym_eigenvalues(a: Vec<f64>, d: usize) -> Vec<f64> {
    assert_eq!(d, D);
    let mut m: [[f64; D]; D] = core::array::from_fn(|i| core::array::from_fn(|j| a[i * D + j]));
    kernel::linalg::symmetric_eigenvalues(&mut m).to_vec()
}

#[test]
fn jacobi_finds_known_eigenvalues() {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    let e = kernel::linalg::symmetric_eigenvalues(&mut [[2.0, 1.0], [1.0, 2.0]]);
    assert!((e[0] - 1.0).abs() < 1e-12 && (e[1] - 3.0).abs() < 1e-12);
    // Q diag(−2, 0.5, 7) Qᵀ with Q a rotation about z by 30° then x by 45°.
    let (c1, s1) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let (c2, s2) = (45f64.to_radians().cos(), 45f64.to_radians().sin());
    let rz = [[c1, -s1, 0.0], [s1, c1, 0.0], [0.0, 0.0, 1.0]];
    let rx = [[1.0, 0.0, 0.0], [0.0, c2, -s2], [0.0, s2, c2]];
    let q: [[f64; 3]; 3] = core::array::from_fn(|i| core::array::from_fn(|j| (0..3).map(|k| rx[i][k] * rz[k][j]).sum()));
    let l = [-2.0, 0.5, 7.0];
    let mut a: [[f64; 3]; 3] = core::array::from_fn(|i| core::array::from_fn(|j| (0..3).map(|k| q[i][k] * l[k] * q[j][k]).sum()));
    let e = kernel::linalg::symmetric_eigenvalues(&mut a);
    for (got, want) in e.iter().zip(l) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}

#[test]
fn lik_hessian_is_positive_semidefinite() {
    let mut r = rng(42);
    for seed in 0..50 {
        let (x, _, _) = data(1000 + seed);
        let w = rand_array::<D>(&mut r, -10.0, 10.0);
        let mut h = Matrix::<D, D>::zeros();
        lik_hessian(&mut h, &w, &x);
        let h64 = to64(h.as_slice());
        let scale = h64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for _ in 0..200 {
            let v = rand_array::<D>(&mut r, -1.0, 1.0);
            let vhv: f64 = (0..D)
                .flat_map(|a| (0..D).map(move |b| (a, b)))
                .map(|(a, b)| v[a] as f64 * h64[a * D + b] * v[b] as f64)
                .sum();
            assert!(vhv >= -1e-6 * scale, "vᵀHv = {vhv} < 0");
        }
        let min = sym_eigenvalues(h64, D).into_iter().fold(f64::INFINITY, f64::min);
        assert!(min >= -1e-6 * scale.max(1e-12), "smallest eigenvalue {min}");
    }
}

#[test]
fn sq_loss_has_negative_curvature_somewhere() {
    // Search random points and data points' directions for vᵀHv < 0, then
    // confirm the curvature by an independent f64 second difference of E_sq.
    let mut r = rng(7);
    let mut found = None;
    'search: for seed in 0..200 {
        let (x, c, _) = data(2000 + seed);
        let w = rand_array::<D>(&mut r, -3.0, 3.0);
        let mut h = Matrix::<D, D>::zeros();
        sq_hessian(&mut h, &w, &x, &c);
        for v in x.0.iter() {
            let vhv: f32 = (0..D)
                .flat_map(|a| (0..D).map(move |b| (a, b)))
                .map(|(a, b)| v[a] * h.0[a][b] * v[b])
                .sum();
            if vhv < -1e-3 {
                found = Some((x, c, w, *v, vhv));
                break 'search;
            }
        }
    }
    let (x, c, w, v, vhv) = found.expect("no negative curvature found");
    let (x64, c64) = (to64(x.as_slice()), to64(&c));
    let along = |t: f64| e_sq64(&(0..D).map(|j| w[j] as f64 + t * v[j] as f64).collect::<Vec<_>>(), &x64, &c64);
    let h = 1e-3;
    let second = (along(h) - 2.0 * along(0.0) + along(-h)) / (h * h);
    assert!(second < 0.0, "f64 second difference {second} disagrees with vᵀHv = {vhv}");
    assert!((second - vhv as f64).abs() < 1e-3 * second.abs().max(1.0), "{second} vs {vhv}");
}

#[test]
fn curvature_sign_analysis_corrected() {
    // One data point: d²/da² (c − σ(a))² = 2σ(1−σ) q(σ, c). Check the sign of q
    // against an f64 second difference and the thresholds 2/3 (c=0), 1/3 (c=1).
    for i in 1..400 {
        let s = i as f64 / 400.0;
        let a = (s / (1.0 - s)).ln();
        for c in [0.0f64, 1.0] {
            let f = |a: f64| (c - sig(a)).powi(2);
            let h = 1e-4;
            let second = (f(a + h) - 2.0 * f(a) + f(a - h)) / (h * h);
            let q = sq_curvature_factor(s as f32, c as f32) as f64;
            assert!((second - 2.0 * s * (1.0 - s) * q).abs() < 1e-5, "σ={s} c={c}: {second} vs {q}");
            let negative_by_corrected_rule = if c == 0.0 { s > 2.0 / 3.0 } else { s < 1.0 / 3.0 };
            if (s - 2.0 / 3.0).abs() > 1e-3 && (s - 1.0 / 3.0).abs() > 1e-3 {
                assert_eq!(second < 0.0, negative_by_corrected_rule, "σ={s} c={c}");
            }
        }
    }
}

#[test]
fn lik_loss_is_finite_for_huge_weights() {
    let (x, c, _) = data(3);
    for scale in [1e3f32, 1e6, 1e20, 1e30] {
        let w = [scale, -scale, scale, scale];
        let e = lik_loss(&w, &x, &c);
        assert!(e.is_finite() && e >= 0.0, "E_lik = {e} at scale {scale}");
    }
}
