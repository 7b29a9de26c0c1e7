//! Scenario playback: each step against the target, with a verdict and
//! the exchanges behind it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::client::{Exchange, Faults, Method};
use crate::cycles::{CycleReport, Engine, Kind};
use crate::directory::{Directory, Generate, User};
use crate::idp::{EventError, Field, Idp, Imported, Progress};
use crate::namespace::Namespace;
use crate::reconcile::{self, Drift};
use crate::saml::sign_in::{self, SigningIdp, SpEndpoints, Verdict};
use crate::scenario::{
    Expectation, LoginExpect, LoginStep, ReconcileOutcome, Scenario, Settable, Step, parse_duration,
};

/// The outcome of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// 1-based.
    pub index: usize,
    pub step: String,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// What the step observed (counts, latencies, drift found).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub requests: u64,
    pub millis: u64,
    pub p95_ms: f64,
    /// The requests the step sent and what came back; on a pass only when
    /// recording, on a failure the last ones as evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// The provisioning cycles the step ran, or its on-demand rounds, with
    /// their findings (profiles that work in cycles).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<CycleReport>,
}

/// The outcome of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub file: String,
    pub name: String,
    pub idp: String,
    pub passed: bool,
    /// The run prefix every name carried, on a shared target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub steps: Vec<StepReport>,
}

/// Builds the scenario's directory: generated users first, then the ones
/// written out, then group memberships.
pub fn build_directory(s: &Scenario, seed: u64) -> Directory {
    let mut dir = match &s.directory.generate {
        Some(g) => Directory::generate(&Generate {
            seed,
            users: g.users,
            groups: g.groups,
            domain: g.domain.clone(),
        }),
        None => Directory::new(seed),
    };
    for spec in &s.directory.users {
        let mut u = dir.new_user(&spec.user_name);
        if let Some(n) = &spec.name {
            let mut parts = n.splitn(2, ' ');
            u.given_name = parts.next().unwrap_or_default().to_owned();
            u.family_name = parts.next().unwrap_or_default().to_owned();
            u.display_name = n.clone();
        }
        if let Some(e) = &spec.email {
            u.email = e.clone();
        }
        u.title = spec.title.clone();
        u.department = spec.department.clone();
        u.manager = spec.manager.clone();
        u.active = spec.active;
        dir.add_user(u);
        for g in &spec.groups {
            dir.add_group(g).members.insert(spec.user_name.clone());
        }
    }
    for g in &s.directory.groups {
        dir.add_group(g);
    }
    dir
}

/// Plays scenarios against one target.
#[derive(Debug)]
pub struct Player {
    pub idp: Idp,
    /// Accounts the IdP does not manage (a tenant's Primary Owner): left
    /// out of counts and reconcile.
    pub exempt: Vec<String>,
    pub progress: Arc<Progress>,
    /// Keep every exchange in the reports (for `--record`).
    pub record: bool,
    /// Where `login` steps sign in, and as which IdP.
    pub saml: Option<(SpEndpoints, SigningIdp)>,
    /// The run prefix on every name, on a target other runs share.
    namespace: Option<Namespace>,
    deprovisioned_at: HashMap<String, Instant>,
    last_status: Option<u16>,
    /// Cycle reports of the step being played.
    cycle_reports: Vec<CycleReport>,
}

impl Player {
    pub fn new(idp: Idp) -> Self {
        Player {
            idp,
            exempt: Vec::new(),
            progress: Arc::new(Progress::default()),
            record: false,
            saml: None,
            namespace: None,
            deprovisioned_at: HashMap::new(),
            last_status: None,
            cycle_reports: Vec::new(),
        }
    }

    /// Plays in a namespace: the directory is renamed into it now, and
    /// each step as it runs; counts, reconcile and resets see only what is
    /// in it.
    pub fn namespaced(mut self, ns: Namespace) -> Self {
        ns.directory(&mut self.idp.dir);
        self.namespace = Some(ns);
        self
    }

    pub fn namespace(&self) -> Option<&Namespace> {
        self.namespace.as_ref()
    }

