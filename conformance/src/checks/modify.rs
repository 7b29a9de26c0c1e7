//! PUT, more PATCH, If-None-Match and Bulk rules (SCIM-CHECKS.md §5 K, L, N).

use idpsim_simulator::client::{Method, Request};
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, PATCH_OP, USER, clip, expect_before, expect_eq};

pub async fn put_replaces(c: Ctx) -> CheckResult {
    let s = c.strings(2, &["title", "nickName"])?;
    let (kept, left_out) = (s[0], s[1]);
    let (id, r) = c
        .create_user(json!({kept: "Before", left_out: "Nick"}))
        .await?;
    // Gone after the PUT proves nothing unless there before it.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[left_out], &json!("Nick"), left_out)?;
    let name = r.json["userName"].clone();
    let p = c
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], "userName": name, kept: "After"})),
        )
        .await?;
    p.expect_status(200, "PUT /Users/{id}")?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(&g.json[kept], &json!("After"), &format!("{kept} after PUT")).rule("replaced")?;
    // A replace, not a merge: what the PUT left out is gone.
    if g.json.get(left_out).is_some_and(|n| !n.is_null()) {
        return Err(Finding::fail(
            "omitted-cleared",
            format!("no {left_out} after a PUT without it"),
            clip(&g.json[left_out].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn put_unknown_404(c: Ctx) -> CheckResult {
    let r = c
        .send(
            Method::PUT,
            "/Users/idpsim-no-such-user",
            Some(json!({"schemas": [USER], "userName": c.user_name()})),
        )
        .await?;
    r.expect_status(404, "PUT on an unknown id")?;
    Ok(vec![])
}

pub async fn okta_get_put_echo(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Before"})).await?;
    let mut body = c.get(&format!("/Users/{id}")).await?.json;
    body[a] = "After".into();
    body["groups"] = json!([]);
    let r = c
        .send(Method::PUT, &format!("/Users/{id}"), Some(body))
        .await?;
    r.expect_status(
        200,
        "Okta's PUT of the GET body (with id, meta, groups) and one change",
    )?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json[a],
        &json!("After"),
        a,
    )?;
    Ok(vec![])
}

pub async fn add_appends(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(json!({"emails": [{"value": "a@work.example", "type": "work"}]}))
        .await?;
    let count = |v: &Value| json!(v["emails"].as_array().map_or(0, Vec::len));
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&count(&before.json), &json!(1), "number of emails")?;
    c.patch_ok(&format!("/Users/{id}"), json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.example", "type": "home"}]}]), "PATCH add emails").await?;
    let n = count(&c.get(&format!("/Users/{id}")).await?.json);
    if n != 2 {
        return Err(Finding::fail(
            "appended",
            "2 emails after add",
            format!("{n}"),
        ));
    }
    Ok(vec![])
}

pub async fn replace_value_path(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(json!({"emails": [{"value": "a@work.example", "type": "work"}, {"value": "a@home.example", "type": "home"}]}))
        .await?;
    // The home email is judged unchanged: it must be there to begin with.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(
        &json!(before.json["emails"].as_array().map_or(0, Vec::len)),
        &json!(2),
        "number of emails",
    )?;
    c.patch_ok(&format!("/Users/{id}"), json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}]), "PATCH replace emails[type eq work].value").await?;
    let emails = c.get(&format!("/Users/{id}")).await?.json["emails"].clone();
    let find = |t: &str| {
        emails
            .as_array()
            .and_then(|a| a.iter().find(|e| e["type"] == t))
            .map(|e| e["value"].clone())
    };
    expect_eq(
        &find("work").unwrap_or_default(),
        &json!("new@work.example"),
        "the work email",
    )?;
    expect_eq(
        &find("home").unwrap_or_default(),
        &json!("a@home.example"),
        "the home email",
    )?;
    Ok(vec![])
}

pub async fn remove_single(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Guide"})).await?;
    // A server that never stored it would pass without removing anything.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[a], &json!("Guide"), a)?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "remove", "path": a}]),
        &format!("PATCH remove {a}"),
    )
    .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    if g.json.get(a).is_some_and(|t| !t.is_null()) {
        return Err(Finding::fail(
            "removed",
            format!("no {a}"),
            clip(&g.json[a].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn read_only_400(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "id", "value": "idpsim-other"}]),
        )
        .await?;
    r.expect_status(400, "PATCH replace of the read-only id")?;
    expect_eq(&r.json["scimType"], &json!("mutability"), "scimType")?;
    Ok(vec![])
}

