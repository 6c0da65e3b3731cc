//! One input at a time: trained layers packed for inference, the use an
//! embedded target has for the kernel once training is done.
//!
//! The batch forward passes compute x·Wᵀ with the packed GEMM core, which
//! re-packs W on every call: right for a chunk of 100 images, wasteful for
//! one, where packing costs as much as the product. A [`PackedLinear`]
//! stores Wᵀ once, so that one input's product runs along contiguous rows
//! of Wᵀ with its sums in registers ([`crate::matrix::vecmat_acc`]),
//! skipping the inputs that are zero ([`vecmat_skip_zeros`]).
//!
//! Every output is the same sum as in the batch path: b_o plus
//! Σ_i W_oi x_i summed from 0 in i order, the bias added last. So
//! [`AutoencoderInference::logits`] equals the row of
//! [`crate::autoencoder::forward`]'s f^(5), and [`DecoderInference::logits`]
//! the decoder's logits in [`crate::vae::gaussian::forward`], bit for bit
//! (`kernel/tests/inference.rs`). The probabilities use [`lanes::sigmoid`],
//! the loss's branch-free σ.

use crate::activation::Activation;
use crate::autoencoder::Autoencoder;
use crate::dense::Linear;
use crate::lanes;
use crate::matrix::{vecmat, vecmat_skip_zeros, Matrix};
use crate::vae::GaussianVae;

/// A layer y = W x + b stored as Wᵀ (IN × OUT) and b (OUT).
#[derive(Clone, Debug, PartialEq)]
pub struct PackedLinear<const IN: usize, const OUT: usize> {
    /// Wᵀ, IN × OUT: row i holds the weights of input i for every output.
    pub wt: Matrix<IN, OUT>,
    /// b, OUT.
    pub b: [f32; OUT],
    /// Whether every weight was finite when packed: then [`packed_forward`]
    /// may skip the zero inputs ([`vecmat_skip_zeros`]). False in a zeroed
    /// layer and after editing `wt` by hand, until the next [`Self::pack`].
    finite: bool,
}

impl<const IN: usize, const OUT: usize> PackedLinear<IN, OUT> {
    /// Packs W (OUT × IN, as trained) and b. In place, so that a large
    /// layer can live in a zeroed box or a static.
    pub fn pack(&mut self, w: &Matrix<OUT, IN>, b: &[f32; OUT]) {
        for (o, wrow) in w.0.iter().enumerate() {
            for (i, &v) in wrow.iter().enumerate() {
                self.wt.0[i][o] = v;
            }
        }
        self.b = *b;
        self.finite = w.as_slice().iter().all(|v| v.is_finite());
    }

    /// A layer of zeros, to [`Self::pack`] (built on the stack: box large
    /// ones zeroed instead).
    #[must_use]
    pub const fn zeros() -> Self {
        PackedLinear {
            wt: Matrix::zeros(),
            b: [0.0; OUT],
            finite: false,
        }
    }

    /// Packs a [`Linear`] layer.
    #[inline]
    pub fn pack_linear(&mut self, layer: &Linear<OUT, IN>) {
        self.pack(&layer.w, &layer.b);
    }
}

/// out = W x + b for one input: out_o is Σ_i W_oi x_i (from 0, in i order)
/// plus b_o, the row of [`crate::dense::linear_forward`] and of eqs.
/// 103–104 and 106–107. Shapes: out (OUT), x (IN).
///
/// The terms of the inputs that are ±0 are skipped when the packed weights
/// are finite, which gives the same bits ([`vecmat_skip_zeros`]).
#[inline]
pub fn packed_forward<const IN: usize, const OUT: usize>(out: &mut [f32; OUT], x: &[f32; IN], layer: &PackedLinear<IN, OUT>) {
    if layer.finite {
        vecmat_skip_zeros(out, x, &layer.wt); // out_o = Σ_{i: x_i ≠ 0} x_i Wᵀ_io
    } else {
        vecmat(out, x, &layer.wt); // out_o = Σ_i x_i Wᵀ_io
    }
    for (o, &b) in out.iter_mut().zip(&layer.b) {
        *o += b;
    }
}

