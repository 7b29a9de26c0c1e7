//! Enveloped XML-DSig verification, narrowed to what SAML needs.
//!
//! Everything outside one shape is refused rather than interpreted: the
//! `Signature` is the child right after `Issuer` of the element it signs,
//! `SignedInfo` holds exactly one `Reference` whose URI names that
//! element's `ID`, the transforms are exactly enveloped-signature then
//! exclusive c14n, canonicalization is exclusive c14n, and the algorithms
//! are RSA with SHA-256 or SHA-512. The key comes from configuration only;
//! `KeyInfo` is never read, so a certificate an attacker embeds is inert.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::c14n::canonicalize;
use super::dom::Element;

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

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
fn inclusive(method: &Element) -> Result<Vec<String>, SignatureError> {
    let mut out = Vec::new();
    for c in method.elements() {
        if !c.name.is(EXC_C14N, "InclusiveNamespaces") {
            return Err(malformed(format!(
                "unexpected {} in a transform",
                c.qname()
            )));
        }
        out.extend(
            c.attr("PrefixList")
                .unwrap_or_default()
                .split_ascii_whitespace()
                .map(str::to_owned),
        );
    }
    Ok(out)
}

fn b64(s: &str) -> Result<Vec<u8>, SignatureError> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
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

    let want = b64(&digest_value.text())?;
    let got = digest::digest(
        digest_alg,
        canonicalize(parent, Some(sig), &ref_inclusive).as_bytes(),
    );
    if got.as_ref() != want.as_slice() {
        return Err(SignatureError::Digest);
    }

    let value = b64(&kids[1].text())?;
    if value.is_empty() {
        return Err(SignatureError::BadSignature);
    }
    let signed = canonicalize(signed_info, None, &si_inclusive);
    let ok = keys.iter().any(|k| {
        UnparsedPublicKey::new(verify_alg, &k.0)
            .verify(signed.as_bytes(), &value)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(SignatureError::BadSignature)
    }
}
