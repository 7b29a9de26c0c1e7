use serde_json::json;

use crate::check::{CheckResult, RuleExt};
use crate::ctx::{Ctx, expect_before, expect_eq};

pub async fn replace_path(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Before"})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": a, "value": "After"}]),
        )
        .await?;
    r.expect_patch_ok(&format!("PATCH replace {a}"))?;
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(&g.json[a], &json!("After"), a)?;
    Ok(vec![])
}

pub async fn remove_member_filter(c: Ctx) -> CheckResult {
    let (a, _) = c.create_user(json!({})).await?;
    let (b, _) = c.create_user(json!({})).await?;
    let (g, _) = c.create_group(&[&a, &b]).await?;
    c.members_before(&g, &[&a, &b]).await?;
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
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Before"})).await?;
    // "Unchanged" is only judged against a value that was there.
    let before = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&before.json[a], &json!("Before"), a)?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": a, "value": "After"}, {"op": "replace", "path": "idpsimNoSuchAttribute", "value": "x"}]),
        )
        .await?;
    // The state first: atomicity is what this check is about, and a server
    // that drops the bad operation answers 200 and keeps the first.
    let g = c.get(&format!("/Users/{id}")).await?;
    expect_eq(
        &g.json[a],
        &json!("Before"),
        &format!("{a} after the failed PATCH"),
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
