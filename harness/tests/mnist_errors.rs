//! The MNIST loader on malformed files (each error variant, one-line messages naming the file),
//! on the vendored data set, and through the `harness data` command line.

use harness::mnist::{self, MnistError, PIXELS, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("harness-mnist-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A valid IDX3 file of `n` images of `rows × cols` bytes.
fn idx_images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, 3];
    for d in [n, rows, cols] {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend((0..n * rows * cols).map(|i| (i * 7 % 256) as u8));
    v
}

/// A valid IDX1 file holding `labels`.
fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, 1];
    v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    v.extend_from_slice(labels);
    v
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

const LABELS: [u8; 3] = [5, 0, 4];

/// Writes `images` and `labels` under neutral names and loads them as a split.
fn load_pair(tag: &str, images: &[u8], labels: &[u8]) -> Result<mnist::Split, MnistError> {
    let dir = TempDir::new(tag);
    let i = dir.write("imgs.idx", images);
    let l = dir.write("lbls.idx", labels);
    mnist::load_split(&i, &l, true)
}

/// The error's message is one line and names `file`.
fn assert_one_line(e: &MnistError, file: &str) {
    let msg = e.to_string();
    assert!(!msg.contains('\n') && !msg.contains('\r'), "multi-line message: {msg:?}");
    assert!(msg.contains(file), "message does not name {file}: {msg}");
}

#[test]
fn valid_tiny_files_load() {
    let split = load_pair("valid", &idx_images(3, 28, 28), &idx_labels(&LABELS)).expect("valid files load");
    assert_eq!(split.len(), 3);
    assert_eq!(split.labels, LABELS);
    assert_eq!(split.images.len(), 3 * PIXELS);
    assert_eq!(split.image(1)[0], ((PIXELS * 7) % 256) as f32 / 255.0);
    assert_eq!(split.subset(2).len(), 2);
    assert_eq!(split.subset(2).image(1), split.image(1));
    assert_eq!(split.subset(10).len(), 3);
}

#[test]
fn gzip_is_detected_by_magic_not_extension() {
    let dir = TempDir::new("magic");
    let i = dir.write("imgs.gz", &idx_images(3, 28, 28)); // raw despite the name
    let l = dir.write("lbls.idx", &gzip(&idx_labels(&LABELS))); // gzipped despite the name
    let split = mnist::load_split(&i, &l, true).expect("loads");
    assert_eq!(split.labels, LABELS);
}

