//! MNIST: finds, inflates, checks and decodes the four IDX files.
//!
//! For each canonical name the loader looks in a folder for `NAME.gz`, then for the raw `NAME`.
//! Gzip is recognised by its magic bytes, whatever the extension. Every header field and length
//! is checked against the IDX format (unsigned-byte elements, rank 3 for images and 1 for labels,
//! 28×28 images, payload exactly as long as the header says), and, when asked, the SHA-256 of the
//! uncompressed bytes is compared with the official one. Malformed input of any kind gives a
//! [`MnistError`] whose message is one line naming the file; nothing here panics on data.

use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

/// The vendored copy of the data set (absolute, so it works from any working directory).
pub const DEFAULT_DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
/// Rows of an MNIST image.
pub const ROWS: usize = 28;
/// Columns of an MNIST image.
pub const COLS: usize = 28;
/// Pixels of an MNIST image.
pub const PIXELS: usize = ROWS * COLS;

/// Canonical name of the training images (uncompressed).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// Canonical name of the training labels (uncompressed).
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// Canonical name of the test images (uncompressed).
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// Canonical name of the test labels (uncompressed).
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// SHA-256 of the four UNCOMPRESSED files, copied from `harness/data/mnist/SHA256SUMS`
/// (a unit test below checks that the two agree).
const SHA256: [(&str, &str); 4] = [
    (TRAIN_IMAGES, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    (TRAIN_LABELS, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    (TEST_IMAGES, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    (TEST_LABELS, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
];

/// IDX element type code for unsigned bytes.
const IDX_UBYTE: u8 = 0x08;
/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One set of examples: images as `len() × PIXELS` row-major floats in [0, 1], and their digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// `len() × PIXELS` pixels, row-major, each the pixel byte divided by 255.
    pub images: Vec<f32>,
    /// The digit (0–9) of each image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of example `i`; panics if `i >= len()`, like slice indexing.
    pub fn image(&self, i: usize) -> &[f32; PIXELS] {
        let start = i * PIXELS;
        self.images[start..start + PIXELS]
            .try_into()
            .expect("a PIXELS-long slice is a [f32; PIXELS]")
    }

    /// Images `start..start + n`, one after another as they are stored;
    /// panics past the end, like slice indexing.
    pub fn rows(&self, start: usize, n: usize) -> &[[f32; PIXELS]] {
        self.images[start * PIXELS..(start + n) * PIXELS].as_chunks::<PIXELS>().0
    }

    /// A copy of the first `n` examples (all of them if `n > len()`).
    pub fn subset(&self, n: usize) -> Split {
        let n = n.min(self.len());
        Split {
            images: self.images[..n * PIXELS].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// Mean of all pixel values (0 for an empty split).
    pub fn mean_pixel(&self) -> f64 {
        if self.images.is_empty() {
            return 0.0;
        }
        self.images.iter().map(|&p| f64::from(p)).sum::<f64>() / self.images.len() as f64
    }

    /// How many examples there are of each digit 0–9.
    pub fn class_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(usize::from(l)) {
                *c += 1;
            }
        }
        counts
    }
}

/// The training and test splits.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// The 60 000 training examples.
    pub train: Split,
    /// The 10 000 test examples.
    pub test: Split,
}

/// Why an MNIST file was rejected; every variant carries the path of the offending file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MnistError {
    /// The file is missing or cannot be read.
    Io { path: String, message: String },
    /// The file starts like gzip but does not inflate.
    Gzip { path: String, message: String },
    /// The file (after inflating) holds no bytes.
    Empty { path: String },
    /// The file ends inside the IDX header.
    ShortHeader { path: String, needed: usize, got: usize },
    /// The payload is shorter than the header's count says (`expected`, `got` in bytes).
    Truncated {
        path: String,
        what: &'static str,
        count: u32,
        expected: u64,
        got: u64,
    },
    /// The payload is longer than the header's count says.
    TrailingBytes {
        path: String,
        what: &'static str,
        count: u32,
        extra: u64,
    },
    /// The first two bytes are not zero: not an IDX file.
    BadMagic { path: String, found: Vec<u8> },
    /// The element type is not unsigned byte (0x08).
    BadElementType { path: String, found: u8 },
    /// The rank is not 3 (images) or 1 (labels).
    BadRank {
        path: String,
        what: &'static str,
        expected: usize,
        found: u8,
    },
    /// The images are not 28×28.
    BadDimensions { path: String, rows: u32, cols: u32 },
    /// The labels file (`path`) and the images file disagree on the number of examples.
    CountMismatch {
        path: String,
        images_path: String,
        images: usize,
        labels: usize,
    },
    /// A label is not a digit 0–9.
    LabelOutOfRange { path: String, index: usize, value: u8 },
    /// A file with a canonical name does not have the official SHA-256.
    Checksum {
        path: String,
        expected: &'static str,
        actual: String,
    },
}

impl MnistError {
    /// The path of the file the error is about.
    pub fn path(&self) -> &str {
        use MnistError::*;
        match self {
            Io { path, .. }
            | Gzip { path, .. }
            | Empty { path }
            | ShortHeader { path, .. }
            | Truncated { path, .. }
            | TrailingBytes { path, .. }
            | BadMagic { path, .. }
            | BadElementType { path, .. }
            | BadRank { path, .. }
            | BadDimensions { path, .. }
            | CountMismatch { path, .. }
            | LabelOutOfRange { path, .. }
            | Checksum { path, .. } => path,
        }
    }

    /// The message after the path, before control characters are escaped.
    fn detail(&self) -> String {
        use MnistError::*;
        match self {
            Io { message, .. } => format!("cannot read: {message}"),
            Gzip { message, .. } => format!("corrupt gzip stream: {message}"),
            Empty { .. } => "empty file".to_owned(),
            ShortHeader { needed, got, .. } => format!("truncated: the IDX header needs {needed} bytes, file holds {got}"),
            Truncated {
                what,
                count,
                expected,
                got,
                ..
            } => {
                if *expected == u64::from(*count) {
                    format!("truncated: header says {count} {what}, file holds {got}")
                } else {
                    format!("truncated: header says {count} {what} ({expected} bytes), file holds {got} bytes")
                }
            }
            TrailingBytes { what, count, extra, .. } => format!("{extra} trailing bytes after the {count} {what} the header declares"),
            BadMagic { found, .. } => {
                let hex: Vec<String> = found.iter().map(|b| format!("{b:02x}")).collect();
                format!("not an IDX file: starts with {}, expected 00 00", hex.join(" "))
            }
            BadElementType { found, .. } => format!("IDX element type 0x{found:02x}, expected 0x{IDX_UBYTE:02x} (unsigned byte)"),
            BadRank { what, expected, found, .. } => format!("IDX rank {found}, expected {expected} for {what}"),
            BadDimensions { rows, cols, .. } => format!("images are {rows}x{cols}, expected {ROWS}x{COLS}"),
            CountMismatch {
                images_path,
                images,
                labels,
                ..
            } => format!("{labels} labels, but {images_path} holds {images} images"),
            LabelOutOfRange { index, value, .. } => format!("label {index} is {value}, expected a digit 0-9"),
            Checksum { expected, actual, .. } => {
                format!("SHA-256 of the uncompressed data is {actual}, expected {expected}; pass --no-verify to use a custom data set")
            }
        }
    }
}

impl fmt::Display for MnistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line whatever the path or the OS message holds.
        for c in format!("{}: {}", self.path(), self.detail()).chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for MnistError {}

/// Loads both splits from `dir`, checking SHA-256 of canonical files when `verify` is set.
pub fn load(dir: &Path, verify: bool) -> Result<Mnist, MnistError> {
    let train = load_split(&locate(dir, TRAIN_IMAGES)?, &locate(dir, TRAIN_LABELS)?, verify)?;
    let test = load_split(&locate(dir, TEST_IMAGES)?, &locate(dir, TEST_LABELS)?, verify)?;
    Ok(Mnist { train, test })
}

/// Loads one split from an images file and a labels file (each gzipped or raw).
pub fn load_split(images: &Path, labels: &Path, verify: bool) -> Result<Split, MnistError> {
    let (count, pixels) = {
        let bytes = read_idx(images)?;
        let parsed = parse_images(&bytes, &show(images))?;
        if verify {
            check_sha256(images, &bytes)?;
        }
        parsed
    };
    let label_bytes = read_idx(labels)?;
    let digits = parse_labels(&label_bytes, &show(labels))?;
    if verify {
        check_sha256(labels, &label_bytes)?;
    }
    if digits.len() != count {
        return Err(MnistError::CountMismatch {
            path: show(labels),
            images_path: show(images),
            images: count,
            labels: digits.len(),
        });
    }
    Ok(Split {
        images: pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
        labels: digits,
    })
}

/// Decodes raw IDX3 image bytes into the image count and the pixel bytes; `file` names it in errors.
pub fn parse_images(bytes: &[u8], file: &str) -> Result<(usize, Vec<u8>), MnistError> {
    let ([count, rows, cols], payload) = parse_header::<3>(bytes, file, "images")?;
    if usize::try_from(rows) != Ok(ROWS) || usize::try_from(cols) != Ok(COLS) {
        return Err(MnistError::BadDimensions {
            path: file.to_owned(),
            rows,
            cols,
        });
    }
    check_length(payload, file, "images", count, PIXELS as u64)?;
    Ok((payload.len() / PIXELS, payload.to_vec()))
}

/// Decodes raw IDX1 label bytes into digits 0–9; `file` names it in errors.
pub fn parse_labels(bytes: &[u8], file: &str) -> Result<Vec<u8>, MnistError> {
    let ([count], payload) = parse_header::<1>(bytes, file, "labels")?;
    check_length(payload, file, "labels", count, 1)?;
    if let Some((index, &value)) = payload.iter().enumerate().find(|&(_, &v)| v > 9) {
        return Err(MnistError::LabelOutOfRange {
            path: file.to_owned(),
            index,
            value,
        });
    }
    Ok(payload.to_vec())
}

/// Loads both splits and prints counts, pixel mean and the class histogram.
pub fn print_summary(dir: &Path, verify: bool) -> crate::Result<()> {
    let data = load(dir, verify)?;
    let mut out = String::new();
    let checked = if verify { "SHA-256 verified" } else { "not verified" };
    writeln!(out, "MNIST from {} ({checked})", dir.display())?;
    write!(out, "split  images  mean pixel  ")?;
    for digit in 0..10 {
        write!(out, "{digit:>6}")?;
    }
    writeln!(out)?;
    for (name, split) in [("train", &data.train), ("test", &data.test)] {
        write!(out, "{name:<5}  {:>6}  {:>10.4}  ", split.len(), split.mean_pixel())?;
        for count in split.class_counts() {
            write!(out, "{count:>6}")?;
        }
        writeln!(out)?;
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

/// The path as text for messages.
fn show(path: &Path) -> String {
    path.display().to_string()
}

/// `dir/NAME.gz` if it exists, else `dir/NAME` if it exists, else an error naming both.
fn locate(dir: &Path, name: &str) -> Result<PathBuf, MnistError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    for path in [&gz, &raw] {
        if path.try_exists().unwrap_or(false) {
            return Ok(path.clone());
        }
    }
    Err(MnistError::Io {
        path: show(&gz),
        message: format!("not found, nor is {}", show(&raw)),
    })
}

/// Reads a file and inflates it if it starts with the gzip magic.
fn read_idx(path: &Path) -> Result<Vec<u8>, MnistError> {
    let bytes = std::fs::read(path).map_err(|e| MnistError::Io {
        path: show(path),
        message: e.to_string(),
    })?;
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut raw = Vec::new();
    // MultiGzDecoder also rejects garbage after the last member instead of ignoring it.
    flate2::read::MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut raw)
        .map_err(|e| MnistError::Gzip {
            path: show(path),
            message: e.to_string(),
        })?;
    Ok(raw)
}

/// Checks the IDX header (magic, element type, rank `RANK`) and returns its dimensions and the payload.
fn parse_header<'a, const RANK: usize>(bytes: &'a [u8], file: &str, what: &'static str) -> Result<([u32; RANK], &'a [u8]), MnistError> {
    let path = file.to_owned();
    if bytes.is_empty() {
        return Err(MnistError::Empty { path });
    }
    if bytes.iter().take(2).any(|&b| b != 0) {
        return Err(MnistError::BadMagic {
            path,
            found: bytes.iter().take(4).copied().collect(),
        });
    }
    let Some(&[_, _, element_type, rank]) = bytes.first_chunk::<4>() else {
        return Err(MnistError::ShortHeader {
            path,
            needed: 4,
            got: bytes.len(),
        });
    };
    if element_type != IDX_UBYTE {
        return Err(MnistError::BadElementType { path, found: element_type });
    }
    if usize::from(rank) != RANK {
        return Err(MnistError::BadRank {
            path,
            what,
            expected: RANK,
            found: rank,
        });
    }
    let needed = 4 + 4 * RANK;
    let Some((head, payload)) = bytes.split_at_checked(needed) else {
        return Err(MnistError::ShortHeader {
            path,
            needed,
            got: bytes.len(),
        });
    };
    let mut dims = [0; RANK];
    for (dim, be) in dims.iter_mut().zip(head.chunks_exact(4).skip(1)) {
        *dim = u32::from_be_bytes([be[0], be[1], be[2], be[3]]);
    }
    Ok((dims, payload))
}

