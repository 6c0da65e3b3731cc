//! Per-element losses and their derivatives (docs/01-logistic-regression.md,
//! "Losses"; docs/03-autoencoder.md; eqs. 138–143).
//!
//! Convention: `x` is the target (a pixel intensity or class in [0, 1]),
//! `y` the prediction, `z` a logit with y = σ(z).
//!
//! # Why training uses the fused form
//! The assignment's code computes the cross-entropy on a probability,
//! `d_cross_entropy_loss(x, y) = (1−x)/(1−y) − x/y`, and multiplies it by
//! σ'(z) = y(1 − y). Once σ saturates in f32 (y == 1.0 for z ≳ 17, y == 0.0
//! for z ≲ −104) the first factor is ±∞ and the second 0, and 0·∞ = NaN, which
//! Adam then spreads to every weight. [`bce_with_logits`] never forms the
//! quotient: its derivative with respect to the logit is σ(z) − x, bounded
//! in [−1, 1].

use crate::activation::sigmoid;
use crate::lanes;
use crate::math;
use crate::matrix::{sum_lanes, LANES};

/// The loop of [`Loss::value_and_grad_logit_row`] for one loss `f`
/// (monomorphised per loss, so the loop body has no branch on it).
#[inline(always)]
fn fused_row(g: &mut [f32], z: &[f32], x: &[f32], scale: f32, f: impl Fn(f32, f32) -> (f32, f32)) -> f32 {
    debug_assert!(g.len() == z.len() && z.len() == x.len());
    let mut acc = [0.0f32; LANES];
    // 'wide: 2·LANES elements at a time (one AVX-512 vector), their values
    // added to the lane sums in element order, as the LANES loop would.
    let wide = z.len() / (2 * LANES) * (2 * LANES);
    let pairs = g[..wide]
        .chunks_exact_mut(2 * LANES)
        .zip(z[..wide].chunks_exact(2 * LANES))
        .zip(x[..wide].chunks_exact(2 * LANES));
    for ((gc, zc), xc) in pairs {
        let mut v = [0.0f32; 2 * LANES];
        for i in 0..2 * LANES {
            let (vi, d) = f(zc[i], xc[i]);
            v[i] = vi;
            gc[i] = d * scale;
        }
        add_pair_to_lanes(&mut acc, &v);
    }
    let body = z.len() / LANES * LANES;
    let lanes = g[wide..body]
        .chunks_exact_mut(LANES)
        .zip(z[wide..body].chunks_exact(LANES))
        .zip(x[wide..body].chunks_exact(LANES));
    for ((gc, zc), xc) in lanes {
        for l in 0..LANES {
            let (v, d) = f(zc[l], xc[l]);
            acc[l] += v;
            gc[l] = d * scale;
        }
    }
    for (l, ((gi, &zi), &xi)) in g[body..].iter_mut().zip(&z[body..]).zip(&x[body..]).enumerate() {
        let (v, d) = f(zi, xi);
        acc[l] += v;
        *gi = d * scale;
    }
    sum_lanes(acc)
}

/// acc[l] += v[l], then acc[l] += v[LANES + l]: two groups of LANES
/// elements added to the lane sums in element order.
#[inline(always)]
fn add_pair_to_lanes(acc: &mut [f32; LANES], v: &[f32; 2 * LANES]) {
    for l in 0..LANES {
        acc[l] += v[l];
    }
    for l in 0..LANES {
        acc[l] += v[LANES + l];
    }
}

/// The loop of [`Loss::value_row`]: [`fused_row`]'s sums without the gradient.
#[inline(always)]
fn value_row(z: &[f32], x: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    debug_assert_eq!(z.len(), x.len());
    let mut acc = [0.0f32; LANES];
    let wide = z.len() / (2 * LANES) * (2 * LANES);
    for (zc, xc) in z[..wide].chunks_exact(2 * LANES).zip(x[..wide].chunks_exact(2 * LANES)) {
        let mut v = [0.0f32; 2 * LANES];
        for i in 0..2 * LANES {
            v[i] = f(zc[i], xc[i]); // not `array::from_fn`, whose closure is not inlined
        }
        add_pair_to_lanes(&mut acc, &v);
    }
    let body = z.len() / LANES * LANES;
    for (zc, xc) in z[wide..body].chunks_exact(LANES).zip(x[wide..body].chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] += f(zc[l], xc[l]);
        }
    }
    for (l, (&zi, &xi)) in z[body..].iter().zip(&x[body..]).enumerate() {
        acc[l] += f(zi, xi);
    }
    sum_lanes(acc)
}

/// Square loss L_sq(x, y) = ½ (x − y)² (eq. 141).
#[inline]
#[must_use]
pub fn square(x: f32, y: f32) -> f32 {
    let d = x - y;
    0.5 * d * d
}

