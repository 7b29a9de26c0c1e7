//! The runs: each is one or more goose attacks ("phases"), every goose
//! transaction one lifecycle event sent through the simulator's SCIM client
//! with the profile's exact request sequence. The requests an event sent
//! are recorded into goose as its requests, so goose's reports show the
//! cost per event and per request.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goose::GooseAttack;
use goose::client::GooseClientBuilder;
use goose::config::GooseConfiguration;
use goose::goose::{GooseUser, Scenario, Transaction, TransactionError, TransactionResult};
use idpsim_simulator::client::{ClientConfig, Exchange, Method, ScimClient};
use idpsim_simulator::directory::{Directory, Generate, User};
use idpsim_simulator::idp::{EventError, Idp, Progress, Wire};
use idpsim_simulator::profile::Profile;
use idpsim_simulator::reconcile::{self, Drift};
use serde_json::Value;

use crate::shard::Shard;
use crate::summary::Summary;
use crate::window::Window;

/// Which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    BulkSync,
    Reset,
    Churn,
    Import,
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::BulkSync => "bulk-sync",
            RunKind::Reset => "reset",
            RunKind::Churn => "churn",
            RunKind::Import => "import",
        }
    }
}

/// Everything a run needs.
#[derive(Clone)]
pub struct LoadPlan {
    pub kind: RunKind,
    pub profile: &'static Profile,
    /// The seeded directory's size.
    pub users: usize,
    pub groups: usize,
    pub seed: u64,
    pub shard: Shard,
    /// The SCIM client every goose user clones its own from (auth, faults,
    /// timeout, retries).
    pub client: ClientConfig,
    /// The target's own reset control, if it has one.
    pub reset_url: Option<String>,
    /// Accounts the IdP does not manage (a tenant owner).
    pub exempt: Vec<String>,
    /// goose's options; host, users and iterations are filled in per phase
    /// where not given.
    pub goose: GooseConfiguration,
    /// Churn: lifecycle events per second across all goose users.
    pub churn_rate: f64,
    /// Sharded group pushes: how long to wait for members that another
    /// shard creates.
    pub member_wait: Duration,
}

/// Why a run could not be carried out (as opposed to a threshold failing).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("goose: {0}")]
    Goose(String),
    #[error("{0}")]
    Setup(String),
}

impl From<goose::GooseError> for LoadError {
    fn from(e: goose::GooseError) -> Self {
        // goose's Display of a refused option is only "invalid option or
        // value specified"; the option and why are in the fields.
        LoadError::Goose(match e {
            goose::GooseError::InvalidOption {
                option,
                value,
                detail,
            } => format!("{option} {value:?}: {detail}"),
            other => other.to_string(),
        })
    }
}

/// A finished run: the measurements and the reconcile.
pub struct Outcome {
    pub summary: Summary,
    /// `None` when the run could not be reconciled (a shard of several).
    pub drift: Option<Drift>,
    /// Events that failed, with why (the first few).
    pub failures: Vec<String>,
    /// How long the reconcile took (zero when skipped): on a 100k directory
    /// it is seconds that the user waits for after the last phase.
    pub reconcile_seconds: f64,
}

/// What goose users share during a phase.
struct Shared {
    profile: &'static Profile,
    client: ClientConfig,
    dir: Mutex<Directory>,
    /// userName (lower-cased) → target id, learned as users are pushed.
    user_ids: Mutex<HashMap<String, String>>,
    group_ids: Mutex<HashMap<String, String>>,
    failures: Mutex<Vec<String>>,
    /// Calls that found no work, by event name (see `Summary::add_phase`).
    idle: Mutex<std::collections::BTreeMap<String, u64>>,
    /// When this phase's events ran.
    busy: Window,
    counters: Mutex<HashMap<&'static str, u64>>,
    member_wait: Duration,
}

impl Shared {
    fn count(&self, what: &'static str, n: u64) {
        *self
            .counters
            .lock()
            .expect("not poisoned")
            .entry(what)
            .or_default() += n;
    }
    fn fail(&self, what: String) {
        let mut f = self.failures.lock().expect("not poisoned");
        if f.len() < 20 {
            f.push(what);
        }
    }
}

