//! SAML.md §3.3 A: signature presence and coverage, and the verifier bugs
//! of real libraries (references, SignedInfo, digest comments).

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::super::sign::{self, el_at_mut};
use super::super::xml::{El, Node};
use super::case;

/// The attacker's genuine response with its NameID changed to the user's.
fn tampered(f: &Forge<'_>, mode: SignMode) -> Result<Doc, String> {
    let mut d = f.genuine_as(f.attacker(), mode)?;
    d.name_id().set_text(f.user());
    Ok(d)
}

fn sig_value(d: &mut Doc, change: impl FnOnce(&mut El)) {
    let sig = d
        .assertion()
        .kid_mut("Signature")
        .expect("a signed assertion");
    if let Some(v) = sig.kid_mut("SignatureValue") {
        change(v);
    }
}

/// Signs the assertion of the run's shape, whatever the run's mode.
fn assertion_signed(f: &Forge<'_>, who: Who) -> Result<Doc, String> {
    f.genuine_as(f.name(who), SignMode::Assertion)
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.signature.stripped",
            "Every signature removed",
            "SAML.md N-01; CVE-2020-12676",
            Expect::Refuse,
            &["accept-unsigned-assertion"],
            |f| Ok(Script::doc(f.genuine(Who::User)?.strip())),
        ),
        case(
            "saml.signature.empty-value",
            "Empty SignatureValue",
            "SAML.md N-02; CVE-2026-28323",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                sig_value(&mut d, |v| v.set_text(""));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.truncated-value",
            "SignatureValue cut in half",
            "SAML.md N-02",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                sig_value(&mut d, |v| {
                    let t = v.text();
                    v.set_text(&t[..t.len() / 2 / 4 * 4]);
                });
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.no-value",
            "SignatureValue element removed",
            "SAML.md N-02",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let sig = d.assertion().kid_mut("Signature").ok_or("unsigned")?;
                sig.take("SignatureValue");
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.wrong-value",
            "SignatureValue with one byte changed",
            "SAML.md N-02",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                sig_value(&mut d, |v| {
                    let t = v.text();
                    let first = if t.starts_with('A') { "B" } else { "A" };
                    v.set_text(format!("{first}{}", &t[1..]));
                });
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.tampered-name-id",
            "NameID changed after signing",
            "SAML.md N-07; SPID 113",
            Expect::Refuse,
            &["ignore-digest"],
            |f| Ok(Script::doc(&tampered(f, SignMode::Assertion)?)),
        ),
        case(
            "saml.signature.tampered-expiry",
            "An expired assertion's times moved forward after signing",
            "SAML.md N-07",
            Expect::Refuse,
            &["ignore-digest"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let keep = (
                    d.conditions()
                        .attr("NotOnOrAfter")
                        .unwrap_or_default()
                        .to_owned(),
                    d.scd().attr("NotOnOrAfter").unwrap_or_default().to_owned(),
                );
                d.conditions().set_attr("NotOnOrAfter", super::at(-10));
                d.scd().set_attr("NotOnOrAfter", super::at(-10));
                d.resign()?;
                d.conditions().set_attr("NotOnOrAfter", keep.0);
                d.scd().set_attr("NotOnOrAfter", keep.1);
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.inner-broken-outer-intact",
            "Assertion signature broken, Response signature valid over it",
            "SAML.md N-08; SPID 113",
            Expect::Refuse,
            &["ignore-signature-value", "signature-by-id-lookup"],
            |f| {
                let mut d = f.genuine_as(f.user(), SignMode::Both)?;
                sig_value(&mut d, |v| {
                    let t = v.text();
                    let first = if t.starts_with('A') { "B" } else { "A" };
                    v.set_text(format!("{first}{}", &t[1..]));
                });
                d.sign_response()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.response-signed-assertion-tampered",
            "Signed Response whose assertion was changed after signing",
            "SAML.md N-07",
            Expect::Refuse,
            &["ignore-digest"],
            |f| Ok(Script::doc(&tampered(f, SignMode::Response)?)),
        ),
        case(
            "saml.signature.after-subject",
            "The assertion's Signature moved after Subject",
            "SAML.md N-09; Flowfin #153",
            Expect::Refuse,
            &["any-signature-position", "signature-by-id-lookup"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let a = d.assertion();
                let sig = a.take("Signature").ok_or("unsigned")?;
                let at = a.kid_index("Subject", 0).ok_or("no Subject")? + 1;
                a.kids.insert(at, Node::El(sig));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.two-signatures",
            "A second, broken Signature beside the valid one",
            "SAML.md N-09",
            Expect::Refuse,
            &["any-signature-position"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let a = d.assertion();
                let mut copy = a.kid("Signature").cloned().ok_or("unsigned")?;
                if let Some(v) = copy.kid_mut("SignatureValue") {
                    v.set_text("AAAA");
                }
                let at = a.kid_index("Signature", 0).ok_or("unsigned")? + 1;
                a.kids.insert(at, Node::El(copy));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.moved-to-response",
            "The assertion's Signature moved up into the Response",
            "SAML.md N-09; CVE-2025-23369",
            Expect::Refuse,
            &["signature-by-id-lookup"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let sig = d.assertion().take("Signature").ok_or("unsigned")?;
                let at = d.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                d.insert(at, sig);
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.foreign-signed-metadata",
            "IdP metadata signed by the IdP smuggled into Extensions; assertion unsigned",
            "SAML.md N-04; CVE-2025-54419; SPID 112",
            Expect::Refuse,
            &["any-signature-in-document", "signature-by-id-lookup"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.strip();
                let issuer = d.root.kid("Issuer").map(El::text).unwrap_or_default();
                let mut md = El::new("md:EntityDescriptor");
                md.set_attr("xmlns:md", "urn:oasis:names:tc:SAML:2.0:metadata");
                md.set_attr("ID", "_idpsim-metadata");
                md.set_attr("entityID", issuer);
                let mut idp = El::new("md:IDPSSODescriptor");
                idp.set_attr(
                    "protocolSupportEnumeration",
                    "urn:oasis:names:tc:SAML:2.0:protocol",
                );
                md.kids.push(Node::El(idp));
                let mut ext = extensions(f);
                ext.kids.push(Node::El(md));
                let at = d.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                d.insert(at, ext);
                let spec = d.spec.clone();
                sign::sign_at(&mut d.root, &[at, 0], &spec, &d.keys.clone())?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.foreign-signed-assertion",
            "The attacker's signed assertion in Extensions; the user's assertion unsigned",
            "SAML.md N-04; CVE-2025-54419",
            Expect::Refuse,
            &[
                "first-assertion-wins",
                "last-assertion-wins",
                "signature-by-id-lookup",
            ],
            |f| {
                let signed = assertion_signed(f, Who::Attacker)?.assertion_el();
                let mut d = f.genuine(Who::User)?;
                d.strip();
                let mut ext = extensions(f);
                ext.kids.push(Node::El(signed));
                let at = d.root.kid_index("Issuer", 0).map_or(0, |i| i + 1);
                d.insert(at, ext);
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.reference-empty-uri",
            "Reference URI=\"\" (the whole document) instead of the assertion's ID",
            "SAML.md N-05; CVE-2024-45409 class",
            Expect::Refuse,
            &["skip-reference-check"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                d.spec.uri = Some(String::new());
                d.sign_assertion()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.reference-other-element",
            "The assertion's Reference names the Response's ID",
            "SAML.md N-05; CVE-2024-45409 class",
            Expect::Refuse,
            &["skip-reference-check"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                d.spec.uri = Some(format!("#{}", d.response_id()));
                d.sign_assertion()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.reference-without-uri",
            "A Reference with no URI attribute",
            "SAML.md N-05",
            Expect::Refuse,
            &["skip-reference-check"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let at = d.assertion_index();
                let si = reference_path(&d)?;
                el_at_mut(&mut d.root, &si).remove_attr("URI");
                let sig = sig_path(&d, at)?;
                sign::sign_value(&mut d.root, &sig, d.spec.signer, &d.keys.clone())?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.two-references",
            "SignedInfo with a second Reference beside the assertion's",
            "SAML.md N-06; CVE-2025-29774",
            Expect::Refuse,
            &["multiple-references"],
            |f| {
                let mut d = assertion_signed(f, Who::User)?;
                let at = d.assertion_index();
                let rp = reference_path(&d)?;
                let mut second = super::super::sign::el_at_mut(&mut d.root, &rp).clone();
                second.set_attr("URI", format!("#{}", d.response_id()));
                let si = &rp[..rp.len() - 1];
                el_at_mut(&mut d.root, si).kids.push(Node::El(second));
                let sig = sig_path(&d, at)?;
                sign::sign_value(&mut d.root, &sig, d.spec.signer, &d.keys.clone())?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.two-signed-info",
            "A second SignedInfo whose digest covers a changed NameID",
            "SAML.md N-06; CVE-2019-3465",
            Expect::Refuse,
            &["two-signed-info"],
            |f| {
                let mut d = tampered(f, SignMode::Assertion)?;
                let at = d.assertion_index();
                let sig_i = d.assertion().kid_index("Signature", 0).ok_or("unsigned")?;
                let digest = sign::digest_now(&d.root, &[at], Some(sig_i), &d.spec)?;
                let sig = d.assertion().kid_mut("Signature").ok_or("unsigned")?;
                let mut forged = sig.kid("SignedInfo").cloned().ok_or("no SignedInfo")?;
                if let Some(v) = forged.at_mut(&["Reference", "DigestValue"]) {
                    v.set_text(digest);
                }
                let si = sig.kid_index("SignedInfo", 0).ok_or("no SignedInfo")?;
                sig.kids.insert(si + 1, Node::El(forged));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.signature.digest-comment",
            "The changed NameID's digest in a comment before the original DigestValue",
            "SAML.md N-06; xml-crypto CVE-2025-29775",
            Expect::Refuse,
            &["comments-truncate-text", "ignore-digest"],
            |f| {
                let mut d = tampered(f, SignMode::Assertion)?;
                let at = d.assertion_index();
                let sig_i = d.assertion().kid_index("Signature", 0).ok_or("unsigned")?;
                let digest = sign::digest_now(&d.root, &[at], Some(sig_i), &d.spec)?;
                let v = d.in_assertion(&["Signature", "SignedInfo", "Reference", "DigestValue"]);
                let original = v.text();
                v.kids = vec![Node::Comment(digest), Node::Text(original)];
                Ok(Script::doc(&d))
            },
        ),
    ]
}

/// An Extensions element in the Response's namespace and prefix.
pub fn extensions(f: &Forge<'_>) -> El {
    let p = if f.okta() { "saml2p" } else { "samlp" };
    El::new(&format!("{p}:Extensions"))
}

/// Path to the assertion signature's first Reference.
fn reference_path(d: &Doc) -> Result<Vec<usize>, String> {
    let at = d.assertion_index();
    let mut p = sig_path(d, at)?;
    let sig = d.root.at(&["Assertion", "Signature"]).ok_or("unsigned")?;
    let si = sig.kid_index("SignedInfo", 0).ok_or("no SignedInfo")?;
    p.push(si);
    let r = sig
        .kid("SignedInfo")
        .and_then(|s| s.kid_index("Reference", 0))
        .ok_or("no Reference")?;
    p.push(r);
    Ok(p)
}

fn sig_path(d: &Doc, at: usize) -> Result<Vec<usize>, String> {
    let a = d.root.kid("Assertion").ok_or("no assertion")?;
    Ok(vec![at, a.kid_index("Signature", 0).ok_or("unsigned")?])
}
