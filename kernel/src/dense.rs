//! Fully connected layers and ReLU, each forward next to its backward in
//! llm.c's style (docs/04-vae.md, "Layers"): the building blocks of the two
//! VAEs of [`crate::vae`], which are stacks of the appendix's `nn.Linear`.
//!
//! Activations are stored one row per image, so a layer maps a B × IN chunk
//! to a B × OUT chunk. Backward functions accumulate (`+=`) into parameter
//! gradients and overwrite the message to their input, as in
//! [`crate::autoencoder::backward`].

use crate::activation::{relu, relu_grad};
use crate::matrix::{col_sums_acc, matmul, matmul_a_bt, matmul_at_b_acc, Matrix};
use crate::rng;
use rand_core::RngCore;

/// A fully connected layer y = W x + b (PyTorch's `nn.Linear(IN, OUT)`).
/// Also used for its gradient and for Adam's moments, which share the layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<const OUT: usize, const IN: usize> {
    /// W, OUT × IN (PyTorch's `weight`).
    pub w: Matrix<OUT, IN>,
    /// b, OUT (PyTorch's `bias`).
    pub b: [f32; OUT],
}

impl<const OUT: usize, const IN: usize> Linear<OUT, IN> {
    /// PyTorch's default `nn.Linear` initialisation, as the appendix's VAE
    /// gets it: W and b uniform on ±1/√IN (`kaiming_uniform_(a=√5)` has bound
    /// √(1/3)·√(3/IN) = 1/√IN), W drawn before b, row after row.
    pub fn init_uniform<R: RngCore + ?Sized>(&mut self, rng: &mut R) {
        let s = 1.0 / crate::math::sqrt(IN as f32);
        rng::fill_uniform(rng, self.w.as_mut_slice(), -s, s);
        rng::fill_uniform(rng, &mut self.b, -s, s);
    }
}

/// out = x Wᵀ + b over a chunk: out_no = b_o + Σ_i W_oi x_ni.
/// Shapes: out (B × OUT), x (B × IN), W (OUT × IN), b (OUT).
pub fn linear_forward<const B: usize, const IN: usize, const OUT: usize>(
    out: &mut Matrix<B, OUT>,
    x: &Matrix<B, IN>,
    layer: &Linear<OUT, IN>,
) {
    matmul_a_bt(out, x, &layer.w); // (B × IN)·(IN × OUT)
    for row in out.0.iter_mut() {
        for (o, &b) in row.iter_mut().zip(&layer.b) {
            *o += b;
        }
    }
}

/// The reverse of [`linear_forward`], given the message `dout` = ∂E/∂out:
/// `dlayer.w += doutᵀ x`, `dlayer.b += Σ_n dout_n` (accumulated), and, when
/// asked for, `dx = dout W` (overwritten). Pass `None` for the first layer,
/// whose input is the data.
/// Shapes: dW (OUT × IN) += (OUT × B)·(B × IN); db (OUT); dx (B × IN) =
/// (B × OUT)·(OUT × IN).
pub fn linear_backward<const B: usize, const IN: usize, const OUT: usize>(
    dlayer: &mut Linear<OUT, IN>,
    dx: Option<&mut Matrix<B, IN>>,
    dout: &Matrix<B, OUT>,
    x: &Matrix<B, IN>,
    layer: &Linear<OUT, IN>,
) {
    matmul_at_b_acc(&mut dlayer.w, dout, x); // dW_oi += Σ_n dout_no x_ni
    col_sums_acc(&mut dlayer.b, dout); // db_o += Σ_n dout_no
    if let Some(dx) = dx {
        matmul(dx, dout, &layer.w); // dx_ni = Σ_o dout_no W_oi
    }
}

/// x = relu(x) elementwise, in place (the appendix's `self.relu`).
pub fn relu_forward_inplace<const R: usize, const C: usize>(x: &mut Matrix<R, C>) {
    x.map_inplace(relu);
}

/// dpre *= relu'(pre) elementwise: the message through a ReLU, in place.
///
/// `pre` may be the pre-activation a or the activation relu(a): relu(a) > 0
/// exactly when a > 0, so both give the same relu' (the assignment's
/// `d_relu`, 0 at 0). Models that apply [`relu_forward_inplace`] therefore
/// keep only the activation.
///
/// # Numerical stability
/// Written as a select, not a product: a dead unit passes exactly 0 even if
/// its incoming message is ±∞ or NaN (∞·0 would be NaN).
pub fn relu_backward_inplace<const R: usize, const C: usize>(dpre: &mut Matrix<R, C>, pre: &Matrix<R, C>) {
    for (d, &p) in dpre.as_mut_slice().iter_mut().zip(pre.as_slice()) {
        if relu_grad(p) == 0.0 {
            *d = 0.0;
        }
    }
}

/// The [`crate::ParamBlocks`] methods of a model made of [`Linear`] layers:
/// for each listed field, its weights `FIELD.w` then its bias `FIELD.b`, in
/// the order given (which is the order of updates and of saved tensors).
macro_rules! linear_param_blocks {
    ($($layer:ident),+ $(,)?) => {
        fn blocks(&self) -> heapless::Vec<(&'static str, &[f32]), { $crate::params::MAX_BLOCKS }> {
            heapless::Vec::from_iter([$(
                (concat!(stringify!($layer), ".w"), self.$layer.w.as_slice()),
                (concat!(stringify!($layer), ".b"), &self.$layer.b[..]),
            )+])
        }
        fn blocks_mut(&mut self) -> heapless::Vec<&mut [f32], { $crate::params::MAX_BLOCKS }> {
            heapless::Vec::from_iter([$(self.$layer.w.as_mut_slice(), &mut self.$layer.b[..],)+])
        }
    };
}
pub(crate) use linear_param_blocks;
