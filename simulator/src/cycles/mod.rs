//! Entra's provisioning engine, cycle by cycle (IDP-ENGINES §2, §5-6).
//!
//! Entra does not send an event when something changes: a job runs an
//! initial cycle over everything in scope, then incremental cycles about
//! every 40 minutes over what changed since its watermark. Each object it
//! evaluates is read (by the id it cached, else by its matching attributes
//! in order, E3), compared, and only the difference written, `Add` where
//! the target has no value (E8). Manager references follow the users, once
//! the manager is in the target (E7); groups follow, their membership as
//! the difference from what Entra pushed before, in parallel PATCHes
//! (E23), or as a `replace members` when the target leaks members it was
//! told to exclude (E22). Failures are escrowed and retried with growing
//! gaps; too many, or one no retry fixes (a 404 where an empty list was
//! due, E5), quarantine the job (E28-E30). Deprovisioning disables;
//! `DELETE` comes only with the hard delete (E15).
//!
//! Time is virtual ([`Minutes`]): four weeks of schedule play in seconds.
//!
//! An object Entra wrote is evaluated again in the next cycle, and written
//! again if the target still differs. The sources say Entra re-sends such
//! writes every cycle (E9) but not why an unchanged object is evaluated at
//! all; this is idpsim's model of it, and what makes a loop visible.
//!
//! - [`compare`]: the default mapping and the difference (pure);
//! - [`clock`], [`rules`]: the virtual clock and the schedule as data;
//! - [`escrow`], [`quarantine`]: failures and their consequences;
//! - [`report`]: the findings of each cycle;
//! - `process`: one object's turn on the wire.

pub mod clock;
pub mod compare;
pub mod escrow;
mod process;
pub mod quarantine;
pub mod report;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;
use tokio::task::JoinSet;

pub use clock::Minutes;
pub use report::{CycleReport, Escrowed, Loop, QuarantineState, Write};
pub use rules::{CycleRules, ENTRA_CYCLES};

use crate::directory::Directory;
use crate::idp::{EventError, Progress, Wire};
use escrow::Escrow;
use process::{Failure, GroupJob, UserJob, Want};
use quarantine::{Quarantine, Trigger};

/// What an escrow entry or a write concerns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Object {
    /// By directory key (the lower-cased userName).
    User(String),
    /// A user's manager reference.
    Manager(String),
    Group(String),
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::User(u) => write!(f, "user {u}"),
            Object::Manager(u) => write!(f, "manager of {u}"),
            Object::Group(g) => write!(f, "group {g}"),
        }
    }
}

/// Which cycle to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Everything in scope; a restart when it is not the first: escrows,
    /// quarantine and the watermark are cleared, links kept.
    Initial,
    /// What changed since the watermark, plus retries due.
    Incremental,
}

/// Why a user is out of scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Unassigned,
    ScopedOut,
    /// Soft-deleted at this time; hard-deleted 30 days later.
    SoftDeleted(Minutes),
}

