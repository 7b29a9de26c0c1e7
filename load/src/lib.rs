//! goose load runs against a SCIM target: bulk sync, directory reset, churn
//! and import, with thresholds that fail CI.
//!
//! Nothing is implemented yet: the load issue fills this crate.
