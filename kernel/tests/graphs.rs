//! Ex 2: every scheduled backward pass against (a) central finite
//! differences (`kernel::gradcheck`) of the independent naive f64
//! implementation of the same E (`kernel::graphs::naive`) and (b) the closed
//! form the assignment derives. Odd sizes throughout.
mod common;
use common::*;
use kernel::gradcheck::{central_difference, max_relative_difference};
use kernel::graphs::{ex21, ex22, ex23, ex24, ex25, naive};
use kernel::{Activation, Matrix};

const FD_TOL: f64 = 1e-4;
const CLOSED_TOL: f64 = 1e-5;
const H: f64 = 1e-6;

#[test]
fn ex21_matches_fd_and_eq27() {
    fn check<const I: usize, const J: usize>(seed: u64) {
        let mut r = rng(seed);
        let (w, x, y) = (
            rand_matrix::<I, J>(&mut r, -1.0, 1.0),
            rand_array::<J>(&mut r, -1.0, 1.0),
            rand_array::<I>(&mut r, -1.0, 1.0),
        );
        let mut cache = ex21::Cache::default();
        let e = ex21::forward(&mut cache, &w, &x, &y);
        let mut dw = Matrix::<I, J>::zeros();
        ex21::backward(&mut dw, &cache, &x);
        let (x64, y64) = (to64(&x), to64(&y));
        let e64 = |w: &[f64]| naive::ex21_loss(w, &x64, &y64);
        let w64 = to64(w.as_slice());
        assert!((e as f64 - e64(&w64)).abs() <= 1e-5 * e64(&w64).max(1.0));
        assert_grad_close("ex21 fd", dw.as_slice(), &fd_grad(e64, &w64, H), FD_TOL);
        assert_grad_close(
            "ex21 eq27",
            dw.as_slice(),
            &to64(ex21::closed_form(&w, &x, &y).as_slice()),
            CLOSED_TOL,
        );
    }
    check::<3, 5>(1);
    check::<7, 2>(2);
    check::<1, 9>(3);
}

#[test]
fn ex22_matches_fd_and_eq43() {
    fn check<const I: usize, const J: usize>(seed: u64, phi: Activation) {
        let mut r = rng(seed);
        let (w, x, y) = (
            rand_matrix::<I, J>(&mut r, -1.0, 1.0),
            rand_array::<J>(&mut r, -1.0, 1.0),
            rand_array::<I>(&mut r, -1.0, 1.0),
        );
        let mut cache = ex22::Cache::default();
        ex22::forward(&mut cache, &w, &x, &y, phi);
        let mut dw = Matrix::<I, J>::zeros();
        ex22::backward(&mut dw, &cache, &x, phi);
        let (x64, y64) = (to64(&x), to64(&y));
        let e64 = |w: &[f64]| naive::ex22_loss(w, &x64, &y64, phi);
        let w64 = to64(w.as_slice());
        assert_grad_close("ex22 fd", dw.as_slice(), &fd_grad(e64, &w64, H), FD_TOL);
        assert_grad_close(
            "ex22 eq43",
            dw.as_slice(),
            &to64(ex22::closed_form(&w, &x, &y, phi).as_slice()),
            CLOSED_TOL,
        );
    }
    for (s, phi) in Activation::ALL.into_iter().enumerate() {
        check::<3, 5>(10 + s as u64, phi);
        check::<7, 2>(20 + s as u64, phi);
    }
}

fn check_ex23<const J: usize, const K: usize, const I: usize>(seed: u64, p1: Activation, p2: Activation) {
    let mut r = rng(seed);
    let (w1, w2) = (rand_matrix::<K, J>(&mut r, -1.0, 1.0), rand_matrix::<I, K>(&mut r, -1.0, 1.0));
    let (x, y) = (rand_array::<J>(&mut r, -1.0, 1.0), rand_array::<I>(&mut r, -1.0, 1.0));
    let mut cache = ex23::Cache::default();
    ex23::forward(&mut cache, &w1, &w2, &x, &y, p1, p2);
    let (mut dw1, mut dw2) = (Matrix::<K, J>::zeros(), Matrix::<I, K>::zeros());
    ex23::backward(&mut dw1, &mut dw2, &cache, &w2, &x, p1, p2);
    let (w1_64, w2_64, x64, y64) = (to64(w1.as_slice()), to64(w2.as_slice()), to64(&x), to64(&y));
    let fd1 = fd_grad(|w| naive::ex23_loss(w, &w2_64, &x64, &y64, p1, p2), &w1_64, H);
    let fd2 = fd_grad(|w| naive::ex23_loss(&w1_64, w, &x64, &y64, p1, p2), &w2_64, H);
    assert_grad_close("ex23 W1 fd", dw1.as_slice(), &fd1, FD_TOL);
    assert_grad_close("ex23 W2 fd", dw2.as_slice(), &fd2, FD_TOL);
    let (c1, c2) = ex23::closed_form(&cache, &w2, &x, p1, p2);
    assert_grad_close("ex23 W1 eqs 67/69", dw1.as_slice(), &to64(c1.as_slice()), CLOSED_TOL);
    assert_grad_close("ex23 W2 eqs 68/70", dw2.as_slice(), &to64(c2.as_slice()), CLOSED_TOL);
}