/// The job's state between cycles.
#[derive(Debug)]
pub struct Engine {
    pub rules: &'static CycleRules,
    now: Minutes,
    cycles_run: u32,
    matching: Vec<String>,
    /// Users out of scope, by key; every other user is in scope. An
    /// `Unassigned` user is in scope all the same while a group assigned
    /// to the application holds it directly (see [`Engine::out`]).
    scope: HashMap<String, Scope>,
    /// Groups assigned to the application: their direct members are in
    /// scope, the members of groups nested in them are not ("the service
    /// can only read and provision users that are immediate members of
    /// an explicitly assigned group", how-provisioning-works.md).
    assigned_groups: IndexSet<String>,
    /// Whether any group was ever assigned: from then on only assigned
    /// groups are provisioned (before, every group is, as when all users
    /// and groups are in scope).
    group_assignment: bool,
    /// Users Entra disabled on unassignment or scoping out and no longer
    /// manages: no later DELETE (how-provisioning-works.md, "Known
    /// limitations").
    unmanaged: HashSet<String>,
    /// Unmanaged users since deleted from the directory: their disabled
    /// accounts stay in the target for good.
    released: HashSet<String>,
    hard_deletes: IndexSet<String>,
    /// Changed since the watermark.
    dirty_users: IndexSet<String>,
    dirty_groups: IndexSet<String>,
    /// Written in the last round, so evaluated again.
    confirm_users: IndexSet<String>,
    confirm_groups: IndexSet<String>,
    /// Users whose manager is not in the target yet.
    pending_refs: IndexSet<String>,
    /// Per group, the members Entra pushed: user key to target id.
    exported: HashMap<String, IndexMap<String, String>>,
    escrow: Escrow,
    quarantine: Option<Quarantine>,
    disabled: bool,
    /// Operations that went through since the job (re)started.
    succeeded: u64,
    /// Attribute writes of the last round and of this one, for loops.
    last_writes: HashMap<(String, String), Value>,
    round_writes: HashMap<(String, String), Value>,
    loops: Vec<Loop>,
    /// On-demand rounds not yet reported.
    on_demand: Vec<CycleReport>,
}

/// The outcome of one round of processing, besides its report.
#[derive(Default)]
struct Round {
    /// Objects that failed, with why.
    failures: Vec<(Object, Failure)>,
    written_users: IndexSet<String>,
    written_groups: IndexSet<String>,
    /// Users and groups that went through.
    ok_users: IndexSet<String>,
    ok_groups: IndexSet<String>,
}

impl Engine {
    pub fn new(rules: &'static CycleRules, matching: &[&str]) -> Self {
        Engine {
            rules,
            now: Minutes(0),
            cycles_run: 0,
            matching: matching.iter().map(|s| (*s).to_owned()).collect(),
            scope: HashMap::new(),
            assigned_groups: IndexSet::new(),
            group_assignment: false,
            unmanaged: HashSet::new(),
            released: HashSet::new(),
            hard_deletes: IndexSet::new(),
            dirty_users: IndexSet::new(),
            dirty_groups: IndexSet::new(),
            confirm_users: IndexSet::new(),
            confirm_groups: IndexSet::new(),
            pending_refs: IndexSet::new(),
            exported: HashMap::new(),
            escrow: Escrow::default(),
            quarantine: None,
            disabled: false,
            succeeded: 0,
            last_writes: HashMap::new(),
            round_writes: HashMap::new(),
            loops: Vec::new(),
            on_demand: Vec::new(),
        }
    }

    pub fn now(&self) -> Minutes {
        self.now
    }
    pub fn cycles_run(&self) -> u32 {
        self.cycles_run
    }
    pub fn quarantined(&self) -> bool {
        self.quarantine.is_some()
    }
    pub fn disabled(&self) -> bool {
        self.disabled
    }
    pub fn escrowed(&self) -> usize {
        self.escrow.len()
    }
    /// Loops found by the last cycle.
    pub fn loops(&self) -> &[Loop] {
        &self.loops
    }
    pub fn matching(&self) -> &[String] {
        &self.matching
    }

    /// What reconcile should expect disabled, not deleted: users out of
    /// scope, and those released after Entra stopped managing them (E15).
    pub fn deprovisioned(&self, dir: &Directory) -> crate::reconcile::Deprovisioned {
        crate::reconcile::Deprovisioned {
            disabled: self
                .scope
                .keys()
                .filter(|k| self.out(dir, k).is_some())
                .cloned()
                .collect(),
            groups: dir
                .groups()
                .filter(|g| !self.group_in_scope(&g.name))
                .map(|g| g.name.to_lowercase())
                .collect(),
            released: self.released.clone(),
        }
    }

    /// Matching attributes from now on, tried in this order (E3).
    pub fn set_matching(&mut self, attrs: Vec<String>) {
        self.matching = attrs;
    }

