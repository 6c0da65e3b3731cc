//! Ex 4: both VAEs' scheduled backward passes against central finite
//! differences of independent f64 implementations of their objectives (ε
//! held fixed), padding rows, the logvar clamp, `decode`, the closed-form KL
//! against Monte Carlo and the Gaussian entropy of Ex 4.3 against numerical
//! integration.
mod common;
use common::*;
use kernel::activation::sigmoid;
use kernel::dense::{relu_backward_inplace, Linear};
use kernel::vae::{assignment, gaussian, gaussian_entropy, kl_standard_normal, AssignmentConfig, AssignmentVae, GaussianVae};
use kernel::{Matrix, ParamBlocks};
use rand_xoshiro::rand_core::RngCore;

// Assignment model X → E1 → E2 → Z, Z → D1 → X; Gaussian model X → E → 2Z, Z → D → X.
const X: usize = 7;
const E1: usize = 5;
const E2: usize = 4;
const Z: usize = 3;
const D1: usize = 6;
const E: usize = 5;
const D: usize = 6;
const B: usize = 3;

type Avae = AssignmentVae<X, E1, E2, Z, D1>;
type Gvae = GaussianVae<X, E, Z, D>;
type Aws<const N: usize> = assignment::Workspace<N, X, E1, E2, Z, D1>;
type Gws<const N: usize> = gaussian::Workspace<N, X, E, Z, D>;

fn lin<const O: usize, const I: usize>(r: &mut Rng, s: f32) -> Linear<O, I> {
    Linear {
        w: rand_matrix(r, -s, s),
        b: rand_array(r, -0.5 * s, 0.5 * s),
    }
}

fn zlin<const O: usize, const I: usize>() -> Linear<O, I> {
    Linear {
        w: Matrix::zeros(),
        b: [0.0; O],
    }
}

fn avae(seed: u64) -> Avae {
    let mut r = rng(seed);
    AssignmentVae {
        enc1: lin(&mut r, 1.0),
        enc2: lin(&mut r, 1.0),
        enc3: lin(&mut r, 1.0),
        dec1: lin(&mut r, 1.0),
        dec2: lin(&mut r, 1.5),
    }
}

fn avae_zero() -> Avae {
    AssignmentVae {
        enc1: zlin(),
        enc2: zlin(),
        enc3: zlin(),
        dec1: zlin(),
        dec2: zlin(),
    }
}

fn gvae(seed: u64) -> Gvae {
    let mut r = rng(seed);
    GaussianVae {
        enc1: lin(&mut r, 1.0),
        enc_mu: lin(&mut r, 1.0),
        enc_logvar: lin(&mut r, 1.0),
        dec1: lin(&mut r, 1.0),
        dec2: lin(&mut r, 1.5),
    }
}

fn gvae_zero() -> Gvae {
    GaussianVae {
        enc1: zlin(),
        enc_mu: zlin(),
        enc_logvar: zlin(),
        dec1: zlin(),
        dec2: zlin(),
    }
}

fn aws<const N: usize>() -> Aws<N> {
    assignment::Workspace {
        h1: Matrix::zeros(),
        h2: Matrix::zeros(),
        mu_z: Matrix::zeros(),
        z: Matrix::zeros(),
        h3: Matrix::zeros(),
        logits: Matrix::zeros(),
        t_logits: Matrix::zeros(),
        t_h3: Matrix::zeros(),
        t_z: Matrix::zeros(),
        t_h2: Matrix::zeros(),
        t_h1: Matrix::zeros(),
    }
}

fn gws<const N: usize>() -> Gws<N> {
    gaussian_workspace()
}

/// Pixel-like targets in [0, 1], some exactly 0 or 1.
fn pixels<const N: usize>(r: &mut Rng) -> Matrix<N, X> {
    Matrix::from_fn(|_, _| unif(r, -0.3, 1.3).clamp(0.0, 1.0))
}

