//! Signing and TLS material for idpsim, made with rcgen on aws-lc-rs:
//!
//! - the IdP's SAML signing key (RSA-2048, what service providers accept)
//!   and its self-signed certificate, published in IdP metadata;
//! - an SP encryption key and certificate, for encrypted assertions;
//! - a local CA and a TLS leaf for `https://127.0.0.1` and `localhost`.
//!
//! [`Material::generate`] makes a fresh set, [`Material::save`] writes it
//! as PEM (private keys mode 0600, never over existing files unless asked),
//! [`Material::load`] reads it back. [`Material::fixtures`] is a committed
//! TEST-ONLY set, so that recorded fixtures verify on any machine.

use std::fmt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, RsaKeySize, SanType,
};

/// Why material could not be made, written or read.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("{0} exists; pass --force to overwrite it")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate {what}: {detail}")]
    Generate { what: &'static str, detail: String },
    #[error("{path}: not a usable PEM {what}: {detail}")]
    Pem {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },
}

/// A private key and its certificate, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyAndCert {
    /// PKCS#8 PEM. Never printed: `Debug` redacts it.
    pub key_pem: String,
    pub cert_pem: String,
}

impl fmt::Debug for KeyAndCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyAndCert")
            .field("key_pem", &"<redacted>")
            .field("cert_pem", &self.cert_pem)
            .finish()
    }
}

/// A full set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub idp_signing: KeyAndCert,
    pub sp_encryption: KeyAndCert,
    pub ca: KeyAndCert,
    /// Signed by `ca`, for 127.0.0.1 and localhost.
    pub tls: KeyAndCert,
}

/// File stems, in save order; each gives `<stem>.key.pem` and `<stem>.crt.pem`.
pub const STEMS: [&str; 4] = ["idp-signing", "sp-encryption", "ca", "tls"];

fn gen_err(what: &'static str) -> impl Fn(rcgen::Error) -> CertError {
    move |e| CertError::Generate {
        what,
        detail: e.to_string(),
    }
}

fn params(common_name: &str, years: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "idpsim");
    p.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    // A day of slack before now, for clocks that disagree a little.
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(365 * years);
    p
}

fn rsa() -> Result<KeyPair, CertError> {
    KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)
        .map_err(gen_err("an RSA-2048 key"))
}

impl Material {
    /// A fresh set.
    pub fn generate() -> Result<Material, CertError> {
        let key = rsa()?;
        let mut p = params("idpsim IdP signing", 5);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let cert = p
            .self_signed(&key)
            .map_err(gen_err("the IdP signing certificate"))?;
        let idp_signing = KeyAndCert {
            key_pem: key.serialize_pem(),
            cert_pem: cert.pem(),
        };

        let key = rsa()?;
        let mut p = params("idpsim SP encryption", 5);
        p.key_usages = vec![
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::DataEncipherment,
        ];
        let cert = p
            .self_signed(&key)
            .map_err(gen_err("the SP encryption certificate"))?;
        let sp_encryption = KeyAndCert {
            key_pem: key.serialize_pem(),
            cert_pem: cert.pem(),
        };

        let ca_key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen_err("the CA key"))?;
        let mut p = params("idpsim local CA", 10);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = p
            .self_signed(&ca_key)
            .map_err(gen_err("the CA certificate"))?;
        let ca = KeyAndCert {
            key_pem: ca_key.serialize_pem(),
            cert_pem: ca_cert.pem(),
        };

