use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, LIST, USER, clip, expect_eq};

pub async fn spc(c: Ctx) -> CheckResult {
    let r = c.get("/ServiceProviderConfig").await?;
    r.expect_status(200, "GET /ServiceProviderConfig")?;
    expect_eq(
        &r.json["schemas"],
        &json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]),
        "schemas",
    )?;
    for f in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
        if !r.json[f]["supported"].is_boolean() {
            return Err(Finding::fail(
                "supported-boolean",
                format!("{f}.supported as a boolean"),
                clip(&r.json[f].to_string()),
            ));
        }
    }
    if !r.json["authenticationSchemes"].is_array() {
        return Err(Finding::fail(
            "authentication-schemes",
            "authenticationSchemes as an array",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}

pub async fn spc_public(c: Ctx) -> CheckResult {
    let r = c.get_anonymously("/ServiceProviderConfig").await?;
    let is_spc =
        r.json["schemas"] == json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]);
    r.expect_status(200, "GET /ServiceProviderConfig without credentials")?;
    if !is_spc {
        return Err(Finding::fail(
            "document",
            "the ServiceProviderConfig document",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}

pub async fn resource_types(c: Ctx) -> CheckResult {
    let r = c.get("/ResourceTypes").await?;
    r.expect_status(200, "GET /ResourceTypes")?;
    expect_eq(&r.json["schemas"], &json!([LIST]), "schemas")?;
    let schemas = c.get("/Schemas").await?;
    schemas.expect_status(200, "GET /Schemas")?;
    let ids: Vec<&str> = schemas.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let types = r.json["Resources"].as_array().cloned().unwrap_or_default();
    for want in ["User", "Group"] {
        let t = types.iter().find(|t| t["name"] == want).ok_or_else(|| {
            Finding::fail(
                "resource-type-listed",
                format!("a {want} resource type"),
                clip(&r.text),
            )
        })?;
        let schema = t["schema"].as_str().unwrap_or_default();
        if t["endpoint"].as_str().is_none() || !ids.contains(&schema) {
            return Err(Finding::fail(
                "endpoint-and-schema",
                format!("{want} with an endpoint and a schema /Schemas serves"),
                clip(&t.to_string()),
            ));
        }
    }
    Ok(vec![])
}

pub async fn user_schema(c: Ctx) -> CheckResult {
    let r = c.get(&format!("/Schemas/{USER}")).await?;
    r.expect_status(200, "GET /Schemas/{User URN}")?;
    let attrs = r.json["attributes"].as_array().cloned().unwrap_or_default();
    let find = |n: &str| {
        attrs
            .iter()
            .find(|a| {
                a["name"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(n))
            })
            .cloned()
            .unwrap_or(Value::Null)
    };
    let un = find("userName");
    expect_eq(&un["required"], &json!(true), "userName.required")?;
    expect_eq(&un["uniqueness"], &json!("server"), "userName.uniqueness")?;
    let pw = find("password");
    if !pw.is_null() {
        expect_eq(&pw["returned"], &json!("never"), "password.returned")?;
    }
    Ok(vec![])
}

pub async fn unknown_schema(c: Ctx) -> CheckResult {
    let r = c.get("/Schemas/urn:idpsim:no-such-schema").await?;
    r.expect_status(404, "GET /Schemas/{unknown}")?;
    Ok(vec![])
}

pub async fn resource_type_by_name(c: Ctx) -> CheckResult {
    let r = c.get("/ResourceTypes/User").await?;
    r.expect_status(200, "GET /ResourceTypes/User")?;
    expect_eq(&r.json["name"], &json!("User"), "name")?;
    c.get("/ResourceTypes/IdpsimNoSuchType")
        .await?
        .expect_status(404, "GET /ResourceTypes/{unknown}")?;
    Ok(vec![])
}

pub async fn no_message_schemas(c: Ctx) -> CheckResult {
    let r = c.get("/Schemas").await?;
    r.expect_status(200, "GET /Schemas")?;
    let listed: Vec<String> = r.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    if listed
        .iter()
        .any(|id| id.starts_with("urn:ietf:params:scim:api:"))
    {
        return Err(Finding::fail(
            "no-message-schemas",
            "no protocol message schemas in /Schemas",
            format!("{listed:?}"),
        ));
    }
    if !listed.iter().any(|id| id == USER) {
        return Err(Finding::fail(
            "user-schema-listed",
            format!("{USER} among the schemas"),
            format!("{listed:?}"),
        ));
    }
    Ok(vec![])
}

pub async fn attribute_characteristics(c: Ctx) -> CheckResult {
    let r = c.get(&format!("/Schemas/{USER}")).await?;
    r.expect_status(200, "GET /Schemas/{User URN}")?;
    const TYPES: &[&str] = &[
        "string",
        "boolean",
        "decimal",
        "integer",
        "dateTime",
        "binary",
        "reference",
        "complex",
    ];
    const MUT: &[&str] = &["readOnly", "readWrite", "immutable", "writeOnly"];
    const RET: &[&str] = &["always", "never", "default", "request"];
    fn walk(attrs: &[Value], depth: usize) -> Result<(), String> {
        for a in attrs {
            let name = a["name"].as_str().unwrap_or("?");
            let t = a["type"].as_str().unwrap_or("");
            if !TYPES.contains(&t)
                || !MUT.contains(&a["mutability"].as_str().unwrap_or(""))
                || !RET.contains(&a["returned"].as_str().unwrap_or(""))
            {
                return Err(format!(
                    "{name}: type {t:?}, mutability {}, returned {}",
                    a["mutability"], a["returned"]
                ));
            }
            if !a["multiValued"].is_boolean() || !a["required"].is_boolean() {
                return Err(format!("{name}: multiValued/required not booleans"));
            }
            if t == "complex" {
                let subs = a["subAttributes"]
                    .as_array()
                    .ok_or(format!("{name}: complex without subAttributes"))?;
                if depth > 0 {
                    return Err(format!("{name}: complex within complex"));
                }
                walk(subs, depth + 1)?;
            }
        }
        Ok(())
    }
    let attrs = r.json["attributes"].as_array().cloned().unwrap_or_default();
    if attrs.is_empty() {
        return Err(Finding::fail(
            "attributes-listed",
            "a non-empty attributes list",
            clip(&r.text),
        ));
    }
    walk(&attrs, 0).map_err(|e| {
        Finding::fail(
            "characteristics",
            "legal attribute characteristics (RFC 7643 §7)",
            e,
        )
    })?;
    Ok(vec![])
}

pub async fn ignores_query(c: Ctx) -> CheckResult {
    let r = c.get("/Schemas?filter=id%20eq%20%22x%22&count=1").await?;
    let listed = r.json["Resources"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if (r.status == 200 && listed) || r.status == 403 {
        Ok(vec![])
    } else {
        Err(Finding::fail(
            "ignored-or-403",
            "HTTP 200 (parameters ignored) or 403",
            format!("HTTP {}", r.status),
        ))
    }
}
