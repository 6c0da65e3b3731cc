//! A freestanding program that trains with the kernel: no `std`, no libc,
//! no allocator, no C runtime. It learns XOR with a 2-4-1 MLP (tanh hidden
//! units, a logit output under `bce_with_logits`), a hand-written backward
//! pass built from the kernel's products, and the kernel's Adam.
//!
//! Exit status:
//! - 0: the hand-written gradient matches central finite differences, and
//!   the final loss is finite and below the initial loss;
//! - 1: training did not reduce the loss (or it is not finite);
//! - 2: the backward pass disagrees with finite differences;
//! - 101: a panic (`freestanding --panic` provokes an out-of-bounds index,
//!   to test the panic handler).
//!
//! One line is written to stdout: `initial_loss=… final_loss=… steps=… correct=…/4`.
//!
//! Every buffer lives on the stack or in a `static`; nothing is heap-allocated
//! because no heap exists. All `unsafe` code is in [`sys`] and [`mem`]; the
//! kernel itself stays `#![forbid(unsafe_code)]`.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

mod mem;
mod sys;

use kernel::activation::tanh;
use kernel::loss::{bce_with_logits, bce_with_logits_grad};
use kernel::matrix::{col_sums_acc, matmul, matmul_a_bt, matmul_at_b_acc};
use kernel::optim::Adam;
use kernel::params::MAX_BLOCKS;
use kernel::rng::{fill_normal, uniform_range};
use kernel::{Matrix, ParamBlocks};
use rand_core::RngCore;

/// Batch size: the whole XOR truth table.
const N: usize = 4;
/// Inputs.
const I: usize = 2;
/// Hidden units.
const H: usize = 4;
/// Adam steps.
const STEPS: u32 = 60;

