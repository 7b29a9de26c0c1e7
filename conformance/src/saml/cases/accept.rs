//! SAML.md §4: shapes real IdPs send, which an SP must accept. Each is the
//! genuine response with one variation, signed by the trusted key.

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Expect, Flow, Script, Who};
use super::super::sign::{KeyInfo, RSA_SHA512, SHA512};
use super::super::xml::{El, Node};
use super::case;

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.accept.both-signed",
            "Response and Assertion both signed",
            "SAML.md P-01",
            Expect::Accept,
            &["reject-signed-response"],
            |f| Ok(Script::doc(&f.genuine_as(f.user(), SignMode::Both)?)),
        ),
        Case {
            flow: Flow::UnsignedAssertionAllowed,
            ..case(
                "saml.accept.response-signed-only",
                "Only the Response signed (Entra \"Sign SAML response\")",
                "SAML.md P-03",
                Expect::Accept,
                &["require-signed-assertion", "reject-signed-response"],
                |f| Ok(Script::doc(&f.genuine_as(f.user(), SignMode::Response)?)),
            )
        },
        case(
            "saml.accept.rsa-sha512",
            "RSA-SHA512 signature with a SHA-512 digest",
            "SAML.md P-04",
            Expect::Accept,
            &["sha256-only"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.spec.signature_method = RSA_SHA512.into();
                d.spec.digest_method = SHA512.into();
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.no-key-info",
            "Signature without KeyInfo (the key comes from metadata)",
            "SAML.md P-05",
            Expect::Accept,
            &["require-key-info"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.spec.key_info = KeyInfo::None;
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.other-prefix-style",
            "The other IdP's namespace style: default namespace (Entra) or prefixed (Okta)",
            "SAML.md P-07",
            Expect::Accept,
            &["prefixed-names-only"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                let okta = f.okta();
                let a = d.assertion();
                if okta {
                    reprefix(a, "saml2", "");
                } else {
                    reprefix(a, "", "saml");
                }
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.issuer-without-format",
            "Issuer without Format=entity (Entra's style)",
            "SAML.md P-11",
            Expect::Accept,
            &["require-issuer-format"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                if let Some(i) = d.root.kid_mut("Issuer") {
                    i.remove_attr("Format");
                }
                d.in_assertion(&["Issuer"]).remove_attr("Format");
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.no-fractional-seconds",
            "Timestamps without fractional seconds",
            "SAML.md P-13",
            Expect::Accept,
            &["require-fractional-seconds"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                let strip = |e: &mut El| {
                    for (_, v) in e.attrs.iter_mut() {
                        if v.len() > 20 && v.ends_with('Z') && v.as_bytes().get(19) == Some(&b'.') {
                            *v = format!("{}Z", &v[..19]);
                        }
                    }
                };
                strip(&mut d.root);
                d.root.walk_mut(&mut |e| strip(e));
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.pretty-printed",
            "Indented assertion, whitespace signed as sent",
            "SAML.md P-16",
            Expect::Accept,
            &["strip-whitespace"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                indent(d.assertion(), 1);
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.accept.special-characters",
            "Attribute values with &, <, >, quotes and non-ASCII text",
            "SAML.md P-20",
            Expect::Accept,
            &["c14n-no-escape"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                let st = d.in_assertion(&["AttributeStatement"]);
                for a in st.kids.iter_mut() {
                    if let Node::El(attr) = a {
                        for v in attr.kids.iter_mut() {
                            if let Node::El(val) = v {
                                val.set_text("Zoë & <Ann> \"Q\" 'R' ☃");
                            }
                        }
                        break;
                    }
                }
                d.resign()?;
                Ok(Script::doc(&d))
            },
        ),
    ]
}

/// Renames prefix `from` to `to` (`""`: default namespace) on every
/// element and declaration of `e`'s subtree.
pub fn reprefix(e: &mut El, from: &str, to: &str) {
    let rename = |e: &mut El| {
        if e.prefix() == from && (from.is_empty() != e.name.contains(':')) {
            let local = e.local().to_owned();
            e.name = if to.is_empty() {
                local
            } else {
                format!("{to}:{local}")
            };
        }
        let old = if from.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{from}")
        };
        let new = if to.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{to}")
        };
        for (k, _) in e.attrs.iter_mut() {
            if *k == old {
                *k = new.clone();
            }
        }
    };
    rename(e);
    e.walk_mut(&mut |c| rename(c));
}

/// Indents `e`'s element children (whitespace text nodes), recursively.
fn indent(e: &mut El, depth: usize) {
    if e.els().next().is_none() {
        return;
    }
    let mut kids = Vec::new();
    for k in std::mem::take(&mut e.kids) {
        kids.push(Node::Text(format!("\n{}", "  ".repeat(depth))));
        match k {
            Node::El(mut c) => {
                indent(&mut c, depth + 1);
                kids.push(Node::El(c));
            }
            other => kids.push(other),
        }
    }
    kids.push(Node::Text(format!("\n{}", "  ".repeat(depth - 1))));
    e.kids = kids;
}
