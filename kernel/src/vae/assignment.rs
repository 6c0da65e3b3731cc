//! The VAE of the assignment's "MNIST VAE" code appendix (Ex 4.8), trained
//! on the objective of eq. 175 (docs/04-vae.md, "The appendix's VAE").
//!
//! Encoder X → E1 → E2 → Z (784 → 400 → 200 → 40 in the appendix), ReLU
//! after every layer, including the last: the appendix's
//! `mean = self.relu(self.e_fc3(res))`, so μ_z ≥ 0 (set
//! [`AssignmentConfig::linear_mean`] to drop that ReLU). Then z = μ_z + ε
//! with σ_z fixed to 1 (eq. 173; eq. 169's substitution with Σ = I), and the
//! decoder Z → D1 → X (40 → 400 → 784) with a ReLU and an output sigmoid,
//! μ_x = σ(logits).
//!
//! Objective of a batch of N images (eq. 175 with one sample of ε per image,
//! as the appendix's `loss_function`, which divides by N = 600):
//! E = (1/N) Σ_n [ Σ_i (x_ni − μ_x,ni)² + c · Σ_k μ_z,nk² ],
//! with c = [`AssignmentConfig::mean_penalty`]: eq. 175 has c = σ_x², the
//! code's `KLD = 0.5 * torch.sum(mu.pow(2))` has c = ½.

use crate::activation::sigmoid;
use crate::dense::{linear_backward, linear_forward, relu_backward_inplace, relu_forward_inplace, Linear};
use crate::loss::Loss;
use crate::matrix::Matrix;
use crate::params::ParamBlocks;
use rand_core::RngCore;

/// The objective's two choices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AssignmentConfig {
    /// Drop the ReLU on μ_z (the appendix applies one, so that μ_z ≥ 0 and a
    /// code can never match the prior's negative half).
    pub linear_mean: bool,
    /// c in c · Σ_k μ_z,k²: σ_x² in eq. 175, ½ in the appendix's code.
    pub mean_penalty: f32,
}

impl Default for AssignmentConfig {
    /// The appendix: ReLU on μ_z, `KLD = 0.5 * torch.sum(mu.pow(2))`.
    fn default() -> Self {
        AssignmentConfig {
            linear_mean: false,
            mean_penalty: 0.5,
        }
    }
}

/// The parameters (φ, θ) of the appendix's `VAE`, one [`Linear`] per
/// `nn.Linear`. Also used for their gradient and for Adam's two moments.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentVae<const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize> {
    /// `e_fc1`, X → E1.
    pub enc1: Linear<E1, X>,
    /// `e_fc2`, E1 → E2.
    pub enc2: Linear<E2, E1>,
    /// `e_fc3`, E2 → Z: μ_z(x, φ).
    pub enc3: Linear<Z, E2>,
    /// `d_fc1`, Z → D1.
    pub dec1: Linear<D1, Z>,
    /// `d_fc2`, D1 → X: the logits of μ_x(z, θ).
    pub dec2: Linear<X, D1>,
}

impl<const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize> ParamBlocks for AssignmentVae<X, E1, E2, Z, D1> {
    crate::dense::linear_param_blocks!(enc1, enc2, enc3, dec1, dec2);
}

impl<const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize> AssignmentVae<X, E1, E2, Z, D1> {
    /// PyTorch's default initialisation of every layer
    /// ([`Linear::init_uniform`]), in the order the appendix's `__init__`
    /// creates them: e_fc1, e_fc2, e_fc3, d_fc1, d_fc2.
    pub fn init_uniform<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        self.enc1.init_uniform(rng);
        self.enc2.init_uniform(rng);
        self.enc3.init_uniform(rng);
        self.dec1.init_uniform(rng);
        self.dec2.init_uniform(rng);
    }
}

