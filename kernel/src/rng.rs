//! Uniform and standard-normal f32 sampling over any [`RngCore`]
//! (docs/04-vae.md, "Reparameterisation"). Each sample consumes a fixed
//! number of `next_u32` calls, so a generator state fully determines the
//! output on every platform.

use crate::math;
use rand_core::RngCore;

/// 2^−24: the spacing of the 24-bit grid on [0, 1).
const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;

/// Uniform on [0, 1) with 24 random bits (one `next_u32`).
#[inline]
pub fn uniform<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * TWO_POW_M24
}

/// Uniform on (0, 1]: never 0, so its logarithm is finite.
#[inline]
pub fn uniform_open0<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    ((rng.next_u32() >> 8) + 1) as f32 * TWO_POW_M24
}

/// Uniform on [lo, hi).
#[inline]
pub fn uniform_range<R: RngCore + ?Sized>(rng: &mut R, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * uniform(rng)
}

/// Two independent standard normals by the Box–Muller transform
/// (two `next_u32` calls): r = √(−2 ln u1), θ = 2π u2.
#[inline]
pub fn normal_pair<R: RngCore + ?Sized>(rng: &mut R) -> (f32, f32) {
    let u1 = uniform_open0(rng);
    let u2 = uniform(rng);
    let r = math::sqrt(-2.0 * math::ln(u1));
    let theta = core::f32::consts::TAU * u2;
    (r * math::cos(theta), r * math::sin(theta))
}

/// One standard normal (two `next_u32` calls; the pair's second half is dropped).
#[inline]
pub fn normal<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
    normal_pair(rng).0
}

/// Fills `out` with standard normals, two per Box–Muller pair.
pub fn fill_normal<R: RngCore + ?Sized>(rng: &mut R, out: &mut [f32]) {
    let mut pairs = out.chunks_exact_mut(2);
    for p in &mut pairs {
        let (a, b) = normal_pair(rng);
        p[0] = a;
        p[1] = b;
    }
    if let [last] = pairs.into_remainder() {
        *last = normal(rng);
    }
}

/// Fills `out` uniformly on [lo, hi).
pub fn fill_uniform<R: RngCore + ?Sized>(rng: &mut R, out: &mut [f32], lo: f32, hi: f32) {
    for o in out {
        *o = uniform_range(rng, lo, hi);
    }
}
