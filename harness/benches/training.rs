//! Criterion benchmarks of whole training epochs and single-image inference,
//! the work `harness/bench/compare.sh` sets beside PyTorch.
//!
//! `cargo bench -p harness`. Each epoch is timed by the training loop itself
//! (training only: no data loading, no evaluation), through `iter_custom`.
//! The VAE epochs run on the first 12 000 training images; scale by 5 for a
//! 60 000-image epoch.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harness::autoencoder::Model;
use harness::bench::{epoch_seconds, AeInference, VaeDecode, VAE_IMAGES};
use harness::mnist::{self, Mnist, DEFAULT_DATA_DIR};
use harness::vae;
use kernel::loss::Loss;
use kernel::optim::Adam;
use kernel::Activation;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// The vendored MNIST; also switches on the AVX path as the harness's CLI does.
fn data() -> Mnist {
    harness::cli::enable_simd();
    mnist::load(Path::new(DEFAULT_DATA_DIR), true).expect("the vendored MNIST loads")
}

fn epochs(c: &mut Criterion) {
    let data = data();
    let threads = harness::cli::default_threads();
    let mut g = c.benchmark_group("epoch");
    g.sample_size(10).measurement_time(Duration::from_secs(15));

    let ae = Model::<30> {
        loss: Loss::CrossEntropy,
        phi: Activation::Relu,
    };
    g.throughput(Throughput::Elements(data.train.len() as u64));
    g.bench_function("autoencoder 784-30-784 bce full batch, 60000 images", |b| {
        b.iter_custom(|iters| {
            let s = epoch_seconds(&ae, &data.train, iters as usize, None, Adam::ASSIGNMENT_AUTOENCODER, threads).expect("trains");
            Duration::from_secs_f64(s * iters as f64)
        })
    });

    let set = data.train.subset(VAE_IMAGES);
    g.throughput(Throughput::Elements(VAE_IMAGES as u64));
    let appendix = vae::Appendix { cfg: Default::default() };
    g.bench_function("vae appendix 784-400-200-40, batches of 600, 12000 images", |b| {
        b.iter_custom(|iters| {
            let s = epoch_seconds(&appendix, &set, iters as usize, Some(600), Adam::PYTORCH_DEFAULT, threads).expect("trains");
            Duration::from_secs_f64(s * iters as f64)
        })
    });
    g.bench_function("vae elbo 784-400-20, batches of 128, 12000 images", |b| {
        b.iter_custom(|iters| {
            let s = epoch_seconds(
                &vae::Standard::<20>,
                &set,
                iters as usize,
                Some(128),
                Adam::PYTORCH_DEFAULT,
                threads,
            )
            .expect("trains");
            Duration::from_secs_f64(s * iters as f64)
        })
    });
    g.finish();
}

fn inference(c: &mut Criterion) {
    let data = data();
    let mut g = c.benchmark_group("inference");
    let mut ae = AeInference::new();
    let image = data.test.image(0);
    g.bench_function("autoencoder reconstruction, one image", |b| {
        b.iter(|| {
            ae.run(black_box(image));
            black_box(&ae.y);
        })
    });
    let mut dec = VaeDecode::new();
    let z = [0.3f32; 20];
    g.bench_function("vae 20-400-784 decoder, one code", |b| {
        b.iter(|| {
            dec.run(black_box(&z));
            black_box(&dec.prob);
        })
    });
    g.finish();
}

criterion_group!(benches, epochs, inference);
criterion_main!(benches);
