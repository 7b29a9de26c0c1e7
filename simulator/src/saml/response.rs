//! Signed SAML responses shaped like Okta's and Entra ID's (SAML.md §5),
//! signed by the recipe of SAML.md §6.3 over canonical-by-construction XML.

use ::rand::{RngExt, SeedableRng};
use aws_lc_rs::rand as lc_rand;
use aws_lc_rs::{digest, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_certs::KeyAndCert;
use rand_chacha::ChaCha8Rng;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::defaults::{Attributes, EMAIL, GroupsClaim, PERSISTENT, SamlDefaults, TRANSIENT};
use super::xml::Element;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const XS: &str = "http://www.w3.org/2001/XMLSchema";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Whose wire shape to reproduce.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `app_key` is the `exk…` application key in the issuer.
    Okta { app_key: String },
    /// `tenant` is the tenant GUID in the issuer.
    Entra { tenant: String },
}

impl Shape {
    /// idpsim's own Okta application, as fixtures and the embedded target
    /// know it.
    pub fn idpsim_okta() -> Shape {
        Shape::Okta {
            app_key: "exkidpsim0000000000".into(),
        }
    }

    /// idpsim's own Entra tenant.
    pub fn idpsim_entra() -> Shape {
        Shape::Entra {
            tenant: "00000000-0000-4000-8000-000000000000".into(),
        }
    }

    /// The shape a SCIM profile's IdP signs in with (its `sign_in`).
    pub fn for_profile(p: &crate::profile::Profile) -> Shape {
        match p.sign_in {
            crate::profile::SignInShape::Okta => Shape::idpsim_okta(),
            crate::profile::SignInShape::Entra => Shape::idpsim_entra(),
        }
    }

    /// The entity ID this IdP issues as.
    pub fn issuer(&self) -> String {
        match self {
            Shape::Okta { app_key } => format!("http://www.okta.com/{app_key}"),
            Shape::Entra { tenant } => format!("https://sts.windows.net/{tenant}/"),
        }
    }
}

/// What gets signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    Assertion,
    Response,
    Both,
}

/// The signature algorithm; the digest follows it (SHA-256, SHA-512,
/// SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    RsaSha256,
    RsaSha512,
    /// Legacy, for SPs that still ask for it (Entra and Okta offer it as an
    /// opt-in). aws-lc-rs will not make SHA-1 signatures, so OpenSSL does.
    RsaSha1,
}

impl SigAlg {
    fn uris(self) -> (&'static str, &'static str) {
        match self {
            SigAlg::RsaSha256 => (
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "http://www.w3.org/2001/04/xmlenc#sha256",
            ),
            SigAlg::RsaSha512 => (
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
                "http://www.w3.org/2001/04/xmlenc#sha512",
            ),
            SigAlg::RsaSha1 => (
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                "http://www.w3.org/2000/09/xmldsig#sha1",
            ),
        }
    }
    fn digest(self) -> &'static digest::Algorithm {
        match self {
            SigAlg::RsaSha256 => &digest::SHA256,
            SigAlg::RsaSha512 => &digest::SHA512,
            SigAlg::RsaSha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        }
    }
    /// `None` for SHA-1, which aws-lc-rs does not sign with.
    fn padding(self) -> Option<&'static dyn signature::RsaEncoding> {
        match self {
            SigAlg::RsaSha256 => Some(&signature::RSA_PKCS1_SHA256),
            SigAlg::RsaSha512 => Some(&signature::RSA_PKCS1_SHA512),
            SigAlg::RsaSha1 => None,
        }
    }
}