    fn key(name: &str) -> String {
        name.to_lowercase()
    }

    /// A user's attributes changed in the directory.
    pub fn changed_user(&mut self, name: &str) {
        self.dirty_users.insert(Self::key(name));
    }

    /// A group or its membership changed.
    pub fn changed_group(&mut self, name: &str) {
        self.dirty_groups.insert(name.to_owned());
    }

    /// The user is assigned (back) to the application: in scope and
    /// managed again.
    pub fn assign(&mut self, name: &str) {
        let k = Self::key(name);
        self.scope.remove(&k);
        self.unmanaged.remove(&k);
        self.released.remove(&k);
        self.hard_deletes.shift_remove(&k);
        self.dirty_users.insert(k);
    }

    pub fn unassign(&mut self, name: &str) {
        self.out_of_scope(name, Scope::Unassigned);
    }

    pub fn scope_out(&mut self, name: &str) {
        self.out_of_scope(name, Scope::ScopedOut);
    }

    /// Why the user `k` is out of scope now, if it is: unassigned users
    /// that an assigned group holds directly are in.
    fn out(&self, dir: &Directory, k: &str) -> Option<Scope> {
        match self.scope.get(k) {
            Some(Scope::Unassigned) if self.assigned_through_group(dir, k) => None,
            s => s.copied(),
        }
    }

    fn assigned_through_group(&self, dir: &Directory, k: &str) -> bool {
        self.assigned_groups.iter().any(|g| {
            dir.group(g)
                .is_some_and(|g| g.members.iter().any(|m| m.eq_ignore_ascii_case(k)))
        })
    }

    /// A group is assigned to the application: its direct members come
    /// into scope (and are managed again) in the next cycle; the members
    /// of the groups nested in it do not.
    pub fn assign_group(&mut self, dir: &Directory, name: &str) {
        self.group_assignment = true;
        self.assigned_groups.insert(name.to_owned());
        self.regroup(dir, name);
    }

    /// The group is unassigned: its direct members whose only assignment
    /// it was leave scope, and the next cycle disables them.
    pub fn unassign_group(&mut self, dir: &Directory, name: &str) {
        self.assigned_groups.shift_remove(name);
        self.regroup(dir, name);
    }

    fn regroup(&mut self, dir: &Directory, name: &str) {
        let Some(g) = dir.group(name) else { return };
        for m in &g.members {
            let k = Self::key(m);
            if self.out(dir, &k).is_none() {
                self.unmanaged.remove(&k);
            }
            self.dirty_users.insert(k);
        }
        self.dirty_groups.insert(name.to_owned());
    }

    /// Whether the group is provisioned: every group until one is
    /// assigned, then the assigned ones. A group that loses its assignment
    /// is left in the target as it is: the rows of IDP-ENGINES give no
    /// source for what Entra does with it, so idpsim claims nothing.
    fn group_in_scope(&self, name: &str) -> bool {
        !self.group_assignment || self.assigned_groups.contains(name)
    }

    fn out_of_scope(&mut self, name: &str, why: Scope) {
        let k = Self::key(name);
        self.scope.insert(k.clone(), why);
        self.dirty_users.insert(k);
    }

    /// Soft delete (the recycle bin): disabled in the target now, deleted
    /// there when the hard delete comes, 30 days later.
    pub fn soft_delete(&mut self, name: &str) {
        let k = Self::key(name);
        if !self.scope.contains_key(&k) {
            self.scope.insert(k.clone(), Scope::SoftDeleted(self.now));
        }
        self.dirty_users.insert(k);
    }

    /// Back from the recycle bin (a reactivation of a soft-deleted user).
    pub fn restore(&mut self, name: &str) {
        let k = Self::key(name);
        if matches!(self.scope.get(&k), Some(Scope::SoftDeleted(_))) {
            self.scope.remove(&k);
        }
        self.dirty_users.insert(k);
    }

