//! Branch-free f32 exponential and logarithm for the training loop's hot
//! elementwise step, written so that LLVM vectorises a loop that calls them.
//!
//! `libm`'s `expf` and `log1pf` (through [`crate::math`]) are accurate but
//! scalar: branches and table lookups keep LLVM from vectorising the loop
//! over a chunk's 100 × 784 logits, and in a profile of a full-batch
//! autoencoder epoch the two calls took more time than all the matrix
//! products. The functions here use only `+ − × ÷`, comparisons that become
//! selects, and bit casts, so a loop over `[f32; 8]` lanes compiles to
//! vector instructions (SSE2 on the x86-64 baseline, AVX when the harness
//! enables it, NEON on aarch64), and the same source gives the same bits on
//! every target: no FMA, no libm.
//!
//! They serve only the two arguments the fused loss needs (see
//! `loss::Loss::value_and_grad_logit`): e^x for x ≤ 0, and ln(1 + u) for
//! u ∈ [0, 1]. Accuracy, measured against f64 over every f32 of the domain
//! by `harness accuracy` and on a strided sweep by `kernel/tests/accuracy.rs`,
//! is in the ULP table of docs/01-logistic-regression.md.
//!
//! The polynomials are Cephes's (S. L. Moshier, `expf.c` and `logf.c`),
//! whose coefficients are minimax fits on the reduced intervals below.

/// ln 2 split in two for Cody–Waite range reduction: `LN2_HI` has few
/// significant bits, so `n · LN2_HI` is exact for |n| ≤ 2^8.
const LN2_HI: f32 = 0.693_359_4; // = 0.693359375 exactly (Cephes C1)
const LN2_LO: f32 = -2.121_944_4e-4; // ln 2 − LN2_HI (Cephes C2)
/// 1 / ln 2.
const LOG2_E: f32 = core::f32::consts::LOG2_E;
/// Adding then subtracting 1.5 · 2^23 rounds an f32 of magnitude < 2^22 to
/// the nearest integer (ties to even), branch-free.
const ROUND: f32 = 12_582_912.0;
/// Below this, e^x < f32::MIN_POSITIVE (≈ ln(2^−126)): the result is
/// flushed to 0 rather than made subnormal.
pub const EXP_MIN: f32 = -87.336_54;

/// e^x for x ≤ 0 (x > 0 is clamped to 0; NaN gives NaN): within 0.99 ULP
/// of the exact value (measured over every f32 in [EXP_MIN, 0]) down to
/// e^x = f32::MIN_POSITIVE, and 0 below `EXP_MIN`, where the true value is
/// subnormal: flushing keeps subnormals, slow on many CPUs, out of the
/// gradients, and changes a σ(z) − x of magnitude ≥ 2^−126 by < 2^−126.
///
/// # Method
/// x = n ln 2 + r with n = round(x / ln 2) and |r| ≤ ln 2 / 2, then
/// e^x = 2^n · e^r, e^r = 1 + r + r²·P(r) (Cephes `expf`), and 2^n built in
/// the exponent bits (n ∈ [−126, 0], a normal number).
#[inline(always)]
#[must_use]
pub fn exp_nonpositive(x: f32) -> f32 {
    // Not `clamp`: max/min map NaN to a number here (the select below
    // restores it), so the polynomial never sees NaN.
    #[allow(clippy::manual_clamp)]
    let xc = x.max(EXP_MIN).min(0.0);
    let shifted = xc * LOG2_E + ROUND; // 1.5·2^23 + n: n sits in the low mantissa bits
    let n = shifted - ROUND; // round(x / ln 2) ∈ [−126, 0], as f32
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let p = ((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1) * r + 0.5; // Cephes: 5.0000001e-1, which is 0.5 in f32
    let er = (p * (r * r) + r) + 1.0;
    // 2^n from n's integer bits (an integer add and shift, which vectorise,
    // unlike a saturating f32 → i32 cast): biased exponent n + 127 ∈ [1, 127].
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    let y = er * scale;
    if x < EXP_MIN {
        0.0
    } else if x.is_nan() {
        x
    } else {
        y
    }
}

/// ln(1 + u) for u ∈ [0, 1] (other inputs are outside the contract), within
/// 1.25 ULP of the exact value, so at most 2 ULP from the correctly rounded
/// result (measured over every f32 in [0, 1]).
///
/// # Method
/// w = 1 + u rounds; ln(1 + u) = ln w + c with c = (u − (w − 1)) / w the
/// first-order correction for that rounding (exact to f32 here). w is split
/// as 2^e · m with m ∈ [√½, √2), f = m − 1, and
/// ln m = f − f²/2 + f³·Q(f) (Cephes `logf`), added in the order that keeps
/// the small terms small.
#[inline(always)]
#[must_use]
pub fn ln_1p_unit(u: f32) -> f32 {
    let w = 1.0 + u; // ∈ [1, 2]
    let c = (u - (w - 1.0)) / w;
    let big = w > core::f32::consts::SQRT_2;
    let m = if big { 0.5 * w } else { w };
    let e = if big { 1.0f32 } else { 0.0 };
    let f = m - 1.0;
    let z = f * f;
    let mut q = 7.037_683_6e-2f32; // Q(f), Horner from the highest degree
    for c in [
        -1.151_461e-1,
        1.167_699_9e-1,
        -1.242_014_1e-1,
        1.424_932_3e-1,
        -1.666_805_8e-1,
        2.000_071_5e-1,
        -2.499_999_4e-1,
        3.333_333e-1, // Cephes: 3.3333331e-1, the same f32
    ] {
        q = q * f + c;
    }
    let y = (f * z * q + e * LN2_LO) - 0.5 * z;
    ((f + y) + c) + e * LN2_HI
}

/// σ(z) = 1/(1 + e^{−z}) for every z, branch-free: with e = e^{−|z|} ∈ (0, 1],
/// σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0 (eqs. 11 and 12, the
/// two selected by a compare, not a jump). NaN gives NaN. This is the σ of
/// the fused loss ([`crate::loss::Loss::value_and_grad_logit`]) and of
/// one-image inference ([`crate::inference`]).
///
/// # Numerical stability
/// The exponential only ever sees −|z| ≤ 0, so it cannot overflow, and
/// neither branch divides ∞ by ∞.
#[inline(always)]
#[must_use]
pub fn sigmoid(z: f32) -> f32 {
    let e = exp_nonpositive(-z.abs());
    if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f32, b: f64) -> f64 {
        let b32 = b as f32;
        if a == b32 {
            return 0.0;
        }
        let ulp = (f32::from_bits(b32.abs().to_bits() + 1) - b32.abs()) as f64;
        (a as f64 - b).abs() / ulp
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_nonpositive(-1000.0), 0.0);
        assert_eq!(exp_nonpositive(-88.0), 0.0); // e^−88 < f32::MIN_POSITIVE: flushed
        assert!(exp_nonpositive(EXP_MIN) >= f32::MIN_POSITIVE);
        assert!(exp_nonpositive(f32::NAN).is_nan());
        assert!(ulps(exp_nonpositive(-1.0), (-1.0f64).exp()) <= 1.0);
    }

    #[test]
    fn ln_1p_edges() {
        assert_eq!(ln_1p_unit(0.0), 0.0);
        assert!(ulps(ln_1p_unit(1.0), 2.0f64.ln()) <= 1.0);
        assert!(ulps(ln_1p_unit(1e-30), 1e-30) <= 1.0);
        assert!(ulps(ln_1p_unit(f32::MIN_POSITIVE), f32::MIN_POSITIVE as f64) <= 1.0);
    }
}