/// Who signs in, for whom.
#[derive(Debug, Clone)]
pub struct Login {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub email: String,
    /// The IdP's id for the user (Entra's objectidentifier).
    pub object_id: String,
    /// The groups claim's values, already filtered by the group rules:
    /// names or object ids, as `app.groups` says. Sent only when
    /// `app.groups` is not [`GroupsClaim::Off`].
    pub groups: Vec<String>,
    pub sp_entity_id: String,
    pub acs_url: String,
    pub in_response_to: Option<String>,
    pub now: OffsetDateTime,
    /// When the IdP session this sign-in rides on authenticated the user
    /// (S9): `now` for a fresh login, days earlier for an old session.
    pub authn_instant: OffsetDateTime,
    /// Seeds the IDs, so that a fixture can be reproduced.
    pub seed: u64,
    /// The NameIDPolicy Format the AuthnRequest asked for, if any. The
    /// NameID follows it only where `app` honours it
    /// ([`SamlDefaults::answer_format`]); otherwise it keeps the app's
    /// configured format (callers refuse such requests beforehand).
    pub name_id_format: Option<String>,
    /// Attributes beyond the profile's own, from the SP's attribute
    /// mapping: name and values, written after the profile's.
    pub extra_attributes: Vec<(String, Vec<String>)>,
    /// The app's settings: attributes, groups claim, NameID format,
    /// validity ([`SamlDefaults`]). Its `sign` is not read here: the
    /// signing mode is [`signed_response`]'s argument.
    pub app: SamlDefaults,
}

impl Login {
    /// A sign-in of a directory user, now, with a fresh seed; the caller
    /// sets what the request asked for (InResponseTo, NameID format) and
    /// any mapped attributes.
    pub fn for_user(
        u: &crate::directory::User,
        groups: Vec<String>,
        sp_entity_id: &str,
        acs_url: &str,
        app: SamlDefaults,
    ) -> Login {
        let now = OffsetDateTime::now_utc();
        Login {
            user_name: u.user_name.clone(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            object_id: u.idp_id.clone(),
            groups,
            sp_entity_id: sp_entity_id.to_owned(),
            acs_url: acs_url.to_owned(),
            in_response_to: None,
            now,
            authn_instant: now,
            seed: now.unix_timestamp_nanos() as u64,
            name_id_format: None,
            extra_attributes: Vec::new(),
            app,
        }
    }
}

/// The NameID (format, value) for a login: the format the app answers the
/// request with (S12), the value its source for that format. Entra's
/// emailAddress carries the UPN ("user.userprincipalname", the enterprise
/// app default), Okta's the user's email.
fn name_id(l: &Login, okta: bool, transient: &str) -> (&'static str, String) {
    let format = l
        .app
        .answer_format(l.name_id_format.as_deref())
        .unwrap_or(l.app.name_id_format);
    let value = match format {
        PERSISTENT => l.object_id.clone(),
        EMAIL if okta => l.email.clone(),
        TRANSIENT => transient.to_owned(),
        _ => l.user_name.clone(),
    };
    (format, value)
}

/// Why a response could not be made.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    #[error("the signing key is not a PKCS#8 RSA key: {0}")]
    Key(String),
    #[error("the certificate is not PEM: {0}")]
    Cert(String),
    #[error("signing failed")]
    Sign,
    /// RSA-SHA1 signs through OpenSSL, which a default build leaves out so
    /// that building needs nothing but cargo.
    #[error(
        "this build of idpsim cannot sign RSA-SHA1: rebuild with `--features legacy-sha1` \
         (needs OpenSSL's headers: apt-get install libssl-dev pkg-config)"
    )]
    Sha1NotBuilt,
}

fn pem_body(pem: &str) -> Result<Vec<u8>, String> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    B64.decode(b64.trim()).map_err(|e| e.to_string())
}

fn ts(t: OffsetDateTime) -> String {
    // Millisecond precision with Z, as both IdPs write it.
    let t = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    let s = t.format(&Rfc3339).unwrap_or_default();
    if s.contains('.') {
        s
    } else {
        s.replace('Z', ".000Z")
    }
}

/// Entra allows 150 groups in a SAML token; past that it sends a link.
pub const ENTRA_GROUP_LIMIT: usize = 150;

