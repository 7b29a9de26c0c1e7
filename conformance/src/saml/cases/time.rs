//! SAML.md §3.3 G: time windows. Every response is signed by the IdP's
//! key after its times are set: the window is the only defect.

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::{at, case};

fn timed(f: &Forge<'_>, change: impl FnOnce(&mut Doc)) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    change(&mut d);
    d.resign()?;
    Ok(Script::doc(&d))
}

fn expiry(f: &Forge<'_>, value: &str) -> Result<Script, String> {
    let v = value.to_owned();
    timed(f, move |d| d.conditions().set_attr("NotOnOrAfter", v))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.time.expired",
            "Conditions and bearer confirmation expired 10 minutes ago",
            "SAML.md N-43; SPID 66/82",
            Expect::Refuse,
            &["ignore-expiry"],
            |f| {
                timed(f, |d| {
                    d.conditions().set_attr("NotBefore", at(-20));
                    d.conditions().set_attr("NotOnOrAfter", at(-10));
                    d.scd().set_attr("NotOnOrAfter", at(-10));
                })
            },
        ),
        case(
            "saml.time.conditions-expired",
            "Conditions NotOnOrAfter 10 minutes ago, bearer confirmation still valid",
            "SAML.md N-43",
            Expect::Refuse,
            &["ignore-expiry"],
            |f| {
                timed(f, |d| {
                    d.conditions().set_attr("NotBefore", at(-20));
                    d.conditions().set_attr("NotOnOrAfter", at(-10));
                })
            },
        ),
        case(
            "saml.time.bearer-expired",
            "Bearer SubjectConfirmationData expired 10 minutes ago, Conditions valid",
            "SAML.md N-43; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["ignore-expiry"],
            |f| {
                timed(f, |d| {
                    d.scd().set_attr("NotOnOrAfter", at(-10));
                })
            },
        ),
        case(
            "saml.time.not-yet-valid",
            "Conditions NotBefore 10 minutes ahead",
            "SAML.md N-44; SPID 78",
            Expect::Refuse,
            &["ignore-not-before"],
            |f| {
                timed(f, |d| {
                    d.conditions().set_attr("NotBefore", at(10));
                    d.conditions().set_attr("NotOnOrAfter", at(20));
                    d.scd().set_attr("NotOnOrAfter", at(20));
                })
            },
        ),
        case(
            "saml.time.not-before-far-future",
            "Conditions NotBefore a year ahead",
            "SAML.md N-44",
            Expect::Refuse,
            &["ignore-not-before"],
            |f| {
                timed(f, |d| {
                    d.conditions().set_attr("NotBefore", at(525_600));
                    d.conditions().set_attr("NotOnOrAfter", at(525_610));
                })
            },
        ),
        case(
            "saml.time.bearer-expiry-missing",
            "Bearer SubjectConfirmationData without NotOnOrAfter",
            "SAML.md N-46; SAML Profiles §4.1.4.2; SPID 63/64",
            Expect::Refuse,
            &["bearer-expiry-optional"],
            |f| {
                timed(f, |d| {
                    d.scd().remove_attr("NotOnOrAfter");
                })
            },
        ),
        case(
            "saml.time.bearer-not-before",
            "Bearer SubjectConfirmationData with NotBefore",
            "SAML.md N-47; SAML Profiles §4.1.4.2",
            Expect::Refuse,
            &["scd-not-before-allowed"],
            |f| {
                timed(f, |d| {
                    d.scd().set_attr("NotBefore", at(-1));
                })
            },
        ),
        case(
            "saml.time.issued-hours-ago",
            "Response and Assertion issued 3 hours ago, windows valid",
            "SAML.md N-48; SPID 14/39",
            Expect::Refuse,
            &["ignore-issue-instant"],
            |f| {
                timed(f, |d| {
                    d.root.set_attr("IssueInstant", at(-180));
                    d.assertion().set_attr("IssueInstant", at(-180));
                })
            },
        ),
        case(
            "saml.time.issued-in-future",
            "Response and Assertion issued 3 hours ahead",
            "SAML.md N-48; SPID 15/40",
            Expect::Refuse,
            &["ignore-issue-instant"],
            |f| {
                timed(f, |d| {
                    d.root.set_attr("IssueInstant", at(180));
                    d.assertion().set_attr("IssueInstant", at(180));
                })
            },
        ),
        case(
            "saml.time.assertion-issued-hours-ago",
            "Only the Assertion issued 3 hours ago",
            "SAML.md N-48",
            Expect::Refuse,
            &["ignore-issue-instant"],
            |f| {
                timed(f, |d| {
                    d.assertion().set_attr("IssueInstant", at(-180));
                })
            },
        ),
        case(
            "saml.time.no-time-zone",
            "Conditions NotOnOrAfter without the Z",
            "SAML.md N-49; SAML Core §1.3.3; SPID 13",
            Expect::Refuse,
            &["lenient-timestamps"],
            |f| expiry(f, at(30).trim_end_matches('Z')),
        ),
        case(
            "saml.time.offset",
            "Conditions NotOnOrAfter with a +00:00 offset instead of Z",
            "SAML.md N-49; SAML Core §1.3.3",
            Expect::Refuse,
            &["lenient-timestamps"],
            |f| expiry(f, &at(30).replace('Z', "+00:00")),
        ),
        case(
            "saml.time.garbage",
            "Conditions NotOnOrAfter that is not a time",
            "SAML.md N-49; SPID 38",
            Expect::Refuse,
            &["lenient-timestamps"],
            |f| expiry(f, "later"),
        ),
        case(
            "saml.time.empty",
            "Conditions NotOnOrAfter empty",
            "SAML.md N-49; SPID 65",
            Expect::Refuse,
            &["lenient-timestamps"],
            |f| expiry(f, ""),
        ),
    ]
}
