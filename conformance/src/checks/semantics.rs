//! More of the catalogue: representation details, filters, PUT, PATCH,
//! delete, Bulk and /Me (SCIM-CHECKS.md §5 C, E, F, G, K, L, M, N, O).

use idpsim_simulator::client::Method;
use idpsim_simulator::idp::encode;
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, GROUP, PATCH_OP, USER, clip, expect_before, expect_eq};

pub async fn ids_unique_across_types(c: Ctx) -> CheckResult {
    let (uid, _) = c.create_user(json!({})).await?;
    c.get(&format!("/Groups/{uid}"))
        .await?
        .expect_status(404, "GET /Groups/{a user's id}")?;
    if uid.contains("bulkId") {
        return Err(Finding::fail(
            "no-bulkid-text",
            "an id without the text bulkId",
            uid,
        ));
    }
    Ok(vec![])
}

pub async fn empty_list_is_unassigned(c: Ctx) -> CheckResult {
    let n = c.strings(1, &["nickName"])?[0];
    let (id, r) = c.create_user(json!({"emails": [], n: null})).await?;
    for body in [&r.json, &c.get(&format!("/Users/{id}")).await?.json] {
        let emails_ok = body
            .get("emails")
            .is_none_or(|e| e.as_array().is_some_and(Vec::is_empty));
        if !emails_ok || body.get(n).is_some_and(|v| !v.is_null()) {
            return Err(Finding::fail(
                "unassigned",
                format!("emails: [] and {n}: null stored as unassigned"),
                clip(&body.to_string()),
            ));
        }
    }
    Ok(vec![])
}

