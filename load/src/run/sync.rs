//! `bulk-sync`: every user pushed, then every group with its members; and
//! the unmeasured sync that sets up the other runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use idpsim_simulator::client::ScimClient;
use idpsim_simulator::idp::{EventError, Idp, Progress, Wire};
use serde_json::Value;

use super::LoadError;
use super::LoadPlan;
use super::attack::{Did, Shared, Work, each_item};
use crate::summary::Summary;

/// User pushes (lookup, then create or link) of this shard's users. The
/// work list is positions in the shared directory, and each event copies
/// only its own user: a copy of every user for the phase would double the
/// run's memory per directory user.
pub(super) async fn push_users(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    name: &str,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let at: Arc<Vec<u32>> = {
        let dir = shared.dir.lock().expect("not poisoned");
        let active: Vec<u32> = (0..dir.user_count())
            .filter(|&i| dir.user_at(i).is_some_and(|u| u.active))
            .map(|i| i as u32)
            .collect();
        Arc::new(active[plan.shard.range(active.len())].to_vec())
    };
    let sh = shared.clone();
    let list = at.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let at = list[i] as usize;
        Box::pin(async move {
            let u = sh.user_at(at);
            let id = wire.join(&u, None).await?;
            sh.dir
                .lock()
                .expect("not poisoned")
                .user_at_mut(at)
                .expect("users are not removed during a push")
                .target_id = Some(id);
            sh.count("users pushed", 1);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, name, "join", at.len(), work, summary).await
}

/// Group pushes of this shard's groups: create or link, then members.
pub(super) async fn push_groups(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    name: &str,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let count = shared.dir.lock().expect("not poisoned").group_count();
    let range = plan.shard.range(count);
    if range.is_empty() {
        return Ok(());
    }
    let first = range.start;
    let sh = shared.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let at = first + i;
        Box::pin(async move {
            // The group and its members' ids as known now; a member another
            // shard pushes is looked up on the target.
            let (name, idp_id, members) = {
                let dir = sh.dir.lock().expect("not poisoned");
                let g = dir
                    .group_at(at)
                    .expect("groups are not removed during a push");
                let members: Vec<(String, Option<String>)> = g
                    .members
                    .iter()
                    .map(|m| (m.clone(), dir.user(m).and_then(|u| u.target_id.clone())))
                    .collect();
                (g.name.clone(), g.idp_id.clone(), members)
            };
            let gid = wire.create_group(&name, &idp_id).await?;
            if let Some(g) = sh.dir.lock().expect("not poisoned").group_at_mut(at) {
                g.target_id = Some(gid.clone());
            }
            let mut pairs = Vec::with_capacity(members.len());
            for (m, known) in members {
                let id = match known {
                    Some(id) => id,
                    None => member_id(&wire, &m, sh.member_wait).await?,
                };
                pairs.push((id, m));
            }
            wire.add_members(&gid, &name, &pairs, &pairs).await?;
            sh.count("groups pushed", 1);
            sh.count("memberships pushed", pairs.len() as u64);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, name, "push group", range.len(), work, summary).await
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
    // The sync owns the directory while it runs (nothing else does), and
    // hands it back with the target's ids filled in.
    let dir = shared.take_dir();
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let mut idp = Idp::new(dir, plan.profile, client);
    let synced = idp.full_sync(Arc::new(Progress::default())).await;
    *shared.dir.lock().expect("not poisoned") = idp.dir;
    synced.map_err(|e| LoadError::Setup(format!("the setup sync failed: {e}")))?;
    Ok(())
}
