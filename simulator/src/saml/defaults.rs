//! What a freshly configured SAML app sends, per IdP, unless a flag or a
//! scenario says otherwise. Each field names its row in IDP-ENGINES.md §3
//! and the flag that changes it (`idpsim saml response`, `idpsim serve`).
//! The response's *syntax* (prefixes, IDs, statement order) is [`Shape`]'s
//! business; these are the admin's settings, so a profile may pair any
//! shape with any defaults.
//!
//! [`Shape`]: super::Shape

use super::response::{Shape, SignMode};
use aws_lc_rs::digest;

pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
pub const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";

/// The attribute statements an app sends besides the groups claim and an
/// SP's own mapping (`idpsim serve --config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attributes {
    /// None: a freshly made Okta app has no attribute statements (S13).
    None,
    /// The shape's standard set: Okta's commonly configured `email`,
    /// `firstName`, `lastName`; Entra's fixed claim set (tenantid,
    /// objectidentifier, …, name; reference-saml-tokens.md).
    Profile,
}

/// The groups claim (S14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupsClaim {
    /// No groups claim: Okta until a group attribute statement is added,
    /// Entra until "Add a group claim" is used.
    Off,
    /// Display names: Okta's group attribute statement; Entra only with
    /// the "cloud-only group display names" option.
    Names,
    /// Group object ids (GUIDs): Entra's value once the claim is on
    /// (the token-reference sample lists GUIDs).
    ObjectIds,
}

/// What the app does with a request's NameIDPolicy Format (S12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameIdPolicy {
    /// The configured format or unspecified, else an error response
    /// ("When NameIdPolicy is included in the SAML Request, the Name ID
    /// format must match it", Okta's AIW SAML reference).
    MustMatch,
    /// Persistent, emailAddress, unspecified or transient are honoured
    /// (the NameID follows the request); anything else is an error
    /// (Entra, single-sign-on-saml-protocol.md).
    EntraFormats,
}

/// The assertion's validity window, in minutes from IssueInstant (S8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// `--validity` name.
    pub name: &'static str,
    /// Conditions NotBefore.
    pub not_before: i64,
    /// Conditions NotOnOrAfter.
    pub not_on_or_after: i64,
    /// SubjectConfirmationData NotOnOrAfter.
    pub confirmation: i64,
}

impl Validity {
    /// Okta: T−5 … T+5 min, confirmation T+5 min (real responses in
    /// SAML.md §5.1).
    pub const OKTA: Validity = Validity {
        name: "okta",
        not_before: -5,
        not_on_or_after: 5,
        confirmation: 5,
    };
    /// Entra per the SAML protocol page (single-sign-on-saml-protocol.md):
    /// NotBefore = IssueInstant, NotOnOrAfter 70 min later; confirmation
    /// T+5 min. Entra's default: the protocol page is the normative text.
    pub const ENTRA_PROTOCOL: Validity = Validity {
        name: "entra-protocol",
        not_before: 0,
        not_on_or_after: 70,
        confirmation: 5,
    };
    /// Entra per the token-reference sample (reference-saml-tokens.md):
    /// IssueInstant 05:20:47, NotBefore 05:15:47, NotOnOrAfter 06:15:47,
    /// i.e. T−5 … T+55 min. The sources disagree; this one is selectable.
    pub const ENTRA_TOKEN_REFERENCE: Validity = Validity {
        name: "entra-token-reference",
        not_before: -5,
        not_on_or_after: 55,
        confirmation: 5,
    };
    pub const ALL: &[Validity] = &[
        Validity::OKTA,
        Validity::ENTRA_PROTOCOL,
        Validity::ENTRA_TOKEN_REFERENCE,
    ];

    /// Parses a `--validity` name.
    pub fn parse(s: &str) -> Result<Validity, String> {
        Validity::ALL
            .iter()
            .copied()
            .find(|v| v.name == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Validity::ALL.iter().map(|v| v.name).collect();
                format!("unknown validity {s:?}; use {}", names.join(", "))
            })
    }
}

