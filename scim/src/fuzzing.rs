//! Entry points of the fuzz targets in the repository's `fuzz/` directory.
//!
//! Not an API: they exist so that a fuzz target and the test that replays
//! what it found (`tests/fuzz_regressions.rs`) run exactly the same code.
//! Each takes the fuzzer's raw bytes and returns what the code under test
//! answered, so a replay can assert a refusal as well as the absence of a
//! panic.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::error::ScimError;
use crate::filter;
use crate::patch::{self, PatchRequest};
use crate::resource::{self, Object};
use crate::schema::ResourceSchema;
use crate::urn;

/// A user with every kind of attribute a filter or a PATCH path can reach:
/// strings of both case rules, a boolean, a complex and two multi-valued
/// complex attributes, the enterprise extension and `meta` dates.
fn user() -> &'static Object {
    static USER: OnceLock<Object> = OnceLock::new();
    USER.get_or_init(|| {
        let mut u = resource::normalize(
            ResourceSchema::user(),
            json!({
                "schemas": [urn::USER, urn::ENTERPRISE_USER],
                "userName": "Bjensen@Example.com",
                "externalId": "AbC-1",
                "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
                "displayName": "Babs Jensen",
                "title": "Tour Guide",
                "active": true,
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
                urn::ENTERPRISE_USER: {"employeeNumber": "701984", "department": "Tours", "manager": {"value": "m-1"}},
            }),
        )
        .expect("the fuzz user is valid");
        u.insert(
            "meta".into(),
            json!({"lastModified": "2024-05-01T12:00:00Z", "created": "2024-01-01T00:00:00+02:00"}),
        );
        u.insert("id".into(), "2819c223-7f76-453a-919d-413861904646".into());
        u
    })
}

fn group() -> &'static Object {
    static GROUP: OnceLock<Object> = OnceLock::new();
    GROUP.get_or_init(|| {
        let mut g = resource::normalize(
            ResourceSchema::group(),
            json!({
                "schemas": [urn::GROUP],
                "displayName": "Tour Guides",
                "externalId": "g-1",
                "members": [
                    {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
                    {"value": "902c246b-6245-4190-8e05-00816be7344a", "type": "User"}
                ],
            }),
        )
        .expect("the fuzz group is valid");
        g.insert("id".into(), "e9e30dba-f08f-4109-8486-d5c6a331660a".into());
        g
    })
}

/// `scim_filter`: the bytes up to the first NUL are a filter, as a
/// `filter=` query or a SearchRequest carries it; the rest, if any, a
/// resource (JSON) to evaluate it over besides the built-in user and group. Returns how many
/// of the resources matched, or the parse error.
pub fn filter(data: &[u8]) -> Result<usize, ScimError> {
    let text = String::from_utf8_lossy(data);
    let (expr, rest) = text.split_once('\0').unwrap_or((&text, ""));
    let f = filter::parse(expr)?;
    let extra: Option<Value> = serde_json::from_str(rest).ok();
    let mut matched = 0;
    let mut refused = None;
    for (schema, fixed) in [
        (ResourceSchema::user(), user()),
        (ResourceSchema::group(), group()),
    ] {
        if let Err(e) = filter::check(schema, &f) {
            refused = Some(e);
            continue;
        }
        matched += usize::from(filter::matches(schema, &f, fixed));
        if let Some(Ok(r)) = extra.clone().map(|v| resource::normalize(schema, v)) {
            matched += usize::from(filter::matches(schema, &f, &r));
        }
    }
    match refused {
        Some(e) if matched == 0 => Err(e),
        _ => Ok(matched),
    }
}

/// `scim_patch`: the first byte picks the resource (even: the user, odd:
/// the group), the rest is a PATCH request body.
pub fn patch(data: &[u8]) -> Result<Object, ScimError> {
    let (schema, res) = match data.first() {
        Some(b) if b & 1 == 1 => (ResourceSchema::group(), group()),
        _ => (ResourceSchema::user(), user()),
    };
    let body = data.get(1..).unwrap_or_default();
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ScimError::bad_request(crate::ScimType::InvalidSyntax, format!("not JSON: {e}"))
    })?;
    let req = PatchRequest::from_value(v)?;
    patch::apply(schema, res, &req.operations)
}