/// Checks that the payload holds exactly `count` items of `item_bytes` bytes.
fn check_length(payload: &[u8], file: &str, what: &'static str, count: u32, item_bytes: u64) -> Result<(), MnistError> {
    // Saturating: an absurd count just reads as "truncated", never overflows.
    let expected = u64::from(count).saturating_mul(item_bytes);
    let got = u64::try_from(payload.len()).unwrap_or(u64::MAX);
    let path = file.to_owned();
    match got.cmp(&expected) {
        Ordering::Equal => Ok(()),
        Ordering::Less => Err(MnistError::Truncated {
            path,
            what,
            count,
            expected,
            got,
        }),
        Ordering::Greater => Err(MnistError::TrailingBytes {
            path,
            what,
            count,
            extra: got - expected,
        }),
    }
}

/// If the file has a canonical name (with or without `.gz`), checks the SHA-256 of its uncompressed bytes.
fn check_sha256(path: &Path, raw: &[u8]) -> Result<(), MnistError> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    let name = name.strip_suffix(".gz").unwrap_or(name);
    let Some(&(_, expected)) = SHA256.iter().find(|(canonical, _)| *canonical == name) else {
        return Ok(());
    };
    let actual = Sha256::digest(raw).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    if actual == expected {
        Ok(())
    } else {
        Err(MnistError::Checksum {
            path: show(path),
            expected,
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_checksums_match_sha256sums() {
        let sums = include_str!("../data/mnist/SHA256SUMS");
        let listed: Vec<(&str, &str)> = sums
            .lines()
            .filter_map(|l| l.split_once("  "))
            .map(|(h, n)| (n.trim(), h))
            .collect();
        assert_eq!(listed.len(), SHA256.len());
        for (name, hash) in SHA256 {
            assert!(listed.contains(&(name, hash)), "{name} {hash} not in SHA256SUMS");
        }
    }
}
