//! Resource representation and create rules (SCIM-CHECKS.md §5 C, D).

use serde_json::json;

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, GROUP, USER, clip, expect_eq};

pub async fn schemas_listed(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c.get(&format!("/Users/{id}")).await?;
    let ok = r.json["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x == USER));
    if !ok {
        return Err(Finding::fail(
            "core-schema-listed",
            format!("schemas containing {USER}"),
            clip(&r.json["schemas"].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn meta_resource_type(c: Ctx) -> CheckResult {
    let (gid, g) = c.create_group(&[]).await?;
    expect_eq(
        &g.json["meta"]["resourceType"],
        &json!("Group"),
        "POST /Groups meta.resourceType",
    )
    .rule("resource-type")?;
    let r = c.get(&format!("/Groups/{gid}")).await?;
    expect_eq(
        &r.json["meta"]["resourceType"],
        &json!("Group"),
        "GET /Groups/{id} meta.resourceType",
    )
    .rule("resource-type")?;
    Ok(vec![])
}

fn is_datetime(v: &serde_json::Value) -> bool {
    v.as_str().is_some_and(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
    })
}

pub async fn meta_dates(c: Ctx) -> CheckResult {
    let (_, r) = c.create_user(json!({})).await?;
    let (created, modified) = (&r.json["meta"]["created"], &r.json["meta"]["lastModified"]);
    if !is_datetime(created) || !is_datetime(modified) {
        return Err(Finding::fail(
            "datetime",
            "meta.created and meta.lastModified as xsd:dateTime with a time zone",
            clip(&r.json["meta"].to_string()),
        ));
    }
    expect_eq(modified, created, "meta.lastModified of a new resource")?;
    Ok(vec![])
}

pub async fn meta_ignored(c: Ctx) -> CheckResult {
    let (_, r) = c
        .create_user(json!({"meta": {"created": "1999-01-01T00:00:00Z", "resourceType": "Group"}}))
        .await?;
    if r.json["meta"]["created"] == "1999-01-01T00:00:00Z"
        || r.json["meta"]["resourceType"] != "User"
    {
        return Err(Finding::fail(
            "server-meta",
            "meta set by the server, the client's ignored",
            clip(&r.json["meta"].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn names_case_insensitive(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let r = c
        .post(
            "/Users",
            json!({"SCHEMAS": [USER], "USERNAME": name, "Name": {"GivenName": "Ann"}}),
        )
        .await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(201, "POST with upper-case attribute names")?;
    let g = c.get(&format!("/Users/{}", r.id("POST /Users")?)).await?;
    expect_eq(&g.json["userName"], &json!(name), "userName")?;
    expect_eq(
        &g.json["name"]["givenName"],
        &json!("Ann"),
        "name.givenName",
    )?;
    Ok(vec![])
}

pub async fn extension_object(c: Ctx) -> CheckResult {
    let (urn, attr) = c.extension_string()?;
    let (id, _) = c
        .create_user(json!({"schemas": [USER, urn], urn.clone(): {attr.clone(): "Tours"}}))
        .await?;
    let r = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &r.json[&urn][&attr],
        &json!("Tours"),
        &format!("the extension's {attr} inside its URN object"),
    )
    .rule("inside-urn-object")?;
    if r.json.get(&attr).is_some() {
        return Err(Finding::fail(
            "no-top-level",
            format!("no top-level {attr}"),
            format!("a top-level {attr}"),
        ));
    }
    Ok(vec![])
}

pub async fn external_id_exact(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"externalId": "AbC-00u1X"})).await?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json["externalId"],
        &json!("AbC-00u1X"),
        "externalId",
    )?;
    Ok(vec![])
}

pub async fn missing_required_400(c: Ctx) -> CheckResult {
    let r = c
        .post(
            "/Users",
            json!({"schemas": [USER], "displayName": "No Name"}),
        )
        .await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(400, "POST /Users without userName")?;
    Ok(vec![])
}

pub async fn wrong_schema_400(c: Ctx) -> CheckResult {
    let r = c
        .post(
            "/Users",
            json!({"schemas": [GROUP], "userName": c.user_name()}),
        )
        .await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(400, "POST /Users whose schemas name only the Group schema")?;
    Ok(vec![])
}

pub async fn read_only_ignored(c: Ctx) -> CheckResult {
    let r = c.post("/Users", json!({"schemas": [USER], "userName": c.user_name(), "groups": [], "meta": {"resourceType": "User"}})).await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(
        201,
        "POST with read-only groups and meta (as Okta and Entra send)",
    )?;
    Ok(vec![])
}
