//! Shared test helpers: seeded inputs, and thin wrappers over the kernel's
//! f64 activations (`kernel::graphs::naive`) and gradient checks
//! (`kernel::gradcheck`) that every backward test uses.
#![allow(dead_code)]

use kernel::{Activation, Matrix};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub type Rng = Xoshiro256PlusPlus;

pub fn rng(seed: u64) -> Rng {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Uniform in [lo, hi), drawn independently of the kernel's sampler.
pub fn unif(r: &mut Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * ((r.next_u32() >> 8) as f32 / 16_777_216.0)
}

pub fn rand_array<const N: usize>(r: &mut Rng, lo: f32, hi: f32) -> [f32; N] {
    core::array::from_fn(|_| unif(r, lo, hi))
}

pub fn rand_matrix<const R: usize, const C: usize>(r: &mut Rng, lo: f32, hi: f32) -> Matrix<R, C> {
    Matrix::from_fn(|_, _| unif(r, lo, hi))
}

/// φ in f64, written from the definitions (not the kernel's f32 code):
/// [`kernel::graphs::naive::phi`].
pub fn phi64(a: Activation, x: f64) -> f64 {
    kernel::graphs::naive::phi(a, x)
}

/// Central finite differences of `f` at `x` with step `h`, in f64
/// ([`kernel::gradcheck::central_difference`] into a fresh vector).
pub fn fd_grad(f: impl Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    let mut p = x.to_vec();
    let mut out = vec![0.0; x.len()];
    kernel::gradcheck::central_difference(&mut out, &mut p, h, f);
    out
}

pub fn to64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| v as f64).collect()
}

/// Asserts that `got` is within `tol` of `want` by
/// [`kernel::gradcheck::max_relative_difference`] (relative for entries
/// above 1e-3 · max|want|, relative to max|want| for tiny ones).
pub fn assert_grad_close(what: &str, got: &[f32], want: &[f64], tol: f64) {
    let d = kernel::gradcheck::max_relative_difference(got, want);
    assert!(
        d <= tol,
        "{what}: relative difference {d:e} > {tol:e}\n got  {got:?}\n want {want:?}"
    );
}

/// A zeroed workspace of the Gaussian VAE (B images, X-E-Z-D-X).
pub fn gaussian_workspace<const B: usize, const X: usize, const E: usize, const Z: usize, const D: usize>(
) -> kernel::vae::gaussian::Workspace<B, X, E, Z, D> {
    kernel::vae::gaussian::Workspace {
        h1: Matrix::zeros(),
        mu_z: Matrix::zeros(),
        logvar_z: Matrix::zeros(),
        sigma_eps: Matrix::zeros(),
        z: Matrix::zeros(),
        h2: Matrix::zeros(),
        logits: Matrix::zeros(),
        t_logits: Matrix::zeros(),
        t_h2: Matrix::zeros(),
        t_z: Matrix::zeros(),
        t_logvar_z: Matrix::zeros(),
        t_h1: Matrix::zeros(),
    }
}

/// Runs `f(path)` on the portable path, then on the AVX path and on the
/// AVX-512 elementwise path where this CPU has them, and leaves the portable
/// path on. The switches are global: a test binary calls this from one test
/// only, so that no other test races with them.
pub fn for_each_simd_path(mut f: impl FnMut(&str)) {
    kernel::simd::disable_avx();
    f("portable");
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: just detected.
        kernel::simd::enable_avx(unsafe { kernel::simd::Avx::new_unchecked() });
        f("AVX");
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: just detected.
            kernel::simd::enable_avx512(unsafe { kernel::simd::Avx512::new_unchecked() });
            f("AVX-512");
        }
        kernel::simd::disable_avx();
    }
}
