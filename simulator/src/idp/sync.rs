//! The bulk events: a full sync of the whole directory, bounded and
//! counted, and a directory reset on the target.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::task::JoinSet;

use super::{EventError, Idp};

use crate::cycles::Kind;
use crate::directory::User;

/// Progress of a long event, for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub failed: AtomicUsize,
}

/// Runs `tasks` (each naming an object and yielding its target id) at most
/// `width` at a time, counting progress. Returns what succeeded; the first
/// failure is kept in `first_err` and the rest still run.
async fn run_bounded<F>(
    tasks: impl Iterator<Item = F>,
    width: usize,
    progress: &Progress,
    first_err: &mut Option<EventError>,
) -> Result<Vec<(String, String)>, EventError>
where
    F: Future<Output = (String, Result<String, EventError>)> + Send + 'static,
{
    let mut set = JoinSet::new();
    let mut tasks = tasks;
    let mut learned = Vec::new();
    loop {
        while set.len() < width {
            let Some(t) = tasks.next() else { break };
            set.spawn(t);
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        let (name, r) =
            done.map_err(|e| EventError::Protocol(format!("a sync task failed: {e}")))?;
        progress.done.fetch_add(1, Ordering::Relaxed);
        match r {
            Ok(id) => learned.push((name, id)),
            Err(e) => {
                progress.failed.fetch_add(1, Ordering::Relaxed);
                first_err.get_or_insert(e);
            }
        }
    }
    Ok(learned)
}

impl Idp {
    /// Full sync: every user joins (in parallel, bounded by the client),
    /// then every group is pushed with its members. Failures are counted in
    /// `progress` and the first is returned after everything was tried.
    ///
    /// An IdP that works in cycles runs its initial cycle instead, and the
    /// first operation it escrowed is the error.
    pub async fn full_sync(&mut self, progress: Arc<Progress>) -> Result<(), EventError> {
        if self.engine.is_some() {
            let report = self.cycle(Kind::Initial, Some(progress)).await?;
            return match report.escrowed.first() {
                Some(e) => Err(EventError::Protocol(format!(
                    "{}: {} failed: {}",
                    e.object, e.operation, e.error
                ))),
                None => Ok(()),
            };
        }
        let users: Vec<User> = self.dir.users().filter(|u| u.active).cloned().collect();
        progress
            .total
            .store(users.len() + self.dir.group_count(), Ordering::Relaxed);
        let width = self.wire.client.config().concurrency.max(1) * 2;
        let mut first_err: Option<EventError> = None;
        let joins = users.into_iter().map(|u| {
            let wire = self.wire.clone();
            let manager = self.manager_id(&u);
            async move {
                let r = wire.join(&u, manager.as_deref()).await;
                (u.user_name, r)
            }
        });
        for (name, id) in run_bounded(joins, width, &progress, &mut first_err).await? {
            if let Some(u) = self.dir.user_mut(&name) {
                u.target_id = Some(id);
            }
        }
        let groups: Vec<(String, String, Vec<String>)> = self
            .dir
            .groups()
            .map(|g| {
                (
                    g.name.clone(),
                    g.idp_id.clone(),
                    g.members.iter().cloned().collect(),
                )
            })
            .collect();
        let pushes = groups.into_iter().map(|(name, idp_id, members)| {
            let wire = self.wire.clone();
            let pairs = self.member_pairs(&members);
            async move {
                let r = async {
                    let id = wire.create_group(&name, &idp_id).await?;
                    wire.add_members(&id, &name, &pairs, &pairs).await?;
                    Ok::<String, EventError>(id)
                }
                .await;
                (name, r)
            }
        });
        for (name, id) in run_bounded(pushes, width, &progress, &mut first_err).await? {
            if let Some(g) = self.dir.group_mut(&name) {
                g.target_id = Some(id);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Directory reset on the target (see [`reset`](super::reset) for the
    /// rules): returns how many objects were deleted. The IdP then forgets
    /// what it had learned.
    pub async fn reset(&mut self, exempt: &[String]) -> Result<usize, EventError> {
        let deleted = match &self.reset_url {
            Some(url) => self
                .wire
                .reset_control(url)
                .await
                .map(|c| c.total() as usize),
            None => self.wire.reset_by_listing(exempt).await,
        };
        self.forget_links();
        deleted
    }

    /// After a reset: the target's ids the IdP had learned name nothing now.
    pub fn forget_links(&mut self) {
        self.dir.forget_target_ids();
        if let Some(e) = &mut self.engine {
            e.forget_links();
        }
    }
}
