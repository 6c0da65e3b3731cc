//! Link the binary with no C runtime and no libc.
//!
//! These flags live here rather than in `.cargo/config.toml` because cargo
//! only reads config files from the *current directory* upwards: a build
//! started from the repository root with `--manifest-path` would miss them.
//! `rustc-link-arg-bins` applies to this crate's binaries only, never to the
//! build script itself (which is an ordinary std program).

fn main() {
    // -nostartfiles: no crt1.o/crti.o, our `_start` is the entry point.
    // -nostdlib:     no libc, no libgcc (rustc's compiler_builtins suffices).
    // -static:       no dynamic loader, no PT_INTERP, no .dynamic section.
    // -no-pie:       a plain ET_EXEC; a static PIE would need a self-relocator.
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-no-pie"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
