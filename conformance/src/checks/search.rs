//! POST /.search (RFC 7644 §3.4.3).

use serde_json::json;

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, LIST, clip, expect_eq};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

pub async fn type_search(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c.create_user(json!({"userName": name})).await?;
    let r = c.post("/Users/.search", json!({"schemas": [SEARCH], "filter": format!("userName eq \"{name}\""), "attributes": ["userName"]})).await?;
    r.expect_status(200, "POST /Users/.search")?;
    expect_eq(&r.json["schemas"], &json!([LIST]), "schemas")?;
    expect_eq(&r.json["Resources"][0]["id"], &json!(id), "Resources[0].id")?;
    Ok(vec![])
}

pub async fn search_needs_schema(c: Ctx) -> CheckResult {
    let r = c
        .post("/Users/.search", json!({"filter": "userName pr"}))
        .await?;
    r.expect_status(400, "POST /Users/.search without the SearchRequest schema")?;
    Ok(vec![])
}

pub async fn search_invalid_filter(c: Ctx) -> CheckResult {
    let r = c
        .post(
            "/Users/.search",
            json!({"schemas": [SEARCH], "filter": "userName eq"}),
        )
        .await?;
    r.expect_status(400, "a SearchRequest with a malformed filter")?;
    expect_eq(&r.json["scimType"], &json!("invalidFilter"), "scimType")?;
    Ok(vec![])
}

pub async fn root_search(c: Ctx) -> CheckResult {
    let (uid, _) = c.create_user(json!({})).await?;
    let (gid, _) = c.create_group(&[]).await?;
    let f = format!("id eq \"{uid}\" or id eq \"{gid}\"");
    let r = c
        .post("/.search", json!({"schemas": [SEARCH], "filter": f}))
        .await?;
    if r.status == 400 && r.json["scimType"] == "tooMany" {
        return Ok(vec!["root search refused with tooMany".into()]);
    }
    r.expect_status(200, "POST /.search")?;
    let ids: Vec<&str> = r.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["id"].as_str())
        .collect();
    if !(ids.contains(&uid.as_str()) && ids.contains(&gid.as_str())) {
        return Err(Finding::fail(
            "spans-types",
            "the user and the group",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}
