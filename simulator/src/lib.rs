//! The simulated identity provider.
//!
//! # Layout
//!
//! - [`directory`]: users, groups, memberships and the target ids learned,
//!   generated from a seed or written out.
//! - [`profile`]: each IdP's wire behaviour as data (okta, okta-aiw, entra,
//!   entra-2020, rfc).
//! - [`client`]: the SCIM client: auth, timeouts, retries, faults, records.
//! - [`idp`]: lifecycle events turned into a profile's request sequences.
//! - [`reconcile`]: the directory compared with what the target lists.
//! - [`scenario`]: the YAML scenario format, with file:line:column errors.
//! - [`player`]: runs scenarios step by step into a report.
//! - [`record`]: a run's exchanges as a normalised fixture.
//! - [`fixtures`]: fixtures read back, replayed and compared.

mod capped;
pub mod client;
pub mod directory;
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod idp;
pub mod player;
pub mod profile;
pub mod reconcile;
pub mod record;
pub mod saml;
pub mod scenario;
