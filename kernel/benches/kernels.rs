//! Criterion benchmarks of the kernel's hot loops: the matrix products at the
//! shapes the MNIST autoencoder (B = 100, D = 784, H = 30) and the VAE use,
//! the activations and the fused loss gradient.
//!
//! The products report `Throughput::Elements(2·M·N·K)`: one multiply and one
//! add per term, so criterion's "elements/s" reads as FLOP/s (Gelem/s =
//! GFLOP/s). The scalar benches report elements as values processed.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kernel::activation::{log_sigmoid, sigmoid, softplus};
use kernel::loss::bce_with_logits_grad;
use kernel::matrix::{self, Matrix};
use std::hint::black_box;

/// A boxed R × C matrix with entries in [-1, 1) from a fixed linear
/// congruential sequence: built once, in place on the heap (no large stack
/// temporaries).
fn boxed<const R: usize, const C: usize>(seed: u32) -> Box<Matrix<R, C>> {
    let mut m = Box::new(Matrix::<R, C>::zeros());
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for x in m.as_mut_slice() {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *x = (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
    }
    m
}

/// 2·M·N·K: the FLOP count of an M × N output with K terms per entry.
fn flops(m: usize, n: usize, k: usize) -> Throughput {
    Throughput::Elements(2 * (m * n * k) as u64)
}

fn products(c: &mut Criterion) {
    const B: usize = 100;
    const D: usize = 784;
    const H: usize = 30;
    let mut g = c.benchmark_group("products");

    // Autoencoder forward: f2 = x·W1ᵀ and f5 = f3·W2ᵀ.
    {
        let x = boxed::<B, D>(1);
        let w1 = boxed::<H, D>(2);
        let mut out = boxed::<B, H>(0);
        g.throughput(flops(B, H, D));
        g.bench_function(BenchmarkId::new("matmul_a_bt", "100x30 = 100x784 . (30x784)T"), |bch| {
            bch.iter(|| matrix::matmul_a_bt(black_box(&mut *out), black_box(&*x), black_box(&*w1)))
        });
    }
    {
        let f3 = boxed::<B, H>(3);
        let w2 = boxed::<D, H>(4);
        let mut out = boxed::<B, D>(0);
        g.throughput(flops(B, D, H));
        g.bench_function(BenchmarkId::new("matmul_a_bt", "100x784 = 100x30 . (784x30)T"), |bch| {
            bch.iter(|| matrix::matmul_a_bt(black_box(&mut *out), black_box(&*f3), black_box(&*w2)))
        });
    }
    // Autoencoder backward: dW2 += t5ᵀ·f3, t3 = t5·W2, dW1 += t2ᵀ·x.
    {
        let t5 = boxed::<B, D>(5);
        let f3 = boxed::<B, H>(6);
        let mut dw2 = boxed::<D, H>(0);
        g.throughput(flops(D, H, B));
        g.bench_function(BenchmarkId::new("matmul_at_b_acc", "784x30 += (100x784)T . 100x30"), |bch| {
            bch.iter(|| {
                dw2.fill_zero();
                matrix::matmul_at_b_acc(black_box(&mut *dw2), black_box(&*t5), black_box(&*f3))
            })
        });
    }
    {
        let t5 = boxed::<B, D>(7);
        let w2 = boxed::<D, H>(8);
        let mut t3 = boxed::<B, H>(0);
        g.throughput(flops(B, H, D));
        g.bench_function(BenchmarkId::new("matmul", "100x30 = 100x784 . 784x30"), |bch| {
            bch.iter(|| matrix::matmul(black_box(&mut *t3), black_box(&*t5), black_box(&*w2)))
        });
    }
    {
        let t2 = boxed::<B, H>(9);
        let x = boxed::<B, D>(10);
        let mut dw1 = boxed::<H, D>(0);
        g.throughput(flops(H, D, B));
        g.bench_function(BenchmarkId::new("matmul_at_b_acc", "30x784 += (100x30)T . 100x784"), |bch| {
            bch.iter(|| {
                dw1.fill_zero();
                matrix::matmul_at_b_acc(black_box(&mut *dw1), black_box(&*t2), black_box(&*x))
            })
        });
    }
    // VAE-sized encoder layer: 128 images × 784 pixels → 400 hidden units.
    {
        const BV: usize = 128;
        const HV: usize = 400;
        let x = boxed::<BV, D>(11);
        let w = boxed::<HV, D>(12);
        let mut out = boxed::<BV, HV>(0);
        g.throughput(flops(BV, HV, D));
        g.bench_function(BenchmarkId::new("matmul_a_bt", "128x400 = 128x784 . (400x784)T"), |bch| {
            bch.iter(|| matrix::matmul_a_bt(black_box(&mut *out), black_box(&*x), black_box(&*w)))
        });
    }
    g.finish();
}

fn activations(c: &mut Criterion) {
    let xs: Vec<f32> = (0..1 << 20).map(|i| (i as f32 / (1 << 19) as f32 - 1.0) * 20.0).collect();
    let ts: Vec<f32> = (0..1 << 20).map(|i| (i % 256) as f32 / 255.0).collect();
    c.bench_function("sigmoid 1M", |b| b.iter(|| xs.iter().map(|&x| sigmoid(x)).sum::<f32>()));
    let mut g = c.benchmark_group("scalar 1M");
    g.throughput(Throughput::Elements(xs.len() as u64));
    g.bench_function("sigmoid", |b| b.iter(|| black_box(&xs).iter().map(|&x| sigmoid(x)).sum::<f32>()));
    g.bench_function("log_sigmoid", |b| {
        b.iter(|| black_box(&xs).iter().map(|&x| log_sigmoid(x)).sum::<f32>())
    });
    g.bench_function("softplus", |b| b.iter(|| black_box(&xs).iter().map(|&x| softplus(x)).sum::<f32>()));
    g.bench_function("bce_with_logits_grad", |b| {
        b.iter(|| {
            black_box(&xs)
                .iter()
                .zip(black_box(&ts))
                .map(|(&z, &t)| bce_with_logits_grad(z, t))
                .sum::<f32>()
        })
    });
    g.finish();
}

criterion_group!(benches, products, activations);
criterion_main!(benches);
