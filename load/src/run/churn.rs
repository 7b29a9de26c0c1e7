//! `churn`: joiners, movers and leavers at a set rate on a synced
//! directory.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goose::goose::Scenario;
use idpsim_simulator::directory::User;
use idpsim_simulator::idp::Wire;

use super::attack::{Did, Shared, Work, ev, phase, worker};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// Whom churn acts on. Every joiner enters the pool and every leaver may
/// come back, so the directory refills: with joins as frequent as leaves,
/// a long run keeps as many active users as it started with instead of
/// running dry (at the defaults the seeded users alone last about 200 s).
#[derive(Default)]
struct Pool {
    /// Everyone churn may claim: the synced directory's active users, then
    /// every joiner.
    names: Vec<String>,
    cursor: usize,
    /// Users an event is changing now: nobody else claims them.
    busy: HashSet<String>,
    /// Leavers, oldest first: the next re-joiners.
    departed: VecDeque<String>,
}

impl Pool {
    /// The next active, linked user nobody else is changing.
    fn claim(&mut self, shared: &Shared) -> Option<(User, String)> {
        let dir = shared.dir.lock().expect("not poisoned");
        for _ in 0..self.names.len() {
            let n = &self.names[self.cursor % self.names.len()];
            self.cursor = self.cursor.wrapping_add(1);
            let Some(u) = dir.user(n).filter(|u| u.active) else {
                continue;
            };
            let Some(id) = &u.target_id else {
                continue;
            };
            if self.busy.insert(n.clone()) {
                return Some((u.clone(), id.clone()));
            }
        }
        None
    }

    /// The longest-departed user, claimed, to bring back.
    fn rejoiner(&mut self, shared: &Shared) -> Option<(User, String)> {
        let dir = shared.dir.lock().expect("not poisoned");
        while let Some(n) = self.departed.pop_front() {
            let Some(u) = dir.user(&n) else {
                continue;
            };
            let Some(id) = &u.target_id else {
                continue;
            };
            if !u.active && self.busy.insert(n.clone()) {
                return Some((u.clone(), id.clone()));
            }
        }
        None
    }
}

type SharedPool = Arc<Mutex<Pool>>;

fn release(pool: &SharedPool, n: &str, departed: bool) {
    let mut p = pool.lock().expect("not poisoned");
    p.busy.remove(n);
    if departed {
        p.departed.push_back(n.to_owned());
    }
}

