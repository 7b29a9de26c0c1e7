//! SCIM error responses (RFC 7644 §3.12).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::urn;

/// The `scimType` detail error keywords of RFC 7644 §3.12, table 9.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a SCIM service provider answers with: an HTTP status, an optional
/// `scimType` keyword and a human-readable detail.
///
/// Every failure of the protocol core (a filter that does not parse, a PATCH
/// path that names nothing, a value of the wrong type) is one of these, so a
/// server can turn any of them into a response without a second mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}{detail}", scim_type.map(|t| format!("{t}: ")).unwrap_or_default())]
pub struct ScimError {
    /// The HTTP status code.
    pub status: u16,
    /// The RFC 7644 §3.12 keyword, for the 400s that have one.
    pub scim_type: Option<ScimType>,
    /// What went wrong, for a person.
    pub detail: String,
}

impl ScimError {
    /// A 400 with a `scimType` keyword.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// Any status without a keyword.
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// 404 for a resource that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::status(404, detail)
    }

    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        ScimError {
            status: 409,
            scim_type: Some(ScimType::Uniqueness),
            detail: detail.into(),
        }
    }

    /// The RFC 7644 §3.12 error body.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            schemas: vec![urn::ERROR.to_owned()],
            status: self.status.to_string(),
            scim_type: self.scim_type,
            // Details built from a client's input quote only an excerpt
            // of it; this bounds any that slipped through.
            detail: Some(bounded_detail(&self.detail).into_owned()),
        }
    }
}

/// The longest detail an error body carries, in characters.
pub const MAX_DETAIL_CHARS: usize = 1000;

fn bounded_detail(d: &str) -> std::borrow::Cow<'_, str> {
    match d.char_indices().nth(MAX_DETAIL_CHARS) {
        None => d.into(),
        Some((cut, _)) => format!("{}…", &d[..cut]).into(),
    }
}

/// How many characters of a client's input an error detail repeats.
pub const EXCERPT_CHARS: usize = 200;

/// The start of `s` for an error detail: at most [`EXCERPT_CHARS`]
/// characters, then `…` when there was more. A detail that repeated the
/// whole input would let a 1 MiB filter buy a 1 MiB error body.
pub fn excerpt(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(EXCERPT_CHARS) {
        None => s.into(),
        Some((cut, _)) => format!("{}…", &s[..cut]).into(),
    }
}

/// The JSON body of a SCIM error response. `status` is a string on the wire
/// (RFC 7644 §3.12 shows `"status": "400"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub schemas: Vec<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<ScimType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
