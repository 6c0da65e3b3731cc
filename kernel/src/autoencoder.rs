//! Exercise 3: the MNIST autoencoder of eq. 97,
//! f(x) = σ(b2 + W2·φ(b1 + W1·x)), with the error of eq. 98 (summed over
//! pixels, averaged over images) and the reverse schedule of eqs. 122–133
//! written out message by message (docs/03-autoencoder.md).
//!
//! Shapes: D inputs (784 for MNIST), H hidden units, B images per chunk.
//! A chunk's images are the rows of `x` (B × D); node values are stored one
//! row per image, so f^(k)_{ni} is `ws.fk.0[n][i]`.

use crate::activation::Activation;
use crate::loss::Loss;
use crate::matrix::{col_sums_acc, matmul, matmul_a_bt, matmul_at_b_acc, Matrix};
use crate::params::{ParamBlocks, MAX_BLOCKS};
use crate::rng;
use rand_core::RngCore;

/// The parameters θ = (W1, b1, W2, b2) of eq. 97. Also used for their
/// gradient and for Adam's two moments, which share the layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoencoder<const D: usize, const H: usize> {
    /// W^(1), H × D: encoder weights.
    pub w1: Matrix<H, D>,
    /// b^(1), H: encoder bias.
    pub b1: [f32; H],
    /// W^(2), D × H: decoder weights.
    pub w2: Matrix<D, H>,
    /// b^(2), D: decoder bias.
    pub b2: [f32; D],
}

impl<const D: usize, const H: usize> ParamBlocks for Autoencoder<D, H> {
    fn blocks(&self) -> heapless::Vec<(&'static str, &[f32]), MAX_BLOCKS> {
        heapless::Vec::from_iter([
            ("w1", self.w1.as_slice()),
            ("b1", &self.b1[..]),
            ("w2", self.w2.as_slice()),
            ("b2", &self.b2[..]),
        ])
    }
    fn blocks_mut(&mut self) -> heapless::Vec<&mut [f32], MAX_BLOCKS> {
        heapless::Vec::from_iter([self.w1.as_mut_slice(), &mut self.b1[..], self.w2.as_mut_slice(), &mut self.b2[..]])
    }
}

impl<const D: usize, const H: usize> Autoencoder<D, H> {
    /// The appendix's `create_weight` for every block: uniform on ±1/√n where
    /// n is the block's last dimension (D for W1 and b2, H for W2 and b1),
    /// drawn block by block in the order W1, W2, b1, b2 as the appendix does.
    pub fn init_uniform<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        let (sd, sh) = (1.0 / crate::math::sqrt(D as f32), 1.0 / crate::math::sqrt(H as f32));
        rng::fill_uniform(rng, self.w1.as_mut_slice(), -sd, sd);
        rng::fill_uniform(rng, self.w2.as_mut_slice(), -sh, sh);
        rng::fill_uniform(rng, &mut self.b1, -sh, sh);
        rng::fill_uniform(rng, &mut self.b2, -sd, sd);
    }
}

/// The forward pass's node values for one chunk of B images, kept for the
/// backward pass, and the backward pass's messages.
#[derive(Clone, Debug)]
pub struct Workspace<const B: usize, const D: usize, const H: usize> {
    /// f^(2) = b1 + W1 x (eqs. 103–104), B × H: where φ' is evaluated.
    pub f2: Matrix<B, H>,
    /// f^(3) = φ(f^(2)) (eq. 105), B × H: the code.
    pub f3: Matrix<B, H>,
    /// f^(5) = b2 + W2 f^(3) (eqs. 106–107), B × D: the output logits.
    pub f5: Matrix<B, D>,
    /// t^(5) = t^(4), B × D: the message at the logits.
    pub t5: Matrix<B, D>,
    /// t^(3), then t^(2) = t^(1) in place, B × H.
    pub t3: Matrix<B, H>,
}

/// Forward pass over a chunk (eqs. 103–107): fills `ws.f2`, `ws.f3`, `ws.f5`.
/// f^(6) = σ(f^(5)) is never formed: the losses take the logit.
pub fn forward<const B: usize, const D: usize, const H: usize>(
    ws: &mut Workspace<B, D, H>,
    model: &Autoencoder<D, H>,
    x: &Matrix<B, D>,
    phi: Activation,
) {
    matmul_a_bt(&mut ws.f2, x, &model.w1); // f1_nk = Σ_j W1_kj x_nj (eq. 103)
    for (f2, f3) in ws.f2.0.iter_mut().zip(ws.f3.0.iter_mut()) {
        for k in 0..H {
            f2[k] += model.b1[k]; // f2_nk = b1_k + f1_nk (eq. 104)
            f3[k] = phi.apply(f2[k]); // f3_nk = φ(f2_nk) (eq. 105)
        }
    }
    matmul_a_bt(&mut ws.f5, &ws.f3, &model.w2); // f4_ni = Σ_k W2_ik f3_nk (eq. 106)
    for f5 in ws.f5.0.iter_mut() {
        for (v, &b) in f5.iter_mut().zip(&model.b2) {
            *v += b; // f5_ni = b2_i + f4_ni (eq. 107)
        }
    }
}