/// The XOR inputs, one sample per row.
static X: Matrix<N, I> = Matrix([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
/// The XOR targets.
static Y: [f32; N] = [0.0, 1.0, 1.0, 0.0];

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, full-period 64-bit generator.
struct SplitMix64(u64);

impl RngCore for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// The 2-4-1 MLP: z = tanh(X·W1 + b1)·W2 + b2. Also the shape of its
/// gradient and of Adam's two moment buffers.
#[derive(Clone, Copy, Default)]
struct Mlp {
    w1: Matrix<I, H>,
    b1: [f32; H],
    w2: Matrix<H, 1>,
    b2: [f32; 1],
}

impl ParamBlocks for Mlp {
    fn blocks(&self) -> heapless::Vec<(&'static str, &[f32]), MAX_BLOCKS> {
        let mut v = heapless::Vec::new();
        // Four blocks always fit in MAX_BLOCKS (12): the pushes cannot fail.
        let _ = v.push(("w1", self.w1.as_slice()));
        let _ = v.push(("b1", &self.b1[..]));
        let _ = v.push(("w2", self.w2.as_slice()));
        let _ = v.push(("b2", &self.b2[..]));
        v
    }

    fn blocks_mut(&mut self) -> heapless::Vec<&mut [f32], MAX_BLOCKS> {
        let mut v = heapless::Vec::new();
        let _ = v.push(self.w1.as_mut_slice());
        let _ = v.push(&mut self.b1[..]);
        let _ = v.push(self.w2.as_mut_slice());
        let _ = v.push(&mut self.b2[..]);
        v
    }
}

/// Activations kept from the forward pass for the backward pass.
#[derive(Default)]
struct Tape {
    /// Hidden pre-activations X·W1 + b1.
    pre: Matrix<N, H>,
    /// Hidden activations tanh(pre).
    h: Matrix<N, H>,
    /// Output logits h·W2 + b2.
    z: Matrix<N, 1>,
}

/// Forward pass; returns the mean BCE over the batch.
fn forward(p: &Mlp, t: &mut Tape) -> f32 {
    matmul(&mut t.pre, &X, &p.w1);
    for (pre_row, h_row) in t.pre.0.iter_mut().zip(t.h.0.iter_mut()) {
        for ((a, h), &b) in pre_row.iter_mut().zip(h_row.iter_mut()).zip(&p.b1) {
            *a += b;
            *h = tanh(*a);
        }
    }
    matmul(&mut t.z, &t.h, &p.w2);
    let mut loss = 0.0;
    for (z, &y) in t.z.0.iter_mut().zip(&Y) {
        z[0] += p.b2[0];
        loss += bce_with_logits(z[0], y);
    }
    loss / N as f32
}

/// Backward pass of the mean BCE into `g` (overwritten), from a forward tape.
fn backward(p: &Mlp, t: &Tape, g: &mut Mlp) {
    g.zero();
    // dL/dz = (σ(z) − y) / N.
    let mut dz = Matrix::<N, 1>::zeros();
    for ((d, z), &y) in dz.0.iter_mut().zip(&t.z.0).zip(&Y) {
        d[0] = bce_with_logits_grad(z[0], y) / N as f32;
    }
    // Output layer: dW2 = hᵀ·dz, db2 = Σ_rows dz.
    matmul_at_b_acc(&mut g.w2, &t.h, &dz);
    col_sums_acc(&mut g.b2, &dz);
    // Back through W2: dh = dz·W2ᵀ; through tanh: dpre = dh ⊙ (1 − h²).
    let mut dpre = Matrix::<N, H>::zeros();
    matmul_a_bt(&mut dpre, &dz, &p.w2);
    for (d_row, h_row) in dpre.0.iter_mut().zip(&t.h.0) {
        for (d, &h) in d_row.iter_mut().zip(h_row) {
            *d *= 1.0 - h * h;
        }
    }
    // Hidden layer: dW1 = Xᵀ·dpre, db1 = Σ_rows dpre.
    matmul_at_b_acc(&mut g.w1, &X, &dpre);
    col_sums_acc(&mut g.b1, &dpre);
}

/// Checks every gradient entry against a central difference (f32, step 1e-2).
fn gradient_ok(p: &Mlp, g: &Mlp) -> bool {
    const STEP: f32 = 1e-2;
    let mut probe = *p;
    let mut tape = Tape::default();
    let n_blocks = g.blocks().len();
    for b in 0..n_blocks {
        let len = g.blocks()[b].1.len();
        for i in 0..len {
            let w = p.blocks()[b].1[i];
            probe.blocks_mut()[b][i] = w + STEP;
            let up = forward(&probe, &mut tape);
            probe.blocks_mut()[b][i] = w - STEP;
            let down = forward(&probe, &mut tape);
            probe.blocks_mut()[b][i] = w;
            let numeric = (up - down) / (2.0 * STEP);
            let analytic = g.blocks()[b].1[i];
            let err = numeric - analytic;
            let tol = 1e-3 + 2e-2 * analytic.abs();
            // Written so that a NaN error also fails.
            if err.abs().is_nan() || err.abs() > tol {
                return false;
            }
        }
    }
    true
}

/// Trains and returns the process exit status (see the crate docs).
fn run(self_test_panic: bool) -> i32 {
    if self_test_panic {
        // An index the optimiser cannot see through: a real bounds-check panic.
        let i = core::hint::black_box(N);
        return Y[i] as i32;
    }
    let mut rng = SplitMix64(0x5EED_2024);
    let mut params = Mlp::default();
    fill_normal(&mut rng, params.w1.as_mut_slice());
    for w in params.w2.as_mut_slice() {
        *w = uniform_range(&mut rng, -1.0, 1.0);
    }

    let adam = Adam::ASSIGNMENT_AUTOENCODER; // lr 0.05, β = (0.9, 0.999)
    let (mut m, mut v, mut grad) = (Mlp::default(), Mlp::default(), Mlp::default());
    let mut tape = Tape::default();

    let initial = forward(&params, &mut tape);
    backward(&params, &tape, &mut grad);
    if !gradient_ok(&params, &grad) {
        report(initial, f32::NAN, 0, 0);
        return 2;
    }
    for k in 1..=STEPS {
        forward(&params, &mut tape);
        backward(&params, &tape, &mut grad);
        adam.step(&mut params, &mut m, &mut v, &grad, k);
    }
    let last = forward(&params, &mut tape);
    let correct = tape.z.0.iter().zip(&Y).filter(|(z, &y)| (z[0] > 0.0) == (y > 0.5)).count();
    report(initial, last, STEPS, correct);

    if last.is_finite() && initial.is_finite() && last < initial {
        0
    } else {
        1
    }
}

/// Writes the one-line summary to stdout.
fn report(initial: f32, last: f32, steps: u32, correct: usize) {
    let mut line = Line::new();
    line.push(b"initial_loss=");
    line.push_f32(initial);
    line.push(b" final_loss=");
    line.push_f32(last);
    line.push(b" steps=");
    line.push_u64(u64::from(steps));
    line.push(b" correct=");
    line.push_u64(correct as u64);
    line.push(b"/4\n");
    sys::write_all(1, line.as_bytes());
}

/// A fixed-capacity line buffer with just enough number formatting
/// (`core::fmt` for floats would work but dwarfs the rest of the binary).
struct Line {
    buf: [u8; 128],
    len: usize,
}

impl Line {
    fn new() -> Self {
        Line { buf: [0; 128], len: 0 }
    }

    fn push(&mut self, s: &[u8]) {
        for &c in s {
            if self.len < self.buf.len() {
                self.buf[self.len] = c;
                self.len += 1;
            }
        }
    }

    fn push_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }

    /// Six decimals, rounded; `nan`/`inf` spelled out.
    fn push_f32(&mut self, x: f32) {
        if x.is_nan() {
            return self.push(b"nan");
        }
        if x < 0.0 {
            self.push(b"-");
        }
        let a = x.abs();
        if a.is_infinite() || a >= 1.0e12 {
            return self.push(b"inf");
        }
        let micros = (f64::from(a) * 1.0e6 + 0.5) as u64;
        self.push_u64(micros / 1_000_000);
        self.push(b".");
        let frac = micros % 1_000_000;
        let mut scale = 100_000;
        while scale > 0 {
            self.push(&[b'0' + (frac / scale % 10) as u8]);
            scale /= 10;
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
