//! Route attributes for Ravyn for Rust.