/// Per goose user: its own SCIM client, so the exchanges it takes after an
/// event are that event's, and its place in the work list.
#[derive(Clone)]
struct Session {
    wire: Wire,
    iteration: usize,
}

/// The session of a goose user, made on its first event.
fn session<'a>(user: &'a mut GooseUser, shared: &Shared) -> &'a mut Session {
    if user.get_session_data::<Session>().is_none() {
        let client =
            ScimClient::new(shared.client.clone()).expect("a client from a checked config");
        user.set_session_data(Session {
            wire: Wire {
                profile: shared.profile,
                client,
            },
            iteration: 0,
        });
    }
    user.get_session_data_mut::<Session>().expect("just set")
}

/// `GET /Users?filter`, `PATCH /Groups/{id}`: the request's name in goose's
/// tables, with ids and values left out so that like requests pool.
pub fn request_name(x: &Exchange, base_url: &str) -> String {
    let rest = x.url.strip_prefix(base_url).unwrap_or(&x.url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() >= 2 && !segs[1].starts_with('.') {
        segs[1] = "{id}";
    }
    let mut name = format!("{:?} /{}", x.method, segs.join("/"));
    if query.contains("filter=") {
        name.push_str("?filter");
    } else if query.contains("startIndex=") {
        name.push_str("?page");
    }
    name
}

/// Moves an event's exchanges into goose as requests.
async fn record(user: &mut GooseUser, base_url: &str) -> TransactionResult {
    let (exchanges, _) = session_wire(user).client.take().await;
    for x in &exchanges {
        let ok = x.error.is_none() && x.status.is_some_and(|s| s < 400);
        let name = request_name(x, base_url);
        let (method, path) = name.split_once(' ').unwrap_or(("GET", &name));
        user.record_custom_request_duration(
            method,
            path,
            Duration::from_micros(x.micros),
            ok,
            x.status,
            x.error.as_deref(),
        )
        .await?;
    }
    Ok(())
}

fn session_wire(user: &GooseUser) -> &Wire {
    &user
        .get_session_data::<Session>()
        .expect("a session exists once an event ran")
        .wire
}

fn event_failed(e: &EventError) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(e.to_string()))
}

type Work = Arc<
    dyn Fn(Wire, usize) -> futures::future::BoxFuture<'static, Result<(), EventError>>
        + Send
        + Sync,
>;

/// A transaction that, on each call, does the next item of `items` assigned
/// to this goose user: user k does items k, k+U, k+2U, …, so goose users
/// share the work without overlap and the phase ends (by goose's
/// `--iterations`) when the work does.
fn worker(
    name: &str,
    shared: Arc<Shared>,
    items: usize,
    users: usize,
    base_url: String,
    work: Work,
) -> Transaction {
    let event: Arc<str> = Arc::from(name);
    let f = transaction_fn(move |user| {
        Box::pin(next_item(
            event.clone(),
            user,
            shared.clone(),
            items,
            users,
            base_url.clone(),
            work.clone(),
        ))
    });
    Transaction::new(f).set_name(name)
}

/// Pins down the higher-ranked signature goose wants of a closure.
fn transaction_fn<F>(f: F) -> goose::goose::TransactionFunction
where
    F: for<'r> Fn(&'r mut GooseUser) -> futures::future::BoxFuture<'r, TransactionResult>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

async fn next_item(
    name: Arc<str>,
    user: &mut GooseUser,
    shared: Arc<Shared>,
    items: usize,
    users: usize,
    base_url: String,
    work: Work,
) -> TransactionResult {
    let k = user.weighted_users_index;
    let s = session(user, &shared);
    let i = k + s.iteration * users;
    s.iteration += 1;
    if i >= items {
        *shared
            .idle
            .lock()
            .expect("not poisoned")
            .entry(name.to_string())
            .or_default() += 1;
        return Ok(());
    }
    let wire = s.wire.clone();
    shared.busy.started();
    let result = work(wire, i).await;
    shared.busy.ended();
    record(user, &base_url).await?;
    result.map_err(|e| {
        shared.fail(e.to_string());
        event_failed(&e)
    })
}

