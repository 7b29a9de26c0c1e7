use serde_json::json;

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, clip, expect_eq};

pub async fn integer_paging(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    let r = c.get("/Users?startIndex=1&count=2").await?;
    r.expect_status(
        200,
        "Okta's connection test GET /Users?startIndex=1&count=2",
    )?;
    for f in ["totalResults", "startIndex", "itemsPerPage"] {
        if !r.json[f].is_u64() {
            return Err(Finding::fail(
                "integer",
                format!("{f} as a JSON integer"),
                clip(&r.json[f].to_string()),
            ));
        }
    }
    Ok(vec![])
}

pub async fn okta_pathless_deactivate(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"active": true})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await?;
    r.expect_patch_ok("Okta's pathless deactivation")?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json["active"],
        &json!(false),
        "active",
    )?;
    Ok(vec![])
}

pub async fn okta_rename_with_id(c: Ctx) -> CheckResult {
    let (gid, _) = c.create_group(&[]).await?;
    let name = c.name("renamed");
    let r = c
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "replace", "value": {"id": gid, "displayName": name}}]),
        )
        .await?;
    r.expect_patch_ok("Okta's name sync with the id inside the value")?;
    expect_eq(
        &c.get(&format!("/Groups/{gid}")).await?.json["displayName"],
        &json!(name),
        "displayName",
    )?;
    Ok(vec![])
}

pub async fn entra_string_bool(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"active": true})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await?;
    r.expect_patch_ok("Entra's Replace active \"False\"")?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json["active"],
        &json!(false),
        "active",
    )?;
    Ok(vec![])
}

pub async fn entra_legacy_removal(c: Ctx) -> CheckResult {
    let (a, _) = c.create_user(json!({})).await?;
    let (b, _) = c.create_user(json!({})).await?;
    let (g, _) = c.create_group(&[&a, &b]).await?;
    let r = c
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": a}]}]),
        )
        .await?;
    r.expect_patch_ok("Entra's Remove members with a value list")?;
    expect_eq(&json!(c.member_ids(&g).await?), &json!([b]), "members")?;
    Ok(vec![])
}

pub async fn entra_parallel_adds(c: Ctx) -> CheckResult {
    let (g, _) = c.create_group(&[]).await?;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(c.create_user(json!({})).await?.0);
    }
    let mut set = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let c = c.clone();
        let g = g.clone();
        set.spawn(async move {
            c.patch(
                &format!("/Groups/{g}"),
                json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]),
            )
            .await
        });
    }
    while let Some(r) = set.join_next().await {
        let r = r.map_err(|e| {
            Finding::fail("patch-completed", "every PATCH to complete", e.to_string())
        })??;
        r.expect_patch_ok("a parallel member PATCH")?;
    }
    ids.sort();
    expect_eq(
        &json!(c.member_ids(&g).await?),
        &json!(ids),
        "members after 12 parallel adds",
    )
    .rule("no-lost-members")?;
    Ok(vec![])
}

pub async fn entra_dotted_keys(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(json!({"name": {"givenName": "A", "familyName": "B"}}))
        .await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"name.givenName": "Kkom",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}]),
        )
        .await?;
    r.expect_patch_ok("a pathless replace with dotted keys")?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &g.json["name"]["givenName"],
        &json!("Kkom"),
        "name.givenName",
    )?;
    expect_eq(
        &g.json["name"]["familyName"],
        &json!("B"),
        "name.familyName",
    )?;
    expect_eq(
        &g.json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        &json!("Aklq"),
        "enterprise employeeNumber",
    )?;
    Ok(vec![])
}
