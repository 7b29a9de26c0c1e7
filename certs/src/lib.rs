//! Signing and TLS material for idpsim, made with rcgen: the IdP's SAML
//! signing key and certificate, an SP encryption certificate, and a local CA
//! with a TLS leaf for `https://127.0.0.1`.
//!
//! Nothing is implemented yet: the SAML issue fills this crate. It exists so
//! that the workspace layout of ARCHITECTURE.md is in place.
