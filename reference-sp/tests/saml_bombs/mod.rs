//! Hostile `SAMLResponse` bodies for the budget tests and the `hostile`
//! bench, and the entry point the ACS itself uses.
//!
//! Each builder takes a size in bytes of XML and fills it. Bodies that
//! must reach canonicalization carry a `SignedInfo` really signed by a
//! test key the SP trusts, over a wrong digest: what an attacker holding
//! one genuine response can send after editing the signed element. The
//! `SignedInfo` is written already in canonical form, so signing it needs
//! no canonicalizer here.

#![allow(dead_code)]

use std::fmt::Write;
use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_reference_sp::saml::{Rejection, SamlConfig, SessionStore, TrustedKey, Validator};
use time::OffsetDateTime;

pub const ACS: &str = "https://sp.example/saml/acs";
const IDP: &str = "https://idp.example/";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The largest XML whose base64 fits the 512 KiB `SAMLResponse` limit.
pub const MAX_XML: usize = 512 * 1024 / 4 * 3;

pub struct Fixture {
    validator: Validator,
    key: RsaKeyPair,
}

/// One SP trusting one freshly generated key, shared by every case.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        let trusted = TrustedKey(key.public_key().as_ref().to_vec());
        Fixture {
            validator: Validator {
                config: SamlConfig::new(
                    IDP.into(),
                    "https://idp.example/sso".into(),
                    vec![trusted],
                ),
                sp_entity_id: "https://sp.example/saml/metadata".into(),
                acs_url: ACS.into(),
            },
            key,
        }
    })
}

/// The form value the ACS receives for this XML.
pub fn encode(xml: &str) -> String {
    B64.encode(xml)
}

impl Fixture {
    /// What `POST /saml/acs` runs on its verification pool.
    pub fn validate(&self, saml_response: &str) -> Result<(), Rejection> {
        self.validator
            .validate(
                saml_response,
                None,
                &SessionStore::default(),
                OffsetDateTime::now_utc(),
            )
            .map(drop)
    }

    /// A response whose assertion is signed (over a wrong digest) and
    /// holds `payload`; `root_decls` go on the Response, `prefixes` into
    /// the reference's `InclusiveNamespaces`.
    pub fn signed(&self, root_decls: &str, prefixes: &str, payload: &str) -> String {
        let inclusive = if prefixes.is_empty() {
            String::new()
        } else {
            format!(
                r#"<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{prefixes}"></ec:InclusiveNamespaces>"#
            )
        };
        let digest = B64.encode([0u8; 32]);
        let signed_info = format!(
            r##"<ds:SignedInfo xmlns:ds="{DSIG}"><ds:CanonicalizationMethod Algorithm="{EXC}"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod><ds:Reference URI="#_a"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform><ds:Transform Algorithm="{EXC}">{inclusive}</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"##
        );
        let mut sig = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed_info.as_bytes(),
                &mut sig,
            )
            .expect("sign");
        let sig = B64.encode(sig);
        envelope(
            root_decls,
            &format!(
                r#"<ds:Signature xmlns:ds="{DSIG}">{signed_info}<ds:SignatureValue>{sig}</ds:SignatureValue></ds:Signature>{payload}"#
            ),
        )
    }
}

/// A Response with one assertion holding `inner` after its Issuer.
fn envelope(root_decls: &str, inner: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"{root_decls} ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{ACS}"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>{IDP}</saml:Issuer>{inner}</saml:Assertion></samlp:Response>"#
    )
}

/// Room left for a payload in a document of `size` bytes.
fn room(size: usize) -> usize {
    size.saturating_sub(5_000)
}

/// Repeats `item(i)` until `budget` bytes are used.
fn fill(budget: usize, mut item: impl FnMut(usize) -> String) -> String {
    let mut out = String::new();
    for i in 0.. {
        let next = item(i);
        if out.len() + next.len() > budget {
            break;
        }
        out.push_str(&next);
    }
    out
}

/// A hostile body: its name, a builder from size to XML, and the refusal
/// it must get.
pub struct Case {
    pub name: &'static str,
    pub build: fn(usize) -> String,
    pub refusal: &'static str,
}

pub const CASES: &[Case] = &[
    Case {
        name: "namespace-bomb",
        build: namespace_bomb,
        refusal: "declares more than 64 namespaces",
    },
    Case {
        name: "namespaces-within-caps",
        build: namespaces_within_caps,
        refusal: "digest mismatch",
    },
    Case {
        name: "attribute-bomb",
        build: attribute_bomb,
        refusal: "more than 64 attributes",
    },
    Case {
        name: "attributes-within-caps",
        build: attributes_within_caps,
        refusal: "digest mismatch",
    },
    Case {
        name: "deep-nesting",
        build: deep_nesting,
        refusal: "digest mismatch",
    },
    Case {
        name: "entity-expansion",
        build: entity_expansion,
        refusal: "DOCTYPE is not allowed",
    },
    Case {
        name: "character-references",
        build: character_references,
        refusal: "digest mismatch",
    },
    Case {
        name: "huge-signature-value",
        build: huge_signature_value,
        refusal: "longer than 1368 base64 characters",
    },
    Case {
        name: "huge-text",
        build: huge_text,
        refusal: "digest mismatch",
    },
    Case {
        name: "prefix-list-bomb",
        build: prefix_list_bomb,
        refusal: "names more than 32 prefixes",
    },
    Case {
        name: "prefix-list-within-caps",
        build: prefix_list_within_caps,
        refusal: "digest mismatch",
    },
    Case {
        name: "c14n-amplification",
        build: c14n_amplification,
        refusal: "canonical form is larger than",
    },
];

