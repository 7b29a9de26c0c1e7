//! SCIM protocol messages (RFC 7644 §3.4.2, §3.4.3, §3.7): list responses,
//! search requests and bulk requests and responses. Errors are in
//! [`crate::error`], PATCH in [`crate::patch`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ScimError, ScimType};
use crate::urn;

/// Fails with `400 invalidSyntax` unless `schemas` lists `urn` (compared
/// ignoring case): every SCIM message must name its schema (RFC 7644 §3).
pub fn require_schema(schemas: &[String], urn: &str, message: &str) -> Result<(), ScimError> {
    if schemas.iter().any(|s| s.eq_ignore_ascii_case(urn)) {
        Ok(())
    } else {
        Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("a {message} must have `schemas: [\"{urn}\"]`"),
        ))
    }
}

/// A page of resources (RFC 7644 §3.4.2). `startIndex` and
/// `itemsPerPage` are integers on the wire, as Okta requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T = Value> {
    pub schemas: Vec<String>,
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: u64,
    #[serde(rename = "Resources", default)]
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// A page starting at the 1-based `start_index`.
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        ListResponse {
            schemas: vec![urn::LIST_RESPONSE.to_owned()],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }
}

/// `ascending` or `descending` (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

impl std::str::FromStr for SortOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(format!(
                "sortOrder must be ascending or descending, got {s:?}"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for SortOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The query of a list or search, from GET parameters or a SearchRequest
/// body (RFC 7644 §3.4.2, §3.4.3). Raw strings: the server parses `filter`
/// and the attribute lists against the resource type it serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list_or_string"
    )]
    pub attributes: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list_or_string"
    )]
    pub excluded_attributes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// In a SearchRequest body `attributes` is a JSON array (RFC 7644 §3.4.3);
/// in a query string it is comma-separated. Both become one string here.
fn list_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::One(s) => s,
        Either::Many(v) => v.join(","),
    }))
}

/// An HTTP method inside a bulk operation (RFC 7644 §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkMethod {
    #[serde(alias = "post", alias = "Post")]
    POST,
    #[serde(alias = "put", alias = "Put")]
    PUT,
    #[serde(alias = "patch", alias = "Patch")]
    PATCH,
    #[serde(alias = "delete", alias = "Delete")]
    DELETE,
}

/// One operation of a BulkRequest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    pub method: BulkMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The RFC 7644 §3.7 BulkRequest message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u64>,
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkOperation>,
}

/// One result of a BulkResponse. `status` is a string holding the HTTP code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResult {
    pub method: BulkMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// The RFC 7644 §3.7 BulkResponse message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkResponse {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<BulkOperationResult>,
}

impl BulkResponse {
    pub fn new(operations: Vec<BulkOperationResult>) -> Self {
        BulkResponse {
            schemas: vec![urn::BULK_RESPONSE.to_owned()],
            operations,
        }
    }
}
