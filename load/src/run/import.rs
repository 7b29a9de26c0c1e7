//! `import`: the target read page by page, as an IdP import reads it.

use std::sync::Arc;

use idpsim_simulator::client::ScimClient;
use idpsim_simulator::idp::Wire;

use super::attack::{Did, Shared, Work, each_item};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// The import phase: every page of users and groups, in the profile's page
/// size, each page one event.
pub(super) async fn import(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let wire = Wire {
        profile: plan.profile,
        client,
    };
    let page = plan.profile.import_page.unwrap_or(100);
    let mut pages: Vec<(&'static str, usize)> = Vec::new();
    for endpoint in ["Users", "Groups"] {
        let r = wire
            .list_page(endpoint, 1, 1)
            .await
            .map_err(|e| LoadError::Setup(format!("cannot count {endpoint}: {e}")))?;
        let total = r
            .json()
            .and_then(|v| v["totalResults"].as_u64())
            .unwrap_or(0) as usize;
        pages.extend((0..total.div_ceil(page)).map(|p| (endpoint, 1 + p * page)));
    }
    let one_pass = pages.len();
    let pages: Vec<_> = pages
        .into_iter()
        .cycle()
        .take(one_pass * plan.import_rounds.max(1))
        .collect();
    let pages = Arc::new(pages);
    let sh = shared.clone();
    let list = pages.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let (endpoint, start) = list[i];
        Box::pin(async move {
            let r = wire.list_page(endpoint, start, page).await?;
            let n = resources_in(&r.body);
            sh.count(
                if endpoint == "Users" {
                    "users listed"
                } else {
                    "groups listed"
                },
                n as u64,
            );
            Ok(Did::Sent)
        })
    });
    each_item(
        plan,
        shared,
        "import",
        "import page",
        pages.len(),
        work,
        summary,
    )
    .await
}

/// How many resources a page holds, without building them: an import
/// counts, and a tree per page would make the load side cost more than the
/// target serving it.
fn resources_in(body: &[u8]) -> usize {
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(rename = "Resources", default)]
        resources: Vec<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Page>(body).map_or(0, |p| p.resources.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn resources_are_counted_and_garbage_is_none() {
        let page = br#"{"totalResults":9,"Resources":[{"id":"a","x":[1,{"y":2}]},{"id":"b"}]}"#;
        assert_eq!(super::resources_in(page), 2);
        assert_eq!(super::resources_in(br#"{"totalResults":0}"#), 0);
        assert_eq!(super::resources_in(b"<html>"), 0);
    }
}
