//! Independent f64 references for the five losses of Exercise 2
//! (docs/02-reverse-mode.md, "Checking a schedule"): eqs. 15, 28, 45, 71
//! and 74 written straight from the formulas as nested sums, so that their
//! central finite differences ([`crate::gradcheck`]) check the scheduled
//! backward passes and the closed forms.
//!
//! Nothing here calls the kernel's f32 code: φ is [`phi`], written from the
//! definitions in f64, and every matrix is a flat row-major slice (`W_ij` is
//! `w[i * cols + j]`), so a mistake shared with [`super::ex21`]…[`super::ex25`]
//! is unlikely. Shapes are taken from the slice lengths (`x` has J entries,
//! `y` has I) and checked with `assert!`.

use crate::Activation;

/// φ(x) in f64 from the definitions: σ(x) = 1/(1 + e^{−x}) (eq. 11),
/// tanh(x), relu(x) = max(x, 0).
#[must_use]
pub fn phi(a: Activation, x: f64) -> f64 {
    match a {
        Activation::Sigmoid => 1.0 / (1.0 + libm::exp(-x)),
        Activation::Tanh => libm::tanh(x),
        Activation::Relu => {
            if x > 0.0 {
                x
            } else {
                0.0
            }
        }
    }
}

/// E = Σ_i (y_i − Σ_j W_ij x_j)² (eq. 15); `w` is I × J.
#[must_use]
pub fn ex21_loss(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let (i_n, j_n) = (y.len(), x.len());
    assert_eq!(w.len(), i_n * j_n, "ex21_loss: W must be I × J");
    let mut e = 0.0;
    for i in 0..i_n {
        let mut s = 0.0;
        for j in 0..j_n {
            s += w[i * j_n + j] * x[j];
        }
        e += (y[i] - s) * (y[i] - s);
    }
    e
}

/// E = Σ_i (y_i − φ(Σ_j W_ij x_j))² (eq. 28); `w` is I × J.
#[must_use]
pub fn ex22_loss(w: &[f64], x: &[f64], y: &[f64], p: Activation) -> f64 {
    let (i_n, j_n) = (y.len(), x.len());
    assert_eq!(w.len(), i_n * j_n, "ex22_loss: W must be I × J");
    let mut e = 0.0;
    for i in 0..i_n {
        let mut s = 0.0;
        for j in 0..j_n {
            s += w[i * j_n + j] * x[j];
        }
        let r = y[i] - phi(p, s);
        e += r * r;
    }
    e
}

/// E = Σ_i (y_i − φ2(Σ_k W2_ik φ1(Σ_j W1_kj x_j)))² (eq. 45); `w1` is K × J,
/// `w2` is I × K, with K = `w1.len() / x.len()`.
#[must_use]
pub fn ex23_loss(w1: &[f64], w2: &[f64], x: &[f64], y: &[f64], p1: Activation, p2: Activation) -> f64 {
    let (i_n, j_n) = (y.len(), x.len());
    let k_n = w1.len() / j_n.max(1);
    assert!(
        w1.len() == k_n * j_n && w2.len() == i_n * k_n,
        "ex23_loss: W1 must be K × J, W2 I × K"
    );
    let mut e = 0.0;
    for i in 0..i_n {
        let mut o = 0.0;
        for k in 0..k_n {
            let mut h = 0.0;
            for j in 0..j_n {
                h += w1[k * j_n + j] * x[j];
            }
            o += w2[i * k_n + k] * phi(p1, h);
        }
        let r = y[i] - phi(p2, o);
        e += r * r;
    }
    e
}

/// E = Σ_n Σ_i (y_ni − φ2(Σ_k W2_ik φ1(Σ_j W1_kj x_nj)))² (eq. 71); `x` is
/// N × J and `y` is N × I (one pair per row), `w1` is K × J, `w2` is I × K.
#[must_use]
pub fn ex24_loss(w1: &[f64], w2: &[f64], x: &[f64], y: &[f64], k_n: usize, p1: Activation, p2: Activation) -> f64 {
    assert!(k_n > 0, "ex24_loss: K must be positive");
    let (j_n, i_n) = (w1.len() / k_n, w2.len() / k_n);
    let n_n = x.len() / j_n.max(1);
    assert!(
        w1.len() == k_n * j_n && w2.len() == i_n * k_n && x.len() == n_n * j_n && y.len() == n_n * i_n,
        "ex24_loss: W1 must be K × J, W2 I × K, x N × J, y N × I"
    );
    let mut e = 0.0;
    for n in 0..n_n {
        for i in 0..i_n {
            let mut o = 0.0;
            for k in 0..k_n {
                let mut h = 0.0;
                for j in 0..j_n {
                    h += w1[k * j_n + j] * x[n * j_n + j];
                }
                o += w2[i * k_n + k] * phi(p1, h);
            }
            let r = y[n * i_n + i] - phi(p2, o);
            e += r * r;
        }
    }
    e
}

/// E = Σ_i (y_i − φ2(Σ_k W_ik φ1(Σ_j W_kj x_j)))² (eq. 74): one square
/// K × K matrix `w` in both places, K = `x.len()` = `y.len()`.
#[must_use]
pub fn ex25_loss(w: &[f64], x: &[f64], y: &[f64], p1: Activation, p2: Activation) -> f64 {
    let k_n = x.len();
    assert!(y.len() == k_n && w.len() == k_n * k_n, "ex25_loss: W must be K × K, x and y K");
    let mut e = 0.0;
    for i in 0..k_n {
        let mut o = 0.0;
        for k in 0..k_n {
            let mut h = 0.0;
            for j in 0..k_n {
                h += w[k * k_n + j] * x[j];
            }
            o += w[i * k_n + k] * phi(p1, h);
        }
        let r = y[i] - phi(p2, o);
        e += r * r;
    }
    e
}
