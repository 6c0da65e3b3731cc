//! Figures (placeholder: being written).