    /// Runs every step; `on_step` sees each report as it is made.
    pub async fn run(
        &mut self,
        file: &str,
        s: &Scenario,
        mut on_step: impl FnMut(&StepReport),
    ) -> ScenarioReport {
        if let Some(f) = &s.faults {
            self.idp.wire.client.set_faults(faults(f)).await;
        }
        let mut steps = Vec::new();
        for (i, step) in s.steps.iter().enumerate() {
            let renamed;
            let step = match &self.namespace {
                Some(ns) => {
                    renamed = ns.step(step);
                    &renamed
                }
                None => step,
            };
            let _ = self.idp.wire.client.take().await;
            let started = Instant::now();
            let waited = self.idp.wire.client.waited();
            let mut outcome = self.step(step).await;
            let waited = self.idp.wire.client.waited() - waited;
            if let (Ok(notes), false) = (&mut outcome, waited.is_zero()) {
                notes.push(format!(
                    "waited {} s of Retry-After on the virtual clock, in full as {} does (IDP-ENGINES O29); real time slept at most --max-retry-after per wait",
                    waited.as_secs(),
                    self.idp.wire.profile.name
                ));
            }
            let (exchanges, stats) = self.idp.wire.client.take().await;
            let mut cycles = std::mem::take(&mut self.cycle_reports);
            if let Some(e) = &mut self.idp.engine {
                cycles.extend(e.take_on_demand());
            }
            let (passed, failure, notes) = match outcome {
                Ok(mut notes) => {
                    // An event provisioned on demand says what it wrote and why.
                    let interval = self.idp.engine.as_ref().map(|e| e.rules.interval);
                    if let Some(interval) = interval
                        && !matches!(
                            step,
                            Step::Cycle(_) | Step::Cycles(_) | Step::Sync(_) | Step::Reset(_)
                        )
                    {
                        for r in cycles
                            .iter()
                            .filter(|r| r.kind == "on-demand" && !r.is_quiet())
                        {
                            notes.extend(r.lines(interval));
                        }
                    }
                    (true, None, notes)
                }
                Err(f) => (false, Some(f), Vec::new()),
            };
            let evidence = if self.record {
                exchanges
            } else if !passed {
                let n = exchanges.len();
                exchanges.into_iter().skip(n.saturating_sub(6)).collect()
            } else {
                Vec::new()
            };
            let report = StepReport {
                index: i + 1,
                step: step.to_string(),
                passed,
                failure,
                notes,
                requests: stats.requests,
                millis: started.elapsed().as_millis() as u64,
                p95_ms: stats.percentile_ms(95.0),
                exchanges: evidence,
                cycles,
            };
            on_step(&report);
            steps.push(report);
        }
        ScenarioReport {
            file: file.to_owned(),
            name: s.name.clone(),
            idp: self.idp.wire.profile.name.to_owned(),
            passed: steps.iter().all(|r| r.passed),
            namespace: self.namespace.as_ref().map(|n| n.prefix().to_owned()),
            steps,
        }
    }

