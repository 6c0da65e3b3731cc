//! Ex 2.4: Ex 2.3 summed over N data pairs (eq. 71). Every node gains the
//! index n, the new node f^(7) = Σ_n f^(6)_n has ∂f^(7)/∂f^(6)_n = 1, local
//! derivatives carry δ_mn, and the weight messages sum over n (eqs. 72–73).
//! Rows of `x` (N × J) and `y` (N × I) are the pairs; W1 is K × J, W2 is I × K.

use crate::matrix::{matmul, matmul_a_bt, matmul_at_b_acc, Matrix};
use crate::Activation;

/// What the backward pass needs from the forward pass, one row per pair.
#[derive(Clone, Copy, Debug)]
pub struct Cache<const N: usize, const K: usize, const I: usize> {
    /// f^(1)_nk (N × K).
    pub f1: Matrix<N, K>,
    /// f^(2)_nk = φ1(f1_nk) (N × K).
    pub f2: Matrix<N, K>,
    /// f^(3)_ni (N × I).
    pub f3: Matrix<N, I>,
    /// f^(5)_ni = y_ni − φ2(f3_ni) (N × I).
    pub f5: Matrix<N, I>,
}

impl<const N: usize, const K: usize, const I: usize> Default for Cache<N, K, I> {
    fn default() -> Self {
        Cache {
            f1: Matrix::zeros(),
            f2: Matrix::zeros(),
            f3: Matrix::zeros(),
            f5: Matrix::zeros(),
        }
    }
}

/// Forward pass over all N pairs; returns E = f^(7) and fills `cache`.
pub fn forward<const N: usize, const J: usize, const K: usize, const I: usize>(
    cache: &mut Cache<N, K, I>,
    w1: &Matrix<K, J>,
    w2: &Matrix<I, K>,
    x: &Matrix<N, J>,
    y: &Matrix<N, I>,
    phi1: Activation,
    phi2: Activation,
) -> f32 {
    matmul_a_bt(&mut cache.f1, x, w1); // f1_nk = Σ_j W1_kj x_nj
    cache.f2 = cache.f1;
    cache.f2.map_inplace(|v| phi1.apply(v)); // f2_nk = φ1(f1_nk)
    matmul_a_bt(&mut cache.f3, &cache.f2, w2); // f3_ni = Σ_k W2_ik f2_nk
    let mut f7 = 0.0;
    for n in 0..N {
        let mut f6 = 0.0;
        for i in 0..I {
            cache.f5.0[n][i] = y.0[n][i] - phi2.apply(cache.f3.0[n][i]); // f5_ni = y_ni − φ2(f3_ni)
            f6 += cache.f5.0[n][i] * cache.f5.0[n][i]; // f6_n = Σ_i (f5_ni)²
        }
        f7 += f6; // f7 = Σ_n f6_n
    }
    f7
}

/// Batched reverse schedule: `dw1 += ∂E/∂W1` (K × J), `dw2 += ∂E/∂W2` (I × K).
#[allow(clippy::too_many_arguments)]
pub fn backward<const N: usize, const J: usize, const K: usize, const I: usize>(
    dw1: &mut Matrix<K, J>,
    dw2: &mut Matrix<I, K>,
    cache: &Cache<N, K, I>,
    w2: &Matrix<I, K>,
    x: &Matrix<N, J>,
    phi1: Activation,
    phi2: Activation,
) {
    let t7 = 1.0f32; // t^(7) = 1
    let mut t3 = Matrix::<N, I>::zeros();
    for n in 0..N {
        let t6 = t7; // t6_n = ∂f7/∂f6_n t7 = t7
        for i in 0..I {
            let t5 = 2.0 * cache.f5.0[n][i] * t6; // t5_ni = 2 f5_ni t6_n
            let t4 = -t5; // t4_ni = −t5_ni
            t3.0[n][i] = phi2.grad(cache.f3.0[n][i]) * t4; // t3_ni = φ2'(f3_ni) t4_ni
        }
    }
    let mut t2 = Matrix::<N, K>::zeros();
    matmul(&mut t2, &t3, w2); // t2_nk = Σ_j W2_jk t3_nj
    let mut t1 = t2;
    for (t1row, f1row) in t1.0.iter_mut().zip(&cache.f1.0) {
        for (t, &f) in t1row.iter_mut().zip(f1row) {
            *t *= phi1.grad(f); // t1_nk = φ1'(f1_nk) t2_nk
        }
    }
    matmul_at_b_acc(dw1, &t1, x); // tW1_ab = Σ_n x_nb t1_na (eq. 72)
    matmul_at_b_acc(dw2, &t3, &cache.f2); // tW2_ab = Σ_n f2_nb t3_na (eq. 73)
}

/// Eqs. 72–73: ∂E/∂W1_ab = −2 Σ_n x_nb φ1'(f1_na) Σ_i f5_ni φ2'(f3_ni) W2_ia and
/// ∂E/∂W2_ab = −2 Σ_n f5_na φ2'(f3_na) f2_nb, from a forward cache.
#[must_use]
pub fn closed_form<const N: usize, const J: usize, const K: usize, const I: usize>(
    cache: &Cache<N, K, I>,
    w2: &Matrix<I, K>,
    x: &Matrix<N, J>,
    phi1: Activation,
    phi2: Activation,
) -> (Matrix<K, J>, Matrix<I, K>) {
    let inner = |n: usize, a: usize| -> f32 { (0..I).map(|i| cache.f5.0[n][i] * phi2.grad(cache.f3.0[n][i]) * w2.0[i][a]).sum() };
    let dw1 = Matrix::from_fn(|a, b| -2.0 * (0..N).map(|n| x.0[n][b] * phi1.grad(cache.f1.0[n][a]) * inner(n, a)).sum::<f32>());
    let dw2 = Matrix::from_fn(|a, b| {
        -2.0 * (0..N)
            .map(|n| cache.f5.0[n][a] * phi2.grad(cache.f3.0[n][a]) * cache.f2.0[n][b])
            .sum::<f32>()
    });
    (dw1, dw2)
}
