use idpsim_simulator::idp::encode;
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, LIST, clip, expect_eq};

pub async fn username_eq_ci(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c.create_user(json!({"userName": name})).await?;
    let r = c
        .get(&format!(
            "/Users?filter={}",
            encode(&format!("userName eq \"{}\"", name.to_uppercase()))
        ))
        .await?;
    r.expect_status(200, "GET /Users?filter=userName eq (upper case)")?;
    expect_eq(&r.json["totalResults"], &json!(1), "totalResults")?;
    expect_eq(&r.json["Resources"][0]["id"], &json!(id), "Resources[0].id")?;
    Ok(vec![])
}

pub async fn no_match_empty(c: Ctx) -> CheckResult {
    let r = c
        .get(&format!(
            "/Users?filter={}",
            encode(&format!("userName eq \"{}\"", c.user_name()))
        ))
        .await?;
    r.expect_status(200, "a filter that matches nothing")?;
    expect_eq(&r.json["schemas"], &json!([LIST]), "schemas")?;
    expect_eq(&r.json["totalResults"], &json!(0), "totalResults")?;
    Ok(vec![])
}

pub async fn invalid_filter(c: Ctx) -> CheckResult {
    let r = c
        .get(&format!("/Users?filter={}", encode("userName eq")))
        .await?;
    r.expect_status(400, "GET /Users?filter=userName eq")?;
    expect_eq(&r.json["scimType"], &json!("invalidFilter"), "scimType")?;
    Ok(vec![])
}

pub async fn paging_count(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    c.create_user(json!({})).await?;
    let r = c.get("/Users?startIndex=2&count=1").await?;
    r.expect_status(200, "GET /Users?startIndex=2&count=1")?;
    let n = r.json["Resources"].as_array().map_or(0, Vec::len);
    // Two users exist past startIndex 1, so count=1 means exactly one: an
    // empty page bounds nothing.
    if n != 1 {
        return Err(Finding::fail(
            "page-size",
            "exactly 1 resource",
            format!("{n} resources"),
        ));
    }
    expect_eq(&r.json["startIndex"], &json!(2), "startIndex")?;
    expect_eq(&r.json["itemsPerPage"], &Value::from(n), "itemsPerPage")?;
    if r.json["totalResults"].as_u64().unwrap_or(0) < 2 {
        return Err(Finding::fail(
            "total-results",
            "totalResults of at least 2",
            clip(&r.json["totalResults"].to_string()),
        ));
    }
    Ok(vec![])
}
