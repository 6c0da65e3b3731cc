//! Criterion benchmarks of the kernel's hot loops (filled in by the performance work).
use criterion::{criterion_group, criterion_main, Criterion};
use kernel::activation::sigmoid;

fn activations(c: &mut Criterion) {
    let xs: Vec<f32> = (0..1 << 20).map(|i| (i as f32 / (1 << 19) as f32 - 1.0) * 20.0).collect();
    c.bench_function("sigmoid 1M", |b| b.iter(|| xs.iter().map(|&x| sigmoid(x)).sum::<f32>()));
}

criterion_group!(benches, activations);
criterion_main!(benches);
