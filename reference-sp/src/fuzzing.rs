//! Entry points of the fuzz targets in the repository's `fuzz/` directory.
//!
//! Not an API: they exist so that a fuzz target and the test that replays
//! what it found (`tests/fuzz_regressions.rs`) run exactly the same code,
//! and return what that code answered so a replay can assert a refusal.

use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RSA_PKCS1_SHA512, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_scim::ScimError;
use idpsim_scim::message::BulkOperationResult;
use time::OffsetDateTime;

use crate::config::Config;
use crate::http::{body, bulk as bulk_http};
use crate::saml::resign::{Hash, resign};
use crate::saml::{Identity, Rejection, SamlConfig, SessionStore, Validator, key_from_cert_pem};
use crate::tenant::Tenant;

/// The SP the fuzzed responses are addressed to.
pub const SP_ENTITY_ID: &str = "https://sp.fuzz.invalid/saml/metadata";
pub const ACS_URL: &str = "https://sp.fuzz.invalid/saml/acs";
/// The IdPs it trusts: the simulator's Okta and Entra shapes, both with
/// the TEST-ONLY fixture key.
pub const OKTA_ISSUER: &str = "http://www.okta.com/exkidpsim0000000000";
pub const ENTRA_ISSUER: &str = "https://sts.windows.net/00000000-0000-4000-8000-000000000000/";
/// An `InResponseTo` this SP never issued. The SP's request IDs are
/// MACs under a key drawn at start-up, so no fixed input can answer one:
/// the fuzzed SP accepts IdP-initiated responses instead, and a seed that
/// names this ID exercises the refusal.
pub const REQUEST_ID: &str = "_fuzz0000000000000000000000000001";
/// The browser every run posts from.
pub const BROWSER: &str = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
/// The clock of every run (2026-01-01T00:00:00Z), so that a seed signed
/// for it stays valid and a finding replays the same.
pub const NOW_UNIX: i64 = 1_767_225_600;

/// `saml_acs`: the ACS of an SP that trusts the fixture IdP key.
pub struct Acs {
    okta: Validator,
    entra: Validator,
    key: RsaKeyPair,
}

impl std::fmt::Debug for Acs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acs").finish_non_exhaustive()
    }
}

impl Acs {
    /// Trusts `idp_cert_pem`; re-signs with `idp_key_pem` (PKCS#8), its
    /// private half.
    pub fn new(idp_cert_pem: &str, idp_key_pem: &str) -> Result<Acs, String> {
        let trusted = key_from_cert_pem(idp_cert_pem)?;
        let der: String = idp_key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = B64.decode(der.trim()).map_err(|e| e.to_string())?;
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| e.to_string())?;
        let validator = |issuer: &str| {
            let mut c = SamlConfig::new(
                issuer.into(),
                "https://idp.fuzz.invalid/sso".into(),
                vec![trusted.clone()],
            );
            c.clock_skew = Duration::from_secs(60);
            c.allow_idp_initiated = true;
            Validator {
                config: c,
                sp_entity_id: SP_ENTITY_ID.into(),
                acs_url: ACS_URL.into(),
            }
        };
        Ok(Acs {
            okta: validator(OKTA_ISSUER),
            entra: validator(ENTRA_ISSUER),
            key,
        })
    }

    /// The first byte picks the IdP (bit 2: Entra, else Okta) and what the
    /// rest is (bits 0-1): 0 the decoded response as posted; 1 the same,
    /// re-signed first with the IdP key so that the checks after the
    /// signature are reached; 2 or 3 the form value itself (base64 and
    /// all). The rest goes through [`Validator::validate`], as the ACS
    /// calls it, with a fresh session store.
    pub fn run(&self, data: &[u8]) -> Result<Identity, Rejection> {
        let Some((&mode, rest)) = data.split_first() else {
            return Err(Rejection::Encoding("empty input".into()));
        };
        let validator = if mode & 4 == 0 {
            &self.okta
        } else {
            &self.entra
        };
        let form = match mode & 3 {
            0 => B64.encode(rest),
            1 => match resign(rest, &|hash, msg| self.sign(hash, msg)) {
                Some(xml) => B64.encode(xml),
                None => B64.encode(rest),
            },
            _ => String::from_utf8_lossy(rest).into_owned(),
        };
        let store = SessionStore::default();
        let now = OffsetDateTime::from_unix_timestamp(NOW_UNIX).expect("a valid time");
        validator.validate(&form, Some(BROWSER), &store, now)
    }

    fn sign(&self, hash: Hash, msg: &[u8]) -> Option<Vec<u8>> {
        let padding = match hash {
            Hash::Sha256 => &RSA_PKCS1_SHA256,
            Hash::Sha512 => &RSA_PKCS1_SHA512,
        };
        let mut out = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(padding, &SystemRandom::new(), msg, &mut out)
            .ok()?;
        Some(out)
    }
}

/// `bulk`: a `POST /Bulk` body, run as the endpoint runs it (size bound,
/// JSON, BulkRequest, operation bound, then the operations) on a fresh
/// tenant with the default configuration.
pub fn bulk(data: &[u8]) -> Result<Vec<BulkOperationResult>, ScimError> {
    let config = Config::default();
    let limits = config.limits.clone();
    if data.len() > limits.max_body_bytes {
        return Err(ScimError::status(413, "larger than maxPayloadSize"));
    }
    let tenant = Tenant::new(config, "https://sp.fuzz.invalid/scim/v2".into());
    let v = body::parse_json(data)?;
    let req = bulk_http::decode(v, &limits)?;
    Ok(crate::bulk::run(&tenant, req))
}