struct Ids {
    rng: ChaCha8Rng,
}

impl Ids {
    fn okta(&mut self) -> String {
        let digits: String = (0..26)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect();
        format!("id{digits}")
    }
    /// Okta's SessionIndex: `id`, the response time in milliseconds, a dot
    /// and nine digits, as in captured responses (`id1524392933593.694282512`
    /// with IssueInstant 10:28:53.593, AuthnInstant 10:28:49.876).
    fn okta_session(&mut self, at: OffsetDateTime) -> String {
        let digits: String = (0..9)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect();
        format!("id{}.{digits}", at.unix_timestamp_nanos() / 1_000_000)
    }
    fn entra(&mut self) -> String {
        let b: [u8; 16] = self.rng.random();
        format!("_{}", uuid::Builder::from_random_bytes(b).into_uuid())
    }
}

/// A signing key parsed once. Parsing and validating an RSA key costs about
/// as much as a signature, so a server keeps one of these.
pub struct SigningKey {
    pair: signature::RsaKeyPair,
    /// The same key for OpenSSL, which makes the legacy SHA-1 signatures.
    #[cfg(feature = "legacy-sha1")]
    legacy: openssl::pkey::PKey<openssl::pkey::Private>,
    cert_b64: String,
}

impl std::fmt::Debug for SigningKey {
    // Never the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn from_pem(key: &KeyAndCert) -> Result<SigningKey, SamlError> {
        let der = pem_body(&key.key_pem).map_err(SamlError::Key)?;
        let pair =
            signature::RsaKeyPair::from_pkcs8(&der).map_err(|e| SamlError::Key(e.to_string()))?;
        let cert_b64 = B64.encode(pem_body(&key.cert_pem).map_err(SamlError::Cert)?);
        #[cfg(feature = "legacy-sha1")]
        let legacy = openssl::pkey::PKey::private_key_from_der(&der)
            .map_err(|e| SamlError::Key(e.to_string()))?;
        Ok(SigningKey {
            pair,
            #[cfg(feature = "legacy-sha1")]
            legacy,
            cert_b64,
        })
    }
}

impl SigningKey {
    #[cfg(feature = "legacy-sha1")]
    fn sign_sha1(&self, data: &[u8]) -> Result<Vec<u8>, SamlError> {
        let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), &self.legacy)
            .map_err(|_| SamlError::Sign)?;
        s.sign_oneshot_to_vec(data).map_err(|_| SamlError::Sign)
    }

    #[cfg(not(feature = "legacy-sha1"))]
    fn sign_sha1(&self, _data: &[u8]) -> Result<Vec<u8>, SamlError> {
        Err(SamlError::Sha1NotBuilt)
    }
}

/// Builds and signs a response, parsing the key first; see
/// [`signed_response`] to sign many with one parsed key.
pub fn response(
    shape: &Shape,
    login: &Login,
    key: &KeyAndCert,
    mode: SignMode,
    alg: SigAlg,
) -> Result<String, SamlError> {
    signed_response(shape, login, &SigningKey::from_pem(key)?, mode, alg)
}

