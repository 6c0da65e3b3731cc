//! Shared test helpers: seeded inputs, independent f64 activations, central
//! finite differences and the gradient comparison every backward test uses.
#![allow(dead_code)]

use kernel::{Activation, Matrix};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub type Rng = Xoshiro256PlusPlus;

pub fn rng(seed: u64) -> Rng {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Uniform in [lo, hi), drawn independently of the kernel's sampler.
pub fn unif(r: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * ((r.next_u32() >> 8) as f32 / 16_777_216.0)
}

pub fn rand_array<const N: usize>(r: &mut Rng, lo: f32, hi: f32) -> [f32; N] {
    core::array::from_fn(|_| unif(r, lo, hi))
}

pub fn rand_matrix<const R: usize, const C: usize>(r: &mut Rng, lo: f32, hi: f32) -> Matrix<R, C> {
    Matrix::from_fn(|_, _| unif(r, lo, hi))
}

/// φ in f64, written from the definitions (not the kernel's code).
pub fn phi64(a: Activation, x: f64) -> f64 {
    match a {
        Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Activation::Tanh => x.tanh(),
        Activation::Relu => x.max(0.0),
    }
}

/// Central finite differences of `f` at `x` with step `h`, in f64.
pub fn fd_grad(f: impl Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    let mut p = x.to_vec();
    (0..x.len())
        .map(|i| {
            p[i] = x[i] + h;
            let up = f(&p);
            p[i] = x[i] - h;
            let down = f(&p);
            p[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

pub fn to64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| v as f64).collect()
}

/// Largest relative difference between `got` and `want` over the entries
/// that are not tiny (|want| > 1e-3 · max|want|); tiny entries must agree
/// to `tol` · max|want| absolutely. Returns the largest relative difference.
pub fn max_rel_diff(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
    let mut worst = 0.0f64;
    for (&g, &w) in got.iter().zip(want) {
        let g = g as f64;
        let d = if w.abs() > 1e-3 * scale {
            (g - w).abs() / w.abs()
        } else {
            (g - w).abs() / scale
        };
        worst = worst.max(d);
    }
    worst
}

pub fn assert_grad_close(what: &str, got: &[f32], want: &[f64], tol: f64) {
    let d = max_rel_diff(got, want);
    assert!(
        d <= tol,
        "{what}: relative difference {d:e} > {tol:e}\n got  {got:?}\n want {want:?}"
    );
}
