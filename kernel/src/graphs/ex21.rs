//! Ex 2.1: E = Σ_i (y_i − Σ_j W_ij x_j)² (eq. 15); graph of eqs. 17–19,
//! schedule eqs. 23–26, result eq. 27. W is I × J.

use crate::matrix::{matvec, Matrix};

/// What the backward pass needs from the forward pass.
#[derive(Clone, Copy, Debug)]
pub struct Cache<const I: usize> {
    /// f^(2)_i = y_i − f^(1)_i (eq. 18).
    pub f2: [f32; I],
}

impl<const I: usize> Default for Cache<I> {
    fn default() -> Self {
        Cache { f2: [0.0; I] }
    }
}

/// Forward pass; returns E = f^(3) and fills `cache`.
pub fn forward<const I: usize, const J: usize>(cache: &mut Cache<I>, w: &Matrix<I, J>, x: &[f32; J], y: &[f32; I]) -> f32 {
    let mut f1 = [0.0; I];
    matvec(&mut f1, w, x); // f1_i = Σ_j W_ij x_j (eq. 17)
    let mut f3 = 0.0;
    for i in 0..I {
        cache.f2[i] = y[i] - f1[i]; // f2_i = y_i − f1_i (eq. 18)
        f3 += cache.f2[i] * cache.f2[i]; // f3 = Σ_i (f2_i)² (eq. 19)
    }
    f3
}

/// Reverse schedule (eqs. 23–26): `dw += ∂E/∂W` (I × J).
pub fn backward<const I: usize, const J: usize>(dw: &mut Matrix<I, J>, cache: &Cache<I>, x: &[f32; J]) {
    let t3 = 1.0f32; // t^(3) = 1 (eq. 23)
    for a in 0..I {
        let t2 = 2.0 * cache.f2[a] * t3; // t2_a = ∂f3/∂f2_a · t3 = 2 f2_a t3 (eqs. 22, 24)
        let t1 = -t2; // t1_a = Σ_j ∂f2_j/∂f1_a t2_j = −t2_a (eqs. 21, 25)
        for b in 0..J {
            dw.0[a][b] += x[b] * t1; // tW_ab = Σ_i δ_ia x_b t1_i = x_b t1_a (eqs. 20, 26)
        }
    }
}

/// ∂E/∂W_ab = −2 x_b (y_a − Σ_i W_ai x_i) (eq. 27).
#[must_use]
pub fn closed_form<const I: usize, const J: usize>(w: &Matrix<I, J>, x: &[f32; J], y: &[f32; I]) -> Matrix<I, J> {
    let mut wx = [0.0; I];
    matvec(&mut wx, w, x);
    Matrix::from_fn(|a, b| -2.0 * x[b] * (y[a] - wx[a]))
}
