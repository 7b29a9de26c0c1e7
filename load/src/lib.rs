//! goose load runs against a SCIM target: bulk sync, directory reset,
//! churn and import, each lifecycle event a goose transaction, thresholds
//! judged on mergeable histograms, and a reconcile after every run.
//!
//! - [`run`]: the runs and their phases (goose attacks): the goose adapter
//!   and one module per run kind.
//! - [`summary`]: what a run measured, as histograms that merge.
//! - [`threshold`]: pass/fail rules on a summary.
//! - [`shard`]: `--shard i/n`, one slice of the seeded directory.
//! - [`window`]: when a phase's requests were in flight.

mod cpu;
pub mod run;
pub mod shard;
pub mod summary;
pub mod threshold;
pub mod window;

pub use run::{LoadError, LoadPlan, Outcome, RunKind, run};
pub use shard::Shard;
pub use summary::Summary;
pub use threshold::{Threshold, Verdict};
