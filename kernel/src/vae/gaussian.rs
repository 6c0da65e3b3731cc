//! The standard VAE (docs/04-vae.md, "The Gaussian VAE"): the bound of
//! eq. 155 with a learned diagonal q(z|x) = N(μ_z(x), diag σ_z²(x)), a
//! Bernoulli decoder and the closed-form KL to the prior N(0, I).
//!
//! Encoder X → E with a ReLU, then two heads E → Z: μ_z and log σ_z²
//! (`logvar`); z = μ_z + σ_z ⊙ ε with ε ~ N(0, I) (the reparameterisation,
//! eqs. 169 and 173, with a per-unit σ_z); decoder Z → D with a ReLU, then
//! D → X logits, p(x_i = 1 | z) = σ(logits_i).
//!
//! Objective of a batch of N images, the mean negative ELBO with one sample
//! of ε per image:
//! E = (1/N) Σ_n [ Σ_i L(x_ni, σ(logits_ni)) + KL(N(μ_n, diag σ_n²) ‖ N(0, I)) ],
//! L the Bernoulli cross-entropy of eq. 138 ([`crate::loss::bce_with_logits`]).

use crate::activation::sigmoid;
use crate::dense::{linear_backward, linear_forward, relu_backward_inplace, relu_forward_inplace, Linear};
use crate::loss::Loss;
use crate::math;
use crate::matrix::{matmul_acc, Matrix};
use crate::params::ParamBlocks;
use rand_core::RngCore;

/// Lower end of the range log σ² is clamped to (σ ≥ e^−15 ≈ 3.1e−7).
pub const LOGVAR_MIN: f32 = -30.0;
/// Upper end of the range log σ² is clamped to (σ ≤ e^10 ≈ 2.2e4,
/// σ² ≤ e^20 ≈ 4.9e8).
pub const LOGVAR_MAX: f32 = 20.0;

/// log σ² clamped to [`LOGVAR_MIN`] ..= [`LOGVAR_MAX`] (NaN stays NaN).
#[inline]
fn clamp_logvar(lv: f32) -> f32 {
    lv.clamp(LOGVAR_MIN, LOGVAR_MAX)
}

/// KL(N(μ, diag e^logvar) ‖ N(0, I)) = ½ Σ_k (μ_k² + e^{logvar_k} − 1 − logvar_k)
/// (docs/04-vae.md, "The KL term"), with each logvar_k clamped to
/// [`LOGVAR_MIN`] ..= [`LOGVAR_MAX`] exactly as [`forward`] does.
///
/// # Numerical stability
/// The clamp keeps e^logvar finite (it overflows f32 for logvar > ≈ 88.7).
/// e^lv − 1 − lv is formed as (e^lv − 1) − lv: for |lv| ≪ 1 it cancels, with
/// an absolute error of about one ulp of 1 (≈ 1e−7) per unit, negligible
/// against the rest of the objective; it can come out a few ulps below 0.
#[must_use]
pub fn kl_standard_normal(mu: &[f32], logvar: &[f32]) -> f32 {
    debug_assert_eq!(mu.len(), logvar.len());
    let mut s = 0.0f32;
    for (&m, &lv) in mu.iter().zip(logvar) {
        let lv = clamp_logvar(lv);
        s += m * m + (math::exp(lv) - 1.0) - lv;
    }
    0.5 * s
}

/// The parameters: encoder layer, the two heads, two decoder layers. Also
/// used for their gradient and for Adam's two moments.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianVae<const X: usize, const E: usize, const Z: usize, const D: usize> {
    /// X → E.
    pub enc1: Linear<E, X>,
    /// E → Z: μ_z(x, φ).
    pub enc_mu: Linear<Z, E>,
    /// E → Z: log σ_z²(x, φ).
    pub enc_logvar: Linear<Z, E>,
    /// Z → D.
    pub dec1: Linear<D, Z>,
    /// D → X: the decoder's logits.
    pub dec2: Linear<X, D>,
}

impl<const X: usize, const E: usize, const Z: usize, const D: usize> ParamBlocks for GaussianVae<X, E, Z, D> {
    crate::dense::linear_param_blocks!(enc1, enc_mu, enc_logvar, dec1, dec2);
}

impl<const X: usize, const E: usize, const Z: usize, const D: usize> GaussianVae<X, E, Z, D> {
    /// PyTorch's default initialisation of every layer
    /// ([`Linear::init_uniform`]), in the order enc1, enc_mu, enc_logvar,
    /// dec1, dec2.
    pub fn init_uniform<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        self.enc1.init_uniform(rng);
        self.enc_mu.init_uniform(rng);
        self.enc_logvar.init_uniform(rng);
        self.dec1.init_uniform(rng);
        self.dec2.init_uniform(rng);
    }
}

