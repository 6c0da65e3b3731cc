//! Losses, Adam and sampling, each stated twice: once by the kernel, once
//! independently here.
#![allow(clippy::needless_range_loop)] // indices mirror the formulas
mod common;
use common::*;
use kernel::loss::*;
use kernel::optim::Adam;
use kernel::{rng as krng, ParamBlocks};

fn sig(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn loss_derivatives_match_finite_differences() {
    let h = 1e-6;
    for zi in -40..=40 {
        let z = zi as f64 * 0.25;
        for x in [0.0f64, 0.1, 0.5, 0.93, 1.0] {
            // f64 definitions: L(x, σ(z)) for both losses.
            let ce = |z: f64| -x * sig(z).ln() - (1.0 - x) * (1.0 - sig(z)).ln();
            let sq = |z: f64| 0.5 * (x - sig(z)).powi(2);
            let (zf, xf) = (z as f32, x as f32);
            if z.abs() < 15.0 {
                assert!(
                    (bce_with_logits(zf, xf) as f64 - ce(z)).abs() < 1e-5 * (1.0 + ce(z)),
                    "bce({z},{x})"
                );
                let d = (ce(z + h) - ce(z - h)) / (2.0 * h);
                assert!((bce_with_logits_grad(zf, xf) as f64 - d).abs() < 1e-5, "bce' ({z},{x})");
            }
            assert!((square_with_logits(zf, xf) as f64 - sq(z)).abs() < 1e-6);
            let d = (sq(z + h) - sq(z - h)) / (2.0 * h);
            assert!((square_with_logits_grad(zf, xf) as f64 - d).abs() < 1e-5, "sq' ({z},{x})");
            let y = sig(z);
            if y > 1e-3 && y < 1.0 - 1e-3 {
                assert!((bce(xf, y as f32) as f64 - ce(z)).abs() < 1e-4 * (1.0 + ce(z)));
                let by = |y: f64| -x * y.ln() - (1.0 - x) * (1.0 - y).ln();
                let dy = (by(y + h) - by(y - h)) / (2.0 * h);
                assert!(
                    (bce_grad(xf, y as f32) as f64 - dy).abs() < 1e-3 * (1.0 + dy.abs()),
                    "eq. 139 at y={y}"
                );
            }
        }
    }
    assert_eq!(square(0.25, 0.75), 0.125);
    assert_eq!(square_grad(0.25, 0.75), 0.5);
}

/// (L(x, σ(z)), ∂L/∂z) in f64 from the definitions, with ln(1 − σ(z))
/// written as −ln(1 + e^z) (exact in f64 for |z| ≤ 140).
fn loss_truth(loss: Loss, z: f64, x: f64) -> (f64, f64) {
    let (s, s_neg) = (1.0 / (1.0 + (-z).exp()), 1.0 / (1.0 + z.exp())); // σ(z), σ(−z) = 1 − σ(z)
    match loss {
        Loss::CrossEntropy => (x * (1.0 + (-z).exp()).ln() + (1.0 - x) * (1.0 + z.exp()).ln(), s - x),
        Loss::Square => (0.5 * (x - s) * (x - s), (s - x) * s * s_neg),
    }
}

/// |computed − true| allowed for each loss: the f32 error of σ (a few ε,
/// relative) carried through the formula, plus the rounding of the result,
/// plus f32::MIN_POSITIVE for results below the normal range (the fused form
/// flushes e^x < f32::MIN_POSITIVE to 0, see `kernel::lanes`).
fn loss_error_bound(loss: Loss, z: f64, x: f64) -> (f64, f64) {
    let eps = f32::EPSILON as f64;
    let tiny = f32::MIN_POSITIVE as f64;
    let (v, g) = loss_truth(loss, z, x);
    let (s, s_neg) = (1.0 / (1.0 + (-z).exp()), 1.0 / (1.0 + z.exp()));
    let (d, sp) = ((s - x).abs(), s * s_neg);
    match loss {
        Loss::CrossEntropy => (4.0 * eps * (v + z.abs()) + tiny, 4.0 * eps * (s + g.abs()) + tiny),
        Loss::Square => (
            4.0 * eps * (d * s + v) + tiny,
            8.0 * eps * sp * (s + d) + 4.0 * eps * g.abs() + tiny,
        ),
    }
}

#[test]
fn fused_and_separate_loss_functions_are_accurate() {
    for zi in -2000..=2000 {
        let z = zi as f32 * 0.07;
        for x in [0.0f32, 0.2, 0.5, 0.9, 1.0] {
            for loss in [Loss::Square, Loss::CrossEntropy] {
                let (vt, gt) = loss_truth(loss, z as f64, x as f64);
                let (bv, bg) = loss_error_bound(loss, z as f64, x as f64);
                let (v, g) = loss.value_and_grad_logit(z, x);
                let (v0, g0) = (loss.from_logit(z, x), loss.grad_logit(z, x));
                for (name, v, g) in [("fused", v, g), ("separate", v0, g0)] {
                    assert!((v as f64 - vt).abs() <= bv, "{name} {loss:?} L({z}, {x}): {v} vs {vt}");
                    assert!((g as f64 - gt).abs() <= bg, "{name} {loss:?} L'({z}, {x}): {g} vs {gt}");
                }
            }
        }
    }
}

/// The row forms against the elementwise function summed in 8 lanes, at
/// lengths with a tail of 5 (21), an 8-lane group after the 16-wide loop
/// and a tail (29), and an image row (784); ten random rows each, since
/// a wrong order of the lane sums can round to the right total.
fn row_forms_case(path: &str) {
    let mut r = rng(3);
    for n in [21usize, 29, 784].repeat(10) {
        let z: Vec<f32> = (0..n).map(|_| unif(&mut r, -30.0, 30.0)).collect();
        let x: Vec<f32> = (0..n).map(|_| unif(&mut r, 0.0, 1.0)).collect();
        for loss in [Loss::Square, Loss::CrossEntropy] {
            let mut g = vec![0.0f32; n];
            let total = loss.value_and_grad_logit_row(&mut g, &z, &x, 0.5);
            let mut lanes = [0.0f32; 8];
            for i in 0..n {
                let (v, d) = loss.value_and_grad_logit(z[i], x[i]);
                lanes[i % 8] += v;
                assert_eq!(g[i].to_bits(), (d * 0.5).to_bits(), "{path} {loss:?} n={n} gradient {i}");
            }
            let expected = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            assert_eq!(total.to_bits(), expected.to_bits(), "{path} {loss:?} n={n}");
            assert_eq!(loss.value_row(&z, &x).to_bits(), expected.to_bits(), "{path} {loss:?} n={n}");
        }
    }
}

#[test]
fn fused_cross_entropy_never_nan() {
    for z in [-1e30f32, -1e4, -200.0, -104.0, -88.0, -17.0, 0.0, 17.0, 88.0, 200.0, 1e4, 1e30] {
        for x in [0.0f32, 0.3, 1.0] {
            let l = bce_with_logits(z, x);
            let g = bce_with_logits_grad(z, x);
            assert!(l.is_finite() && l >= 0.0, "L({z},{x}) = {l}");
            assert!(g.is_finite() && (-1.0..=1.0).contains(&g), "L'({z},{x}) = {g}");
            assert!(square_with_logits_grad(z, x).is_finite());
        }
    }
    // The assignment's form: d_ce(x, σ) · σ(1−σ) is 0·∞ = NaN once σ saturates.
    let y = kernel::activation::sigmoid(40.0);
    assert_eq!(y, 1.0);
    assert!((bce_grad(0.0, y) * (y * (1.0 - y))).is_nan());
}

struct Block {
    w: [f32; 3],
}
impl ParamBlocks for Block {
    fn blocks(&self) -> heapless::Vec<(&'static str, &[f32]), 12> {
        heapless::Vec::from_iter([("w", &self.w[..])])
    }
    fn blocks_mut(&mut self) -> heapless::Vec<&mut [f32], 12> {
        heapless::Vec::from_iter([&mut self.w[..]])
    }
}

#[test]
fn adam_matches_the_appendix_formula() {
    let adam = Adam::ASSIGNMENT_AUTOENCODER;
    let mut p = Block { w: [0.5, -1.0, 2.0] };
    let (mut m, mut v) = (Block { w: [0.0; 3] }, Block { w: [0.0; 3] });
    let grads = [[0.1f32, -0.2, 0.0], [0.3, 0.1, -0.5], [-0.2, 0.0, 0.4]];
    // The appendix in f64, step by step.
    let (mut w64, mut m64, mut v64) = ([0.5f64, -1.0, 2.0], [0.0f64; 3], [0.0f64; 3]);
    for (k, g) in grads.iter().enumerate() {
        let k = k as i32 + 1;
        adam.step(&mut p, &mut m, &mut v, &Block { w: *g }, k as u32);
        for i in 0..3 {
            let gi = g[i] as f64;
            m64[i] = 0.9 * m64[i] + 0.1 * gi;
            v64[i] = 0.999 * v64[i] + 0.001 * gi * gi;
            let mh = m64[i] / (1.0 - 0.9f64.powi(k));
            let vh = v64[i] / (1.0 - 0.999f64.powi(k));
            w64[i] -= 0.05 / (vh.sqrt() + 1e-10) * mh;
        }
    }
    for i in 0..3 {
        assert!((p.w[i] as f64 - w64[i]).abs() < 1e-5, "{} vs {}", p.w[i], w64[i]);
    }
    // The first step moves each weight with a non-zero gradient by ≈ rate.
    let mut q = Block { w: [0.0; 3] };
    let (mut m, mut v) = (Block { w: [0.0; 3] }, Block { w: [0.0; 3] });
    adam.step(&mut q, &mut m, &mut v, &Block { w: [1.0, -3.0, 0.0] }, 1);
    assert!((q.w[0] + 0.05).abs() < 1e-6 && (q.w[1] - 0.05).abs() < 1e-6 && q.w[2] == 0.0);
}

/// `update_block_with(f32::sqrt)` (vectorised, as the harness runs it) gives
/// the same bits as `update_block` (libm's scalar `sqrtf`), for a length
/// that leaves a scalar tail.
fn adam_case(path: &str) {
    let mut r = rng(11);
    let n = 1003;
    let w0: Vec<f32> = (0..n).map(|_| unif(&mut r, -2.0, 2.0)).collect();
    let mut grads: Vec<Vec<f32>> = (0..5)
        .map(|_| (0..n).map(|i| unif(&mut r, -1.0, 1.0) * 10f32.powi((i % 9) as i32 - 6)).collect())
        .collect();
    grads[2][5] = 0.0;
    grads[3][7] = f32::MIN_POSITIVE / 8.0; // subnormal
    let run = |sqrt_std: bool| {
        let (mut w, mut m, mut v) = (w0.clone(), vec![0.0; n], vec![0.0; n]);
        for (k, g) in grads.iter().enumerate() {
            let adam = Adam::PYTORCH_DEFAULT;
            if sqrt_std {
                adam.update_block_with(&mut w, &mut m, &mut v, g, k as u32 + 1, f32::sqrt);
            } else {
                adam.update_block(&mut w, &mut m, &mut v, g, k as u32 + 1);
            }
        }
        w.iter().chain(&m).chain(&v).map(|x| x.to_bits()).collect::<Vec<u32>>()
    };
    assert_eq!(run(true), run(false), "{path}");
}

/// Every SIMD path gives the bits of the scalar statements (the only test
/// here that switches paths: see `for_each_simd_path`).
#[test]
fn simd_paths_give_the_elementwise_bits() {
    let mut adam_bits = Vec::new();
    for_each_simd_path(|path| {
        row_forms_case(path);
        adam_case(path);
        // And the same Adam bits on every path.
        let mut w = vec![0.5f32; 40];
        let (mut m, mut v) = (vec![0.0; 40], vec![0.0; 40]);
        let g: Vec<f32> = (0..40).map(|i| (i as f32 - 20.0) * 0.01).collect();
        Adam::PYTORCH_DEFAULT.update_block_with(&mut w, &mut m, &mut v, &g, 1, f32::sqrt);
        adam_bits.push(w.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
    });
    assert!(adam_bits.windows(2).all(|p| p[0] == p[1]));
}

#[test]
fn normal_sampler_moments_and_determinism() {
    let mut r = rng(5);
    let mut buf = vec![0.0f32; 200_001];
    krng::fill_normal(&mut r, &mut buf);
    let n = buf.len() as f64;
    let mean = buf.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = buf.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    let kurt = buf.iter().map(|&v| (v as f64 - mean).powi(4)).sum::<f64>() / n / (var * var);
    assert!(
        mean.abs() < 0.01 && (var - 1.0).abs() < 0.01 && (kurt - 3.0).abs() < 0.05,
        "{mean} {var} {kurt}"
    );
    let mut again = vec![0.0f32; 200_001];
    krng::fill_normal(&mut rng(5), &mut again);
    assert!(buf.iter().zip(&again).all(|(a, b)| a.to_bits() == b.to_bits()));
    let u: Vec<f32> = (0..100_000).map(|_| krng::uniform_range(&mut r, -2.0, 3.0)).collect();
    assert!(u.iter().all(|&v| (-2.0..3.0).contains(&v)));
    let um = u.iter().map(|&v| v as f64).sum::<f64>() / u.len() as f64;
    assert!((um - 0.5).abs() < 0.02);
}