    fn step<'a>(
        &'a mut self,
        step: &'a Step,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send + 'a>> {
        Box::pin(async move {
            let e = |e: EventError| e.to_string();
            match step {
                Step::Sync(_) if self.idp.engine.is_some() => {
                    self.reset_progress();
                    let r = self
                        .idp
                        .cycle(Kind::Initial, Some(self.progress.clone()))
                        .await
                        .map_err(e)?;
                    self.cycle_done(r, true)
                }
                Step::Sync(_) => {
                    self.reset_progress();
                    self.idp.full_sync(self.progress.clone()).await.map_err(e)?;
                    Ok(vec![format!(
                        "{} users and {} groups pushed",
                        self.idp
                            .dir
                            .users()
                            .filter(|u| u.target_id.is_some())
                            .count(),
                        self.idp
                            .dir
                            .groups()
                            .filter(|g| g.target_id.is_some())
                            .count()
                    )])
                }
                Step::Join(u) => {
                    self.ensure_user(u);
                    self.idp.join(u).await.map_err(e)?;
                    Ok(vec![])
                }
                Step::Update(up) => {
                    let user = self
                        .idp
                        .dir
                        .user_mut(&up.user)
                        .ok_or_else(|| format!("no user {:?} in the directory", up.user))?;
                    let fields = set_fields(user, &up.set)?;
                    self.idp.update(&up.user, &fields).await.map_err(e)?;
                    Ok(vec![])
                }
                Step::UpdateMany(m) => {
                    let n = m.count(self.idp.dir.user_count())?;
                    self.engine()?;
                    let names: Vec<String> = self
                        .idp
                        .dir
                        .users()
                        .take(n)
                        .map(|u| u.user_name.clone())
                        .collect();
                    for name in &names {
                        set_fields(self.idp.dir.user_mut(name).expect("listed"), &m.set)?;
                        self.engine()?.changed_user(name);
                    }
                    Ok(vec![format!(
                        "{n} users changed in the directory; the next cycle sends the difference"
                    )])
                }
                Step::Move(m) => {
                    self.idp
                        .remove_members(&m.from, std::slice::from_ref(&m.user))
                        .await
                        .map_err(e)?;
                    self.idp
                        .add_members(&m.to, std::slice::from_ref(&m.user))
                        .await
                        .map_err(e)?;
                    Ok(vec![])
                }
                Step::Leave(u) => {
                    self.idp.set_active(u, false).await.map_err(e)?;
                    self.deprovisioned_at
                        .insert(u.to_lowercase(), Instant::now());
                    Ok(vec![])
                }
                Step::Reactivate(u) => {
                    self.idp.set_active(u, true).await.map_err(e)?;
                    Ok(vec![])
                }
                Step::Delete(u) => {
                    let sent = self.idp.delete_user(u).await.map_err(e)?;
                    self.deprovisioned_at
                        .insert(u.to_lowercase(), Instant::now());
                    if self.idp.wire.profile.soft_deletes {
                        return Ok(vec![format!(
                            "a soft delete: {} disables the user now and sends DELETE only with the hard delete, 30 days later or on `hard_delete` (IDP-ENGINES E15)",
                            self.idp.wire.profile.name
                        )]);
                    }
                    Ok(if sent {
                        vec![]
                    } else {
                        vec![format!(
                            "{} never sends DELETE for users; nothing was sent",
                            self.idp.wire.profile.name
                        )]
                    })
                }
                Step::CreateGroup(g) => {
                    self.idp.dir.add_group(&g.name);
                    let notes = self.assign(&g.members).await?;
                    for m in &g.members {
                        self.idp
                            .dir
                            .group_mut(&g.name)
                            .expect("just added")
                            .members
                            .insert(m.clone());
                    }
                    self.idp.push_group(&g.name).await.map_err(e)?;
                    Ok(notes)
                }
                Step::RenameGroup(r) => self
                    .idp
                    .rename_group(&r.from, &r.to)
                    .await
                    .map(|_| vec![])
                    .map_err(e),
                Step::AddMembers(m) => {
                    let notes = self.assign(&m.users).await?;
                    self.idp.add_members(&m.group, &m.users).await.map_err(e)?;
                    Ok(notes)
                }
                Step::RemoveMembers(m) => self
                    .idp
                    .remove_members(&m.group, &m.users)
                    .await
                    .map(|_| vec![])
                    .map_err(e),
                Step::ChangeMembers(m) => {
                    let notes = self.assign(&m.add).await?;
                    self.idp
                        .change_members(&m.group, &m.add, &m.remove)
                        .await
                        .map_err(e)?;
                    Ok(notes)
                }
                Step::PushNow(p) => {
                    self.idp
                        .push_now(&p.group, p.form.map(|f| f.full_push()))
                        .await
                        .map_err(e)?;
                    Ok(vec![])
                }
                Step::DeleteGroup(g) => self.idp.delete_group(g).await.map(|_| vec![]).map_err(e),
                Step::Import(_) => {
                    let page = self.idp.wire.profile.import_page.unwrap_or(100);
                    let users = self.idp.wire.import("Users", page).await.map_err(e)?;
                    let groups = self.idp.wire.import("Groups", page).await.map_err(e)?;
                    let mut lost = Vec::new();
                    for (endpoint, got) in [("Users", &users), ("Groups", &groups)] {
                        if let Some(finding) = self.never_imported(endpoint, page, got).await? {
                            lost.push(finding);
                        }
                    }
                    if !lost.is_empty() {
                        return Err(lost.join("; "));
                    }
                    Ok(vec![format!(
                        "imported {} users and {} groups in pages of {page}",
                        users.resources.len(),
                        groups.resources.len()
                    )])
                }
                Step::Reset(r) => {
                    let mut notes = Vec::new();
                    if let Some(ns) = &self.namespace {
                        let n = ns.reset(&mut self.idp).await.map_err(e)?;
                        notes.push(format!(
                            "{n} objects deleted, all named {}…; nothing else was touched",
                            ns.prefix()
                        ));
                    } else {
                        let n = self.idp.reset(&self.exempt).await.map_err(e)?;
                        notes.push(format!("{n} objects deleted"));
                    }
                    if r.resync {
                        self.reset_progress();
                        self.idp.full_sync(self.progress.clone()).await.map_err(e)?;
                        notes.push("directory pushed again".into());
                    }
                    Ok(notes)
                }
                Step::Reconcile(r) => {
                    let deprovisioned = self
                        .idp
                        .engine
                        .as_ref()
                        .map(|e| e.deprovisioned(&self.idp.dir))
                        .unwrap_or_default();
                    let drift = reconcile::reconcile_in(
                        &self.idp.wire,
                        &self.idp.dir,
                        &self.exempt,
                        self.namespace.as_ref(),
                        &deprovisioned,
                    )
                    .await
                    .map_err(e)?;
                    judge_drift(&drift, r.expect, &r.findings, self.namespace.as_ref())
                }
                Step::Expect(x) => self.expect(x).await,
                Step::Login(l) => self.login(l).await,
                Step::ExpectFailure(x) => match self.step(&x.step).await {
                    Ok(_) => Err(format!(
                        "[{}] succeeded; a failure containing {:?} was expected",
                        x.step, x.contains
                    )),
                    // What the file wrote has no run prefix; what failed may.
                    Err(msg)
                        if self
                            .written(&msg)
                            .to_lowercase()
                            .contains(&x.contains.to_lowercase()) =>
                    {
                        Ok(vec![format!("failed as expected: {msg}")])
                    }
                    Err(msg) => Err(format!(
                        "[{}] failed, but with {msg:?}, not {:?}",
                        x.step, x.contains
                    )),
                },
                Step::Wait(w) => {
                    tokio::time::sleep(parse_duration(w)?).await;
                    Ok(vec![])
                }
                Step::Faults(f) => {
                    self.idp.wire.client.set_faults(faults(f)).await;
                    Ok(vec![])
                }
                Step::TestConnection(t) => {
                    let mut notes = vec![self.idp.test_connection().await.map_err(e)?];
                    if t.groups {
                        notes.push(self.idp.test_group_connection().await.map_err(e)?);
                    }
                    Ok(notes)
                }
                Step::Cycle(kind) => {
                    self.reset_progress();
                    let r = self
                        .idp
                        .cycle(*kind, Some(self.progress.clone()))
                        .await
                        .map_err(e)?;
                    self.cycle_done(r, false)
                }
                Step::Cycles(n) => {
                    let mut reports = Vec::new();
                    for _ in 0..*n {
                        reports.push(self.idp.cycle(Kind::Incremental, None).await.map_err(e)?);
                    }
                    let interval = self.engine()?.rules.interval;
                    let notes = crate::cycles::report::summarise(&reports, interval);
                    self.cycle_reports.extend(reports);
                    Ok(notes)
                }
                Step::HardDelete(u) => {
                    self.user_known(u)?;
                    let p = self.idp.wire.profile.name;
                    let sends = self.engine()?.hard_delete(u);
                    Ok(vec![if sends {
                        format!("{p} sends DELETE for {u} in the next cycle")
                    } else {
                        format!(
                            "{u} was unassigned or scoped out: {p} no longer manages it and sends no DELETE (IDP-ENGINES E15)"
                        )
                    }])
                }
                Step::SetManager(m) => {
                    self.user_known(&m.user)?;
                    self.ensure_user(&m.manager);
                    self.engine()?;
                    self.idp.dir.user_mut(&m.user).expect("known").manager =
                        Some(m.manager.clone());
                    self.engine()?.changed_user(&m.user);
                    Ok(vec!["the next cycle resolves the reference".into()])
                }
                Step::Unassign(u) => {
                    self.user_known(u)?;
                    self.engine()?.unassign(u);
                    Ok(vec![
                        "the next cycle disables the user; it is no longer managed after that"
                            .into(),
                    ])
                }
                Step::ScopeOut(u) => {
                    self.user_known(u)?;
                    self.engine()?.scope_out(u);
                    Ok(vec![
                        "the next cycle disables the user; it is no longer managed after that"
                            .into(),
                    ])
                }
                Step::ClearManager(u) => {
                    self.user_known(u)?;
                    self.engine()?;
                    let had = self.idp.dir.user_mut(u).expect("known").manager.take();
                    self.engine()?.changed_user(u);
                    Ok(vec![match had {
                        Some(m) => format!(
                            "{u} had manager {m}; Entra cannot clear an attribute and sends nothing: the target keeps the reference (IDP-ENGINES E12)"
                        ),
                        None => format!("{u} had no manager"),
                    }])
                }
                Step::AssignGroup(g) => {
                    self.group_known(g)?;
                    let Player { idp, .. } = self;
                    let engine = idp
                        .engine
                        .as_mut()
                        .ok_or_else(|| no_engine(idp.wire.profile.name))?;
                    engine.assign_group(&idp.dir, g);
                    let nested = &idp.dir.group(g).expect("known").nested;
                    let mut notes = vec![format!(
                        "the next cycle brings {g}'s direct members into scope"
                    )];
                    if !nested.is_empty() {
                        notes.push(format!(
                            "not the members of {} nested in it: Entra does not expand nested groups",
                            nested.iter().cloned().collect::<Vec<_>>().join(", ")
                        ));
                    }
                    Ok(notes)
                }
                Step::UnassignGroup(g) => {
                    self.group_known(g)?;
                    let Player { idp, .. } = self;
                    let engine = idp
                        .engine
                        .as_mut()
                        .ok_or_else(|| no_engine(idp.wire.profile.name))?;
                    engine.unassign_group(&idp.dir, g);
                    Ok(vec![format!(
                        "the next cycle disables the members {g} alone kept in scope"
                    )])
                }
                Step::NestGroup(x) => {
                    self.engine()?;
                    self.idp.dir.add_group(&x.member);
                    self.idp
                        .dir
                        .add_group(&x.group)
                        .nested
                        .insert(x.member.clone());
                    Ok(vec![format!(
                        "{} is a member of {}: Entra pushes neither it as a member nor its members through it",
                        x.member, x.group
                    )])
                }
                Step::ProvisionOnDemand(u) => {
                    self.user_known(u)?;
                    self.engine()?;
                    // The round's own lines join the notes with every
                    // on-demand round's, below.
                    self.idp.provision_on_demand(u).await.map_err(e)?;
                    let mut notes = Vec::new();
                    if self.idp.wire.profile.on_demand.is_some() {
                        notes.push(format!(
                            "on demand, {} sends {}'s shapes: the aadOptscim062020 flag does not apply to provisioning on demand (IDP-ENGINES E27)",
                            self.idp.wire.profile.name,
                            self.idp.wire.profile.on_demand.map_or("", |p| p.name)
                        ));
                    }
                    Ok(notes)
                }
                Step::Matching(attrs) => {
                    self.engine()?.set_matching(attrs.clone());
                    Ok(vec![])
                }
                Step::Request(r) => {
                    let method = match r.method.to_ascii_uppercase().as_str() {
                        "GET" => Method::GET,
                        "POST" => Method::POST,
                        "PUT" => Method::PUT,
                        "PATCH" => Method::PATCH,
                        "DELETE" => Method::DELETE,
                        m => return Err(format!("unknown method {m:?}")),
                    };
                    let req = self
                        .idp
                        .wire
                        .request(method, r.path.clone(), r.body.clone());
                    let resp = self
                        .idp
                        .wire
                        .client
                        .send(&req)
                        .await
                        .map_err(|e| e.to_string())?;
                    self.last_status = Some(resp.status);
                    match r.status {
                        Some(want) if want != resp.status => Err(format!(
                            "{} {} answered {}, expected {want}: {}",
                            r.method,
                            r.path,
                            resp.status,
                            resp.text()
                        )),
                        _ => Ok(vec![format!("answered {}", resp.status)]),
                    }
                }
            }
        })
    }

