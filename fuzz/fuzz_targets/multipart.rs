#![no_main]
//! cargo-fuzz target; the body is `ravyn_fuzz::multipart` (fuzz/src/lib.rs), replayed on stable by
//! tests/fuzz_corpus.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ravyn_fuzz::multipart(data));
