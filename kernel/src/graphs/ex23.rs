//! Ex 2.3: E = Σ_i (y_i − φ2(Σ_k W2_ik φ1(Σ_j W1_kj x_j)))² (eq. 45); graph of
//! eqs. 46–51, schedule eqs. 59–66 (eq. 66 corrected to use t^(3)), results
//! eqs. 67–68. W1 is K × J, W2 is I × K.

use crate::matrix::{matvec, vecmat, Matrix};
use crate::Activation;

/// What the backward pass needs from the forward pass.
#[derive(Clone, Copy, Debug)]
pub struct Cache<const K: usize, const I: usize> {
    /// f^(1)_k = Σ_j W1_kj x_j (eq. 46), where φ1' is evaluated.
    pub f1: [f32; K],
    /// f^(2)_k = φ1(f1_k) (eq. 47), the input of W2.
    pub f2: [f32; K],
    /// f^(3)_i = Σ_k W2_ik f2_k (eq. 48), where φ2' is evaluated.
    pub f3: [f32; I],
    /// f^(5)_i = y_i − f4_i (eq. 50).
    pub f5: [f32; I],
}

impl<const K: usize, const I: usize> Default for Cache<K, I> {
    fn default() -> Self {
        Cache {
            f1: [0.0; K],
            f2: [0.0; K],
            f3: [0.0; I],
            f5: [0.0; I],
        }
    }
}

/// Forward pass; returns E = f^(6) and fills `cache`.
pub fn forward<const J: usize, const K: usize, const I: usize>(
    cache: &mut Cache<K, I>,
    w1: &Matrix<K, J>,
    w2: &Matrix<I, K>,
    x: &[f32; J],
    y: &[f32; I],
    phi1: Activation,
    phi2: Activation,
) -> f32 {
    matvec(&mut cache.f1, w1, x); // f1 = W1 x (eq. 46)
    for k in 0..K {
        cache.f2[k] = phi1.apply(cache.f1[k]); // f2_k = φ1(f1_k) (eq. 47)
    }
    matvec(&mut cache.f3, w2, &cache.f2); // f3 = W2 f2 (eq. 48)
    let mut f6 = 0.0;
    for i in 0..I {
        let f4 = phi2.apply(cache.f3[i]); // f4_i = φ2(f3_i) (eq. 49)
        cache.f5[i] = y[i] - f4; // f5_i = y_i − f4_i (eq. 50)
        f6 += cache.f5[i] * cache.f5[i]; // f6 = Σ_i (f5_i)² (eq. 51)
    }
    f6
}

/// The messages that reach the two weight nodes' parents: t^(3) (I), which
/// W2 receives, and t^(1) (K), which W1 receives.
#[derive(Clone, Copy, Debug)]
pub struct Messages<const K: usize, const I: usize> {
    /// t^(3)_i = ∂E/∂f3_i.
    pub t3: [f32; I],
    /// t^(1)_k = ∂E/∂f1_k.
    pub t1: [f32; K],
}

/// The node messages of the reverse schedule, eqs. 59–64.
#[must_use]
pub fn node_messages<const K: usize, const I: usize>(
    cache: &Cache<K, I>,
    w2: &Matrix<I, K>,
    phi1: Activation,
    phi2: Activation,
) -> Messages<K, I> {
    let t6 = 1.0f32; // t^(6) = 1 (eq. 59)
    let mut t3 = [0.0; I];
    for i in 0..I {
        let t5 = 2.0 * cache.f5[i] * t6; // t5_i = 2 f5_i t6 (eqs. 58, 60)
        let t4 = -t5; // t4_i = −t5_i (eqs. 57, 61)
        t3[i] = phi2.grad(cache.f3[i]) * t4; // t3_i = φ2'(f3_i) t4_i (eqs. 56, 62)
    }
    let mut t2 = [0.0; K];
    vecmat(&mut t2, &t3, w2); // t2_k = Σ_j W2_jk t3_j (eqs. 54, 63)
    let mut t1 = [0.0; K];
    for k in 0..K {
        t1[k] = phi1.grad(cache.f1[k]) * t2[k]; // t1_k = φ1'(f1_k) t2_k (eqs. 53, 64)
    }
    Messages { t3, t1 }
}

/// Reverse schedule (eqs. 59–66): `dw1 += ∂E/∂W1` (K × J), `dw2 += ∂E/∂W2` (I × K).
#[allow(clippy::too_many_arguments)]
pub fn backward<const J: usize, const K: usize, const I: usize>(
    dw1: &mut Matrix<K, J>,
    dw2: &mut Matrix<I, K>,
    cache: &Cache<K, I>,
    w2: &Matrix<I, K>,
    x: &[f32; J],
    phi1: Activation,
    phi2: Activation,
) {
    let Messages { t3, t1 } = node_messages(cache, w2, phi1, phi2);
    for a in 0..K {
        crate::matrix::axpy(&mut dw1.0[a], t1[a], x); // tW1_ab = x_b t1_a (eqs. 52, 65)
    }
    for a in 0..I {
        crate::matrix::axpy(&mut dw2.0[a], t3[a], &cache.f2); // tW2_ab = f2_b t3_a (eqs. 55, 66 corrected)
    }
}

/// ∂E/∂W1_ab = −2 x_b φ1'(f1_a) Σ_j W2_ja φ2'(f3_j) f5_j (eq. 67) and
/// ∂E/∂W2_ab = −2 f2_b φ2'(f3_a) f5_a (eq. 68), from a forward cache.
#[must_use]
pub fn closed_form<const J: usize, const K: usize, const I: usize>(
    cache: &Cache<K, I>,
    w2: &Matrix<I, K>,
    x: &[f32; J],
    phi1: Activation,
    phi2: Activation,
) -> (Matrix<K, J>, Matrix<I, K>) {
    let s: [f32; K] = core::array::from_fn(|a| (0..I).map(|j| w2.0[j][a] * phi2.grad(cache.f3[j]) * cache.f5[j]).sum());
    let dw1 = Matrix::from_fn(|a, b| -2.0 * x[b] * phi1.grad(cache.f1[a]) * s[a]);
    let dw2 = Matrix::from_fn(|a, b| -2.0 * cache.f2[b] * phi2.grad(cache.f3[a]) * cache.f5[a]);
    (dw1, dw2)
}
