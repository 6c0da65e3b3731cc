//! `cargo run --release -p harness -- <exercise>`: the command line.
//! With no subcommand it runs everything and writes the report.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "harness",
    version,
    about = "Reproduces, verifies and times the deep-learning assignment with the no_std kernel."
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    all: harness::report::AllArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every exercise and write the report (the default).
    All(harness::report::AllArgs),
    /// Load the MNIST train and test sets and print a summary.
    Data(DataArgs),
    /// Exercise 1: logistic-regression losses, convexity slices, overflow table.
    Logistic(CommonArgs),
    /// Exercise 2: the five computation graphs, checked three ways.
    Graphs(CommonArgs),
    /// Exercise 3: the MNIST autoencoder.
    Autoencoder(harness::autoencoder::AutoencoderArgs),
    /// Ex 3.6–3.8: Hessian blocks and error-surface slices around the trained autoencoders.
    AutoencoderSlices(SliceArgs),
    /// Exercise 4: the variational autoencoder.
    Vae(harness::vae::VaeArgs),
    /// Time the work `harness/bench/compare.sh` compares with PyTorch (JSON on stdout).
    Bench(BenchArgs),
    /// Sweep all 2^32 f32 inputs through the activations against f64.
    Accuracy,
}

#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Folder holding the four MNIST IDX files (.gz or raw).
    #[arg(long, default_value = harness::mnist::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Accept files with the canonical names whose SHA-256 does not match.
    #[arg(long)]
    no_verify: bool,
}

#[derive(Args, Debug, Clone)]
struct SliceArgs {
    /// Output folder holding both `autoencoder` runs.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Seed for the random point and the slice directions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder holding the MNIST IDX files.
    #[arg(long, default_value = harness::mnist::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Accept canonically named files whose SHA-256 does not match.
    #[arg(long)]
    no_verify: bool,
    /// Fewer images and a coarser grid.
    #[arg(long)]
    quick: bool,
    /// Worker threads (default: every core).
    #[arg(long, value_parser = harness::cli::parse_positive)]
    threads: Option<usize>,
}

#[derive(Args, Debug, Clone)]
struct BenchArgs {
    /// Worker threads (default: every core).
    #[arg(long, value_parser = harness::cli::parse_positive)]
    threads: Option<usize>,
    /// Folder holding the MNIST IDX files.
    #[arg(long, default_value = harness::mnist::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// Output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn run(cli: Cli) -> harness::Result<()> {
    match cli.command {
        None => harness::report::run(&cli.all).map(|_| ()),
        Some(Command::All(a)) => harness::report::run(&a).map(|_| ()),
        Some(Command::Data(a)) => harness::mnist::print_summary(&a.data_dir, !a.no_verify),
        Some(Command::Logistic(a)) => harness::logistic::run(&a.out, a.seed).map(|r| print!("{}", harness::logistic::summary(&r))),
        Some(Command::Graphs(a)) => harness::graphs::run(Some(&a.out)).and_then(harness::graphs::print_and_check),
        Some(Command::Autoencoder(a)) => {
            let data = harness::autoencoder::load_data(&a.run.data_dir, a.run.no_verify)?;
            let m = harness::autoencoder::run(&a, &data)?;
            println!(
                "autoencoder {} H={} {}: train loss {:.4}, test loss {:.4}, {:.3} s/epoch over {} epochs -> {}",
                m.loss,
                m.hidden,
                m.activation,
                m.train_loss,
                m.test_loss,
                m.seconds_per_epoch,
                m.epochs,
                harness::autoencoder::run_dir(&a.run.out_dir(), a.loss).display()
            );
            Ok(())
        }
        Some(Command::AutoencoderSlices(a)) => {
            let data = harness::autoencoder::load_data(&a.data_dir, a.no_verify)?;
            let sizes = if a.quick {
                harness::ae_analysis::Sizes::QUICK
            } else {
                harness::ae_analysis::Sizes::FULL
            };
            let r = harness::ae_analysis::run(
                &a.out,
                &data,
                sizes,
                a.seed,
                a.threads.unwrap_or_else(harness::cli::default_threads),
            )?;
            for h in &r.hessians {
                println!(
                    "Ex 3.6 {:>6} at {:<28} b2: min {:+.3e} ({} negative); W2 rows: min eigenvalue {:+.3e} (row {}) -> {}",
                    h.loss,
                    h.point,
                    h.b2_min,
                    h.b2_negative,
                    h.w2_min_eigenvalue,
                    h.w2_row,
                    if h.psd { "PSD" } else { "NOT PSD" }
                );
            }
            for s in &r.slices {
                println!(
                    "Ex 3.7 {} {:>6}: min second difference {:+.4} at z = ({:+.2}, {:+.2}) -> {}",
                    s.slice,
                    s.loss,
                    s.min_second_difference,
                    s.at.0,
                    s.at.1,
                    if s.convex_along_slice {
                        "convex along this slice"
                    } else {
                        "NOT convex"
                    }
                );
            }
            Ok(())
        }
        Some(Command::Vae(a)) => {
            let data = harness::autoencoder::load_data(&a.run.data_dir, a.run.no_verify)?;
            let m = harness::vae::run(&a, &data)?;
            println!(
                "vae {} Z={}: train objective {:.3}, test objective {:.3}, {:.3} s/epoch over {} epochs -> {}",
                m.objective,
                m.latent,
                m.train_loss,
                m.test_loss,
                m.seconds_per_epoch,
                m.epochs,
                harness::vae::run_dir(&a.run.out_dir(), a.objective, a.linear_mean).display()
            );
            Ok(())
        }
        Some(Command::Bench(a)) => {
            let data = harness::autoencoder::load_data(&a.data_dir, false)?;
            println!(
                "{}",
                harness::bench::run(&data, a.threads.unwrap_or_else(harness::cli::default_threads))?
            );
            Ok(())
        }
        Some(Command::Accuracy) => harness::accuracy::run(harness::cli::default_threads()).map(|_| ()),
    }
}

fn main() -> ExitCode {
    harness::train::install_interrupt_handler();
    harness::cli::enable_simd();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line: clap's first line ("error: …"), without the usage block.
            let msg = e.render().to_string();
            eprintln!("{}", msg.lines().next().unwrap_or("error: invalid arguments"));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