fn flat(m: &impl ParamBlocks) -> Vec<f64> {
    m.blocks().iter().flat_map(|(_, b)| b.iter().map(|&v| v as f64)).collect()
}

fn flat32(m: &impl ParamBlocks) -> Vec<f32> {
    m.blocks().iter().flat_map(|(_, b)| b.iter().copied()).collect()
}

/// Compares `grad` with `fd` block by block (each block against its own scale).
fn assert_blocks_close(what: &str, grad: &impl ParamBlocks, fd: &[f64]) {
    let mut at = 0;
    for (name, b) in grad.blocks() {
        assert_grad_close(&format!("{what} {name}"), b, &fd[at..at + b.len()], 1e-4);
        at += b.len();
    }
    assert_eq!(at, fd.len());
}

// ---- Independent f64 implementations, from the flat parameter vector in block order. ----

/// One layer W x + b, reading W (out × inp, row-major) then b off the front of `p`.
fn lin64(p: &mut &[f64], out: usize, inp: usize, x: &[f64]) -> Vec<f64> {
    let (w, rest) = p.split_at(out * inp);
    let (b, rest) = rest.split_at(out);
    *p = rest;
    (0..out)
        .map(|o| b[o] + (0..inp).map(|i| w[o * inp + i] * x[i]).sum::<f64>())
        .collect()
}

fn relu64(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|a| a.max(0.0)).collect()
}

fn softplus64(t: f64) -> f64 {
    t.max(0.0) + (-t.abs()).exp().ln_1p()
}

/// Eq. 175 as the appendix computes it: (1/N) Σ_n [Σ_i (x − σ(l))² + c Σ_k μ²].
fn assignment64(p: &[f64], x: &[f64], eps: &[f64], rows: usize, n_total: usize, linear_mean: bool, c: f64) -> f64 {
    let mut e = 0.0;
    for n in 0..rows {
        let (xs, es) = (&x[n * X..(n + 1) * X], &eps[n * Z..(n + 1) * Z]);
        let mut q = p;
        let h1 = relu64(lin64(&mut q, E1, X, xs));
        let h2 = relu64(lin64(&mut q, E2, E1, &h1));
        let pre = lin64(&mut q, Z, E2, &h2);
        let mu = if linear_mean { pre } else { relu64(pre) };
        let z: Vec<f64> = (0..Z).map(|k| mu[k] + es[k]).collect();
        let h3 = relu64(lin64(&mut q, D1, Z, &z));
        let l = lin64(&mut q, X, D1, &h3);
        assert!(q.is_empty());
        for i in 0..X {
            let y = 1.0 / (1.0 + (-l[i]).exp());
            e += (xs[i] - y).powi(2);
        }
        e += c * mu.iter().map(|m| m * m).sum::<f64>();
    }
    e / n_total as f64
}

/// The mean negative ELBO with ε fixed: Bernoulli cross-entropy + KL, logvar clamped to [−30, 20].
fn gaussian64(p: &[f64], x: &[f64], eps: &[f64], rows: usize, n_total: usize) -> f64 {
    let mut e = 0.0;
    for n in 0..rows {
        let (xs, es) = (&x[n * X..(n + 1) * X], &eps[n * Z..(n + 1) * Z]);
        let mut q = p;
        let h1 = relu64(lin64(&mut q, E, X, xs));
        let mu = lin64(&mut q, Z, E, &h1);
        let lv: Vec<f64> = lin64(&mut q, Z, E, &h1).into_iter().map(|v| v.clamp(-30.0, 20.0)).collect();
        let z: Vec<f64> = (0..Z).map(|k| mu[k] + (0.5 * lv[k]).exp() * es[k]).collect();
        let h2 = relu64(lin64(&mut q, D, Z, &z));
        let l = lin64(&mut q, X, D, &h2);
        assert!(q.is_empty());
        for i in 0..X {
            // −x log σ(l) − (1 − x) log(1 − σ(l)) = x softplus(−l) + (1 − x) softplus(l)
            e += xs[i] * softplus64(-l[i]) + (1.0 - xs[i]) * softplus64(l[i]);
        }
        e += 0.5 * (0..Z).map(|k| mu[k] * mu[k] + lv[k].exp() - 1.0 - lv[k]).sum::<f64>();
    }
    e / n_total as f64
}

