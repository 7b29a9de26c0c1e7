//! Integration tests of the reference SP over HTTP, one binary.

mod bad_input;
mod bulk;
mod common;
mod crud;
mod fuzz_regressions;
mod hostile;
mod listing;
mod quirks;
mod tenant;
mod user_names;