/// Churn: joiners, movers and leavers at a set rate for a set time
/// (goose's `--run-time`, 30 s unless given), on a synced directory.
pub(super) async fn churn(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let names: Vec<String> = shared
        .dir
        .lock()
        .expect("not poisoned")
        .users()
        .filter(|u| u.active)
        .map(|u| u.user_name.clone())
        .collect();
    let groups: Arc<Vec<String>> = Arc::new(
        shared
            .dir
            .lock()
            .expect("not poisoned")
            .groups()
            .map(|g| g.name.clone())
            .collect(),
    );
    if names.is_empty() {
        return Err(LoadError::Setup("churn needs --users of at least 1".into()));
    }
    let pool: SharedPool = Arc::new(Mutex::new(Pool {
        names,
        ..Pool::default()
    }));
    let joined = Arc::new(AtomicUsize::new(0));
    let base = plan.client.base_url.clone();

    // Every other joiner is a leaver coming back (a rehire), when there is
    // one: both kinds are what an IdP's directory sees.
    let (sh, pl) = (shared.clone(), pool.clone());
    let join: Work = Arc::new(move |wire: Wire, _| {
        let (sh, pl) = (sh.clone(), pl.clone());
        let n = joined.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let back = if n % 2 == 1 {
                pl.lock().expect("not poisoned").rejoiner(&sh)
            } else {
                None
            };
            if let Some((mut u, id)) = back {
                // Okta follows a reactivation with a push of the whole
                // profile, `active` included.
                u.active = true;
                let result = wire.set_active(&id, &u, true).await;
                if result.is_ok()
                    && let Some(d) = sh.dir.lock().expect("not poisoned").user_mut(&u.user_name)
                {
                    d.active = true;
                }
                release(&pl, &u.user_name, result.is_err());
                result?;
                sh.count("users rejoined", 1);
                return Ok(Did::Sent);
            }
            let u = {
                let mut dir = sh.dir.lock().expect("not poisoned");
                let u = dir.new_user(&format!("churn.joiner{n}@example.com"));
                dir.add_user(u).clone()
            };
            let id = wire.join(&u, None).await?;
            if let Some(d) = sh.dir.lock().expect("not poisoned").user_mut(&u.user_name) {
                d.target_id = Some(id);
            }
            pl.lock()
                .expect("not poisoned")
                .names
                .push(u.user_name.clone());
            sh.count("users joined", 1);
            Ok(Did::Sent)
        })
    });
    let (sh, pl, gs) = (shared.clone(), pool.clone(), groups.clone());
    let mover: Work = Arc::new(move |wire: Wire, _| {
        let (sh, pl, gs) = (sh.clone(), pl.clone(), gs.clone());
        Box::pin(async move {
            if gs.len() < 2 {
                return Ok(Did::Idle);
            }
            let Some((u, id)) = pl.lock().expect("not poisoned").claim(&sh) else {
                return Ok(Did::Idle);
            };
            let result = async {
                let (from, to, from_all, to_all, from_gid, to_gid) = {
                    let mut dir = sh.dir.lock().expect("not poisoned");
                    let from = dir
                        .groups_of(&u.user_name)
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| gs[0].clone());
                    let at = gs.iter().position(|g| *g == from).unwrap_or(0);
                    let to = gs[(at + 1) % gs.len()].clone();
                    if let Some(g) = dir.group_mut(&from) {
                        g.members.shift_remove(&u.user_name);
                    }
                    if let Some(g) = dir.group_mut(&to) {
                        g.members.insert(u.user_name.clone());
                    }
                    let pairs = |g: &str| -> Vec<(String, String)> {
                        dir.group(g)
                            .map(|g| {
                                g.members
                                    .iter()
                                    .filter_map(|m| {
                                        let id = dir.user(m)?.target_id.clone()?;
                                        Some((id, m.clone()))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let gid = |g: &str| {
                        dir.group(g)
                            .and_then(|g| g.target_id.clone())
                            .unwrap_or_default()
                    };
                    (
                        from.clone(),
                        to.clone(),
                        pairs(&from),
                        pairs(&to),
                        gid(&from),
                        gid(&to),
                    )
                };
                let me = [(id.clone(), u.user_name.clone())];
                wire.remove_members(&from_gid, &from, &me, &from_all)
                    .await?;
                wire.add_members(&to_gid, &to, &me, &to_all).await?;
                sh.count("users moved", 1);
                Ok(Did::Sent)
            }
            .await;
            release(&pl, &u.user_name, false);
            result
        })
    });
    let (sh, pl) = (shared.clone(), pool.clone());
    let leaver: Work = Arc::new(move |wire: Wire, _| {
        let (sh, pl) = (sh.clone(), pl.clone());
        Box::pin(async move {
            let Some((u, id)) = pl.lock().expect("not poisoned").claim(&sh) else {
                return Ok(Did::Idle);
            };
            if let Some(d) = sh.dir.lock().expect("not poisoned").user_mut(&u.user_name) {
                d.active = false;
            }
            let result = wire.set_active(&id, &u, false).await;
            release(&pl, &u.user_name, true);
            result?;
            sh.count("users left", 1);
            Ok(Did::Sent)
        })
    });

    let goose_users = plan.goose.users.unwrap_or(8).max(1);
    let endless = usize::MAX / 2;
    let p = plan.profile;
    let mut scenario = Scenario::new("churn")
        .register_transaction(worker(
            &ev(p, "join"),
            shared.clone(),
            endless,
            goose_users,
            base.clone(),
            join,
        ))
        .register_transaction(
            worker(
                &ev(p, "move"),
                shared.clone(),
                endless,
                goose_users,
                base.clone(),
                mover,
            )
            .set_weight(2)
            .map_err(LoadError::from)?,
        )
        .register_transaction(worker(
            &ev(p, "leave"),
            shared.clone(),
            endless,
            goose_users,
            base,
            leaver,
        ));
    // Each goose user waits between events so that all together make
    // `churn_rate` events per second.
    let gap = Duration::from_secs_f64(goose_users as f64 / plan.churn_rate.max(0.001));
    scenario = scenario.set_wait_time(gap, gap).map_err(LoadError::from)?;
    phase(plan, shared, "churn", scenario, None, summary).await
}
