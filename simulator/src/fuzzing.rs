//! Entry points of the fuzz targets in the repository's `fuzz/` directory.
//!
//! Not an API: they exist so that a fuzz target and the test that replays
//! what it found (`tests/fuzz_regressions.rs`) run exactly the same code,
//! and return what that code answered so a replay can assert a refusal.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::saml::authn_request::{self, AuthnRequest, RequestError};
use crate::scenario::{self, MAX_FILE_BYTES, Scenario, ScenarioError};

/// `authn_request`: the first byte picks how the rest reaches `idpsim
/// serve`'s decoding, the others following it as a real request would:
/// 0 XML, deflated and base64'd by the harness (HTTP-Redirect); 1 a raw
/// DEFLATE stream, base64'd (HTTP-Redirect, so inflation sees hostile
/// streams); 2 XML, base64'd (HTTP-POST); 3 the parameter's text itself,
/// through both bindings.
pub fn authn_request(data: &[u8]) -> Result<AuthnRequest, RequestError> {
    let Some((&mode, rest)) = data.split_first() else {
        return Err(RequestError::NotAuthnRequest);
    };
    match mode % 4 {
        0 => {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(rest)
                .map_err(|e| RequestError::Inflate(e.to_string()))?;
            let deflated = enc
                .finish()
                .map_err(|e| RequestError::Inflate(e.to_string()))?;
            authn_request::from_redirect(&B64.encode(deflated))
        }
        1 => authn_request::from_redirect(&B64.encode(rest)),
        2 => authn_request::from_post(&B64.encode(rest)),
        _ => {
            let text = String::from_utf8_lossy(rest);
            let post = authn_request::from_post(&text);
            authn_request::from_redirect(&text).or(post)
        }
    }
}

/// `scenario`: a scenario file's bytes, loaded as `idpsim play` loads one
/// (size bound, UTF-8, YAML, validation); every step is then printed, as
/// the player's report does.
pub fn scenario(data: &[u8]) -> Result<Scenario, ScenarioError> {
    let err = |message: String| ScenarioError {
        file: "fuzz.yaml".into(),
        line: 1,
        column: 1,
        message,
    };
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err(err(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    let text = std::str::from_utf8(data).map_err(|e| err(e.to_string()))?;
    let s = scenario::parse("fuzz.yaml", text)?;
    for step in &s.steps {
        std::hint::black_box(step.to_string());
    }
    Ok(s)
}

/// `reconcile_page`: a list page as a target answers it, read by the
/// streaming reconcile (`Tally::page`) against a small directory, as users
/// (first byte even) or groups (odd), then the drift computed.
pub fn reconcile_page(data: &[u8]) -> Result<crate::reconcile::Drift, crate::idp::EventError> {
    use crate::idp::PageSink;
    let Some((&kind, page)) = data.split_first() else {
        return Ok(Default::default());
    };
    let mut dir = crate::directory::Directory::new(1);
    for name in ["ann@example.com", "bo@example.com"] {
        let mut u = dir.new_user(name);
        u.target_id = Some(format!("id-{name}"));
        dir.add_user(u);
    }
    dir.add_group("team")
        .members
        .insert("ann@example.com".to_owned());
    let deprovisioned = crate::reconcile::Deprovisioned::default();
    let mut tally = crate::reconcile::Tally::new(&dir, &[], true, &deprovisioned);
    let endpoint = if kind % 2 == 0 { "Users" } else { "Groups" };
    tally.page(endpoint, 1, page)?;
    Ok(tally.finish())
}

/// `fixture`: a fixture file as `idpsim replay` reads it (JSON or HAR),
/// refused with file, exchange and path, or accepted whole; an accepted
/// one's listings are read as a replay plans them.
pub fn fixture(data: &[u8]) -> Result<crate::fixtures::load::Fixture, String> {
    let text = std::str::from_utf8(data).map_err(|e| e.to_string())?;
    let f = crate::fixtures::load::parse(std::path::Path::new("fuzz.json"), text)
        .map_err(|e| e.to_string())?;
    crate::fixtures::listing::Listings::of(&f);
    Ok(f)
}

/// `http_answer`: the bytes a target sends back on a lookup connection, read
/// as an answer's head (status, framing, `Connection`, `Retry-After`):
/// accepted, incomplete or refused with what is wrong, within the head's
/// bound.
pub fn http_answer(data: &[u8]) -> Result<Option<usize>, String> {
    crate::client::parse_head(data)
        .map(|h| h.map(|(len, _)| len))
        .map_err(|e| e.to_string())
}
