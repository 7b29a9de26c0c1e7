use super::*;
use crate::resource::normalize;
use serde_json::json;

fn user() -> Object {
    normalize(
        ResourceSchema::user(),
        json!({
            "schemas": [crate::urn::USER],
            "userName": "a@x.com",
            "name": {"givenName": "A", "familyName": "B"},
            "active": true,
            "emails": [{"value": "a@x.com", "type": "work", "primary": true}],
        }),
    )
    .unwrap()
}

fn group(members: &[&str]) -> Object {
    normalize(
        ResourceSchema::group(),
        json!({"schemas": [crate::urn::GROUP], "displayName": "eng",
               "members": members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>()}),
    )
    .unwrap()
}

fn ops(v: Value) -> Vec<PatchOperation> {
    PatchRequest::from_value(json!({"schemas": [crate::urn::PATCH_OP], "Operations": v}))
        .unwrap()
        .operations
}

fn run(res: &Object, v: Value) -> Result<Object, ScimError> {
    let schema = if res.contains_key("userName") {
        ResourceSchema::user()
    } else {
        ResourceSchema::group()
    };
    apply(schema, res, &ops(v))
}

fn member_ids(g: &Object) -> Vec<String> {
    g.get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn op_names_in_any_case_and_string_booleans() {
    let u = run(
        &user(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .unwrap();
    assert_eq!(u["active"], false);
    let u = run(&u, json!([{"op": "REPLACE", "value": {"active": "True"}}])).unwrap();
    assert_eq!(u["active"], true);
}

#[test]
fn pathless_replace_with_dotted_and_urn_keys() {
    let u = run(
        &user(),
        json!([{"op": "replace", "value": {
            "displayName": "Bj", "name.givenName": "Kk",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
            "id": "ignored"
        }}]),
    )
    .unwrap();
    assert_eq!(u["name"]["givenName"], "Kk");
    assert_eq!(u["name"]["familyName"], "B", "siblings kept");
    assert_eq!(u[crate::urn::ENTERPRISE_USER]["employeeNumber"], "42");
    assert!(!u.contains_key("id"));
    assert_eq!(u["schemas"][1], crate::urn::ENTERPRISE_USER);
}

#[test]
fn typed_path_creates_missing_element() {
    let u = run(
        &user(),
        json!([{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "h@x.com"}]),
    )
    .unwrap();
    assert_eq!(u["emails"][1], json!({"type": "home", "value": "h@x.com"}));
    let u = run(
        &u,
        json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "o@x.com"}]),
    )
    .unwrap();
    assert_eq!(u["emails"].as_array().unwrap().len(), 3);
    let u = run(
        &u,
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x.com"}]),
    )
    .unwrap();
    assert_eq!(u["emails"][0]["value"], "w@x.com");
    assert_eq!(u["emails"][0]["primary"], true);
    let e = run(
        &u,
        json!([{"op": "replace", "path": "emails[value co \"zz\"].value", "value": "q"}]),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn member_add_remove_shapes() {
    let g = group(&["u1", "u2", "u3"]);
    let g2 = run(&g, json!([{"op": "add", "path": "members", "value": [{"value": "u4", "display": "d"}, {"value": "u1"}]}])).unwrap();
    assert_eq!(member_ids(&g2), ["u1", "u2", "u3", "u4"]);
    let g3 = run(
        &g2,
        json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]),
    )
    .unwrap();
    assert_eq!(member_ids(&g3), ["u1", "u3", "u4"]);
    let g4 = run(
        &g3,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u3"}]}]),
    )
    .unwrap();
    assert_eq!(member_ids(&g4), ["u1", "u4"]);
    let g5 = run(
        &g4,
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    )
    .unwrap();
    assert_eq!(g5, g4);
    let g6 = run(&g5, json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(member_ids(&g6).is_empty());
}

#[test]
fn okta_group_rename_ignores_id() {
    let g = run(
        &group(&["u1"]),
        json!([{"op": "replace", "value": {"id": "g1", "displayName": "Eng 2"}}]),
    )
    .unwrap();
    assert_eq!(g["displayName"], "Eng 2");
    assert_eq!(member_ids(&g), ["u1"]);
}

#[test]
fn errors() {
    let u = user();
    let code = |v: Value| run(&u, v).unwrap_err().scim_type;
    assert_eq!(code(json!([{"op": "remove"}])), Some(ScimType::NoTarget));
    assert_eq!(
        code(json!([{"op": "add", "path": "title"}])),
        Some(ScimType::InvalidValue)
    );
    assert_eq!(
        code(json!([{"op": "replace", "path": "id", "value": "x"}])),
        Some(ScimType::Mutability)
    );
    assert_eq!(
        code(json!([{"op": "remove", "path": "userName"}])),
        Some(ScimType::Mutability)
    );
    assert_eq!(
        code(json!([{"op": "add", "path": "emails[type eq", "value": "x"}])),
        Some(ScimType::InvalidPath)
    );
    assert_eq!(
        code(json!([{"op": "add", "path": "shoeSize", "value": 9}])),
        Some(ScimType::InvalidPath)
    );
    assert_eq!(
        code(json!([{"op": "add", "path": "active", "value": "maybe"}])),
        Some(ScimType::InvalidValue)
    );
    let bad = PatchRequest::from_value(
        json!({"schemas": [crate::urn::PATCH_OP], "Operations": [{"op": "move"}]}),
    );
    assert_eq!(bad.unwrap_err().scim_type, Some(ScimType::InvalidSyntax));
    let bad = PatchRequest::from_value(json!({"schemas": ["x"], "Operations": [{"op": "add"}]}));
    assert!(bad.is_err());
}

#[test]
fn atomic_on_failure() {
    let u = user();
    let r = run(
        &u,
        json!([{"op": "replace", "path": "title", "value": "T"}, {"op": "replace", "path": "id", "value": "x"}]),
    );
    assert!(r.is_err());
    assert!(!u.contains_key("title"));
}

#[test]
fn primary_is_unique() {
    let u = run(&user(), json!([{"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "home", "primary": true}]}])).unwrap();
    let prim: Vec<_> = u["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(prim.len(), 1);
    assert_eq!(prim[0]["value"], "b@x");
}

#[test]
fn null_and_empty_clear() {
    let u = run(
        &user(),
        json!([{"op": "replace", "value": {"name": {"givenName": ""}, "emails": []}}]),
    )
    .unwrap();
    assert!(u["name"].get("givenName").is_none());
    // an empty list is unassigned; replace with it clears
    let u = run(
        &u,
        json!([{"op": "replace", "path": "emails", "value": null}]),
    )
    .unwrap();
    assert!(!u.contains_key("emails"));
}

#[test]
fn manager_as_plain_string() {
    let u = run(&user(), json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m-9"}])).unwrap();
    assert_eq!(u[crate::urn::ENTERPRISE_USER]["manager"]["value"], "m-9");
    let u = run(&u, json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])).unwrap();
    assert!(!u.contains_key(crate::urn::ENTERPRISE_USER));
}

#[test]
fn a_member_added_twice_is_listed_once() {
    let g = group(&["u1"]);
    let g2 = run(
        &g,
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u2"}, {"value": "u2", "display": "two"}, {"value": "u1"}]},
            {"op": "add", "path": "members", "value": [{"value": "u2"}, {"value": "u3"}]},
        ]),
    )
    .unwrap();
    assert_eq!(member_ids(&g2), ["u1", "u2", "u3"]);
    // The later copy of an element merges into the one already listed.
    assert_eq!(g2["members"][1]["display"], "two");
}

/// A `schemas` key inside an extension's value object names no attribute
/// of the extension: `schemas` belongs to the resource's top level (RFC
/// 7643 §3). RFC 7644 §3.5.2 makes an operation incompatible with the
/// schema an error, and the path being fine, the value is what RFC 7644
/// §3.12 calls invalidValue. Unknown keys there are the same mistake.
#[test]
fn keys_an_extension_lacks_inside_its_value_are_invalid_values() {
    let ext = crate::urn::ENTERPRISE_USER;
    for v in [
        json!([{"op": "add", "path": ext, "value": {"schemas": [ext], "department": "D"}}]),
        json!([{"op": "replace", "value": {ext: {"schemas": [ext], "department": "D"}}}]),
        json!([{"op": "add", "path": ext, "value": {"shoeSize": "9"}}]),
    ] {
        let e = run(&user(), v.clone()).unwrap_err();
        assert_eq!(
            e.scim_type,
            Some(ScimType::InvalidValue),
            "{v}: {}",
            e.detail
        );
        assert!(e.detail.contains(ext), "{v}: {}", e.detail);
    }
}

fn service_account(credential: Option<&str>) -> Object {
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

/// RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has
/// mutability ... immutable. However, a client MAY add a value to an
/// immutable attribute if the attribute had no previous value."
#[test]
fn an_immutable_attribute_takes_a_first_value_and_keeps_it() {
    let ext = crate::urn::SERVICE_ACCOUNT;
    let at = format!("{ext}:credentialType");
    let sa = ResourceSchema::service_account();
    let set = apply(
        sa,
        &service_account(None),
        &ops(json!([{"op": "add", "path": at, "value": "apiKey"}])),
    )
    .unwrap();
    assert_eq!(set[ext]["credentialType"], "apiKey");
    // The same value again is no change.
    apply(
        sa,
        &set,
        &ops(json!([{"op": "replace", "path": at, "value": "apiKey"}])),
    )
    .unwrap();
    for v in [
        json!([{"op": "replace", "path": at, "value": "certificate"}]),
        json!([{"op": "remove", "path": at}]),
        json!([{"op": "replace", "value": {ext: {"credentialType": "oauthClient"}}}]),
        json!([{"op": "remove", "path": ext}]),
    ] {
        let e = apply(sa, &set, &ops(v.clone())).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability), "{v}: {}", e.detail);
    }
}

/// A PATCH may not leave a resource without its required extension.
#[test]
fn a_required_extension_cannot_be_patched_away() {
    let ext = crate::urn::SERVICE_ACCOUNT;
    let e = apply(
        ResourceSchema::service_account(),
        &service_account(None),
        &ops(json!([{"op": "remove", "path": ext}])),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{}", e.detail);
}
