//! Exercise 1: logistic regression's two losses, their gradients and
//! Hessians (docs/01-logistic-regression.md, Ex 1.1–1.3; eqs. 2–10).
//!
//! Shapes: `x` is N × D (one input per row), `c` holds the N classes in
//! {0, 1}, `w` the D weights; σ_n = σ(wᵀx_n).

use crate::activation::{log_sigmoid, sigmoid};
use crate::matrix::{dot, Matrix};

/// E_lik(w) = −(1/N) Σ_n [c_n log σ_n + (1 − c_n) log(1 − σ_n)] (eq. 2).
///
/// # Numerical stability
/// log(1 − σ(a)) = log σ(−a), so both terms go through [`log_sigmoid`]:
/// the loss is finite for any finite weights, where log(1 − σ) is −∞ as soon
/// as σ rounds to 1 (a > ≈ 17).
#[must_use]
pub fn lik_loss<const N: usize, const D: usize>(w: &[f32; D], x: &Matrix<N, D>, c: &[f32; N]) -> f32 {
    let mut sum = 0.0f32;
    for (xn, &cn) in x.0.iter().zip(c) {
        let a = dot(w, xn);
        sum += cn * log_sigmoid(a) + (1.0 - cn) * log_sigmoid(-a);
    }
    -sum / N as f32
}

/// ∇E_lik = −(1/N) Σ_n (c_n − σ_n) x_n (eq. 4). Overwrites `dw` (D).
pub fn lik_grad<const N: usize, const D: usize>(dw: &mut [f32; D], w: &[f32; D], x: &Matrix<N, D>, c: &[f32; N]) {
    dw.fill(0.0);
    for (xn, &cn) in x.0.iter().zip(c) {
        let s = sigmoid(dot(w, xn));
        crate::matrix::axpy(dw, -(cn - s) / N as f32, xn);
    }
}

/// ∇²E_lik = (1/N) Σ_n σ_n (1 − σ_n) x_n x_nᵀ, a D × D matrix (eq. 5 corrected:
/// the assignment writes the scalar x_n²). Overwrites `h` (D × D).
pub fn lik_hessian<const N: usize, const D: usize>(h: &mut Matrix<D, D>, w: &[f32; D], x: &Matrix<N, D>) {
    hessian_with(h, w, x, |a, _| sigmoid(a) * sigmoid(-a) / N as f32, &[0.0; N]);
}

/// E_sq(w) = (1/N) Σ_n (c_n − σ_n)² (eq. 6; no ½ here, unlike eq. 141).
#[must_use]
pub fn sq_loss<const N: usize, const D: usize>(w: &[f32; D], x: &Matrix<N, D>, c: &[f32; N]) -> f32 {
    let mut sum = 0.0f32;
    for (xn, &cn) in x.0.iter().zip(c) {
        let d = cn - sigmoid(dot(w, xn));
        sum += d * d;
    }
    sum / N as f32
}

/// ∇E_sq = −(2/N) Σ_n (c_n − σ_n) σ_n (1 − σ_n) x_n (eq. 7, first line).
/// Overwrites `dw` (D).
pub fn sq_grad<const N: usize, const D: usize>(dw: &mut [f32; D], w: &[f32; D], x: &Matrix<N, D>, c: &[f32; N]) {
    dw.fill(0.0);
    for (xn, &cn) in x.0.iter().zip(c) {
        let a = dot(w, xn);
        let s = sigmoid(a);
        crate::matrix::axpy(dw, -2.0 * (cn - s) * s * sigmoid(-a) / N as f32, xn);
    }
}

/// The curvature factor q(σ, c) = 2σ + 2cσ − 3σ² − c of eq. 8: the Hessian
/// of one data point's square loss is 2σ(1 − σ) q x xᵀ, so its sign is q's.
/// q < 0 for c = 0 when σ > 2/3 (eq. 9) and for c = 1 when σ < 1/3 (eq. 10
/// corrected; docs/errata.md).
#[inline]
#[must_use]
pub fn sq_curvature_factor(sigma: f32, c: f32) -> f32 {
    2.0 * sigma + 2.0 * c * sigma - 3.0 * sigma * sigma - c
}

/// ∇²E_sq = (2/N) Σ_n σ_n (1 − σ_n) q(σ_n, c_n) x_n x_nᵀ (eq. 8 as a matrix).
/// Overwrites `h` (D × D).
pub fn sq_hessian<const N: usize, const D: usize>(h: &mut Matrix<D, D>, w: &[f32; D], x: &Matrix<N, D>, c: &[f32; N]) {
    hessian_with(
        h,
        w,
        x,
        |a, cn| {
            let s = sigmoid(a);
            2.0 * s * sigmoid(-a) * sq_curvature_factor(s, cn) / N as f32
        },
        c,
    );
}

/// h = Σ_n k(wᵀx_n, c_n) x_n x_nᵀ: both Hessians are this sum of rank-one terms.
fn hessian_with<const N: usize, const D: usize>(
    h: &mut Matrix<D, D>,
    w: &[f32; D],
    x: &Matrix<N, D>,
    k: impl Fn(f32, f32) -> f32,
    c: &[f32; N],
) {
    h.fill_zero();
    for (xn, &cn) in x.0.iter().zip(c) {
        let kn = k(dot(w, xn), cn);
        for (hrow, &xa) in h.0.iter_mut().zip(xn) {
            crate::matrix::axpy(hrow, kn * xa, xn);
        }
    }
}
