//! The shape of the discovery documents themselves (SCIM-CHECKS.md §5 B04,
//! B05, B06, B08): ListResponses that count what they list (RFC 7644 §4,
//! §3.4.2), ResourceTypes that say what they are and where their resources
//! live (RFC 7643 §6), Schemas that say what they are (RFC 7643 §7).

use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, LIST, Reply, clip};

const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET path` answered 200, and its `Resources`.
async fn listed(c: &Ctx, path: &str) -> Result<(Reply, Vec<Value>), Finding> {
    let r = c.get(path).await?;
    r.expect_status(200, &format!("GET {path}"))?;
    let items = r.json["Resources"].as_array().cloned().ok_or_else(|| {
        Finding::fail(
            "resources",
            format!("GET {path}: a ListResponse with a Resources array"),
            clip(&r.text),
        )
    })?;
    Ok((r, items))
}

fn lists(doc: &Value, urn: &str) -> bool {
    doc["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(urn)))
}

pub async fn list_totals(c: Ctx) -> CheckResult {
    for (path, rule) in [
        ("/ResourceTypes", "resource-types-total"),
        ("/Schemas", "schemas-total"),
    ] {
        let (r, items) = listed(&c, path).await?;
        if !lists(&r.json, LIST) {
            return Err(Finding::fail(
                "list-schemas",
                format!("GET {path}: schemas [{LIST}]"),
                clip(&r.json["schemas"].to_string()),
            ));
        }
        // Discovery ignores paging (RFC 7644 §4) and lists everything, so
        // the total is what the page holds.
        if r.json["totalResults"].as_u64() != Some(items.len() as u64) {
            return Err(Finding::fail(
                rule,
                format!(
                    "GET {path}: totalResults = {}, the number of Resources listed",
                    items.len()
                ),
                format!("totalResults = {}", r.json["totalResults"]),
            ));
        }
    }
    Ok(vec![])
}

pub async fn resource_type_shape(c: Ctx) -> CheckResult {
    let (_, types) = listed(&c, "/ResourceTypes").await?;
    let (_, schemas) = listed(&c, "/Schemas").await?;
    let served: Vec<&str> = schemas.iter().filter_map(|s| s["id"].as_str()).collect();
    if types.is_empty() {
        return Err(Finding::fail(
            "resource-types-listed",
            "at least one resource type",
            "none",
        ));
    }
    for t in &types {
        let name = t["name"].as_str().unwrap_or("?");
        if !lists(t, RESOURCE_TYPE) {
            return Err(Finding::fail(
                "resource-type-schemas",
                format!("resource type {name}: schemas [{RESOURCE_TYPE}]"),
                clip(&t["schemas"].to_string()),
            ));
        }
        let endpoint = t["endpoint"].as_str().unwrap_or_default();
        let relative = !endpoint.trim_start_matches('/').is_empty()
            && !endpoint.contains("://")
            && !endpoint.starts_with("//");
        if !relative {
            return Err(Finding::fail(
                "endpoint-relative",
                format!(
                    "resource type {name}: an endpoint relative to the base URL, such as \"/Users\""
                ),
                clip(&t["endpoint"].to_string()),
            ));
        }
        for e in t["schemaExtensions"].as_array().into_iter().flatten() {
            let urn = e["schema"].as_str().unwrap_or_default();
            if !served.contains(&urn) {
                return Err(Finding::fail(
                    "extension-served",
                    format!(
                        "resource type {name}: every schemaExtensions[].schema served by /Schemas ({served:?})"
                    ),
                    clip(&e.to_string()),
                ));
            }
            if !e["required"].is_boolean() {
                return Err(Finding::fail(
                    "extension-required-boolean",
                    format!("resource type {name}: schemaExtensions[].required as a boolean"),
                    clip(&e.to_string()),
                ));
            }
        }
        let path = format!("/{}?count=1", endpoint.trim_start_matches('/'));
        let r = c.get(&path).await?;
        if r.status != 200 || !lists(&r.json, LIST) {
            return Err(Finding::fail(
                "endpoint-serves",
                format!("resource type {name}: GET {path} answers a ListResponse"),
                format!("HTTP {}: {}", r.status, clip(&r.text)),
            ));
        }
    }
    Ok(vec![])
}

pub async fn schema_shape(c: Ctx) -> CheckResult {
    let (_, schemas) = listed(&c, "/Schemas").await?;
    for s in &schemas {
        let Some(id) = s["id"].as_str().filter(|id| !id.is_empty()) else {
            return Err(Finding::fail(
                "schema-id",
                "every schema with its URN as id",
                clip(&s.to_string()),
            ));
        };
        if !lists(s, SCHEMA) {
            return Err(Finding::fail(
                "schema-schemas",
                format!("schema {id} in /Schemas: schemas [{SCHEMA}]"),
                clip(&s["schemas"].to_string()),
            ));
        }
        let one = c.get(&format!("/Schemas/{id}")).await?;
        one.expect_status(200, &format!("GET /Schemas/{id}"))?;
        if !lists(&one.json, SCHEMA) || one.json["id"] != json!(id) {
            return Err(Finding::fail(
                "schema-schemas",
                format!("GET /Schemas/{id}: that schema, with schemas [{SCHEMA}]"),
                clip(&one.text),
            ));
        }
    }
    Ok(vec![])
}
