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
    let pages = Arc::new(pages);
    let sh = shared.clone();
    let list = pages.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let (endpoint, start) = list[i];
        Box::pin(async move {
            let r = wire.list_page(endpoint, start, page).await?;
            let n = r
                .json()
                .and_then(|v| v["Resources"].as_array().map(Vec::len))
                .unwrap_or(0);
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