#[test]
fn ex23_matches_fd_and_eqs67_68() {
    let mut s = 100;
    for p1 in Activation::ALL {
        for p2 in Activation::ALL {
            s += 1;
            check_ex23::<5, 3, 4>(s, p1, p2);
            check_ex23::<2, 7, 3>(s + 50, p1, p2);
        }
    }
}

#[test]
fn ex24_matches_fd_and_eqs72_73() {
    fn check<const N: usize, const J: usize, const K: usize, const I: usize>(seed: u64, p1: Activation, p2: Activation) {
        let mut r = rng(seed);
        let (w1, w2) = (rand_matrix::<K, J>(&mut r, -1.0, 1.0), rand_matrix::<I, K>(&mut r, -1.0, 1.0));
        let (x, y) = (rand_matrix::<N, J>(&mut r, -1.0, 1.0), rand_matrix::<N, I>(&mut r, -1.0, 1.0));
        let mut cache = ex24::Cache::default();
        ex24::forward(&mut cache, &w1, &w2, &x, &y, p1, p2);
        let (mut dw1, mut dw2) = (Matrix::<K, J>::zeros(), Matrix::<I, K>::zeros());
        ex24::backward(&mut dw1, &mut dw2, &cache, &w2, &x, p1, p2);
        let (w1_64, w2_64, x64, y64) = (to64(w1.as_slice()), to64(w2.as_slice()), to64(x.as_slice()), to64(y.as_slice()));
        let fd1 = fd_grad(|w| naive::ex24_loss(w, &w2_64, &x64, &y64, K, p1, p2), &w1_64, H);
        let fd2 = fd_grad(|w| naive::ex24_loss(&w1_64, w, &x64, &y64, K, p1, p2), &w2_64, H);
        assert_grad_close("ex24 W1 fd", dw1.as_slice(), &fd1, FD_TOL);
        assert_grad_close("ex24 W2 fd", dw2.as_slice(), &fd2, FD_TOL);
        let (c1, c2) = ex24::closed_form(&cache, &w2, &x, p1, p2);
        assert_grad_close("ex24 W1 eq72", dw1.as_slice(), &to64(c1.as_slice()), CLOSED_TOL);
        assert_grad_close("ex24 W2 eq73", dw2.as_slice(), &to64(c2.as_slice()), CLOSED_TOL);
    }
    let mut s = 200;
    for p1 in Activation::ALL {
        for p2 in Activation::ALL {
            s += 1;
            check::<3, 5, 4, 2>(s, p1, p2);
            check::<7, 2, 3, 5>(s + 50, p1, p2);
        }
    }
}

#[test]
fn ex25_sums_both_paths() {
    fn check<const K: usize>(seed: u64, p1: Activation, p2: Activation) {
        let mut r = rng(seed);
        let w = rand_matrix::<K, K>(&mut r, -1.0, 1.0);
        let (x, y) = (rand_array::<K>(&mut r, -1.0, 1.0), rand_array::<K>(&mut r, -1.0, 1.0));
        let mut cache = ex23::Cache::default();
        ex25::forward(&mut cache, &w, &x, &y, p1, p2);
        let mut dw = Matrix::<K, K>::zeros();
        ex25::backward(&mut dw, &cache, &w, &x, p1, p2);
        let (w64, x64, y64) = (to64(w.as_slice()), to64(&x), to64(&y));
        let fd = fd_grad(|w| naive::ex25_loss(w, &x64, &y64, p1, p2), &w64, H);
        assert_grad_close("ex25 fd", dw.as_slice(), &fd, FD_TOL);
        assert_grad_close(
            "ex25 eq95",
            dw.as_slice(),
            &to64(ex25::closed_form(&cache, &w, &x, p1, p2).as_slice()),
            CLOSED_TOL,
        );
    }
    let mut s = 300;
    for p1 in Activation::ALL {
        for p2 in Activation::ALL {
            s += 1;
            check::<3>(s, p1, p2);
            check::<5>(s + 50, p1, p2);
        }
    }
}

