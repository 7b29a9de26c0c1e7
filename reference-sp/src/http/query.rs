//! Query-string parameters of list and resource requests (RFC 7644
//! §3.4.2, §3.9), parsed by hand so that a bad number names the parameter.

use idpsim_scim::message::SearchRequest;
use idpsim_scim::{ScimError, ScimType};

/// Parses `filter`, `sortBy`, `sortOrder`, `startIndex`, `count`,
/// `attributes` and `excludedAttributes`; other parameters are ignored.
/// `+` decodes to a space, as Entra encodes filters (IDP-WIRE.md §2.11).
pub fn parse(raw: Option<&str>) -> Result<SearchRequest, ScimError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| {
            ScimError::bad_request(
                ScimType::InvalidSyntax,
                format!("malformed query string: {e}"),
            )
        })?;
    let mut q = SearchRequest::default();
    for (k, v) in pairs {
        let int = |v: &str| {
            v.trim().parse::<i64>().map_err(|_| {
                ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("`{k}` must be an integer, got {v:?}"),
                )
            })
        };
        match k.as_str() {
            "filter" => q.filter = Some(v),
            "sortBy" => q.sort_by = Some(v),
            "sortOrder" => {
                q.sort_order = Some(
                    v.parse()
                        .map_err(|e: String| ScimError::bad_request(ScimType::InvalidValue, e))?,
                )
            }
            "startIndex" => q.start_index = Some(int(&v)?),
            "count" => q.count = Some(int(&v)?),
            "attributes" => q.attributes = Some(v),
            "excludedAttributes" => q.excluded_attributes = Some(v),
            _ => {}
        }
    }
    Ok(q)
}