/// v = σ(v) elementwise, in place ([`lanes::sigmoid`]), vectorised.
#[inline]
pub fn sigmoid_inplace(v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::avx512_enabled() {
        crate::simd::sigmoid_inplace_avx512(v);
        return;
    } else if crate::simd::avx_enabled() {
        crate::simd::sigmoid_inplace_avx(v);
        return;
    }
    sigmoid_inplace_body(v);
}

/// The body of [`sigmoid_inplace`], inlined into the portable, the AVX and
/// the AVX-512 build.
#[inline(always)]
pub(crate) fn sigmoid_inplace_body(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = lanes::sigmoid(*x);
    }
}

/// The autoencoder of eq. 97 packed for one image at a time (plain f32
/// arrays, so it can be zero-initialised in a box or a static, then packed).
#[derive(Clone, Debug, PartialEq)]
pub struct AutoencoderInference<const D: usize, const H: usize> {
    /// W1, b1 (eqs. 103–104).
    pub enc: PackedLinear<D, H>,
    /// W2, b2 (eqs. 106–107).
    pub dec: PackedLinear<H, D>,
}

impl<const D: usize, const H: usize> AutoencoderInference<D, H> {
    /// Packs a trained model.
    pub fn pack(&mut self, model: &Autoencoder<D, H>) {
        self.enc.pack(&model.w1, &model.b1);
        self.dec.pack(&model.w2, &model.b2);
    }

    /// `code` = φ(b1 + W1 x) (f^(3), eqs. 103–105) and `logits` =
    /// b2 + W2 code (f^(5), eqs. 106–107) for one image x.
    pub fn logits(&self, logits: &mut [f32; D], code: &mut [f32; H], x: &[f32; D], phi: Activation) {
        packed_forward(code, x, &self.enc);
        for c in code.iter_mut() {
            *c = phi.apply(*c);
        }
        packed_forward(logits, code, &self.dec);
    }

    /// The reconstruction f(x) = σ(f^(5)) of eq. 97 (eq. 108) into `out`;
    /// `code` is scratch (and holds f^(3) afterwards).
    pub fn reconstruct(&self, out: &mut [f32; D], code: &mut [f32; H], x: &[f32; D], phi: Activation) {
        self.logits(out, code, x, phi);
        sigmoid_inplace(out);
    }
}

/// The decoder of the Gaussian VAE (Z → D → X) packed for one code at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct DecoderInference<const X: usize, const Z: usize, const D: usize> {
    /// dec1, Z → D.
    pub dec1: PackedLinear<Z, D>,
    /// dec2, D → X: the logits.
    pub dec2: PackedLinear<D, X>,
}

impl<const X: usize, const Z: usize, const D: usize> DecoderInference<X, Z, D> {
    /// Packs the decoder of a trained model.
    pub fn pack<const E: usize>(&mut self, model: &GaussianVae<X, E, Z, D>) {
        self.dec1.pack_linear(&model.dec1);
        self.dec2.pack_linear(&model.dec2);
    }

    /// `logits` = dec2(relu(dec1(z))) for one code z; `hidden` is scratch.
    pub fn logits(&self, logits: &mut [f32; X], hidden: &mut [f32; D], z: &[f32; Z]) {
        packed_forward(hidden, z, &self.dec1);
        for h in hidden.iter_mut() {
            *h = crate::activation::relu(*h);
        }
        packed_forward(logits, hidden, &self.dec2);
    }

    /// The Bernoulli means σ(logits) for one code z into `out`.
    pub fn decode(&self, out: &mut [f32; X], hidden: &mut [f32; D], z: &[f32; Z]) {
        self.logits(out, hidden, z);
        sigmoid_inplace(out);
    }
}
