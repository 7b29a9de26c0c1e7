//! SAML.md §3.3 J: status, structure and subject, each wrong in a response
//! the IdP's key signed.

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::super::xml::{El, Node};
use super::case;

fn changed(f: &Forge<'_>, change: impl FnOnce(&mut Doc, &Forge<'_>)) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    change(&mut d, f);
    d.resign()?;
    Ok(Script::doc(&d))
}

fn status(d: &mut Doc, top: &str, sub: Option<&str>) {
    let s = d
        .root
        .at_mut(&["Status", "StatusCode"])
        .expect("a StatusCode");
    s.set_attr("Value", format!("urn:oasis:names:tc:SAML:2.0:status:{top}"));
    if let Some(sub) = sub {
        let mut inner = El::new(&s.name);
        inner.set_attr("Value", format!("urn:oasis:names:tc:SAML:2.0:status:{sub}"));
        s.kids.push(Node::El(inner));
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.status.requester-with-assertion",
            "Status Requester, yet a valid assertion",
            "SAML.md N-57; SPID 08-12; crewjam ErrBadStatus",
            Expect::Refuse,
            &["ignore-status"],
            |f| changed(f, |d, _| status(d, "Requester", None)),
        ),
        case(
            "saml.status.authn-failed-with-assertion",
            "Status Responder / AuthnFailed, yet a valid assertion",
            "SAML.md N-57",
            Expect::Refuse,
            &["ignore-status"],
            |f| changed(f, |d, _| status(d, "Responder", Some("AuthnFailed"))),
        ),
        case(
            "saml.status.missing",
            "No Status element",
            "SAML.md N-57; SAML Core §3.2.2",
            Expect::Refuse,
            &["ignore-status"],
            |f| {
                changed(f, |d, _| {
                    d.root.take("Status");
                })
            },
        ),
        case(
            "saml.structure.no-authn-statement",
            "An assertion without AuthnStatement",
            "SAML.md N-57; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["authn-statement-optional"],
            |f| {
                changed(f, |d, _| {
                    d.assertion().take("AuthnStatement");
                })
            },
        ),
        case(
            "saml.structure.holder-of-key",
            "SubjectConfirmation Method holder-of-key instead of bearer",
            "SAML.md N-57; SAML Profiles §4.1.4.1",
            Expect::Refuse,
            &["any-confirmation-method"],
            |f| {
                changed(f, |d, _| {
                    d.in_assertion(&["Subject", "SubjectConfirmation"])
                        .set_attr("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
                })
            },
        ),
        case(
            "saml.structure.version",
            "Response Version 1.1",
            "SAML.md N-57; SAML Core §3.2.2",
            Expect::Refuse,
            &["any-version"],
            |f| {
                let mut d = f.genuine_as(f.user(), SignMode::Both)?;
                d.root.set_attr("Version", "1.1");
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.structure.unknown-condition",
            "An unknown Condition (the assertion is Indeterminate)",
            "SAML.md N-57; SAML Core §2.5.1",
            Expect::Refuse,
            &["ignore-unknown-conditions"],
            |f| {
                changed(f, |d, _| {
                    let c = d.conditions();
                    let p = c.prefix().to_owned();
                    let mut x = El::new(&if p.is_empty() {
                        "Condition".into()
                    } else {
                        format!("{p}:Condition")
                    });
                    x.set_attr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
                    x.set_attr("xmlns:ext", "urn:idpsim:condition");
                    x.set_attr("xsi:type", "ext:MustUnderstand");
                    c.kids.push(Node::El(x));
                })
            },
        ),
        case(
            "saml.structure.two-name-ids",
            "A Subject with the attacker's NameID, then the user's",
            "SAML.md N-57; SAML Core §2.4.1",
            Expect::Refuse,
            &["first-name-id"],
            |f| {
                changed(f, |d, f| {
                    let s = d.in_assertion(&["Subject"]);
                    let mut first = s.kid("NameID").cloned().expect("a NameID");
                    first.set_text(f.attacker());
                    s.kids.insert(0, Node::El(first));
                })
            },
        ),
        case(
            "saml.structure.two-signed-assertions",
            "Two genuine signed assertions, the attacker's first",
            "SAML.md N-18; Better Auth check 2",
            Expect::Refuse,
            &[
                "first-assertion-wins",
                "last-assertion-wins",
                "signature-by-id-lookup",
            ],
            |f| {
                let mut d = f.genuine_as(f.user(), SignMode::Assertion)?;
                let other = f
                    .genuine_as(f.attacker(), SignMode::Assertion)?
                    .assertion_el();
                let at = d.assertion_index();
                d.insert(at, other);
                Ok(Script::doc(&d))
            },
        ),
    ]
}
