//! The `minimal-schema` quirk: a server with less of RFC 7643 than the
//! reference SP. Its User schema has no `title`, `nickName` or `password`,
//! its User resource type no enterprise extension, and it keeps none of
//! them: a client may send them, and they are dropped (as many servers
//! drop what they do not model), so what discovery says is what is stored.

use idpsim_scim::resource::{Object, set_schemas};
use idpsim_scim::schema::{self, ENTERPRISE_USER, ResourceSchema, Schema, USER};
use serde_json::{Value, json};

/// The User attributes this server does not have.
pub const LEFT_OUT: &[&str] = &["title", "nickName", "password"];

/// Drops from a User body about to be stored what this server does not
/// have, and lists in `schemas` only what is left.
pub fn strip(body: &mut Object) {
    for a in LEFT_OUT {
        body.remove(*a);
    }
    body.remove(ENTERPRISE_USER.id);
    set_schemas(ResourceSchema::user(), body);
}

/// The schemas `/Schemas` serves: no enterprise extension.
pub fn schemas() -> impl Iterator<Item = &'static Schema> {
    schema::ALL
        .iter()
        .copied()
        .filter(|s| s.id != ENTERPRISE_USER.id)
}

/// A schema's `/Schemas` document, the User schema without [`LEFT_OUT`].
pub fn schema_json(s: &Schema, base_url: &str) -> Value {
    let mut doc = s.to_json(base_url);
    if s.id == USER.id
        && let Some(attrs) = doc["attributes"].as_array_mut()
    {
        attrs.retain(|a| !LEFT_OUT.iter().any(|n| a["name"] == *n));
    }
    doc
}

/// A resource type's document, without schema extensions.
pub fn resource_type_json(t: &ResourceSchema, base_url: &str) -> Value {
    let mut doc = t.resource_type_json(base_url);
    doc["schemaExtensions"] = json!([]);
    doc
}