pub async fn schema_required(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .send(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "path": a, "value": "x"}]})),
        )
        .await?;
    r.expect_status(400, "a PATCH body without the PatchOp schema")?;
    Ok(vec![])
}

pub async fn primary_unique(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(
            json!({"emails": [{"value": "a@work.example", "type": "work", "primary": true}]}),
        )
        .await?;
    c.patch_ok(&format!("/Users/{id}"), json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.example", "type": "home", "primary": true}]}]), "PATCH add a primary email").await?;
    let emails = c.get(&format!("/Users/{id}")).await?.json["emails"].clone();
    let primaries = emails
        .as_array()
        .map_or(0, |a| a.iter().filter(|e| e["primary"] == true).count());
    if primaries != 1 {
        return Err(Finding::fail(
            "one-primary",
            "exactly one primary email",
            clip(&emails.to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn extension_path(c: Ctx) -> CheckResult {
    let (urn, attr) = c.extension_string()?;
    let (id, _) = c.create_user(json!({})).await?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "add", "path": format!("{urn}:{attr}"), "value": "701984"}]),
        "PATCH add a URN path",
    )
    .await?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json[&urn][&attr],
        &json!("701984"),
        &attr,
    )?;
    Ok(vec![])
}

pub async fn unknown_404(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let r = c
        .patch(
            "/Users/idpsim-no-such-user",
            json!([{"op": "replace", "path": a, "value": "x"}]),
        )
        .await?;
    r.expect_status(404, "PATCH on an unknown id")?;
    Ok(vec![])
}

pub async fn add_without_value(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    c.patch(&format!("/Users/{id}"), json!([{"op": "add", "path": a}]))
        .await?
        .expect_status(400, "add without a value")?;
    Ok(vec![])
}

pub async fn if_none_match(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c.get(&format!("/Users/{id}")).await?;
    let tag = r
        .header("etag")
        .ok_or_else(|| Finding::fail("etag-header", "an ETag", "none"))?
        .to_owned();
    let req = Request {
        method: Method::GET,
        path: format!("/Users/{id}"),
        headers: vec![("If-None-Match".into(), tag)],
        body: None,
    };
    c.send_request(&req)
        .await?
        .expect_status(304, "GET with the current ETag in If-None-Match")?;
    let _ = PATCH_OP;
    Ok(vec![])
}

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub async fn bulk_fail_on_errors(c: Ctx) -> CheckResult {
    let r = c
        .post(
            "/Bulk",
            json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [
                {"method": "DELETE", "path": "/Users/idpsim-none-1"},
                {"method": "DELETE", "path": "/Users/idpsim-none-2"}
            ]}),
        )
        .await?;
    r.expect_status(200, "POST /Bulk with failOnErrors 1")?;
    let n = r.json["Operations"].as_array().map_or(0, Vec::len);
    if n != 1 {
        return Err(Finding::fail(
            "stops-after-errors",
            "1 result: processing stops after the first error",
            format!("{n} results"),
        ));
    }
    Ok(vec![])
}

pub async fn bulk_post_needs_bulk_id(c: Ctx) -> CheckResult {
    let r = c
        .post("/Bulk", json!({"schemas": [BULK], "Operations": [{"method": "POST", "path": "/Users", "data": {"schemas": [USER], "userName": c.user_name()}}]}))
        .await?;
    r.expect_status(200, "POST /Bulk")?;
    if r.json["Operations"].as_array().map_or(0, Vec::len) != 1 {
        return Err(Finding::fail(
            "one-result",
            "a BulkResponse with one result",
            clip(&r.text),
        ));
    }
    let op = &r.json["Operations"][0];
    if let Some(loc) = op["location"].as_str() {
        c.created(format!(
            "/Users/{}",
            loc.rsplit('/').next().unwrap_or_default()
        ))
        .await;
    }
    if op["status"].as_str().is_some_and(|s| s.starts_with('2')) {
        return Err(Finding::fail(
            "refused",
            "the POST without bulkId refused",
            clip(&op.to_string()),
        ));
    }
    Ok(vec![])
}