pub async fn password_not_in_lists(c: Ctx) -> CheckResult {
    let name = c.user_name();
    c.create_user(json!({"userName": name, "password": "Idpsim-Secret-1!"}))
        .await?;
    let r = c
        .get(&format!(
            "/Users?filter={}",
            encode(&format!("userName eq \"{name}\""))
        ))
        .await?;
    if r.text.contains("Idpsim-Secret-1!") || r.json["Resources"][0].get("password").is_some() {
        return Err(Finding::fail(
            "no-password",
            "no password in list results",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}

pub async fn id_always_returned(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c.get(&format!("/Users/{id}?attributes=userName")).await?;
    expect_eq(&r.json["id"], &json!(id), "id with attributes=userName").rule("id-returned")?;
    Ok(vec![])
}

pub async fn member_ref_resolves(c: Ctx) -> CheckResult {
    let (uid, _) = c.create_user(json!({})).await?;
    let (gid, _) = c.create_group(&[&uid]).await?;
    let g = c.get(&format!("/Groups/{gid}")).await?;
    let Some(href) = g.json["members"][0]["$ref"].as_str() else {
        return Ok(vec!["members carry no $ref (optional)".into()]);
    };
    let base = c.client.config().base_url.clone();
    let path = href.strip_prefix(&base).ok_or_else(|| {
        Finding::fail(
            "ref-under-base",
            format!("a $ref under {base}"),
            href.to_owned(),
        )
    })?;
    c.get(path)
        .await?
        .expect_status(200, "GET of a member's $ref")?;
    Ok(vec![])
}

pub async fn create_answer_is_stored(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, r) = c
        .create_user(json!({a: "Guide", "name": {"givenName": "A"}}))
        .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    for k in ["userName", a, "name", "meta"] {
        expect_eq(
            &r.json[k],
            &g.json[k],
            &format!("{k} in the POST answer against GET"),
        )
        .rule("answer-equals-get")?;
    }
    Ok(vec![])
}

pub async fn sub_attribute_projection(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(json!({"name": {"givenName": "Ann", "familyName": "Lee"}}))
        .await?;
    // familyName is judged left out: it must be there to be left out.
    let full = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(
        &full.json["name"]["familyName"],
        &json!("Lee"),
        "name.familyName",
    )?;
    let r = c
        .get(&format!("/Users/{id}?attributes=name.givenName"))
        .await?;
    expect_eq(
        &r.json["name"],
        &json!({"givenName": "Ann"}),
        "name with attributes=name.givenName",
    )
    .rule("sub-attribute-only")?;
    Ok(vec![])
}

pub async fn paging_fields_present(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    c.create_user(json!({})).await?;
    let r = c.get("/Users?startIndex=1&count=1").await?;
    if !r.json["startIndex"].is_u64() || !r.json["itemsPerPage"].is_u64() {
        return Err(Finding::fail(
            "paging-fields",
            "startIndex and itemsPerPage on a partial page",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}

pub async fn boolean_ordering_400(c: Ctx) -> CheckResult {
    let r = c
        .get(&format!("/Users?filter={}", encode("active gt true")))
        .await?;
    r.expect_status(400, "an ordering operator on a boolean")?;
    expect_eq(&r.json["scimType"], &json!("invalidFilter"), "scimType")?;
    Ok(vec![])
}

pub async fn operator_case(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c.create_user(json!({"userName": name})).await?;
    // One variation a query, so a failure names the one not honoured.
    for (rule, filter) in [
        ("operator-case", format!("userName EQ \"{name}\"")),
        ("attribute-case", format!("USERNAME eq \"{name}\"")),
    ] {
        let r = c.get(&format!("/Users?filter={}", encode(&filter))).await?;
        r.expect_status(200, &filter).rule(rule)?;
        expect_eq(&r.json["Resources"][0]["id"], &json!(id), &filter).rule(rule)?;
    }
    Ok(vec![])
}

pub async fn escaped_values(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let value = format!("{} \"quoted\" \\ back", c.name("esc"));
    let (id, _) = c.create_user(json!({a: value})).await?;
    let literal = serde_json::to_string(&value).expect("strings serialise");
    let r = c
        .get(&format!(
            "/Users?filter={}",
            encode(&format!("{a} eq {literal}"))
        ))
        .await?;
    r.expect_status(200, "a filter with escaped quotes and backslashes")?;
    expect_eq(&r.json["Resources"][0]["id"], &json!(id), "Resources[0].id")?;
    Ok(vec![])
}

pub async fn group_by_member(c: Ctx) -> CheckResult {
    let (uid, _) = c.create_user(json!({})).await?;
    let (gid, _) = c.create_group(&[&uid]).await?;
    for f in [
        format!("members[value eq \"{uid}\"]"),
        format!("members.value eq \"{uid}\""),
    ] {
        let r = c.get(&format!("/Groups?filter={}", encode(&f))).await?;
        r.expect_status(200, &f)?;
        let ids: Vec<&str> = r.json["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["id"].as_str())
            .collect();
        if ids != [gid.as_str()] {
            return Err(Finding::fail(
                "found-by-member",
                format!("{f} → [{gid}]"),
                format!("{ids:?}"),
            ));
        }
    }
    Ok(vec![])
}

pub async fn sub_attribute_filter(c: Ctx) -> CheckResult {
    let stem = c.name("fam");
    let (id, _) = c
        .create_user(json!({"name": {"familyName": format!("{stem}son")}}))
        .await?;
    let r = c
        .get(&format!(
            "/Users?filter={}",
            encode(&format!("name.familyName sw \"{stem}\""))
        ))
        .await?;
    expect_eq(
        &r.json["Resources"][0]["id"],
        &json!(id),
        "name.familyName sw",
    )?;
    expect_eq(&r.json["totalResults"], &json!(1), "totalResults")?;
    Ok(vec![])
}

pub async fn put_read_only_ignored(c: Ctx) -> CheckResult {
    let (id, r) = c.create_user(json!({})).await?;
    let body = json!({"schemas": [USER], "id": "idpsim-other-id", "userName": r.json["userName"], "meta": {"created": "1999-01-01T00:00:00Z"}});
    let p = c
        .send(Method::PUT, &format!("/Users/{id}"), Some(body))
        .await?;
    p.expect_status(200, "PUT with a different id and meta")?;
    expect_eq(&p.json["id"], &json!(id), "id after PUT")?;
    if p.json["meta"]["created"] == "1999-01-01T00:00:00Z" {
        return Err(Finding::fail(
            "server-meta",
            "meta.created kept by the server",
            "the client's value",
        ));
    }
    Ok(vec![])
}

pub async fn put_missing_required(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], a: "x"})),
        )
        .await?;
    r.expect_status(400, "PUT without userName")?;
    Ok(vec![])
}

pub async fn patch_empty_operations(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    c.send(
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(json!({"schemas": [PATCH_OP], "Operations": []})),
    )
    .await?
    .expect_status(400, "an empty Operations list")?;
    Ok(vec![])
}

pub async fn patch_unknown_op(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    c.patch(
        &format!("/Users/{id}"),
        json!([{"op": "move", "path": a, "value": "x"}]),
    )
    .await?
    .expect_status(400, "op move")?;
    Ok(vec![])
}

pub async fn patch_add_pathless(c: Ctx) -> CheckResult {
    let s = c.strings(2, &["title", "nickName"])?;
    let (kept, added) = (s[0], s[1]);
    let (id, _) = c.create_user(json!({kept: "T"})).await?;
    // Judged untouched below: it must be there to begin with.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[kept], &json!("T"), kept)?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "add", "value": {added: "Nick", "name": {"givenName": "G"}}}]),
        "add without path",
    )
    .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(&g.json[added], &json!("Nick"), added)?;
    expect_eq(&g.json[kept], &json!("T"), &format!("{kept} (untouched)"))?;
    Ok(vec![])
}

