//! Numeric checks of the analytic claims of Ex 3.1 and Ex 4, as the report
//! shows them (docs/03-autoencoder.md, docs/04-vae.md): Pinsker's
//! inequality on a grid, the Gaussian KL against Monte Carlo, and the
//! Gaussian entropy against numerical integration.

use kernel::loss::pinsker_gap;
use kernel::vae::{gaussian_entropy, kl_standard_normal};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// One check: what was computed two ways and whether they agree.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What is checked.
    pub claim: String,
    /// The closed form.
    pub analytic: f64,
    /// The independent numerical estimate.
    pub numeric: f64,
    /// The allowed difference (e.g. 4 Monte-Carlo standard errors).
    pub tolerance: f64,
    /// |analytic − numeric| ≤ tolerance.
    pub holds: bool,
}

impl Check {
    fn new(claim: String, analytic: f64, numeric: f64, tolerance: f64) -> Check {
        Check {
            claim,
            analytic,
            numeric,
            tolerance,
            holds: (analytic - numeric).abs() <= tolerance,
        }
    }
}

/// Ex 3.1: the smallest value of KL(Bern(x)‖Bern(y)) − 2(x − y)² on an
/// n × n interior grid of (0, 1)² (it is ≥ 0, and 0 on the diagonal).
#[must_use]
pub fn pinsker(n: usize) -> Check {
    let mut min = f64::INFINITY;
    for i in 1..n {
        for j in 1..n {
            min = min.min(pinsker_gap(i as f64 / n as f64, j as f64 / n as f64));
        }
    }
    Check::new(
        format!(
            "Ex 3.1: min over a {0}×{0} grid of KL(Bern x‖Bern y) − 2(x−y)² is 0 (never negative)",
            n - 1
        ),
        0.0,
        min,
        1e-12,
    )
}

/// Ex 4 (the VAE's KL term): ½Σ(μ² + σ² − 1 − log σ²) against a Monte-Carlo
/// mean of log q(z) − log p(z) over `samples` draws z ~ q.
#[must_use]
pub fn kl_monte_carlo(mu: &[f32], logvar: &[f32], samples: usize, seed: u64) -> Check {
    let analytic = kl_standard_normal(mu, logvar) as f64;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut sum, mut sum2) = (0.0f64, 0.0f64);
    for _ in 0..samples {
        let mut d = 0.0f64;
        for (&m, &lv) in mu.iter().zip(logvar) {
            let (m, lv) = (m as f64, lv as f64);
            let e = kernel::rng::normal(&mut rng) as f64;
            let z = m + (0.5 * lv).exp() * e;
            // log q(z) − log p(z) per dimension; the 2π terms cancel.
            d += -0.5 * lv - 0.5 * e * e + 0.5 * z * z;
        }
        sum += d;
        sum2 += d * d;
    }
    let n = samples as f64;
    let mean = sum / n;
    let se = ((sum2 / n - mean * mean).max(0.0) / n).sqrt();
    Check::new(
        format!(
            "Ex 4: analytic KL(N(μ, σ²)‖N(0, I)) in {} dimensions vs Monte Carlo ({samples} samples, 4 s.e.)",
            mu.len()
        ),
        analytic,
        mean,
        4.0 * se + 1e-6,
    )
}

/// Ex 4.3 in 1-D: ½ log(2πe σ²) against −∫ q log q by the trapezoid rule on μ ± 12σ.
#[must_use]
pub fn entropy_1d(var: f64) -> Check {
    let sd = var.sqrt();
    let n = 20_000;
    let h = 24.0 * sd / n as f64;
    let mut s = 0.0;
    for i in 0..=n {
        let x = -12.0 * sd + i as f64 * h;
        let q = (-0.5 * x * x / var).exp() / (2.0 * std::f64::consts::PI * var).sqrt();
        let f = if q > 0.0 { -q * q.ln() } else { 0.0 };
        s += if i == 0 || i == n { 0.5 * f } else { f };
    }
    Check::new(
        format!("Ex 4.3: entropy of N(0, {var}) in 1-D vs numerical integration"),
        gaussian_entropy(1, var.ln()),
        s * h,
        1e-6,
    )
}

/// Ex 4.3 in 2-D with a correlated Σ = [[a, c], [c, b]]: ½ log((2πe)² |Σ|)
/// against −∫∫ q log q on a grid over ±10 standard deviations.
#[must_use]
pub fn entropy_2d(a: f64, b: f64, c: f64) -> Check {
    let det = a * b - c * c;
    let (ia, ib, ic) = (b / det, a / det, -c / det); // Σ⁻¹
    let norm = 1.0 / (2.0 * std::f64::consts::PI * det.sqrt());
    let n = 600;
    let (ra, rb) = (10.0 * a.sqrt(), 10.0 * b.sqrt());
    let (hx, hy) = (2.0 * ra / n as f64, 2.0 * rb / n as f64);
    let mut s = 0.0;
    for i in 0..=n {
        let x = -ra + i as f64 * hx;
        for j in 0..=n {
            let y = -rb + j as f64 * hy;
            let lq = norm.ln() - 0.5 * (ia * x * x + 2.0 * ic * x * y + ib * y * y);
            let q = lq.exp();
            let w = if i == 0 || i == n { 0.5 } else { 1.0 } * if j == 0 || j == n { 0.5 } else { 1.0 };
            s -= w * q * lq;
        }
    }
    Check::new(
        format!("Ex 4.3: entropy of a correlated 2-D Gaussian (|Σ| = {det}) vs grid integration"),
        gaussian_entropy(2, det.ln()),
        s * hx * hy,
        1e-4,
    )
}

/// Every check the report lists for Ex 3.1 and Ex 4.
#[must_use]
pub fn all(quick: bool) -> Vec<Check> {
    let samples = if quick { 20_000 } else { 200_000 };
    vec![
        pinsker(if quick { 200 } else { 1000 }),
        kl_monte_carlo(&[0.5, -1.0, 2.0], &[0.0, -1.5, 0.7], samples, 11),
        kl_monte_carlo(&[0.0; 4], &[1.0, -2.0, 0.3, -0.1], samples, 12),
        entropy_1d(1.0),
        entropy_1d(0.05),
        entropy_1d(7.5),
        entropy_2d(2.0, 0.5, 0.6),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_check_holds() {
        for c in super::all(true) {
            assert!(c.holds, "{c:?}");
        }
    }
}
