//! Enveloped XML signatures over [`super::xml`] trees: the trusted IdP's
//! key (so a semantic defect is the only defect), an attacker's key, HMAC
//! keyed with the IdP's public key, and the digest and canonicalization
//! algorithms the attack cases ask for.

use aws_lc_rs::{digest, hmac, rand as lc_rand, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_certs::KeyAndCert;
use md5::Digest as _;

use super::xml::{C14n, El, Node, canonical};

pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const C14N_11: &str = "http://www.w3.org/2006/12/xml-c14n11";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
pub const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const MD5: &str = "http://www.w3.org/2001/04/xmldsig-more#md5";
pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
pub const XSLT: &str = "http://www.w3.org/TR/1999/REC-xslt-19991116";

/// Every key a case may sign with.
pub struct Keys {
    trusted: signature::RsaKeyPair,
    /// Base64 DER of the trusted IdP certificate.
    pub trusted_cert: String,
    attacker: signature::RsaKeyPair,
    pub attacker_cert: String,
    /// The attacker's key in a certificate copying the IdP certificate's
    /// subject, issuer and serial (SAMLRaider's "clone certificate").
    pub cloned_cert: String,
    /// The IdP certificate's RSA public key (DER `RSAPublicKey`): the key
    /// an HMAC-confused verifier takes (xml-crypto #303).
    pub public_key: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

fn pem_der(pem: &str) -> Result<Vec<u8>, String> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    B64.decode(b64.trim()).map_err(|e| e.to_string())
}

fn rsa(pem: &str) -> Result<signature::RsaKeyPair, String> {
    signature::RsaKeyPair::from_pkcs8(&pem_der(pem)?).map_err(|e| format!("RSA key: {e}"))
}

impl Keys {
    /// `trusted` signs as the IdP; `attacker` is any other RSA key.
    pub fn new(trusted: &KeyAndCert, attacker: &KeyAndCert) -> Result<Keys, String> {
        let der = pem_der(&trusted.cert_pem)?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| format!("the IdP certificate: {e}"))?;
        let public_key = cert.public_key().subject_public_key.data.to_vec();
        let mut params = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        for attr in cert.subject().iter_attributes() {
            if let Ok(v) = attr.as_str() {
                if attr.attr_type() == &x509_parser::oid_registry::OID_X509_COMMON_NAME {
                    dn.push(rcgen::DnType::CommonName, v);
                } else if attr.attr_type() == &x509_parser::oid_registry::OID_X509_ORGANIZATION_NAME
                {
                    dn.push(rcgen::DnType::OrganizationName, v);
                }
            }
        }
        params.distinguished_name = dn;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(cert.raw_serial()));
        params.not_before = cert.validity().not_before.to_datetime();
        params.not_after = cert.validity().not_after.to_datetime();
        let attacker_rc = rcgen::KeyPair::from_pem(&attacker.key_pem).map_err(|e| e.to_string())?;
        let cloned = params
            .self_signed(&attacker_rc)
            .map_err(|e| format!("cannot clone the certificate: {e}"))?;
        Ok(Keys {
            trusted: rsa(&trusted.key_pem)?,
            trusted_cert: B64.encode(&der),
            attacker: rsa(&attacker.key_pem)?,
            attacker_cert: B64.encode(pem_der(&attacker.cert_pem)?),
            cloned_cert: B64.encode(cloned.der()),
            public_key,
        })
    }
}

/// Whose key makes the signature value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Trusted,
    Attacker,
}

/// What `KeyInfo` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    None,
    TrustedCert,
    AttackerCert,
    ClonedCert,
    /// Any children, written as given.
    Custom(Vec<El>),
}

/// How to sign one element.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `ds` (Okta) or `""` (Entra's default namespace).
    pub prefix: String,
    pub c14n_method: String,
    pub signature_method: String,
    pub transform: String,
    /// `InclusiveNamespaces PrefixList` on the transform.
    pub prefix_list: Option<String>,
    pub digest_method: String,
    pub signer: Signer,
    pub key_info: KeyInfo,
    /// `Reference URI`; `None` is `#` + the element's ID.
    pub uri: Option<String>,
    /// Extra transforms after the canonicalization one (their effect is
    /// not applied to the digest: they are the defect).
    pub extra_transforms: Vec<El>,
}

