//! The simulated identity provider.
//!
//! # Layout
//!
//! - [`directory`]: users, groups, memberships and the target ids learned,
//!   generated from a seed or written out.
//! - [`profile`]: each IdP's wire behaviour as data, one constant per IdP
//!   ([`profile::Profile::ALL`]).
//! - [`client`]: the SCIM client: auth, timeouts, retries, faults, records.
//! - [`idp`]: lifecycle events turned into a profile's request sequences.
//! - [`namespace`]: a run prefix on every name, for targets runs share.
//! - [`cycles`]: Entra's provisioning engine, cycle by cycle on a virtual
//!   clock: read, compare, write; escrow, quarantine and the findings.
//! - [`reconcile`]: the directory compared with what the target lists.
//! - [`scenario`]: the YAML scenario format, with file:line:column errors.
//! - [`player`]: runs scenarios step by step into a report.
//! - [`plan`]: the engine's planned order of requests, which recordings
//!   keep whatever order the target answered in.
//! - [`record`]: a run's exchanges as a normalised fixture.
//! - [`fixtures`]: fixtures read back, replayed and compared.

mod capped;
pub mod client;
pub mod cycles;
pub mod directory;
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod idp;
pub mod namespace;
pub mod plan;
pub mod player;
pub mod profile;
pub mod reconcile;
pub mod record;
pub mod saml;
pub mod scenario;
