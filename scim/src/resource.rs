//! Incoming resources checked against their schema and brought to canonical
//! form: attribute names spelled as the schema spells them (RFC 7643 §2.1
//! makes them case-insensitive), values of the declared type, read-only
//! attributes dropped (RFC 7643 §2.2), extensions keyed by their exact URN.
//!
//! Everything downstream (filters, PATCH, projection, the store's indexes)
//! then reads keys exactly, which is both simpler and faster than looking
//! every name up case-insensitively.
//!
//! Leniencies, each because a real IdP needs it (IDP-WIRE.md):
//! - Booleans given as the strings `"True"`/`"False"` in any case are taken
//!   as booleans (Entra's legacy job, §2.7; OneLogin templates).
//! - A plain string given for a single-valued complex attribute that has a
//!   `value` sub-attribute becomes `{"value": …}` (Entra sends `manager` as a
//!   bare id, §2.6).
//! - `null`, `""` and `[]` for any attribute mean unassigned (RFC 7643 §2.5)
//!   and remove it.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimType, excerpt};
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Schema};

/// A JSON object holding a resource in canonical form.
pub type Object = Map<String, Value>;

/// Whether read-only attributes in the input are dropped (a client write)
/// or kept (the server building its own representation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    Drop,
    Keep,
}

/// Checks and canonicalises a resource a client sent (POST, PUT, Bulk).
/// The `schemas` attribute is checked against the resource type and rewritten
/// to the canonical URNs of what the resource actually holds.
pub fn normalize(schema: &ResourceSchema, input: Value) -> Result<Object, ScimError> {
    let Value::Object(input) = input else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("a {} must be a JSON object", schema.name),
        ));
    };
    let mut out = Object::new();
    let mut declared: Option<Vec<String>> = None;
    for (key, value) in input {
        if key.eq_ignore_ascii_case("schemas") {
            declared = Some(schemas_list(&value)?);
            continue;
        }
        if let Some(ext) = schema.extension(&key) {
            if value.is_null() {
                continue;
            }
            let obj = normalize_object(ext.attributes, value, &ext.id, ReadOnly::Drop)?;
            if !obj.is_empty() {
                out.insert(ext.id.to_owned(), Value::Object(obj));
            }
            continue;
        }
        let Some(attr) = schema.root_attribute(&key) else {
            return Err(unknown_attribute(schema.name, &key));
        };
        if let Some(v) = normalize_value(attr, value, &attr.name, ReadOnly::Drop)? {
            out.insert(attr.name.to_owned(), v);
        }
    }
    let declared = declared.ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            "the `schemas` attribute is required",
        )
    })?;
    if !declared
        .iter()
        .any(|s| s.eq_ignore_ascii_case(schema.core.id))
    {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!("`schemas` must include {}", schema.core.id),
        ));
    }
    set_schemas(schema, &mut out);
    check_required(schema.core, &out, "")?;
    check_extensions(schema, &out)?;
    crate::bounds::check(schema, &out)?;
    Ok(out)
}

