use serde_json::json;

use crate::check::{CheckResult, RuleExt};
use crate::ctx::{Ctx, expect_eq};

pub async fn replace_path(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"title": "Before"})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "title", "value": "After"}]),
        )
        .await?;
    r.expect_patch_ok("PATCH replace title")?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(&g.json["title"], &json!("After"), "title")?;
    Ok(vec![])
}

pub async fn remove_member_filter(c: Ctx) -> CheckResult {
    let (a, _) = c.create_user(json!({})).await?;
    let (b, _) = c.create_user(json!({})).await?;
    let (g, _) = c.create_group(&[&a, &b]).await?;
    let r = c
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
        )
        .await?;
    r.expect_patch_ok("PATCH remove members[value eq]")?;
    expect_eq(&json!(c.member_ids(&g).await?), &json!([b]), "members")?;
    Ok(vec![])
}

pub async fn atomic(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({"title": "Before"})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "title", "value": "After"}, {"op": "replace", "path": "idpsimNoSuchAttribute", "value": "x"}]),
        )
        .await?;
    // The state first: atomicity is what this check is about, and a server
    // that drops the bad operation answers 200 and keeps the first.
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &g.json["title"],
        &json!("Before"),
        "title after the failed PATCH",
    )
    .rule("first-op-kept")?;
    r.expect_status(400, "a PATCH whose second operation names no attribute")?;
    Ok(vec![])
}

pub async fn remove_without_path(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    let r = c
        .patch(&format!("/Users/{id}"), json!([{"op": "remove"}]))
        .await?;
    r.expect_status(400, "remove without a path")?;
    expect_eq(&r.json["scimType"], &json!("noTarget"), "scimType")?;
    Ok(vec![])
}
