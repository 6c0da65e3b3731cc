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
    all: AllArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every exercise and write the report (the default).
    All(AllArgs),
    /// Load the MNIST train and test sets and print a summary.
    Data(DataArgs),
    /// Exercise 1: logistic-regression losses, convexity slices, overflow table.
    Logistic(CommonArgs),
    /// Exercise 2: the five computation graphs, checked three ways.
    Graphs(CommonArgs),
    /// Exercise 3: the MNIST autoencoder.
    Autoencoder(CommonArgs),
    /// Exercise 4: the variational autoencoder.
    Vae(CommonArgs),
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
struct CommonArgs {
    /// Output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Args, Debug, Clone)]
struct AllArgs {
    /// Output folder for the report.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Small subsets and few epochs: the whole pipeline in under a minute.
    #[arg(long)]
    quick: bool,
}

fn not_built(what: &str) -> harness::Result<()> {
    Err(format!("`{what}` is not built yet").into())
}

fn run(cli: Cli) -> harness::Result<()> {
    match cli.command {
        None => not_built("all"),
        Some(Command::All(_)) => not_built("all"),
        Some(Command::Data(a)) => harness::mnist::print_summary(&a.data_dir, !a.no_verify),
        Some(Command::Logistic(_)) => not_built("logistic"),
        Some(Command::Graphs(_)) => not_built("graphs"),
        Some(Command::Autoencoder(_)) => not_built("autoencoder"),
        Some(Command::Vae(_)) => not_built("vae"),
        Some(Command::Accuracy) => not_built("accuracy"),
    }
}

fn main() -> ExitCode {
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
