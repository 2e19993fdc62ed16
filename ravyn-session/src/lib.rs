//! Sessions for Ravyn for Rust (placeholder until the sessions issue lands).