/// A SAML app as the IdP ships it (IDP-ENGINES.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamlDefaults {
    /// S4. What is signed. Okta: Response *and* Assertion (the AIW's
    /// defaults "Response: Signed, Assertion Signature: Signed", per the
    /// SonarQube, Make and SmartSimple Okta guides); Entra: the assertion
    /// only ("Sign SAML assertion (default)", certificate-signing-options.md).
    /// Flag `--sign`.
    pub sign: SignMode,
    /// S13. Okta: none until the admin adds attribute statements; Entra:
    /// its fixed claim set. Flag `--attributes none|profile`.
    pub attributes: Attributes,
    /// S14. Off for both; Okta's group attribute statement carries names,
    /// Entra's claim object ids. Flags `--groups-claim off|names|ids`
    /// (`--group-filter` alone turns it on with the IdP's kind of value).
    pub groups: GroupsClaim,
    /// The kind of value the groups claim carries once turned on.
    pub groups_when_on: GroupsClaim,
    /// S12. The app's configured NameID format. Okta: Unspecified (AIW
    /// default), value the Okta username; Entra: emailAddress with the UPN
    /// (enterprise-app default "user.userprincipalname"). Flag
    /// `--name-id-format`.
    pub name_id_format: &'static str,
    /// S12. How a request's NameIDPolicy is treated.
    pub name_id_policy: NameIdPolicy,
    /// S8. Flag `--validity okta|entra-protocol|entra-token-reference`.
    pub validity: Validity,
}

impl SamlDefaults {
    /// A freshly made Okta SAML app.
    pub const OKTA: SamlDefaults = SamlDefaults {
        sign: SignMode::Both,
        attributes: Attributes::None,
        groups: GroupsClaim::Off,
        groups_when_on: GroupsClaim::Names,
        name_id_format: UNSPECIFIED,
        name_id_policy: NameIdPolicy::MustMatch,
        validity: Validity::OKTA,
    };

    /// A freshly made Entra enterprise app.
    pub const ENTRA: SamlDefaults = SamlDefaults {
        sign: SignMode::Assertion,
        attributes: Attributes::Profile,
        groups: GroupsClaim::Off,
        groups_when_on: GroupsClaim::ObjectIds,
        name_id_format: EMAIL,
        name_id_policy: NameIdPolicy::EntraFormats,
        validity: Validity::ENTRA_PROTOCOL,
    };

    /// The defaults of the IdP whose shape `shape` is.
    pub fn for_shape(shape: &Shape) -> SamlDefaults {
        match shape {
            Shape::Okta { .. } => SamlDefaults::OKTA,
            Shape::Entra { .. } => SamlDefaults::ENTRA,
        }
    }

    /// The NameID format this app answers a request asking `requested`
    /// with, or the refusal message when it answers with an error (S12).
    pub fn answer_format(&self, requested: Option<&str>) -> Result<&'static str, String> {
        let Some(asked) = requested.filter(|f| !f.is_empty()) else {
            return Ok(self.name_id_format);
        };
        match self.name_id_policy {
            NameIdPolicy::MustMatch if asked == UNSPECIFIED || asked == self.name_id_format => {
                Ok(self.name_id_format)
            }
            NameIdPolicy::MustMatch => Err(format!(
                "the request's NameIDPolicy Format {asked} is not the app's Name ID format {}",
                self.name_id_format
            )),
            NameIdPolicy::EntraFormats => [PERSISTENT, EMAIL, UNSPECIFIED, TRANSIENT]
                .into_iter()
                .find(|f| *f == asked)
                .ok_or_else(|| {
                    format!(
                        "AADSTS (idpsim): the NameIDPolicy Format {asked} is not supported; use persistent, emailAddress, unspecified or transient"
                    )
                }),
        }
    }
}

impl SamlDefaults {
    /// The groups claim's values for `user_name`: the groups that pass
    /// `filter`, as names or object ids (S14); nothing when the claim is off.
    pub fn group_values(
        &self,
        dir: &crate::directory::Directory,
        user_name: &str,
        filter: &super::GroupFilter,
    ) -> Vec<String> {
        let names = filter.apply(&dir.groups_of(user_name));
        match self.groups {
            GroupsClaim::Off => Vec::new(),
            GroupsClaim::Names => names,
            GroupsClaim::ObjectIds => names
                .iter()
                .map(|n| group_object_id(dir.group(n).map_or(n.as_str(), |g| g.idp_id.as_str())))
                .collect(),
        }
    }