pub async fn patch_noop_keeps_last_modified(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Same"})).await?;
    // The add changes nothing only if the value is there already.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[a], &json!("Same"), a)?;
    let before = before.json["meta"]["lastModified"].clone();
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "add", "path": a, "value": "Same"}]),
        "an add that changes nothing",
    )
    .await?;
    let after = c.get(&format!("/Users/{id}")).await?.json["meta"]["lastModified"].clone();
    if before != after {
        return Err(Finding::fail(
            "last-modified-kept",
            format!("meta.lastModified still {before} after a no-op"),
            format!("{after}"),
        ));
    }
    Ok(vec![])
}

pub async fn patch_replace_unset(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["nickName"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": a, "value": "Nick"}]),
        "replace of an unset attribute",
    )
    .await?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json[a],
        &json!("Nick"),
        a,
    )?;
    Ok(vec![])
}

pub async fn patch_remove_all_values(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"emails": [{"value": "a@x.example", "type": "work"}, {"value": "b@x.example", "type": "home"}]})).await?;
    // "No emails" after the remove proves nothing unless there were some.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(
        &json!(before.json["emails"].as_array().map_or(0, Vec::len)),
        &json!(2),
        "number of emails",
    )?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "remove", "path": "emails"}]),
        "remove emails",
    )
    .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    if g.json
        .get("emails")
        .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
    {
        return Err(Finding::fail(
            "emptied",
            "no emails",
            clip(&g.json["emails"].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn patch_remove_required(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "remove", "path": "userName"}]),
        )
        .await?;
    r.expect_status(400, "remove of the required userName")?;
    Ok(vec![])
}

pub async fn patch_with_attributes(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}?attributes={a}"),
            json!([{"op": "add", "path": a, "value": "T"}]),
        )
        .await?;
    r.expect_status(200, &format!("PATCH with attributes={a}"))?;
    expect_eq(&r.json[a], &json!("T"), &format!("{a} in the answer"))?;
    Ok(vec![])
}

pub async fn patch_malformed_path(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
        )
        .await?;
    r.expect_status(400, "a malformed path")?;
    expect_eq(&r.json["scimType"], &json!("invalidPath"), "scimType")?;
    Ok(vec![])
}

