//! Schema extensions as resources carry them (SCIM-CHECKS.md §5 C25, L27):
//! a required extension cannot be left out (RFC 7643 §6), and a PATCH that
//! adds or removes extension attributes changes `schemas` as it goes
//! (RFC 7644 §3.5.2).

use serde_json::{Value, json};

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, ENTERPRISE, USER, clip};
use crate::discovery::Capabilities;
use crate::schema_docs::{
    self, ResourceType, attributes, characteristic, is_multi_valued, is_required, minimal_resource,
    resource_types, schema,
};

/// An optional extension of the User resource type and two of its
/// attributes a client may write as plain strings; the enterprise
/// extension's when the server's documents could not be read.
fn user_extension(caps: &Capabilities) -> Result<(String, String, String), String> {
    let types = resource_types(caps);
    let Some(user) = types.iter().find(|t| t.schema.eq_ignore_ascii_case(USER)) else {
        return match caps.resource_types_doc {
            None => Ok((
                ENTERPRISE.into(),
                "employeeNumber".into(),
                "department".into(),
            )),
            Some(_) => Err("the server declares no resource type with the User schema".into()),
        };
    };
    let mut optional: Vec<&String> = user
        .extensions
        .iter()
        .filter(|(_, required)| !required)
        .map(|(urn, _)| urn)
        .collect();
    // The enterprise extension first: the one every IdP writes.
    optional.sort_by_key(|u| !u.eq_ignore_ascii_case(ENTERPRISE));
    for urn in optional {
        let Some(ext) = schema(caps, urn) else {
            continue;
        };
        let writable: Vec<&str> = attributes(ext)
            .iter()
            .filter(|a| {
                characteristic(a, "type") == "string"
                    && characteristic(a, "mutability") == "readWrite"
                    && !is_multi_valued(a)
                    && !is_required(a)
                    && schema_docs::canonical_values(a).is_empty()
            })
            .filter_map(|a| a["name"].as_str())
            .collect();
        if let [a, b, ..] = writable[..] {
            return Ok((urn.clone(), a.to_owned(), b.to_owned()));
        }
    }
    Err(
        "the User resource type declares no optional extension with two writable string attributes"
            .into(),
    )
}

pub fn schemas_follow_gate(caps: &Capabilities) -> Result<(), String> {
    user_extension(caps).map(|_| ())
}

fn lists(resource: &Value, urn: &str) -> bool {
    resource["schemas"].as_array().is_some_and(|s| {
        s.iter()
            .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(urn)))
    })
}

/// One PATCH of [`schemas_follow_patch`] and the read after it: `schemas`
/// lists the extension (`implicit-add`) and the extension holds `want`
/// (`sequential`). `what`: the operations, and what made the URN due.
async fn follow_step(
    c: &Ctx,
    path: &str,
    urn: &str,
    ops: Value,
    what: (&str, String),
    want: Value,
) -> Result<(), Finding> {
    let (ops_name, due) = what;
    c.patch_ok(
        path,
        ops,
        &format!("PATCH {ops_name} of extension attributes"),
    )
    .await?;
    let r = c.get(path).await?;
    r.expect_status(200, "GET /Users/{id}")?;
    if !lists(&r.json, urn) {
        return Err(Finding::fail(
            "implicit-add",
            format!("schemas listing {urn} once {due}"),
            clip(&r.json["schemas"].to_string()),
        ));
    }
    crate::ctx::expect_eq(&r.json[urn], &want, &format!("{urn} after {ops_name}"))
        .rule("sequential")
}

pub async fn schemas_follow_patch(c: Ctx) -> CheckResult {
    let (urn, a, b) = user_extension(&c.caps).map_err(|why| {
        Finding::fail("extension-declared", "an optional User extension", why).precondition()
    })?;
    let (id, _) = c.create_user(json!({})).await?;
    let path = format!("/Users/{id}");
    let full = |attr: &str| format!("{urn}:{attr}");
    // The first operation adds the extension (and so its URN to schemas,
    // §3.5.2); the second must see the attribute the first added.
    follow_step(
        &c,
        &path,
        &urn,
        json!([
            {"op": "add", "path": full(&a), "value": "first"},
            {"op": "replace", "path": full(&a), "value": "second"},
        ]),
        ("add then replace", format!("{} was added", full(&a))),
        json!({a.clone(): "second"}),
    )
    .await?;
    // Removing the extension's only attribute empties it; the add after
    // it must start from that state and bring the extension back.
    follow_step(
        &c,
        &path,
        &urn,
        json!([
            {"op": "remove", "path": full(&a)},
            {"op": "add", "path": full(&b), "value": "third"},
        ]),
        ("remove then add", format!("{} was added back", full(&b))),
        json!({b.clone(): "third"}),
    )
    .await?;
    Ok(vec![])
}

/// A resource type with a required extension, and that extension's URN.
fn with_required_extension(caps: &Capabilities) -> Result<(ResourceType, String), String> {
    if caps.resource_types_doc.is_none() {
        return Err("the server's /ResourceTypes could not be read".into());
    }
    resource_types(caps)
        .into_iter()
        .find_map(|t| {
            let urn = t.extensions.iter().find(|(_, r)| *r)?.0.clone();
            Some((t, urn))
        })
        .ok_or_else(|| "no resource type declares a required schema extension".into())
}

pub fn required_extension_gate(caps: &Capabilities) -> Result<(), String> {
    with_required_extension(caps).map(|_| ())
}

pub async fn required_extension(c: Ctx) -> CheckResult {
    let (rt, urn) = with_required_extension(&c.caps).map_err(|why| {
        Finding::fail("extension-declared", "a required extension", why).precondition()
    })?;
    let mut unique = |stem: &str| c.name(stem);
    let whole = minimal_resource(&c.caps, &rt, &[&urn], &mut unique).map_err(|why| {
        Finding::fail("buildable", "a resource the schemas describe", why).precondition()
    })?;
    // First the resource with its extension, as a precondition: it shows
    // the body is otherwise acceptable, so a refusal below is about the
    // extension alone.
    let endpoint = rt.path();
    let r = c
        .post(&endpoint, whole)
        .await
        .map_err(Finding::precondition)?;
    if let Ok(id) = r.id("") {
        c.created(format!("{endpoint}/{id}")).await;
    }
    r.expect_status(
        201,
        &format!("POST {endpoint} with the required extension {urn}"),
    )
    .map_err(Finding::precondition)?;
    if !lists(&r.json, &urn) {
        return Err(Finding::fail(
            "extension-listed",
            format!("the created resource's schemas listing {urn}"),
            clip(&r.json["schemas"].to_string()),
        ));
    }
    // One like it without the extension: a resource of this type MUST
    // include it (RFC 7643 §6), so the create must not succeed.
    let without = minimal_resource(&c.caps, &rt, &[], &mut unique).map_err(|why| {
        Finding::fail("buildable", "a resource the schemas describe", why).precondition()
    })?;
    let r = c.post(&endpoint, without).await?;
    if let Ok(id) = r.id("") {
        c.created(format!("{endpoint}/{id}")).await;
    }
    if r.status != 400 {
        return Err(Finding::fail(
            "refused",
            format!("POST {endpoint} without the required extension {urn}: HTTP 400"),
            format!("HTTP {}: {}", r.status, clip(&r.text)),
        ));
    }
    Ok(vec![])
}
