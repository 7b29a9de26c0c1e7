//! SAML.md §3.3 B: signature wrapping. The attacker holds a genuine signed
//! response for their own account and rewrites a copy to name the user;
//! the genuine bytes stay somewhere the signature still resolves to. A
//! correct SP refuses, or signs in the attacker, whom the signature names.

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Doc, Expect, Forge, Script, strip};
use super::super::xml::{El, Node};
use super::case;
use super::signature::extensions;

/// The attacker's genuine response, signed in `mode`.
fn genuine(f: &Forge<'_>, mode: SignMode) -> Result<Doc, String> {
    f.genuine_as(f.attacker(), mode)
}

/// An unsigned copy of `a` naming the user, with a new ID.
fn evil(f: &Forge<'_>, a: &El) -> El {
    let mut e = a.clone();
    strip(&mut e);
    e.set_attr("ID", format!("{}-evil", a.attr("ID").unwrap_or("_x")));
    if let Some(n) = e.at_mut(&["Subject", "NameID"]) {
        n.set_text(f.user());
    }
    e
}

fn script(f: &Forge<'_>, d: &Doc) -> Script {
    Script::doc(d).vouched(f.attacker())
}

fn lookalike(f: &Forge<'_>, ns: String) -> Result<Script, String> {
    let mut d = genuine(f, SignMode::Assertion)?;
    let mut e = evil(f, &d.assertion_el());
    for (k, v) in e.attrs.iter_mut() {
        if k == "xmlns" || k.starts_with("xmlns:") {
            *v = ns.clone();
        }
    }
    let at = d.assertion_index();
    d.insert(at, e);
    Ok(script(f, &d))
}

