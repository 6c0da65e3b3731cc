//! A literate `no_std`, no-`alloc` learning kernel.
//!
//! Every function here implements an equation of the assignment
//! (`shared/assignment.md`, cited as "eq. N") and names the section of
//! `docs/` that derives it. The kernel owns no memory: callers provide every
//! buffer, with its shape fixed by const generics, so that a model trains on
//! a microcontroller with no allocator.
//!
//! Layout:
//! - [`math`]: the one place that maps to `libm`.
//! - [`matrix`]: fixed-size f32 matrices and the products a backward pass needs.
//! - [`activation`], [`loss`]: stable scalar functions with their derivatives.
//! - [`optim`]: Adam (as the assignment's code appendix) and SGD.
//! - [`rng`]: uniform and normal sampling over any [`rand_core::RngCore`].
//! - [`inference`]: trained layers packed for one input at a time.
#![no_std]
#![deny(unsafe_code)] // relaxed only in the fenced `simd` module
#![warn(missing_docs)]

pub mod accuracy;
pub mod activation;
pub mod autoencoder;
pub mod dense;
pub mod gradcheck;
pub mod graphs;
pub mod inference;
pub mod lanes;
pub mod linalg;
pub mod logistic;
pub mod loss;
pub mod math;
pub mod matrix;
pub mod optim;
pub mod params;
pub mod rng;
pub mod simd;
pub mod vae;

pub use activation::Activation;
pub use matrix::Matrix;
pub use params::ParamBlocks;