/// The forward pass's node values for one chunk of B images (one row per
/// image), kept for the backward pass, and the backward pass's messages
/// t = ∂E/∂(node).
#[derive(Clone, Debug)]
pub struct Workspace<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize> {
    /// relu(enc1(x)), B × E.
    pub h1: Matrix<B, E>,
    /// μ_z = enc_mu(h1), B × Z.
    pub mu_z: Matrix<B, Z>,
    /// log σ_z² = enc_logvar(h1) before the clamp, B × Z.
    pub logvar_z: Matrix<B, Z>,
    /// σ_z ⊙ ε = exp(½ clamp(log σ_z²)) ⊙ ε, B × Z: z's noise, and ∂z/∂log σ_z² / ½.
    pub sigma_eps: Matrix<B, Z>,
    /// z = μ_z + σ_z ⊙ ε (eq. 173), B × Z.
    pub z: Matrix<B, Z>,
    /// relu(dec1(z)), B × D.
    pub h2: Matrix<B, D>,
    /// dec2(h2), B × X: the decoder's logits.
    pub logits: Matrix<B, X>,
    /// t_logits, B × X.
    pub t_logits: Matrix<B, X>,
    /// t_h2, then the message at dec1's output in place, B × D.
    pub t_h2: Matrix<B, D>,
    /// t_z, then t_μz in place, B × Z.
    pub t_z: Matrix<B, Z>,
    /// t_logvar: the message at log σ_z², B × Z.
    pub t_logvar_z: Matrix<B, Z>,
    /// t_h1 (from both heads), then the message at enc1's output, B × E.
    pub t_h1: Matrix<B, E>,
}

/// The decoder, the logits from z: fills `h2` and `logits`.
fn decoder<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
    h2: &mut Matrix<B, D>,
    logits: &mut Matrix<B, X>,
    model: &GaussianVae<X, E, Z, D>,
    z: &Matrix<B, Z>,
) {
    linear_forward(h2, z, &model.dec1);
    relu_forward_inplace(h2);
    linear_forward(logits, h2, &model.dec2);
}

/// Forward pass over a chunk with the caller's ε ~ N(0, I) (B × Z): fills
/// every node of `ws`. Padding rows must hold finite values (zeros).
///
/// # Numerical stability
/// σ = exp(½ logvar) overflows f32 for logvar > ≈ 177 (and σ² = e^logvar,
/// needed by the KL, for logvar > ≈ 88.7), which an unlucky Adam step can
/// reach; inf · ε then gives inf or NaN, and NaN spreads to every weight.
/// logvar is therefore clamped to [`LOGVAR_MIN`] ..= [`LOGVAR_MAX`] = [−30, 20]
/// (σ ∈ [3.1e−7, 2.2e4]) before σ and the KL use it. The objective is then
/// flat in logvar outside the range, and [`backward`] differentiates the
/// clamped objective exactly: a unit outside the range passes no message.
/// The range is meant to be wide enough that training never reaches it;
/// if a unit does leave it, that image's objective stops pulling its logvar
/// back (only other images, with logvar inside the range, still do).
pub fn forward<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
    ws: &mut Workspace<B, X, E, Z, D>,
    model: &GaussianVae<X, E, Z, D>,
    x: &Matrix<B, X>,
    eps: &Matrix<B, Z>,
) {
    linear_forward(&mut ws.h1, x, &model.enc1);
    relu_forward_inplace(&mut ws.h1);
    linear_forward(&mut ws.mu_z, &ws.h1, &model.enc_mu);
    linear_forward(&mut ws.logvar_z, &ws.h1, &model.enc_logvar);
    for n in 0..B {
        for k in 0..Z {
            let sigma = math::exp(0.5 * clamp_logvar(ws.logvar_z.0[n][k])); // σ_z = exp(½ log σ_z²)
            ws.sigma_eps.0[n][k] = sigma * eps.0[n][k];
            ws.z.0[n][k] = ws.mu_z.0[n][k] + ws.sigma_eps.0[n][k]; // z = μ_z + σ_z ε (eqs. 169, 173)
        }
    }
    decoder(&mut ws.h2, &mut ws.logits, model, &ws.z);
}