/// Builds and signs a response with a parsed key.
pub fn signed_response(
    shape: &Shape,
    login: &Login,
    key: &SigningKey,
    mode: SignMode,
    alg: SigAlg,
) -> Result<String, SamlError> {
    let cert_b64 = &key.cert_b64;
    let mut ids = Ids {
        rng: ChaCha8Rng::seed_from_u64(login.seed),
    };
    let okta = matches!(shape, Shape::Okta { .. });
    let (response_id, assertion_id) = if okta {
        (ids.okta(), ids.okta())
    } else {
        (ids.entra(), ids.entra())
    };
    let issuer = shape.issuer();
    let now = ts(login.now);
    let mut assertion = if okta {
        let session = ids.okta_session(login.now);
        okta_assertion(login, &issuer, &assertion_id, &now, &session)
    } else {
        entra_assertion(login, shape, &issuer, &assertion_id, &now)
    };
    let signer = Signer {
        key,
        cert_b64,
        alg,
        okta,
    };
    if matches!(mode, SignMode::Assertion | SignMode::Both) {
        let sig = signer.sign(&assertion, &assertion_id)?;
        assertion.insert(1, sig);
    }
    let (p, a) = if okta {
        ("saml2p", "saml2")
    } else {
        ("samlp", "")
    };
    let q = |prefix: &str, name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}:{name}")
        }
    };
    let mut issuer_el = Element::new(&q(a, "Issuer")).ns(a, ASSERTION).text(&issuer);
    if okta {
        issuer_el = issuer_el.attr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity");
    }
    let mut resp = Element::new(&q(p, "Response"))
        .ns(p, PROTOCOL)
        .attr("Destination", &login.acs_url)
        .attr("ID", &response_id)
        .attr("IssueInstant", &now)
        .attr("Version", "2.0")
        .child(issuer_el)
        .child(
            Element::new(&q(p, "Status")).child(
                Element::new(&q(p, "StatusCode"))
                    .attr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success"),
            ),
        )
        .child(assertion);
    if let Some(irt) = &login.in_response_to {
        resp = resp.attr("InResponseTo", irt);
    }
    if matches!(mode, SignMode::Response | SignMode::Both) {
        let sig = signer.sign(&resp, &response_id)?;
        resp.insert(1, sig);
    }
    Ok(resp.to_xml())
}

fn okta_assertion(l: &Login, issuer: &str, id: &str, now: &str, session: &str) -> Element {
    let t = |d: i64| ts(l.now + time::Duration::minutes(d));
    let v = l.app.validity;
    let value = |v: &str| {
        Element::new("saml2:AttributeValue")
            .ns("xs", XS)
            .ns("xsi", XSI)
            .qattr(XSI, "xsi:type", "xs:string")
            .text(v)
    };
    let attribute = |name: &str, values: &[String]| {
        let mut a = Element::new("saml2:Attribute").attr("Name", name).attr(
            "NameFormat",
            "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
        );
        for v in values {
            a = a.child(value(v));
        }
        a
    };
    let mut scd = Element::new("saml2:SubjectConfirmationData")
        .attr("NotOnOrAfter", t(v.confirmation))
        .attr("Recipient", &l.acs_url);
    if let Some(irt) = &l.in_response_to {
        scd = scd.attr("InResponseTo", irt);
    }
    // S13: a fresh Okta app has no attribute statements at all.
    let mut attributes = Vec::new();
    if l.app.attributes == Attributes::Profile {
        attributes.push(attribute("email", std::slice::from_ref(&l.email)));
        attributes.push(attribute("firstName", std::slice::from_ref(&l.given_name)));
        attributes.push(attribute("lastName", std::slice::from_ref(&l.family_name)));
    }
    if l.app.groups != GroupsClaim::Off && !l.groups.is_empty() {
        attributes.push(attribute("groups", &l.groups));
    }
    for (name, values) in &l.extra_attributes {
        attributes.push(attribute(name, values));
    }
    let (format, value) = name_id(l, true, session);
    let assertion =
        Element::new("saml2:Assertion")
            .ns("saml2", ASSERTION)
            .attr("ID", id)
            .attr("IssueInstant", now)
            .attr("Version", "2.0")
            .child(
                Element::new("saml2:Issuer")
                    .attr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
                    .text(issuer),
            )
            .child(
                Element::new("saml2:Subject")
                    .child(
                        Element::new("saml2:NameID")
                            .attr("Format", format)
                            .text(value),
                    )
                    .child(
                        Element::new("saml2:SubjectConfirmation")
                            .attr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
                            .child(scd),
                    ),
            )
            .child(
                Element::new("saml2:Conditions")
                    .attr("NotBefore", t(v.not_before))
                    .attr("NotOnOrAfter", t(v.not_on_or_after))
                    .child(
                        Element::new("saml2:AudienceRestriction")
                            .child(Element::new("saml2:Audience").text(&l.sp_entity_id)),
                    ),
            )
            .child(
                Element::new("saml2:AuthnStatement")
                    .attr("AuthnInstant", ts(l.authn_instant))
                    .attr("SessionIndex", session)
                    .child(Element::new("saml2:AuthnContext").child(
                        Element::new("saml2:AuthnContextClassRef").text(
                            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                        ),
                    )),
            );
    // An AttributeStatement must hold at least one Attribute (SAML Core
    // §2.7.3), so none is written when there is nothing to say.
    if attributes.is_empty() {
        return assertion;
    }
    let mut stmt = Element::new("saml2:AttributeStatement");
    for a in attributes {
        stmt = stmt.child(a);
    }
    assertion.child(stmt)
}

