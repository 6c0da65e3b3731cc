//! The std side of the project: loads MNIST, trains the assignment's models
//! with the `kernel`, draws the figures, writes metrics, weights and the
//! report. `main.rs` is the command line; everything it does lives here so
//! that tests can call it.

pub mod boxed;
pub mod io;
pub mod mnist;
pub mod plot;

/// The harness's error: a one-line message for the user.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with the harness's error.
pub type Result<T> = std::result::Result<T, Error>;
