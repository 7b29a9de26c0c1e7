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

/// Okta's import asks for 100 and then for `startIndex + 100`, whatever the
/// page held (IDP-ENGINES O27): a first page shorter than 100 while more
/// exist loses the rest from every Okta import. Creates users until there
/// are more than 100.
pub async fn okta_full_pages(c: Ctx) -> CheckResult {
    let r = c.get("/Users?startIndex=1&count=1").await?;
    r.expect_status(200, "GET /Users?startIndex=1&count=1")?;
    let before = r.json["totalResults"].as_u64().unwrap_or(0);
    for _ in before..101 {
        c.create_user(json!({})).await?;
    }
    let r = c.get("/Users?startIndex=1&count=100").await?;
    r.expect_status(200, "Okta's import GET /Users?startIndex=1&count=100")?;
    let total = r.json["totalResults"].as_u64().unwrap_or(0);
    let n = r.json["Resources"].as_array().map_or(0, Vec::len) as u64;
    if n < total.min(100) {
        return Err(Finding::fail(
            "page-size",
            format!(
                "{} resources on the first page of 100: real Okta next asks for startIndex=101 whatever the page held, so resources {}-100 would never be imported (IDP-ENGINES O27)",
                total.min(100),
                n + 1
            ),
            format!("{n} of totalResults {total}"),
        ));
    }
    Ok(vec![])
}

/// Okta's "Push now": the whole membership by `replace`, with the path and
/// in the pathless form captured from Okta (IDP-ENGINES O22).
pub async fn okta_replace_members(c: Ctx) -> CheckResult {
    let (a, ra) = c.create_user(json!({})).await?;
    let (b, rb) = c.create_user(json!({})).await?;
    let (g, _) = c.create_group(&[&a]).await?;
    c.members_before(&g, &[&a]).await?;
    let member =
        |id: &str, r: &crate::ctx::Reply| json!({"value": id, "display": r.json["userName"]});
    let pushes = [
        (
            "with path: members",
            json!({"op": "replace", "path": "members", "value": [member(&b, &rb)]}),
            b.clone(),
        ),
        (
            "pathless",
            json!({"op": "replace", "value": {"members": [member(&a, &ra)]}}),
            a.clone(),
        ),
    ];
    for (form, op, want) in pushes {
        c.patch(&format!("/Groups/{g}"), json!([op]))
            .await?
            .expect_patch_ok(&format!(
                "Okta's full membership push, replace {form} (IDP-ENGINES O22): real Okta sends it on Push now and shows any other answer as a failed push"
            ))?;
        let got = c.member_ids(&g).await?;
        if got != [want.clone()] {
            return Err(Finding::fail(
                "members",
                format!(
                    "replace {form} to leave exactly [{want}], as Okta expects after its push (IDP-ENGINES O22)"
                ),
                format!("{got:?}"),
            ));
        }
    }
    Ok(vec![])
}

/// Okta's membership example: a removal and an addition in one PATCH
/// (IDP-ENGINES O21).
pub async fn okta_remove_and_add(c: Ctx) -> CheckResult {
    let (a, _) = c.create_user(json!({})).await?;
    let (b, rb) = c.create_user(json!({})).await?;
    let (g, _) = c.create_group(&[&a]).await?;
    c.members_before(&g, &[&a]).await?;
    c.patch(
        &format!("/Groups/{g}"),
        json!([
            {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
            {"op": "add", "path": "members", "value": [{"value": b, "display": rb.json["userName"]}]}
        ]),
    )
    .await?
    .expect_patch_ok("Okta's remove and add in one PATCH (IDP-ENGINES O21)")?;
    let got = c.member_ids(&g).await?;
    if got != [b.clone()] {
        return Err(Finding::fail(
            "members",
            format!(
                "both operations applied, leaving [{b}]: real Okta sends them in one PATCH and never reads the group back, so a lost operation stays lost (IDP-ENGINES O21)"
            ),
            format!("{got:?}"),
        ));
    }
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