/// Runs one goose attack.
async fn phase(
    plan: &LoadPlan,
    shared: &Shared,
    phase: &str,
    scenario: Scenario,
    iterations: Option<usize>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let mut cfg = plan.goose.clone();
    let origin = reqwest::Url::parse(&plan.client.base_url)
        .map_err(|e| LoadError::Setup(format!("bad target URL: {e}")))?;
    cfg.host
        .get_or_insert_with(|| origin.origin().ascii_serialization());
    let users = *cfg.users.get_or_insert(8);
    // Work is shared out among the users in equal parts, so a user started
    // late finishes late: unless asked to ramp, start them all at once.
    if cfg.increase_time.is_none() {
        cfg.increase_rate
            .get_or_insert_with(|| (users * 1000).to_string());
    }
    cfg.no_telnet = true;
    // idpsim judges thresholds itself, on histograms that merge across shards.
    cfg.threshold.clear();
    match iterations {
        Some(n) => {
            cfg.iterations = Some(n.max(1));
            cfg.run_time = None;
        }
        None => {
            cfg.no_reset_metrics = true;
            cfg.run_time.get_or_insert_with(|| "30s".into());
        }
    }
    // One report per phase: `out/run.html` becomes `out/run.users.html`.
    cfg.report_file = plan
        .goose
        .report_file
        .iter()
        .map(|f| {
            let p = PathBuf::from(f);
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("html");
            let stem = p.file_stem().and_then(|e| e.to_str()).unwrap_or("report");
            p.with_file_name(format!("{stem}.{phase}.{ext}"))
                .display()
                .to_string()
        })
        .collect();
    // idpsim sends through its own SCIM client and never uses goose's. goose
    // builds a reqwest client per user unless told to share one, and each
    // build reads the system's certificate store: 16 per phase, on threads
    // competing with the users already sending (perf).
    let attack = GooseAttack::initialize_with_config(cfg)
        .map_err(LoadError::from)?
        .set_client_builder_without_cookies(GooseClientBuilder::new().without_cookies())
        .map_err(LoadError::from)?
        .register_scenario(scenario);
    shared.idle.lock().expect("not poisoned").clear();
    shared.busy.clear();
    let started = Instant::now();
    let metrics = match attack.execute().await {
        Ok(m) => m,
        Err(e) => return Err(e.into()),
    };
    let idle = shared.idle.lock().expect("not poisoned").clone();
    let wall = started.elapsed().as_secs_f64();
    summary.add_phase(phase, &metrics, wall, shared.busy.seconds(), &idle);
    Ok(())
}

fn ev(profile: &Profile, what: &str) -> String {
    format!("{} {what}", profile.name)
}

/// The directory of a plan.
pub fn directory(plan: &LoadPlan) -> Directory {
    Directory::generate(&Generate {
        seed: plan.seed,
        users: plan.users,
        groups: plan.groups,
        domain: "example.com".into(),
    })
}

/// User pushes (lookup, then create or link) of this shard's users.
async fn push_users(
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
            Ok(())
        })
    });
    each_item(plan, shared, name, "join", users.len(), work, summary).await
}