// ---- Gradients ----

#[test]
fn assignment_backward_matches_finite_differences() {
    let mut seed = 0;
    for cfg in [
        AssignmentConfig::default(),
        AssignmentConfig {
            linear_mean: true,
            mean_penalty: 0.7,
        },
    ] {
        for (rows, n_total) in [(B, B), (2, 5), (1, 1)] {
            seed += 1;
            let m = avae(seed);
            let mut r = rng(100 + seed);
            let x = pixels::<B>(&mut r);
            let eps = rand_matrix::<B, Z>(&mut r, -2.0, 2.0);
            let mut ws = aws::<B>();
            assignment::forward(&mut ws, &m, &x, &eps, cfg);
            if !cfg.linear_mean && rows == B {
                // The relu on μ_z is exercised: some units are dead, some alive.
                assert!(ws.mu_z.as_slice().contains(&0.0) && ws.mu_z.as_slice().iter().any(|&v| v > 0.0));
            }
            let e = assignment::loss_sum(&ws, &x, rows, cfg) / n_total as f32;
            let mut g = avae_zero();
            assignment::backward(&mut g, &mut ws, &m, &x, rows, n_total, cfg);
            let (x64, e64) = (to64(x.as_slice()), to64(eps.as_slice()));
            let f = |p: &[f64]| assignment64(p, &x64, &e64, rows, n_total, cfg.linear_mean, cfg.mean_penalty as f64);
            let p = flat(&m);
            assert!(
                (e as f64 - f(&p)).abs() < 1e-5 * f(&p).max(1.0),
                "{cfg:?} rows {rows}: E {e} vs {}",
                f(&p)
            );
            assert_blocks_close(&format!("{cfg:?} rows {rows}"), &g, &fd_grad(f, &p, 1e-6));
        }
    }
}

#[test]
fn gaussian_backward_matches_finite_differences() {
    for (case, (rows, n_total)) in [(B, B), (2, 5), (1, 1), (B, 4)].into_iter().enumerate() {
        let mut m = gvae(50 + case as u64);
        if case == 3 {
            // Unit 1's logvar below the clamp (−40 < −30) for every image.
            m.enc_logvar.b[1] = -40.0;
        }
        let mut r = rng(150 + case as u64);
        let x = pixels::<B>(&mut r);
        let eps = rand_matrix::<B, Z>(&mut r, -2.0, 2.0);
        let mut ws = gws::<B>();
        gaussian::forward(&mut ws, &m, &x, &eps);
        let (recon, kl) = gaussian::loss_sum(&ws, &x, rows);
        let e = (recon + kl) / n_total as f32;
        let mut g = gvae_zero();
        gaussian::backward(&mut g, &mut ws, &m, &x, rows, n_total);
        let (x64, e64) = (to64(x.as_slice()), to64(eps.as_slice()));
        let f = |p: &[f64]| gaussian64(p, &x64, &e64, rows, n_total);
        let p = flat(&m);
        assert!((e as f64 - f(&p)).abs() < 1e-5 * f(&p).max(1.0), "case {case}: E {e} vs {}", f(&p));
        assert_blocks_close(&format!("case {case} rows {rows}"), &g, &fd_grad(f, &p, 1e-6));
        if case == 3 {
            assert_eq!(g.enc_logvar.b[1], 0.0);
            assert!(g.enc_logvar.w.0[1].iter().all(|&v| v == 0.0));
        }
    }
}

