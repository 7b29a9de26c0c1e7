//! Reading request bodies: media type, size bound, JSON syntax.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use idpsim_scim::{ScimError, ScimType};
use serde_json::Value;

/// Reads a JSON body of at most `limit` bytes. A declared `Content-Type`
/// must be `application/scim+json` or `application/json` (RFC 7644 §8.1
/// says servers accept both); a missing one is tolerated because Entra
/// omits headers on some requests (IDP-WIRE.md §2.11).
pub async fn read_json(headers: &HeaderMap, body: Body, limit: usize) -> Result<Value, ScimError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        if !mime.eq_ignore_ascii_case("application/scim+json")
            && !mime.eq_ignore_ascii_case("application/json")
        {
            return Err(ScimError::status(
                415,
                format!("Content-Type {ct:?} is not supported; send application/scim+json"),
            ));
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = src {
            if s.is::<http_body_util::LengthLimitError>() {
                return too_large(limit);
            }
            src = s.source();
        }
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("could not read the request body: {e}"),
        )
    })?;
    let inline = bytes.len() <= PARSE_INLINE_BYTES;
    let parse = move || parse_json(&bytes);
    // Parsing is linear but not free (a millisecond or more per hundred
    // kilobytes with the tree it builds): a large body is parsed off the
    // reactor.
    if inline {
        return parse();
    }
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| ScimError::status(500, format!("body parse task failed: {e}")))?
}

/// A body that arrived whole, as JSON.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, ScimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "the request body is empty",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// Bodies up to this size are parsed where they are read.
const PARSE_INLINE_BYTES: usize = 16 * 1024;

fn too_large(limit: usize) -> ScimError {
    ScimError::status(
        413,
        format!("the request body is larger than the {limit}-byte limit (maxPayloadSize)"),
    )
}