/// ∂L_sq/∂y = y − x (eq. 142).
#[inline]
#[must_use]
pub fn square_grad(x: f32, y: f32) -> f32 {
    y - x
}

/// Bernoulli cross-entropy on a probability,
/// L(x, y) = −x log y − (1 − x) log(1 − y) (eq. 138).
///
/// # Numerical stability
/// A term whose coefficient is exactly 0 is skipped (0 · log 0 = 0 by
/// continuity), so a saturated prediction with a matching binary target
/// gives 0 rather than NaN. A saturated prediction against the opposite
/// target is +∞, which is the true value: use [`bce_with_logits`] to train.
#[inline]
#[must_use]
pub fn bce(x: f32, y: f32) -> f32 {
    let mut l = 0.0;
    if x != 0.0 {
        l -= x * math::ln(y);
    }
    if x != 1.0 {
        l -= (1.0 - x) * math::log1p(-y);
    }
    l
}

/// ∂L/∂y = (y − x) / (y (1 − y)) (eq. 139); ±∞ or NaN where y saturates.
#[inline]
#[must_use]
pub fn bce_grad(x: f32, y: f32) -> f32 {
    (y - x) / (y * (1.0 - y))
}

/// The fused cross-entropy on a logit: L(x, σ(z)) = softplus(z) − x z.
///
/// # Numerical stability
/// Evaluated as log1p(e^{−|z|}) + x·max(−z, 0) + (1 − x)·max(z, 0), which is
/// x·softplus(−z) + (1 − x)·softplus(z) with the shared log1p taken once:
/// every term is non-negative, so there is no cancellation (softplus(z) − x z
/// loses everything for x = 1 and large z), the exponential never sees a
/// positive argument, and the result is finite for every finite z. One
/// exponential and one logarithm per call.
#[inline]
#[must_use]
pub fn bce_with_logits(z: f32, x: f32) -> f32 {
    math::log1p(math::exp(-z.abs())) + x * (-z).max(0.0) + (1.0 - x) * z.max(0.0)
}

/// ∂/∂z of [`bce_with_logits`] = σ(z) − x, in [−1, 1]: the product
/// L'(x, σ(z)) · σ'(z) of eqs. 124–125 with the quotient cancelled.
#[inline]
#[must_use]
pub fn bce_with_logits_grad(z: f32, x: f32) -> f32 {
    sigmoid(z) - x
}

/// The square loss through a logit: ½ (x − σ(z))².
#[inline]
#[must_use]
pub fn square_with_logits(z: f32, x: f32) -> f32 {
    square(x, sigmoid(z))
}

/// ∂/∂z of [`square_with_logits`] = (σ(z) − x) · σ'(z) (eqs. 124–125 with
/// eq. 142), with σ' = σ(z)σ(−z) so that it stays exact when σ saturates.
#[inline]
#[must_use]
pub fn square_with_logits_grad(z: f32, x: f32) -> f32 {
    let s = sigmoid(z);
    (s - x) * (s * sigmoid(-z))
}

/// The gap of Pinsker's inequality for Bernoulli distributions (Ex 3.1,
/// eqs. 99–101): f(x, y) = KL(Bern(x) ‖ Bern(y)) − 2(x − y)², which is ≥ 0
/// on (0, 1)² with equality only at y = x (docs/03-autoencoder.md, "Ex 3.1").
/// In f64: it is a statement about reals, checked on a dense grid.
#[must_use]
pub fn pinsker_gap(x: f64, y: f64) -> f64 {
    let kl = x * libm::log(x / y) + (1.0 - x) * libm::log((1.0 - x) / (1.0 - y));
    kl - 2.0 * (x - y) * (x - y)
}

/// Which loss L of eq. 98 a model trains with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// ½ (x − y)², eq. 141.
    Square,
    /// Bernoulli cross-entropy, eq. 138, through the fused logit form.
    CrossEntropy,
}

impl Loss {
    /// L(x, σ(z)) from the logit z.
    #[inline]
    #[must_use]
    pub fn from_logit(self, z: f32, x: f32) -> f32 {
        match self {
            Loss::Square => square_with_logits(z, x),
            Loss::CrossEntropy => bce_with_logits(z, x),
        }
    }

    /// ∂L(x, σ(z))/∂z: the message t^(5) of eq. 125 per unit of t^(7).
    #[inline]
    #[must_use]
    pub fn grad_logit(self, z: f32, x: f32) -> f32 {
        match self {
            Loss::Square => square_with_logits_grad(z, x),
            Loss::CrossEntropy => bce_with_logits_grad(z, x),
        }
    }

