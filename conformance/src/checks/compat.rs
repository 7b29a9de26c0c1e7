use serde_json::json;

use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, ENTERPRISE, clip, expect_before, expect_eq};
use crate::declared::Attribute;

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
    active_before(&c, &id, true).await?;
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

/// A deactivation proves nothing of a user that was never active.
async fn active_before(c: &Ctx, id: &str, want: bool) -> Result<(), Finding> {
    let r = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&r.json["active"], &json!(want), "active")
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
    active_before(&c, &id, true).await?;
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
    c.members_before(&g, &[&a, &b]).await?;
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
    // Entra sends the enterprise employeeNumber this way; an extension
    // attribute the server declares stands in, and without one only the
    // dotted key is sent (Entra maps no attribute the server lacks).
    let employee_number = format!("{ENTERPRISE}:employeeNumber");
    let urn_key = if c
        .caps
        .declared
        .user_attribute(&employee_number)
        .is_some_and(Attribute::is_plain_string)
    {
        Some((ENTERPRISE.to_owned(), "employeeNumber".to_owned()))
    } else {
        c.caps.declared.extension_string()
    };
    let (id, _) = c
        .create_user(json!({"name": {"givenName": "A", "familyName": "B"}}))
        .await?;
    let mut value = json!({"name.givenName": "Kkom"});
    if let Some((urn, attr)) = &urn_key {
        value[format!("{urn}:{attr}")] = "Aklq".into();
    }
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": value}]),
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
    let Some((urn, attr)) = urn_key else {
        return Ok(vec![
            "no URN key sent: the server's User resource type declares no extension with a plain string attribute".into(),
        ]);
    };
    expect_eq(
        &g.json[&urn][&attr],
        &json!("Aklq"),
        &if urn == ENTERPRISE {
            format!("enterprise {attr}")
        } else {
            format!("extension {attr}")
        },
    )?;
    Ok(vec![])
}