#[test]
fn empty_file() {
    let e = load_pair("empty", &[], &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::Empty { .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
    let e = load_pair("empty-gz", &idx_images(3, 28, 28), &gzip(&[])).unwrap_err();
    assert!(matches!(e, MnistError::Empty { .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn short_header() {
    let e = load_pair("short", &idx_images(3, 28, 28)[..10], &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::ShortHeader { needed: 16, got: 10, .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
}

#[test]
fn truncated_images() {
    let full = idx_images(3, 28, 28);
    let e = load_pair("trunc-img", &full[..full.len() - 1], &idx_labels(&LABELS)).unwrap_err();
    assert!(
        matches!(
            e,
            MnistError::Truncated {
                count: 3,
                expected: 2352,
                got: 2351,
                ..
            }
        ),
        "{e:?}"
    );
    assert_one_line(&e, "imgs.idx");
}

#[test]
fn truncated_labels() {
    let full = idx_labels(&LABELS);
    let e = load_pair("trunc-lbl", &idx_images(3, 28, 28), &full[..full.len() - 1]).unwrap_err();
    assert!(
        matches!(
            e,
            MnistError::Truncated {
                count: 3,
                expected: 3,
                got: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert_one_line(&e, "lbls.idx: truncated: header says 3 labels, file holds 2");
}

#[test]
fn huge_count_is_truncated_not_a_panic() {
    let mut bytes = idx_images(1, 28, 28);
    bytes[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    let e = mnist::parse_images(&bytes, "huge").unwrap_err();
    assert!(matches!(e, MnistError::Truncated { count: u32::MAX, .. }), "{e:?}");
    assert_one_line(&e, "huge");
}

#[test]
fn trailing_bytes() {
    let mut images = idx_images(3, 28, 28);
    images.push(0);
    let e = load_pair("trail-img", &images, &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::TrailingBytes { extra: 1, .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
    let mut labels = idx_labels(&LABELS);
    labels.extend_from_slice(&[1, 2]);
    let e = load_pair("trail-lbl", &idx_images(3, 28, 28), &labels).unwrap_err();
    assert!(matches!(e, MnistError::TrailingBytes { extra: 2, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn wrong_magic() {
    let mut images = idx_images(3, 28, 28);
    images[0] = 0x42;
    let e = load_pair("magic-img", &images, &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::BadMagic { .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
}

#[test]
fn wrong_element_type() {
    let mut labels = idx_labels(&LABELS);
    labels[2] = 0x09; // signed byte
    let e = load_pair("type-lbl", &idx_images(3, 28, 28), &labels).unwrap_err();
    assert!(matches!(e, MnistError::BadElementType { found: 0x09, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn wrong_rank() {
    // A labels file where images are expected, and vice versa.
    let e = load_pair("rank-img", &idx_labels(&LABELS), &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::BadRank { expected: 3, found: 1, .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
    let e = load_pair("rank-lbl", &idx_images(3, 28, 28), &idx_images(3, 28, 28)).unwrap_err();
    assert!(matches!(e, MnistError::BadRank { expected: 1, found: 3, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn wrong_dimensions() {
    let e = load_pair("dims", &idx_images(3, 27, 28), &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::BadDimensions { rows: 27, cols: 28, .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
}

#[test]
fn more_labels_than_images() {
    let e = load_pair("more", &idx_images(3, 28, 28), &idx_labels(&[1, 2, 3, 4])).unwrap_err();
    assert!(matches!(e, MnistError::CountMismatch { images: 3, labels: 4, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
    assert_one_line(&e, "imgs.idx");
}

#[test]
fn fewer_labels_than_images() {
    let e = load_pair("fewer", &idx_images(3, 28, 28), &idx_labels(&[1, 2])).unwrap_err();
    assert!(matches!(e, MnistError::CountMismatch { images: 3, labels: 2, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn label_out_of_range() {
    let e = load_pair("label10", &idx_images(3, 28, 28), &idx_labels(&[1, 10, 3])).unwrap_err();
    assert!(matches!(e, MnistError::LabelOutOfRange { index: 1, value: 10, .. }), "{e:?}");
    assert_one_line(&e, "lbls.idx");
}

#[test]
fn corrupt_gzip() {
    let good = gzip(&idx_images(3, 28, 28));
    let mut bad = good[..10].to_vec(); // a valid gzip header…
    bad.extend((0..200u32).map(|i| (i * 37 + 11) as u8)); // …then garbage
    let e = load_pair("gzip", &bad, &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::Gzip { .. }), "{e:?}");
    assert_one_line(&e, "imgs.idx");
    // A stream cut short is a gzip error too.
    let e = load_pair("gzip-cut", &good[..good.len() / 2], &idx_labels(&LABELS)).unwrap_err();
    assert!(matches!(e, MnistError::Gzip { .. }), "{e:?}");
}

#[test]
fn checksum_mismatch_on_canonical_name() {
    let dir = TempDir::new("sha");
    let i = dir.write(&format!("{TRAIN_IMAGES}.gz"), &gzip(&idx_images(3, 28, 28)));
    let l = dir.write(TRAIN_LABELS, &idx_labels(&LABELS));
    let e = mnist::load_split(&i, &l, true).unwrap_err();
    assert!(matches!(e, MnistError::Checksum { .. }), "{e:?}");
    assert_one_line(&e, &format!("{TRAIN_IMAGES}.gz"));
    assert!(e.to_string().contains("--no-verify"), "{e}");
    let split = mnist::load_split(&i, &l, false).expect("accepted without verification");
    assert_eq!(split.len(), 3);
}

#[test]
fn missing_path() {
    let dir = TempDir::new("missing");
    let l = dir.write("lbls.idx", &idx_labels(&LABELS));
    let e = mnist::load_split(&dir.0.join("nope.idx"), &l, true).unwrap_err();
    assert!(matches!(e, MnistError::Io { .. }), "{e:?}");
    assert_one_line(&e, "nope.idx");
    let e = mnist::load(&dir.0, true).unwrap_err();
    assert!(matches!(e, MnistError::Io { .. }), "{e:?}");
    assert_one_line(&e, TRAIN_IMAGES);
}

#[test]
fn vendored_data_loads_and_verifies() {
    let data = mnist::load(Path::new(mnist::DEFAULT_DATA_DIR), true).expect("vendored MNIST loads");
    assert_eq!(data.train.len(), 60_000);
    assert_eq!(data.test.len(), 10_000);
    assert_eq!(data.train.images.len(), 60_000 * PIXELS);
    assert_eq!(data.test.images.len(), 10_000 * PIXELS);
    assert_eq!(data.train.labels[0], 5);
    for split in [&data.train, &data.test] {
        assert!(split.labels.iter().all(|&l| l <= 9));
        assert!(split.images.iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
}

#[test]
fn cli_data_prints_summary() {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["data", "--data-dir", mnist::DEFAULT_DATA_DIR])
        .output()
        .expect("run harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("60000") && stdout.contains("10000"), "{stdout}");
}

#[test]
fn cli_data_rejects_truncated_copy() {
    let dir = TempDir::new("cli-trunc");
    for name in [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS] {
        let file = format!("{name}.gz");
        let bytes = std::fs::read(Path::new(mnist::DEFAULT_DATA_DIR).join(&file)).expect("read vendored file");
        dir.write(&file, &bytes[..bytes.len() / 2]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["data", "--data-dir"])
        .arg(&dir.0)
        .output()
        .expect("run harness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains(TRAIN_IMAGES), "stderr: {stderr}");
}