/// Group pushes of this shard's groups: create or link, then members.
async fn push_groups(
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
            Ok(())
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

/// A phase with one event run once per item, the items shared out among
/// goose users.
async fn each_item(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    phase_name: &str,
    event: &str,
    items: usize,
    work: Work,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let goose_users = plan.goose.users.unwrap_or(8).max(1);
    let t = worker(
        &ev(plan.profile, event),
        shared.clone(),
        items,
        goose_users,
        plan.client.base_url.clone(),
        work,
    );
    let scenario = Scenario::new(phase_name).register_transaction(t);
    let iterations = items.div_ceil(goose_users);
    phase(
        plan,
        shared,
        phase_name,
        scenario,
        Some(iterations),
        summary,
    )
    .await
}

/// A member another shard provisions: looked up until it appears.
async fn member_id(wire: &Wire, user_name: &str, wait: Duration) -> Result<String, EventError> {
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

fn shared_for(plan: &LoadPlan, dir: Directory) -> Arc<Shared> {
    Arc::new(Shared {
        profile: plan.profile,
        client: plan.client.clone(),
        dir: Mutex::new(dir),
        user_ids: Mutex::default(),
        group_ids: Mutex::default(),
        failures: Mutex::default(),
        idle: Mutex::default(),
        busy: Window::default(),
        counters: Mutex::default(),
        member_wait: plan.member_wait,
    })
}

/// Pushes the whole directory outside any measurement (setup of `reset`,
/// `churn` and `import`), learning the target's ids.
async fn setup_sync(plan: &LoadPlan, shared: &Arc<Shared>) -> Result<(), LoadError> {
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

/// Carries out a run and reconciles the directory against the target.
pub async fn run(plan: &LoadPlan) -> Result<Outcome, LoadError> {
    let shared = shared_for(plan, directory(plan));
    let mut summary = Summary {
        run: plan.kind.name().into(),
        profile: plan.profile.name.into(),
        shards: vec![plan.shard.to_string()],
        ..Summary::default()
    };
    match plan.kind {
        RunKind::BulkSync => {
            push_users(plan, &shared, "users", &mut summary).await?;
            push_groups(plan, &shared, "groups", &mut summary).await?;
        }
        RunKind::Reset => {
            setup_sync(plan, &shared).await?;
            reset(plan, &shared, &mut summary).await?;
            shared.user_ids.lock().expect("not poisoned").clear();
            shared.group_ids.lock().expect("not poisoned").clear();
            shared.dir.lock().expect("not poisoned").forget_target_ids();
            push_users(plan, &shared, "resync-users", &mut summary).await?;
            push_groups(plan, &shared, "resync-groups", &mut summary).await?;
        }
        RunKind::Import => {
            setup_sync(plan, &shared).await?;
            import(plan, &shared, &mut summary).await?;
        }
        RunKind::Churn => {
            setup_sync(plan, &shared).await?;
            churn(plan, &shared, &mut summary).await?;
        }
    }
    for (k, n) in shared.counters.lock().expect("not poisoned").iter() {
        summary.objects.insert((*k).to_owned(), *n);
    }
    let failures = shared.failures.lock().expect("not poisoned").clone();
    let reconcile_started = Instant::now();
    let drift = if plan.shard.count == 1 {
        // The run's clients send one request at a time each; the reconcile
        // reads pages side by side.
        let mut config = plan.client.clone();
        config.concurrency = reconcile::PAGES_IN_FLIGHT;
        let client = ScimClient::new(config).map_err(|e| LoadError::Setup(e.to_string()))?;
        let wire = Wire {
            profile: plan.profile,
            client,
        };
        let dir = shared.dir.lock().expect("not poisoned").clone();
        Some(
            reconcile::reconcile(&wire, &dir, &plan.exempt)
                .await
                .map_err(|e| LoadError::Setup(format!("reconcile: {e}")))?,
        )
    } else {
        None
    };
    Ok(Outcome {
        summary,
        drift,
        failures,
        reconcile_seconds: reconcile_started.elapsed().as_secs_f64(),
    })
}

/// The reset phase: the target's own reset (one event), or every object
/// enumerated and deleted (one event each).
async fn reset(
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
                Ok(())
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
            Ok(())
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

/// The import phase: every page of users and groups, in the profile's page
/// size, each page one event.
async fn import(
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
            Ok(())
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

/// Churn: joiners, movers and leavers at a set rate for a set time
/// (goose's `--run-time`, 30 s unless given), on a synced directory.
async fn churn(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let names: Arc<Vec<String>> = Arc::new(
        shared
            .dir
            .lock()
            .expect("not poisoned")
            .users()
            .filter(|u| u.active)
            .map(|u| u.user_name.clone())
            .collect(),
    );
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
    let cursor = Arc::new(AtomicUsize::new(0));
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    let joined = Arc::new(AtomicUsize::new(0));
    let base = plan.client.base_url.clone();

    // Claims the next active, linked user nobody else is changing.
    let claim = {
        let (names, cursor, busy, shared) =
            (names.clone(), cursor.clone(), busy.clone(), shared.clone());
        move || -> Option<(User, String)> {
            for _ in 0..names.len() {
                let n = &names[cursor.fetch_add(1, Ordering::Relaxed) % names.len()];
                let dir = shared.dir.lock().expect("not poisoned");
                let Some(u) = dir.user(n).filter(|u| u.active) else {
                    continue;
                };
                let Some(id) = shared
                    .user_ids
                    .lock()
                    .expect("not poisoned")
                    .get(&n.to_lowercase())
                    .cloned()
                else {
                    continue;
                };
                if busy.lock().expect("not poisoned").insert(n.clone()) {
                    return Some((u.clone(), id));
                }
            }
            None
        }
    };
    let claim = Arc::new(claim);
    let release = {
        let busy = busy.clone();
        move |n: &str| {
            busy.lock().expect("not poisoned").remove(n);
        }
    };
    let release = Arc::new(release);

    let sh = shared.clone();
    let join: Work = Arc::new(move |wire: Wire, _| {
        let sh = sh.clone();
        let n = joined.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let u = {
                let mut dir = sh.dir.lock().expect("not poisoned");
                let u = dir.new_user(&format!("churn.joiner{n}@example.com"));
                dir.add_user(u).clone()
            };
            let id = wire.join(&u, None).await?;
            sh.user_ids
                .lock()
                .expect("not poisoned")
                .insert(u.user_name.to_lowercase(), id);
            sh.count("users joined", 1);
            Ok(())
        })
    });
    let (sh, c, r, gs) = (
        shared.clone(),
        claim.clone(),
        release.clone(),
        groups.clone(),
    );
    let mover: Work = Arc::new(move |wire: Wire, _| {
        let (sh, c, r, gs) = (sh.clone(), c.clone(), r.clone(), gs.clone());
        Box::pin(async move {
            if gs.len() < 2 {
                return Ok(());
            }
            let Some((u, id)) = c() else {
                return Ok(());
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
                    let ids = sh.user_ids.lock().expect("not poisoned");
                    let pairs = |g: &str| -> Vec<(String, String)> {
                        dir.group(g)
                            .map(|g| {
                                g.members
                                    .iter()
                                    .filter_map(|m| {
                                        ids.get(&m.to_lowercase()).map(|id| (id.clone(), m.clone()))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let gids = sh.group_ids.lock().expect("not poisoned");
                    (
                        from.clone(),
                        to.clone(),
                        pairs(&from),
                        pairs(&to),
                        gids.get(&from).cloned().unwrap_or_default(),
                        gids.get(&to).cloned().unwrap_or_default(),
                    )
                };
                let me = [(id.clone(), u.user_name.clone())];
                wire.remove_members(&from_gid, &from, &me, &from_all)
                    .await?;
                wire.add_members(&to_gid, &to, &me, &to_all).await?;
                sh.count("users moved", 1);
                Ok(())
            }
            .await;
            r(&u.user_name);
            result
        })
    });
    let (sh, c, r) = (shared.clone(), claim.clone(), release.clone());
    let leaver: Work = Arc::new(move |wire: Wire, _| {
        let (sh, c, r) = (sh.clone(), c.clone(), r.clone());
        Box::pin(async move {
            let Some((u, id)) = c() else {
                return Ok(());
            };
            if let Some(d) = sh.dir.lock().expect("not poisoned").user_mut(&u.user_name) {
                d.active = false;
            }
            let result = wire.set_active(&id, &u, false).await;
            r(&u.user_name);
            result?;
            sh.count("users left", 1);
            Ok(())
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