#[test]
fn backward_accumulates() {
    // Two backward calls without zeroing give twice the gradient (llm.c's +=).
    let mut r = rng(7);
    let (w, x, y) = (
        rand_matrix::<3, 4>(&mut r, -1.0, 1.0),
        rand_array::<4>(&mut r, -1.0, 1.0),
        rand_array::<3>(&mut r, -1.0, 1.0),
    );
    let mut cache = ex21::Cache::default();
    ex21::forward(&mut cache, &w, &x, &y);
    let (mut once, mut twice) = (Matrix::<3, 4>::zeros(), Matrix::<3, 4>::zeros());
    ex21::backward(&mut once, &cache, &x);
    ex21::backward(&mut twice, &cache, &x);
    ex21::backward(&mut twice, &cache, &x);
    for (a, b) in once.as_slice().iter().zip(twice.as_slice()) {
        assert_eq!(2.0 * a, *b);
    }
}

#[test]
fn gradcheck_helpers() {
    // Central differences of a cubic are exact up to rounding, and x is restored.
    let mut x = [1.0, -2.0, 0.5];
    let mut g = [0.0; 3];
    central_difference(&mut g, &mut x, 1e-5, |v| v[0] * v[0] * v[0] + 3.0 * v[1] * v[2]);
    assert_eq!(x, [1.0, -2.0, 0.5]);
    for (a, b) in g.iter().zip([3.0, 1.5, -6.0]) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
    // Large entries are relative, tiny ones relative to the largest; NaN fails.
    assert_eq!(max_relative_difference(&[2.0, 0.0], &[1.0, 0.0]), 1.0);
    assert!((max_relative_difference(&[100.0, 1e-3], &[100.0, 0.0]) - 1e-5).abs() < 1e-12);
    assert_eq!(max_relative_difference(&[0.0], &[0.0]), 0.0);
    assert!(max_relative_difference(&[f32::NAN, 1.0], &[1.0, 1.0]).is_nan());
    assert!(max_relative_difference(&[1.0, 1.0], &[1.0, f64::NAN]).is_nan());
}

#[test]
fn naive_losses_agree_with_each_other() {
    // Eq. 71 with N = 1 is eq. 45, and eq. 45 with W1 = W2 is eq. 74; eq. 28
    // with φ = relu on a positive pre-activation is eq. 15.
    let mut r = rng(11);
    let (w1, w2) = (rand_matrix::<3, 5>(&mut r, -1.0, 1.0), rand_matrix::<4, 3>(&mut r, -1.0, 1.0));
    let (x, y) = (rand_array::<5>(&mut r, -1.0, 1.0), rand_array::<4>(&mut r, -1.0, 1.0));
    let (w1, w2, x, y) = (to64(w1.as_slice()), to64(w2.as_slice()), to64(&x), to64(&y));
    for p1 in Activation::ALL {
        for p2 in Activation::ALL {
            let e23 = naive::ex23_loss(&w1, &w2, &x, &y, p1, p2);
            assert_eq!(e23, naive::ex24_loss(&w1, &w2, &x, &y, 3, p1, p2));
            let sq = &w1[..9];
            assert_eq!(
                naive::ex25_loss(sq, &x[..3], &y[..3], p1, p2),
                naive::ex23_loss(sq, sq, &x[..3], &y[..3], p1, p2)
            );
        }
    }
    let pos: Vec<f64> = w1.iter().map(|v| v.abs()).collect();
    let xp: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    let e15 = naive::ex21_loss(&pos, &xp, &y[..3]);
    assert!((e15 - naive::ex22_loss(&pos, &xp, &y[..3], Activation::Relu)).abs() <= 1e-15 * e15.max(1.0));
    assert!((naive::phi(Activation::Sigmoid, 0.0) - 0.5).abs() < 1e-16);
}
