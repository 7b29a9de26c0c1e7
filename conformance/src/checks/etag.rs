use idpsim_simulator::client::{Method, Request};
use serde_json::json;

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, PATCH_OP, expect_before, expect_eq};

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
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Before"})).await?;
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[a], &json!("Before"), a)?;
    // If-Match guards any modification; a server without PATCH gets a PUT.
    let (method, body) = if c.patch_advertised() {
        (
            Method::PATCH,
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": a, "value": "After"}]}),
        )
    } else {
        let mut put = before.json.clone();
        put[a] = "After".into();
        (Method::PUT, put)
    };
    let req = Request {
        method,
        path: format!("/Users/{id}"),
        headers: vec![
            ("Content-Type".into(), "application/scim+json".into()),
            ("If-Match".into(), "W/\"idpsim-stale\"".into()),
        ],
        body: Some(body),
    };
    let r = c.send_request(&req).await?;
    r.expect_status(412, &format!("{:?} with a stale If-Match", req.method))?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &g.json[a],
        &json!("Before"),
        &format!("{a} after the refused change"),
    )
    .rule("unchanged")?;
    Ok(vec![])
}
