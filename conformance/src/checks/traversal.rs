//! Walking every page of a result set (SCIM-CHECKS.md §5 I06).
//!
//! RFC 7644 §3.4.2.4 lets pages disagree when the resources they list
//! change between requests ("clients MUST be prepared to handle
//! inconsistent results"), so no check can demand a clean walk of a set
//! that is being written. What holds is narrower: with a defined order
//! (`sortBy`) and a set of matches that does not change, `totalResults` is
//! "the total number of results matching the client query" and
//! `startIndex` "the 1-based index of the first result in the current set
//! of query results", so the pages partition that set: each match once,
//! the same total on every page. Writes to other resources between the
//! pages (a shared target always has them) must not disturb that; this
//! check makes some itself, so that the walk meets them every time.

use idpsim_simulator::client::Method;
use idpsim_simulator::idp::encode;
use serde_json::json;

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, clip};

const MATCHES: usize = 7;
const PAGE: usize = 2;

pub async fn paging_walk(c: Ctx) -> CheckResult {
    let stem = c.name("walk");
    let mut made = Vec::new();
    for n in 0..MATCHES {
        let (id, _) = c
            .create_user(json!({"userName": format!("{stem}-{n}@example.com")}))
            .await?;
        made.push(id);
    }
    // Outside the filter, and sorting before every match: a server that
    // paged the whole collection and filtered afterwards would shift.
    let (doomed, _) = c
        .create_user(json!({"userName": format!("0-{stem}-gone@example.com")}))
        .await?;
    let f = encode(&format!("userName sw \"{stem}\""));
    let mut seen: Vec<String> = Vec::new();
    let mut start = 1;
    for page in 0.. {
        let r = c
            .get(&format!(
                "/Users?filter={f}&sortBy=userName&startIndex={start}&count={PAGE}"
            ))
            .await?;
        r.expect_status(200, &format!("page {} of the walk", page + 1))?;
        if r.json["totalResults"].as_u64() != Some(MATCHES as u64) {
            return Err(Finding::fail(
                "stable-total",
                format!(
                    "page {} (startIndex={start}): totalResults = {MATCHES}, the matches, which did not change",
                    page + 1
                ),
                clip(&r.json["totalResults"].to_string()),
            ));
        }
        let ids: Vec<String> = r.json["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["id"].as_str().map(str::to_owned))
            .collect();
        if ids.is_empty() || page > MATCHES {
            break;
        }
        start += ids.len();
        seen.extend(ids);
        if start > MATCHES {
            break;
        }
        // Writes beside the walk, one between each two pages.
        if page % 2 == 0 {
            c.create_user(json!({"userName": format!("0-{}@example.com", c.name("beside"))}))
                .await?;
        } else {
            c.send(Method::DELETE, &format!("/Users/{doomed}"), None)
                .await?;
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    let mut want = made.clone();
    want.sort();
    if seen.len() != MATCHES || sorted != want {
        return Err(Finding::fail(
            "each-once",
            format!("each of the {MATCHES} matches exactly once over the pages: {made:?}"),
            format!("{seen:?}"),
        ));
    }
    Ok(vec![])
}
