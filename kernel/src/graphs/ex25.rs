//! Ex 2.5: Ex 2.3 with one shared square W = W1 = W2 (eq. 74); graph of
//! eqs. 75–80, schedule eqs. 88–94, result eq. 95. The node messages are
//! those of Ex 2.3 ([`super::ex23::node_messages`]); what changes is the
//! weight's message, which sums the two paths through W (eq. 94).

use super::ex23::{self, Cache, Messages};
use crate::matrix::{axpy, Matrix};
use crate::Activation;

/// Forward pass (eqs. 75–80); returns E and fills `cache`.
pub fn forward<const K: usize>(
    cache: &mut Cache<K, K>,
    w: &Matrix<K, K>,
    x: &[f32; K],
    y: &[f32; K],
    phi1: Activation,
    phi2: Activation,
) -> f32 {
    ex23::forward(cache, w, w, x, y, phi1, phi2)
}

/// Reverse schedule (eqs. 88–94): `dw += ∂E/∂W` (K × K), both paths.
pub fn backward<const K: usize>(
    dw: &mut Matrix<K, K>,
    cache: &Cache<K, K>,
    w: &Matrix<K, K>,
    x: &[f32; K],
    phi1: Activation,
    phi2: Activation,
) {
    let Messages { t3, t1 } = ex23::node_messages(cache, w, phi1, phi2); // eqs. 88–93
    for a in 0..K {
        // tW_ab = Σ_i ∂f1_i/∂W_ab t1_i + Σ_j ∂f3_j/∂W_ab t3_j = x_b t1_a + f2_b t3_a (eqs. 81, 84, 94)
        axpy(&mut dw.0[a], t1[a], x);
        axpy(&mut dw.0[a], t3[a], &cache.f2);
    }
}

/// ∂E/∂W_ab = −2 (f5_a φ2'(f3_a) f2_b + x_b φ1'(f1_a) Σ_j W_ja φ2'(f3_j) f5_j)
/// (eq. 95, with W for the assignment's W^(2)).
#[must_use]
pub fn closed_form<const K: usize>(
    cache: &Cache<K, K>,
    w: &Matrix<K, K>,
    x: &[f32; K],
    phi1: Activation,
    phi2: Activation,
) -> Matrix<K, K> {
    let (path1, path2) = ex23::closed_form(cache, w, x, phi1, phi2);
    Matrix::from_fn(|a, b| path2.0[a][b] + path1.0[a][b])
}
