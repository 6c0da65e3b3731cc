//! Gradient checking (docs/02-reverse-mode.md, "Checking a schedule"): the
//! scheduled backward passes of Exercise 2 (and the gradients of Exercise 1,
//! eqs. 4 and 7) are compared with central finite differences of an
//! independent f64 loss, such as those of [`crate::graphs::naive`]
//! (eqs. 15, 28, 45, 71, 74), and with the closed forms (eqs. 27, 43,
//! 67–68, 72–73, 95).
//!
//! No allocation: the caller owns every buffer.

/// Central differences: `out[i] = (f(x + h eᵢ) − f(x − h eᵢ)) / 2h` for every
/// coordinate i. Each coordinate is perturbed in place and restored, so `x`
/// is unchanged on return. The truncation error is O(h²·f‴); in f64,
/// h = 1e-6 balances it against the O(ε/h) rounding error for the losses
/// of Exercise 2.
///
/// # Panics
/// If `out` and `x` have different lengths.
pub fn central_difference(out: &mut [f64], x: &mut [f64], h: f64, f: impl Fn(&[f64]) -> f64) {
    assert_eq!(out.len(), x.len(), "central_difference: out and x must have the same length");
    for i in 0..x.len() {
        let xi = x[i];
        x[i] = xi + h;
        let up = f(x);
        x[i] = xi - h;
        let down = f(x);
        x[i] = xi;
        out[i] = (up - down) / (2.0 * h);
    }
}

/// The largest relative difference between a computed gradient `got` and a
/// reference `want`. Let s = max|want|. An entry with |want| > 1e-3·s counts
/// |got − want| / |want|; a tiny entry (whose relative error would be
/// rounding noise) counts |got − want| / s. All-zero `want` uses s = 1e-30.
/// Returns NaN if any entry of either slice is NaN, so `d <= tol` fails.
///
/// # Panics
/// If the slices have different lengths.
#[must_use]
pub fn max_relative_difference(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "max_relative_difference: lengths differ");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
    let mut worst = 0.0f64;
    for (&g, &w) in got.iter().zip(want) {
        let g = f64::from(g);
        let d = if w.abs() > 1e-3 * scale {
            (g - w).abs() / w.abs()
        } else {
            (g - w).abs() / scale
        };
        if d.is_nan() {
            return f64::NAN;
        }
        worst = worst.max(d);
    }
    worst
}