    /// A message as the scenario file would name things: without the run
    /// prefix.
    fn written(&self, text: &str) -> String {
        match &self.namespace {
            Some(ns) => ns.unprefixed(text),
            None => text.to_owned(),
        }
    }

    /// How many users or groups the target holds: within the namespace
    /// when there is one, else all it lists less exempt accounts.
    async fn count_of(&self, endpoint: &str) -> Result<u64, String> {
        if let Some(ns) = &self.namespace {
            let listed = ns
                .list(&self.idp.wire, endpoint)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(listed.len() as u64);
        }
        let all = self.count(endpoint).await?;
        if endpoint == "Users" {
            Ok(all.saturating_sub(self.exempt_present().await?))
        } else {
            Ok(all)
        }
    }

    /// The provisioning job, for the steps that drive it.
    fn engine(&mut self) -> Result<&mut Engine, String> {
        let name = self.idp.wire.profile.name;
        self.idp.engine.as_mut().ok_or_else(|| no_engine(name))
    }

    fn group_known(&self, name: &str) -> Result<(), String> {
        match self.idp.dir.group(name) {
            Some(_) => Ok(()),
            None => Err(format!("no group {name:?} in the directory")),
        }
    }

    fn user_known(&self, name: &str) -> Result<(), String> {
        match self.idp.dir.user(name) {
            Some(_) => Ok(()),
            None => Err(format!("no user {name:?} in the directory")),
        }
    }

