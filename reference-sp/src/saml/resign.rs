//! Re-signing an arbitrary document with the IdP's key, for fuzzing only.
//!
//! A fuzzer cannot forge a signature, so on its own it never gets past the
//! digest check to the conditions, times, audiences and identity that a
//! verified response is judged on. This fills in every `ds:Signature` the
//! document carries the way an honest IdP would have (digest of the parent
//! element, then the signature over `SignedInfo`), using the ACS's own
//! canonicalizer, and writes the tree back out. The ACS then judges the
//! result from its bytes as it would any posted response; where this could
//! not make a signature that verifies, the ACS refuses it, which is still a
//! valid run.

use aws_lc_rs::digest;

use super::c14n;
use super::dom::{self, Child, Element};
use super::signature::DSIG;

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";

/// Which RSA signature `sign` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha512,
}

/// Makes an RSA signature over the bytes, with the IdP's private key.
pub(crate) type Sign<'a> = &'a dyn Fn(Hash, &[u8]) -> Option<Vec<u8>>;

/// The document with every signature recomputed, serialized so that it
/// parses back to the same tree; `None` if it does not parse at all.
pub(crate) fn resign(xml: &[u8], sign: Sign<'_>) -> Option<String> {
    let mut root = dom::parse(xml).ok()?;
    sign_below(&mut root, sign);
    let mut prefixes: Vec<String> = Vec::new();
    root.walk(&mut |e| {
        for (p, _) in e.declarations() {
            let p = if p.is_empty() { "#default" } else { &**p };
            if p != "xml" && !prefixes.iter().any(|q| q == p) {
                prefixes.push(p.to_owned());
            }
        }
    });
    // Every prefix inclusive: the namespaces in scope are then written
    // out, so that the reparsed tree canonicalizes as this one did
    // whatever prefix list a signature names.
    String::from_utf8(canonical(&root, None, &prefixes)?).ok()
}

/// The canonical bytes, within what the ACS would ever canonicalize.
fn canonical(apex: &Element, skip: Option<&Element>, inclusive: &[String]) -> Option<Vec<u8>> {
    let inclusive: Vec<&str> = inclusive.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    c14n::canonicalize(apex, skip, &inclusive, 16 << 20, &mut |b| {
        out.extend_from_slice(b)
    })
    .ok()?;
    Some(out)
}

/// Inner signatures first: an outer digest covers them.
fn sign_below(e: &mut Element, sign: Sign<'_>) {
    for c in &mut e.children {
        if let Child::Element(k) = c {
            sign_below(k, sign);
        }
    }
    let sigs: Vec<usize> = e
        .children
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Child::Element(k) if k.name.is(DSIG, "Signature") => Some(i),
            _ => None,
        })
        .collect();
    for i in sigs {
        let Child::Element(sig) = &e.children[i] else {
            continue;
        };
        let Some(signed_info) = sig.all(DSIG, "SignedInfo").next() else {
            continue;
        };
        let mut digest_alg = &digest::SHA256;
        let mut inclusive = Vec::new();
        if let Some(reference) = signed_info.all(DSIG, "Reference").next() {
            reference.walk(&mut |d| {
                if d.name.is(DSIG, "DigestMethod") && d.attr("Algorithm") == Some(SHA512) {
                    digest_alg = &digest::SHA512;
                }
                if d.name.is(EXC_C14N, "InclusiveNamespaces") {
                    inclusive = prefix_list(d);
                }
            });
        }
        let Some(canon) = canonical(e, Some(sig), &inclusive) else {
            continue;
        };
        let value = digest::digest(digest_alg, &canon);
        let Child::Element(sig) = &mut e.children[i] else {
            continue;
        };
        set_first(sig, "DigestValue", &b64(value.as_ref()));
        let Some(signed_info) = sig.all(DSIG, "SignedInfo").next() else {
            continue;
        };
        let hash = match signed_info
            .all(DSIG, "SignatureMethod")
            .next()
            .and_then(|m| m.attr("Algorithm"))
        {
            Some(RSA_SHA512) => Hash::Sha512,
            _ => Hash::Sha256,
        };
        let si_inclusive = signed_info
            .all(DSIG, "CanonicalizationMethod")
            .next()
            .and_then(|m| m.all(EXC_C14N, "InclusiveNamespaces").next())
            .map(prefix_list)
            .unwrap_or_default();
        let Some(value) = canonical(signed_info, None, &si_inclusive).and_then(|c| sign(hash, &c))
        else {
            continue;
        };
        set_first(sig, "SignatureValue", &b64(&value));
    }
}

fn prefix_list(e: &Element) -> Vec<String> {
    e.attr("PrefixList")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(str::to_owned)
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

/// Replaces the text of the first `ds:{local}` at or below `e`.
fn set_first(e: &mut Element, local: &str, text: &str) -> bool {
    if e.name.is(DSIG, local) {
        e.children = vec![Child::Text(text.to_owned())];
        return true;
    }
    e.children.iter_mut().any(|c| match c {
        Child::Element(k) => set_first(k, local, text),
        Child::Text(_) => false,
    })
}
