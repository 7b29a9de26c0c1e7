//! What a projection must keep (SCIM-CHECKS.md §5 C19, E03): `schemas`,
//! which every representation carries (RFC 7643 §3), and `id`, returned
//! always (RFC 7643 §7), also when `attributes=` asks for something else
//! (RFC 7644 §3.9: "MUST contain the minimum set").

use idpsim_simulator::idp::encode;
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, GROUP, USER, clip};

fn judge(resource: &Value, urn: &str, id: &str, what: &str) -> Result<(), Finding> {
    let listed = resource["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(urn)));
    if !listed {
        return Err(Finding::fail(
            "schemas-returned",
            format!("{what}: schemas listing {urn}"),
            clip(&resource.to_string()),
        ));
    }
    if resource["id"] != json!(id) {
        return Err(Finding::fail(
            "id-returned",
            format!("{what}: id {id}"),
            clip(&resource.to_string()),
        ));
    }
    Ok(())
}

pub async fn schemas_with_attributes(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (uid, _) = c
        .create_user(json!({"userName": name, "title": "Guide"}))
        .await?;
    let (gid, _) = c.create_group(&[]).await?;
    for (what, path, urn, id) in [
        (
            "GET /Users/{id}?attributes=title",
            format!("/Users/{uid}?attributes=title"),
            USER,
            &uid,
        ),
        (
            "GET /Groups/{id}?attributes=displayName",
            format!("/Groups/{gid}?attributes=displayName"),
            GROUP,
            &gid,
        ),
    ] {
        let r = c.get(&path).await?;
        r.expect_status(200, what)?;
        judge(&r.json, urn, id, what)?;
    }
    let f = encode(&format!("userName eq \"{name}\""));
    let r = c
        .get(&format!("/Users?filter={f}&attributes=title"))
        .await?;
    r.expect_status(200, "GET /Users?filter=…&attributes=title")?;
    judge(
        &r.json["Resources"][0],
        USER,
        &uid,
        "the listed user, with attributes=title",
    )?;
    Ok(vec![])
}
