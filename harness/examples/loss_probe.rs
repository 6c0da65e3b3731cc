use kernel::loss::Loss;
use std::time::Instant;
fn main() {
    harness::cli::enable_simd();
    let n = 784 * 100;
    let z: Vec<f32> = (0..n).map(|i| ((i * 7919) % 2000) as f32 / 100.0 - 10.0).collect();
    let x: Vec<f32> = (0..n).map(|i| ((i * 104729) % 256) as f32 / 255.0).collect();
    let mut g = vec![0.0f32; n];
    let mut best = f64::MAX;
    let mut s = 0.0;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..50 {
            for r in 0..100 {
                s += Loss::CrossEntropy.value_and_grad_logit_row(
                    &mut g[r * 784..(r + 1) * 784],
                    &z[r * 784..(r + 1) * 784],
                    &x[r * 784..(r + 1) * 784],
                    1e-3,
                );
            }
        }
        best = best.min(t.elapsed().as_secs_f64() / 50.0 / n as f64 * 1e9);
    }
    println!("CE row: {best:.3} ns/element ({s})");
}