impl Spec {
    pub fn okta() -> Spec {
        Spec {
            prefix: "ds".into(),
            c14n_method: EXC_C14N.into(),
            signature_method: RSA_SHA256.into(),
            transform: EXC_C14N.into(),
            prefix_list: Some("xs".into()),
            digest_method: SHA256.into(),
            signer: Signer::Trusted,
            key_info: KeyInfo::TrustedCert,
            uri: None,
            extra_transforms: Vec::new(),
        }
    }

    pub fn entra() -> Spec {
        Spec {
            prefix: String::new(),
            prefix_list: None,
            ..Spec::okta()
        }
    }

    pub fn q(&self, local: &str) -> String {
        if self.prefix.is_empty() {
            local.to_owned()
        } else {
            format!("{}:{local}", self.prefix)
        }
    }
}

fn mode(uri: &str, prefix_list: Option<&str>) -> C14n {
    match uri {
        C14N_10 | C14N_11 => C14n::Inclusive,
        _ => C14n::Exclusive(
            prefix_list
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        ),
    }
}

/// The digest of `bytes` by a DigestMethod URI.
pub fn digest_b64(uri: &str, bytes: &[u8]) -> Result<String, String> {
    let d = match uri {
        SHA256 => digest::digest(&digest::SHA256, bytes).as_ref().to_vec(),
        SHA512 => digest::digest(&digest::SHA512, bytes).as_ref().to_vec(),
        SHA1 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
            .as_ref()
            .to_vec(),
        MD5 => md5::Md5::digest(bytes).to_vec(),
        other => return Err(format!("no digest {other}")),
    };
    Ok(B64.encode(d))
}

fn signature_b64(uri: &str, signer: Signer, keys: &Keys, data: &[u8]) -> Result<String, String> {
    let key = match signer {
        Signer::Trusted => &keys.trusted,
        Signer::Attacker => &keys.attacker,
    };
    let padding: &'static dyn signature::RsaEncoding = match uri {
        RSA_SHA256 => &signature::RSA_PKCS1_SHA256,
        RSA_SHA512 => &signature::RSA_PKCS1_SHA512,
        HMAC_SHA256 => {
            let k = hmac::Key::new(hmac::HMAC_SHA256, &keys.public_key);
            return Ok(B64.encode(hmac::sign(&k, data).as_ref()));
        }
        other => return Err(format!("cannot sign {other}")),
    };
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(padding, &lc_rand::SystemRandom::new(), data, &mut sig)
        .map_err(|_| "signing failed".to_owned())?;
    Ok(B64.encode(sig))
}

fn el_at<'a>(root: &'a El, path: &[usize]) -> &'a El {
    path.iter().fold(root, |e, &i| match &e.kids[i] {
        Node::El(k) => k,
        _ => panic!("a path names elements only"),
    })
}

pub fn el_at_mut<'a>(root: &'a mut El, path: &[usize]) -> &'a mut El {
    let mut e = root;
    for &i in path {
        e = match &mut e.kids[i] {
            Node::El(k) => k,
            _ => panic!("a path names elements only"),
        };
    }
    e
}

/// The SignedInfo for one reference.
pub fn signed_info(spec: &Spec, uri: &str, digest: &str) -> El {
    let q = |l: &str| spec.q(l);
    let mut c14n = El::new(&q("Transform"));
    c14n.set_attr("Algorithm", &spec.transform);
    if let Some(list) = &spec.prefix_list {
        let mut inc = El::new("ec:InclusiveNamespaces");
        inc.set_attr("xmlns:ec", EXC_C14N);
        inc.set_attr("PrefixList", list);
        c14n.kids.push(Node::El(inc));
    }
    let mut env = El::new(&q("Transform"));
    env.set_attr("Algorithm", ENVELOPED);
    let mut transforms = El::new(&q("Transforms"));
    transforms.kids.push(Node::El(env));
    transforms.kids.push(Node::El(c14n));
    for t in &spec.extra_transforms {
        transforms.kids.push(Node::El(t.clone()));
    }
    let mut dm = El::new(&q("DigestMethod"));
    dm.set_attr("Algorithm", &spec.digest_method);
    let mut dv = El::new(&q("DigestValue"));
    dv.set_text(digest);
    let mut reference = El::new(&q("Reference"));
    reference.set_attr("URI", uri);
    reference.kids = vec![Node::El(transforms), Node::El(dm), Node::El(dv)];
    let mut cm = El::new(&q("CanonicalizationMethod"));
    cm.set_attr("Algorithm", &spec.c14n_method);
    let mut sm = El::new(&q("SignatureMethod"));
    sm.set_attr("Algorithm", &spec.signature_method);
    let mut si = El::new(&q("SignedInfo"));
    si.kids = vec![Node::El(cm), Node::El(sm), Node::El(reference)];
    si
}

