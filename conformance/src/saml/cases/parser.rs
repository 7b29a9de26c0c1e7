//! SAML.md §3.3 C and F: canonicalization differentials (comments, CDATA)
//! and what an XML parser must refuse (DOCTYPE, entities, names that are
//! not QNames).

use super::super::case::{Case, Expect, Forge, Script, Who};
use super::super::xml::Node;
use super::case;

/// The signed NameID's value for the comment cases: the user's name with
/// an attacker-owned suffix, which truncation at a comment turns into the
/// user's name.
pub fn extended(f: &Forge<'_>) -> String {
    format!("{}.attacker.invalid", f.user())
}

/// The genuine response's XML with `doctype` before the root.
fn with_doctype(f: &Forge<'_>, doctype: &str) -> Result<Vec<u8>, String> {
    let d = f.genuine(Who::User)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}\n{}",
        d.root.to_xml()
    )
    .into_bytes())
}

/// The response's root element name.
fn root_name(f: &Forge<'_>) -> &'static str {
    if f.okta() {
        "saml2p:Response"
    } else {
        "samlp:Response"
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.canon.comment-in-name-id",
            "A comment inside the signed NameID (the signature stays valid)",
            "SAML.md N-21; CVE-2017-11427..11430, CVE-2018-0489 (Duo)",
            Expect::RefuseOrVouched,
            &["comments-truncate-text"],
            |f| {
                let full = extended(f);
                let mut d = f.genuine_as(&full, f.id.sign)?;
                d.name_id().kids = vec![
                    Node::Text(f.user().to_owned()),
                    Node::Comment(String::new()),
                    Node::Text(".attacker.invalid".into()),
                ];
                Ok(Script::doc(&d).vouched(&full))
            },
        ),
        case(
            "saml.canon.cdata-in-name-id",
            "Part of the signed NameID as a CDATA section (the signature stays valid)",
            "SAML.md N-23",
            Expect::RefuseOrVouched,
            &["comments-truncate-text"],
            |f| {
                let full = extended(f);
                let mut d = f.genuine_as(&full, f.id.sign)?;
                d.name_id().kids = vec![
                    Node::Text(f.user().to_owned()),
                    Node::CData(".attacker.invalid".into()),
                ];
                Ok(Script::doc(&d).vouched(&full))
            },
        ),
        case(
            "saml.parser.doctype",
            "A DOCTYPE before an otherwise genuine response",
            "SAML.md N-24",
            Expect::Refuse,
            &["allow-doctype"],
            |f| {
                Ok(Script::post(with_doctype(
                    f,
                    &format!("<!DOCTYPE {}>", root_name(f)),
                )?))
            },
        ),
        case(
            "saml.parser.doctype-attlist",
            "A DOCTYPE whose ATTLIST defaults an attribute",
            "SAML.md N-24; ruby-saml CVE-2025-25292",
            Expect::Refuse,
            &["allow-doctype"],
            |f| {
                let dt = format!(
                    "<!DOCTYPE {r} [<!ATTLIST {r} Consent CDATA \"urn:oasis:names:tc:SAML:2.0:consent:obtained\">]>",
                    r = root_name(f)
                );
                Ok(Script::post(with_doctype(f, &dt)?))
            },
        ),
        case(
            "saml.parser.internal-entity",
            "The NameID written as an internal entity the DOCTYPE defines",
            "SAML.md N-25; ruby-saml CVE-2025-25291",
            Expect::Refuse,
            &["allow-doctype"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.name_id().kids = vec![Node::Raw("&who;".into())];
                let dt = format!(
                    "<!DOCTYPE {} [<!ENTITY who \"{}\">]>",
                    root_name(f),
                    f.user()
                );
                Ok(Script::post(
                    format!("<?xml version=\"1.0\"?>\n{dt}\n{}", d.root.to_xml()).into_bytes(),
                ))
            },
        ),
        case(
            "saml.parser.external-entity-declared",
            "A DOCTYPE declaring an external file entity (unused)",
            "SAML.md N-38; CVE-2021-27736",
            Expect::Refuse,
            &["allow-doctype"],
            |f| {
                let dt = format!(
                    "<!DOCTYPE {} [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>",
                    root_name(f)
                );
                Ok(Script::post(with_doctype(f, &dt)?))
            },
        ),
        case(
            "saml.parser.external-entity-url",
            "An external entity naming a URL, used in the Response (XXE)",
            "SAML.md N-38; pysaml2 CVE-2017-1000061; samlify #517",
            Expect::Refuse,
            &["dereference-urls"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                let p = if f.okta() { "saml2p" } else { "samlp" };
                let status = d.root.kid_mut("Status").ok_or("no Status")?;
                let mut msg = super::super::xml::El::new(&format!("{p}:StatusMessage"));
                msg.kids = vec![Node::Raw("&x;".into())];
                status.kids.push(Node::El(msg));
                let dt = format!(
                    "<!DOCTYPE {} [<!ENTITY x SYSTEM \"{}\">]>",
                    root_name(f),
                    f.canary("xxe")
                );
                Ok(Script::post(
                    format!("<?xml version=\"1.0\"?>\n{dt}\n{}", d.root.to_xml()).into_bytes(),
                ))
            },
        ),
        case(
            "saml.parser.parameter-entity",
            "An external parameter entity in the internal subset (out-of-band XXE)",
            "SAML.md N-39; SAMLRaider XXE helper",
            Expect::Refuse,
            &["allow-doctype", "dereference-urls"],
            |f| {
                let dt = format!(
                    "<!DOCTYPE {} [<!ENTITY % p SYSTEM \"{}\"> %p;]>",
                    root_name(f),
                    f.canary("parameter-entity")
                );
                Ok(Script::post(with_doctype(f, &dt)?))
            },
        ),
        case(
            "saml.parser.non-qname-attribute",
            "An attribute whose name has two colons",
            "crewjam/saml GHSA-4hq8-gmxx-h6w9 (XML round trip); Namespaces in XML §4",
            Expect::Refuse,
            &["lenient-names"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.root.attrs.push(("a:b:c".into(), "x".into()));
                d.root.attrs.push(("xmlns:a".into(), "urn:idpsim:a".into()));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.parser.empty-prefix-element",
            "An element named with an empty prefix (`<:Extensions>`)",
            "crewjam/saml GHSA-4hq8-gmxx-h6w9 class; Namespaces in XML §4",
            Expect::Refuse,
            &["lenient-names"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                let at = d.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                d.insert(at, super::super::xml::El::new(":Extensions"));
                Ok(Script::doc(&d))
            },
        ),
    ]
}