#[test]
fn padding_rows_contribute_nothing() {
    // A chunk of 3 with 2 images and a garbage (finite) third row gives the
    // same loss and gradient as a chunk of exactly those 2 images.
    let mut r = rng(7);
    let x3 = pixels::<B>(&mut r);
    let eps3 = rand_matrix::<B, Z>(&mut r, -2.0, 2.0);
    let x2 = Matrix::<2, X>::from_fn(|n, i| x3.0[n][i]);
    let eps2 = Matrix::<2, Z>::from_fn(|n, k| eps3.0[n][k]);
    for cfg in [
        AssignmentConfig::default(),
        AssignmentConfig {
            linear_mean: true,
            mean_penalty: 0.5,
        },
    ] {
        let m = avae(8);
        let (mut ws3, mut ws2) = (aws::<B>(), aws::<2>());
        let (mut g3, mut g2) = (avae_zero(), avae_zero());
        assignment::forward(&mut ws3, &m, &x3, &eps3, cfg);
        assignment::forward(&mut ws2, &m, &x2, &eps2, cfg);
        assert_eq!(assignment::loss_sum(&ws3, &x3, 2, cfg), assignment::loss_sum(&ws2, &x2, 2, cfg));
        assignment::backward(&mut g3, &mut ws3, &m, &x3, 2, 10, cfg);
        assignment::backward(&mut g2, &mut ws2, &m, &x2, 2, 10, cfg);
        assert_eq!(flat32(&g3), flat32(&g2), "{cfg:?}");
        assert!(ws3.t_logits.0[2]
            .iter()
            .chain(&ws3.t_z.0[2])
            .chain(&ws3.t_h1.0[2])
            .all(|&v| v == 0.0));
    }
    let m = gvae(9);
    let (mut ws3, mut ws2) = (gws::<B>(), gws::<2>());
    let (mut g3, mut g2) = (gvae_zero(), gvae_zero());
    gaussian::forward(&mut ws3, &m, &x3, &eps3);
    gaussian::forward(&mut ws2, &m, &x2, &eps2);
    assert_eq!(gaussian::loss_sum(&ws3, &x3, 2), gaussian::loss_sum(&ws2, &x2, 2));
    gaussian::backward(&mut g3, &mut ws3, &m, &x3, 2, 10);
    gaussian::backward(&mut g2, &mut ws2, &m, &x2, 2, 10);
    assert_eq!(flat32(&g3), flat32(&g2));
    assert!(ws3.t_logits.0[2]
        .iter()
        .chain(&ws3.t_z.0[2])
        .chain(&ws3.t_logvar_z.0[2])
        .chain(&ws3.t_h1.0[2])
        .all(|&v| v == 0.0));
}

#[test]
fn logvar_clamp_keeps_everything_finite() {
    // logvar = 200 would give σ = e^100 = inf in f32 without the clamp, −200 would give σ = 0.
    let mut m = gvae(11);
    m.enc_logvar.b = [200.0, -200.0, 25.0];
    let mut r = rng(12);
    let x = pixels::<B>(&mut r);
    let eps = rand_matrix::<B, Z>(&mut r, -2.0, 2.0);
    let mut ws = gws::<B>();
    gaussian::forward(&mut ws, &m, &x, &eps);
    assert!(
        ws.logvar_z.as_slice().iter().step_by(Z).all(|&v| v > 100.0),
        "unit 0 should be far above the clamp"
    );
    assert!(ws.z.as_slice().iter().chain(ws.logits.as_slice()).all(|v| v.is_finite()));
    let (recon, kl) = gaussian::loss_sum(&ws, &x, B);
    assert!(recon.is_finite() && kl.is_finite());
    let mut g = gvae_zero();
    gaussian::backward(&mut g, &mut ws, &m, &x, B, B);
    assert!(flat32(&g).iter().all(|v| v.is_finite()));
    // The objective is flat in logvar outside [−30, 20]: those units pass no message.
    for k in 0..Z {
        if ws.logvar_z.0.iter().all(|row| !(-30.0..=20.0).contains(&row[k])) {
            assert_eq!(g.enc_logvar.b[k], 0.0, "unit {k}");
        }
    }
}

