//! The simulated IdP's SAML side: a canonical XML writer and signed
//! responses shaped like Okta's and Entra ID's.

pub mod authn_request;
pub mod defaults;
pub mod groups;
pub mod metadata;
pub mod response;
pub mod server;
pub mod sign_in;
pub mod sp_config;
pub mod status;
pub mod xml;

pub use defaults::{Attributes, GroupsClaim, NameIdPolicy, SamlDefaults, Validity};
pub use groups::GroupFilter;
pub use metadata::idp_metadata;
pub use response::{
    Login, SamlError, Shape, SigAlg, SignMode, SigningKey, response, signed_response,
};
pub use status::{Envelope, Failure, SubStatus, TopStatus, error_response};