    /// Notes of one cycle; for `sync: all`, a cycle that left anything
    /// escrowed or quarantined the job fails the step, as a sync that
    /// failed an object does.
    fn cycle_done(&mut self, r: CycleReport, strict: bool) -> Result<Vec<String>, String> {
        let interval = self.engine()?.rules.interval;
        let mut notes = r.lines(interval);
        let failed = r.escrowed_total > 0 || r.quarantine.is_some();
        let why = r.quarantine.as_ref().map(|q| q.rule.clone()).or_else(|| {
            r.escrowed
                .first()
                .map(|e| format!("{}: {} failed: {}", e.object, e.operation, e.error))
        });
        self.cycle_reports.push(r);
        if strict && failed {
            return Err(why.unwrap_or_default());
        }
        notes.insert(
            0,
            format!(
                "{} users and {} groups linked",
                self.idp
                    .dir
                    .users()
                    .filter(|u| u.target_id.is_some())
                    .count(),
                self.idp
                    .dir
                    .groups()
                    .filter(|g| g.target_id.is_some())
                    .count()
            ),
        );
        Ok(notes)
    }

    fn reset_progress(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.progress.done.store(0, Relaxed);
        self.progress.failed.store(0, Relaxed);
        self.progress.total.store(0, Relaxed);
    }

    /// Assignment through a group provisions members the target does not
    /// have yet, before the membership is pushed.
    async fn assign(&mut self, users: &[String]) -> Result<Vec<String>, String> {
        let mut notes = Vec::new();
        for u in users {
            self.ensure_user(u);
            if self.idp.dir.user(u).is_some_and(|x| x.target_id.is_none()) {
                self.idp.join(u).await.map_err(|e| e.to_string())?;
                notes.push(format!("{u} provisioned by the group assignment"));
            }
        }
        Ok(notes)
    }