fn entra_assertion(l: &Login, shape: &Shape, issuer: &str, id: &str, now: &str) -> Element {
    let t = |d: i64| ts(l.now + time::Duration::minutes(d));
    let v = l.app.validity;
    let tenant = match shape {
        Shape::Entra { tenant } => tenant.clone(),
        Shape::Okta { .. } => String::new(),
    };
    let attribute = |name: &str, values: &[String]| {
        let mut a = Element::new("Attribute").attr("Name", name);
        for v in values {
            a = a.child(Element::new("AttributeValue").text(v));
        }
        a
    };
    let one = |v: &str| vec![v.to_owned()];
    let mut scd = Element::new("SubjectConfirmationData")
        .attr("NotOnOrAfter", t(v.confirmation))
        .attr("Recipient", &l.acs_url);
    if let Some(irt) = &l.in_response_to {
        scd = scd.attr("InResponseTo", irt);
    }
    let mut claims = Vec::new();
    let fixed = [
        (
            "http://schemas.microsoft.com/identity/claims/tenantid",
            tenant.as_str(),
        ),
        (
            "http://schemas.microsoft.com/identity/claims/objectidentifier",
            &l.object_id,
        ),
        (
            "http://schemas.microsoft.com/identity/claims/identityprovider",
            issuer,
        ),
        (
            "http://schemas.microsoft.com/identity/claims/displayname",
            &l.display_name,
        ),
        (
            "http://schemas.microsoft.com/claims/authnmethodsreferences",
            "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
        ),
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
            &l.given_name,
        ),
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
            &l.family_name,
        ),
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            &l.email,
        ),
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            &l.user_name,
        ),
    ];
    if l.app.attributes == Attributes::Profile {
        for (name, value) in fixed {
            claims.push(attribute(name, &one(value)));
        }
    }
    // S14: the groups claim is off until an admin adds it.
    let groups_on = l.app.groups != GroupsClaim::Off;
    if groups_on && l.groups.len() > ENTRA_GROUP_LIMIT {
        let link = format!(
            "https://graph.windows.net/{tenant}/users/{}/getMemberObjects",
            l.object_id
        );
        claims.push(attribute(
            "http://schemas.microsoft.com/claims/groups.link",
            &one(&link),
        ));
    } else if groups_on && !l.groups.is_empty() {
        claims.push(attribute(
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            &l.groups,
        ));
    }
    for (name, values) in &l.extra_attributes {
        claims.push(attribute(name, values));
    }
    let (format, value) = name_id(l, false, id);
    let mut assertion = Element::new("Assertion")
        .ns("", ASSERTION)
        .attr("ID", id)
        .attr("IssueInstant", now)
        .attr("Version", "2.0")
        .child(Element::new("Issuer").text(issuer))
        .child(
            Element::new("Subject")
                .child(Element::new("NameID").attr("Format", format).text(value))
                .child(
                    Element::new("SubjectConfirmation")
                        .attr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
                        .child(scd),
                ),
        )
        .child(
            Element::new("Conditions")
                .attr("NotBefore", t(v.not_before))
                .attr("NotOnOrAfter", t(v.not_on_or_after))
                .child(
                    Element::new("AudienceRestriction")
                        .child(Element::new("Audience").text(&l.sp_entity_id)),
                ),
        );
    if !claims.is_empty() {
        let mut stmt = Element::new("AttributeStatement");
        for c in claims {
            stmt = stmt.child(c);
        }
        assertion = assertion.child(stmt);
    }
    assertion.child(
        Element::new("AuthnStatement")
            .attr("AuthnInstant", ts(l.authn_instant))
            .attr("SessionIndex", id)
            .child(
                Element::new("AuthnContext").child(
                    Element::new("AuthnContextClassRef")
                        .text("urn:oasis:names:tc:SAML:2.0:ac:classes:Password"),
                ),
            ),
    )
}

