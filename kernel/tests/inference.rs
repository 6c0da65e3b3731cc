//! One-image inference (`kernel::inference`) against the batch forward
//! passes it must reproduce bit for bit, on shapes that take every block
//! path of `vecmat_acc` (whole rows up to 64 columns; blocks of 32, 16, 8
//! and single columns beyond), on the portable path and, where the CPU has
//! them, on the AVX and AVX-512 paths.
mod common;
use common::*;
use kernel::autoencoder::{self, Autoencoder, Workspace};
use kernel::dense::Linear;
use kernel::inference::{AutoencoderInference, DecoderInference, PackedLinear};
use kernel::vae::{gaussian, GaussianVae};
use kernel::{lanes, Activation, Matrix};

const B: usize = 3;

fn packed<const IN: usize, const OUT: usize>() -> PackedLinear<IN, OUT> {
    PackedLinear::zeros()
}

/// A random autoencoder D-H-D, packed, checked against `autoencoder::forward`
/// row by row for every φ.
fn autoencoder_case<const D: usize, const H: usize>(seed: u64) {
    let mut r = rng(seed);
    let model = Autoencoder::<D, H> {
        w1: rand_matrix(&mut r, -1.0, 1.0),
        b1: rand_array(&mut r, -0.5, 0.5),
        w2: rand_matrix(&mut r, -2.0, 2.0),
        b2: rand_array(&mut r, -1.0, 1.0),
    };
    let mut x: Matrix<B, D> = rand_matrix(&mut r, 0.0, 1.0);
    // Zero pixels, as in MNIST (+0, and −0 once), which the packed path skips.
    for (i, v) in x.0.iter_mut().flatten().enumerate() {
        if i % 5 < 3 {
            *v = if i == 7 { -0.0 } else { 0.0 };
        }
    }
    let mut inf = AutoencoderInference::<D, H> {
        enc: packed(),
        dec: packed(),
    };
    inf.pack(&model);
    for phi in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
        let mut ws = Workspace::<B, D, H> {
            f2: Matrix::zeros(),
            f3: Matrix::zeros(),
            f5: Matrix::zeros(),
            t5: Matrix::zeros(),
            t3: Matrix::zeros(),
        };
        autoencoder::forward(&mut ws, &model, &x, phi);
        for n in 0..B {
            let (mut logits, mut code, mut prob) = ([9.0f32; D], [9.0f32; H], [9.0f32; D]);
            inf.logits(&mut logits, &mut code, &x.0[n], phi);
            assert_eq!(code, ws.f3.0[n], "code, D={D} H={H} {phi:?} image {n}");
            assert_eq!(logits, ws.f5.0[n], "logits, D={D} H={H} {phi:?} image {n}");
            inf.reconstruct(&mut prob, &mut code, &x.0[n], phi);
            for (&p, &z) in prob.iter().zip(&ws.f5.0[n]) {
                assert_eq!(p, lanes::sigmoid(z));
                // And σ itself, independently, in f64.
                let want = 1.0 / (1.0 + (-(z as f64)).exp());
                assert!(
                    (p as f64 - want).abs() <= 2.0 * f32::EPSILON as f64 * want,
                    "σ({z}) = {p} vs {want}"
                );
            }
        }
    }
}