#[test]
fn decode_agrees_with_forward() {
    let mut r = rng(13);
    let x = pixels::<B>(&mut r);
    let eps = rand_matrix::<B, Z>(&mut r, -2.0, 2.0);
    let mut out = Matrix::<B, X>::zeros();

    let m = avae(14);
    let (mut ws, mut ws_dec) = (aws::<B>(), aws::<B>());
    assignment::forward(&mut ws, &m, &x, &eps, AssignmentConfig::default());
    assignment::decode(&mut out, &mut ws_dec, &m, &ws.z);
    assert_eq!(ws_dec.logits, ws.logits);
    assert_eq!(out, Matrix::from_fn(|n, i| sigmoid(ws.logits.0[n][i])));

    let m = gvae(15);
    let (mut ws, mut ws_dec) = (gws::<B>(), gws::<B>());
    gaussian::forward(&mut ws, &m, &x, &eps);
    gaussian::decode(&mut out, &mut ws_dec, &m, &ws.z);
    assert_eq!(ws_dec.logits, ws.logits);
    assert_eq!(out, Matrix::from_fn(|n, i| sigmoid(ws.logits.0[n][i])));
}

#[test]
fn blocks_and_init() {
    let mut a = avae_zero();
    let names: Vec<_> = a.blocks().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["enc1.w", "enc1.b", "enc2.w", "enc2.b", "enc3.w", "enc3.b", "dec1.w", "dec1.b", "dec2.w", "dec2.b"]
    );
    let mut g = gvae_zero();
    let names: Vec<_> = g.blocks().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "enc1.w",
            "enc1.b",
            "enc_mu.w",
            "enc_mu.b",
            "enc_logvar.w",
            "enc_logvar.b",
            "dec1.w",
            "dec1.b",
            "dec2.w",
            "dec2.b"
        ]
    );
    // PyTorch's nn.Linear default: uniform on ±1/√IN for W and b.
    let fan_in = [X, X, E1, E1, E2, E2, Z, Z, D1, D1];
    a.init_uniform(&mut rng(16));
    for ((name, b), n) in a.blocks().into_iter().zip(fan_in) {
        let s = 1.0 / (n as f32).sqrt();
        assert!(b.iter().all(|v| v.abs() <= s) && b.iter().any(|&v| v != 0.0), "{name}");
    }
    let fan_in = [X, X, E, E, E, E, Z, Z, D, D];
    g.init_uniform(&mut rng(17));
    for ((name, b), n) in g.blocks().into_iter().zip(fan_in) {
        let s = 1.0 / (n as f32).sqrt();
        assert!(b.iter().all(|v| v.abs() <= s) && b.iter().any(|&v| v != 0.0), "{name}");
    }
}

#[test]
fn relu_backward_is_a_select() {
    let mut d = Matrix([[f32::INFINITY, f32::NAN, -3.0, 2.0]]);
    relu_backward_inplace(&mut d, &Matrix([[-1.0, 0.0, 0.5, 1.0]]));
    assert_eq!(d.0[0][0], 0.0);
    assert_eq!(d.0[0][1], 0.0);
    assert_eq!(d.0[0][2..], [-3.0, 2.0]);
}

// ---- KL and entropy ----