struct Signer<'a> {
    key: &'a SigningKey,
    cert_b64: &'a str,
    alg: SigAlg,
    okta: bool,
}

impl Signer<'_> {
    fn q(&self, name: &str) -> String {
        if self.okta {
            format!("ds:{name}")
        } else {
            name.to_owned()
        }
    }

    /// SignedInfo for `id` with `digest`; `apex` declares the dsig namespace
    /// on it, as when it is canonicalized on its own for signing.
    fn signed_info(&self, id: &str, digest_b64: &str, apex: bool) -> Element {
        let (sig_uri, digest_uri) = self.alg.uris();
        let mut c14n = Element::new(&self.q("Transform")).attr("Algorithm", EXC_C14N);
        if self.okta {
            c14n = c14n.child(
                Element::new("ec:InclusiveNamespaces")
                    .ns("ec", EXC_C14N)
                    .attr("PrefixList", "xs"),
            );
        }
        let mut si = Element::new(&self.q("SignedInfo"))
            .child(Element::new(&self.q("CanonicalizationMethod")).attr("Algorithm", EXC_C14N))
            .child(Element::new(&self.q("SignatureMethod")).attr("Algorithm", sig_uri))
            .child(
                Element::new(&self.q("Reference"))
                    .attr("URI", format!("#{id}"))
                    .child(
                        Element::new(&self.q("Transforms"))
                            .child(Element::new(&self.q("Transform")).attr(
                                "Algorithm",
                                "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                            ))
                            .child(c14n),
                    )
                    .child(Element::new(&self.q("DigestMethod")).attr("Algorithm", digest_uri))
                    .child(Element::new(&self.q("DigestValue")).text(digest_b64)),
            );
        if apex {
            si = si.ns(if self.okta { "ds" } else { "" }, DSIG);
        }
        si
    }

    /// The enveloped Signature over `target`, whose ID is `id`.
    fn sign(&self, target: &Element, id: &str) -> Result<Element, SamlError> {
        let digest_b64 = B64.encode(digest::digest(
            self.alg.digest(),
            target.to_xml().as_bytes(),
        ));
        let signed = self.signed_info(id, &digest_b64, true).to_xml();
        let sig = match self.alg.padding() {
            Some(padding) => {
                let rng = lc_rand::SystemRandom::new();
                let mut sig = vec![0u8; self.key.pair.public_modulus_len()];
                self.key
                    .pair
                    .sign(padding, &rng, signed.as_bytes(), &mut sig)
                    .map_err(|_| SamlError::Sign)?;
                sig
            }
            None => self.key.sign_sha1(signed.as_bytes())?,
        };
        Ok(Element::new(&self.q("Signature"))
            .ns(if self.okta { "ds" } else { "" }, DSIG)
            .child(self.signed_info(id, &digest_b64, false))
            .child(Element::new(&self.q("SignatureValue")).text(B64.encode(&sig)))
            .child(
                Element::new(&self.q("KeyInfo")).child(
                    Element::new(&self.q("X509Data"))
                        .child(Element::new(&self.q("X509Certificate")).text(self.cert_b64)),
                ),
            ))
    }
}
