//! Ex 3: the autoencoder's scheduled backward pass against central finite
//! differences of an independent f64 implementation of eqs. 97–98, for both
//! losses and all three φ; chunked full-batch gradients; the Hessian blocks
//! of Ex 3.6; Pinsker's inequality of Ex 3.1 on a dense grid.
mod common;
use common::*;
use kernel::autoencoder::{self, Autoencoder, Workspace};
use kernel::loss::{pinsker_gap, Loss};
use kernel::{Activation, Matrix, ParamBlocks};

const D: usize = 12;
const H: usize = 5;
const B: usize = 3;

fn model(seed: u64) -> Autoencoder<D, H> {
    let mut m = Autoencoder {
        w1: Matrix::zeros(),
        b1: [0.0; H],
        w2: Matrix::zeros(),
        b2: [0.0; D],
    };
    let mut r = rng(seed);
    // Wider than the default ±1/√n so that σ saturates in places.
    m.w1 = rand_matrix(&mut r, -1.0, 1.0);
    m.w2 = rand_matrix(&mut r, -2.0, 2.0);
    m.b1 = rand_array(&mut r, -0.5, 0.5);
    m.b2 = rand_array(&mut r, -1.0, 1.0);
    m
}

fn zero_model() -> Autoencoder<D, H> {
    Autoencoder {
        w1: Matrix::zeros(),
        b1: [0.0; H],
        w2: Matrix::zeros(),
        b2: [0.0; D],
    }
}

fn workspace() -> Workspace<B, D, H> {
    Workspace {
        f2: Matrix::zeros(),
        f3: Matrix::zeros(),
        f5: Matrix::zeros(),
        t5: Matrix::zeros(),
        t3: Matrix::zeros(),
    }
}

/// Eq. 98 with eq. 97, in f64, from the flat parameter vector (w1, b1, w2, b2).
fn e64(p: &[f64], x: &[f64], n: usize, loss: Loss, phi: Activation) -> f64 {
    let (w1, rest) = p.split_at(H * D);
    let (b1, rest) = rest.split_at(H);
    let (w2, b2) = rest.split_at(D * H);
    let mut e = 0.0;
    for s in 0..n {
        let xs = &x[s * D..(s + 1) * D];
        let h: Vec<f64> = (0..H)
            .map(|k| phi64(phi, b1[k] + (0..D).map(|j| w1[k * D + j] * xs[j]).sum::<f64>()))
            .collect();
        for i in 0..D {
            let y = 1.0 / (1.0 + (-(b2[i] + (0..H).map(|k| w2[i * H + k] * h[k]).sum::<f64>())).exp());
            e += match loss {
                Loss::Square => 0.5 * (xs[i] - y).powi(2),
                Loss::CrossEntropy => -xs[i] * y.ln() - (1.0 - xs[i]) * (1.0 - y).ln(),
            };
        }
    }
    e / n as f64
}

fn flat(m: &Autoencoder<D, H>) -> Vec<f64> {
    m.blocks().iter().flat_map(|(_, b)| b.iter().map(|&v| v as f64)).collect()
}

fn flat32(m: &Autoencoder<D, H>) -> Vec<f32> {
    m.blocks().iter().flat_map(|(_, b)| b.iter().copied()).collect()
}

#[test]
fn backward_matches_finite_differences() {
    let mut seed = 0;
    for loss in [Loss::Square, Loss::CrossEntropy] {
        for phi in Activation::ALL {
            seed += 1;
            let m = model(seed);
            let mut r = rng(100 + seed);
            // Pixel-like targets in [0, 1], some exactly 0 or 1.
            let x = Matrix::<B, D>::from_fn(|_, _| {
                let u = unif(&mut r, -0.3, 1.3);
                u.clamp(0.0, 1.0)
            });
            let mut ws = workspace();
            autoencoder::forward(&mut ws, &m, &x, phi);
            let e = autoencoder::loss_sum(&ws, &x, B, loss) / B as f32;
            let mut g = zero_model();
            let fused = autoencoder::backward(&mut g, &mut ws, &m, &x, B, loss, phi, B);
            assert!((fused / B as f32 - e).abs() <= 1e-5 * e.abs().max(1.0), "fused loss {fused} vs {e}");
            let x64 = to64(x.as_slice());
            let p = flat(&m);
            let f = |p: &[f64]| e64(p, &x64, B, loss, phi);
            assert!(
                (e as f64 - f(&p)).abs() < 1e-5 * f(&p).max(1.0),
                "{loss:?} {phi:?}: E {e} vs {}",
                f(&p)
            );
            assert_grad_close(&format!("{loss:?} {phi:?}"), &flat32(&g), &fd_grad(f, &p, 1e-6), 1e-4);
        }
    }
}

