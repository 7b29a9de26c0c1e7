//! The assertion consumer: every check a response must pass before anyone
//! is signed in, in the order that keeps the cheap and structural ones
//! first and never reads an unverified value as trusted.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::dom::{self, Element, Leniency, XmlError};
use super::quirk::{Quirks, SamlQuirk as Q};
use super::signature::{self, DSIG, SignatureError, TrustedKey};
use super::state::SessionStore;
use super::{ASSERTION, PROTOCOL, SamlConfig};

/// Largest `SAMLResponse` form value accepted (base64).
pub const MAX_RESPONSE_BYTES: usize = 512 * 1024;
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Longest an assertion ID is remembered against replay. An assertion
/// valid until the year 9999 is remembered this long, not until then:
/// `Instant` cannot reach that far on every platform, and by then the
/// process is long gone.
const MAX_REPLAY_MEMORY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Why a response was refused. The text is shown to the browser: it names
/// the rule, never a key or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("SAMLResponse is not base64: {0}")]
    Encoding(String),
    #[error("SAMLResponse is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("malformed response: {0}")]
    Structure(String),
    #[error("the IdP answered {code}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        code: String,
        message: Option<String>,
    },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("neither the response nor the assertion is signed")]
    Unsigned,
    #[error("the assertion is not signed and this SP requires signed assertions")]
    AssertionUnsigned,
    #[error("issuer {0:?} is not the configured IdP")]
    Issuer(String),
    #[error("Destination {0:?} is not this SP's ACS")]
    Destination(String),
    #[error("Recipient {0:?} is not this SP's ACS")]
    Recipient(String),
    #[error("the assertion is not addressed to this SP (audience {0:?})")]
    Audience(String),
    #[error("the assertion expired at {0}")]
    Expired(String),
    #[error("the assertion is not valid before {0}")]
    NotYetValid(String),
    #[error("IssueInstant {0} is outside the accepted window")]
    IssueInstant(String),
    #[error("bad timestamp {0:?}: SAML times are UTC, ending in Z")]
    Timestamp(String),
    #[error("InResponseTo {0:?} does not answer a request this browser made")]
    InResponseTo(String),
    #[error("unsolicited (IdP-initiated) responses are not accepted by this SP")]
    Unsolicited,
    #[error("assertion {0} was already used (replay)")]
    Replay(String),
    #[error("the SP is at capacity; try again later")]
    Capacity,
    /// The response was valid but names no account that may sign in.
    #[error("{0}")]
    Account(String),
}

/// Who the IdP says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub attributes: Vec<(String, Vec<String>)>,
    pub assertion_id: String,
    /// Whether this answered an SP-initiated request.
    pub solicited: bool,
}

fn structure(s: impl Into<String>) -> Rejection {
    Rejection::Structure(s.into())
}

fn one<'a>(parent: &'a Element, ns: &str, local: &str) -> Result<&'a Element, Rejection> {
    parent.one(ns, local).map_err(|n| {
        structure(format!(
            "{} must have exactly one {local}, found {n}",
            parent.name.local
        ))
    })
}

fn time_attr(q: &Quirks, e: &Element, name: &str) -> Result<Option<OffsetDateTime>, Rejection> {
    let Some(v) = e.attr(name) else {
        return Ok(None);
    };
    if q.has(Q::RequireFractionalSeconds) && !v.contains('.') {
        return Err(Rejection::Timestamp(v.into()));
    }
    if q.has(Q::LenientTimestamps) {
        let local = format!("{v}Z");
        return Ok(OffsetDateTime::parse(v, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(&local, &Rfc3339))
            .ok());
    }
    if !v.ends_with('Z') {
        return Err(Rejection::Timestamp(v.into()));
    }
    OffsetDateTime::parse(v, &Rfc3339)
        .map(Some)
        .map_err(|_| Rejection::Timestamp(v.into()))
}

/// Whether a time bound `until` (exclusive) has passed at `now`, with
/// `skew` of tolerance. A bound too far in the future to add the skew to
/// (year 9999) has not passed; nothing here may overflow, since the values
/// come from the request.
fn expired(now: OffsetDateTime, until: OffsetDateTime, skew: time::Duration) -> bool {
    until.checked_add(skew).is_some_and(|end| now >= end)
}

