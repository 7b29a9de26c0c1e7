//! Conformance suites (RFC 7643/7644, Okta and Entra compatibility, SAML SP
//! security), the runner and its reporters.
//!
//! Nothing is implemented yet: the conformance issue fills this crate.
