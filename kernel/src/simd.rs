//! The fenced SIMD path: the GEMM micro-kernel compiled for AVX (8 f32 per
//! vector instead of the baseline's 4), chosen at run time by the caller.
//! This is the only module of the kernel that may use `unsafe`.
//!
//! Results are bit-identical to the portable path: the AVX micro-kernel is
//! the same Rust code (each tile element receives `a·b` terms one at a time
//! in k order, a separate multiply then add, never an FMA), only compiled
//! with wider vectors. `kernel/tests/matrix.rs` checks that both agree.
//!
//! The elementwise rows (the fused losses, the inference σ) also have an
//! AVX-512F build, 16 lanes per instruction: same operations, same bits.
//! The GEMM micro-kernel has none: LLVM compiles it for AVX-512 into
//! gathers and scatters that run at 2 GFLOP/s.
//!
//! `no_std` has no CPU-feature detection, so the caller detects (e.g. std's
//! `is_x86_feature_detected!("avx")`) and hands over an [`Avx`] or
//! [`Avx512`] token.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicBool, Ordering};

static USE_AVX: AtomicBool = AtomicBool::new(false);

/// Proof that the CPU running this program supports AVX.
#[derive(Clone, Copy, Debug)]
pub struct Avx(());

impl Avx {
    /// A token without checking.
    ///
    /// # Safety
    /// The CPU (and the OS, which must save the ymm registers) must support
    /// AVX: std's `is_x86_feature_detected!("avx")` checks both.
    #[must_use]
    pub unsafe fn new_unchecked() -> Avx {
        Avx(())
    }
}

/// Proof that the CPU running this program supports AVX-512F.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// A token without checking.
    ///
    /// # Safety
    /// The CPU and the OS must support AVX-512F: std's
    /// `is_x86_feature_detected!("avx512f")` checks both.
    #[must_use]
    pub unsafe fn new_unchecked() -> Avx512 {
        Avx512(())
    }
}

static USE_AVX512: AtomicBool = AtomicBool::new(false);

/// Makes every matrix product use the AVX micro-kernel from now on.
pub fn enable_avx(_proof: Avx) {
    USE_AVX.store(true, Ordering::Relaxed);
}

/// Makes the elementwise rows use their AVX-512F build from now on.
pub fn enable_avx512(_proof: Avx512) {
    USE_AVX512.store(true, Ordering::Relaxed);
}

/// Back to the portable code everywhere (for comparisons): turns off AVX
/// and AVX-512.
pub fn disable_avx() {
    USE_AVX.store(false, Ordering::Relaxed);
    USE_AVX512.store(false, Ordering::Relaxed);
}

/// Whether the elementwise rows run their AVX-512F build.
#[must_use]
pub fn avx512_enabled() -> bool {
    USE_AVX512.load(Ordering::Relaxed)
}

/// Whether the AVX micro-kernel is in use.
#[must_use]
pub fn avx_enabled() -> bool {
    USE_AVX.load(Ordering::Relaxed)
}

