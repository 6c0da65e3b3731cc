//! The one place that maps to `libm`: every transcendental the kernel uses
//! goes through here, so that a port to a target with its own maths library
//! changes one file.

/// e^x in f32 (libm `expf`, < 1 ULP).
#[inline]
#[must_use]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// ln(1 + x) in f32 (libm `log1pf`), accurate for small |x|.
#[inline]
#[must_use]
pub fn log1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// Natural logarithm in f32 (libm `logf`).
#[inline]
#[must_use]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// Square root in f32 (libm `sqrtf`, correctly rounded).
#[inline]
#[must_use]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// Hyperbolic tangent in f32 (libm `tanhf`).
#[inline]
#[must_use]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Cosine in f32 (libm `cosf`).
#[inline]
#[must_use]
pub fn cos(x: f32) -> f32 {
    libm::cosf(x)
}

/// Sine in f32 (libm `sinf`).
#[inline]
#[must_use]
pub fn sin(x: f32) -> f32 {
    libm::sinf(x)
}

/// x^y in f32 (libm `powf`).
#[inline]
#[must_use]
pub fn pow(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}
