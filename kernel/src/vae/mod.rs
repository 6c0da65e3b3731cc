//! Exercise 4: variational autoencoders on MNIST (docs/04-vae.md).
//!
//! Two models, each a stack of [`crate::dense::Linear`] layers with a
//! reverse schedule written out one named message per step:
//!
//! - [`assignment`]: the network of the "MNIST VAE" code appendix, trained
//!   on eq. 175 — a fixed σ_z = 1, so z = μ_z + ε (eq. 173), a square
//!   reconstruction error and a penalty on μ_z² in place of the KL term.
//! - [`gaussian`]: the standard VAE, with a learned diagonal σ_z through the
//!   reparameterisation z = μ + σ ⊙ ε (eqs. 169, 173), a Bernoulli decoder
//!   and the closed-form KL(q ‖ N(0, I)).
//!
//! Both take ε ~ N(0, I) from the caller (one row per image, e.g. from
//! [`crate::rng::fill_normal`]), so a forward pass is a deterministic
//! function of (θ, φ, x, ε): this is what lets the tests hold ε fixed and
//! check the gradients against finite differences.
//!
//! [`gaussian_entropy`] is the result of Ex 4.3, corrected.

pub mod assignment;
pub mod gaussian;

pub use assignment::{AssignmentConfig, AssignmentVae};
pub use gaussian::{kl_standard_normal, GaussianVae, LOGVAR_MAX, LOGVAR_MIN};

/// The differential entropy of a d-dimensional Gaussian N(μ, Σ),
/// −∫ q log q = ½ log((2πe)^d |Σ|) = ½ (d · ln(2πe) + log|Σ|), from
/// `log_det_sigma` = log|Σ| (Ex 4.3, eq. 161; docs/04-vae.md, "Ex 4.3").
///
/// Eq. 161 as printed, ½ log(2πe|Σ|), is the d = 1 case only: eq. 156
/// normalises with √(2π|Σ|) where the d-dimensional density needs
/// √((2π)^d |Σ|), and E[(z − μ)ᵀ Σ⁻¹ (z − μ)] = d, not 1. In f64 (via libm):
/// it is a statement about reals, checked by numerical integration.
#[must_use]
pub fn gaussian_entropy(d: usize, log_det_sigma: f64) -> f64 {
    let ln_2pi_e = libm::log(2.0 * core::f64::consts::PI) + 1.0;
    0.5 * (d as f64 * ln_2pi_e + log_det_sigma)
}
