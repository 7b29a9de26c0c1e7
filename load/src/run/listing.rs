//! The bare listing: every page of users and groups fetched the way the
//! reconcile fetches them (same client, page size and pages in flight) and
//! not looked at beyond the first page's total. What the reconcile costs
//! above this is its own parsing and comparing.

use std::time::Instant;

use idpsim_simulator::idp::{EventError, Wire};
use serde::Deserialize;
use tokio::task::JoinSet;

#[derive(Deserialize)]
struct Total {
    #[serde(rename = "totalResults")]
    total: usize,
    #[serde(rename = "Resources", default)]
    resources: Vec<serde::de::IgnoredAny>,
}

/// Seconds to fetch every page of `Users` and `Groups`.
pub(super) async fn seconds(wire: &Wire, page: usize, in_flight: usize) -> Result<f64, EventError> {
    let started = Instant::now();
    for endpoint in ["Users", "Groups"] {
        let first = wire.list_page(endpoint, 1, page).await?;
        let Ok(t) = serde_json::from_slice::<Total>(&first.body) else {
            return Err(EventError::Protocol(format!(
                "list {endpoint}: the first page is not a ListResponse"
            )));
        };
        let step = t.resources.len();
        if step == 0 {
            continue;
        }
        let mut starts = (1 + step..=t.total).step_by(step);
        let mut set = JoinSet::new();
        loop {
            while set.len() < in_flight.max(1) {
                let Some(start) = starts.next() else { break };
                let wire = wire.clone();
                set.spawn(async move { wire.list_page(endpoint, start, step).await });
            }
            let Some(done) = set.join_next().await else {
                break;
            };
            done.map_err(|e| EventError::Protocol(format!("list {endpoint}: {e}")))??;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}
