//! SAML.md §3.3 I: InResponseTo, unsolicited responses and replay, each in
//! a response the IdP's key signed.

use super::super::case::{Case, Doc, Expect, Flow, Forge, Script, Who};
use super::case;

fn irt(f: &Forge<'_>, response: Option<String>, scd: Option<String>) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    set_irt(&mut d, response, scd);
    d.resign()?;
    Ok(Script::doc(&d))
}

fn set_irt(d: &mut Doc, response: Option<String>, scd: Option<String>) {
    match response {
        Some(v) => d.root.set_attr("InResponseTo", v),
        None => d.root.remove_attr("InResponseTo"),
    }
    match scd {
        Some(v) => d.scd().set_attr("InResponseTo", v),
        None => d.scd().remove_attr("InResponseTo"),
    }
}

fn request(f: &Forge<'_>) -> Result<String, String> {
    f.start(0)
        .request_id
        .clone()
        .ok_or_else(|| "no AuthnRequest was started".into())
}

fn sp(c: Case) -> Case {
    Case {
        flow: Flow::SpInitiated,
        ..c
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        sp(case(
            "saml.session.unknown-request",
            "InResponseTo an ID the SP never issued",
            "SAML.md N-54; SPID 16-18",
            Expect::Refuse,
            &["skip-in-response-to"],
            |f| {
                let id = format!("_{}", uuid::Uuid::new_v4().simple());
                irt(f, Some(id.clone()), Some(id))
            },
        )),
        Case {
            browsers: 2,
            ..sp(case(
                "saml.session.other-browser-request",
                "InResponseTo the request another browser started",
                "SAML.md N-54",
                Expect::Refuse,
                &["skip-in-response-to"],
                |f| {
                    let other = f
                        .start(1)
                        .request_id
                        .clone()
                        .ok_or("no second AuthnRequest")?;
                    irt(f, Some(other.clone()), Some(other))
                },
            ))
        },
        sp(case(
            "saml.session.in-response-to-mismatch",
            "Response and SubjectConfirmationData answer different requests",
            "SAML.md N-54; SPID 60-62",
            Expect::Refuse,
            &["skip-in-response-to"],
            |f| {
                irt(
                    f,
                    Some(request(f)?),
                    Some(format!("_{}", uuid::Uuid::new_v4().simple())),
                )
            },
        )),
        sp(case(
            "saml.session.bearer-in-response-to-missing",
            "The Response answers the request, its bearer confirmation does not say so",
            "SAML.md N-54; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["skip-in-response-to"],
            |f| irt(f, Some(request(f)?), None),
        )),
        sp(case(
            "saml.session.response-in-response-to-missing",
            "The bearer confirmation answers the request, the Response does not",
            "SAML.md N-54",
            Expect::Refuse,
            &["skip-in-response-to"],
            |f| irt(f, None, Some(request(f)?)),
        )),
        sp(case(
            "saml.session.unsolicited",
            "A response without InResponseTo to an SP that only takes answers to its requests",
            "SAML.md N-55; pac4j #1838",
            Expect::Refuse,
            &["allow-unsolicited"],
            |f| irt(f, None, None),
        )),
        sp(case(
            "saml.session.replay",
            "The same accepted response posted again",
            "SAML.md N-56; SAML Profiles §4.1.4.5",
            Expect::Refuse,
            &["allow-replay"],
            |f| {
                let g = f.genuine(Who::User)?.xml();
                Ok(Script::post(g.clone()).after(g))
            },
        )),
        sp(case(
            "saml.session.replay-new-wrapper",
            "The accepted assertion again, in a new Response with a fresh ID",
            "SAML.md N-56",
            Expect::Refuse,
            &["allow-replay"],
            |f| {
                let g = f.genuine(Who::User)?;
                let mut again = g.clone();
                let id = again.response_id();
                again.root.set_attr("ID", format!("{id}-again"));
                if again.response_signed() {
                    again.sign_response()?;
                }
                Ok(Script::doc(&again).after(g.xml()))
            },
        )),
        sp(case(
            "saml.session.second-answer",
            "A second genuine response to a request already answered",
            "SAML.md N-56",
            Expect::Refuse,
            &["allow-replay", "skip-in-response-to"],
            |f| {
                let first = f.genuine(Who::User)?.xml();
                let second = f.genuine(Who::User)?;
                Ok(Script::doc(&second).after(first))
            },
        )),
    ]
}