    /// What an import with holes never brought in, named by idpsim's own
    /// read of the endpoint (IDP-ENGINES O27): the IdP never asks for them.
    async fn never_imported(
        &self,
        endpoint: &str,
        page: usize,
        got: &Imported,
    ) -> Result<Option<String>, String> {
        if got.skipped.is_empty() {
            return Ok(None);
        }
        let all = self
            .idp
            .wire
            .list_all(endpoint, page)
            .await
            .map_err(|e| e.to_string())?;
        let id = |r: &serde_json::Value| r.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        let seen: std::collections::HashSet<String> = got.resources.iter().filter_map(id).collect();
        let attr = if endpoint == "Users" {
            "userName"
        } else {
            "displayName"
        };
        let missed: Vec<String> = all
            .iter()
            .filter(|r| id(r).is_some_and(|i| !seen.contains(&i)))
            .map(|r| {
                r.get(attr)
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect();
        let ranges: Vec<String> = got
            .skipped
            .iter()
            .map(|(a, b)| format!("{a}-{b}"))
            .collect();
        const SHOWN: usize = 10;
        let more = missed.len().saturating_sub(SHOWN);
        Ok(Some(format!(
            "real {} would never import {} of {} {endpoint}: pages came back shorter than the {page} asked, and it steps startIndex by {page} whatever a page held (IDP-ENGINES O27), so it never asks for positions {}; never imported: {}{}",
            self.idp.wire.profile.name,
            missed.len(),
            got.total,
            ranges.join(", "),
            missed
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )))
    }

    /// A user written in a step but not in the directory joins it.
    fn ensure_user(&mut self, name: &str) {
        if self.idp.dir.user(name).is_none() {
            let u = self.idp.dir.new_user(name);
            self.idp.dir.add_user(u);
        }
    }

    async fn count(&self, endpoint: &str) -> Result<u64, String> {
        let req = self.idp.wire.request(
            Method::GET,
            format!("/{endpoint}?startIndex=1&count=1"),
            None,
        );
        let r = self
            .idp
            .wire
            .client
            .send(&req)
            .await
            .map_err(|e| e.to_string())?;
        r.json()
            .as_ref()
            .and_then(|b| b.get("totalResults"))
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                format!(
                    "GET /{endpoint} answered {} without an integer totalResults: {}",
                    r.status,
                    r.text()
                )
            })
    }

