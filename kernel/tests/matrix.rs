//! The fast products against the f64 reference products on odd shapes, in
//! overwrite and accumulate forms.
mod common;
use common::*;
use kernel::matrix::{self, reference, Matrix};

fn close(a: &[f32], b: &[f32]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{x} vs {y}");
    }
}

fn check<const M: usize, const K: usize, const N: usize>(seed: u64) {
    let mut r = rng(seed);
    let a = rand_matrix::<M, K>(&mut r, -1.0, 1.0);
    let b = rand_matrix::<K, N>(&mut r, -1.0, 1.0);
    let at = a.transpose();
    let bt = b.transpose();
    let start = rand_matrix::<M, N>(&mut r, -1.0, 1.0);
    let want = reference::matmul(&a, &b);
    let mut out = start;
    matrix::matmul(&mut out, &a, &b);
    close(out.as_slice(), want.as_slice());
    out = start;
    matrix::matmul_at_b(&mut out, &at, &b);
    close(out.as_slice(), reference::matmul_at_b(&at, &b).as_slice());
    close(out.as_slice(), want.as_slice());
    out = start;
    matrix::matmul_a_bt(&mut out, &a, &bt);
    close(out.as_slice(), reference::matmul_a_bt(&a, &bt).as_slice());
    close(out.as_slice(), want.as_slice());
    // Accumulating forms add to what is there.
    let plus = |m: &Matrix<M, N>| Matrix::<M, N>::from_fn(|i, j| m.0[i][j] + start.0[i][j]);
    for f in [
        &(|o: &mut Matrix<M, N>| matrix::matmul_acc(o, &a, &b)) as &dyn Fn(&mut Matrix<M, N>),
        &|o: &mut Matrix<M, N>| matrix::matmul_at_b_acc(o, &at, &b),
        &|o: &mut Matrix<M, N>| matrix::matmul_a_bt_acc(o, &a, &bt),
    ] {
        out = start;
        f(&mut out);
        close(out.as_slice(), plus(&want).as_slice());
    }
    let x = rand_array::<K>(&mut r, -1.0, 1.0);
    let mut y = [0.0; M];
    matrix::matvec(&mut y, &a, &x);
    close(&y, &reference::matvec(&a, &x));
    let mut y2 = [1.0; M];
    matrix::matvec_acc(&mut y2, &a, &x);
    close(&y2, &y.map(|v| v + 1.0));
    let u = rand_array::<M>(&mut r, -1.0, 1.0);
    let mut z = [0.0; K];
    matrix::vecmat(&mut z, &u, &a);
    close(&z, &reference::vecmat(&u, &a));
    close(&z, &reference::matvec(&at, &u));
    let mut z2 = [1.0; K];
    matrix::vecmat_acc(&mut z2, &u, &a);
    close(&z2, &z.map(|v| v + 1.0));
    let mut rs = [0.5; M];
    matrix::row_sums_acc(&mut rs, &a);
    close(&rs, &reference::row_sums(&a).map(|v| v + 0.5));
    let mut cs = [0.5; K];
    matrix::col_sums_acc(&mut cs, &a);
    close(&cs, &reference::col_sums(&a).map(|v| v + 0.5));
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
