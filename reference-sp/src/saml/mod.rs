//! The reference SP's SAML side: trust configuration, a strict ACS,
//! signed (stateless) request IDs, the replay cache and browser sessions.
//!
//! Independent of the simulator on purpose: the SP verifies with its own
//! parser, canonicalizer and verifier, so a shared bug cannot make both
//! sides agree on something wrong.

mod acs;
mod c14n;
mod dom;
mod pool;
mod qname;
mod quirk;
mod quirk_fetch;
pub(crate) mod resign;
mod scope;
mod signature;
mod state;

use std::time::Duration;

pub use acs::{Identity, Rejection, Validator};
pub use dom::XmlError;
#[cfg(test)]
pub(crate) use pool::gate::Gate;
pub use pool::{PoolError, VerifyPool};
pub use quirk::{Quirks, SamlQuirk};
pub use signature::{SignatureError, TrustedKey};
pub use state::{Session, SessionStore};

pub(crate) const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// What the SP trusts and how strict it is.
#[derive(Debug, Clone)]
pub struct SamlConfig {
    pub idp_entity_id: String,
    /// Where the login start sends the browser (HTTP-Redirect binding).
    pub idp_sso_url: String,
    /// Every key the IdP may sign with (two during a rollover).
    pub idp_keys: Vec<TrustedKey>,
    /// The SP's entity ID; `None` means `{origin}/saml/metadata`.
    pub sp_entity_id: Option<String>,
    /// Accept responses nobody asked for (no `InResponseTo`).
    pub allow_idp_initiated: bool,
    /// Refuse responses whose assertion is not itself signed.
    pub require_signed_assertion: bool,
    /// Tolerance on every time window.
    pub clock_skew: Duration,
    /// How old a response's `IssueInstant` may be.
    pub max_issue_delay: Duration,
    /// How long a signed-in session lasts.
    pub session_lifetime: Duration,
    /// Checks broken on purpose, to show idpsim's SAML cases can fail.
    pub quirks: Quirks,
}

impl SamlConfig {
    /// Trusts the IdP described by SAML metadata: its entity ID, its
    /// HTTP-Redirect SSO endpoint and every signing certificate.
    pub fn from_idp_metadata(xml: &[u8]) -> Result<SamlConfig, String> {
        let root = dom::parse(xml).map_err(|e| format!("IdP metadata: {e}"))?;
        if !root.name.is(METADATA, "EntityDescriptor") {
            return Err("IdP metadata: the root is not an md:EntityDescriptor".into());
        }
        let entity_id = root
            .attr("entityID")
            .ok_or("IdP metadata: no entityID")?
            .to_owned();
        let idp = root
            .one(METADATA, "IDPSSODescriptor")
            .map_err(|n| format!("IdP metadata: {n} IDPSSODescriptor elements"))?;
        let sso = idp
            .all(METADATA, "SingleSignOnService")
            .find(|s| s.attr("Binding") == Some(REDIRECT_BINDING))
            .and_then(|s| s.attr("Location"))
            .ok_or("IdP metadata: no HTTP-Redirect SingleSignOnService")?
            .to_owned();
        let mut keys = Vec::new();
        for kd in idp.all(METADATA, "KeyDescriptor") {
            if kd.attr("use").is_some_and(|u| u != "signing") {
                continue;
            }
            let mut certs = Vec::new();
            kd.walk(&mut |e| {
                if e.name.is(signature::DSIG, "X509Certificate") {
                    certs.push(e.text());
                }
            });
            for c in certs {
                let compact: String = c.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let der =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact)
                        .map_err(|e| format!("IdP metadata: certificate is not base64: {e}"))?;
                keys.push(key_from_cert_der(&der)?);
            }
        }
        if keys.is_empty() {
            return Err("IdP metadata: no signing certificate".into());
        }
        Ok(SamlConfig::new(entity_id, sso, keys))
    }

    /// Strict defaults: SP-initiated only, 60 s skew.
    pub fn new(idp_entity_id: String, idp_sso_url: String, idp_keys: Vec<TrustedKey>) -> Self {
        SamlConfig {
            idp_entity_id,
            idp_sso_url,
            idp_keys,
            sp_entity_id: None,
            allow_idp_initiated: false,
            require_signed_assertion: false,
            clock_skew: Duration::from_secs(60),
            max_issue_delay: Duration::from_secs(300),
            session_lifetime: Duration::from_secs(8 * 3600),
            quirks: Quirks::default(),
        }
    }
}

/// The RSA public key of an X.509 certificate (DER), as the SP's trust
/// anchor. Only the key is used: names and validity dates prove nothing
/// about who signed a response.
pub fn key_from_cert_der(der: &[u8]) -> Result<TrustedKey, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let spki = cert.public_key();
    if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
        return Err("the IdP certificate's key is not RSA".into());
    }
    Ok(TrustedKey(spki.subject_public_key.data.to_vec()))
}

/// [`key_from_cert_der`] for a PEM certificate.
pub fn key_from_cert_pem(pem: &str) -> Result<TrustedKey, String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body.trim())
        .map_err(|e| format!("certificate PEM is not base64: {e}"))?;
    key_from_cert_der(&der)
}

/// The SP's metadata: entity ID, ACS (HTTP-POST) and that it wants signed
/// assertions when configured so.
pub fn sp_metadata(entity_id: &str, acs_url: &str, want_assertions_signed: bool) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    };
    format!(
        r#"<md:EntityDescriptor xmlns:md="{METADATA}" entityID="{}"><md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="{want_assertions_signed}" protocolSupportEnumeration="{PROTOCOL}"><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{}" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
        esc(entity_id),
        esc(acs_url)
    )
}
