//! Enveloped XML-DSig verification, narrowed to what SAML needs.
//!
//! Everything outside one shape is refused rather than interpreted: the
//! `Signature` is the child right after `Issuer` of the element it signs,
//! `SignedInfo` holds exactly one `Reference` whose URI names that
//! element's `ID`, the transforms are exactly enveloped-signature then
//! exclusive c14n, canonicalization is exclusive c14n, and the algorithms
//! are RSA with SHA-256 or SHA-512. The key comes from configuration only;
//! `KeyInfo` is never read, so a certificate an attacker embeds is inert.
//!
//! The order keeps the expensive step for last: everything about the shape,
//! the sizes of the prefix lists, the digest and the signature value is
//! checked first, then the signature over the (small) canonical
//! `SignedInfo`, and only then is the signed element canonicalized and
//! digested. XML-DSig core validation needs both to hold, so the order
//! changes no verdict; it means a forger without the IdP's key never gets
//! the SP to canonicalize the document.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::c14n::{Broken, C14nError, canonicalize_with};
use super::dom::Element;
use super::qname::is_ncname;
use super::quirk::{Quirks, SamlQuirk};

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

/// Prefixes in one `InclusiveNamespaces PrefixList`. IdPs name one or two
/// (`xs`, `xsi`); a list of thousands made canonicalization quadratic.
pub const MAX_INCLUSIVE_PREFIXES: usize = 32;
/// Canonical `SignedInfo`: about 1 KB in practice.
pub const MAX_SIGNED_INFO_BYTES: usize = 64 * 1024;
/// Canonical form of the signed element. The XML is at most 384 KiB (512
/// KiB of base64); exclusive c14n repeats a namespace declaration on each
/// element that uses a prefix its parent does not, which a real response
/// does for a few hundred bytes per `AttributeValue`. 8 MiB covers 20,000
/// elements doing so, and is cheap to digest.
pub const MAX_CANONICAL_BYTES: usize = 8 * 1024 * 1024;
/// `SignatureValue` in base64: 8192-bit RSA, the largest key accepted,
/// signs 1024 bytes, 1368 characters.
const MAX_SIGNATURE_B64: usize = 1368;
/// `DigestValue` in base64: SHA-512's 64 bytes are 88 characters.
const MAX_DIGEST_B64: usize = 88;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is malformed: {0}")]
    Malformed(String),
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
    #[error("the Reference URI {found:?} does not name the signed element #{id}")]
    WrongReference { found: String, id: String },
    #[error("digest mismatch: the signed element was changed after signing")]
    Digest,
    #[error("the signature does not verify with any trusted IdP key")]
    BadSignature,
    #[error(transparent)]
    Canonical(#[from] C14nError),
}

/// A public key the SP trusts, as the DER `RSAPublicKey` of a certificate.
#[derive(Debug, Clone)]
pub struct TrustedKey(pub Vec<u8>);

fn malformed(s: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(s.into())
}

fn algorithm(e: &Element) -> Result<&str, SignatureError> {
    e.attr("Algorithm")
        .ok_or_else(|| malformed(format!("ds:{} has no Algorithm", e.name.local)))
}

/// The `PrefixList` of an `InclusiveNamespaces` child, if any.
fn inclusive(method: &Element) -> Result<Vec<&str>, SignatureError> {
    let mut children = method.elements();
    let Some(c) = children.next() else {
        return Ok(Vec::new());
    };
    if !c.name.is(EXC_C14N, "InclusiveNamespaces") || children.next().is_some() {
        return Err(malformed(format!(
            "a transform takes one InclusiveNamespaces, found {}",
            c.qname()
        )));
    }
    let mut out = Vec::new();
    for p in c
        .attr("PrefixList")
        .unwrap_or_default()
        .split_ascii_whitespace()
    {
        if out.len() == MAX_INCLUSIVE_PREFIXES {
            return Err(malformed(format!(
                "a PrefixList names more than {MAX_INCLUSIVE_PREFIXES} prefixes"
            )));
        }
        if p != "#default" && !is_ncname(p) {
            return Err(malformed(format!("{p:?} in a PrefixList is not a prefix")));
        }
        out.push(p);
    }
    Ok(out)
}

