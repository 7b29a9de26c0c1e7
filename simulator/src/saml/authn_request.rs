//! Reading an AuthnRequest safely: HTTP-Redirect's raw DEFLATE inflated to
//! a bound, HTTP-POST's base64, and XML with no DTD and no entities.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// The largest AuthnRequest accepted, after inflation. Real ones are under
/// 2 KB; the bound stops a deflate bomb from costing more than this.
pub const MAX_REQUEST_BYTES: u64 = 64 * 1024;
/// The longest `SAMLRequest` accepted, in base64 characters (whitespace not
/// counted): the encoding of a `MAX_REQUEST_BYTES` request, plus 1 KiB for
/// DEFLATE's stored-block headers on incompressible input. Checked before
/// decoding, so nothing is allocated for a longer one.
pub const MAX_ENCODED_BYTES: usize = (MAX_REQUEST_BYTES as usize + 1024).div_ceil(3) * 4;

/// What the IdP uses of an AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    pub issuer: Option<String>,
    pub acs_url: Option<String>,
    pub force_authn: bool,
    pub name_id_format: Option<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("SAMLRequest is not base64: {0}")]
    Base64(String),
    #[error("SAMLRequest does not inflate: {0}")]
    Inflate(String),
    #[error("SAMLRequest inflates past {MAX_REQUEST_BYTES} bytes")]
    TooLarge,
    #[error("SAMLRequest is longer than {MAX_ENCODED_BYTES} base64 characters")]
    TooLong,
    #[error("SAMLRequest is not well-formed XML: {0}")]
    Xml(String),
    #[error("SAMLRequest carries a DTD; DTDs and entities are refused")]
    Dtd,
    #[error("SAMLRequest is not an AuthnRequest with an ID")]
    NotAuthnRequest,
}

fn decode(b64: &str) -> Result<Vec<u8>, RequestError> {
    let significant = b64.chars().filter(|c| !c.is_whitespace()).count();
    if significant > MAX_ENCODED_BYTES {
        return Err(RequestError::TooLong);
    }
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    B64.decode(clean)
        .map_err(|e| RequestError::Base64(e.to_string()))
}

/// HTTP-Redirect binding: base64 of raw DEFLATE (SAML Bindings §3.4.4.1).
pub fn from_redirect(saml_request: &str) -> Result<AuthnRequest, RequestError> {
    let deflated = decode(saml_request)?;
    // Read one byte past the bound, to tell "exactly at it" from "beyond".
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| RequestError::Inflate(e.to_string()))?;
    if out.len() as u64 > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge);
    }
    parse(&out)
}