#[test]
fn chunked_full_batch_equals_single_chunk() {
    // Six images as one chunk of 6, or as two chunks of 3 accumulated: the
    // same step exactly (every gradient sum runs over images in order).
    let m = model(9);
    let mut r = rng(10);
    let x6 = rand_matrix::<6, D>(&mut r, 0.0, 1.0);
    let mut ws6 = Workspace::<6, D, H> {
        f2: Matrix::zeros(),
        f3: Matrix::zeros(),
        f5: Matrix::zeros(),
        t5: Matrix::zeros(),
        t3: Matrix::zeros(),
    };
    for loss in [Loss::Square, Loss::CrossEntropy] {
        let mut g_one = zero_model();
        autoencoder::forward(&mut ws6, &m, &x6, Activation::Relu);
        autoencoder::backward(&mut g_one, &mut ws6, &m, &x6, 6, loss, Activation::Relu, 6);
        let mut g_two = zero_model();
        let mut ws = workspace();
        for c in 0..2 {
            let x = Matrix::<B, D>::from_fn(|n, j| x6.0[c * B + n][j]);
            autoencoder::forward(&mut ws, &m, &x, Activation::Relu);
            autoencoder::backward(&mut g_two, &mut ws, &m, &x, B, loss, Activation::Relu, 6);
        }
        assert!(flat32(&g_one).iter().zip(flat32(&g_two)).all(|(a, b)| a.to_bits() == b.to_bits()));
        // A partial chunk: 5 images as chunks of 3 + (2 real rows, 1 padding row
        // of garbage) equals one chunk of the same 5 images padded with zeros.
        let mut g_pad = zero_model();
        for c in 0..2 {
            let x = Matrix::<B, D>::from_fn(|n, j| if c * B + n < 5 { x6.0[c * B + n][j] } else { 0.77 });
            autoencoder::forward(&mut ws, &m, &x, Activation::Relu);
            autoencoder::backward(&mut g_pad, &mut ws, &m, &x, (5 - c * B).min(B), loss, Activation::Relu, 5);
        }
        let x5 = Matrix::<6, D>::from_fn(|n, j| if n < 5 { x6.0[n][j] } else { 0.0 });
        let mut g_five = zero_model();
        autoencoder::forward(&mut ws6, &m, &x5, Activation::Relu);
        autoencoder::backward(&mut g_five, &mut ws6, &m, &x5, 5, loss, Activation::Relu, 5);
        assert!(flat32(&g_pad).iter().zip(flat32(&g_five)).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn hessian_blocks_match_finite_differences_and_convexity() {
    for loss in [Loss::Square, Loss::CrossEntropy] {
        let m = model(21);
        let mut r = rng(22);
        let x = rand_matrix::<B, D>(&mut r, 0.0, 1.0);
        let mut ws = workspace();
        autoencoder::forward(&mut ws, &m, &x, Activation::Relu);
        let x64 = to64(x.as_slice());
        let p = flat(&m);
        let e = |p: &[f64]| e64(p, &x64, B, loss, Activation::Relu);
        let second = |i: usize, j: usize| {
            let h = 1e-4;
            let at = |di: f64, dj: f64| {
                let mut q = p.clone();
                q[i] += di;
                q[j] += dj;
                e(&q)
            };
            (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h)
        };
        let b2_at = H * D + H + D * H;
        let mut hb = [0.0f32; D];
        autoencoder::b2_hessian_acc(&mut hb, &ws, &x, B, loss, B);
        let fd: Vec<f64> = (0..D).map(|a| second(b2_at + a, b2_at + a)).collect();
        assert_grad_close(&format!("{loss:?} b2 Hessian"), &hb, &fd, 1e-3);
        let w2_at = H * D + H;
        for a in [0, 5, D - 1] {
            let mut hw = Matrix::<H, H>::zeros();
            autoencoder::w2_row_hessian_acc(&mut hw, &ws, &x, B, loss, a, B);
            let fd: Vec<f64> = (0..H * H).map(|t| second(w2_at + a * H + t / H, w2_at + a * H + t % H)).collect();
            assert_grad_close(&format!("{loss:?} W2 row {a} Hessian"), hw.as_slice(), &fd, 1e-3);
        }
    }
    // Cross-entropy: the curvature in the logit is σ(1−σ) ≥ 0 everywhere (eq. 146);
    // square loss: negative at σ = 0.75, x = 0 (eq. 147's example, −0.1875·σ(1−σ)).
    for zi in -200..=200 {
        for x in [0.0f32, 0.2, 0.5, 1.0] {
            assert!(Loss::CrossEntropy.curvature_logit(zi as f32 * 0.1, x) >= 0.0);
        }
    }
    let z = (0.75f32 / 0.25).ln();
    let c = Loss::Square.curvature_logit(z, 0.0);
    assert!((c - 0.75 * 0.25 * -0.1875).abs() < 1e-6, "{c}");
}

#[test]
fn pinsker_holds_on_a_dense_grid() {
    // 2(x − y)² ≤ KL(Bern(x) ‖ Bern(y)) on a 999 × 999 grid of (0, 1)²,
    // with equality on the diagonal, and the sign of ∂f/∂y as in docs/03.
    let n = 1000;
    let mut min_gap = f64::INFINITY;
    for i in 1..n {
        let x = i as f64 / n as f64;
        for j in 1..n {
            let y = j as f64 / n as f64;
            let g = pinsker_gap(x, y);
            min_gap = min_gap.min(g);
            assert!(g >= -1e-12, "f({x}, {y}) = {g}");
            if i == j {
                assert!(g.abs() < 1e-12);
            }
            // ∂f/∂y = (x − y)(4 − 1/(y(1 − y))) (eq. 102): negative for y < x, positive for y > x.
            let dfdy = (x - y) * (4.0 - 1.0 / (y * (1.0 - y)));
            assert!(if y < x { dfdy <= 0.0 } else { dfdy >= 0.0 });
        }
    }
    assert!(min_gap.abs() < 1e-12);
}