/// The decoder alone: `out_prob` = σ(dec2(relu(dec1(z)))), the Bernoulli
/// means, for samples of the prior (z ~ N(0, I)) and for reconstructions.
/// Uses `ws.h2` and `ws.logits`.
pub fn decode<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
    out_prob: &mut Matrix<B, X>,
    ws: &mut Workspace<B, X, E, Z, D>,
    model: &GaussianVae<X, E, Z, D>,
    z: &Matrix<B, Z>,
) {
    decoder(&mut ws.h2, &mut ws.logits, model, z);
    for (p, l) in out_prob.as_mut_slice().iter_mut().zip(ws.logits.as_slice()) {
        *p = sigmoid(*l);
    }
}

/// (Σ_n Σ_i L(x_ni, σ(logits_ni)), Σ_n KL_n) over the first `rows` images of
/// the chunk: the two parts of the negative ELBO, summed; divide their sum
/// by the batch size for E. Call after [`forward`].
#[must_use]
pub fn loss_sum<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
    ws: &Workspace<B, X, E, Z, D>,
    x: &Matrix<B, X>,
    rows: usize,
) -> (f32, f32) {
    let (mut recon, mut kl) = (0.0f32, 0.0f32);
    for n in 0..rows.min(B) {
        recon += Loss::CrossEntropy.value_row(&ws.logits.0[n], &x.0[n]); // Σ_i bce_with_logits(l_ni, x_ni)
        kl += kl_standard_normal(&ws.mu_z.0[n], &ws.logvar_z.0[n]);
    }
    (recon, kl)
}

/// Reverse schedule over a chunk: `grad += ∂E/∂(φ, θ)` for the negative
/// ELBO averaged over `n_total` images (the batch size), with ε held at the
/// value [`forward`] used. Only the first `rows` ≤ B rows are images: the
/// rest is padding, whose messages are set to exactly 0.
pub fn backward<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
    grad: &mut GaussianVae<X, E, Z, D>,
    ws: &mut Workspace<B, X, E, Z, D>,
    model: &GaussianVae<X, E, Z, D>,
    x: &Matrix<B, X>,
    rows: usize,
    n_total: usize,
) {
    let scale = 1.0 / n_total as f32; // t_E = 1, and E = (1/N) Σ_n
    for (n, ((t, l), xn)) in ws.t_logits.0.iter_mut().zip(&ws.logits.0).zip(&x.0).enumerate() {
        if n < rows {
            // t_logits = ∂L(x, σ(l))/∂l / N = (σ(l) − x) / N (eqs. 124–125, fused).
            let _ = Loss::CrossEntropy.value_and_grad_logit_row(t, l, xn, scale);
        } else {
            t.fill(0.0); // padding: no message
        }
    }
    linear_backward(&mut grad.dec2, Some(&mut ws.t_h2), &ws.t_logits, &ws.h2, &model.dec2); // t_h2 = t_logits W
    relu_backward_inplace(&mut ws.t_h2, &ws.h2);
    linear_backward(&mut grad.dec1, Some(&mut ws.t_z), &ws.t_h2, &ws.z, &model.dec1); // t_z = t_h2 W
    for n in 0..B {
        for k in 0..Z {
            let lv = ws.logvar_z.0[n][k];
            let (t_z, mu) = (ws.t_z.0[n][k], ws.mu_z.0[n][k]);
            ws.t_logvar_z.0[n][k] = if n < rows && LOGVAR_MIN < lv && lv < LOGVAR_MAX {
                // t_logvar = t_z ∂z/∂logvar + ∂KL/∂logvar / N = t_z · ½σε + ½(e^lv − 1) / N;
                // 0 outside the clamp's range, where the objective does not depend on lv.
                t_z * 0.5 * ws.sigma_eps.0[n][k] + 0.5 * (math::exp(lv) - 1.0) * scale
            } else {
                0.0
            };
            // t_μz = t_z ∂z/∂μ_z (= 1) + ∂KL/∂μ_z / N = t_z + μ_z / N (padding: t_z is 0).
            ws.t_z.0[n][k] = if n < rows { t_z + mu * scale } else { 0.0 };
        }
    }
    // Both heads read h1, so t_h1 = t_μz W_μ + t_logvar W_logvar.
    linear_backward(&mut grad.enc_mu, Some(&mut ws.t_h1), &ws.t_z, &ws.h1, &model.enc_mu);
    linear_backward(&mut grad.enc_logvar, None, &ws.t_logvar_z, &ws.h1, &model.enc_logvar);
    matmul_acc(&mut ws.t_h1, &ws.t_logvar_z, &model.enc_logvar.w);
    relu_backward_inplace(&mut ws.t_h1, &ws.h1);
    linear_backward(&mut grad.enc1, None, &ws.t_h1, x, &model.enc1);
}