/// Whether an `IssueInstant` lies within `[now - skew - max_delay, now +
/// skew]`; a bound that overflows the calendar is no bound.
fn issued_in_window(
    issued: OffsetDateTime,
    now: OffsetDateTime,
    skew: time::Duration,
    max_delay: time::Duration,
) -> bool {
    let latest = now.checked_add(skew);
    let earliest = now.checked_sub(skew).and_then(|t| t.checked_sub(max_delay));
    latest.is_none_or(|l| issued <= l) && earliest.is_none_or(|e| issued >= e)
}

/// Checks responses for one SP.
#[derive(Debug, Clone)]
pub struct Validator {
    pub config: SamlConfig,
    pub sp_entity_id: String,
    pub acs_url: String,
}

impl Validator {
    /// Validates a posted `SAMLResponse` for the browser with this ID (from
    /// its cookie) at time `now`.
    pub fn validate(
        &self,
        saml_response: &str,
        browser: Option<&str>,
        store: &SessionStore,
        now: OffsetDateTime,
    ) -> Result<Identity, Rejection> {
        if saml_response.len() > MAX_RESPONSE_BYTES {
            return Err(Rejection::TooLarge);
        }
        let compact: String = saml_response
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let xml = B64
            .decode(compact)
            .map_err(|e| Rejection::Encoding(e.to_string()))?;
        let q = &self.config.quirks;
        if q.has(Q::FragileParser) && String::from_utf8_lossy(&xml).matches("<!ENTITY").count() > 3
        {
            // The quirk's worker dies on entity expansion; say so as a size.
            return Err(Rejection::TooLarge);
        }
        if q.has(Q::DereferenceUrls) {
            super::quirk_fetch::fetch_named_urls(&xml);
        }
        let lenient = Leniency {
            doctype: q.has(Q::AllowDoctype),
            names: q.has(Q::LenientNames),
            keep_comments: q.has(Q::CommentsTruncateText),
        };
        let mut root = dom::parse_with(&xml, lenient)?;
        if q.has(Q::FirstAssertionWins) || q.has(Q::LastAssertionWins) {
            by_local_names(&mut root);
        }
        self.check(&root, browser, store, now)
    }

    fn check(
        &self,
        resp: &Element,
        browser: Option<&str>,
        store: &SessionStore,
        now: OffsetDateTime,
    ) -> Result<Identity, Rejection> {
        let cfg = &self.config;
        let q = &cfg.quirks;
        let naive =
            q.has(Q::FirstAssertionWins) || q.has(Q::LastAssertionWins) || q.has(Q::SignatureById);
        let skew = time::Duration::try_from(cfg.clock_skew).unwrap_or(time::Duration::MINUTE);
        if !resp.name.is(PROTOCOL, "Response") {
            return Err(structure(format!(
                "the root is {{{}}}{}, not a samlp:Response",
                resp.name.ns, resp.name.local
            )));
        }
        if resp.attr("Version") != Some("2.0") && !q.has(Q::AnyVersion) {
            return Err(structure("Version must be 2.0"));
        }
        // IDs must be unique in the document, or "the element with this
        // ID" means two things (wrapping attacks).
        let mut ids = std::collections::HashSet::new();
        let mut dup = None;
        resp.walk(&mut |e| {
            if let Some(id) = e.attr("ID")
                && !ids.insert(id)
            {
                dup = Some(id.to_owned());
            }
        });
        if let Some(id) = dup.filter(|_| !naive) {
            return Err(structure(format!("ID {id:?} appears twice")));
        }
        if resp.attr("ID").is_none_or(str::is_empty) {
            return Err(structure("the Response has no ID"));
        }

        // Status first: an error response is an answer, not an attack.
        if !q.has(Q::IgnoreStatus) {
            self.status(resp)?;
        }
        let (assertion, resp_sig, assertion_sig) = if naive {
            self.naive_signatures(resp)?
        } else {
            self.strict_signatures(resp)?
        };
        if resp_sig.is_some() && q.has(Q::RejectSignedResponse) {
            return Err(structure("this SP refuses signed Responses"));
        }
        self.consume(
            resp,
            assertion,
            resp_sig.is_some(),
            assertion_sig.is_some(),
            browser,
            store,
            now,
            skew,
        )
    }

