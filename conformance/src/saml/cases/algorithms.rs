//! SAML.md §3.3 E: algorithms and transforms. Each response is signed
//! correctly under the algorithm it names; the algorithm is the defect.

use idpsim_simulator::saml::SignMode;

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::super::sign::{
    self, C14N_10, C14N_11, EXC_C14N_COMMENTS, HMAC_SHA256, KeyInfo, MD5, SHA1, XPATH, XSLT,
};
use super::super::xml::{El, Node};
use super::case;

fn digest(f: &Forge<'_>, uri: &str) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    d.spec.digest_method = uri.into();
    d.resign()?;
    Ok(Script::doc(&d))
}

/// The user's response signed only at the Response, its Reference
/// canonicalized by `transform`.
fn response_transform(f: &Forge<'_>, transform: &str) -> Result<Script, String> {
    let mut d = f.genuine_as(f.user(), SignMode::Response)?;
    d.spec.transform = transform.into();
    d.spec.prefix_list = None;
    d.resign()?;
    Ok(Script::doc(&d))
}

fn ds(d: &Doc, local: &str) -> El {
    El::new(&d.spec.q(local))
}

fn hmac(f: &Forge<'_>) -> Result<Doc, String> {
    let mut d = f.genuine(Who::Attacker)?;
    d.strip();
    d.name_id().set_text(f.user());
    d.spec.signature_method = HMAC_SHA256.into();
    d.spec.key_info = KeyInfo::None;
    d.sign_assertion()?;
    Ok(d)
}

fn extra_transform(f: &Forge<'_>, t: El) -> Result<Script, String> {
    let mut d = f.genuine(Who::User)?;
    d.spec.extra_transforms = vec![t];
    d.strip();
    d.sign_assertion()?;
    Ok(Script::doc(&d))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.algorithms.sha1-digest",
            "A valid signature over a SHA-1 digest",
            "SAML.md N-31; python3-saml #296",
            Expect::Refuse,
            &["weak-algorithms"],
            |f| digest(f, SHA1),
        ),
        case(
            "saml.algorithms.md5-digest",
            "A valid signature over an MD5 digest",
            "SAML.md N-32",
            Expect::Refuse,
            &["weak-algorithms"],
            |f| digest(f, MD5),
        ),
        case(
            "saml.algorithms.hmac-public-key",
            "HMAC-SHA256 keyed with the IdP's public key (key confusion)",
            "SAML.md N-33; xml-crypto #303",
            Expect::Refuse,
            &["hmac-with-cert"],
            |f| Ok(Script::doc(&hmac(f)?)),
        ),
        case(
            "saml.algorithms.hmac-output-length",
            "HMAC truncated by HMACOutputLength 8",
            "SAML.md N-34; CVE-2009-0217",
            Expect::Refuse,
            &["hmac-with-cert"],
            |f| {
                let mut d = hmac(f)?;
                let at = d.assertion_index();
                let sig_i = d.assertion().kid_index("Signature", 0).ok_or("unsigned")?;
                let sm = d.in_assertion(&["Signature", "SignedInfo", "SignatureMethod"]);
                let mut len = El::new(&sm.name.replace("SignatureMethod", "HMACOutputLength"));
                len.kids.push(Node::Text("8".into()));
                sm.kids.push(Node::El(len));
                sign::sign_value(&mut d.root, &[at, sig_i], d.spec.signer, &d.keys.clone())?;
                let v = d.in_assertion(&["Signature", "SignatureValue"]);
                let full =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, v.text())
                        .map_err(|e| e.to_string())?;
                v.set_text(base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    &full[..1],
                ));
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.algorithms.inclusive-c14n-transform",
            "The Response's Reference canonicalized with inclusive C14N 1.0",
            "SAML.md N-35; SAML Core §5.4.3",
            Expect::Refuse,
            &["any-c14n"],
            |f| response_transform(f, C14N_10),
        ),
        case(
            "saml.algorithms.c14n11-transform",
            "The Response's Reference canonicalized with C14N 1.1",
            "SAML.md N-35",
            Expect::Refuse,
            &["any-c14n"],
            |f| response_transform(f, C14N_11),
        ),
        case(
            "saml.algorithms.exc-c14n-with-comments",
            "The Response's Reference canonicalized with exclusive C14N with comments",
            "SAML.md N-35; SAML Core §5.4.4",
            Expect::Refuse,
            &["any-c14n"],
            |f| response_transform(f, EXC_C14N_COMMENTS),
        ),
        case(
            "saml.algorithms.inclusive-c14n-method",
            "SignedInfo canonicalized with inclusive C14N 1.0",
            "SAML.md N-35",
            Expect::Refuse,
            &["any-c14n"],
            |f| {
                let mut d = f.genuine(Who::User)?;
                d.strip();
                d.spec.c14n_method = C14N_10.into();
                d.sign_assertion()?;
                Ok(Script::doc(&d))
            },
        ),
        case(
            "saml.algorithms.xpath-transform",
            "An XPath filter transform that selects nothing",
            "SAML.md N-36; XML Signature Best Practices 5",
            Expect::Refuse,
            &["any-transform"],
            |f| {
                let d = f.genuine(Who::User)?;
                let mut t = ds(&d, "Transform");
                t.set_attr("Algorithm", XPATH);
                let mut x = ds(&d, "XPath");
                x.kids
                    .push(Node::Text("not(ancestor-or-self::node())".into()));
                t.kids.push(Node::El(x));
                extra_transform(f, t)
            },
        ),
        case(
            "saml.algorithms.xslt-transform",
            "An XSLT transform that fetches a URL",
            "SAML.md N-37; pysaml2 #1035; python3-saml #447",
            Expect::Refuse,
            &["any-transform", "dereference-urls"],
            |f| {
                let d = f.genuine(Who::User)?;
                let mut t = ds(&d, "Transform");
                t.set_attr("Algorithm", XSLT);
                let mut ss = El::new("xsl:stylesheet");
                ss.set_attr("xmlns:xsl", "http://www.w3.org/1999/XSL/Transform");
                ss.set_attr("version", "1.0");
                let mut tpl = El::new("xsl:template");
                tpl.set_attr("match", "/");
                let mut v = El::new("xsl:value-of");
                v.set_attr("select", format!("document('{}')", f.canary("xslt")));
                tpl.kids.push(Node::El(v));
                ss.kids.push(Node::El(tpl));
                t.kids.push(Node::El(ss));
                extra_transform(f, t)
            },
        ),
    ]
}
