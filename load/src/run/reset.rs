//! `reset`: the target's own reset control, or every object enumerated and
//! deleted.

use std::collections::HashSet;
use std::sync::Arc;

use goose::goose::Scenario;
use idpsim_simulator::client::{Method, ScimClient};
use idpsim_simulator::idp::{EventError, Wire};
use serde_json::Value;

use super::attack::{Did, Shared, Work, each_item, ev, phase, worker};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// The reset phase: the target's own reset (one event), or every object
/// enumerated and deleted (one event each).
pub(super) async fn reset(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let base = plan.client.base_url.clone();
    if let Some(url) = plan.reset_url.clone() {
        let sh = shared.clone();
        let auth = plan.client.auth.clone();
        let work: Work = Arc::new(move |_wire: Wire, _i: usize| {
            let sh = sh.clone();
            let url = url.clone();
            let auth = auth.clone();
            Box::pin(async move {
                let mut rb = reqwest::Client::new().post(&url);
                if let idpsim_simulator::client::Auth::Bearer(t) = &auth {
                    rb = rb.bearer_auth(t);
                }
                let what = || "reset the target".to_string();
                let r = rb.send().await.map_err(|e| EventError::Rejected {
                    what: what(),
                    status: 0,
                    body: e.to_string(),
                })?;
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or_default();
                if status >= 400 {
                    return Err(EventError::Rejected {
                        what: what(),
                        status,
                        body: v.to_string(),
                    });
                }
                sh.count("users deleted", v["usersDeleted"].as_u64().unwrap_or(0));
                sh.count("groups deleted", v["groupsDeleted"].as_u64().unwrap_or(0));
                Ok(Did::Sent)
            })
        });
        // One goose user: a reset is one request.
        let mut one = plan.clone();
        one.goose.users = Some(1);
        let t = worker(&ev(plan.profile, "reset"), shared.clone(), 1, 1, base, work);
        return phase(
            &one,
            shared,
            "reset",
            Scenario::new("reset").register_transaction(t),
            Some(1),
            summary,
        )
        .await;
    }
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let wire = Wire {
        profile: plan.profile,
        client,
    };
    let exempt: HashSet<String> = plan.exempt.iter().map(|e| e.to_lowercase()).collect();
    let mut targets: Vec<(bool, String, String)> = Vec::new();
    let list = |e: EventError| LoadError::Setup(format!("cannot enumerate the target: {e}"));
    for g in wire.list_all("Groups", 100).await.map_err(list)? {
        if let Some(id) = g.get("id").and_then(Value::as_str) {
            targets.push((
                false,
                id.to_owned(),
                g["displayName"].as_str().unwrap_or(id).to_owned(),
            ));
        }
    }
    for u in wire.list_all("Users", 100).await.map_err(list)? {
        let name = u["userName"].as_str().unwrap_or_default().to_owned();
        if exempt.contains(&name.to_lowercase()) {
            continue;
        }
        if let Some(id) = u.get("id").and_then(Value::as_str) {
            targets.push((true, id.to_owned(), name));
        }
    }
    let targets = Arc::new(targets);
    let sh = shared.clone();
    let list = targets.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let (is_user, id, name) = list[i].clone();
        Box::pin(async move {
            if is_user {
                let req = wire.request(Method::DELETE, format!("/Users/{id}"), None);
                let r = wire
                    .client
                    .send(&req)
                    .await
                    .map_err(|e| EventError::Transport {
                        what: format!("delete user {name:?}"),
                        source: e,
                    })?;
                if r.status >= 400 && r.status != 404 {
                    return Err(EventError::Rejected {
                        what: format!("delete user {name:?}"),
                        status: r.status,
                        body: r.text().into_owned(),
                    });
                }
                sh.count("users deleted", 1);
            } else {
                wire.delete_group(&id, &name).await?;
                sh.count("groups deleted", 1);
            }
            Ok(Did::Sent)
        })
    });
    each_item(
        plan,
        shared,
        "reset",
        "delete",
        targets.len(),
        work,
        summary,
    )
    .await
}