fn polluted(f: &Forge<'_>, attr: &str, decl: Option<(&str, &str)>) -> Result<Script, String> {
    let mut d = genuine(f, SignMode::Assertion)?;
    let id = d.assertion_id();
    let mut e = evil(f, &d.assertion_el());
    if let Some((k, v)) = decl {
        e.set_attr(k, v);
    }
    e.set_attr(attr, id);
    let at = d.assertion_index();
    d.insert(at, e);
    Ok(script(f, &d))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.wrapping.xsw1",
            "XSW1: evil Response outside, the genuine signed Response copied into the Signature",
            "SAML.md N-10; Somorovsky et al. 2012; SAMLRaider",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Response)?;
                let mut copy = d.root.clone();
                strip(&mut copy);
                let sig = d.root.kid_mut("Signature").ok_or("unsigned")?;
                sig.kids.push(Node::El(copy));
                let id = d.response_id();
                d.root.set_attr("ID", format!("{id}-evil"));
                d.name_id().set_text(f.user());
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw2",
            "XSW2: evil Response outside, the genuine Response copied before its Signature",
            "SAML.md N-11; Somorovsky et al. 2012; SAMLRaider",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Response)?;
                let mut copy = d.root.clone();
                strip(&mut copy);
                let at = d.root.kid_index("Signature", 0).ok_or("unsigned")?;
                d.root.kids.insert(at, Node::El(copy));
                let id = d.response_id();
                d.root.set_attr("ID", format!("{id}-evil"));
                d.name_id().set_text(f.user());
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw3",
            "XSW3: an evil Assertion before the genuine signed one",
            "SAML.md N-12; SAMLRaider; crewjam/saml #338",
            Expect::RefuseOrVouched,
            &["first-assertion-wins", "signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let e = evil(f, &d.assertion_el());
                let at = d.assertion_index();
                d.insert(at, e);
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw4",
            "XSW4: the genuine Assertion inside an evil one",
            "SAML.md N-13; SAMLRaider",
            Expect::RefuseOrVouched,
            &["first-assertion-wins", "signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let at = d.assertion_index();
                let genuine = d.assertion_el();
                let mut e = evil(f, &genuine);
                e.kids.push(Node::El(genuine));
                d.root.kids[at] = Node::El(e);
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw5",
            "XSW5: the signed Assertion turned evil, an unsigned genuine copy at the end",
            "SAML.md N-14; SAMLRaider",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let mut copy = d.assertion_el();
                strip(&mut copy);
                let id = d.assertion_id();
                d.assertion().set_attr("ID", format!("{id}-evil"));
                d.name_id().set_text(f.user());
                d.root.kids.push(Node::El(copy));
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw6",
            "XSW6: the signed Assertion turned evil, the genuine copy inside its Signature",
            "SAML.md N-15; SAMLRaider",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let mut copy = d.assertion_el();
                strip(&mut copy);
                let id = d.assertion_id();
                d.assertion().set_attr("ID", format!("{id}-evil"));
                d.name_id().set_text(f.user());
                d.in_assertion(&["Signature"]).kids.push(Node::El(copy));
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw7",
            "XSW7: an evil copy with the same ID inside Extensions",
            "SAML.md N-16; SAMLRaider",
            Expect::RefuseOrVouched,
            &["first-assertion-wins"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let mut e = evil(f, &d.assertion_el());
                e.set_attr("ID", d.assertion_id());
                let mut ext = extensions(f);
                ext.kids.push(Node::El(e));
                let at = d.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                d.insert(at, ext);
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xsw8",
            "XSW8: the signed Assertion turned evil, the genuine copy in a ds:Object",
            "SAML.md N-17; SAMLRaider",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let mut copy = d.assertion_el();
                strip(&mut copy);
                d.name_id().set_text(f.user());
                let sig = d.in_assertion(&["Signature"]);
                let prefix = sig.prefix().to_owned();
                let mut object = El::new(&if prefix.is_empty() {
                    "Object".to_owned()
                } else {
                    format!("{prefix}:Object")
                });
                object.kids.push(Node::El(copy));
                sig.kids.push(Node::El(object));
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.evil-assertion-last",
            "The genuine signed Assertion, then an unsigned evil one",
            "SAML.md N-18; crewjam/saml CVE-2022-41912",
            Expect::RefuseOrVouched,
            &["last-assertion-wins"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let e = evil(f, &d.assertion_el());
                let at = d.assertion_index();
                d.insert(at + 1, e);
                Ok(script(f, &d))
            },
        ),
        case(
            "saml.wrapping.xml-id-pollution",
            "An evil Assertion first, carrying xml:id equal to the signed ID",
            "SAML.md N-19; PortSwigger \"The Fragile Lock\"",
            Expect::RefuseOrVouched,
            &["first-assertion-wins", "signature-by-id-lookup"],
            |f| polluted(f, "xml:id", None),
        ),
        case(
            "saml.wrapping.id-case-pollution",
            "An evil Assertion first, carrying Id (not ID) equal to the signed ID",
            "SAML.md N-19",
            Expect::RefuseOrVouched,
            &["first-assertion-wins", "signature-by-id-lookup"],
            |f| polluted(f, "Id", None),
        ),
        case(
            "saml.wrapping.prefixed-id-pollution",
            "An evil Assertion first, carrying a namespaced x:ID equal to the signed ID",
            "SAML.md N-19",
            Expect::RefuseOrVouched,
            &["first-assertion-wins", "signature-by-id-lookup"],
            |f| polluted(f, "x:ID", Some(("xmlns:x", "urn:idpsim:pollution"))),
        ),
        case(
            "saml.wrapping.namespace-trailing-space",
            "An evil Assertion first, in the assertion namespace plus a space",
            "SAML.md N-20; PortSwigger \"The Fragile Lock\"",
            Expect::RefuseOrVouched,
            &["first-assertion-wins"],
            |f| lookalike(f, "urn:oasis:names:tc:SAML:2.0:assertion ".into()),
        ),
        case(
            "saml.wrapping.namespace-case",
            "An evil Assertion first, in the assertion namespace in upper case",
            "SAML.md N-20",
            Expect::RefuseOrVouched,
            &["first-assertion-wins"],
            |f| lookalike(f, "URN:OASIS:NAMES:TC:SAML:2.0:ASSERTION".into()),
        ),
        case(
            "saml.wrapping.namespace-u0080",
            "An evil Assertion first, in the assertion namespace plus U+0080",
            "SAML.md N-20; ruby-saml CVE-2025-25292 (SAMLRaider helper)",
            Expect::RefuseOrVouched,
            &["first-assertion-wins"],
            |f| lookalike(f, "urn:oasis:names:tc:SAML:2.0:assertion\u{80}".into()),
        ),
        case(
            "saml.wrapping.nested-response",
            "An evil Response holding the genuine signed Response in Extensions",
            "SAML.md N-10 class",
            Expect::RefuseOrVouched,
            &["signature-by-id-lookup"],
            |f| {
                let d = genuine(f, SignMode::Response)?;
                let mut outer = d.clone();
                outer.strip();
                let id = d.response_id();
                outer.root.set_attr("ID", format!("{id}-evil"));
                outer.name_id().set_text(f.user());
                let mut ext = extensions(f);
                ext.kids.push(Node::El(d.root.clone()));
                let at = outer.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                outer.insert(at, ext);
                Ok(script(f, &outer))
            },
        ),
        case(
            "saml.wrapping.encrypted-lookalike",
            "An EncryptedAssertion holding a plaintext evil Assertion, before the genuine one",
            "SAML.md N-58 (a)",
            Expect::RefuseOrVouched,
            &["first-assertion-wins"],
            |f| {
                let mut d = genuine(f, SignMode::Assertion)?;
                let e = evil(f, &d.assertion_el());
                let p = e.prefix().to_owned();
                let mut enc = El::new(&if p.is_empty() {
                    "EncryptedAssertion".into()
                } else {
                    format!("{p}:EncryptedAssertion")
                });
                if p.is_empty() {
                    enc.set_attr("xmlns", "urn:oasis:names:tc:SAML:2.0:assertion");
                } else {
                    enc.set_attr(
                        &format!("xmlns:{p}"),
                        "urn:oasis:names:tc:SAML:2.0:assertion",
                    );
                }
                enc.kids.push(Node::El(e));
                let at = d.assertion_index();
                d.insert(at, enc);
                Ok(script(f, &d))
            },
        ),
    ]
}