/// The campaign's body: the root declares half the bytes' worth of
/// prefixes, and each of many children declares one more.
pub fn namespace_bomb(size: usize) -> String {
    let half = room(size) / 2;
    let decls = fill(half, |i| format!(r#" xmlns:p{i}="urn:{i}""#));
    let kids = fill(half, |i| format!(r#"<c xmlns:q{i}="urn:{i}"/>"#));
    envelope(&decls, &kids)
}

/// As many declarations as the caps allow, in signed content: 64 on the
/// root (with `samlp`), one on each of thousands of elements that use it.
pub fn namespaces_within_caps(size: usize) -> String {
    let root: String = (0..63)
        .map(|i| format!(r#" xmlns:r{i}="urn:{i}""#))
        .collect();
    let kids = fill(room(size), |i| format!(r#"<q{i}:c xmlns:q{i}="urn:{i}"/>"#));
    fixture().signed(&root, "", &kids)
}

/// The campaign's body: thousands of attributes on one element.
pub fn attribute_bomb(size: usize) -> String {
    let attrs = fill(room(size), |i| format!(r#" a{i}="""#));
    envelope("", &format!("<x{attrs}/>"))
}

/// 64 attributes on each of many signed elements: sorting and duplicate
/// checks at the cap, everywhere.
pub fn attributes_within_caps(size: usize) -> String {
    let one: String = (0..64).map(|i| format!(r#" a{i}="{i}""#)).collect();
    let kids = fill(room(size), |_| format!("<x{one}/>"));
    fixture().signed("", "", &kids)
}

/// Signed chains nested as deep as allowed, repeated.
pub fn deep_nesting(size: usize) -> String {
    let depth = 56;
    let chain = format!(
        "{}{}",
        "<dddddddddddddddd>".repeat(depth),
        "</dddddddddddddddd>".repeat(depth)
    );
    let kids = fill(room(size), |_| chain.clone());
    fixture().signed("", "", &kids)
}

/// The billion laughs: refused at the DOCTYPE, whatever follows.
pub fn entity_expansion(size: usize) -> String {
    let mut dtd = String::from(r#"<!DOCTYPE r [<!ENTITY l0 "lol">"#);
    let mut i = 1;
    while dtd.len() < room(size) {
        let _ = write!(
            dtd,
            r#"<!ENTITY l{i} "{}">"#,
            format!("&l{};", i - 1).repeat(10)
        );
        i += 1;
    }
    format!("{dtd}]>{}", envelope("", &format!("&l{};", i - 1)))
}

/// Signed text made only of character references, one event each.
pub fn character_references(size: usize) -> String {
    let refs = fill(room(size), |_| "&#x41;&lt;".to_owned());
    fixture().signed("", "", &format!("<t>{refs}</t>"))
}

/// A `SignatureValue` of most of the body.
pub fn huge_signature_value(size: usize) -> String {
    let xml = fixture().signed("", "", "");
    let at = xml.find("</ds:SignatureValue>").expect("signature value");
    let pad = "QUFB".repeat(room(size) / 4);
    format!("{}{pad}{}", &xml[..at], &xml[at..])
}

/// One signed text node of most of the body, full of characters c14n
/// escapes.
pub fn huge_text(size: usize) -> String {
    let text = "a&amp;b&lt;c\r".repeat(room(size) / 14);
    fixture().signed("", "", &format!("<t>{text}</t>"))
}

/// The campaign's body: a PrefixList of thousands of prefixes, each
/// declared (64 to an element, the most one element may declare).
pub fn prefix_list_bomb(size: usize) -> String {
    let mut prefixes = Vec::new();
    let kids = fill(room(size) / 2, |e| {
        let mut el = String::from("<k");
        for i in 0..64 {
            let _ = write!(el, r#" xmlns:p{e}x{i}="urn:{i}""#);
            prefixes.push(format!("p{e}x{i}"));
        }
        el + "/>"
    });
    let list = prefixes.join(" ");
    fixture().signed("", &list, &kids)
}

/// The largest PrefixList allowed, over declarations that change on every
/// element, so each element renders all of them.
pub fn prefix_list_within_caps(size: usize) -> String {
    let list: Vec<String> = (0..32).map(|i| format!("p{i}")).collect();
    let kids = fill(room(size), |e| {
        let mut el = String::from("<k");
        for p in &list {
            let _ = write!(el, r#" xmlns:{p}="urn:{}""#, e % 2);
        }
        el + "/>"
    });
    fixture().signed("", &list.join(" "), &kids)
}

/// A long namespace URI declared once and used by every element: exclusive
/// c14n renders it on each of them.
pub fn c14n_amplification(size: usize) -> String {
    let uri = format!("urn:{}", "u".repeat(room(size) / 2));
    let kids = fill(room(size) / 2, |_| "<p:eeeeeeee/>".to_owned());
    fixture().signed(&format!(r#" xmlns:p="{uri}""#), "", &kids)
}
