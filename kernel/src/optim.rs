//! Optimisers over parameter blocks (docs/03-autoencoder.md, "Ex 3.4 and 3.5: training").

use crate::math;
use crate::params::ParamBlocks;

/// Adam, exactly as the assignment's code appendix writes it:
///
/// ```text
/// m = b1 * m_prev + (1 - b1)*grad
/// v = b2 * v_prev + (1 - b2)*(grad ** 2)
/// m_hat = m / (1 - (b1 ** k))
/// v_hat = v / (1 - (b2 ** k))
/// weight -= (rate / (np.sqrt(v_hat) + l))*m_hat
/// ```
///
/// with k the 1-based step count. (PyTorch's Adam, used by the VAE
/// appendix, is the same update.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    /// Learning rate (`rate`; 0.05 for the autoencoder, 1e-3 for the VAE).
    pub lr: f32,
    /// First-moment decay β1 (`b1` = 0.9).
    pub beta1: f32,
    /// Second-moment decay β2 (`b2` = 0.999).
    pub beta2: f32,
    /// ε added to √v̂ (`l` = 1e-10 in the autoencoder appendix, 1e-8 in PyTorch).
    pub eps: f32,
}

impl Adam {
    /// The autoencoder appendix's settings: rate 0.05, β = (0.9, 0.999), ε = 1e-10.
    pub const ASSIGNMENT_AUTOENCODER: Adam = Adam {
        lr: 0.05,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-10,
    };
    /// PyTorch's defaults, used by the VAE appendix: rate 1e-3, ε = 1e-8.
    pub const PYTORCH_DEFAULT: Adam = Adam {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

    /// One Adam update of a flat block, step `k` ≥ 1.
    ///
    /// Buffers: `w`, `m`, `v`, `grad` all of one length.
    #[inline]
    pub fn update_block(&self, w: &mut [f32], m: &mut [f32], v: &mut [f32], grad: &[f32], k: u32) {
        self.update_block_with(w, m, v, grad, k, math::sqrt);
    }

    /// [`Self::update_block`] with the caller's square root, which must be
    /// correctly rounded (IEEE 754's `sqrt` is): then the result is the same
    /// bits. libm's `sqrtf` is inline assembly, which LLVM cannot vectorise,
    /// and leaves the loop scalar, four divisions and a square root per
    /// parameter; std's `f32::sqrt` (an LLVM intrinsic) lets it run 8 lanes
    /// at a time on the AVX path.
    #[inline]
    pub fn update_block_with(&self, w: &mut [f32], m: &mut [f32], v: &mut [f32], grad: &[f32], k: u32, sqrt: impl Fn(f32) -> f32) {
        debug_assert!(k >= 1);
        debug_assert!(w.len() == m.len() && w.len() == v.len() && w.len() == grad.len());
        let bc1 = 1.0 - math::pow(self.beta1, k as f32);
        let bc2 = 1.0 - math::pow(self.beta2, k as f32);
        crate::simd::dispatch(|| self.update_block_body(w, m, v, grad, (bc1, bc2), &sqrt));
    }

    /// The loop of [`Self::update_block_with`], with the bias corrections
    /// `bc` = (1 − β1^k, 1 − β2^k); inlined into the portable and the AVX build.
    #[inline(always)]
    fn update_block_body(
        &self,
        w: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grad: &[f32],
        (bc1, bc2): (f32, f32),
        sqrt: &impl Fn(f32) -> f32,
    ) {
        let (b1, b2) = (self.beta1, self.beta2);
        for (((w, m), v), &g) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(grad) {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * (g * g);
            let m_hat = *m / bc1;
            let v_hat = *v / bc2;
            *w -= (self.lr / (sqrt(v_hat) + self.eps)) * m_hat;
        }
    }

    /// One Adam step `k` ≥ 1 of a whole model: `params`, first moments `m`,
    /// second moments `v` and `grad` share one [`ParamBlocks`] layout.
    pub fn step<P: ParamBlocks>(&self, params: &mut P, m: &mut P, v: &mut P, grad: &P, k: u32) {
        self.step_with(params, m, v, grad, k, math::sqrt);
    }

    /// [`Self::step`] with the caller's correctly rounded square root (see
    /// [`Self::update_block_with`]): the same bits.
    pub fn step_with<P: ParamBlocks>(&self, params: &mut P, m: &mut P, v: &mut P, grad: &P, k: u32, sqrt: impl Fn(f32) -> f32) {
        let g = grad.blocks();
        for (((w, m), v), (_, g)) in params.blocks_mut().into_iter().zip(m.blocks_mut()).zip(v.blocks_mut()).zip(g) {
            self.update_block_with(w, m, v, g, k, &sqrt);
        }
    }
}

/// Plain gradient descent, w ← w − lr · g.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f32,
}

impl Sgd {
    /// One SGD update of a whole model.
    pub fn step<P: ParamBlocks>(&self, params: &mut P, grad: &P) {
        for (w, (_, g)) in params.blocks_mut().into_iter().zip(grad.blocks()) {
            for (w, &g) in w.iter_mut().zip(g) {
                *w -= self.lr * g;
            }
        }
    }
}
