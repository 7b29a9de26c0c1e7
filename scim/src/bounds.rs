//! How large a stored resource may grow (RFC 7644 leaves this to the
//! service provider).
//!
//! Every multi-valued attribute is scanned once per PATCH operation that
//! filters it, and the whole resource is parsed, copied and written out on
//! every read and write; unbounded, eight PATCHes of a thousand `emails`
//! each made a user of 9,000 emails whose every further PATCH took half a
//! second. Past either bound a write is `400 invalidValue`: the request
//! itself was within `maxPayloadSize` (413 is for that), but the value it
//! would give the resource is one this server does not hold.
//!
//! Lists of references to other resources (a group's `members`) are not
//! counted here: the server keeps them apart from the body and bounds
//! them itself.

use std::io;

use serde_json::Value;

use crate::error::{ScimError, ScimType};
use crate::resource::Object;
use crate::schema::{Attribute, Mutability, ResourceSchema};

/// The most values one multi-valued attribute may hold. Real directories
/// send a handful of emails or phone numbers, and entitlements or roles in
/// the tens; a hundred bounds the scan a value filter makes per operation.
pub const MAX_VALUES: usize = 100;

/// The largest resource, as compact JSON, reference lists left out. A rich
/// enterprise user is about 2 KB; 64 KiB leaves room for certificates and
/// long role lists while keeping a parse or copy of it in microseconds.
pub const MAX_RESOURCE_BYTES: usize = 64 * 1024;

/// Whether `attr` lists references to other resources, whose `value` is an
/// immutable id (group `members`).
pub fn is_reference_list(attr: &Attribute) -> bool {
    attr.multi_valued
        && attr
            .sub_attribute("value")
            .is_some_and(|v| v.mutability == Mutability::Immutable)
}

/// Fails when `attr` would hold `n` values, more than [`MAX_VALUES`].
pub fn check_count(attr: &Attribute, n: usize) -> Result<(), ScimError> {
    if n > MAX_VALUES && !is_reference_list(attr) {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!(
                "`{}` would hold {n} values; this server keeps at most {MAX_VALUES} per attribute",
                attr.name
            ),
        ));
    }
    Ok(())
}

/// Fails when `bytes` of new JSON would not fit in a resource at all.
pub fn check_bytes(bytes: usize) -> Result<(), ScimError> {
    if bytes > MAX_RESOURCE_BYTES {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!(
                "the resource would be {bytes} bytes as JSON; this server keeps at most {MAX_RESOURCE_BYTES}"
            ),
        ));
    }
    Ok(())
}

/// Checks a canonical resource against both bounds, in O(size).
pub fn check(schema: &ResourceSchema, obj: &Object) -> Result<(), ScimError> {
    let mut bytes = 2;
    for (key, value) in obj {
        let attr = schema.root_attribute(key);
        if let Some(attr) = attr {
            if is_reference_list(attr) {
                continue;
            }
            if let Value::Array(items) = value {
                check_count(attr, items.len())?;
            }
        } else if let (Some(ext), Value::Object(inner)) = (schema.extension(key), value) {
            for (k, v) in inner {
                if let (Some(a), Value::Array(items)) = (ext.attribute(k), v) {
                    check_count(a, items.len())?;
                }
            }
        }
        // "key": value, as compact JSON writes it.
        bytes += key.len() + 4 + json_len(value);
        if bytes > MAX_RESOURCE_BYTES {
            break;
        }
    }
    check_bytes(bytes)
}

/// The length of `v` as compact JSON, counted without building the text.
pub fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    serde_json::to_writer(&mut c, v).expect("JSON values serialise");
    c.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_len_is_the_compact_length() {
        let v = json!({"a": [1, "x\"y", {"b": null}], "é": true});
        assert_eq!(json_len(&v), serde_json::to_string(&v).unwrap().len());
    }

    #[test]
    fn resources_past_a_bound_are_refused() {
        let s = ResourceSchema::user();
        let emails = |n: usize| {
            (0..n)
                .map(|i| json!({"value": format!("u{i}@example.com")}))
                .collect::<Vec<_>>()
        };
        let user = |extra: Value| {
            let mut u = json!({"schemas": [crate::urn::USER], "userName": "u"});
            u.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            u.as_object().unwrap().clone()
        };
        check(s, &user(json!({"emails": emails(MAX_VALUES)}))).unwrap();
        let e = check(s, &user(json!({"emails": emails(MAX_VALUES + 1)}))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains("`emails`"), "{}", e.detail);
        let e = check(s, &user(json!({"title": "t".repeat(MAX_RESOURCE_BYTES)}))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        // Group members are bounded by the server, not here.
        let members: Vec<Value> = (0..5 * MAX_VALUES)
            .map(|i| json!({"value": format!("{i:0>32}")}))
            .collect();
        let g = json!({"schemas": [crate::urn::GROUP], "displayName": "g", "members": members});
        check(ResourceSchema::group(), g.as_object().unwrap()).unwrap();
    }
}