/// The base64 content of a text-only element, refused undecoded past `max`
/// characters.
fn b64(e: &Element, max: usize) -> Result<Vec<u8>, SignatureError> {
    if e.elements().next().is_some() {
        return Err(malformed(format!(
            "ds:{} must hold only text",
            e.name.local
        )));
    }
    let compact: String = e
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.len() > max {
        return Err(malformed(format!(
            "ds:{} is longer than {max} base64 characters",
            e.name.local
        )));
    }
    B64.decode(compact)
        .map_err(|e| malformed(format!("bad base64: {e}")))
}

const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const C14N_11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const MD5: &str = "http://www.w3.org/2001/04/xmldsig-more#md5";

/// Whether `uri` is a canonicalization this SP computes: exclusive c14n,
/// or (quirk `any-c14n`) the inclusive and with-comments ones too.
fn c14n_allowed(uri: &str, q: &Quirks) -> bool {
    uri == EXC_C14N
        || (q.has(SamlQuirk::AnyC14n) && [C14N_10, C14N_11, EXC_C14N_COMMENTS].contains(&uri))
}

/// The prefix list that makes exclusive c14n render like inclusive c14n:
/// every prefix in scope at `apex` or declared below it.
fn all_prefixes(apex: &Element) -> Vec<String> {
    let mut out: Vec<String> = apex
        .scope
        .prefixes()
        .iter()
        .map(|p| p.to_string())
        .collect();
    apex.walk(&mut |e| {
        for (p, _) in e.declarations() {
            if !out.iter().any(|o| **o == **p) {
                out.push(p.to_string());
            }
        }
    });
    out.into_iter()
        .map(|p| if p.is_empty() { "#default".into() } else { p })
        .collect()
}