/// The forward pass's node values for one chunk of B images (one row per
/// image), kept for the backward pass, and the backward pass's messages
/// t = ∂E/∂(node).
#[derive(Clone, Debug)]
pub struct Workspace<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize> {
    /// relu(e_fc1(x)), B × E1.
    pub h1: Matrix<B, E1>,
    /// relu(e_fc2(h1)), B × E2.
    pub h2: Matrix<B, E2>,
    /// μ_z = relu(e_fc3(h2)) (or e_fc3(h2) with `linear_mean`), B × Z.
    pub mu_z: Matrix<B, Z>,
    /// z = μ_z + ε (eq. 173, σ_z = 1), B × Z.
    pub z: Matrix<B, Z>,
    /// relu(d_fc1(z)), B × D1.
    pub h3: Matrix<B, D1>,
    /// d_fc2(h3), B × X: the logits of μ_x = σ(logits).
    pub logits: Matrix<B, X>,
    /// t_logits, B × X: the message at the logits.
    pub t_logits: Matrix<B, X>,
    /// t_h3, then the message at d_fc1's output in place, B × D1.
    pub t_h3: Matrix<B, D1>,
    /// t_z, then t_μz in place, then the message at e_fc3's output, B × Z.
    pub t_z: Matrix<B, Z>,
    /// t_h2, then the message at e_fc2's output in place, B × E2.
    pub t_h2: Matrix<B, E2>,
    /// t_h1, then the message at e_fc1's output in place, B × E1.
    pub t_h1: Matrix<B, E1>,
}

/// The decoder, μ_x's logits from z: fills `h3` and `logits`.
fn decoder<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize>(
    h3: &mut Matrix<B, D1>,
    logits: &mut Matrix<B, X>,
    model: &AssignmentVae<X, E1, E2, Z, D1>,
    z: &Matrix<B, Z>,
) {
    linear_forward(h3, z, &model.dec1);
    relu_forward_inplace(h3); // res = relu(d_fc1(input))
    linear_forward(logits, h3, &model.dec2); // res = sigmoid(d_fc2(res)), before the sigmoid
}

/// Forward pass over a chunk (the appendix's `forward(input)`): fills every
/// node of `ws`, with the caller's ε ~ N(0, I) (B × Z) in place of
/// `torch.randn_like(mean)`. Padding rows must hold finite values (zeros).
pub fn forward<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize>(
    ws: &mut Workspace<B, X, E1, E2, Z, D1>,
    model: &AssignmentVae<X, E1, E2, Z, D1>,
    x: &Matrix<B, X>,
    eps: &Matrix<B, Z>,
    cfg: AssignmentConfig,
) {
    linear_forward(&mut ws.h1, x, &model.enc1);
    relu_forward_inplace(&mut ws.h1); // res = relu(e_fc1(input))
    linear_forward(&mut ws.h2, &ws.h1, &model.enc2);
    relu_forward_inplace(&mut ws.h2); // res = relu(e_fc2(res))
    linear_forward(&mut ws.mu_z, &ws.h2, &model.enc3);
    if !cfg.linear_mean {
        relu_forward_inplace(&mut ws.mu_z); // mean = relu(e_fc3(res))
    }
    for ((z, mu), e) in ws.z.0.iter_mut().zip(&ws.mu_z.0).zip(&eps.0) {
        for k in 0..Z {
            z[k] = mu[k] + e[k]; // z = μ_z + σ_z ε, σ_z = 1 (eq. 173)
        }
    }
    decoder(&mut ws.h3, &mut ws.logits, model, &ws.z);
}

/// The decoder alone, as the appendix's `forward(z, generating=True)`:
/// `out_prob` = μ_x(z) = σ(d_fc2(relu(d_fc1(z)))), for samples of the prior
/// (z ~ N(0, I)) and for reconstructions. Uses `ws.h3` and `ws.logits`.
pub fn decode<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize>(
    out_prob: &mut Matrix<B, X>,
    ws: &mut Workspace<B, X, E1, E2, Z, D1>,
    model: &AssignmentVae<X, E1, E2, Z, D1>,
    z: &Matrix<B, Z>,
) {
    decoder(&mut ws.h3, &mut ws.logits, model, z);
    for (p, l) in out_prob.as_mut_slice().iter_mut().zip(ws.logits.as_slice()) {
        *p = sigmoid(*l);
    }
}