    /// A hard delete (a purge, or 30 days after the soft delete): the next
    /// cycle sends `DELETE`, unless Entra no longer manages the user.
    /// Returns whether a DELETE will go out.
    pub fn hard_delete(&mut self, name: &str) -> bool {
        let k = Self::key(name);
        let managed = !self.unmanaged.contains(&k);
        self.hard_deletes.insert(k.clone());
        self.dirty_users.insert(k);
        managed
    }

    pub fn renamed_group(&mut self, from: &str, to: &str) {
        if let Some(m) = self.exported.remove(from) {
            self.exported.insert(to.to_owned(), m);
        }
        for set in [&mut self.dirty_groups, &mut self.confirm_groups] {
            if set.shift_remove(from) {
                set.insert(to.to_owned());
            }
        }
        self.escrow.rename(
            &Object::Group(from.to_owned()),
            Object::Group(to.to_owned()),
        );
        self.dirty_groups.insert(to.to_owned());
    }

    pub fn deleted_group(&mut self, name: &str) {
        self.exported.remove(name);
        self.dirty_groups.shift_remove(name);
        self.confirm_groups.shift_remove(name);
        self.escrow.succeed(&Object::Group(name.to_owned()));
    }

    /// After a directory reset on the target: what Entra pushed is gone.
    pub fn forget_links(&mut self) {
        self.exported.clear();
        self.confirm_users.clear();
        self.confirm_groups.clear();
        self.pending_refs.clear();
    }

    /// Reports of on-demand rounds since the last call.
    pub fn take_on_demand(&mut self) -> Vec<CycleReport> {
        std::mem::take(&mut self.on_demand)
    }

    /// When the next cycle runs: one interval on, or on the quarantine's
    /// slower schedule.
    pub fn next_cycle_at(&self) -> Minutes {
        match &self.quarantine {
            // A disabled job runs nothing; its clock still moves, by days.
            Some(_) if self.disabled => self
                .now
                .plus(Minutes::hours(self.rules.quarantine_every_hours)),
            Some(q) => q.next_attempt(self.rules),
            None => self.now.plus(self.rules.interval),
        }
    }

    fn quarantine_state(&self) -> Option<QuarantineState> {
        self.quarantine.as_ref().map(|q| QuarantineState {
            since: q.since.to_string(),
            reason: q.trigger.reason.to_owned(),
            rule: q.trigger.rule.clone(),
            next_attempt: if self.disabled {
                "none (disabled)".into()
            } else {
                q.next_attempt(self.rules).to_string()
            },
            disabled: self.disabled,
        })
    }