    /// The groups claim's values for group names given outright (no
    /// directory): names, or ids derived from the names.
    pub fn group_values_of_names(&self, names: Vec<String>) -> Vec<String> {
        match self.groups {
            GroupsClaim::Off => Vec::new(),
            GroupsClaim::Names => names,
            GroupsClaim::ObjectIds => names.iter().map(|n| group_object_id(n)).collect(),
        }
    }
}

/// Parses a `--name-id-format`: `unspecified`, `email`, `persistent`,
/// `transient` or a full URN.
pub fn parse_name_id_format(s: &str) -> Result<&'static str, String> {
    Ok(match s {
        "unspecified" | UNSPECIFIED => UNSPECIFIED,
        "email" | "emailAddress" | EMAIL => EMAIL,
        "persistent" | PERSISTENT => PERSISTENT,
        "transient" | TRANSIENT => TRANSIENT,
        _ => {
            return Err(format!(
                "unknown NameID format {s:?}; use unspecified, email, persistent or transient"
            ));
        }
    })
}

/// Parses a session age for `--session-age`: `0s`, `90s`, `15m`, `8h`,
/// `30d`.
pub fn parse_age(s: &str) -> Result<time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let bad = || format!("{s:?} is not an age such as 90s, 15m, 8h or 30d");
    let n: i64 = num.parse().map_err(|_| bad())?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    // Ten years: past that no session is plausible, and the product cannot
    // overflow.
    if n > 3650 * 86_400 / per {
        return Err(format!("{s:?} is longer than ten years"));
    }
    Ok(time::Duration::seconds(n * per))
}

/// A group's object id (GUID) for Entra's claim: `key` itself when it is a
/// GUID already, else a GUID derived from it, so the same group always
/// gets the same id.
pub fn group_object_id(key: &str) -> String {
    if uuid::Uuid::parse_str(key).is_ok() {
        return key.to_owned();
    }
    let d = digest::digest(&digest::SHA256, key.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// S12: Okta answers only its own format (or unspecified, "any");
    /// Entra honours its four and refuses the rest.
    #[test]
    fn name_id_policy_per_idp() {
        let okta = SamlDefaults::OKTA;
        assert_eq!(okta.answer_format(None), Ok(UNSPECIFIED));
        assert_eq!(okta.answer_format(Some(UNSPECIFIED)), Ok(UNSPECIFIED));
        assert!(okta.answer_format(Some(EMAIL)).is_err());
        let email_app = SamlDefaults {
            name_id_format: EMAIL,
            ..okta
        };
        assert_eq!(email_app.answer_format(Some(EMAIL)), Ok(EMAIL));
        assert_eq!(email_app.answer_format(Some(UNSPECIFIED)), Ok(EMAIL));
        let entra = SamlDefaults::ENTRA;
        assert_eq!(entra.answer_format(Some(PERSISTENT)), Ok(PERSISTENT));
        assert!(
            entra
                .answer_format(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"))
                .is_err()
        );
    }

    #[test]
    fn validity_names_parse_and_group_ids_are_stable_guids() {
        for v in Validity::ALL {
            assert_eq!(Validity::parse(v.name), Ok(*v));
        }
        assert!(Validity::parse("forever").is_err());
        let id = group_object_id("eng");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert_eq!(id, group_object_id("eng"));
        assert_ne!(id, group_object_id("sales"));
        let guid = "0e1d2c3b-4a59-4867-8756-a4b3c2d1e0f9";
        assert_eq!(group_object_id(guid), guid);
        assert_eq!(parse_name_id_format("email"), Ok(EMAIL));
        assert_eq!(parse_age("30d"), Ok(time::Duration::days(30)));
        assert_eq!(parse_age("0s"), Ok(time::Duration::ZERO));
        assert!(parse_age("3 weeks").is_err());
        assert!(parse_age("99999999999d").is_err());
        assert!(parse_name_id_format("kerberos").is_err());
    }
}
