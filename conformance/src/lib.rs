//! SCIM conformance: checks of a target against RFC 7643/7644 and against
//! what Okta and Entra ID need of it, a runner and reporters.
//!
//! # Layout
//!
//! - [`check`]: what a check is (id, reference, level, gate, tier, suite).
//! - [`checks`]: the registry, one table driving runs, listings and proofs.
//! - [`discovery`]: capabilities from `/ServiceProviderConfig`, with overrides.
//! - [`declared`]: what `/Schemas` and `/ResourceTypes` declare, which
//!   checks gate on.
//! - [`ctx`]: what a check body works with: client, unique names, cleanup.
//! - [`schema_docs`]: what `/ResourceTypes` and `/Schemas` declare, as read
//!   at discovery, and the smallest resource those declarations accept.
//! - [`runner`]: skip decisions, parallel runs with timeouts and a deadline.
//! - [`report`]: console, JSON, JUnit, Markdown, HTML.
//! - [`saml`]: SAML service-provider cases, their runner and canary.
//!
//! Checks state their expected values and read raw JSON; they never ask
//! the reference SP's evaluator what is right.
//!
//! # Running the suites from another project's tests
//!
//! ```no_run
//! # async fn demo() {
//! use idpsim_conformance::{checks, runner};
//! let target = runner::Target { base_url: "http://127.0.0.1:8080/scim/v2".into(), token: Some("secret".into()) };
//! let report = runner::run(&checks::all(), &target, &runner::Options::default()).await;
//! assert!(report.passed(), "{}", idpsim_conformance::report::console(&report, false));
//! # }
//! ```

pub mod check;
pub mod checks;
pub mod ctx;
pub mod declared;
pub mod discovery;
pub mod report;
pub mod runner;
pub mod saml;
pub mod schema_docs;
