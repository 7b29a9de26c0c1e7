//! SAML.md §3.3 H: Audience, Recipient, Destination, Issuer, each wrong
//! in a response the IdP's key signed.

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::super::xml::Node;
use super::case;

fn changed(f: &Forge<'_>, change: impl FnOnce(&mut Doc, &Forge<'_>)) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    change(&mut d, f);
    d.resign()?;
    Ok(Script::doc(&d))
}

fn audience(f: &Forge<'_>, value: String) -> Result<Script, String> {
    changed(f, |d, _| {
        d.in_assertion(&["Conditions", "AudienceRestriction", "Audience"])
            .set_text(value)
    })
}

/// `url` with another host, path or scheme.
fn other(url: &str, what: &str) -> String {
    match what {
        "host" => url
            .replacen("127.0.0.1", "127.0.0.2", 1)
            .replacen("localhost", "127.0.0.2", 1),
        "path" => format!("{}-other", url.trim_end_matches('/')),
        _ => {
            if let Some(rest) = url.strip_prefix("https://") {
                format!("http://{rest}")
            } else {
                url.replacen("http://", "https://", 1)
            }
        }
    }
}

fn recipient(f: &Forge<'_>, what: &'static str) -> Result<Script, String> {
    changed(f, |d, f| {
        let v = other(&f.start(0).acs_url, what);
        d.scd().set_attr("Recipient", v);
    })
}

fn issuer(f: &Forge<'_>, assertion: bool, change: fn(&str) -> String) -> Result<Script, String> {
    changed(f, move |d, _| {
        let e = if assertion {
            d.in_assertion(&["Issuer"])
        } else {
            d.root.kid_mut("Issuer").expect("an Issuer")
        };
        let v = change(&e.text());
        e.set_text(v);
    })
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.audience.other-sp",
            "Audience is another SP's entity ID",
            "SAML.md N-50; SPID 83-87; SAML Core §2.5.1.4",
            Expect::Refuse,
            &["skip-audience"],
            |f| audience(f, "https://sp.attacker.invalid/saml/metadata".into()),
        ),
        case(
            "saml.audience.missing-restriction",
            "No AudienceRestriction at all",
            "SAML.md N-50; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["skip-audience"],
            |f| {
                changed(f, |d, _| {
                    d.conditions().take("AudienceRestriction");
                })
            },
        ),
        case(
            "saml.audience.second-restriction-other",
            "Two AudienceRestrictions, the second naming only another SP",
            "SAML.md N-50; SAML Core §2.5.1.4 (restrictions are AND-ed)",
            Expect::Refuse,
            &["skip-audience"],
            |f| {
                changed(f, |d, _| {
                    let c = d.conditions();
                    let mut second = c
                        .kid("AudienceRestriction")
                        .cloned()
                        .expect("an AudienceRestriction");
                    if let Some(a) = second.kid_mut("Audience") {
                        a.set_text("https://sp.attacker.invalid/saml/metadata");
                    }
                    let at = c.kid_index("AudienceRestriction", 0).expect("restriction") + 1;
                    c.kids.insert(at, Node::El(second));
                })
            },
        ),
        case(
            "saml.audience.suffixed",
            "Audience is the SP's entity ID with a suffix",
            "SAML.md N-50",
            Expect::Refuse,
            &["skip-audience"],
            |f| audience(f, format!("{}.attacker.invalid", f.start(0).entity_id)),
        ),
        case(
            "saml.audience.truncated",
            "Audience is the SP's entity ID minus its last character",
            "SAML.md N-50",
            Expect::Refuse,
            &["skip-audience"],
            |f| {
                let e = &f.start(0).entity_id;
                audience(f, e[..e.len() - 1].to_owned())
            },
        ),
        case(
            "saml.audience.empty",
            "Audience is empty",
            "SAML.md N-50",
            Expect::Refuse,
            &["skip-audience"],
            |f| audience(f, String::new()),
        ),
        case(
            "saml.audience.case",
            "Audience is the SP's entity ID in upper case",
            "SAML.md N-50; SAML Core §8.3.6 (URIs compare exactly)",
            Expect::Refuse,
            &["skip-audience"],
            |f| audience(f, f.start(0).entity_id.to_uppercase()),
        ),
        case(
            "saml.recipient.other-host",
            "Recipient is the ACS path on another host",
            "SAML.md N-51; SPID 57-59; SAML Profiles §4.1.4.3",
            Expect::Refuse,
            &["skip-recipient"],
            |f| recipient(f, "host"),
        ),
        case(
            "saml.recipient.other-path",
            "Recipient is another path on the SP's host",
            "SAML.md N-51",
            Expect::Refuse,
            &["skip-recipient"],
            |f| recipient(f, "path"),
        ),
        case(
            "saml.recipient.other-scheme",
            "Recipient is the ACS with the other scheme (http/https)",
            "SAML.md N-51",
            Expect::Refuse,
            &["skip-recipient"],
            |f| recipient(f, "scheme"),
        ),
        case(
            "saml.recipient.missing",
            "Bearer SubjectConfirmationData without Recipient",
            "SAML.md N-51; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["skip-recipient"],
            |f| {
                changed(f, |d, _| {
                    d.scd().remove_attr("Recipient");
                })
            },
        ),
        case(
            "saml.destination.other",
            "A signed Response whose Destination is another endpoint",
            "SAML.md N-52; SPID 19-21",
            Expect::Refuse,
            &["skip-destination"],
            |f| {
                let mut d = f.genuine_as(f.user(), SignMode::Both)?;
                let v = other(&f.start(0).acs_url, "path");
                d.root.set_attr("Destination", v);
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.destination.missing",
            "A signed Response without Destination",
            "SAML.md N-52; SAML Bindings §3.5.5.2",
            Expect::Refuse,
            &["skip-destination"],
            |f| {
                let mut d = f.genuine_as(f.user(), SignMode::Both)?;
                d.root.remove_attr("Destination");
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.issuer.response-other",
            "The Response's Issuer is another IdP",
            "SAML.md N-53; SPID 27-29",
            Expect::Refuse,
            &["skip-issuer"],
            |f| issuer(f, false, |_| "https://idp.attacker.invalid/".into()),
        ),
        case(
            "saml.issuer.assertion-other",
            "The Assertion's Issuer is another IdP",
            "SAML.md N-53; SPID 67-69",
            Expect::Refuse,
            &["skip-issuer"],
            |f| issuer(f, true, |_| "https://idp.attacker.invalid/".into()),
        ),
        case(
            "saml.issuer.case",
            "The Assertion's Issuer in upper case",
            "SAML.md N-53",
            Expect::Refuse,
            &["skip-issuer"],
            |f| issuer(f, true, str::to_uppercase),
        ),
        case(
            "saml.issuer.suffixed",
            "The Assertion's Issuer with a path appended",
            "SAML.md N-53",
            Expect::Refuse,
            &["skip-issuer"],
            |f| issuer(f, true, |i| format!("{}/other", i.trim_end_matches('/'))),
        ),
    ]
}