/// A random Gaussian VAE X-E-Z-D-X; its packed decoder against
/// `gaussian::decode` row by row.
fn decoder_case<const X: usize, const E: usize, const Z: usize, const D: usize>(seed: u64) {
    fn lin<const O: usize, const I: usize>(r: &mut Rng, s: f32) -> Linear<O, I> {
        Linear {
            w: rand_matrix(r, -s, s),
            b: rand_array(r, -0.5 * s, 0.5 * s),
        }
    }
    let mut r = rng(seed);
    let model = GaussianVae::<X, E, Z, D> {
        enc1: lin(&mut r, 1.0),
        enc_mu: lin(&mut r, 1.0),
        enc_logvar: lin(&mut r, 1.0),
        dec1: lin(&mut r, 1.0),
        dec2: lin(&mut r, 1.5),
    };
    let z: Matrix<B, Z> = rand_matrix(&mut r, -2.0, 2.0);
    let mut ws = gaussian_workspace::<B, X, E, Z, D>();
    let mut prob_batch = Matrix::<B, X>::zeros();
    gaussian::decode(&mut prob_batch, &mut ws, &model, &z);
    let mut dec = DecoderInference::<X, Z, D> {
        dec1: packed(),
        dec2: packed(),
    };
    dec.pack(&model);
    for n in 0..B {
        let (mut logits, mut hidden, mut prob) = ([9.0f32; X], [9.0f32; D], [9.0f32; X]);
        dec.logits(&mut logits, &mut hidden, &z.0[n]);
        assert_eq!(hidden, ws.h2.0[n], "hidden, X={X} D={D} code {n}");
        assert_eq!(logits, ws.logits.0[n], "logits, X={X} D={D} code {n}");
        dec.decode(&mut prob, &mut hidden, &z.0[n]);
        assert_eq!(prob, logits.map(lanes::sigmoid));
    }
}

fn all_cases() {
    autoencoder_case::<12, 5>(1);
    autoencoder_case::<100, 30>(2); // H = 30: one 30-column row; D = 100: 3 × 32 + 4 × 1
    autoencoder_case::<57, 70>(3); // H = 70: 2 × 32 + 6 × 1; D = 57: one row
    autoencoder_case::<125, 9>(4); // D = 125: 3 × 32 + 16 + 8 + 5 × 1
    decoder_case::<90, 5, 3, 41>(5); // 41 in one row; 90 = 2 × 32 + 16 + 8 + 2 × 1
    decoder_case::<200, 4, 20, 120>(6); // Z = 20 as the ELBO VAE; 120 = 3 × 32 + 16 + 8; 200 = 6 × 32 + 8
}

#[test]
fn inference_reproduces_the_batch_forward_pass() {
    // The only test here that switches paths (see `for_each_simd_path`).
    for_each_simd_path(|_| all_cases());
}

/// A weight of ±∞ or NaN turns a zero input's term into NaN in the batch
/// pass; the packed pass must not skip it then.
#[test]
fn non_finite_weights_are_not_skipped() {
    let mut r = rng(7);
    for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
        let mut model = Autoencoder::<12, 5> {
            w1: rand_matrix(&mut r, -1.0, 1.0),
            b1: rand_array(&mut r, -0.5, 0.5),
            w2: rand_matrix(&mut r, -2.0, 2.0),
            b2: rand_array(&mut r, -1.0, 1.0),
        };
        model.w1.0[2][4] = bad; // hidden unit 2, pixel 4
        let mut x: Matrix<1, 12> = rand_matrix(&mut r, 0.1, 1.0);
        x.0[0][4] = 0.0;
        let mut inf = AutoencoderInference::<12, 5> {
            enc: packed(),
            dec: packed(),
        };
        inf.pack(&model);
        let (mut logits, mut code) = ([0.0f32; 12], [0.0f32; 5]);
        inf.logits(&mut logits, &mut code, &x.0[0], Activation::Sigmoid);
        assert!(code[2].is_nan(), "{bad}: code {code:?}");
        assert!(code.iter().enumerate().all(|(j, c)| j == 2 || c.is_finite()));
    }
}

#[test]
fn lanes_sigmoid_edges() {
    assert_eq!(lanes::sigmoid(0.0), 0.5);
    assert_eq!(lanes::sigmoid(f32::INFINITY), 1.0);
    assert_eq!(lanes::sigmoid(f32::NEG_INFINITY), 0.0);
    assert_eq!(lanes::sigmoid(1000.0), 1.0);
    assert_eq!(lanes::sigmoid(-1000.0), 0.0);
    assert!(lanes::sigmoid(f32::NAN).is_nan());
    for z in [-80.0f32, -20.0, -3.5, -1.0, -1e-6, 1e-6, 1.0, 3.5, 20.0] {
        let want = 1.0 / (1.0 + (-(z as f64)).exp());
        let got = lanes::sigmoid(z) as f64;
        assert!((got - want).abs() <= 2.0 * f32::EPSILON as f64 * want, "σ({z}) = {got} vs {want}");
    }
}