/// HTTP-POST binding: plain base64.
pub fn from_post(saml_request: &str) -> Result<AuthnRequest, RequestError> {
    let xml = decode(saml_request)?;
    if xml.len() as u64 > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge);
    }
    parse(&xml)
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Parses the XML. quick-xml never expands external entities; a DOCTYPE is
/// refused outright so that no internal entity can be defined either.
pub fn parse(xml: &[u8]) -> Result<AuthnRequest, RequestError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut req: Option<AuthnRequest> = None;
    let mut in_issuer = false;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| RequestError::Xml(e.to_string()))?;
        match ev {
            Event::DocType(_) => return Err(RequestError::Dtd),
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name();
                match local(name.as_ref()) {
                    b"AuthnRequest" if req.is_none() => {
                        let mut r = AuthnRequest {
                            id: String::new(),
                            issuer: None,
                            acs_url: None,
                            force_authn: false,
                            name_id_format: None,
                        };
                        for a in e.attributes() {
                            let a = a.map_err(|e| RequestError::Xml(e.to_string()))?;
                            let v = a
                                .normalized_value(XmlVersion::default())
                                .map_err(|e| RequestError::Xml(e.to_string()))?
                                .into_owned();
                            match a.key.as_ref() {
                                b"ID" => r.id = v,
                                b"AssertionConsumerServiceURL" => r.acs_url = Some(v),
                                b"ForceAuthn" => r.force_authn = v == "true" || v == "1",
                                _ => {}
                            }
                        }
                        req = Some(r);
                    }
                    b"Issuer" => in_issuer = true,
                    b"NameIDPolicy" => {
                        if let Some(r) = req.as_mut() {
                            for a in e.attributes().flatten() {
                                if a.key.as_ref() == b"Format" {
                                    r.name_id_format = a
                                        .normalized_value(XmlVersion::default())
                                        .ok()
                                        .map(|v| v.into_owned());
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_issuer => {
                if let Some(r) = req.as_mut() {
                    let text = t.decode().map_err(|e| RequestError::Xml(e.to_string()))?;
                    r.issuer = Some(text.trim().to_owned());
                }
                in_issuer = false;
            }
            Event::End(_) => in_issuer = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let r = req.ok_or(RequestError::NotAuthnRequest)?;
    if r.id.is_empty() {
        return Err(RequestError::NotAuthnRequest);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const REQ: &str = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_abc" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="https://sp.example/acs?a=1&amp;b=2" ForceAuthn="true"><saml:Issuer>https://sp.example</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"/></samlp:AuthnRequest>"#;

    fn deflate(b: &[u8]) -> String {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        B64.encode(e.finish().unwrap())
    }

    #[test]
    fn reads_both_bindings() {
        let want = AuthnRequest {
            id: "_abc".into(),
            issuer: Some("https://sp.example".into()),
            acs_url: Some("https://sp.example/acs?a=1&b=2".into()),
            force_authn: true,
            name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
        };
        assert_eq!(from_redirect(&deflate(REQ.as_bytes())).unwrap(), want);
        assert_eq!(from_post(&B64.encode(REQ)).unwrap(), want);
    }

    #[test]
    fn refuses_dtds_bombs_and_garbage() {
        let dtd = format!("<!DOCTYPE x [<!ENTITY e \"boom\">]>{REQ}");
        assert_eq!(from_post(&B64.encode(dtd)), Err(RequestError::Dtd));
        let bomb = vec![b' '; 10 * 1024 * 1024];
        assert_eq!(from_redirect(&deflate(&bomb)), Err(RequestError::TooLarge));
        assert!(matches!(from_post("!!!"), Err(RequestError::Base64(_))));
        assert!(matches!(
            from_redirect(&B64.encode("not deflate")),
            Err(RequestError::Inflate(_))
                | Err(RequestError::Xml(_))
                | Err(RequestError::NotAuthnRequest)
        ));
        assert_eq!(
            from_post(&B64.encode("<x/>")),
            Err(RequestError::NotAuthnRequest)
        );
    }

    /// `idpsim serve` decodes a request only up to a documented size: an
    /// over-long encoding is refused before it is decoded (the error says
    /// so, where a decode would have said "not base64"), and a deflate bomb
    /// stops inflating one byte past `MAX_REQUEST_BYTES`.
    #[test]
    fn bounds_every_decoding_step() {
        let long = "!".repeat(MAX_ENCODED_BYTES + 1);
        assert_eq!(from_post(&long), Err(RequestError::TooLong));
        assert_eq!(from_redirect(&long), Err(RequestError::TooLong));
        // Whitespace does not count, so wrapped base64 is not penalised.
        let wrapped = B64
            .encode(REQ)
            .into_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap() + "\r\n")
            .collect::<String>();
        assert_eq!(from_post(&wrapped).unwrap().id, "_abc");

        // 16 MiB of zeros deflate to about 16 KiB: read, and cut off
        // one byte past the bound.
        let zeros = vec![0u8; 1 << 20];
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..16 {
            e.write_all(&zeros).unwrap();
        }
        let bomb = B64.encode(e.finish().unwrap());
        assert!(bomb.len() <= MAX_ENCODED_BYTES);
        assert_eq!(from_redirect(&bomb), Err(RequestError::TooLarge));
    }
}