/// Runs `f` compiled for AVX when it is enabled, else as it is. `f` must be
/// `#[inline(always)]` code for the AVX build to reach it.
#[inline(always)]
pub(crate) fn dispatch(f: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    if USE_AVX.load(Ordering::Relaxed) {
        // SAFETY: USE_AVX is only set by `enable_avx`, whose `Avx` token
        // certifies that this CPU supports AVX.
        unsafe { with_avx(f) };
        return;
    }
    f();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn with_avx(f: impl FnOnce()) {
    f();
}

/// [`crate::matrix::micro_kernel_wide2_src`] compiled for AVX (a closure
/// through [`dispatch`] is too large for LLVM to inline into the AVX
/// function, and would run without AVX). Only called when AVX is enabled.
#[inline]
pub(crate) fn micro_kernel_wide2_src_avx(
    a: &crate::matrix::ASource<'_>,
    b0: &[[f32; crate::matrix::NR]],
    b1: &[[f32; crate::matrix::NR]],
    tile0: &mut [[f32; crate::matrix::NR]; crate::matrix::MR],
    tile1: &mut [[f32; crate::matrix::NR]; crate::matrix::MR],
) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx")]
        unsafe fn run(
            a: &crate::matrix::ASource<'_>,
            b0: &[[f32; crate::matrix::NR]],
            b1: &[[f32; crate::matrix::NR]],
            tile0: &mut [[f32; crate::matrix::NR]; crate::matrix::MR],
            tile1: &mut [[f32; crate::matrix::NR]; crate::matrix::MR],
        ) {
            crate::matrix::micro_kernel_wide2_src(a, b0, b1, tile0, tile1);
        }
        assert!(avx_enabled());
        // SAFETY: AVX is enabled only through `enable_avx`, whose `Avx`
        // token certifies that this CPU supports it.
        unsafe { run(a, b0, b1, tile0, tile1) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    crate::matrix::micro_kernel_wide2_src(a, b0, b1, tile0, tile1);
}

/// [`crate::matrix::vecmat_acc_body`] compiled for AVX, with blocks of
/// [`crate::matrix::VM_COLS_AVX`] columns. Only called when AVX is enabled.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn vecmat_acc_avx<const K: usize, const N: usize>(
    out: &mut [f32; N],
    x: &[f32; K],
    a: &crate::matrix::Matrix<K, N>,
    ks: impl Iterator<Item = usize> + Clone,
) {
    #[target_feature(enable = "avx")]
    unsafe fn run<const K: usize, const N: usize>(
        out: &mut [f32; N],
        x: &[f32; K],
        a: &crate::matrix::Matrix<K, N>,
        ks: impl Iterator<Item = usize> + Clone,
    ) {
        crate::matrix::vecmat_acc_body::<K, N, { crate::matrix::VM_COLS_AVX }>(out, x, a, ks);
    }
    assert!(avx_enabled());
    // SAFETY: as in `value_and_grad_logit_row_avx`.
    unsafe { run(out, x, a, ks) }
}

/// Defines `$name`: `$body` compiled with `$feature`, callable only when
/// `$enabled()` (whose flag is set only through a token certifying that the
/// CPU supports the feature).
macro_rules! build_with {
    ($feature:literal, $enabled:ident, $(#[$doc:meta])* $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        #[inline]
        pub(crate) fn $name($($arg: $ty),*) -> $ret {
            #[target_feature(enable = $feature)]
            unsafe fn run($($arg: $ty),*) -> $ret $body
            assert!($enabled());
            // SAFETY: `$enabled` is true only after `enable_avx` or
            // `enable_avx512`, whose token certifies that this CPU supports
            // `$feature`.
            unsafe { run($($arg),*) }
        }
    };
}

/// Defines `$avx` and `$avx512`: `$body` compiled for AVX and for
/// AVX-512F, each callable only when that path is enabled.
macro_rules! elementwise_builds {
    ($(#[$doc:meta])* fn $avx:ident / $avx512:ident $args:tt -> $ret:ty $body:block) => {
        build_with!("avx", avx_enabled, $(#[$doc])* $avx $args -> $ret $body);
        build_with!("avx512f", avx512_enabled, $(#[$doc])* $avx512 $args -> $ret $body);
    };
}

elementwise_builds! {
    /// [`crate::loss::Loss::value_and_grad_logit_row`], compiled for AVX / AVX-512F.
    fn value_and_grad_logit_row_avx / value_and_grad_logit_row_avx512(loss: crate::loss::Loss, g: &mut [f32], z: &[f32], x: &[f32], scale: f32) -> f32 {
        loss.value_and_grad_logit_row_body(g, z, x, scale)
    }
}

elementwise_builds! {
    /// [`crate::loss::Loss::value_row`], compiled for AVX / AVX-512F.
    fn value_row_avx / value_row_avx512(loss: crate::loss::Loss, z: &[f32], x: &[f32]) -> f32 {
        loss.value_row_body(z, x)
    }
}

elementwise_builds! {
    /// σ of every element of `v` in place ([`crate::lanes::sigmoid`]),
    /// compiled for AVX / AVX-512F.
    fn sigmoid_inplace_avx / sigmoid_inplace_avx512(v: &mut [f32]) -> () {
        crate::inference::sigmoid_inplace_body(v)
    }
}
