//! Stable activations and their derivatives (docs/01-logistic-regression.md,
//! "The stable sigmoid" and "The stable log-sigmoid"; eqs. 11–14).
//!
//! Error budget (every finite f32 input, against an f64 evaluation rounded
//! to f32; measured by `kernel/tests/accuracy.rs` and `harness -- accuracy`):
//!
//! | function        | ULP bound |
//! |-----------------|-----------|
//! | [`sigmoid`]     | 2         |
//! | [`log_sigmoid`] | 2         |
//! | [`softplus`]    | 2         |
//! | [`tanh`]        | 2         |
//!
//! Special values: ±inf give the mathematical limits, NaN gives NaN.

use crate::math;

/// The logistic sigmoid σ(x) = 1 / (1 + e^{−x}) (eqs. 11 and 12).
///
/// # Numerical stability
/// Eq. 11 is used for x ≥ 0, where e^{−x} ∈ (0, 1], and eq. 12,
/// σ(x) = e^x / (1 + e^x), for x < 0, where e^x ∈ (0, 1). The exponential is
/// therefore never evaluated at a positive argument, so it can neither
/// overflow to +inf (f32 overflows for arguments above ≈ 88.72 = ln f32::MAX)
/// nor produce inf/inf = NaN. For x → −∞ the result underflows gracefully
/// through the subnormals to +0.
#[inline]
#[must_use]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + math::exp(-x))
    } else {
        // Also reached by NaN, which propagates.
        let e = math::exp(x);
        e / (1.0 + e)
    }
}

/// dσ/dx = σ(x)(1 − σ(x)), computed as σ(x)·σ(−x).
///
/// # Numerical stability
/// 1 − σ(x) cancels catastrophically for large x (it is exactly 0 in f32
/// beyond x ≈ 17); σ(−x) is the same quantity computed without cancellation.
#[inline]
#[must_use]
pub fn sigmoid_grad(x: f32) -> f32 {
    sigmoid(x) * sigmoid(-x)
}

/// log σ(x) (eqs. 13 and 14).
///
/// # Numerical stability
/// For x ≥ 0, eq. 13: −log1p(e^{−x}); for x < 0, eq. 14: x − log1p(e^{x}).
/// Both exponentials have non-positive arguments, and log1p keeps the full
/// precision of the tiny e^{−|x|}, where log(1 + e^{−|x|}) would round
/// 1 + e^{−|x|} to 1 and return 0 for x > 17.
#[inline]
#[must_use]
pub fn log_sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        -math::log1p(math::exp(-x))
    } else {
        x - math::log1p(math::exp(x))
    }
}

/// d log σ(x)/dx = 1 − σ(x) = σ(−x).
#[inline]
#[must_use]
pub fn log_sigmoid_grad(x: f32) -> f32 {
    sigmoid(-x)
}

/// softplus(x) = log(1 + e^x) = −log σ(−x).
///
/// # Numerical stability
/// For x > 0 it is evaluated as x + log1p(e^{−x}), for x ≤ 0 as log1p(e^x):
/// the exponential never sees a positive argument (see [`log_sigmoid`]).
#[inline]
#[must_use]
pub fn softplus(x: f32) -> f32 {
    -log_sigmoid(-x)
}

/// d softplus(x)/dx = σ(x).
#[inline]
#[must_use]
pub fn softplus_grad(x: f32) -> f32 {
    sigmoid(x)
}

/// relu(x) = max(x, 0); NaN propagates.
#[inline]
#[must_use]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// relu'(x): 1 for x > 0, else 0 (the assignment's `d_relu`, which takes 0 at 0).
#[inline]
#[must_use]
pub fn relu_grad(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else {
        0.0
    }
}

/// tanh(x) (libm `tanhf`; saturates to ±1, never overflows).
#[inline]
#[must_use]
pub fn tanh(x: f32) -> f32 {
    math::tanh(x)
}

/// tanh'(x) = 1 − tanh²(x).
#[inline]
#[must_use]
pub fn tanh_grad(x: f32) -> f32 {
    let t = math::tanh(x);
    1.0 - t * t
}

/// The hidden-layer nonlinearity φ, chosen by the caller (Ex 2 and 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// [`sigmoid`].
    Sigmoid,
    /// [`tanh`].
    Tanh,
    /// [`relu`] (the assignment's choice for the autoencoder).
    Relu,
}

impl Activation {
    /// Every activation, for tests and CLI listings.
    pub const ALL: [Activation; 3] = [Activation::Sigmoid, Activation::Tanh, Activation::Relu];

    /// φ(x).
    #[inline]
    #[must_use]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => tanh(x),
            Activation::Relu => relu(x),
        }
    }

    /// φ'(x), the derivative at the pre-activation x.
    #[inline]
    #[must_use]
    pub fn grad(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid => sigmoid_grad(x),
            Activation::Tanh => tanh_grad(x),
            Activation::Relu => relu_grad(x),
        }
    }

    /// Lower-case name, as used on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

/// The textbook forms with no stability rewrite, kept only to show what
/// goes wrong (the overflow table of Ex 1.4/1.5, docs/01).
pub mod naive {
    use crate::math;

    /// σ(x) = 1 / (1 + e^{−x}), eq. 11 alone: e^{−x} overflows for x < ≈ −88.7
    /// (harmlessly: 1/∞ = 0).
    #[inline]
    #[must_use]
    pub fn sigmoid(x: f32) -> f32 {
        1.0 / (1.0 + math::exp(-x))
    }

    /// σ(x) = e^x / (1 + e^x), eq. 12 alone: ∞/∞ = NaN for x > ≈ 88.7.
    #[inline]
    #[must_use]
    pub fn sigmoid_eq12(x: f32) -> f32 {
        let e = math::exp(x);
        e / (1.0 + e)
    }

    /// log σ(x) = −log(1 + e^{−x}), eq. 13 alone with a plain log:
    /// −∞ for x < ≈ −88.7 and 0 (not −e^{−x}) for x > ≈ 17.
    #[inline]
    #[must_use]
    pub fn log_sigmoid(x: f32) -> f32 {
        -math::ln(1.0 + math::exp(-x))
    }
}