/// Verifies `sig`, a `ds:Signature` that is a child of `parent`, against
/// `keys`, as an SP with quirks `q` does (none: the strict ACS).
pub fn verify_with(
    parent: &Element,
    sig: &Element,
    keys: &[TrustedKey],
    q: &Quirks,
) -> Result<(), SignatureError> {
    let id = parent
        .attr("ID")
        .ok_or_else(|| malformed("the signed element has no ID"))?;
    let shape = || {
        malformed(
            "ds:Signature must hold SignedInfo, SignatureValue and optionally KeyInfo, in order",
        )
    };
    let mut kids = sig.elements().peekable();
    let signed_info = kids
        .next()
        .filter(|k| k.name.is(DSIG, "SignedInfo"))
        .ok_or_else(shape)?;
    let refs_info = match kids.peek() {
        Some(k) if q.has(SamlQuirk::TwoSignedInfo) && k.name.is(DSIG, "SignedInfo") => {
            kids.next().ok_or_else(shape)?
        }
        _ => signed_info,
    };
    let value_el = kids.next_if(|k| k.name.is(DSIG, "SignatureValue"));
    let key_info = kids.next_if(|k| k.name.is(DSIG, "KeyInfo"));
    // The naive SP of `signature-by-id-lookup` reads what it needs and
    // ignores whatever else a Signature holds (where XSW hides copies).
    let extra = kids.next().is_some() && !q.has(SamlQuirk::SignatureById);
    if extra || (value_el.is_none() && !q.has(SamlQuirk::IgnoreSignatureValue)) {
        return Err(shape());
    }
    if key_info.is_none() && q.has(SamlQuirk::RequireKeyInfo) {
        return Err(malformed("this SP requires KeyInfo"));
    }
    let parts: Vec<&Element> = signed_info.elements().collect();
    let ref_parts: Vec<&Element> = refs_info.elements().collect();
    let one_ref =
        |p: &[&Element]| p.len() == 3 || (q.has(SamlQuirk::MultipleReferences) && p.len() > 3);
    if !one_ref(&parts) || !one_ref(&ref_parts) {
        return Err(malformed(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference",
        ));
    }
    let (c14n_method, sig_method, reference) = (parts[0], parts[1], ref_parts[2]);
    for (e, want) in [
        (c14n_method, "CanonicalizationMethod"),
        (sig_method, "SignatureMethod"),
        (reference, "Reference"),
    ] {
        if !e.name.is(DSIG, want) {
            return Err(malformed(format!(
                "expected ds:{want}, found {}",
                e.qname()
            )));
        }
    }
    let method = algorithm(c14n_method)?;
    if !c14n_allowed(method, q) {
        return Err(SignatureError::Algorithm(method.into()));
    }
    let si_owned;
    let si_inclusive: Vec<&str> = if [C14N_10, C14N_11].contains(&method) {
        si_owned = all_prefixes(signed_info);
        si_owned.iter().map(String::as_str).collect()
    } else {
        inclusive(c14n_method)?
    };
    let sig_alg = algorithm(sig_method)?;
    let verify_alg: Option<&'static dyn VerificationAlgorithm> = match sig_alg {
        RSA_SHA256 => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
        RSA_SHA512 if !q.has(SamlQuirk::Sha256Only) => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
        HMAC_SHA256 if q.has(SamlQuirk::HmacWithCert) => None,
        other => return Err(SignatureError::Algorithm(other.into())),
    };
    let mut hmac_bits = None;
    for p in sig_method.elements() {
        if verify_alg.is_none() && p.name.is(DSIG, "HMACOutputLength") {
            hmac_bits = p.text().trim().parse::<usize>().ok();
        } else {
            return Err(malformed("SignatureMethod takes no parameters here"));
        }
    }

    let uri = reference.attr("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) && !q.has(SamlQuirk::SkipReferenceCheck) {
        return Err(SignatureError::WrongReference {
            found: uri.into(),
            id: id.into(),
        });
    }
    let rparts: Vec<&Element> = reference.elements().collect();
    let [transforms, digest_method, digest_value] = rparts[..] else {
        return Err(malformed(
            "Reference must hold Transforms, DigestMethod and DigestValue",
        ));
    };
    if !transforms.name.is(DSIG, "Transforms")
        || !digest_method.name.is(DSIG, "DigestMethod")
        || !digest_value.name.is(DSIG, "DigestValue")
    {
        return Err(malformed(
            "Reference must hold Transforms, DigestMethod and DigestValue",
        ));
    }
    let steps: Vec<&Element> = transforms.elements().collect();
    let (enveloped, exc) = match steps[..] {
        [enveloped, exc] => (enveloped, exc),
        [enveloped, exc, ..] if q.has(SamlQuirk::AnyTransform) => (enveloped, exc),
        _ => {
            return Err(malformed(
                "the transforms must be exactly enveloped-signature then exclusive c14n",
            ));
        }
    };
    for t in [enveloped, exc] {
        if !t.name.is(DSIG, "Transform") {
            return Err(malformed(format!("unexpected {} in Transforms", t.qname())));
        }
    }
    if algorithm(enveloped)? != ENVELOPED || enveloped.elements().next().is_some() {
        return Err(SignatureError::Algorithm(algorithm(enveloped)?.into()));
    }
    let transform = algorithm(exc)?;
    if !c14n_allowed(transform, q) {
        return Err(SignatureError::Algorithm(transform.into()));
    }
    let ref_owned;
    let ref_inclusive: Vec<&str> = if [C14N_10, C14N_11].contains(&transform) {
        ref_owned = all_prefixes(parent);
        ref_owned.iter().map(String::as_str).collect()
    } else {
        inclusive(exc)?
    };
    let weak = q.has(SamlQuirk::WeakAlgorithms);
    let digest_alg = match algorithm(digest_method)? {
        SHA256 => Some(&digest::SHA256),
        SHA512 => Some(&digest::SHA512),
        SHA1 if weak => Some(&digest::SHA1_FOR_LEGACY_USE_ONLY),
        MD5 if weak => None,
        other => return Err(SignatureError::Algorithm(other.into())),
    };

    let want = if q.has(SamlQuirk::CommentsTruncateText) {
        let compact: String = digest_value
            .first_text()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        B64.decode(compact)
            .map_err(|e| malformed(format!("bad base64: {e}")))?
    } else {
        b64(digest_value, MAX_DIGEST_B64)?
    };
    let want_len = digest_alg.map_or(16, |d| d.output_len());
    if want.len() != want_len {
        return Err(malformed(
            "DigestValue is not a digest of the named algorithm",
        ));
    }
    let broken = Broken {
        no_escape: q.has(SamlQuirk::C14nNoEscape),
        strip_whitespace: q.has(SamlQuirk::StripWhitespace),
        drop_all_signatures: q.has(SamlQuirk::AnySignaturePosition),
    };
    if !q.has(SamlQuirk::IgnoreSignatureValue) {
        let value = match value_el {
            Some(v) => b64(v, MAX_SIGNATURE_B64)?,
            None => Vec::new(),
        };
        if value.is_empty() {
            return Err(SignatureError::BadSignature);
        }
        let mut signed = Vec::new();
        canonicalize_with(
            signed_info,
            None,
            &si_inclusive,
            MAX_SIGNED_INFO_BYTES,
            broken,
            &mut |b| signed.extend_from_slice(b),
        )?;
        let embedded;
        let keys = match key_info.filter(|_| q.has(SamlQuirk::TrustKeyInfo)) {
            Some(ki) => {
                let mut found = None;
                ki.walk(&mut |e| {
                    if found.is_none() && e.name.is(DSIG, "X509Certificate") {
                        found = Some(e.text());
                    }
                });
                let der = found
                    .and_then(|c| {
                        B64.decode(
                            c.chars()
                                .filter(|c| !c.is_ascii_whitespace())
                                .collect::<String>(),
                        )
                        .ok()
                    })
                    .ok_or(SignatureError::BadSignature)?;
                embedded = vec![super::key_from_cert_der(&der).map_err(malformed)?];
                &embedded[..]
            }
            None => keys,
        };
        let ok = keys.iter().any(|k| match verify_alg {
            Some(alg) => UnparsedPublicKey::new(alg, &k.0)
                .verify(&signed, &value)
                .is_ok(),
            None => {
                let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &k.0), &signed);
                let n = hmac_bits.map_or(tag.as_ref().len(), |b| b.div_ceil(8).clamp(1, 32));
                value.len() == n && value[..] == tag.as_ref()[..n]
            }
        });
        if !ok {
            return Err(SignatureError::BadSignature);
        }
    }

    if q.has(SamlQuirk::IgnoreDigest) {
        return Ok(());
    }
    enum Hasher {
        Lc(digest::Context),
        Md5(md5::Md5),
    }
    let mut h = match digest_alg {
        Some(alg) => Hasher::Lc(digest::Context::new(alg)),
        None => Hasher::Md5(<md5::Md5 as md5::Digest>::new()),
    };
    canonicalize_with(
        parent,
        Some(sig),
        &ref_inclusive,
        MAX_CANONICAL_BYTES,
        broken,
        &mut |b| match &mut h {
            Hasher::Lc(c) => c.update(b),
            Hasher::Md5(m) => md5::Digest::update(m, b),
        },
    )?;
    let got = match h {
        Hasher::Lc(c) => c.finish().as_ref().to_vec(),
        Hasher::Md5(m) => md5::Digest::finalize(m).to_vec(),
    };
    if got != want {
        return Err(SignatureError::Digest);
    }
    Ok(())
}
