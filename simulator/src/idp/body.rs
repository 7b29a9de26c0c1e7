//! Body shapes: what a profile puts in a create, a PUT, a group create and
//! a member list. Pure functions of the profile and the directory.

use serde_json::{Map, Value, json};

use crate::directory::User;
use crate::profile::{ManagerStyle, Profile, UserShape};

pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The last `n` characters of `s` (whole characters: an id need not be
/// ASCII).
fn last_chars(s: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let start = s.char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i);
    &s[start..]
}

/// The create body of a user in the profile's shape.
pub fn user_body(p: &Profile, u: &User, manager_id: Option<&str>) -> Value {
    let mut ent = Map::new();
    if let Some(d) = &u.department {
        ent.insert("department".into(), d.clone().into());
    }
    if let Some(n) = &u.employee_number {
        ent.insert("employeeNumber".into(), n.clone().into());
    }
    if p.manager == ManagerStyle::InCreateBody
        && let Some(m) = manager_id
    {
        ent.insert("manager".into(), json!({"value": m}));
    }
    let mut b = json!({
        "schemas": [USER],
        "userName": u.user_name,
        "name": {"givenName": u.given_name, "familyName": u.family_name},
        "emails": [{"primary": true, "value": u.email, "type": "work"}],
        "displayName": u.display_name,
        "active": u.active,
    });
    let o = b.as_object_mut().expect("object");
    if let Some(t) = &u.title {
        o.insert("title".into(), t.clone().into());
    }
    // Inserted arm by arm: with serde_json's `preserve_order` the order is
    // on the wire, and the golden transcripts pin it.
    match p.user_shape {
        UserShape::Okta => {
            o.insert("locale".into(), "en-US".into());
            o.insert("externalId".into(), p.external_id_of(u).into());
            o.insert("groups".into(), json!([]));
            // Okta always sends a meaningless placeholder (IDP-WIRE.md §1.4).
            o.insert(
                "password".into(),
                format!("{}Aa1!", last_chars(&u.idp_id, 8)).into(),
            );
        }
        UserShape::Entra => {
            o.insert("externalId".into(), p.external_id_of(u).into());
            o.insert("meta".into(), json!({"resourceType": "User"}));
            o["name"]["formatted"] = format!("{} {}", u.given_name, u.family_name).into();
            o.insert("preferredLanguage".into(), "en-US".into());
            o.insert("roles".into(), json!([]));
            // The default mapping names the extension whatever the user
            // holds, but Entra skips empty values (IDP-ENGINES E6, E12):
            // a user without department or employee number gets no
            // extension object, not `{}`.
            o.insert("schemas".into(), json!([USER, ENTERPRISE]));
            if !ent.is_empty() {
                o.insert(ENTERPRISE.into(), Value::Object(ent));
            }
            return b;
        }
        UserShape::Rfc => {
            o.insert("externalId".into(), p.external_id_of(u).into());
        }
        UserShape::OneLoginTemplate => return onelogin_template(p, u),
    }
    if !ent.is_empty() {
        o.insert("schemas".into(), json!([USER, ENTERPRISE]));
        o.insert(ENTERPRISE.into(), Value::Object(ent));
    }
    b
}

/// OneLogin's SCIM JSON template filled in for `u`: the published "SCIM v2
/// Enterprise" template (userName, name, work email, title, department)
/// plus the lines an admin adds for what idpsim's directory holds
/// (`displayName`, `employeeNumber`) and `"active": "{$user.active}"`,
/// which OneLogin fills in as a string. Unset values are left out, not
/// sent as `""`.
fn onelogin_template(p: &Profile, u: &User) -> Value {
    let mut ent = Map::new();
    if let Some(d) = &u.department {
        ent.insert("department".into(), d.clone().into());
    }
    if let Some(n) = &u.employee_number {
        ent.insert("employeeNumber".into(), n.clone().into());
    }
    let mut b = json!({
        "schemas": [USER, ENTERPRISE],
        "userName": u.user_name,
        "name": {
            "familyName": u.family_name,
            "givenName": u.given_name,
            "formatted": format!("{} {}", u.given_name, u.family_name),
        },
        "displayName": u.display_name,
        "emails": [{"value": u.email, "type": "work", "primary": true}],
    });
    let o = b.as_object_mut().expect("object");
    if let Some(t) = &u.title {
        o.insert("title".into(), t.clone().into());
    }
    o.insert(ENTERPRISE.into(), Value::Object(ent));
    o.insert("active".into(), p.boolean(u.active));
    b
}

/// Overlays the IdP's view of a user on the target's resource, for GET+PUT.
pub(crate) fn overlay(p: &Profile, current: &Value, u: &User) -> Value {
    let mut b = current.clone();
    let fresh = user_body(p, u, None);
    if let (Some(o), Some(f)) = (b.as_object_mut(), fresh.as_object()) {
        for k in [
            "userName",
            "name",
            "emails",
            "displayName",
            "active",
            "title",
        ] {
            if let Some(v) = f.get(k) {
                o.insert(k.into(), v.clone());
            }
        }
        if let Some(ent) = f.get(ENTERPRISE) {
            let slot = o.entry(ENTERPRISE).or_insert_with(|| json!({}));
            if let (Some(s), Some(e)) = (slot.as_object_mut(), ent.as_object()) {
                for (k, v) in e {
                    s.insert(k.clone(), v.clone());
                }
            }
            let schemas = o.entry("schemas").or_insert_with(|| json!([USER]));
            if let Some(list) = schemas.as_array_mut()
                && !list.iter().any(|s| s == ENTERPRISE)
            {
                list.push(ENTERPRISE.into());
            }
        }
        // Okta echoes `groups: []` and `meta` back on every PUT.
        if p.user_shape == UserShape::Okta {
            o.insert("groups".into(), json!([]));
        }
    }
    b
}

/// The create body of a group in the profile's shape.
pub(crate) fn group_body(p: &Profile, name: &str, idp_id: &str) -> Value {
    let mut schemas = vec![Value::from(GROUP)];
    if let Some(extra) = p.group_extra_schema {
        schemas.push(extra.into());
    }
    let mut body = json!({"schemas": schemas, "displayName": name});
    if p.group_create_empty_members {
        body["members"] = json!([]);
    }
    if p.group_create_external_id {
        body["externalId"] = idp_id.into();
    }
    if p.group_create_meta {
        body["meta"] = json!({"resourceType": "Group"});
    }
    body
}

/// A PATCH body with these operations.
pub(crate) fn patch_body(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::OKTA;

    #[test]
    fn a_non_ascii_idp_id_makes_a_body_not_a_panic() {
        // Byte len - 8 falls inside 日: slicing by bytes panicked here.
        let u = User::new("a@x.test", "0000日本語".into());
        let body = user_body(&OKTA, &u, None);
        assert_eq!(body["password"], "0000日本語Aa1!");
        let u = User::new("a@x.test", "00u日本語ab12345".into());
        assert_eq!(user_body(&OKTA, &u, None)["password"], "語ab12345Aa1!");
        assert_eq!(last_chars("abc", 0), "");
    }
}
