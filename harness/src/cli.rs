//! Command-line value types shared by the exercises (parsed and validated
//! by clap, so that a bad value is a one-line error and exit code 2).

use clap::ValueEnum;
use kernel::loss::Loss;
use kernel::Activation;

/// `--loss`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// ½(x − y)², eq. 141.
    Square,
    /// Bernoulli cross-entropy, eq. 138.
    Bce,
}

impl LossArg {
    /// The kernel's loss.
    #[must_use]
    pub fn loss(self) -> Loss {
        match self {
            LossArg::Square => Loss::Square,
            LossArg::Bce => Loss::CrossEntropy,
        }
    }
}

/// `--activation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ActivationArg {
    /// relu (the assignment's choice).
    Relu,
    /// logistic sigmoid.
    Sigmoid,
    /// tanh.
    Tanh,
}

impl ActivationArg {
    /// The kernel's activation.
    #[must_use]
    pub fn activation(self) -> Activation {
        match self {
            ActivationArg::Relu => Activation::Relu,
            ActivationArg::Sigmoid => Activation::Sigmoid,
            ActivationArg::Tanh => Activation::Tanh,
        }
    }
}

/// `--batch full|N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch {
    /// One step per epoch over the whole training set.
    Full,
    /// Shuffled minibatches of N images.
    Mini(usize),
}

impl Batch {
    /// `None` for the full batch.
    #[must_use]
    pub fn size(self) -> Option<usize> {
        match self {
            Batch::Full => None,
            Batch::Mini(n) => Some(n),
        }
    }
}

impl std::fmt::Display for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Batch::Full => write!(f, "full"),
            Batch::Mini(n) => write!(f, "{n}"),
        }
    }
}

/// Parses `--batch`: `full` or a positive whole number.
pub fn parse_batch(s: &str) -> Result<Batch, String> {
    if s == "full" {
        return Ok(Batch::Full);
    }
    match s.parse::<usize>() {
        Ok(0) => Err("batch size must be at least 1".into()),
        Ok(n) => Ok(Batch::Mini(n)),
        Err(_) => Err(format!("`{s}` is not `full` or a positive whole number")),
    }
}

/// Parses a learning rate: finite and > 0.
pub fn parse_lr(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) => Err(format!("learning rate must be finite and positive, got {v}")),
        Err(_) => Err(format!("`{s}` is not a number")),
    }
}

/// Parses a count that must be at least 1 (epochs, threads, sizes).
pub fn parse_positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a positive whole number")),
    }
}

/// Options every training subcommand shares.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Seed for initialisation, shuffling and sampling.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder holding the MNIST IDX files.
    #[arg(long, default_value = crate::mnist::DEFAULT_DATA_DIR)]
    pub data_dir: std::path::PathBuf,
    /// Accept canonically named files whose SHA-256 does not match.
    #[arg(long)]
    pub no_verify: bool,
    /// Output folder.
    #[arg(long, default_value = "out")]
    pub out: std::path::PathBuf,
    /// Worker threads (default: every core); results do not depend on it.
    #[arg(long, value_parser = parse_positive)]
    pub threads: Option<usize>,
    /// Train on the first N training images only (for quick runs).
    #[arg(long, value_parser = parse_positive)]
    pub train_subset: Option<usize>,
    /// Checkpoints and resumption.
    #[command(flatten)]
    pub control: RunControl,
}

impl RunArgs {
    /// Defaults with the given seed, data and output folders and threads.
    #[must_use]
    pub fn new(
        seed: u64,
        data_dir: &std::path::Path,
        no_verify: bool,
        out: &std::path::Path,
        threads: usize,
        train_subset: Option<usize>,
    ) -> RunArgs {
        RunArgs {
            seed,
            data_dir: data_dir.to_path_buf(),
            no_verify,
            out: out.to_path_buf(),
            threads: Some(threads),
            train_subset,
            control: RunControl::default(),
        }
    }

    /// The worker threads to use.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(default_threads)
    }

    /// The output folder (the resumed run's, with `--resume`).
    #[must_use]
    pub fn out_dir(&self) -> std::path::PathBuf {
        self.control.out_dir(&self.out)
    }
}

/// Checkpointing options shared by the training subcommands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunControl {
    /// Also write a checkpoint every SECONDS of training (one is always written at each epoch's end).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub checkpoint_every: Option<f64>,
    /// Continue the interrupted run whose `--out` folder is DIR (same settings required).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<std::path::PathBuf>,
}

impl RunControl {
    /// The output folder: the resumed run's, else `out`.
    #[must_use]
    pub fn out_dir(&self, out: &std::path::Path) -> std::path::PathBuf {
        self.resume.clone().unwrap_or_else(|| out.to_path_buf())
    }

    /// The trainer's checkpointing for a run folder and its settings.
    #[must_use]
    pub fn checkpointing(&self, run_dir: &std::path::Path, settings: String) -> crate::train::Checkpointing {
        crate::train::Checkpointing {
            path: Some(run_dir.join(crate::checkpoint::FILE)),
            every_seconds: self.checkpoint_every,
            resume: self.resume.is_some(),
            settings,
        }
    }
}

/// Parses a positive, finite number of seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

/// Turns on the kernel's AVX path when this CPU has AVX (and its AVX-512
/// elementwise rows when it has AVX-512F), unless `HARNESS_NO_SIMD` (or
/// `HARNESS_NO_AVX512`) is set. The results are the same bits either way.
pub fn enable_simd() {
    #[cfg(target_arch = "x86_64")]
    if std::env::var_os("HARNESS_NO_SIMD").is_none() && std::is_x86_feature_detected!("avx") {
        // SAFETY: AVX support (CPU and OS) was just detected.
        kernel::simd::enable_avx(unsafe { kernel::simd::Avx::new_unchecked() });
        if std::env::var_os("HARNESS_NO_AVX512").is_none() && std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F support (CPU and OS) was just detected.
            kernel::simd::enable_avx512(unsafe { kernel::simd::Avx512::new_unchecked() });
        }
    }
}

/// The default thread count: every core.
#[must_use]
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// A progress bar for `len` steps on stderr (hidden when stderr is not a terminal).
#[must_use]
pub fn progress(len: u64, prefix: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_prefix(prefix.to_string());
    pb
}
