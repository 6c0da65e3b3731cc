//! MNIST loading (placeholder: being written).
use std::path::Path;

/// Where the vendored copy lives, relative to the workspace root.
pub const DEFAULT_DATA_DIR: &str = "harness/data/mnist";

/// Loads both sets and prints counts, pixel mean and the class histogram.
pub fn print_summary(_dir: &Path, _verify: bool) -> crate::Result<()> {
    Err("`data` is not built yet".into())
}
