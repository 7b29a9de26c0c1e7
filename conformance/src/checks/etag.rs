use idpsim_simulator::client::{Method, Request};
use serde_json::json;

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, PATCH_OP, expect_eq};

pub async fn header(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c.get(&format!("/Users/{id}")).await?;
    let tag = r
        .header("etag")
        .ok_or_else(|| Finding::fail("etag-header", "an ETag header", "none"))?;
    expect_eq(&json!(tag), &r.json["meta"]["version"], "ETag")?;
    Ok(vec![])
}

pub async fn if_match(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"title": "Before"})).await?;
    let req = Request {
        method: Method::PATCH,
        path: format!("/Users/{id}"),
        headers: vec![
            ("Content-Type".into(), "application/scim+json".into()),
            ("If-Match".into(), "W/\"idpsim-stale\"".into()),
        ],
        body: Some(
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "After"}]}),
        ),
    };
    let r = c.send_request(&req).await?;
    r.expect_status(412, "PATCH with a stale If-Match")?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &g.json["title"],
        &json!("Before"),
        "title after the refused PATCH",
    )
    .rule("unchanged")?;
    Ok(vec![])
}