/// Σ_n [ Σ_i (x_ni − σ(logits_ni))² + c · Σ_k μ_z,nk² ] over the first
/// `rows` images of the chunk: the appendix's `RL + KLD`; divide by the
/// batch size for eq. 175. Call after [`forward`].
#[must_use]
pub fn loss_sum<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize>(
    ws: &Workspace<B, X, E1, E2, Z, D1>,
    x: &Matrix<B, X>,
    rows: usize,
    cfg: AssignmentConfig,
) -> f32 {
    let mut total = 0.0f32;
    for n in 0..rows.min(B) {
        // Σ_i (x − σ(l))² = 2 · Σ_i ½(x − σ(l))², the square loss of eq. 141
        // through the logit, summed in fixed lanes (`Loss::value_row`).
        let rl = 2.0 * Loss::Square.value_row(&ws.logits.0[n], &x.0[n]);
        let mut mu2 = 0.0f32;
        for &m in &ws.mu_z.0[n] {
            mu2 += m * m;
        }
        total += rl + cfg.mean_penalty * mu2;
    }
    total
}

/// Reverse schedule over a chunk: `grad += ∂E/∂(φ, θ)` for eq. 175's E
/// averaged over `n_total` images (the batch size; pass the full batch's N
/// when a step spans several chunks), with ε held at the value [`forward`]
/// used. Only the first `rows` ≤ B rows are images: the rest is padding,
/// whose messages are set to exactly 0 so that it adds nothing.
pub fn backward<const B: usize, const X: usize, const E1: usize, const E2: usize, const Z: usize, const D1: usize>(
    grad: &mut AssignmentVae<X, E1, E2, Z, D1>,
    ws: &mut Workspace<B, X, E1, E2, Z, D1>,
    model: &AssignmentVae<X, E1, E2, Z, D1>,
    x: &Matrix<B, X>,
    rows: usize,
    n_total: usize,
    cfg: AssignmentConfig,
) {
    let scale = 1.0 / n_total as f32; // t_E = 1, and E = (1/N) Σ_n (eq. 175)
    for (n, (t, l)) in ws.t_logits.0.iter_mut().zip(&ws.logits.0).enumerate() {
        if n < rows {
            // t_logits = ∂/∂l (x − σ(l))² / N = (2/N) (σ(l) − x) σ(l) σ(−l): the
            // fused, vectorised row of the square loss, scaled by 2/N.
            let _ = Loss::Square.value_and_grad_logit_row(t, l, &x.0[n], 2.0 * scale);
        } else {
            t.fill(0.0); // padding: no message
        }
    }
    linear_backward(&mut grad.dec2, Some(&mut ws.t_h3), &ws.t_logits, &ws.h3, &model.dec2); // t_h3 = t_logits W
    relu_backward_inplace(&mut ws.t_h3, &ws.h3); // through d_fc1's relu
    linear_backward(&mut grad.dec1, Some(&mut ws.t_z), &ws.t_h3, &ws.z, &model.dec1); // t_z = t_h3 W
                                                                                      // Padding rows' t_z is already 0: their t_logits are.
    for (t, mu) in ws.t_z.0.iter_mut().zip(&ws.mu_z.0).take(rows) {
        for k in 0..Z {
            // t_μz = t_z · ∂z/∂μ_z (= 1, eq. 173) + ∂(c μ_z²)/∂μ_z / N.
            t[k] += 2.0 * cfg.mean_penalty * mu[k] * scale;
        }
    }
    if !cfg.linear_mean {
        relu_backward_inplace(&mut ws.t_z, &ws.mu_z); // through e_fc3's relu: μ_z > 0 ⇔ its input > 0
    }
    linear_backward(&mut grad.enc3, Some(&mut ws.t_h2), &ws.t_z, &ws.h2, &model.enc3); // t_h2 = t_μz W
    relu_backward_inplace(&mut ws.t_h2, &ws.h2);
    linear_backward(&mut grad.enc2, Some(&mut ws.t_h1), &ws.t_h2, &ws.h1, &model.enc2); // t_h1 = t_h2 W
    relu_backward_inplace(&mut ws.t_h1, &ws.h1);
    linear_backward(&mut grad.enc1, None, &ws.t_h1, x, &model.enc1);
}