    fn status(&self, resp: &Element) -> Result<(), Rejection> {
        let status = one(resp, PROTOCOL, "Status")?;
        let code = one(status, PROTOCOL, "StatusCode")?;
        let top = code.attr("Value").unwrap_or_default();
        if top != SUCCESS {
            let sub = code
                .all(PROTOCOL, "StatusCode")
                .next()
                .and_then(|c| c.attr("Value"));
            let code = match sub {
                Some(s) => format!("{top} / {s}"),
                None => top.to_owned(),
            };
            let message = status
                .all(PROTOCOL, "StatusMessage")
                .next()
                .map(Element::text);
            return Err(Rejection::Status { code, message });
        }
        Ok(())
    }

    /// The assertion to consume and the verified signatures of the
    /// Response and of it, as the strict ACS finds them.
    #[allow(clippy::type_complexity)]
    fn strict_signatures<'a>(
        &self,
        resp: &'a Element,
    ) -> Result<(&'a Element, Option<&'a Element>, Option<&'a Element>), Rejection> {
        let cfg = &self.config;
        let q = &cfg.quirks;
        // Exactly one assertion in the whole document, a direct child, and
        // no encrypted or foreign-namespace look-alikes.
        let assertions = resp.count(ASSERTION, "Assertion");
        let mut lookalikes = 0;
        resp.walk(&mut |e| {
            if (e.name.local == "Assertion" && *e.name.ns != *ASSERTION)
                || e.name.local == "EncryptedAssertion"
                || (e.name.local == "Response" && !std::ptr::eq(e, resp))
            {
                lookalikes += 1;
            }
        });
        if assertions != 1 || lookalikes != 0 {
            return Err(structure(format!(
                "a response must carry exactly one plain saml:Assertion; found {assertions} and {lookalikes} look-alike, encrypted or nested elements"
            )));
        }
        let assertion = one(resp, ASSERTION, "Assertion")?;

        // Signatures: only as the child right after Issuer of the Response
        // or the Assertion; every one present must verify.
        let total_sigs = resp.count(DSIG, "Signature");
        let loose = q.has(Q::AnySignaturePosition);
        let (resp_sig, assertion_sig) = if loose {
            (
                loose_signature(resp, &cfg.idp_keys, q)?,
                loose_signature(assertion, &cfg.idp_keys, q)?,
            )
        } else {
            (placed_signature(resp)?, placed_signature(assertion)?)
        };
        let placed = usize::from(resp_sig.is_some()) + usize::from(assertion_sig.is_some());
        let anywhere = q.has(Q::AnySignatureInDocument);
        if total_sigs != placed && !loose && !anywhere {
            return Err(structure(
                "a ds:Signature is somewhere other than right after the Issuer of the Response or Assertion",
            ));
        }
        if let Some(s) = resp_sig {
            signature::verify_with(resp, s, &cfg.idp_keys, q)?;
        }
        if let Some(s) = assertion_sig {
            signature::verify_with(assertion, s, &cfg.idp_keys, q)?;
        }
        match (resp_sig, assertion_sig) {
            (None, None) if q.has(Q::AcceptUnsignedAssertion) => {}
            (None, None) if anywhere && any_valid_signature(resp, &cfg.idp_keys, q) => {}
            (None, None) => return Err(Rejection::Unsigned),
            (Some(_), None) if cfg.require_signed_assertion || q.has(Q::RequireSignedAssertion) => {
                return Err(Rejection::AssertionUnsigned);
            }
            _ => {}
        }
        Ok((assertion, resp_sig, assertion_sig))
    }

    /// The naive SPs of the wrapping quirks: the assertion they consume
    /// and whether they consider the Response and it signed.
    #[allow(clippy::type_complexity)]
    fn naive_signatures<'a>(
        &self,
        resp: &'a Element,
    ) -> Result<(&'a Element, Option<&'a Element>, Option<&'a Element>), Rejection> {
        let cfg = &self.config;
        let q = &cfg.quirks;
        let mut all = Vec::new();
        resp.walk(&mut |e| {
            if e.name.local == "Assertion" {
                all.push(e);
            }
        });
        if q.has(Q::SignatureById) {
            let assertion = resp
                .elements()
                .find(|e| e.name.local == "Assertion")
                .ok_or_else(|| structure("no Assertion"))?;
            let mut pairs = Vec::new();
            signatures_with_parents(resp, &mut pairs);
            let mut valid = None;
            for (parent, sig) in pairs {
                let uri = sig
                    .elements()
                    .find(|e| e.name.is(DSIG, "SignedInfo"))
                    .and_then(|si| si.elements().find(|e| e.name.is(DSIG, "Reference")))
                    .and_then(|r| r.attr("URI"))
                    .unwrap_or_default();
                let id = uri.trim_start_matches('#');
                // An ID map built in document order, where a later element
                // with the same ID replaces an earlier one (a DOM whose ID
                // registration overwrites).
                let mut target = None;
                resp.walk(&mut |e| {
                    if e.attr("ID") == Some(id) {
                        target = Some(e);
                    }
                });
                let _ = parent;
                if let Some(t) = target
                    && signature::verify_with(t, sig, &cfg.idp_keys, q).is_ok()
                {
                    valid = Some(sig);
                }
            }
            let sig = valid.ok_or(Rejection::Unsigned)?;
            return Ok((assertion, None, Some(sig)));
        }
        let assertion = if q.has(Q::LastAssertionWins) {
            all.last()
        } else {
            all.first()
        }
        .copied()
        .ok_or_else(|| structure("no Assertion"))?;
        let resp_sig = placed_signature(resp)?;
        if let Some(s) = resp_sig {
            signature::verify_with(resp, s, &cfg.idp_keys, q)?;
        }
        let mut any = resp_sig;
        for a in &all {
            if let Some(s) = placed_signature(a)? {
                signature::verify_with(a, s, &cfg.idp_keys, q)?;
                any = Some(s);
            }
        }
        let any = any.ok_or(Rejection::Unsigned)?;
        Ok((assertion, resp_sig, Some(any)))
    }

    #[allow(clippy::too_many_arguments)]
    fn consume(
        &self,
        resp: &Element,
        assertion: &Element,
        _response_signed: bool,
        _assertion_signed: bool,
        browser: Option<&str>,
        store: &SessionStore,
        now: OffsetDateTime,
        skew: time::Duration,
    ) -> Result<Identity, Rejection> {
        let cfg = &self.config;
        let q = &cfg.quirks;

        // From here on every value read is covered by a verified signature.
        let dest = resp.attr("Destination").unwrap_or_default();
        if dest != self.acs_url && !q.has(Q::SkipDestination) {
            return Err(Rejection::Destination(dest.into()));
        }
        if let Ok(issuer) = resp.one(ASSERTION, "Issuer") {
            let v = issuer.text();
            if v.trim() != cfg.idp_entity_id && !q.has(Q::SkipIssuer) {
                return Err(Rejection::Issuer(v));
            }
        }
        if assertion.attr("Version") != Some("2.0") && !q.has(Q::AnyVersion) {
            return Err(structure("the Assertion's Version must be 2.0"));
        }
        let assertion_id = assertion
            .attr("ID")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| structure("the Assertion has no ID"))?
            .to_owned();
        let a_issuer_el = one(assertion, ASSERTION, "Issuer")?;
        let a_issuer = a_issuer_el.text();
        if a_issuer.trim() != cfg.idp_entity_id && !q.has(Q::SkipIssuer) {
            return Err(Rejection::Issuer(a_issuer));
        }
        if q.has(Q::RequireIssuerFormat)
            && a_issuer_el.attr("Format")
                != Some("urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
        {
            return Err(structure("this SP requires Issuer Format=entity"));
        }
        if q.has(Q::PrefixedNamesOnly) {
            let mut bare = false;
            assertion.walk(&mut |e| bare |= *e.name.ns == *ASSERTION && e.name.prefix.is_empty());
            if bare {
                return Err(structure("this SP reads only prefixed assertion elements"));
            }
        }
        // Subject: a bearer confirmation for this ACS, with an expiry.
        let subject = one(assertion, ASSERTION, "Subject")?;
        let name_id = if q.has(Q::FirstNameId) {
            subject
                .all(ASSERTION, "NameID")
                .next()
                .ok_or_else(|| structure("the Subject has no NameID"))?
        } else {
            one(subject, ASSERTION, "NameID")?
        };
        let in_response_to = resp.attr("InResponseTo");
        // Read only by the `skip-in-response-to` quirk's SP, which takes
        // the request ID from wherever it finds one.
        let mut scd_in_response_to = None;
        let mut confirmed_until = None;
        for sc in subject.all(ASSERTION, "SubjectConfirmation") {
            if sc.attr("Method") != Some(BEARER) && !q.has(Q::AnyConfirmationMethod) {
                continue;
            }
            let data = one(sc, ASSERTION, "SubjectConfirmationData")?;
            if data.attr("NotBefore").is_some() && !q.has(Q::ScdNotBeforeAllowed) {
                return Err(structure(
                    "a bearer SubjectConfirmationData must not carry NotBefore",
                ));
            }
            let recipient = data.attr("Recipient").unwrap_or_default();
            if recipient != self.acs_url && !q.has(Q::SkipRecipient) {
                return Err(Rejection::Recipient(recipient.into()));
            }
            let until = match time_attr(q, data, "NotOnOrAfter")? {
                Some(t) => t,
                None if q.has(Q::BearerExpiryOptional) => now + time::Duration::hours(1),
                None => {
                    return Err(structure(
                        "the bearer SubjectConfirmationData has no NotOnOrAfter",
                    ));
                }
            };
            if expired(now, until, skew) && !q.has(Q::IgnoreExpiry) {
                return Err(Rejection::Expired(
                    data.attr("NotOnOrAfter").unwrap_or_default().into(),
                ));
            }
            if q.has(Q::SkipInResponseTo) {
                scd_in_response_to = data.attr("InResponseTo");
            }
            if data.attr("InResponseTo") != in_response_to && !q.has(Q::SkipInResponseTo) {
                return Err(Rejection::InResponseTo(
                    data.attr("InResponseTo").unwrap_or_default().into(),
                ));
            }
            confirmed_until = Some(until);
        }
        let confirmed_until = confirmed_until
            .ok_or_else(|| structure("the Subject has no bearer SubjectConfirmation"))?;

        // Conditions: a window that contains now, and an audience
        // restriction naming this SP in each restriction element.
        let conditions = one(assertion, ASSERTION, "Conditions")?;
        if let Some(nb) = time_attr(q, conditions, "NotBefore")?
            && now.checked_add(skew).is_some_and(|latest| latest < nb)
            && !q.has(Q::IgnoreNotBefore)
        {
            return Err(Rejection::NotYetValid(
                conditions.attr("NotBefore").unwrap_or_default().into(),
            ));
        }
        let mut expires = confirmed_until;
        if let Some(na) = time_attr(q, conditions, "NotOnOrAfter")? {
            if expired(now, na, skew) && !q.has(Q::IgnoreExpiry) {
                return Err(Rejection::Expired(
                    conditions.attr("NotOnOrAfter").unwrap_or_default().into(),
                ));
            }
            expires = expires.max(na);
        }
        let mut restrictions = 0;
        for c in conditions.elements() {
            if c.name.is(ASSERTION, "AudienceRestriction") {
                restrictions += 1;
                let audiences: Vec<String> =
                    c.all(ASSERTION, "Audience").map(|a| a.text()).collect();
                if !audiences.iter().any(|a| a.trim() == self.sp_entity_id)
                    && !q.has(Q::SkipAudience)
                {
                    return Err(Rejection::Audience(audiences.join(", ")));
                }
            } else if !(c.name.is(ASSERTION, "OneTimeUse")
                || c.name.is(ASSERTION, "ProxyRestriction")
                || q.has(Q::IgnoreUnknownConditions))
            {
                return Err(structure(format!(
                    "unknown condition {} makes the assertion indeterminate",
                    c.qname()
                )));
            }
        }
        if restrictions == 0 && !q.has(Q::SkipAudience) {
            return Err(Rejection::Audience(String::new()));
        }
        if assertion.all(ASSERTION, "AuthnStatement").next().is_none()
            && !q.has(Q::AuthnStatementOptional)
        {
            return Err(structure("the Assertion has no AuthnStatement"));
        }

        // Issue times last, so an expired or premature assertion is
        // reported as such rather than as an odd IssueInstant.
        let issued = time_attr(q, resp, "IssueInstant")?
            .ok_or_else(|| structure("the Response has no IssueInstant"))?;
        let max_delay =
            time::Duration::try_from(cfg.max_issue_delay).unwrap_or(time::Duration::MINUTE);
        if !issued_in_window(issued, now, skew, max_delay) && !q.has(Q::IgnoreIssueInstant) {
            return Err(Rejection::IssueInstant(
                resp.attr("IssueInstant").unwrap_or_default().into(),
            ));
        }

        let a_issued = time_attr(q, assertion, "IssueInstant")?
            .ok_or_else(|| structure("the Assertion has no IssueInstant"))?;
        if !issued_in_window(a_issued, now, skew, max_delay) && !q.has(Q::IgnoreIssueInstant) {
            return Err(Rejection::IssueInstant(
                assertion.attr("IssueInstant").unwrap_or_default().into(),
            ));
        }

        // Solicited or not: only now, after every other check, so a forged
        // response cannot burn a browser's outstanding request.
        let solicited = match in_response_to.or(scd_in_response_to) {
            Some(id) => match store.take_request(id, browser) {
                Some(true) => true,
                Some(false) if q.has(Q::AllowReplay) => true,
                _ if q.has(Q::SkipInResponseTo) => false,
                _ => return Err(Rejection::InResponseTo(id.into())),
            },
            None if cfg.allow_idp_initiated || q.has(Q::AllowUnsolicited) => false,
            None => return Err(Rejection::Unsolicited),
        };
        // Kept until the assertion can no longer be accepted anyway.
        let remaining = expires
            .checked_add(skew)
            .map_or(time::Duration::MAX, |end| end - now);
        let keep = Duration::try_from(remaining)
            .unwrap_or_default()
            .min(MAX_REPLAY_MEMORY);
        let until = Instant::now() + keep;
        match store.consume_assertion(&assertion_id, until) {
            Ok(()) => {}
            Err(true) if q.has(Q::AllowReplay) => {}
            Err(true) => return Err(Rejection::Replay(assertion_id.clone())),
            Err(false) => return Err(Rejection::Capacity),
        }

        let mut attributes = Vec::new();
        for st in assertion.all(ASSERTION, "AttributeStatement") {
            for a in st.all(ASSERTION, "Attribute") {
                let name = a.attr("Name").unwrap_or_default().to_owned();
                let values = a
                    .all(ASSERTION, "AttributeValue")
                    .map(Element::text)
                    .collect();
                attributes.push((name, values));
            }
        }
        // Untrimmed: the account key refuses edge whitespace, where a trim
        // would let `alice@example.com ` sign in as `alice@example.com`.
        let value = if q.has(Q::CommentsTruncateText) {
            name_id.first_text()
        } else {
            name_id.text()
        };
        if value.trim().is_empty() {
            return Err(structure("the NameID is empty"));
        }
        Ok(Identity {
            name_id: value,
            name_id_format: name_id.attr("Format").map(str::to_owned),
            attributes,
            assertion_id,
            solicited,
        })
    }
}

