//! Immutable attributes on PUT (SCIM-CHECKS.md §5 K04). RFC 7643 §7: an
//! immutable attribute "SHALL NOT be updated" once it has a value; RFC 7644
//! §3.5.1: on PUT "the input value(s) MUST match, or HTTP status code 400
//! SHOULD be returned with a "scimType" error code of "mutability"". Two
//! checks, one per level: the value stays (MUST), the PUT is refused as
//! `mutability` (SHOULD).
//!
//! RFC 7643's own schemas have no single-valued immutable attribute (only
//! the sub-attributes of Group `members`, whose elements may still be added
//! and removed), so these checks use one the server declares, on any
//! resource type, and are skipped when it declares none.

use idpsim_simulator::client::Method;
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, clip, expect_eq};
use crate::discovery::Capabilities;
use crate::schema_docs::{
    Place, ResourceType, attributes, canonical_values, characteristic, get, is_multi_valued,
    minimal_resource, resource_types, schema, set,
};

/// An immutable attribute the server declares, where it lives, and the
/// extensions a resource holding it lists.
struct Target {
    rt: ResourceType,
    place: Place,
    name: String,
    /// Two values it may take: canonical ones when the server lists some.
    values: Option<(String, String)>,
    extensions: Vec<String>,
}

fn target(caps: &Capabilities) -> Result<Target, String> {
    if caps.resource_types_doc.is_none() || caps.schemas_doc.is_none() {
        return Err("the server's /ResourceTypes or /Schemas could not be read".into());
    }
    for rt in resource_types(caps) {
        let required: Vec<String> = rt
            .extensions
            .iter()
            .filter(|(_, r)| *r)
            .map(|(u, _)| u.clone())
            .collect();
        let mut places = vec![(Place::Core, rt.schema.clone())];
        places.extend(
            rt.extensions
                .iter()
                .map(|(u, _)| (Place::Extension(u.clone()), u.clone())),
        );
        for (place, urn) in places {
            let Some(s) = schema(caps, &urn) else {
                continue;
            };
            let found = attributes(s).iter().find(|a| {
                characteristic(a, "mutability") == "immutable"
                    && characteristic(a, "type") == "string"
                    && !is_multi_valued(a)
                    && canonical_values(a).len() != 1
            });
            let Some(attr) = found else {
                continue;
            };
            let canonical = canonical_values(attr);
            let mut extensions = required.clone();
            if let Place::Extension(u) = &place
                && !extensions.contains(u)
            {
                extensions.push(u.clone());
            }
            return Ok(Target {
                rt: rt.clone(),
                place,
                name: attr["name"].as_str().unwrap_or_default().to_owned(),
                values: (canonical.len() >= 2)
                    .then(|| (canonical[0].clone(), canonical[1].clone())),
                extensions,
            });
        }
    }
    Err(
        "the server declares no single-valued immutable string attribute on any resource type"
            .into(),
    )
}

pub fn gate(caps: &Capabilities) -> Result<(), String> {
    target(caps).map(|_| ())
}

/// A resource created holding the immutable attribute.
struct Made {
    t: Target,
    path: String,
    /// What it was created from, to PUT back.
    body: Value,
    /// The value it holds, and another it may not take.
    first: String,
    second: String,
}

async fn created(c: &Ctx) -> Result<Made, Finding> {
    let t = target(&c.caps).map_err(|why| {
        Finding::fail("immutable-declared", "an immutable attribute", why).precondition()
    })?;
    let (first, second) = t
        .values
        .clone()
        .unwrap_or_else(|| (c.name(&t.name), c.name(&t.name)));
    let ext: Vec<&str> = t.extensions.iter().map(String::as_str).collect();
    let mut unique = |stem: &str| c.name(stem);
    let mut body = minimal_resource(&c.caps, &t.rt, &ext, &mut unique).map_err(|why| {
        Finding::fail("buildable", "a resource the schemas describe", why).precondition()
    })?;
    set(&mut body, &t.place, &t.name, json!(first));
    let endpoint = t.rt.path();
    let r = c
        .post(&endpoint, body.clone())
        .await
        .map_err(Finding::precondition)?;
    r.expect_status(201, &format!("POST {endpoint} (setup)"))
        .map_err(Finding::precondition)?;
    let id = r
        .id(&format!("POST {endpoint} (setup)"))
        .map_err(Finding::precondition)?;
    let path = format!("{endpoint}/{id}");
    c.created(path.clone()).await;
    Ok(Made {
        t,
        path,
        body,
        first,
        second,
    })
}

pub async fn put_refused(c: Ctx) -> CheckResult {
    let Made {
        t,
        path,
        mut body,
        second,
        ..
    } = created(&c).await?;
    set(&mut body, &t.place, &t.name, json!(second));
    let r = c.send(Method::PUT, &path, Some(body)).await?;
    r.expect_status(400, &format!("PUT changing the immutable {}", t.name))?;
    expect_eq(&r.json["scimType"], &json!("mutability"), "scimType")?;
    Ok(vec![])
}

pub async fn put_kept(c: Ctx) -> CheckResult {
    let Made {
        t,
        path,
        mut body,
        first,
        second,
    } = created(&c).await?;
    // The same value is no change: "the input value(s) MUST match".
    let r = c.send(Method::PUT, &path, Some(body.clone())).await?;
    if r.status != 200 {
        return Err(Finding::fail(
            "same-value-accepted",
            format!(
                "PUT repeating the immutable {} = {first:?}: HTTP 200",
                t.name
            ),
            format!("HTTP {}: {}", r.status, clip(&r.text)),
        ));
    }
    set(&mut body, &t.place, &t.name, json!(second));
    c.send(Method::PUT, &path, Some(body)).await?;
    let g = c.get(&path).await?;
    g.expect_status(200, &format!("GET {path}"))?;
    expect_eq(
        get(&g.json, &t.place, &t.name),
        &json!(first),
        &format!("{} after a PUT asking for {second:?}", t.name),
    )
    .rule("unchanged")?;
    Ok(vec![])
}
