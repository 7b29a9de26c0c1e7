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

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::c14n::{C14nError, canonicalize};
use super::dom::Element;
use super::qname::is_ncname;

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

/// Verifies `sig`, a `ds:Signature` that is a child of `parent`, against
/// `keys`.
pub fn verify(parent: &Element, sig: &Element, keys: &[TrustedKey]) -> Result<(), SignatureError> {
    let id = parent
        .attr("ID")
        .ok_or_else(|| malformed("the signed element has no ID"))?;
    let kids: Vec<&Element> = sig.elements().collect();
    let allowed = ["SignedInfo", "SignatureValue", "KeyInfo"];
    if kids.len() < 2
        || kids.len() > 3
        || kids
            .iter()
            .zip(allowed)
            .any(|(k, want)| !k.name.is(DSIG, want))
    {
        return Err(malformed(
            "ds:Signature must hold SignedInfo, SignatureValue and optionally KeyInfo, in order",
        ));
    }
    let signed_info = kids[0];
    let parts: Vec<&Element> = signed_info.elements().collect();
    let [c14n_method, sig_method, reference] = parts[..] else {
        return Err(malformed(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference",
        ));
    };
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
    if algorithm(c14n_method)? != EXC_C14N {
        return Err(SignatureError::Algorithm(algorithm(c14n_method)?.into()));
    }
    let si_inclusive = inclusive(c14n_method)?;
    let verify_alg: &'static dyn VerificationAlgorithm = match algorithm(sig_method)? {
        RSA_SHA256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        RSA_SHA512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        other => return Err(SignatureError::Algorithm(other.into())),
    };
    if sig_method.elements().next().is_some() {
        return Err(malformed("SignatureMethod takes no parameters here"));
    }

    let uri = reference.attr("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) {
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
    let [enveloped, exc] = steps[..] else {
        return Err(malformed(
            "the transforms must be exactly enveloped-signature then exclusive c14n",
        ));
    };
    for t in [enveloped, exc] {
        if !t.name.is(DSIG, "Transform") {
            return Err(malformed(format!("unexpected {} in Transforms", t.qname())));
        }
    }
    if algorithm(enveloped)? != ENVELOPED || enveloped.elements().next().is_some() {
        return Err(SignatureError::Algorithm(algorithm(enveloped)?.into()));
    }
    if algorithm(exc)? != EXC_C14N {
        return Err(SignatureError::Algorithm(algorithm(exc)?.into()));
    }
    let ref_inclusive = inclusive(exc)?;
    let digest_alg = match algorithm(digest_method)? {
        SHA256 => &digest::SHA256,
        SHA512 => &digest::SHA512,
        other => return Err(SignatureError::Algorithm(other.into())),
    };

    let want = b64(digest_value, MAX_DIGEST_B64)?;
    if want.len() != digest_alg.output_len() {
        return Err(malformed(
            "DigestValue is not a digest of the named algorithm",
        ));
    }
    let value = b64(kids[1], MAX_SIGNATURE_B64)?;
    if value.is_empty() {
        return Err(SignatureError::BadSignature);
    }

    let mut signed = Vec::new();
    canonicalize(
        signed_info,
        None,
        &si_inclusive,
        MAX_SIGNED_INFO_BYTES,
        &mut |b| signed.extend_from_slice(b),
    )?;
    let ok = keys.iter().any(|k| {
        UnparsedPublicKey::new(verify_alg, &k.0)
            .verify(&signed, &value)
            .is_ok()
    });
    if !ok {
        return Err(SignatureError::BadSignature);
    }

    let mut ctx = digest::Context::new(digest_alg);
    canonicalize(
        parent,
        Some(sig),
        &ref_inclusive,
        MAX_CANONICAL_BYTES,
        &mut |b| ctx.update(b),
    )?;
    if ctx.finish().as_ref() != want.as_slice() {
        return Err(SignatureError::Digest);
    }
    Ok(())
}
