//! Everything a C runtime would otherwise provide: the entry point, the two
//! system calls the program needs (write, exit_group) and the panic handler.
//! All of the binary's architecture-specific code is in this file.

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("freestanding supports x86_64 and aarch64 Linux only");

/// The ELF entry point. The kernel enters it with the stack pointer pointing
/// at argc (16-byte aligned on both architectures) and *no* return address
/// pushed, so it cannot be an ordinary Rust function: a naked function sets
/// up a well-formed outermost frame and calls [`main`] with the ABI's
/// alignment (on x86-64, rsp ≡ 0 mod 16 before `call`, i.e. ≡ 8 on entry of
/// the callee, as every compiled function expects).
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[no_mangle]
pub extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "xor ebp, ebp",  // no caller frame: terminate frame-pointer chains
        "mov rdi, rsp",  // first argument: the initial stack (argc, argv, envp)
        "and rsp, -16",  // enforce the alignment instead of trusting it
        "call {main}",
        "ud2",           // main never returns
        main = sym main,
    )
}

/// The ELF entry point (aarch64): sp is always 16-byte aligned on aarch64,
/// but we re-align it anyway and clear the frame pointer and link register.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[no_mangle]
pub extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov x29, xzr",
        "mov x30, xzr",
        "mov x0, sp",          // first argument: the initial stack
        "and x9, x0, #-16",
        "mov sp, x9",
        "bl {main}",
        "brk #0x1",            // main never returns
        main = sym main,
    )
}

/// Called by `_start` with the initial stack pointer.
extern "C" fn main(initial_sp: *const usize) -> ! {
    // SAFETY: `initial_sp` is the stack pointer the kernel entered `_start`
    // with (the System V process-start layout).
    let self_test_panic = unsafe { first_arg_is(initial_sp, b"--panic") };
    exit(crate::run(self_test_panic))
}

/// True if argv[1] exists and equals `want`.
///
/// # Safety
/// `initial_sp` must be the process-start stack: argc, then argc pointers
/// to NUL-terminated strings, then a null pointer.
unsafe fn first_arg_is(initial_sp: *const usize, want: &[u8]) -> bool {
    // SAFETY: argc is at the initial sp; argv[1] is at sp + 2 words if argc >= 2.
    let argc = unsafe { *initial_sp };
    if argc < 2 {
        return false;
    }
    let arg = unsafe { *initial_sp.add(2) } as *const u8;
    for (i, &c) in want.iter().enumerate() {
        // SAFETY: the string is NUL-terminated and we stop at the first
        // mismatch, so we never read past its NUL.
        if unsafe { *arg.add(i) } != c {
            return false;
        }
    }
    // SAFETY: all of `want` matched, so byte `want.len()` is in the string or its NUL.
    unsafe { *arg.add(want.len()) == 0 }
}

/// `exit_group(code)`: ends every thread of the process. Never returns.
#[cfg(target_arch = "x86_64")]
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes one integer argument and does not return.
    unsafe {
        core::arch::asm!(
            "syscall",
            in("rax") 231usize, // __NR_exit_group (60 is __NR_exit)
            in("rdi") code as isize,
            options(noreturn, nostack),
        )
    }
}

/// `exit_group(code)`: ends every thread of the process. Never returns.
#[cfg(target_arch = "aarch64")]
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes one integer argument and does not return.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") 94usize, // __NR_exit_group (93 is __NR_exit)
            in("x0") code as isize,
            options(noreturn, nostack),
        )
    }
}

/// `write(fd, buf)`, once; returns the raw result (bytes written or -errno).
#[cfg(target_arch = "x86_64")]
pub fn write(fd: i32, buf: &[u8]) -> isize {
    let ret: isize;
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`, which is a
    // valid slice; `syscall` clobbers rcx and r11, declared here.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") 1isize => ret, // __NR_write
            in("rdi") fd as isize,
            in("rsi") buf.as_ptr(),
            in("rdx") buf.len(),
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, readonly),
        )
    }
    ret
}

/// `write(fd, buf)`, once; returns the raw result (bytes written or -errno).
#[cfg(target_arch = "aarch64")]
pub fn write(fd: i32, buf: &[u8]) -> isize {
    let ret: isize;
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`, which is a
    // valid slice.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") 64usize, // __NR_write
            inlateout("x0") fd as isize => ret,
            in("x1") buf.as_ptr(),
            in("x2") buf.len(),
            options(nostack, readonly),
        )
    }
    ret
}

/// Writes all of `buf` to `fd`, giving up on the first error.
pub fn write_all(fd: i32, mut buf: &[u8]) {
    while !buf.is_empty() {
        let n = write(fd, buf);
        if n <= 0 {
            return;
        }
        buf = &buf[n as usize..];
    }
}

/// Exit code of a panic, as the Rust runtime uses for a panicking `main`.
pub const PANIC_EXIT_CODE: i32 = 101;

/// No unwinder and no stderr formatting: a panic ends the process with 101.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    exit(PANIC_EXIT_CODE)
}

/// The unwinder's personality routine, which the precompiled `core` (built
/// with `panic = "unwind"`) names from its `.eh_frame` data. With
/// `panic = "abort"` no unwinding ever starts, so it is never called; it must
/// merely exist for an unoptimised (non-LTO) link. Release builds drop it.
#[no_mangle]
pub extern "C" fn rust_eh_personality() -> ! {
    exit(PANIC_EXIT_CODE)
}
