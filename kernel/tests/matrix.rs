//! The fast products against the f64 reference products (within rounding)
//! and against the naive sequential f32 loop (bit for bit) on odd shapes, in
//! overwrite and accumulate forms.
mod common;
use common::*;
use kernel::matrix::{self, reference, Matrix};

/// Within f32 rounding of the f64 reference: a sum of k terms of size ≤ 1.
fn close(a: &[f32], b: &[f32], k: usize) {
    assert_eq!(a.len(), b.len());
    let tol = 1e-5f32.max(2.0 * k as f32 * f32::EPSILON);
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}");
    }
}

/// Bit-identical, with the first differing index on failure.
fn same(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    if let Some(i) = got.iter().zip(want).position(|(x, y)| x.to_bits() != y.to_bits()) {
        panic!("{what}: entry {i} is {} but the naive loop gives {}", got[i], want[i]);
    }
}

fn check<const M: usize, const K: usize, const N: usize>(seed: u64) {
    let mut r = rng(seed);
    let a = rand_matrix::<M, K>(&mut r, -1.0, 1.0);
    let b = rand_matrix::<K, N>(&mut r, -1.0, 1.0);
    let at = a.transpose();
    let bt = b.transpose();
    let start = rand_matrix::<M, N>(&mut r, -1.0, 1.0);
    let zero = Matrix::<M, N>::zeros();
    let shape = format!("{M}x{K}x{N}");

    // Overwrite forms: against f64 and bit for bit against the naive loop
    // summed from 0 (all three transpositions give the same sums).
    let want = reference::matmul(&a, &b);
    let seq = reference::matmul_seq(&zero, &a, &b);
    assert_eq!(seq, reference::matmul_at_b_seq(&zero, &at, &b));
    assert_eq!(seq, reference::matmul_a_bt_seq(&zero, &a, &bt));
    close(seq.as_slice(), want.as_slice(), K);
    let mut out = start;
    matrix::matmul(&mut out, &a, &b);
    close(out.as_slice(), want.as_slice(), K);
    same(&format!("matmul {shape}"), out.as_slice(), seq.as_slice());
    out = start;
    matrix::matmul_at_b(&mut out, &at, &b);
    close(out.as_slice(), reference::matmul_at_b(&at, &b).as_slice(), K);
    same(&format!("matmul_at_b {shape}"), out.as_slice(), seq.as_slice());
    out = start;
    matrix::matmul_a_bt(&mut out, &a, &bt);
    close(out.as_slice(), reference::matmul_a_bt(&a, &bt).as_slice(), K);
    same(&format!("matmul_a_bt {shape}"), out.as_slice(), seq.as_slice());

    // Accumulating forms add to what is there, each sum starting from it.
    let plus = Matrix::<M, N>::from_fn(|i, j| want.0[i][j] + start.0[i][j]);
    let seq_acc = reference::matmul_seq(&start, &a, &b);
    for (name, f) in [
        (
            "matmul_acc",
            &(|o: &mut Matrix<M, N>| matrix::matmul_acc(o, &a, &b)) as &dyn Fn(&mut Matrix<M, N>),
        ),
        ("matmul_at_b_acc", &|o: &mut Matrix<M, N>| matrix::matmul_at_b_acc(o, &at, &b)),
        ("matmul_a_bt_acc", &|o: &mut Matrix<M, N>| matrix::matmul_a_bt_acc(o, &a, &bt)),
    ] {
        out = start;
        f(&mut out);
        close(out.as_slice(), plus.as_slice(), K);
        same(&format!("{name} {shape}"), out.as_slice(), seq_acc.as_slice());
    }

    // Matrix-vector products.
    let x = rand_array::<K>(&mut r, -1.0, 1.0);
    let mut y = [0.5; M];
    matrix::matvec(&mut y, &a, &x);
    close(&y, &reference::matvec(&a, &x), K);
    same(&format!("matvec {shape}"), &y, &reference::matvec_seq(&[0.0; M], &a, &x));
    let y0 = rand_array::<M>(&mut r, -1.0, 1.0);
    let mut y2 = y0;
    matrix::matvec_acc(&mut y2, &a, &x);
    close(&y2, &core::array::from_fn::<f32, M, _>(|i| y[i] + y0[i]), K);
    same(&format!("matvec_acc {shape}"), &y2, &reference::matvec_seq(&y0, &a, &x));
    let u = rand_array::<M>(&mut r, -1.0, 1.0);
    let mut z = [0.5; K];
    matrix::vecmat(&mut z, &u, &a);
    close(&z, &reference::vecmat(&u, &a), M);
    close(&z, &reference::matvec(&at, &u), M);
    same(&format!("vecmat {shape}"), &z, &reference::vecmat_seq(&[0.0; K], &u, &a));
    let z0 = rand_array::<K>(&mut r, -1.0, 1.0);
    let mut z2 = z0;
    matrix::vecmat_acc(&mut z2, &u, &a);
    close(&z2, &core::array::from_fn::<f32, K, _>(|k| z[k] + z0[k]), M);
    same(&format!("vecmat_acc {shape}"), &z2, &reference::vecmat_seq(&z0, &u, &a));
    // Sparse input, with +0 and −0 and tiny or subnormal values that must
    // not be skipped: skipping the zero terms gives the same bits.
    let u_sparse: [f32; M] = core::array::from_fn(|i| match i % 6 {
        0 | 2 => 0.0,
        3 => -0.0,
        4 if i % 12 == 4 => 1e-4 * u[i],
        4 => f32::MIN_POSITIVE / 4.0,
        _ => u[i],
    });
    let mut z3 = [0.5; K];
    matrix::vecmat_skip_zeros(&mut z3, &u_sparse, &a);
    same(
        &format!("vecmat_skip_zeros {shape}"),
        &z3,
        &reference::vecmat_seq(&[0.0; K], &u_sparse, &a),
    );

    let mut rs = [0.5; M];
    matrix::row_sums_acc(&mut rs, &a);
    close(&rs, &reference::row_sums(&a).map(|v| v + 0.5), K);
    let mut cs = [0.5; K];
    matrix::col_sums_acc(&mut cs, &a);
    close(&cs, &reference::col_sums(&a).map(|v| v + 0.5), M);
}