pub async fn patch_null_clears(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["nickName"])?[0];
    let (id, _) = c.create_user(json!({a: "Nick"})).await?;
    // Cleared proves nothing of a value that was never stored.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[a], &json!("Nick"), a)?;
    c.patch_ok(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": a, "value": null}]),
        "replace with null",
    )
    .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    if g.json.get(a).is_some_and(|n| !n.is_null()) {
        return Err(Finding::fail(
            "cleared",
            format!("{a} cleared"),
            clip(&g.json[a].to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn patch_many_members(c: Ctx) -> CheckResult {
    let (gid, _) = c.create_group(&[]).await?;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(c.create_user(json!({})).await?.0);
    }
    let value: Vec<Value> = ids.iter().map(|i| json!({"value": i})).collect();
    c.patch_ok(
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": value}]),
        "one PATCH adding 5 members",
    )
    .await?;
    ids.sort();
    expect_eq(&json!(c.member_ids(&gid).await?), &json!(ids), "members")?;
    Ok(vec![])
}

pub async fn recreate_after_delete(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c.create_user(json!({"userName": name})).await?;
    c.send(Method::DELETE, &format!("/Users/{id}"), None)
        .await?
        .expect_status(204, "DELETE")?;
    // Not `create_user`: the second create is the subject.
    let again = c
        .post("/Users", json!({"schemas": [USER], "userName": name}))
        .await?;
    if let Ok(id) = again.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    again
        .expect_status(201, "POST of the deleted userName")
        .rule("recreated")?;
    Ok(vec![])
}

pub async fn delete_drops_membership(c: Ctx) -> CheckResult {
    let (a, _) = c.create_user(json!({})).await?;
    let (b, _) = c.create_user(json!({})).await?;
    let (gid, _) = c.create_group(&[&a, &b]).await?;
    // Dropped proves nothing of a member the group never held.
    c.members_before(&gid, &[&a, &b]).await?;
    c.send(Method::DELETE, &format!("/Users/{a}"), None)
        .await?
        .expect_status(204, "DELETE a member")?;
    expect_eq(
        &json!(c.member_ids(&gid).await?),
        &json!([b]),
        "members after deleting one",
    )
    .rule("membership-dropped")?;
    Ok(vec![])
}

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub async fn bulk_response_shape(c: Ctx) -> CheckResult {
    let r = c
        .post("/Bulk", json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER], "userName": c.user_name()}},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": [USER]}}
        ]}))
        .await?;
    r.expect_status(200, "POST /Bulk")?;
    expect_eq(
        &r.json["schemas"],
        &json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]),
        "schemas",
    )?;
    let ops = r.json["Operations"].as_array().cloned().unwrap_or_default();
    if let Some(loc) = ops
        .iter()
        .find(|o| o["bulkId"] == "a")
        .and_then(|o| o["location"].as_str())
    {
        c.created(format!(
            "/Users/{}",
            loc.rsplit('/').next().unwrap_or_default()
        ))
        .await;
    }
    if ops.len() != 2 {
        return Err(Finding::fail(
            "all-results",
            "2 results: a failure does not stop the job",
            clip(&r.text),
        ));
    }
    for o in &ops {
        if o["method"].as_str().is_none() || !o["status"].is_string() {
            return Err(Finding::fail(
                "result-shape",
                "method and a string status in every result",
                clip(&o.to_string()),
            ));
        }
    }
    let failed = ops
        .iter()
        .find(|o| o["bulkId"] == "b")
        .cloned()
        .unwrap_or_default();
    if !failed["status"]
        .as_str()
        .is_some_and(|s| s.starts_with('4'))
        || failed["response"]["schemas"][0] != "urn:ietf:params:scim:api:messages:2.0:Error"
    {
        return Err(Finding::fail(
            "error-response",
            "the invalid POST failed with a SCIM Error in response",
            clip(&failed.to_string()),
        ));
    }
    Ok(vec![])
}

