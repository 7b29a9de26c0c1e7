//! The ServiceProviderConfig document (RFC 7643 §5): what a server says it
//! supports. Servers build it; clients (capability discovery) read it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::urn;

/// `{"supported": bool}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supported {
    pub supported: bool,
}

/// The `bulk` feature and its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    pub supported: bool,
    pub max_operations: u64,
    pub max_payload_size: u64,
}

/// The `filter` feature and its page limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    pub supported: bool,
    pub max_results: u64,
}

/// One way to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic` or `httpdigest`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// The RFC 7643 §5 document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    pub patch: Supported,
    pub bulk: BulkConfig,
    pub filter: FilterConfig,
    pub change_password: Supported,
    pub sort: Supported,
    pub etag: Supported,
    pub authentication_schemes: Vec<AuthenticationScheme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl ServiceProviderConfig {
    /// A document with every feature supported (password change too: a
    /// `password` is set and replaced by POST, PUT and PATCH), bearer
    /// authentication, and the given limits; `location` goes into `meta`.
    pub fn full(
        max_operations: u64,
        max_payload_size: u64,
        max_results: u64,
        location: &str,
    ) -> Self {
        let yes = Supported { supported: true };
        ServiceProviderConfig {
            schemas: vec![urn::SERVICE_PROVIDER_CONFIG.to_owned()],
            documentation_uri: None,
            patch: yes,
            bulk: BulkConfig {
                supported: true,
                max_operations,
                max_payload_size,
            },
            filter: FilterConfig {
                supported: true,
                max_results,
            },
            change_password: yes,
            sort: yes,
            etag: yes,
            authentication_schemes: vec![AuthenticationScheme {
                kind: "oauthbearertoken".into(),
                name: "Bearer token".into(),
                description: "A static bearer token in the Authorization header".into(),
                spec_uri: Some("https://www.rfc-editor.org/rfc/rfc6750".into()),
                documentation_uri: None,
                primary: Some(true),
            }],
            meta: Some(
                serde_json::json!({"resourceType": "ServiceProviderConfig", "location": location}),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let c = ServiceProviderConfig::full(1000, 1 << 20, 200, "http://x/ServiceProviderConfig");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["bulk"]["maxPayloadSize"], 1 << 20);
        assert_eq!(v["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(
            serde_json::from_value::<ServiceProviderConfig>(v).unwrap(),
            c
        );
    }
}
