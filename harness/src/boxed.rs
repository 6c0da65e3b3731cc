//! Large fixed-size models on the heap, zero-initialised in place: the
//! VAE's 784×400 layers never exist on the stack, not even for a moment.

use std::alloc::{alloc_zeroed, handle_alloc_error, Layout};

/// Types for which the all-zero bit pattern is a valid value: f32 arrays,
/// the kernel's `Matrix`, and structs made only of them.
///
/// # Safety
/// Implement only for types whose every field is (an array of) f32, u32,
/// bool or another `Zeroable` type: no references, no enums, no padding
/// invariants.
pub unsafe trait Zeroable: Sized {}

// SAFETY: a Matrix is a transparent [[f32; C]; R].
unsafe impl<const R: usize, const C: usize> Zeroable for kernel::Matrix<R, C> {}
// SAFETY: f32 arrays; all-zero bits are +0.0.
unsafe impl<const N: usize> Zeroable for [f32; N] {}

/// `rows` seen as the kernel's matrix of those rows, without a copy.
#[must_use]
pub fn as_matrix<const R: usize, const C: usize>(rows: &[[f32; C]; R]) -> &kernel::Matrix<R, C> {
    // SAFETY: `Matrix<R, C>` is `#[repr(transparent)]` over `[[f32; C]; R]`,
    // so both have one layout and every value of one is a value of the
    // other; the lifetime is carried over.
    unsafe { &*(rows as *const [[f32; C]; R]).cast::<kernel::Matrix<R, C>>() }
}

/// A `Box<T>` whose memory was allocated zeroed on the heap.
#[must_use]
pub fn boxed_zeroed<T: Zeroable>() -> Box<T> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        // SAFETY: zero-sized Zeroable types have no bytes to initialise.
        return unsafe { Box::from_raw(std::ptr::NonNull::<T>::dangling().as_ptr()) };
    }
    // SAFETY: layout has non-zero size; the all-zero pattern is a valid T by
    // the Zeroable contract; the pointer comes from the global allocator with
    // T's layout, as Box::from_raw requires.
    unsafe {
        let p = alloc_zeroed(layout) as *mut T;
        if p.is_null() {
            handle_alloc_error(layout);
        }
        Box::from_raw(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_matrix_is_zero_on_the_heap() {
        let m = boxed_zeroed::<kernel::Matrix<784, 400>>();
        assert!(m.as_slice().iter().all(|&x| x == 0.0 && x.is_sign_positive()));
        assert_eq!(m.as_slice().len(), 784 * 400);
    }
}