        let tls_key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen_err("the TLS key"))?;
        let mut p = params("127.0.0.1", 2);
        p.subject_alt_names = vec![
            SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])),
            SanType::DnsName("localhost".try_into().map_err(gen_err("the TLS name"))?),
        ];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let issuer = Issuer::new(params("idpsim local CA", 10), &ca_key);
        let tls_cert = p
            .signed_by(&tls_key, &issuer)
            .map_err(gen_err("the TLS certificate"))?;
        let tls = KeyAndCert {
            key_pem: tls_key.serialize_pem(),
            cert_pem: tls_cert.pem(),
        };

        Ok(Material {
            idp_signing,
            sp_encryption,
            ca,
            tls,
        })
    }

    fn parts(&self) -> [&KeyAndCert; 4] {
        [&self.idp_signing, &self.sp_encryption, &self.ca, &self.tls]
    }

    /// Writes the set into `dir` (created if needed), file names prefixed
    /// with `prefix`. Refuses to overwrite unless `force`. Private keys are
    /// written mode 0600 from the start, never readable by others even
    /// briefly. Returns the paths written.
    pub fn save(&self, dir: &Path, prefix: &str, force: bool) -> Result<Vec<PathBuf>, CertError> {
        std::fs::create_dir_all(dir).map_err(|source| CertError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let files: Vec<(PathBuf, &str, bool)> = STEMS
            .iter()
            .zip(self.parts())
            .flat_map(|(stem, kc)| {
                [
                    (
                        dir.join(format!("{prefix}{stem}.key.pem")),
                        kc.key_pem.as_str(),
                        true,
                    ),
                    (
                        dir.join(format!("{prefix}{stem}.crt.pem")),
                        kc.cert_pem.as_str(),
                        false,
                    ),
                ]
            })
            .collect();
        if !force && let Some((p, _, _)) = files.iter().find(|(p, _, _)| p.exists()) {
            return Err(CertError::Exists(p.clone()));
        }
        for (path, text, secret) in &files {
            write(path, text, *secret).map_err(|source| CertError::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(files.into_iter().map(|(p, _, _)| p).collect())
    }

    /// Reads a set written by [`save`](Self::save), checking each key parses.
    pub fn load(dir: &Path, prefix: &str) -> Result<Material, CertError> {
        let mut parts = Vec::new();
        for stem in STEMS {
            let kp = dir.join(format!("{prefix}{stem}.key.pem"));
            let cp = dir.join(format!("{prefix}{stem}.crt.pem"));
            let key_pem = std::fs::read_to_string(&kp).map_err(|source| CertError::Io {
                path: kp.clone(),
                source,
            })?;
            let cert_pem = std::fs::read_to_string(&cp).map_err(|source| CertError::Io {
                path: cp.clone(),
                source,
            })?;
            KeyPair::from_pem(&key_pem).map_err(|e| CertError::Pem {
                path: kp.clone(),
                what: "private key",
                detail: e.to_string(),
            })?;
            if !cert_pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(CertError::Pem {
                    path: cp,
                    what: "certificate",
                    detail: "no CERTIFICATE block".into(),
                });
            }
            parts.push(KeyAndCert { key_pem, cert_pem });
        }
        let mut it = parts.into_iter();
        Ok(Material {
            idp_signing: it.next().expect("four parts"),
            sp_encryption: it.next().expect("four parts"),
            ca: it.next().expect("four parts"),
            tls: it.next().expect("four parts"),
        })
    }

    /// The committed TEST-ONLY set in `certs/fixtures/`. Its private keys
    /// are public: never use them for anything but tests.
    pub fn fixtures() -> Material {
        let kc = |key: &str, cert: &str| KeyAndCert {
            key_pem: key.to_owned(),
            cert_pem: cert.to_owned(),
        };
        Material {
            idp_signing: kc(
                include_str!("../fixtures/TEST-ONLY-idp-signing.key.pem"),
                include_str!("../fixtures/TEST-ONLY-idp-signing.crt.pem"),
            ),
            sp_encryption: kc(
                include_str!("../fixtures/TEST-ONLY-sp-encryption.key.pem"),
                include_str!("../fixtures/TEST-ONLY-sp-encryption.crt.pem"),
            ),
            ca: kc(
                include_str!("../fixtures/TEST-ONLY-ca.key.pem"),
                include_str!("../fixtures/TEST-ONLY-ca.crt.pem"),
            ),
            tls: kc(
                include_str!("../fixtures/TEST-ONLY-tls.key.pem"),
                include_str!("../fixtures/TEST-ONLY-tls.crt.pem"),
            ),
        }
    }
}

#[cfg(unix)]
fn write(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mode = if secret { 0o600 } else { 0o644 };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    // An existing file keeps its mode on open; set it explicitly.
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write(path: &Path, text: &str, _secret: bool) -> std::io::Result<()> {
    std::fs::write(path, text)
}
