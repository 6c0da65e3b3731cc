//! The std side of the project: loads MNIST, trains the assignment's models
//! with the `kernel`, draws the figures, writes metrics, weights and the
//! report. `main.rs` is the command line; everything it does lives here so
//! that tests can call it.

pub mod accuracy;
pub mod ae_analysis;
pub mod autoencoder;
pub mod bench;
pub mod boxed;
pub mod checkpoint;
pub mod checks;
pub mod cli;
pub mod convexity;
pub mod graphs;
pub mod io;
pub mod logistic;
pub mod mnist;
pub mod plot;
pub mod report;
pub mod train;
pub mod vae;
pub mod weights;

/// The harness's error: a one-line message for the user.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with the harness's error.
pub type Result<T> = std::result::Result<T, Error>;
