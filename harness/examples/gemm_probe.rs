use harness::boxed::boxed_zeroed;
use kernel::matrix::{matmul, matmul_a_bt, matmul_at_b_acc, Matrix};
use std::time::Instant;
fn t<const M: usize, const K: usize, const N: usize>() {
    let mut a: Box<Matrix<M, K>> = boxed_zeroed();
    let mut b: Box<Matrix<K, N>> = boxed_zeroed();
    let mut bt: Box<Matrix<N, K>> = boxed_zeroed();
    let mut at: Box<Matrix<K, M>> = boxed_zeroed();
    for (i, x) in a.as_mut_slice().iter_mut().enumerate() {
        *x = (i % 7) as f32 * 0.1;
    }
    for (i, x) in b.as_mut_slice().iter_mut().enumerate() {
        *x = (i % 5) as f32 * 0.1;
    }
    for (i, x) in bt.as_mut_slice().iter_mut().enumerate() {
        *x = (i % 3) as f32 * 0.1;
    }
    for (i, x) in at.as_mut_slice().iter_mut().enumerate() {
        *x = (i % 11) as f32 * 0.1;
    }
    let mut c: Box<Matrix<M, N>> = boxed_zeroed();
    let reps = (300_000_000 / (2 * M * N * K)).max(3);
    let mut line = format!("{M}x{K}x{N}");
    for f in 0..3 {
        let mut best = f64::MAX;
        for _ in 0..7 {
            let t0 = Instant::now();
            for _ in 0..reps {
                match f {
                    0 => matmul(&mut c, &a, &b),
                    1 => matmul_a_bt(&mut c, &a, &bt),
                    _ => {
                        c.fill_zero();
                        matmul_at_b_acc(&mut c, &at, &b)
                    }
                }
                std::hint::black_box(&c);
            }
            best = best.min(t0.elapsed().as_secs_f64() / reps as f64);
        }
        line += &format!(" {:.1}", 2.0 * (M * N * K) as f64 / best / 1e9);
    }
    println!("{line}  (A·B, A·Bᵀ, Aᵀ·B GFLOP/s, best of 7)");
}
fn main() {
    harness::cli::enable_simd();
    t::<64, 784, 400>();
    t::<400, 64, 784>();
    t::<64, 400, 784>();
    t::<50, 784, 400>();
    t::<100, 784, 30>();
    t::<30, 100, 784>();
    t::<100, 30, 784>();
}