/// Runs `f` on a thread with a stack large enough for the model-sized
/// matrices (and their transposes and references) that `check` builds.
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap();
}

#[test]
fn products_agree_with_reference_on_odd_shapes() {
    check::<1, 1, 1>(1);
    check::<3, 5, 7>(2);
    check::<7, 2, 3>(3);
    check::<5, 17, 9>(4);
    check::<13, 31, 11>(5);
    check::<4, 8, 16>(6);
    check::<9, 33, 2>(7);
    check::<2, 1, 9>(8);
    check::<1, 40, 1>(9);
}

#[test]
fn products_agree_with_reference_on_tiled_shapes() {
    // Shapes past the small-product cutoff: edges in every direction, several
    // column blocks and several depth blocks (k > 256), so that the tiles
    // reload partial sums and the overwrite forms start from zero only once.
    with_big_stack(|| {
        check::<37, 129, 67>(10);
        check::<4, 256, 16>(11);
        check::<5, 600, 19>(12);
        check::<17, 257, 33>(13);
        check::<6, 513, 1>(14);
        check::<1, 300, 41>(15);
        check::<64, 64, 64>(16);
    });
}

#[test]
fn products_agree_with_reference_on_model_shapes() {
    // The autoencoder's (B = 100, D = 784, H = 30): forward x·W1ᵀ and t5·W2
    // (M K N = 100 784 30), forward f3·W2ᵀ (100 30 784), dW2 += t5ᵀ·f3
    // (784 100 30) and dW1 += t2ᵀ·x (30 100 784); a VAE layer (100 400 200).
    with_big_stack(|| {
        check::<100, 784, 30>(20);
        check::<100, 30, 784>(21);
        check::<784, 100, 30>(22);
        check::<30, 100, 784>(23);
        check::<100, 400, 200>(24);
    });
}

#[test]
fn dot_lane_order_is_fixed() {
    // 19 terms: two full 8-lane chunks and a tail of 3, combined as documented.
    let x: Vec<f32> = (0..19).map(|i| 1.0 + i as f32 * 1e-3).collect();
    let y: Vec<f32> = (0..19).map(|i| (i as f32 * 0.7).sin()).collect();
    let mut lanes = [0.0f32; 8];
    for c in 0..2 {
        for l in 0..8 {
            lanes[l] += x[c * 8 + l] * y[c * 8 + l];
        }
    }
    let mut s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for k in 16..19 {
        s += x[k] * y[k];
    }
    assert_eq!(matrix::dot(&x, &y).to_bits(), s.to_bits());
}

#[test]
fn avx_path_gives_the_same_bits_as_the_portable_path() {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // Every product form (A read by rows, by columns, or packed at the
        // bottom edge; one or two B panels per call), against the naive
        // sequential loops, with the AVX micro-kernels on.
        fn run<const M: usize, const K: usize, const N: usize>(seed: u64) {
            let mut r = rng(seed);
            let a = rand_matrix::<M, K>(&mut r, -1.0, 1.0);
            let at = a.transpose();
            let b = rand_matrix::<K, N>(&mut r, -1.0, 1.0);
            let bt = b.transpose();
            let start = rand_matrix::<M, N>(&mut r, -1.0, 1.0);
            let zero = Matrix::<M, N>::zeros();
            let seq0 = reference::matmul_seq(&zero, &a, &b);
            let seq = reference::matmul_seq(&start, &a, &b);
            // SAFETY: just detected.
            kernel::simd::enable_avx(unsafe { kernel::simd::Avx::new_unchecked() });
            let mut outs = [start; 6];
            matrix::matmul(&mut outs[0], &a, &b);
            matrix::matmul_at_b(&mut outs[1], &at, &b);
            matrix::matmul_a_bt(&mut outs[2], &a, &bt);
            matrix::matmul_acc(&mut outs[3], &a, &b);
            matrix::matmul_at_b_acc(&mut outs[4], &at, &b);
            matrix::matmul_a_bt_acc(&mut outs[5], &a, &bt);
            kernel::simd::disable_avx();
            for (i, (out, want)) in outs.iter().zip([&seq0, &seq0, &seq0, &seq, &seq, &seq]).enumerate() {
                same(&format!("AVX product {i}, {M}x{K}x{N}"), out.as_slice(), want.as_slice());
            }
        }
        with_big_stack(|| {
            run::<13, 31, 11>(1);
            run::<37, 129, 67>(2);
            run::<100, 200, 30>(3);
            run::<12, 300, 48>(4); // whole tiles only, several depth blocks, an even number of panels
            run::<7, 130, 9>(5); // one whole tile and one row at the edge; an odd last panel
            run::<100, 784, 30>(6);
        });
    }
}
