//! The memory routines LLVM may call for any copy, fill or comparison
//! (struct moves, `[0.0; N]`, slice `==`, ...). A libc would supply them;
//! here there is none.
//!
//! Every access is volatile so that LLVM cannot recognise a loop as the
//! idiom it implements and replace it with a call to the very function being
//! defined (infinite recursion). Speed is irrelevant at this program's size.

use core::ptr::{read_volatile, write_volatile};

/// Copies `n` bytes from `src` to `dest` (non-overlapping); returns `dest`.
///
/// # Safety
/// `src` must be valid for `n` reads and `dest` for `n` writes.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, within both buffers by the caller's contract.
        unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
        i += 1;
    }
    dest
}

/// Copies `n` bytes from `src` to `dest`, which may overlap; returns `dest`.
///
/// # Safety
/// `src` must be valid for `n` reads and `dest` for `n` writes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) {
        // Forward: each source byte is read before the copy can overwrite it.
        let mut i = 0;
        while i < n {
            // SAFETY: i < n, within both buffers by the caller's contract.
            unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
            i += 1;
        }
    } else {
        // Backward, for dest above an overlapping src.
        let mut i = n;
        while i > 0 {
            i -= 1;
            // SAFETY: i < n, within both buffers by the caller's contract.
            unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
        }
    }
    dest
}

/// Sets `n` bytes at `dest` to the low byte of `c`; returns `dest`.
///
/// # Safety
/// `dest` must be valid for `n` writes.
#[no_mangle]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, within the buffer by the caller's contract.
        unsafe { write_volatile(dest.add(i), c as u8) };
        i += 1;
    }
    dest
}

/// Compares `n` bytes as unsigned chars: <0, 0 or >0 like C's `memcmp`.
///
/// # Safety
/// `a` and `b` must be valid for `n` reads.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, within both buffers by the caller's contract.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// Zero if the `n` bytes are equal, non-zero otherwise (C's `bcmp`).
///
/// # Safety
/// `a` and `b` must be valid for `n` reads.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}
