//! Parameter blocks: how optimisers, checkpoints and gradient checks see a
//! model without the kernel knowing its layout.

/// The most blocks a model exposes (the VAE has ten: five layers × W, b).
pub const MAX_BLOCKS: usize = 12;

/// A model (or its gradient, or its Adam moments) as named flat f32 blocks.
///
/// Implementors list their blocks in a fixed order; that order is the order
/// of optimiser updates, of safetensors tensors and of gradient sums.
pub trait ParamBlocks {
    /// The blocks, read-only, with their names, in the fixed order.
    fn blocks(&self) -> heapless::Vec<(&'static str, &[f32]), MAX_BLOCKS>;
    /// The blocks, writable, in the same order.
    fn blocks_mut(&mut self) -> heapless::Vec<&mut [f32], MAX_BLOCKS>;

    /// Sets every parameter to zero (the explicit zero-grad of llm.c).
    #[inline]
    fn zero(&mut self) {
        for b in self.blocks_mut() {
            b.fill(0.0);
        }
    }

    /// `self += other`, block by block, element by element in order.
    #[inline]
    fn add_assign(&mut self, other: &Self) {
        let src = other.blocks();
        for (dst, (_, s)) in self.blocks_mut().into_iter().zip(src) {
            for (d, s) in dst.iter_mut().zip(s.iter()) {
                *d += *s;
            }
        }
    }

    /// Total number of scalars.
    #[inline]
    fn len(&self) -> usize {
        self.blocks().iter().map(|(_, b)| b.len()).sum()
    }

    /// True when the model has no parameters.
    #[inline]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
