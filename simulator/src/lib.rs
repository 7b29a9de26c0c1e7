//! The simulated identity provider: directory, lifecycle events, Okta and
//! Entra ID profiles, the SCIM client, the SAML IdP, scenarios and reconcile.
//!
//! Nothing is implemented yet: the simulated-IdP issues fill this crate.