/// Where in `e` a Signature goes: right after its Issuer.
fn slot(e: &El) -> usize {
    e.kid_index("Issuer", 0).map_or(0, |i| i + 1)
}

/// Signs the element at `path` with `spec`, replacing a Signature it has:
/// the digest of the element as it is now, then the signature value over
/// the SignedInfo as it sits in the document.
pub fn sign_at(root: &mut El, path: &[usize], spec: &Spec, keys: &Keys) -> Result<(), String> {
    let e = el_at_mut(root, path);
    if let Some(i) = e.kid_index("Signature", 0) {
        e.kids.remove(i);
    }
    let id = e.attr("ID").unwrap_or_default().to_owned();
    let digest = digest_b64(
        &spec.digest_method,
        canonical(
            root,
            path,
            None,
            &mode(&spec.transform, spec.prefix_list.as_deref()),
        )
        .as_bytes(),
    )?;
    let uri = spec.uri.clone().unwrap_or_else(|| format!("#{id}"));
    let mut sig = El::new(&spec.q("Signature"));
    sig.set_attr(
        &if spec.prefix.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{}", spec.prefix)
        },
        DSIG,
    );
    sig.kids.push(Node::El(signed_info(spec, &uri, &digest)));
    let mut value = El::new(&spec.q("SignatureValue"));
    value.set_text("");
    sig.kids.push(Node::El(value));
    let certs = match &spec.key_info {
        KeyInfo::None => None,
        KeyInfo::TrustedCert => Some(vec![x509(spec, &keys.trusted_cert)]),
        KeyInfo::AttackerCert => Some(vec![x509(spec, &keys.attacker_cert)]),
        KeyInfo::ClonedCert => Some(vec![x509(spec, &keys.cloned_cert)]),
        KeyInfo::Custom(kids) => Some(kids.clone()),
    };
    if let Some(kids) = certs {
        let mut ki = El::new(&spec.q("KeyInfo"));
        ki.kids = kids.into_iter().map(Node::El).collect();
        sig.kids.push(Node::El(ki));
    }
    let e = el_at_mut(root, path);
    let at = slot(e);
    e.kids.insert(at, Node::El(sig));
    let mut sig_path = path.to_vec();
    sig_path.push(at);
    sign_value(root, &sig_path, spec.signer, keys)
}

fn x509(spec: &Spec, cert: &str) -> El {
    let mut c = El::new(&spec.q("X509Certificate"));
    c.set_text(cert);
    let mut d = El::new(&spec.q("X509Data"));
    d.kids.push(Node::El(c));
    d
}

/// Recomputes the SignatureValue of the Signature at `sig_path` over its
/// (first) SignedInfo as it is now, by its own algorithms.
pub fn sign_value(
    root: &mut El,
    sig_path: &[usize],
    signer: Signer,
    keys: &Keys,
) -> Result<(), String> {
    let sig = el_at(root, sig_path);
    let si_index = sig.kid_index("SignedInfo", 0).ok_or("no SignedInfo")?;
    let si = el_at(root, &[sig_path, &[si_index]].concat());
    let method = si
        .kid("CanonicalizationMethod")
        .and_then(|m| m.attr("Algorithm"))
        .unwrap_or(EXC_C14N)
        .to_owned();
    let alg = si
        .kid("SignatureMethod")
        .and_then(|m| m.attr("Algorithm"))
        .unwrap_or(RSA_SHA256)
        .to_owned();
    let bytes = canonical(
        root,
        &[sig_path, &[si_index]].concat(),
        None,
        &mode(&method, None),
    );
    let value = signature_b64(&alg, signer, keys, bytes.as_bytes())?;
    let sig = el_at_mut(root, sig_path);
    if let Some(v) = sig.kid_mut("SignatureValue") {
        v.set_text(value);
    }
    Ok(())
}

/// The digest (base64) the element at `path` has now, without its child
/// at `skip`, by `spec`'s transform and digest.
pub fn digest_now(
    root: &El,
    path: &[usize],
    skip: Option<usize>,
    spec: &Spec,
) -> Result<String, String> {
    digest_b64(
        &spec.digest_method,
        canonical(
            root,
            path,
            skip,
            &mode(&spec.transform, spec.prefix_list.as_deref()),
        )
        .as_bytes(),
    )
}
