//! The simulated IdP's SAML side: a canonical XML writer and signed
//! responses shaped like Okta's and Entra ID's.

pub mod response;
pub mod xml;

pub use response::{Login, SamlError, Shape, SigAlg, SignMode, response};
