//! Sorting by a multi-valued attribute (SCIM-CHECKS.md §5 H04; RFC 7644
//! §3.4.2.3: "resources are sorted by the value of the primary attribute
//! ..., if any, or else the first value in the list").

use idpsim_simulator::idp::encode;
use serde_json::json;

use crate::check::{CheckResult, Finding};
use crate::ctx::Ctx;

pub async fn multi_valued(c: Ctx) -> CheckResult {
    let stem = c.name("sortmv");
    let email = |k: &str| format!("{stem}-{k}@example.com");
    // Sort keys: a by its primary (a, not its first z), b by its first (b,
    // not its smaller second 0), c by its only one. Sorting by the first
    // value gives b, c, a; by the smallest b, a, c; by the largest b, c, a.
    let mut made = Vec::new();
    for (n, emails) in [
        json!([{"value": email("z"), "type": "work"}, {"value": email("a"), "type": "home", "primary": true}]),
        json!([{"value": email("b"), "type": "work"}, {"value": email("0"), "type": "home"}]),
        json!([{"value": email("c"), "type": "work"}]),
    ]
    .into_iter()
    .enumerate()
    {
        let (id, _) = c
            .create_user(json!({"userName": format!("{stem}-{n}@example.com"), "emails": emails}))
            .await?;
        made.push(id);
    }
    let f = encode(&format!("userName sw \"{stem}\""));
    let r = c
        .get(&format!("/Users?filter={f}&sortBy=emails.value"))
        .await?;
    r.expect_status(200, "GET /Users?filter=…&sortBy=emails.value")?;
    let got: Vec<String> = r.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    if got != made {
        return Err(Finding::fail(
            "order",
            format!("by primary, else first email: the users keyed a, b, c: {made:?}"),
            format!("{got:?}"),
        ));
    }
    Ok(vec![])
}
