//! `bulk-sync`: every user pushed, then every group with its members; and
//! the unmeasured sync that sets up the other runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use idpsim_simulator::client::ScimClient;
use idpsim_simulator::directory::User;
use idpsim_simulator::idp::{EventError, Idp, Progress, Wire};
use serde_json::Value;

use super::LoadError;
use super::LoadPlan;
use super::attack::{Did, Shared, Work, each_item};
use crate::summary::Summary;

/// User pushes (lookup, then create or link) of this shard's users.
pub(super) async fn push_users(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    name: &str,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let users: Vec<User> = {
        let dir = shared.dir.lock().expect("not poisoned");
        let all: Vec<&User> = dir.users().filter(|u| u.active).collect();
        let r = plan.shard.range(all.len());
        all[r].iter().map(|u| (*u).clone()).collect()
    };
    let users = Arc::new(users);
    let sh = shared.clone();
    let list = users.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let list = list.clone();
        Box::pin(async move {
            let u = &list[i];
            let id = wire.join(u, None).await?;
            sh.user_ids
                .lock()
                .expect("not poisoned")
                .insert(u.user_name.to_lowercase(), id);
            sh.count("users pushed", 1);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, name, "join", users.len(), work, summary).await
}

/// Group pushes of this shard's groups: create or link, then members.
pub(super) async fn push_groups(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    name: &str,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let groups: Vec<(String, String, Vec<String>)> = {
        let dir = shared.dir.lock().expect("not poisoned");
        let all: Vec<_> = dir.groups().collect();
        let r = plan.shard.range(all.len());
        all[r]
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.idp_id.clone(),
                    g.members.iter().cloned().collect(),
                )
            })
            .collect()
    };
    if groups.is_empty() {
        return Ok(());
    }
    let groups = Arc::new(groups);
    let sh = shared.clone();
    let list = groups.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let (name, idp_id, members) = list[i].clone();
        Box::pin(async move {
            let gid = wire.create_group(&name, &idp_id).await?;
            sh.group_ids
                .lock()
                .expect("not poisoned")
                .insert(name.clone(), gid.clone());
            let mut pairs = Vec::with_capacity(members.len());
            for m in &members {
                let known = sh
                    .user_ids
                    .lock()
                    .expect("not poisoned")
                    .get(&m.to_lowercase())
                    .cloned();
                let id = match known {
                    Some(id) => id,
                    None => member_id(&wire, m, sh.member_wait).await?,
                };
                pairs.push((id, m.clone()));
            }
            wire.add_members(&gid, &name, &pairs, &pairs).await?;
            sh.count("groups pushed", 1);
            sh.count("memberships pushed", pairs.len() as u64);
            Ok(Did::Sent)
        })
    });
    each_item(
        plan,
        shared,
        name,
        "push group",
        groups.len(),
        work,
        summary,
    )
    .await
}

/// A member another shard provisions: looked up until it appears.
pub(super) async fn member_id(
    wire: &Wire,
    user_name: &str,
    wait: Duration,
) -> Result<String, EventError> {
    let until = Instant::now() + wait;
    loop {
        if let Some(found) = wire.lookup("Users", "userName", user_name).await?
            && let Some(id) = found.get("id").and_then(Value::as_str)
        {
            return Ok(id.to_owned());
        }
        if Instant::now() >= until {
            return Err(EventError::NotInDirectory(format!(
                "member {user_name:?} never appeared on the target (another shard pushes it)"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Pushes the whole directory outside any measurement (setup of `reset`,
/// `churn` and `import`), learning the target's ids.
pub(super) async fn setup_sync(plan: &LoadPlan, shared: &Arc<Shared>) -> Result<(), LoadError> {
    let dir = shared.dir.lock().expect("not poisoned").clone();
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let mut idp = Idp::new(dir, plan.profile, client);
    idp.full_sync(Arc::new(Progress::default()))
        .await
        .map_err(|e| LoadError::Setup(format!("the setup sync failed: {e}")))?;
    let mut ids = shared.user_ids.lock().expect("not poisoned");
    for u in idp.dir.users() {
        if let Some(id) = &u.target_id {
            ids.insert(u.user_name.to_lowercase(), id.clone());
        }
    }
    let mut gids = shared.group_ids.lock().expect("not poisoned");
    for g in idp.dir.groups() {
        if let Some(id) = &g.target_id {
            gids.insert(g.name.clone(), id.clone());
        }
    }
    *shared.dir.lock().expect("not poisoned") = idp.dir;
    Ok(())
}