/// Σ_n Σ_i L(x_ni, σ(f5_ni)) over the first `rows` images of the chunk
/// (eqs. 108–109 summed; divide by the number of images for eq. 98). Rows
/// from `rows` to B are padding and are ignored. Call after [`forward`].
#[must_use]
pub fn loss_sum<const B: usize, const D: usize, const H: usize>(ws: &Workspace<B, D, H>, x: &Matrix<B, D>, rows: usize, loss: Loss) -> f32 {
    debug_assert!(rows <= B);
    let mut total = 0.0f32;
    for (f5, xn) in ws.f5.0.iter().zip(&x.0).take(rows) {
        total += loss.value_row(f5, xn);
    }
    total
}

/// Reverse schedule over a chunk (eqs. 122–133): `grad += ∂E/∂θ`, where E
/// averages over `n_total` images (eq. 110's 1/N; pass the full-batch N
/// when a step spans several chunks). Only the first `rows` images count:
/// the messages of the padding rows are exactly 0, so they add nothing.
/// Call after [`forward`]. Returns Σ_n Σ_i L(x_ni, f6_ni) over the rows,
/// computed in the same pass as t^(5) from the same exponential (equal, bit
/// for bit, to [`loss_sum`]).
#[allow(clippy::too_many_arguments)]
pub fn backward<const B: usize, const D: usize, const H: usize>(
    grad: &mut Autoencoder<D, H>,
    ws: &mut Workspace<B, D, H>,
    model: &Autoencoder<D, H>,
    x: &Matrix<B, D>,
    rows: usize,
    loss: Loss,
    phi: Activation,
    n_total: usize,
) -> f32 {
    debug_assert!(rows <= B);
    let t8 = 1.0f32; // t^(8) = 1 (eq. 122)
    let t7 = t8 / n_total as f32; // t7_ni = (1/N) t8 (eqs. 121, 123)
    let mut loss_sum = 0.0f32;
    for (n, ((t5, f5), xn)) in ws.t5.0.iter_mut().zip(&ws.f5.0).zip(&x.0).enumerate() {
        if n >= rows {
            t5.fill(0.0); // padding: no message
            continue;
        }
        // t6_ni = L'(x_ni, f6_ni) t7_ni (eq. 124) and t5_ni = σ'(f5_ni) t6_ni
        // (eq. 125), fused: L'·σ' = ∂L(x, σ(z))/∂z without the 0·∞ of
        // saturation; f7_ni = L(x_ni, f6_ni) (eq. 109) comes from the same
        // exponential, summed over the row in fixed lanes.
        loss_sum += loss.value_and_grad_logit_row(t5, f5, xn, t7);
    }
    col_sums_acc(&mut grad.b2, &ws.t5); // tb2_a = Σ_n t5_na (eq. 126)
    let t4 = &ws.t5; // t4_ni = t5_ni (eq. 127)
    matmul_at_b_acc(&mut grad.w2, t4, &ws.f3); // tW2_ab = Σ_n f3_nb t4_na (eq. 128)
    matmul(&mut ws.t3, t4, &model.w2); // t3_ni = Σ_j W2_ji t4_nj (eq. 129)
    for (t, f2) in ws.t3.0.iter_mut().zip(&ws.f2.0) {
        for k in 0..H {
            t[k] *= phi.grad(f2[k]); // t2_nk = φ'(f2_nk) t3_nk (eq. 130)
        }
    }
    let t2 = &ws.t3; // t1 = t2 (eq. 131)
    col_sums_acc(&mut grad.b1, t2); // tb1_a = Σ_n t2_na (eq. 132)
    matmul_at_b_acc(&mut grad.w1, t2, x); // tW1_ab = Σ_n x_nb t1_na (eq. 133)
    loss_sum
}

/// The diagonal Hessian of E with respect to b2 over a chunk (Ex 3.6,
/// eq. 145): `out_a += (1/N) Σ_n ∂²L/∂z²(f5_na, x_na)` over the first
/// `rows` images. Only the diagonal is non-zero, since b2_a reaches output
/// a alone. Call after [`forward`].
pub fn b2_hessian_acc<const B: usize, const D: usize, const H: usize>(
    out: &mut [f32; D],
    ws: &Workspace<B, D, H>,
    x: &Matrix<B, D>,
    rows: usize,
    loss: Loss,
    n_total: usize,
) {
    for (f5, xn) in ws.f5.0.iter().zip(&x.0).take(rows) {
        for a in 0..D {
            out[a] += loss.curvature_logit(f5[a], xn[a]) / n_total as f32;
        }
    }
}

/// The Hessian of E with respect to row `a` of W2 over a chunk (Ex 3.6,
/// eq. 149 as a matrix): `out += (1/N) Σ_n ∂²L/∂z²(f5_na, x_na) f3_n f3_nᵀ`
/// (H × H) over the first `rows` images. Call after [`forward`].
#[allow(clippy::too_many_arguments)]
pub fn w2_row_hessian_acc<const B: usize, const D: usize, const H: usize>(
    out: &mut Matrix<H, H>,
    ws: &Workspace<B, D, H>,
    x: &Matrix<B, D>,
    rows: usize,
    loss: Loss,
    a: usize,
    n_total: usize,
) {
    for (n, f3) in ws.f3.0.iter().enumerate().take(rows) {
        let c = loss.curvature_logit(ws.f5.0[n][a], x.0[n][a]) / n_total as f32;
        for (row, &f3k) in out.0.iter_mut().zip(f3) {
            crate::matrix::axpy(row, c * f3k, f3);
        }
    }
}