    async fn exempt_present(&self) -> Result<u64, String> {
        let mut n = 0;
        for name in &self.exempt {
            if self
                .idp
                .wire
                .lookup("Users", "userName", name)
                .await
                .map_err(|e| e.to_string())?
                .is_some()
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// A SAML sign-in, retried until the expectation holds when `within`
    /// allows; each attempt is a new browser.
    async fn login(&mut self, l: &LoginStep) -> Result<Vec<String>, String> {
        let Some((sp, idp)) = &self.saml else {
            return Err(
                "this step signs in over SAML, but the target has no SAML endpoints \
                 (give --sp-login and --sp-whoami)"
                    .into(),
            );
        };
        let limit = l.within.as_deref().map(parse_duration).transpose()?;
        let since = self.deprovisioned_at.get(&l.user.to_lowercase()).copied();
        let started = Instant::now();
        let http = sign_in::browser();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let verdict = sign_in::sp_initiated(&http, sp, idp, &self.idp.dir, &l.user).await?;
            let outcome = match (&verdict, l.expect) {
                (Verdict::Accepted { whoami }, LoginExpect::Accepted) => {
                    let who = whoami
                        .get("userName")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if who.eq_ignore_ascii_case(&l.user) {
                        Ok(format!("signed in; the SP reports {whoami}"))
                    } else {
                        return Err(format!(
                            "signed in, but the SP reports {who:?} instead of {:?}: {whoami}",
                            l.user
                        ));
                    }
                }
                (Verdict::Rejected { status, answer }, LoginExpect::Rejected) => {
                    Ok(format!("refused ({status}): {}", answer.trim()))
                }
                (Verdict::Accepted { whoami }, LoginExpect::Rejected) => {
                    Err(format!("the SP signed the user in: {whoami}"))
                }
                (Verdict::Rejected { status, answer }, LoginExpect::Accepted) => Err(format!(
                    "the SP refused the sign-in ({status}): {}",
                    answer.trim()
                )),
            };
            match outcome {
                Ok(note) => {
                    let mut notes = vec![note];
                    if limit.is_some() {
                        let (from, t) = match since {
                            Some(t) => ("the leave event", t.elapsed()),
                            None => ("the first attempt", started.elapsed()),
                        };
                        let what = match l.expect {
                            LoginExpect::Accepted => "accepted",
                            LoginExpect::Rejected => "refused",
                        };
                        notes.push(format!(
                            "{what} {} ms after {from} ({attempts} attempts)",
                            t.as_millis()
                        ));
                    }
                    return Ok(notes);
                }
                Err(why) => match limit {
                    Some(limit) if started.elapsed() < limit => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Some(limit) => {
                        return Err(format!(
                            "{why} (still so after {limit:?}, {attempts} attempts)"
                        ));
                    }
                    None => return Err(why),
                },
            }
        }
    }

    async fn expect(&mut self, x: &Expectation) -> Result<Vec<String>, String> {
        let mut notes = Vec::new();
        if x.quarantined.is_some() || x.loops.is_some() || x.escrowed.is_some() {
            notes.extend(self.expect_job(x)?);
        }
        // What a count covers, as the failure says it.
        let (users_scope, groups_scope) = match &self.namespace {
            Some(ns) => {
                let named = format!(" named {}…", ns.prefix());
                (named.clone(), named)
            }
            None => (" (not counting exempt accounts)".to_owned(), String::new()),
        };
        if let Some(want) = x.users {
            let got = self.count_of("Users").await?;
            if got != want {
                return Err(format!(
                    "the target lists {got} users{users_scope}, expected {want}"
                ));
            }
        }
        if let Some(want) = x.groups {
            let got = self.count_of("Groups").await?;
            if got != want {
                return Err(format!(
                    "the target lists {got} groups{groups_scope}, expected {want}"
                ));
            }
        }
        if let Some(name) = &x.user {
            if let Some(limit) = &x.deprovisioned_within {
                let limit = parse_duration(limit)?;
                let since = *self
                    .deprovisioned_at
                    .get(&name.to_lowercase())
                    .ok_or_else(|| {
                        format!("no leave or delete of {name:?} happened before this expectation")
                    })?;
                loop {
                    let found = self
                        .idp
                        .wire
                        .lookup("Users", "userName", name)
                        .await
                        .map_err(|e| e.to_string())?;
                    let done = found
                        .as_ref()
                        .is_none_or(|u| u.get("active") == Some(&Value::Bool(false)));
                    let took = since.elapsed();
                    if done {
                        notes.push(format!(
                            "deprovisioned {} ms after the event",
                            took.as_millis()
                        ));
                        break;
                    }
                    if took > limit {
                        return Err(format!(
                            "{name:?} is still active in the target {} ms after the event",
                            took.as_millis()
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            let found = self
                .idp
                .wire
                .lookup("Users", "userName", name)
                .await
                .map_err(|e| e.to_string())?;
            match (x.exists, &found) {
                (Some(true), None) => {
                    return Err(format!("user {name:?} does not exist in the target"));
                }
                (Some(false), Some(_)) => {
                    return Err(format!("user {name:?} still exists in the target"));
                }
                _ => {}
            }
            if let Some(u) = &found {
                if let Some(want) = x.active {
                    let got = u.get("active").and_then(Value::as_bool).unwrap_or(true);
                    if got != want {
                        return Err(format!(
                            "user {name:?} has active={got} in the target, expected {want}"
                        ));
                    }
                }
                check_attributes(u, &x.attributes, &format!("user {name:?}"))?;
            } else if x.active.is_some() || !x.attributes.is_empty() {
                return Err(format!("user {name:?} does not exist in the target"));
            }
        }
        if let Some(name) = &x.group {
            let found = self
                .idp
                .wire
                .lookup("Groups", "displayName", name)
                .await
                .map_err(|e| e.to_string())?;
            match (x.exists, &found) {
                (Some(true), None) => {
                    return Err(format!("group {name:?} does not exist in the target"));
                }
                (Some(false), Some(_)) => {
                    return Err(format!("group {name:?} still exists in the target"));
                }
                _ => {}
            }
            if let Some(g) = &found {
                check_attributes(g, &x.attributes, &format!("group {name:?}"))?;
                if let Some(want) = &x.members {
                    let id = g.get("id").and_then(Value::as_str).unwrap_or_default();
                    let req = self
                        .idp
                        .wire
                        .request(Method::GET, format!("/Groups/{id}"), None);
                    let r = self
                        .idp
                        .wire
                        .client
                        .send(&req)
                        .await
                        .map_err(|e| e.to_string())?;
                    let body = r.json().ok_or_else(|| {
                        format!("GET /Groups/{id} answered {} without JSON", r.status)
                    })?;
                    let by_id: HashMap<String, String> = self
                        .idp
                        .dir
                        .users()
                        .filter_map(|u| {
                            u.target_id.clone().map(|t| (t, u.user_name.to_lowercase()))
                        })
                        .collect();
                    let mut got: Vec<String> = body
                        .get("members")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|m| m.get("value").and_then(Value::as_str))
                                .map(|v| by_id.get(v).cloned().unwrap_or_else(|| format!("id:{v}")))
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut want: Vec<String> = want.iter().map(|w| w.to_lowercase()).collect();
                    got.sort();
                    want.sort();
                    if got != want {
                        return Err(format!(
                            "group {name:?} has members {got:?} in the target, expected {want:?}"
                        ));
                    }
                }
            } else if x.members.is_some() || !x.attributes.is_empty() {
                return Err(format!("group {name:?} does not exist in the target"));
            }
        }
        Ok(notes)
    }
}

impl Player {
    /// Expectations on the provisioning job: quarantine, loops, escrow.
    fn expect_job(&mut self, x: &Expectation) -> Result<Vec<String>, String> {
        let e = self.engine()?;
        let mut notes = Vec::new();
        if let Some(want) = x.quarantined
            && e.quarantined() != want
        {
            return Err(if want {
                "the job is not in quarantine".into()
            } else {
                "the job is in quarantine".into()
            });
        }
        if let Some(want) = &x.loops {
            let got: Vec<&str> = e.loops().iter().map(|l| l.message.as_str()).collect();
            let unmatched: Vec<&str> = got
                .iter()
                .copied()
                .filter(|g| {
                    !want
                        .iter()
                        .any(|w| g.to_lowercase().contains(&w.to_lowercase()))
                })
                .collect();
            if let Some(w) = want.iter().find(|w| {
                !got.iter()
                    .any(|g| g.to_lowercase().contains(&w.to_lowercase()))
            }) {
                return Err(format!(
                    "no loop mentions {w:?}; the last cycle's loops: {got:?}"
                ));
            }
            if !unmatched.is_empty() {
                return Err(format!("the last cycle found loops: {unmatched:?}"));
            }
            notes.extend(got.iter().map(|g| format!("loop: {g}")));
        }
        if let Some(want) = x.escrowed
            && e.escrowed() != want
        {
            return Err(format!(
                "{} operations are escrowed, expected {want}",
                e.escrowed()
            ));
        }
        Ok(notes)
    }
}

/// Sets the named attributes of a user; the fields that changed.
fn set_fields(user: &mut User, set: &BTreeMap<Settable, String>) -> Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    for (k, v) in set {
        let v = v.clone();
        let f = match k {
            Settable::GivenName => {
                user.given_name = v;
                Field::GivenName
            }
            Settable::FamilyName => {
                user.family_name = v;
                Field::FamilyName
            }
            Settable::DisplayName => {
                user.display_name = v;
                Field::DisplayName
            }
            Settable::Email => {
                user.email = v;
                Field::Email
            }
            Settable::Title => {
                user.title = Some(v);
                Field::Title
            }
            Settable::Department => {
                user.department = Some(v);
                Field::Department
            }
            Settable::EmployeeNumber => {
                user.employee_number = Some(v);
                Field::EmployeeNumber
            }
        };
        fields.push(f);
    }
    Ok(fields)
}

fn faults(f: &crate::scenario::FaultSpec) -> Faults {
    Faults {
        duplicate: f.duplicate,
        drop_response: f.drop_response,
        delay: Duration::from_millis(f.delay_ms),
        reorder_window: Duration::from_millis(f.reorder_ms),
        seed: f.seed,
    }
}

/// Reads `a.b` or `urn:…:attr.sub` from a resource.
pub fn attribute<'v>(resource: &'v Value, path: &str) -> Option<&'v Value> {
    let (mut cur, rest) = match path.rsplit_once(':') {
        Some((urn, rest)) if path.starts_with("urn:") => (resource.get(urn)?, rest),
        _ => (resource, path),
    };
    for part in rest.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

fn check_attributes(
    resource: &Value,
    want: &BTreeMap<String, Value>,
    what: &str,
) -> Result<(), String> {
    for (path, expected) in want {
        let got = attribute(resource, path).cloned().unwrap_or(Value::Null);
        if &got != expected {
            return Err(format!(
                "{what}: {path} is {got} in the target, expected {expected}"
            ));
        }
    }
    Ok(())
}

fn no_engine(profile: &str) -> String {
    format!(
        "this step drives provisioning cycles, which the {profile} profile does not run (entra and entra-2020 do)"
    )
}

/// `findings` are as the file wrote them; in a namespace they are matched
/// against the findings with the run prefix taken out.
fn judge_drift(
    drift: &Drift,
    expect: ReconcileOutcome,
    findings: &[String],
    ns: Option<&Namespace>,
) -> Result<Vec<String>, String> {
    let mut notes = vec![format!(
        "compared {} users and {} groups",
        drift.users_compared, drift.groups_compared
    )];
    if !drift.retained_inactive.is_empty() {
        notes.push(format!(
            "{} deleted users kept inactive by the target",
            drift.retained_inactive.len()
        ));
    }
    let found = drift.findings();
    match expect {
        ReconcileOutcome::Clean if found.is_empty() => Ok(notes),
        ReconcileOutcome::Clean => Err(format!("drift: {}", found.join("; "))),
        ReconcileOutcome::Drift if found.is_empty() => {
            Err("reconcile found no drift, but drift was expected".into())
        }
        ReconcileOutcome::Drift => {
            let written: Vec<String> = match ns {
                Some(ns) => found.iter().map(|f| ns.unprefixed(f)).collect(),
                None => found.clone(),
            };
            for want in findings {
                if !written.iter().any(|f| f.contains(want.as_str())) {
                    return Err(format!(
                        "expected a finding containing {want:?}; found: {}",
                        found.join("; ")
                    ));
                }
            }
            notes.extend(found);
            Ok(notes)
        }
    }
}