/// A standard normal in f64 (Box–Muller), independent of the kernel's sampler.
fn normal64(r: &mut Rng) -> f64 {
    let u1 = ((r.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    let u2 = (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[test]
fn kl_matches_monte_carlo() {
    // KL(q ‖ p) = E_q[log q(z) − log p(z)], with log q − log p per unit
    // = −½ logvar − ½ ε² + ½ z² for z = μ + σ ε (the 2π terms cancel).
    let cases: [([f32; 3], [f32; 3]); 4] = [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
        ([0.5, -1.2, 0.0], [0.0, -1.5, 0.8]),
        ([2.0, 0.1, -0.3], [-3.0, 1.5, -0.2]),
        ([-0.7, 0.0, 1.1], [0.3, -0.05, 2.2]),
    ];
    let mut r = rng(18);
    let n = 200_000;
    for (mu, lv) in cases {
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let mut v = 0.0;
            for k in 0..3 {
                let e = normal64(&mut r);
                let z = mu[k] as f64 + (0.5 * lv[k] as f64).exp() * e;
                v += -0.5 * lv[k] as f64 - 0.5 * e * e + 0.5 * z * z;
            }
            s += v;
            s2 += v * v;
        }
        let mean = s / n as f64;
        let se = ((s2 / n as f64 - mean * mean).max(0.0) / n as f64).sqrt();
        let kl = kl_standard_normal(&mu, &lv) as f64;
        assert!(
            (kl - mean).abs() <= 4.0 * se + 1e-5 * (1.0 + kl),
            "μ {mu:?} logvar {lv:?}: KL {kl} vs MC {mean} ± {se}"
        );
    }
}

/// −∫ q log q for q = N(0, σ²) by the trapezoid rule on [−14σ, 14σ].
fn entropy_1d(var: f64) -> f64 {
    let (sd, steps) = (var.sqrt(), 40_000);
    let (a, h) = (-14.0 * sd, 28.0 * sd / steps as f64);
    let f = |x: f64| {
        let q = (-0.5 * x * x / var).exp() / (std::f64::consts::TAU * var).sqrt();
        if q > 0.0 {
            -q * q.ln()
        } else {
            0.0
        }
    };
    let inner: f64 = (1..steps).map(|i| f(a + i as f64 * h)).sum();
    h * (inner + 0.5 * (f(a) + f(a + steps as f64 * h)))
}

#[test]
fn gaussian_entropy_matches_integration() {
    for var in [0.01, 0.3, 1.0, 2.5, 40.0] {
        let (want, got) = (entropy_1d(var), gaussian_entropy(1, f64::ln(var)));
        assert!((got - want).abs() < 1e-4, "σ² = {var}: {got} vs {want}");
    }
    // 2-D, correlated Σ = [[2, 1.2], [1.2, 1.5]], |Σ| = 1.56: a product grid
    // over ±14 standard deviations (trapezoid = midpoint-like accuracy for a
    // smooth integrand that vanishes at the edges).
    let (s11, s12, s22) = (2.0f64, 1.2f64, 1.5f64);
    let det = s11 * s22 - s12 * s12;
    let (i11, i12, i22) = (s22 / det, -s12 / det, s11 / det);
    let norm = 1.0 / (std::f64::consts::TAU * det.sqrt());
    let (steps, l1, l2) = (1600, 14.0 * s11.sqrt(), 14.0 * s22.sqrt());
    let (h1, h2) = (2.0 * l1 / steps as f64, 2.0 * l2 / steps as f64);
    let mut integral = 0.0;
    for i in 0..=steps {
        let a = -l1 + i as f64 * h1;
        for j in 0..=steps {
            let b = -l2 + j as f64 * h2;
            let log_q = norm.ln() - 0.5 * (i11 * a * a + 2.0 * i12 * a * b + i22 * b * b);
            let wgt = if i == 0 || i == steps { 0.5 } else { 1.0 } * if j == 0 || j == steps { 0.5 } else { 1.0 };
            integral -= wgt * log_q.exp() * log_q;
        }
    }
    integral *= h1 * h2;
    let got = gaussian_entropy(2, det.ln());
    assert!((got - integral).abs() < 1e-4, "2-D: {got} vs {integral}");
    // Eq. 161 as printed, ½ log(2πe|Σ|), is the 1-D formula: wrong by ½ ln(2πe) ≈ 1.42 in 2-D.
    let printed = 0.5 * (std::f64::consts::TAU * std::f64::consts::E * det).ln();
    assert!((printed - integral).abs() > 1.0);
}