pub async fn bulk_circular(c: Ctx) -> CheckResult {
    let (a, b) = (c.name("cyc-a"), c.name("cyc-b"));
    let r = c
        .post("/Bulk", json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "x", "data": {"schemas": [GROUP], "displayName": a, "members": [{"value": "bulkId:y"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "y", "data": {"schemas": [GROUP], "displayName": b, "members": [{"value": "bulkId:x"}]}}
        ]}))
        .await?;
    r.expect_status(200, "POST /Bulk with a cycle")?;
    let ops = r.json["Operations"].as_array().cloned().unwrap_or_default();
    for o in &ops {
        if let Some(loc) = o["location"].as_str() {
            c.created(format!(
                "/Groups/{}",
                loc.rsplit('/').next().unwrap_or_default()
            ))
            .await;
        }
    }
    let resolved = ops.len() == 2 && ops.iter().all(|o| o["status"] == "201");
    let refused = ops.iter().any(|o| o["status"] == "409");
    if refused {
        return Ok(vec!["the cycle was refused with 409".into()]);
    }
    if !resolved {
        return Err(Finding::fail(
            "resolved-or-409",
            "both resolved, or 409",
            clip(&r.text),
        ));
    }
    // 201 twice is only a resolution if each group now holds the other.
    let id_of = |bid: &str| {
        ops.iter()
            .find(|o| o["bulkId"] == bid)
            .and_then(|o| o["location"].as_str())
            .map(|l| l.rsplit('/').next().unwrap_or_default().to_owned())
    };
    let (Some(x), Some(y)) = (id_of("x"), id_of("y")) else {
        return Err(Finding::fail(
            "references-resolved",
            "a location for bulkIds x and y",
            clip(&r.text),
        ));
    };
    for (group, member) in [(&x, &y), (&y, &x)] {
        expect_eq(
            &json!(c.member_ids(group).await?),
            &json!([member]),
            "members of a group created in the cycle",
        )
        .rule("references-resolved")?;
    }
    Ok(vec![])
}

pub async fn me_501_or_200(c: Ctx) -> CheckResult {
    let r = c.get("/Me").await?;
    let is_user = r.json["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x == USER));
    if r.status == 501 || (r.status == 200 && is_user) {
        Ok(vec![])
    } else {
        Err(Finding::fail(
            "status",
            "HTTP 200 or, when unsupported, 501",
            format!("HTTP {}", r.status),
        ))
    }
}

pub async fn wrong_token_401(c: Ctx) -> CheckResult {
    let req = idpsim_simulator::client::Request {
        method: Method::GET,
        path: "/Users?count=1".into(),
        headers: vec![("Authorization".into(), "Bearer idpsim-wrong-token".into())],
        body: None,
    };
    let r = c
        .anon
        .send(&req)
        .await
        .map_err(|e| Finding::fail("answer", "an answer", e.to_string()))?;
    if r.status != 401 {
        return Err(Finding::fail(
            "status",
            "HTTP 401 for a wrong token",
            format!("HTTP {}", r.status),
        ));
    }
    Ok(vec![])
}

pub async fn etag_changes(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, r) = c.create_user(json!({})).await?;
    let before = r.json["meta"]["version"].clone();
    if c.patch_advertised() {
        c.patch_ok(
            &format!("/Users/{id}"),
            json!([{"op": "add", "path": a, "value": "New"}]),
            "a change",
        )
        .await?;
    } else {
        // The version must change with any change; without PATCH, a PUT.
        let mut put = r.json.clone();
        put[a] = "New".into();
        c.send(Method::PUT, &format!("/Users/{id}"), Some(put))
            .await?
            .expect_status(200, "a change by PUT")?;
    }
    let after = c.get(&format!("/Users/{id}")).await?.json["meta"]["version"].clone();
    if before == after || after.is_null() {
        return Err(Finding::fail(
            "version-changes",
            "a new meta.version after a change",
            format!("{before} then {after}"),
        ));
    }
    Ok(vec![])
}
