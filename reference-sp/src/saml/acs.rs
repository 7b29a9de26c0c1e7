//! The assertion consumer: every check a response must pass before anyone
//! is signed in, in the order that keeps the cheap and structural ones
//! first and never reads an unverified value as trusted.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::dom::{self, Element, XmlError};
use super::signature::{self, DSIG, SignatureError};
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

fn time_attr(e: &Element, name: &str) -> Result<Option<OffsetDateTime>, Rejection> {
    let Some(v) = e.attr(name) else {
        return Ok(None);
    };
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
        let root = dom::parse(&xml)?;
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
        let skew = time::Duration::try_from(cfg.clock_skew).unwrap_or(time::Duration::MINUTE);
        if !resp.name.is(PROTOCOL, "Response") {
            return Err(structure(format!(
                "the root is {{{}}}{}, not a samlp:Response",
                resp.name.ns, resp.name.local
            )));
        }
        if resp.attr("Version") != Some("2.0") {
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
        if let Some(id) = dup {
            return Err(structure(format!("ID {id:?} appears twice")));
        }
        if resp.attr("ID").is_none_or(str::is_empty) {
            return Err(structure("the Response has no ID"));
        }

        // Status first: an error response is an answer, not an attack.
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
        let resp_sig = placed_signature(resp)?;
        let assertion_sig = placed_signature(assertion)?;
        let placed = usize::from(resp_sig.is_some()) + usize::from(assertion_sig.is_some());
        if total_sigs != placed {
            return Err(structure(
                "a ds:Signature is somewhere other than right after the Issuer of the Response or Assertion",
            ));
        }
        if let Some(s) = resp_sig {
            signature::verify(resp, s, &cfg.idp_keys)?;
        }
        if let Some(s) = assertion_sig {
            signature::verify(assertion, s, &cfg.idp_keys)?;
        }
        match (resp_sig, assertion_sig) {
            (None, None) => return Err(Rejection::Unsigned),
            (Some(_), None) if cfg.require_signed_assertion => {
                return Err(Rejection::AssertionUnsigned);
            }
            _ => {}
        }

        // From here on every value read is covered by a verified signature.
        let dest = resp.attr("Destination").unwrap_or_default();
        if dest != self.acs_url {
            return Err(Rejection::Destination(dest.into()));
        }
        if let Ok(issuer) = resp.one(ASSERTION, "Issuer") {
            let v = issuer.text();
            if v.trim() != cfg.idp_entity_id {
                return Err(Rejection::Issuer(v));
            }
        }
        if assertion.attr("Version") != Some("2.0") {
            return Err(structure("the Assertion's Version must be 2.0"));
        }
        let assertion_id = assertion
            .attr("ID")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| structure("the Assertion has no ID"))?
            .to_owned();
        let a_issuer = one(assertion, ASSERTION, "Issuer")?.text();
        if a_issuer.trim() != cfg.idp_entity_id {
            return Err(Rejection::Issuer(a_issuer));
        }
        // Subject: a bearer confirmation for this ACS, with an expiry.
        let subject = one(assertion, ASSERTION, "Subject")?;
        let name_id = one(subject, ASSERTION, "NameID")?;
        let in_response_to = resp.attr("InResponseTo");
        let mut confirmed_until = None;
        for sc in subject.all(ASSERTION, "SubjectConfirmation") {
            if sc.attr("Method") != Some(BEARER) {
                continue;
            }
            let data = one(sc, ASSERTION, "SubjectConfirmationData")?;
            if data.attr("NotBefore").is_some() {
                return Err(structure(
                    "a bearer SubjectConfirmationData must not carry NotBefore",
                ));
            }
            let recipient = data.attr("Recipient").unwrap_or_default();
            if recipient != self.acs_url {
                return Err(Rejection::Recipient(recipient.into()));
            }
            let until = time_attr(data, "NotOnOrAfter")?.ok_or_else(|| {
                structure("the bearer SubjectConfirmationData has no NotOnOrAfter")
            })?;
            if expired(now, until, skew) {
                return Err(Rejection::Expired(
                    data.attr("NotOnOrAfter").unwrap_or_default().into(),
                ));
            }
            if data.attr("InResponseTo") != in_response_to {
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
        if let Some(nb) = time_attr(conditions, "NotBefore")?
            && now.checked_add(skew).is_some_and(|latest| latest < nb)
        {
            return Err(Rejection::NotYetValid(
                conditions.attr("NotBefore").unwrap_or_default().into(),
            ));
        }
        let mut expires = confirmed_until;
        if let Some(na) = time_attr(conditions, "NotOnOrAfter")? {
            if expired(now, na, skew) {
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
                if !audiences.iter().any(|a| a.trim() == self.sp_entity_id) {
                    return Err(Rejection::Audience(audiences.join(", ")));
                }
            } else if !(c.name.is(ASSERTION, "OneTimeUse")
                || c.name.is(ASSERTION, "ProxyRestriction"))
            {
                return Err(structure(format!(
                    "unknown condition {} makes the assertion indeterminate",
                    c.qname()
                )));
            }
        }
        if restrictions == 0 {
            return Err(Rejection::Audience(String::new()));
        }
        if assertion.all(ASSERTION, "AuthnStatement").next().is_none() {
            return Err(structure("the Assertion has no AuthnStatement"));
        }

        // Issue times last, so an expired or premature assertion is
        // reported as such rather than as an odd IssueInstant.
        let issued = time_attr(resp, "IssueInstant")?
            .ok_or_else(|| structure("the Response has no IssueInstant"))?;
        let max_delay =
            time::Duration::try_from(cfg.max_issue_delay).unwrap_or(time::Duration::MINUTE);
        if !issued_in_window(issued, now, skew, max_delay) {
            return Err(Rejection::IssueInstant(
                resp.attr("IssueInstant").unwrap_or_default().into(),
            ));
        }

        let a_issued = time_attr(assertion, "IssueInstant")?
            .ok_or_else(|| structure("the Assertion has no IssueInstant"))?;
        if !issued_in_window(a_issued, now, skew, max_delay) {
            return Err(Rejection::IssueInstant(
                assertion.attr("IssueInstant").unwrap_or_default().into(),
            ));
        }

        // Solicited or not: only now, after every other check, so a forged
        // response cannot burn a browser's outstanding request.
        let solicited = match in_response_to {
            Some(id) => match store.take_request(id, browser) {
                Some(true) => true,
                _ => return Err(Rejection::InResponseTo(id.into())),
            },
            None if cfg.allow_idp_initiated => false,
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
        store
            .consume_assertion(&assertion_id, until)
            .map_err(|seen| {
                if seen {
                    Rejection::Replay(assertion_id.clone())
                } else {
                    Rejection::Capacity
                }
            })?;

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
        let value = name_id.text();
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
