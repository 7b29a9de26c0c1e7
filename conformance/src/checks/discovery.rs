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
                format!("{f}.supported as a boolean"),
                clip(&r.json[f].to_string()),
            ));
        }
    }
    if !r.json["authenticationSchemes"].is_array() {
        return Err(Finding::fail(
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
    if r.status == 200 && is_spc {
        Ok(vec![])
    } else if r.status == 200 {
        Err(Finding::fail(
            "the ServiceProviderConfig document",
            clip(&r.text),
        ))
    } else {
        Err(Finding::Warn {
            message: format!(
                "without credentials the ServiceProviderConfig answers HTTP {}",
                r.status
            ),
        })
    }
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
        let t = types
            .iter()
            .find(|t| t["name"] == want)
            .ok_or_else(|| Finding::fail(format!("a {want} resource type"), clip(&r.text)))?;
        let schema = t["schema"].as_str().unwrap_or_default();
        if t["endpoint"].as_str().is_none() || !ids.contains(&schema) {
            return Err(Finding::fail(
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