/// The first of `e`'s child signatures that verifies, wherever it sits
/// among the children (the `any-signature-position` quirk); the last
/// error when none does.
fn loose_signature<'a>(
    e: &'a Element,
    keys: &[TrustedKey],
    q: &Quirks,
) -> Result<Option<&'a Element>, Rejection> {
    let mut last = None;
    for s in e.all(DSIG, "Signature") {
        match signature::verify_with(e, s, keys, q) {
            Ok(()) => return Ok(Some(s)),
            Err(err) => last = Some(err),
        }
    }
    match last {
        Some(err) => Err(err.into()),
        None => Ok(None),
    }
}

/// Whether any signature in the document verifies against its parent
/// (the `any-signature-in-document` quirk).
fn any_valid_signature(resp: &Element, keys: &[TrustedKey], q: &Quirks) -> bool {
    let mut pairs = Vec::new();
    signatures_with_parents(resp, &mut pairs);
    pairs
        .into_iter()
        .any(|(p, s)| signature::verify_with(p, s, keys, q).is_ok())
}

fn signatures_with_parents<'a>(e: &'a Element, out: &mut Vec<(&'a Element, &'a Element)>) {
    for c in e.elements() {
        if c.name.is(DSIG, "Signature") {
            out.push((e, c));
        }
        signatures_with_parents(c, out);
    }
}

