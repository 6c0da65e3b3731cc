//! Fuzzes the MNIST IDX loader (`harness::mnist`): arbitrary bytes must give
//! either a parse or an `MnistError` whose message is one line naming the
//! file, never a panic, an overflow or an out-of-memory.
//!
//! Three ways in, for every input:
//! 1. `parse_images` and `parse_labels` on the raw bytes;
//! 2. the same after inflating the bytes the way the loader's private
//!    `read_idx` does (gzip recognised by its magic, `MultiGzDecoder`);
//! 3. the real `load_split` on the bytes written to a temporary file (with a
//!    canonical name and `verify`, so the SHA-256 check runs too), checked
//!    against 2 so that the copy of the gzip step stays faithful.

#![no_main]

use harness::mnist::{self, MnistError, PIXELS, TEST_IMAGES};
use libfuzzer_sys::fuzz_target;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The name used in error messages of the in-memory parses.
const FILE: &str = "fuzz.idx";

/// The loader's gzip step on bytes: inflate if the gzip magic leads, else keep.
fn inflate_like_loader(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes.to_vec());
    }
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    Ok(raw)
}

/// The error's message is one line and names `file`, as the module promises.
fn check_message(e: &MnistError, file: &str) {
    let msg = e.to_string();
    assert!(!msg.contains('\n') && !msg.contains('\r'), "multi-line message: {msg:?}");
    assert!(msg.starts_with(file), "message does not start with {file}: {msg}");
    assert_eq!(e.path(), file);
}

/// Parses `raw` both ways, checks the results, returns the images' outcome.
fn parse_both(raw: &[u8]) -> Result<(usize, Vec<u8>), MnistError> {
    let images = mnist::parse_images(raw, FILE);
    match &images {
        Ok((count, pixels)) => {
            assert_eq!(pixels.len(), count * PIXELS);
            assert_eq!(raw.len(), 16 + pixels.len());
        }
        Err(e) => check_message(e, FILE),
    }
    match mnist::parse_labels(raw, FILE) {
        Ok(labels) => {
            assert!(labels.iter().all(|&l| l <= 9));
            assert_eq!(raw.len(), 8 + labels.len());
        }
        Err(e) => check_message(&e, FILE),
    }
    images
}

/// A per-process folder for the file `load_split` reads.
fn temp_file() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("harness-fuzz-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        // A canonical name, so that `verify` computes and compares the SHA-256.
        dir.join(format!("{TEST_IMAGES}.gz"))
    })
}

fuzz_target!(|data: &[u8]| {
    // 1. Raw.
    let raw_images_ok = parse_both(data).is_ok();

    // 2. Through the gzip step (the raw case is the same as 1).
    let inflated = inflate_like_loader(data);
    let in_memory = match &inflated {
        Ok(raw) if data.starts_with(&[0x1f, 0x8b]) => Some(parse_both(raw)),
        _ => None,
    };

    // 3. The real loader, on a file; images and labels are the same file, so
    // at most the images parse (IDX rank 3 vs 1), and a parse then fails the
    // checksum of the official test images (unless it is that file).
    let path = temp_file();
    std::fs::write(path, data).expect("write temp file");
    let file = path.display().to_string();
    match mnist::load_split(path, path, true) {
        Ok(split) => panic!("the same bytes parsed as images and labels ({} examples)", split.len()),
        Err(e) => {
            check_message(&e, &file);
            match (&e, &inflated) {
                (MnistError::Gzip { .. }, Ok(_)) => panic!("loader failed to inflate what flate2 inflates: {e}"),
                (_, Err(msg)) => assert!(matches!(e, MnistError::Gzip { .. }), "flate2 failed ({msg}) but loader said {e}"),
                _ => {}
            }
            let images_ok = match &in_memory {
                Some(r) => r.is_ok(),
                None => raw_images_ok,
            };
            // The images parse exactly when the loader gets past them, to the
            // checksum, which only the real test-images file would pass.
            assert_eq!(images_ok, matches!(e, MnistError::Checksum { .. }), "{e}");
        }
    }
});
