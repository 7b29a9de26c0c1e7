//! The engine's planned order of requests, for recordings.
//!
//! A cycle runs its jobs side by side, so the target answers them in
//! whatever order it likes and the client logs them as they complete. A
//! `--record` fixture must be the same bytes on every run, so each
//! exchange carries the position of the job that sent it ([`Plan`], set by
//! the engine around each job with [`scope`]), and [`order`] puts a
//! recording back in the planned order: job by job, and within a job in
//! the order it sent, a batch of parallel PATCHes chunk by chunk.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::client::Exchange;

/// Where a request stands in the engine's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Plan {
    /// One set of jobs run side by side (a phase of a round).
    pub batch: u32,
    /// The job's index in its set.
    pub job: u32,
    /// A set of parallel requests inside the job, 0 outside one.
    pub fan: u32,
    /// The request's index in that set.
    pub chunk: u32,
}

tokio::task_local! {
    static PLAN: Plan;
}

/// Batch and fan numbers only need to differ from one set to the next
/// within a process; a counter shared by every engine does that.
static NEXT: AtomicU32 = AtomicU32::new(1);

/// A fresh number for a set of jobs or of parallel requests.
pub fn next_set() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The plan position of the running task, if the engine set one.
pub fn current() -> Option<Plan> {
    PLAN.try_with(|p| *p).ok()
}

/// Runs `f` as job `job` of set `batch`.
pub fn job<F: Future>(batch: u32, job: u32, f: F) -> impl Future<Output = F::Output> {
    PLAN.scope(
        Plan {
            batch,
            job,
            fan: 0,
            chunk: 0,
        },
        f,
    )
}

/// Runs `f` as request `chunk` of the parallel set `fan` inside the
/// current job; outside a job, `f` as it is.
pub fn scope<F: Future>(fan: u32, chunk: u32, f: F) -> impl Future<Output = F::Output> {
    let plan = current().map(|p| Plan { fan, chunk, ..p });
    async move {
        match plan {
            Some(p) => PLAN.scope(p, f).await,
            None => f.await,
        }
    }
}

/// Puts the exchanges of each run of planned jobs in the planned order.
/// Exchanges outside the engine's jobs stay where they are: they were sent
/// one after the other, and they separate one run of jobs from the next.
pub fn order(exchanges: &mut [Exchange]) {
    let mut start = 0;
    while start < exchanges.len() {
        if exchanges[start].plan.is_none() {
            start += 1;
            continue;
        }
        let end = exchanges[start..]
            .iter()
            .position(|x| x.plan.is_none())
            .map_or(exchanges.len(), |n| start + n);
        order_run(&mut exchanges[start..end]);
        start = end;
    }
}

/// One run of jobs: by set and job, then in the order each job sent
/// (its requests are sequential, so their sequence numbers are its
/// order); a parallel set inside a job is contiguous in that order, since
/// the job waits for the whole set, and is then put chunk by chunk.
fn order_run(run: &mut [Exchange]) {
    let key = |x: &Exchange| x.plan.map(|p| (p.batch, p.job));
    run.sort_by_key(|x| (key(x), x.seq));
    let mut i = 0;
    while i < run.len() {
        let fan = run[i].plan.map_or(0, |p| p.fan);
        let n = run[i..]
            .iter()
            .take_while(|x| key(x) == key(&run[i]) && x.plan.map_or(0, |p| p.fan) == fan)
            .count();
        if fan != 0 {
            run[i..i + n].sort_by_key(|x| (x.plan.map_or(0, |p| p.chunk), x.seq));
        }
        i += n;
    }
}
