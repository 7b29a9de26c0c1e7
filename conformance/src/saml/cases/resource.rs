//! SAML.md §3.3 F: inputs that cost the SP (namespace and attribute bombs,
//! depth, entity expansion, size). Off by default (`--include resource`);
//! each is sent alone and followed by the canary under a time limit.

use super::super::case::{Case, Expect, Forge, Kind, Script, Who};
use super::case;

fn resource(c: Case) -> Case {
    Case {
        kind: Kind::Resource,
        ..c
    }
}

/// The genuine response with `junk` inserted before its Status.
fn with(f: &Forge<'_>, junk: &str) -> Result<Script, String> {
    let xml = String::from_utf8(f.genuine(Who::User)?.xml()).map_err(|e| e.to_string())?;
    let at = xml
        .find(if f.okta() {
            "<saml2p:Status"
        } else {
            "<samlp:Status"
        })
        .ok_or("no Status")?;
    Ok(Script::post(
        format!("{}{junk}{}", &xml[..at], &xml[at..]).into_bytes(),
    ))
}

pub fn cases() -> Vec<Case> {
    vec![
        resource(case(
            "saml.resource.namespace-bomb",
            "10,000 elements each declaring 50 namespaces",
            "SAML.md N-41; issue 14 finding 1",
            Expect::Refuse,
            &["fragile-parser"],
            |f| {
                let decls: String = (0..50)
                    .map(|i| format!(" xmlns:n{i}=\"urn:idpsim:bomb:{i}\""))
                    .collect();
                with(
                    f,
                    &format!(
                        "<x:b xmlns:x=\"urn:idpsim:bomb\">{}</x:b>",
                        format!("<x:n{decls}></x:n>").repeat(10_000)
                    ),
                )
            },
        )),
        resource(case(
            "saml.resource.attribute-bomb",
            "One element with 10,000 attributes",
            "SAML.md N-41; issue 14 finding 2",
            Expect::Refuse,
            &["fragile-parser"],
            |f| {
                let attrs: String = (0..10_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
                with(
                    f,
                    &format!("<x:b xmlns:x=\"urn:idpsim:bomb\"{attrs}></x:b>"),
                )
            },
        )),
        resource(case(
            "saml.resource.deep-nesting",
            "Elements nested 10,000 deep",
            "SAML.md N-41",
            Expect::Refuse,
            &["fragile-parser"],
            |f| {
                with(
                    f,
                    &format!(
                        "{}{}",
                        "<x:d xmlns:x=\"urn:idpsim:bomb\">".repeat(10_000),
                        "</x:d>".repeat(10_000)
                    ),
                )
            },
        )),
        resource(case(
            "saml.resource.billion-laughs",
            "Nested entity expansion (billion laughs)",
            "SAML.md N-40; ruby-saml PR #247",
            Expect::Refuse,
            &["fragile-parser"],
            |f| {
                let mut dt = String::from("<!ENTITY l0 \"lol\">");
                for i in 1..10 {
                    dt.push_str(&format!(
                        "<!ENTITY l{i} \"{}\">",
                        format!("&l{};", i - 1).repeat(10)
                    ));
                }
                let xml =
                    String::from_utf8(f.genuine(Who::User)?.xml()).map_err(|e| e.to_string())?;
                let root = if f.okta() {
                    "saml2p:Response"
                } else {
                    "samlp:Response"
                };
                let at = xml.find("</").ok_or("no end tag")?;
                Ok(Script::post(
                    format!("<!DOCTYPE {root} [{dt}]>{}&l9;{}", &xml[..at], &xml[at..])
                        .into_bytes(),
                ))
            },
        )),
        resource(case(
            "saml.resource.oversize",
            "A response padded to 4 MiB",
            "SAML.md N-41; Better Auth maxResponseSize",
            Expect::Refuse,
            &["fragile-parser"],
            |f| {
                with(
                    f,
                    &format!(
                        "<x:pad xmlns:x=\"urn:idpsim:bomb\">{}</x:pad>",
                        "A".repeat(4 * 1024 * 1024)
                    ),
                )
            },
        )),
    ]
}
