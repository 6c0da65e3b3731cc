//! Ex 2.2: E = Σ_i (y_i − φ(Σ_j W_ij x_j))² (eq. 28); graph of eqs. 30–33
//! (eq. 33 corrected to square f^(3)), schedule eqs. 38–42, result eq. 43.

use crate::matrix::{matvec, Matrix};
use crate::Activation;

/// What the backward pass needs from the forward pass.
#[derive(Clone, Copy, Debug)]
pub struct Cache<const I: usize> {
    /// f^(1)_i = Σ_j W_ij x_j (eq. 30), where φ' is evaluated.
    pub f1: [f32; I],
    /// f^(3)_i = y_i − f^(2)_i (eq. 32).
    pub f3: [f32; I],
}

impl<const I: usize> Default for Cache<I> {
    fn default() -> Self {
        Cache {
            f1: [0.0; I],
            f3: [0.0; I],
        }
    }
}

/// Forward pass; returns E = f^(4) and fills `cache`.
pub fn forward<const I: usize, const J: usize>(cache: &mut Cache<I>, w: &Matrix<I, J>, x: &[f32; J], y: &[f32; I], phi: Activation) -> f32 {
    matvec(&mut cache.f1, w, x); // f1 = W x (eq. 30)
    let mut f4 = 0.0;
    for i in 0..I {
        let f2 = phi.apply(cache.f1[i]); // f2_i = φ(f1_i) (eq. 31)
        cache.f3[i] = y[i] - f2; // f3_i = y_i − f2_i (eq. 32)
        f4 += cache.f3[i] * cache.f3[i]; // f4 = Σ_i (f3_i)² (eq. 33, corrected)
    }
    f4
}

/// Reverse schedule (eqs. 38–42): `dw += ∂E/∂W` (I × J).
pub fn backward<const I: usize, const J: usize>(dw: &mut Matrix<I, J>, cache: &Cache<I>, x: &[f32; J], phi: Activation) {
    let t4 = 1.0f32; // t^(4) = 1 (eq. 38)
    for a in 0..I {
        let t3 = 2.0 * cache.f3[a] * t4; // t3_a = 2 f3_a t4 (eqs. 37, 39)
        let t2 = -t3; // t2_a = Σ_j −δ_ja t3_j = −t3_a (eqs. 36, 40)
        let t1 = phi.grad(cache.f1[a]) * t2; // t1_a = φ'(f1_a) t2_a (eqs. 35, 41)
        for b in 0..J {
            dw.0[a][b] += x[b] * t1; // tW_ab = x_b t1_a (eqs. 34, 42)
        }
    }
}

/// ∂E/∂W_ab = −2 f3_a x_b φ'(f1_a) (eq. 43).
#[must_use]
pub fn closed_form<const I: usize, const J: usize>(w: &Matrix<I, J>, x: &[f32; J], y: &[f32; I], phi: Activation) -> Matrix<I, J> {
    let mut f1 = [0.0; I];
    matvec(&mut f1, w, x);
    Matrix::from_fn(|a, b| -2.0 * (y[a] - phi.apply(f1[a])) * x[b] * phi.grad(f1[a]))
}
