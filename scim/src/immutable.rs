//! Immutable attributes: RFC 7643 §7 says such an attribute "MAY be
//! defined at resource creation (e.g., POST) or at record replacement via
//! a request (e.g., a PUT). The attribute SHALL NOT be updated." A PUT's
//! input "MUST match, or HTTP status code 400 SHOULD be returned with a
//! "scimType" error code of "mutability"" (RFC 7644 §3.5.1), and a PATCH
//! "MAY "add" a value to an "immutable" attribute if the attribute had no
//! previous value" (§3.5.2), nothing more.
//!
//! Judged here: single-valued attributes at the top level of the core
//! schema or of an extension. The elements of a multi-valued attribute
//! (Group `members`, whose sub-attributes are immutable) are added and
//! removed whole, which RFC 7643 §4.2 allows, so they are not.

use serde_json::Value;

use crate::error::{ScimError, ScimType, excerpt};
use crate::filter::container;
use crate::resource::Object;
use crate::schema::{Attribute, AttributeType, Container, Mutability, ResourceSchema};

/// Every single-valued immutable attribute of the resource type, with
/// where it lives.
fn immutables(
    schema: &ResourceSchema,
) -> impl Iterator<Item = (Container, &'static Attribute)> + '_ {
    let core = schema.core.attributes.iter().map(|a| (Container::Root, a));
    let ext = schema.extensions.iter().flat_map(|(s, _)| {
        s.attributes
            .iter()
            .map(move |a| (Container::Extension(s), a))
    });
    core.chain(ext)
        .filter(|(_, a)| a.mutability == Mutability::Immutable && !a.multi_valued)
}

fn value<'o>(resource: &'o Object, c: Container, attr: &Attribute) -> Option<&'o Value> {
    container(resource, c)
        .and_then(|o| o.get(attr.name))
        .filter(|v| !v.is_null())
}

/// Whether two values are the same value of `attr`: a string that is not
/// `caseExact` may come back in another case (RFC 7643 §7).
fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y))
            if attr.kind == AttributeType::String && !attr.case_exact =>
        {
            x.to_lowercase() == y.to_lowercase()
        }
        _ => a == b,
    }
}

fn changed(attr: &Attribute, was: &Value) -> ScimError {
    ScimError::bad_request(
        ScimType::Mutability,
        format!(
            "`{}` is immutable and already {}; it cannot change",
            attr.name,
            excerpt(&was.to_string())
        ),
    )
}

/// A PATCH result against the resource it started from: an immutable
/// value may appear, never change or go.
pub fn unchanged(schema: &ResourceSchema, old: &Object, new: &Object) -> Result<(), ScimError> {
    for (c, attr) in immutables(schema) {
        if let Some(was) = value(old, c, attr)
            && !value(new, c, attr).is_some_and(|now| same(attr, was, now))
        {
            return Err(changed(attr, was));
        }
    }
    Ok(())
}

/// A PUT body against the stored resource: an immutable value it repeats
/// or first sets is fine, one it changes is refused, and one it leaves out
/// is kept (the client did not assert it, RFC 7644 §3.5.1; clearing it
/// would change it).
pub fn keep_on_replace(
    schema: &ResourceSchema,
    old: &Object,
    new: &mut Object,
) -> Result<(), ScimError> {
    for (c, attr) in immutables(schema) {
        let Some(was) = value(old, c, attr) else {
            continue;
        };
        match value(new, c, attr) {
            Some(now) if same(attr, was, now) => {}
            Some(_) => return Err(changed(attr, was)),
            None => {
                let slot = match c {
                    Container::Root => &mut *new,
                    Container::Extension(ext) => {
                        let e = new
                            .entry(ext.id)
                            .or_insert_with(|| Value::Object(Object::new()));
                        if !e.is_object() {
                            *e = Value::Object(Object::new());
                        }
                        e.as_object_mut().expect("just made an object")
                    }
                };
                slot.insert(attr.name.to_owned(), was.clone());
            }
        }
    }
    crate::resource::set_schemas(schema, new);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::normalize;
    use serde_json::json;

    fn account(credential: Option<&str>) -> Object {
        let mut ext = json!({"owner": "ann@x.com"});
        if let Some(c) = credential {
            ext["credentialType"] = c.into();
        }
        normalize(
            ResourceSchema::service_account(),
            json!({"schemas": [crate::urn::USER, crate::urn::SERVICE_ACCOUNT],
                   "userName": "robot@x.com", crate::urn::SERVICE_ACCOUNT: ext}),
        )
        .unwrap()
    }

    /// RFC 7644 §3.5.1 on PUT: the same value passes, another is
    /// `mutability`, none keeps the stored one, and a first one is set.
    #[test]
    fn a_put_repeats_keeps_or_first_sets_an_immutable_value() {
        let sa = ResourceSchema::service_account();
        let ext = crate::urn::SERVICE_ACCOUNT;
        let stored = account(Some("apiKey"));
        let mut same = account(Some("APIKEY"));
        keep_on_replace(sa, &stored, &mut same).unwrap();
        let mut other = account(Some("certificate"));
        let e = keep_on_replace(sa, &stored, &mut other).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability), "{}", e.detail);
        let mut omitted = account(None);
        keep_on_replace(sa, &stored, &mut omitted).unwrap();
        assert_eq!(omitted[ext]["credentialType"], "apiKey");
        let mut first = account(Some("certificate"));
        keep_on_replace(sa, &account(None), &mut first).unwrap();
        assert_eq!(first[ext]["credentialType"], "certificate");
    }
}