/// Fails when the resource lacks an extension its type requires, or an
/// extension it has lacks one of its required attributes (RFC 7643 §6: "a
/// resource of this type MUST include this schema extension and also
/// include any attributes declared as required in this schema extension").
pub fn check_extensions(schema: &ResourceSchema, obj: &Object) -> Result<(), ScimError> {
    for (ext, required) in schema.extensions {
        match obj.get(ext.id) {
            Some(Value::Object(o)) => check_required(ext, o, ext.id)?,
            _ if *required => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!(
                        "a {} must have the extension {}, which its resource type requires",
                        schema.name, ext.id
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Rewrites `schemas` to the core URN plus each extension present.
pub fn set_schemas(schema: &ResourceSchema, obj: &mut Object) {
    let mut list = vec![Value::from(schema.core.id)];
    for (ext, _) in schema.extensions {
        if obj.contains_key(ext.id) {
            list.push(ext.id.into());
        }
    }
    obj.insert("schemas".into(), Value::Array(list));
}

/// Fails when a required attribute of `schema` is missing from `obj`;
/// `at` names where `obj` sits (an extension's URN), or is empty.
pub fn check_required(schema: &Schema, obj: &Object, at: &str) -> Result<(), ScimError> {
    let within = if at.is_empty() {
        String::new()
    } else {
        format!(" of {at}")
    };
    for attr in schema.attributes.iter().filter(|a| a.required) {
        match obj.get(attr.name) {
            None | Some(Value::Null) => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("the required attribute `{}`{within} is missing", attr.name),
                ));
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("the required attribute `{}`{within} is empty", attr.name),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn schemas_list(value: &Value) -> Result<Vec<String>, ScimError> {
    let bad = || {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            "`schemas` must be an array of URN strings",
        )
    };
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

fn unknown_attribute(resource: &str, key: &str) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidSyntax,
        format!(
            "`{}` is not an attribute of the {resource} resource type",
            excerpt(key)
        ),
    )
}

/// Canonicalises an object whose keys are attributes drawn from `attrs`.
pub fn normalize_object(
    attrs: &'static [Attribute],
    value: Value,
    at: &dyn fmt::Display,
    read_only: ReadOnly,
) -> Result<Object, ScimError> {
    let Value::Object(input) = value else {
        return Err(wrong_type(at, "an object"));
    };
    let mut out = Object::new();
    for (key, v) in input {
        let Some(attr) = crate::schema::find(attrs, &key) else {
            return Err(ScimError::bad_request(
                ScimType::InvalidSyntax,
                format!("`{}` is not an attribute of `{at}`", excerpt(&key)),
            ));
        };
        let here = Dotted(at, attr.name);
        if let Some(v) = normalize_value(attr, v, &here, read_only)? {
            out.insert(attr.name.to_owned(), v);
        }
    }
    Ok(out)
}

/// Checks one attribute's value; `Ok(None)` means "unassigned" (null, or a
/// read-only attribute that a client may not set, which RFC 7643 §2.2 says
/// is ignored).
pub fn normalize_value(
    attr: &'static Attribute,
    value: Value,
    at: &dyn fmt::Display,
    read_only: ReadOnly,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() || (read_only == ReadOnly::Drop && attr.mutability == Mutability::ReadOnly) {
        return Ok(None);
    }
    if attr.multi_valued {
        let Value::Array(items) = value else {
            return Err(wrong_type(at, "an array"));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(v) = normalize_single(attr, item, at, read_only)? {
                out.push(v);
            }
        }
        // RFC 7643 §2.5: an empty list is the same state as unassigned.
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    normalize_single(attr, value, at, read_only)
}

/// Checks one value (one element of a multi-valued attribute).
pub fn normalize_single(
    attr: &'static Attribute,
    value: Value,
    at: &dyn fmt::Display,
    read_only: ReadOnly,
) -> Result<Option<Value>, ScimError> {
    let v = match (attr.kind, value) {
        (_, Value::Null) => return Ok(None),
        // RFC 7643 §2.5: "" is unassigned too (Entra's Null-Update test sends it).
        (_, Value::String(s)) if s.is_empty() => return Ok(None),
        (AttributeType::Complex, Value::String(s)) if attr.sub_attribute("value").is_some() => {
            let mut m = Object::new();
            m.insert("value".into(), Value::String(s));
            Value::Object(m)
        }
        (AttributeType::Complex, v @ Value::Object(_)) => {
            let obj = normalize_object(attr.sub_attributes, v, at, read_only)?;
            if obj.is_empty() {
                return Ok(None);
            }
            Value::Object(obj)
        }
        (AttributeType::Complex, _) => return Err(wrong_type(at, "an object")),
        (AttributeType::Boolean, v @ Value::Bool(_)) => v,
        (AttributeType::Boolean, Value::String(s)) => match parse_lenient_bool(&s) {
            Some(b) => Value::Bool(b),
            None => return Err(wrong_type(at, "a boolean")),
        },
        (AttributeType::Boolean, _) => return Err(wrong_type(at, "a boolean")),
        (AttributeType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Value::Number(n),
        (AttributeType::Integer, _) => return Err(wrong_type(at, "an integer")),
        (AttributeType::Decimal, v @ Value::Number(_)) => v,
        (AttributeType::Decimal, _) => return Err(wrong_type(at, "a number")),
        (AttributeType::DateTime, Value::String(s)) => {
            if s.parse::<scim_v2::datetime::ScimDateTime>().is_err() {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!(
                        "`{at}` must be an xsd:dateTime such as 2024-05-01T12:00:00Z, got {:?}",
                        excerpt(&s)
                    ),
                ));
            }
            Value::String(s)
        }
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            v @ Value::String(_),
        ) => v,
        (_, _) => return Err(wrong_type(at, "a string")),
    };
    Ok(Some(v))
}

/// `true`/`false` in any letter case: Entra's legacy `"True"`/`"False"`.
pub fn parse_lenient_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Where a value sits (`name.givenName`), written out only for an error
/// message: formatting it for every attribute of every request was 3% of
/// the reference SP's instructions per create.
struct Dotted<'a>(&'a dyn fmt::Display, &'static str);

impl fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

fn wrong_type(at: &dyn fmt::Display, expected: &str) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, format!("`{at}` must be {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_wrong_type_names_where_it_is() {
        let e = normalize(
            ResourceSchema::user(),
            json!({"schemas": [crate::urn::USER], "userName": "a",
                   "name": {"givenName": 7}}),
        )
        .unwrap_err();
        assert_eq!(e.detail, "`name.givenName` must be a string");
        let e = normalize(
            ResourceSchema::user(),
            json!({"schemas": [crate::urn::USER], "userName": "a",
                   "emails": [{"value": "a@example.com", "primary": "maybe"}]}),
        )
        .unwrap_err();
        assert_eq!(e.detail, "`emails.primary` must be a boolean");
    }

    #[test]
    fn canonicalises_names_and_drops_read_only() {
        let out = normalize(
            ResourceSchema::user(),
            json!({
                "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:user"],
                "USERNAME": "a@x", "id": "client-chosen", "Name": {"GIVENNAME": "A"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "R&D"},
                "meta": {"resourceType": "User"}, "groups": [], "active": "False"
            }),
        )
        .unwrap();
        assert_eq!(out["userName"], "a@x");
        assert_eq!(out["name"]["givenName"], "A");
        assert_eq!(out["active"], false);
        assert!(
            !out.contains_key("id") && !out.contains_key("meta") && !out.contains_key("groups")
        );
        assert_eq!(out[crate::urn::ENTERPRISE_USER]["department"], "R&D");
        assert_eq!(out["schemas"][1], crate::urn::ENTERPRISE_USER);
    }

    #[test]
    fn rejects_unknown_attributes_and_wrong_types() {
        let s = ResourceSchema::user();
        let base = |extra: Value| {
            let mut v = json!({"schemas": [crate::urn::USER], "userName": "a"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            normalize(s, v)
        };
        assert_eq!(
            base(json!({"shoeSize": 9})).unwrap_err().scim_type,
            Some(ScimType::InvalidSyntax)
        );
        assert_eq!(
            base(json!({"active": "yes"})).unwrap_err().scim_type,
            Some(ScimType::InvalidValue)
        );
        assert_eq!(
            base(json!({"emails": {"value": "x"}}))
                .unwrap_err()
                .scim_type,
            Some(ScimType::InvalidValue)
        );
        assert_eq!(
            base(json!({"name": {"nope": 1}})).unwrap_err().scim_type,
            Some(ScimType::InvalidSyntax)
        );
        assert!(normalize(s, json!({"schemas": [crate::urn::USER]})).is_err());
        assert!(normalize(s, json!({"userName": "a"})).is_err());
        assert!(normalize(s, json!({"schemas": [crate::urn::GROUP], "userName": "a"})).is_err());
    }

    #[test]
    fn wraps_bare_manager_id() {
        let out = normalize(
            ResourceSchema::user(),
            json!({"schemas": [crate::urn::USER], "userName": "a",
                   crate::urn::ENTERPRISE_USER: {"manager": "m-1"}}),
        )
        .unwrap();
        assert_eq!(out[crate::urn::ENTERPRISE_USER]["manager"]["value"], "m-1");
    }

    fn service_account(ext: Option<Value>) -> Result<Object, ScimError> {
        let mut v = json!({"schemas": [crate::urn::USER, crate::urn::SERVICE_ACCOUNT],
                           "userName": "robot@x.com"});
        if let Some(e) = ext {
            v[crate::urn::SERVICE_ACCOUNT] = e;
        }
        normalize(ResourceSchema::service_account(), v)
    }

    /// RFC 7643 §6: a resource of a type whose extension is `required`
    /// MUST include it and the attributes it declares required.
    #[test]
    fn a_required_extension_and_its_required_attributes_must_be_there() {
        for (ext, why) in [
            (None, "without the extension"),
            (
                Some(json!({"credentialType": "apiKey"})),
                "without its required owner",
            ),
        ] {
            let e = service_account(ext).unwrap_err();
            assert_eq!(
                e.scim_type,
                Some(ScimType::InvalidValue),
                "{why}: {}",
                e.detail
            );
        }
        let ok = service_account(Some(json!({"owner": "ann@x.com"}))).unwrap();
        assert_eq!(
            ok["schemas"],
            json!([crate::urn::USER, crate::urn::SERVICE_ACCOUNT])
        );
        // An optional extension is still optional.
        normalize(
            ResourceSchema::user(),
            json!({"schemas": [crate::urn::USER], "userName": "u@x.com"}),
        )
        .unwrap();
    }
}