/// Puts every element in the namespace its local name has in SAML, as an
/// SP matching names by local name alone reads them (the wrapping quirks
/// `first-assertion-wins`, `last-assertion-wins`).
fn by_local_names(root: &mut Element) {
    let protocol: std::rc::Rc<str> = std::rc::Rc::from(PROTOCOL);
    let assertion: std::rc::Rc<str> = std::rc::Rc::from(ASSERTION);
    root.walk_mut(&mut |e| {
        let ns = &*e.name.ns;
        if ns == DSIG || ns == PROTOCOL || ns == ASSERTION {
            return;
        }
        match e.name.local.as_str() {
            "Response" | "Status" | "StatusCode" | "StatusMessage" | "Extensions" => {
                e.name.ns = protocol.clone();
            }
            "Assertion"
            | "Issuer"
            | "Subject"
            | "NameID"
            | "SubjectConfirmation"
            | "SubjectConfirmationData"
            | "Conditions"
            | "AudienceRestriction"
            | "Audience"
            | "AuthnStatement"
            | "AuthnContext"
            | "AuthnContextClassRef"
            | "AttributeStatement"
            | "Attribute"
            | "AttributeValue" => e.name.ns = assertion.clone(),
            _ => {}
        }
    });
}

/// The element's `ds:Signature`, if it sits where SAML's schema puts it:
/// the child right after `saml:Issuer`.
fn placed_signature(e: &Element) -> Result<Option<&Element>, Rejection> {
    let kids: Vec<&Element> = e.elements().collect();
    let sigs = kids.iter().filter(|k| k.name.is(DSIG, "Signature")).count();
    match sigs {
        0 => Ok(None),
        1 => match kids.as_slice() {
            [issuer, sig, ..]
                if issuer.name.is(ASSERTION, "Issuer") && sig.name.is(DSIG, "Signature") =>
            {
                Ok(Some(sig))
            }
            _ => Err(structure(format!(
                "the {}'s ds:Signature must follow its Issuer",
                e.name.local
            ))),
        },
        n => Err(structure(format!(
            "the {} has {n} signatures",
            e.name.local
        ))),
    }
}

#[cfg(test)]
mod tests {
    use time::PrimitiveDateTime;

    use super::*;

    /// Issue 14, finding 3: `NotOnOrAfter="9999-12-31T23:59:59Z"` plus the
    /// skew panicked. Every bound, at either end of the calendar and with
    /// any configured tolerance, is a verdict, never an overflow.
    #[test]
    fn time_checks_never_overflow() {
        let now = OffsetDateTime::now_utc();
        let last = PrimitiveDateTime::MAX.assume_utc();
        let first = PrimitiveDateTime::MIN.assume_utc();
        let minute = time::Duration::MINUTE;
        let huge = time::Duration::MAX;
        assert!(!expired(now, last, minute));
        assert!(!expired(now, last, huge));
        assert!(expired(now, first, minute));
        assert!(expired(now, now, time::Duration::ZERO));
        assert!(issued_in_window(now, now, minute, minute));
        assert!(issued_in_window(now, now, huge, huge));
        assert!(issued_in_window(last, last, minute, minute));
        assert!(issued_in_window(first, first, minute, minute));
        assert!(!issued_in_window(last, now, minute, minute));
        assert!(!issued_in_window(first, now, minute, minute));
    }
}
