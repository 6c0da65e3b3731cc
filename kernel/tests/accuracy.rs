//! Release-mode sweep of ≥ 50 million evenly strided f32 bit patterns per
//! activation against f64 (the bound is the table in `kernel::activation`),
//! plus the special values.
use kernel::accuracy::{SweepStats, PROBES};
use kernel::activation::*;

/// 2^32 / 83 ≈ 51.7 million inputs; 83 is odd, so every exponent and both
/// signs are visited with varied mantissas.
const STRIDE: u64 = 83;
const BOUND_ULP: u32 = 2;

fn check(name: &str) {
    let probe = PROBES.iter().find(|p| p.0 == name).unwrap();
    let s = SweepStats::sweep(probe, 0, 1 << 32, STRIDE);
    assert!(s.count > 50_000_000, "{name}: only {} finite inputs", s.count);
    assert!(
        s.max_ulp <= BOUND_ULP,
        "{name}: {} ULP at x = {:e} (bits {:#010x})",
        s.max_ulp,
        s.worst_input,
        s.worst_input.to_bits()
    );
    assert_eq!(s.nan_outputs, 0, "{name}: NaN for finite input");
    assert_eq!(s.inf_outputs, 0, "{name}: inf for finite input with finite result");
}

#[test]
fn sigmoid_within_bound() {
    check("sigmoid");
}
#[test]
fn log_sigmoid_within_bound() {
    check("log_sigmoid");
}
#[test]
fn softplus_within_bound() {
    check("softplus");
}
#[test]
fn tanh_within_bound() {
    check("tanh");
}
#[test]
fn lanes_exp_within_bound() {
    check("lanes::exp_nonpositive(-|x|)");
}
#[test]
fn lanes_ln_1p_within_bound() {
    check("lanes::ln_1p_unit(fold(x))");
}

#[test]
fn lanes_sigmoid_within_bound() {
    check("lanes::sigmoid");
}

#[test]
fn special_values() {
    let inf = f32::INFINITY;
    // (function, input, expected); expected NaN means NaN.
    type Case = (&'static str, fn(f32) -> f32, f32, f32);
    let table: [Case; 16] = [
        ("sigmoid", sigmoid, inf, 1.0),
        ("sigmoid", sigmoid, -inf, 0.0),
        ("sigmoid", sigmoid, 0.0, 0.5),
        ("sigmoid", sigmoid, f32::NAN, f32::NAN),
        ("log_sigmoid", log_sigmoid, inf, 0.0),
        ("log_sigmoid", log_sigmoid, -inf, -inf),
        ("log_sigmoid", log_sigmoid, f32::NAN, f32::NAN),
        ("softplus", softplus, inf, inf),
        ("softplus", softplus, -inf, 0.0),
        ("softplus", softplus, f32::NAN, f32::NAN),
        ("tanh", tanh, inf, 1.0),
        ("tanh", tanh, -inf, -1.0),
        ("tanh", tanh, f32::NAN, f32::NAN),
        ("relu", relu, inf, inf),
        ("relu", relu, -inf, 0.0),
        ("relu", relu, f32::NAN, f32::NAN),
    ];
    for (name, f, x, want) in table {
        let got = f(x);
        if want.is_nan() {
            assert!(got.is_nan(), "{name}({x}) = {got}, want NaN");
        } else {
            assert_eq!(got, want, "{name}({x})");
        }
    }
    // The edge inputs of the libm style: 0, ±1, ±88 (≈ ln f32::MAX), subnormals.
    for x in [
        0.0f32,
        -0.0,
        1.0,
        -1.0,
        88.0,
        -88.0,
        89.0,
        -89.0,
        1e-45,
        -1e-45,
        f32::MIN_POSITIVE,
        f32::MAX,
        f32::MIN,
    ] {
        for p in &PROBES {
            let y = (p.1)(x);
            let r = (p.2)(x as f64) as f32;
            assert!(
                kernel::accuracy::ulp_distance(y, r) <= BOUND_ULP,
                "{}({x:e}) = {y:e}, reference {r:e}",
                p.0
            );
        }
        assert!(!sigmoid(x).is_nan() && (0.0..=1.0).contains(&sigmoid(x)));
    }
}