    /// Runs one cycle at its scheduled time.
    pub async fn cycle(
        &mut self,
        kind: Kind,
        dir: &mut Directory,
        wire: &Wire,
        progress: Option<Arc<Progress>>,
    ) -> CycleReport {
        if self.cycles_run > 0 {
            self.now = self.next_cycle_at();
        }
        self.cycles_run += 1;
        let label = match kind {
            Kind::Initial => "initial",
            Kind::Incremental => "incremental",
        };
        let mut report = CycleReport::new(self.cycles_run, label, self.now);
        if kind == Kind::Initial && self.cycles_run > 1 {
            // A restart: "clears escrows, removes the app from quarantine,
            // and clears any watermarks" (application-provisioning-
            // quarantine-status.md); links stay.
            self.escrow.clear();
            self.quarantine = None;
            self.disabled = false;
            self.succeeded = 0;
            report
                .notes
                .push("restart: escrows, quarantine and the watermark cleared; links kept".into());
        }
        if self.disabled {
            report.notes.push(
                "the job is disabled (it stayed in quarantine for more than four weeks); nothing runs until a restart (`cycle: initial`)"
                    .into(),
            );
            report.quarantine = self.quarantine_state();
            self.loops.clear();
            return report;
        }
        let quarantined = self.quarantine.is_some();
        let rules = self.rules;
        // Soft-deleted users whose 30 days are up are hard-deleted now.
        let purge: Vec<String> = self
            .scope
            .iter()
            .filter(|(_, s)| {
                matches!(s, Scope::SoftDeleted(at) if at.plus(rules.hard_delete_after) <= self.now)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in purge {
            self.hard_deletes.insert(k);
        }
        let mut users: IndexMap<String, &'static str> = IndexMap::new();
        let mut groups: IndexSet<String> = IndexSet::new();
        let mut refs: IndexSet<String> = std::mem::take(&mut self.pending_refs);
        for k in &self.hard_deletes {
            users.insert(k.clone(), "hard delete");
        }
        if kind == Kind::Initial {
            for u in dir.users() {
                users
                    .entry(Self::key(&u.user_name))
                    .or_insert("initial cycle");
            }
            groups.extend(dir.groups().map(|g| g.name.clone()));
        } else {
            for k in &self.dirty_users {
                users
                    .entry(k.clone())
                    .or_insert("changed since the watermark");
            }
            for k in &self.confirm_users {
                users
                    .entry(k.clone())
                    .or_insert("written in the last cycle");
            }
            groups.extend(self.dirty_groups.iter().cloned());
            groups.extend(self.confirm_groups.iter().cloned());
        }
        for o in self.escrow.due(self.now, quarantined) {
            match o {
                Object::User(k) => {
                    users.entry(k).or_insert("escrowed, retry due");
                }
                Object::Manager(k) => {
                    refs.insert(k);
                }
                Object::Group(g) => {
                    groups.insert(g);
                }
            }
        }
        let round = self
            .round(dir, wire, users, refs, groups, progress, &mut report)
            .await;
        // The watermark moves on: what was evaluated is no longer changed.
        self.dirty_users.clear();
        self.dirty_groups.clear();
        for (o, f) in &round.failures {
            let reference = matches!(o, Object::Manager(_)) || f.operation.contains("members");
            let failed = escrow::Failed {
                operation: f.operation.clone(),
                error: f.error.clone(),
                reference,
            };
            self.escrow.fail(
                o.clone(),
                failed,
                self.now,
                self.now.plus(rules.interval),
                rules,
            );
        }
        self.judge_quarantine(&round, &mut report);
        self.finish_round(&round);
        self.loops = report.loops.clone();
        report.escrowed_total = self.escrow.len();
        // A quarantined job retries everything at its next attempt.
        let attempt = self.quarantine.is_some().then(|| self.next_cycle_at());
        report.escrowed = self
            .escrow
            .entries()
            .take(report::DETAIL)
            .map(|(o, e)| Escrowed {
                object: o.to_string(),
                operation: e.operation.clone(),
                error: e.error.clone(),
                retried: e.failures - 1,
                next_retry: match (attempt, e.next_retry) {
                    (Some(t), _) => format!("{t} (the quarantined job's next attempt)"),
                    (None, Some(t)) => t.to_string(),
                    (None, None) => "never (every retry failed)".into(),
                },
                reference: e.reference,
            })
            .collect();
        report.quarantine = self.quarantine_state();
        report
    }

    /// Quarantine after a cycle: begun by a failure no retry fixes or by
    /// the escrow thresholds, lifted by an attempt that meets neither,
    /// turned into a disabled job after four weeks.
    fn judge_quarantine(&mut self, round: &Round, report: &mut CycleReport) {
        let rules = self.rules;
        let (failed, reference) = self.escrow.counts();
        let trigger: Option<Trigger> = round
            .failures
            .iter()
            .find_map(|(_, f)| f.quarantine.clone())
            .or_else(|| quarantine::escrow_trigger(rules, failed, reference, self.succeeded));
        match (&mut self.quarantine, trigger) {
            (None, Some(t)) => {
                self.quarantine = Some(Quarantine {
                    since: self.now,
                    trigger: t,
                    attempts: 0,
                });
            }
            (Some(q), Some(_)) => {
                q.attempts += 1;
                if q.disables(rules) {
                    // "the escrow entry is removed and the job is disabled"
                    self.disabled = true;
                    self.escrow.clear();
                }
            }
            (Some(q), None) => {
                report.notes.push(format!(
                    "quarantine lifted: this attempt met none of its causes (it began {} on: {})",
                    q.since, q.trigger.rule
                ));
                self.quarantine = None;
            }
            (None, None) => {}
        }
    }

    /// What a round leaves for the next: the objects it wrote are
    /// evaluated again, its writes are the ones a loop repeats.
    fn finish_round(&mut self, round: &Round) {
        self.confirm_users = round.written_users.clone();
        self.confirm_groups = round.written_groups.clone();
        self.last_writes = std::mem::take(&mut self.round_writes);
    }

    /// Provision on demand: the named objects now, between cycles, at the
    /// current virtual time. A failure is the step's; the object stays
    /// changed, so the next cycle takes it up.
    pub async fn on_demand(
        &mut self,
        dir: &mut Directory,
        wire: &Wire,
        users: &[String],
        groups: &[String],
    ) -> Result<CycleReport, EventError> {
        let mut report = CycleReport::new(self.cycles_run, "on-demand", self.now);
        let users: IndexMap<String, &'static str> =
            users.iter().map(|u| (Self::key(u), "on demand")).collect();
        // Only the named users' own references: others wait for a cycle.
        let round = self
            .round(
                dir,
                wire,
                users,
                IndexSet::new(),
                groups.iter().cloned().collect(),
                None,
                &mut report,
            )
            .await;
        for k in &round.ok_users {
            self.dirty_users.shift_remove(k);
        }
        for g in &round.ok_groups {
            self.dirty_groups.shift_remove(g);
        }
        // Written between cycles, evaluated again by the next one.
        self.confirm_users
            .extend(round.written_users.iter().cloned());
        self.confirm_groups
            .extend(round.written_groups.iter().cloned());
        self.on_demand.push(report.clone());
        match round.failures.into_iter().next() {
            Some((_, f)) => Err(f.source.unwrap_or(EventError::Protocol(f.error))),
            None => Ok(report),
        }
    }

    /// Records an attribute write, and a loop when the round before wrote
    /// the same value to the same attribute.
    fn record(&mut self, w: &report::Write, report: &mut CycleReport) {
        let Some(attr) = &w.attribute else {
            return;
        };
        // The op is part of what repeats: an Add of members followed by a
        // Replace with the same list is not one write sent twice.
        let key = (w.object.clone(), format!("{} {attr}", w.op));
        if self.last_writes.get(&key) == Some(&w.value) && report.loops.len() < report::DETAIL {
            report.loops.push(Loop {
                object: w.object.clone(),
                attribute: attr.clone(),
                written: w.value.clone(),
                read_back: w.read.clone(),
                message: format!(
                    "{}: {attr} written again with {}; the target's read returned {} after the last write",
                    w.object, w.value, w.read
                ),
            });
        }
        self.round_writes.insert(key, w.value.clone());
    }

    /// Users (by key, with why), then manager references, then groups.
    #[allow(clippy::too_many_arguments)]
    async fn round(
        &mut self,
        dir: &mut Directory,
        wire: &Wire,
        users: IndexMap<String, &'static str>,
        mut refs: IndexSet<String>,
        mut groups: IndexSet<String>,
        progress: Option<Arc<Progress>>,
        report: &mut CycleReport,
    ) -> Round {
        let mut round = Round::default();
        let before = wire.client.sent();
        if let Some(p) = &progress {
            p.total.store(users.len() + groups.len(), Ordering::Relaxed);
        }
        let width = wire.client.config().concurrency.max(1) * 2;

        // Users.
        let mut jobs = Vec::new();
        for (k, why) in users {
            let Some(u) = dir.user(&k) else { continue };
            let managed = !self.unmanaged.contains(&k);
            let want = if self.hard_deletes.contains(&k) {
                if !managed || u.target_id.is_none() {
                    report.notes.push(format!(
                        "user {}: hard-deleted, but {}; no DELETE is sent (IDP-ENGINES E15)",
                        u.user_name,
                        if managed {
                            "never provisioned"
                        } else {
                            "Entra stopped managing it when it was unassigned or scoped out"
                        }
                    ));
                    self.hard_deletes.shift_remove(&k);
                    self.scope.remove(&k);
                    if !managed {
                        self.released.insert(k.clone());
                    }
                    dir.remove_user(&k);
                    continue;
                }
                Want::Delete
            } else if self.out(dir, &k).is_some() {
                if !managed {
                    continue;
                }
                Want::Disable
            } else {
                Want::Provision
            };
            jobs.push((
                k,
                UserJob {
                    user: u.clone(),
                    want,
                    matching: self.matching.clone(),
                    why,
                },
            ));
        }
        let outcomes = run_bounded(
            jobs.into_iter().map(|(k, job)| {
                let wire = wire.clone();
                async move {
                    let want = job.want;
                    (k, want, process::user(wire, job).await)
                }
            }),
            width,
            progress.as_deref(),
        )
        .await;
        let mut reads: HashMap<String, Option<Value>> = HashMap::new();
        let mut newly_linked: IndexSet<String> = IndexSet::new();
        for (k, want, done) in outcomes {
            report.evaluated += 1;
            for w in &done.writes {
                self.record(w, report);
                if w.attribute.is_some() {
                    round.written_users.insert(k.clone());
                }
                report.wrote(w.clone());
            }
            if let Some(s) = done.skipped {
                report.notes.push(s);
            }
            if let Some(f) = done.failure {
                round.failures.push((Object::User(k), f));
                continue;
            }
            if self.escrow.succeed(&Object::User(k.clone())).is_some() {
                report
                    .notes
                    .push(format!("user {k}: the escrowed operation went through"));
            }
            self.succeeded += 1;
            round.ok_users.insert(k.clone());
            if done.deleted {
                self.hard_deletes.shift_remove(&k);
                self.scope.remove(&k);
                self.unmanaged.remove(&k);
                self.pending_refs.shift_remove(&k);
                for m in self.exported.values_mut() {
                    m.shift_remove(&k);
                }
                dir.remove_user(&k);
                continue;
            }
            if want == Want::Disable
                && matches!(
                    self.out(dir, &k),
                    Some(Scope::Unassigned | Scope::ScopedOut)
                )
                && done.id.is_some()
            {
                self.unmanaged.insert(k.clone());
            }
            if let Some(id) = done.id
                && let Some(u) = dir.user_mut(&k)
            {
                if u.target_id.as_deref() != Some(id.as_str()) {
                    newly_linked.insert(k.clone());
                }
                u.target_id = Some(id);
            }
            if want == Want::Provision {
                reads.insert(k.clone(), done.read);
                refs.insert(k);
            }
        }

        // Manager references, once both ends are in the target (E7).
        let mut ref_jobs = Vec::new();
        for k in refs {
            let Some(u) = dir.user(&k) else { continue };
            let (Some(id), Some(m)) = (u.target_id.clone(), u.manager.clone()) else {
                continue;
            };
            if self.out(dir, &k).is_some() {
                continue;
            }
            let mk = Self::key(&m);
            match dir.user(&m).and_then(|mu| mu.target_id.clone()) {
                Some(mid) if self.out(dir, &mk).is_none() => {
                    let read = reads.get(&k).cloned().flatten();
                    ref_jobs.push((k, u.user_name.clone(), id, m, mid, read));
                }
                _ => {
                    report.notes.push(format!(
                        "user {}: manager {m} is not in the target yet; the reference is resolved in a later cycle (IDP-ENGINES E7)",
                        u.user_name
                    ));
                    self.pending_refs.insert(k);
                }
            }
        }
        let outcomes = run_bounded(
            ref_jobs.into_iter().map(|(k, name, id, m, mid, read)| {
                let wire = wire.clone();
                async move { (k, process::manager(wire, name, id, m, mid, read).await) }
            }),
            width,
            None,
        )
        .await;
        for (k, done) in outcomes {
            if let Some(w) = &done.write {
                self.record(w, report);
                round.written_users.insert(k.clone());
                report.wrote(w.clone());
            }
            match done.failure {
                Some(f) => round.failures.push((Object::Manager(k), f)),
                None => {
                    self.pending_refs.shift_remove(&k);
                    self.escrow.succeed(&Object::Manager(k));
                }
            }
        }

        // Groups: those asked for, and those with a member newly in the
        // target (membership is a reference too).
        if !newly_linked.is_empty() {
            for g in dir.groups() {
                if g.members
                    .iter()
                    .any(|m| newly_linked.contains(&Self::key(m)))
                {
                    groups.insert(g.name.clone());
                }
            }
        }
        let mut group_jobs = Vec::new();
        for name in groups {
            let Some(g) = dir.group(&name) else { continue };
            if !self.group_in_scope(&name) {
                continue;
            }
            let desired: IndexMap<String, (String, String)> = g
                .members
                .iter()
                .filter_map(|m| {
                    let k = Self::key(m);
                    if self.out(dir, &k).is_some() || self.hard_deletes.contains(&k) {
                        return None;
                    }
                    let u = dir.user(m)?;
                    Some((k, (u.target_id.clone()?, u.user_name.clone())))
                })
                .collect();
            group_jobs.push(GroupJob {
                name: name.clone(),
                idp_id: g.idp_id.clone(),
                link: g.target_id.clone(),
                desired,
                exported: self.exported.get(&name).cloned().unwrap_or_default(),
            });
        }
        let outcomes = run_bounded(
            group_jobs.into_iter().map(|job| {
                let wire = wire.clone();
                async move { (job.name.clone(), process::group(wire, job).await) }
            }),
            width,
            progress.as_deref(),
        )
        .await;
        for (name, done) in outcomes {
            report.evaluated += 1;
            for w in &done.writes {
                self.record(w, report);
                if w.op != "POST" {
                    round.written_groups.insert(name.clone());
                }
                report.wrote(w.clone());
            }
            report.notes.extend(done.notes);
            if let Some(id) = done.id
                && let Some(g) = dir.group_mut(&name)
            {
                g.target_id = Some(id);
            }
            if let Some(m) = done.exported {
                self.exported.insert(name.clone(), m);
            }
            match done.failure {
                Some(f) => round.failures.push((Object::Group(name), f)),
                None => {
                    self.escrow.succeed(&Object::Group(name.clone()));
                    self.succeeded += 1;
                    round.ok_groups.insert(name);
                }
            }
        }
        report.requests = wire.client.sent() - before;
        round
    }
}

/// Runs `tasks` at most `width` at a time; their outputs in the tasks'
/// order, so that a report reads the same whatever finished first.
async fn run_bounded<T, F>(
    tasks: impl Iterator<Item = F>,
    width: usize,
    progress: Option<&Progress>,
) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    let mut tasks = tasks.enumerate();
    let mut out = Vec::new();
    // Each job's requests carry its place, so a recording can be put back
    // in this order (crate::plan).
    let batch = crate::plan::next_set();
    loop {
        while set.len() < width {
            let Some((i, t)) = tasks.next() else { break };
            let job = u32::try_from(i).unwrap_or(u32::MAX);
            set.spawn(crate::plan::job(batch, job, async move { (i, t.await) }));
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        if let Some(p) = progress {
            p.done.fetch_add(1, Ordering::Relaxed);
        }
        // A job that panicked is a bug here, not a target's failure.
        out.push(done.expect("a cycle job panicked"));
    }
    out.sort_unstable_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}
