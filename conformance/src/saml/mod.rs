//! SAML conformance of any service provider: 120-odd cases, each a genuine
//! response with exactly one defect (re-signed with the trusted IdP key
//! where the defect must not be the signature's), posted to the SP's ACS
//! the way a browser would, judged by outcome (session or not, as whom),
//! with a canary sign-in that keeps refusals honest.
//!
//! - [`case`]: what a case is, the forge that builds responses.
//! - [`cases`]: the registry.
//! - [`sign`]: enveloped signatures with any key and algorithm a case needs.
//! - [`sp`]: the SP under test, driven as a browser, and the success oracle.
//! - [`run`]: the sequential runner with its canary.
//! - [`xml`]: the tree the cases edit, and its canonicalization.

pub mod case;
pub mod cases;
pub mod run;
pub mod sign;
pub mod sp;
pub mod xml;

pub use run::{CANARY, Options, Setup, plan, run, run_single};
pub use sp::{SpTarget, Success};
