//! SAML.md §3.3 F: inputs that cost the SP (namespace and attribute bombs,
//! depth, entity expansion, size). Off by default (`--include resource`);
//! each is sent alone and followed by the canary under a time limit. The
//! genuine response is otherwise intact, so an SP may even sign the user
//! in: what is judged is that it answers in time and still serves.

use super::super::case::{Case, Expect, Forge, Kind, Script, Who};
use super::case;

fn resource(c: Case) -> Case {
    Case {
        kind: Kind::Resource,
        ..c
    }
}

fn root(f: &Forge<'_>) -> &'static str {
    if f.okta() { "saml2p" } else { "samlp" }
}

/// The genuine response with `junk` inserted before its Status. Each bomb
/// stays under 1 MiB of form body, so it reaches the SP's XML parser
/// rather than an HTTP body limit.
fn with(f: &Forge<'_>, junk: &str) -> Result<Script, String> {
    let xml = String::from_utf8(f.genuine(Who::User)?.xml()).map_err(|e| e.to_string())?;
    let at = xml
        .find(&format!("<{}:Status", root(f)))
        .ok_or("no Status")?;
    Ok(Script::post(format!("{}{junk}{}", &xml[..at], &xml[at..]).into_bytes()).vouched(f.user()))
}

pub fn cases() -> Vec<Case> {
    vec![
        resource(case(
            "saml.resource.namespace-bomb",
            "300 elements each declaring 65 namespaces",
            "SAML.md N-41; issue 14 finding 1",
            Expect::RefuseOrVouched,
            &["fragile-parser"],
            |f| {
                let decls: String = (0..65).map(|i| format!(" xmlns:n{i}=\"u:{i}\"")).collect();
                let one = format!("<x:n{decls}></x:n>");
                with(
                    f,
                    &format!("<x:b xmlns:x=\"urn:idpsim:bomb\">{}</x:b>", one.repeat(300)),
                )
            },
        )),
        resource(case(
            "saml.resource.attribute-bomb",
            "One element with 10,000 attributes",
            "SAML.md N-41; issue 14 finding 2",
            Expect::RefuseOrVouched,
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
            Expect::RefuseOrVouched,
            &["fragile-parser"],
            |f| {
                let open = "<x:d xmlns:x=\"urn:idpsim:bomb\">".repeat(10_000);
                with(f, &format!("{open}{}", "</x:d>".repeat(10_000)))
            },
        )),
        resource(case(
            "saml.resource.billion-laughs",
            "Nested entity expansion (billion laughs)",
            "SAML.md N-40; ruby-saml PR #247",
            Expect::RefuseOrVouched,
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
                let at = xml.find("</").ok_or("no end tag")?;
                let doc = format!(
                    "<!DOCTYPE {}:Response [{dt}]>{}&l9;{}",
                    root(f),
                    &xml[..at],
                    &xml[at..]
                );
                Ok(Script::post(doc.into_bytes()).vouched(f.user()))
            },
        )),
        resource(case(
            "saml.resource.oversize",
            "A response padded to 560 KiB (750 KiB of base64)",
            "SAML.md N-41; Better Auth maxResponseSize",
            Expect::RefuseOrVouched,
            &["fragile-parser"],
            |f| {
                with(
                    f,
                    &format!(
                        "<x:pad xmlns:x=\"urn:idpsim:bomb\">{}</x:pad>",
                        "A".repeat(560 * 1024)
                    ),
                )
            },
        )),
    ]
}
