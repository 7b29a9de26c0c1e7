//! Integration tests of the simulator, one binary.

mod bad_targets;
mod connection;
mod entra_cycles;
mod evidence;
mod fake_scim;
mod fuzz_regressions;
mod listing;
mod namespace;
mod okta_errors;
mod played;
mod reconcile_drift;
mod reconcile_pipeline;
mod replay_listings;
mod saml;
mod saml_server;
mod saml_sp;
mod scenarios;
mod sign_in;
mod wire;
