//! Exercise 2: five computation graphs with their reverse schedules written
//! out message by message (docs/02-reverse-mode.md).
//!
//! Notation, once for all five: f^(k) is the value of node k of the graph in
//! the forward pass (`f1`, `f2`, … in the code); t^(k) = ∂E/∂f^(k) is the
//! message that the reverse pass sends back to node k (`t1`, `t2`, …), built
//! from the messages of node k's children and the local derivatives
//! ∂f^(child)/∂f^(k); t^W is the message that reaches a weight, i.e. ∂E/∂W.
//! Each `backward` runs the schedule from the last node to the first, one
//! named local per message, each quoting its equation, and *accumulates*
//! (`+=`) into the caller's gradient buffer; clear it first for a fresh
//! gradient. Each module also has `closed_form`, the formula the assignment
//! derives by joining the messages, which tests compare with `backward`.
//!
//! φ, φ1, φ2 are the caller's choice of [`crate::Activation`].

#![allow(clippy::needless_range_loop)] // indices mirror the equations

pub mod ex21;
pub mod ex22;
pub mod ex23;
pub mod ex24;
pub mod ex25;
pub mod naive;