    /// (L(x, σ(z)), ∂L/∂z) in one pass: the value of [`Loss::from_logit`]
    /// and the message of [`Loss::grad_logit`] sharing one exponential. The
    /// training loop's form: it uses [`crate::lanes`]'s branch-free e^x and
    /// ln(1 + u) (≤ 1 and ≤ 2 ULP) instead of libm's, so that the loops of
    /// [`Loss::value_and_grad_logit_row`] vectorise.
    ///
    /// # Numerical stability
    /// With e = e^{−|z|} ∈ (0, 1]: σ(z) and σ(−z) are 1/(1+e) and e/(1+e)
    /// (which is which depends on the sign of z), and
    /// softplus(±z) = max(±z, 0) + log1p(e), so the cross-entropy is
    /// log1p(e) + x·max(−z, 0) + (1−x)·max(z, 0): no exponential of a
    /// positive number, no cancellation, finite for every finite z.
    #[inline(always)]
    #[must_use]
    pub fn value_and_grad_logit(self, z: f32, x: f32) -> (f32, f32) {
        let e = lanes::exp_nonpositive(-z.abs());
        let (big, small) = (1.0 / (1.0 + e), e / (1.0 + e));
        let (s, s_neg) = if z >= 0.0 { (big, small) } else { (small, big) }; // σ(z), σ(−z)
        match self {
            Loss::CrossEntropy => {
                let value = lanes::ln_1p_unit(e) + x * (-z).max(0.0) + (1.0 - x) * z.max(0.0);
                (value, s - x)
            }
            Loss::Square => {
                let d = x - s;
                (0.5 * d * d, (s - x) * (s * s_neg))
            }
        }
    }

    /// Over a row: `g[i] = scale · ∂L(x[i], σ(z[i]))/∂z[i]`, and returns
    /// Σ_i L(x[i], σ(z[i])) summed in [`LANES`] partial sums (lane i mod 8)
    /// added in a fixed order, so the result does not depend on how the
    /// compiler vectorises. Each element is [`Loss::value_and_grad_logit`].
    /// Compiled for AVX when the caller enabled it ([`crate::simd`]), with
    /// the same bits.
    #[inline]
    pub fn value_and_grad_logit_row(self, g: &mut [f32], z: &[f32], x: &[f32], scale: f32) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::avx512_enabled() {
            return crate::simd::value_and_grad_logit_row_avx512(self, g, z, x, scale);
        } else if crate::simd::avx_enabled() {
            return crate::simd::value_and_grad_logit_row_avx(self, g, z, x, scale);
        }
        self.value_and_grad_logit_row_body(g, z, x, scale)
    }

    /// Σ_i L(x[i], σ(z[i])) over a row: the sum of
    /// [`Loss::value_and_grad_logit_row`] without the gradient, bit for bit.
    #[inline]
    #[must_use]
    pub fn value_row(self, z: &[f32], x: &[f32]) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::avx512_enabled() {
            return crate::simd::value_row_avx512(self, z, x);
        } else if crate::simd::avx_enabled() {
            return crate::simd::value_row_avx(self, z, x);
        }
        self.value_row_body(z, x)
    }

    /// The body of [`Loss::value_and_grad_logit_row`], inlined into the
    /// portable, the AVX and the AVX-512 build.
    #[inline(always)]
    pub(crate) fn value_and_grad_logit_row_body(self, g: &mut [f32], z: &[f32], x: &[f32], scale: f32) -> f32 {
        match self {
            Loss::Square => fused_row(g, z, x, scale, |z, x| Loss::Square.value_and_grad_logit(z, x)),
            Loss::CrossEntropy => fused_row(g, z, x, scale, |z, x| Loss::CrossEntropy.value_and_grad_logit(z, x)),
        }
    }

    /// The body of [`Loss::value_row`].
    #[inline(always)]
    pub(crate) fn value_row_body(self, z: &[f32], x: &[f32]) -> f32 {
        match self {
            Loss::Square => value_row(z, x, |z, x| Loss::Square.value_and_grad_logit(z, x).0),
            Loss::CrossEntropy => value_row(z, x, |z, x| Loss::CrossEntropy.value_and_grad_logit(z, x).0),
        }
    }

    /// ∂²L(x, σ(z))/∂z² = σ'² L'' + σ'' L' (the bracket of eqs. 145 and 149,
    /// with eq. 149's σ(1−2σ) corrected to (1−2σ)): σ(1−σ) for the
    /// cross-entropy (eq. 146: never negative, so E is convex in b2 and in
    /// each row of W2), σ(1−σ)[σ(1−σ) + (σ−x)(1−2σ)] for the square loss
    /// (eq. 147: negative e.g. at σ = 0.75, x = 0).
    #[inline]
    #[must_use]
    pub fn curvature_logit(self, z: f32, x: f32) -> f32 {
        let (s, one_minus_s) = (sigmoid(z), sigmoid(-z));
        let sp = s * one_minus_s; // σ'
        match self {
            Loss::CrossEntropy => sp,
            Loss::Square => sp * (sp + (s - x) * (one_minus_s - s)),
        }
    }

    /// Short name, as on the command line (`square`, `bce`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Loss::Square => "square",
            Loss::CrossEntropy => "bce",
        }
    }
}
