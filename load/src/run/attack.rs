//! The goose adapter: goose users share a phase's work list, each call of a
//! transaction is one lifecycle event sent through the simulator's SCIM
//! client, and the requests it sent are recorded into goose as its requests.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goose::GooseAttack;
use goose::client::GooseClientBuilder;
use goose::goose::{GooseUser, Scenario, Transaction, TransactionError, TransactionResult};
use idpsim_simulator::client::{ClientConfig, Exchange, ScimClient};
use idpsim_simulator::directory::Directory;
use idpsim_simulator::idp::{EventError, Wire};
use idpsim_simulator::profile::Profile;

use super::{LoadError, LoadPlan};
use crate::summary::Summary;
use crate::window::Window;

/// What goose users share during a phase.
pub(super) struct Shared {
    pub(super) profile: &'static Profile,
    pub(super) client: ClientConfig,
    pub(super) dir: Mutex<Directory>,
    pub(super) failures: Mutex<Vec<String>>,
    /// Calls that found no work, by event name (see `Summary::add_phase`).
    pub(super) idle: Mutex<BTreeMap<String, u64>>,
    /// Of those, the calls of a run with no end that found nothing to do:
    /// reported, since they say the run ran dry.
    pub(super) starved: Mutex<BTreeMap<String, u64>>,
    /// When this phase's events ran.
    pub(super) busy: Window,
    pub(super) counters: Mutex<HashMap<&'static str, u64>>,
    pub(super) member_wait: Duration,
}

impl Shared {
    /// A copy of the user at `at`, for one event.
    pub(super) fn user_at(&self, at: usize) -> idpsim_simulator::directory::User {
        self.dir
            .lock()
            .expect("not poisoned")
            .user_at(at)
            .expect("users are not removed during a run")
            .clone()
    }

    /// The directory, moved out (an empty one left behind): for work that
    /// owns it whole, the setup sync and the reconcile, without a copy.
    pub(super) fn take_dir(&self) -> Directory {
        std::mem::take(&mut *self.dir.lock().expect("not poisoned"))
    }

    pub(super) fn count(&self, what: &'static str, n: u64) {
        *self
            .counters
            .lock()
            .expect("not poisoned")
            .entry(what)
            .or_default() += n;
    }
    /// A call that sent nothing: taken out of the event's samples, and
    /// reported when `starved` (the work ran dry, not merely ended).
    pub(super) fn idle(&self, event: &str, starved: bool) {
        let mut maps = vec![&self.idle];
        if starved {
            maps.push(&self.starved);
        }
        for m in maps {
            *m.lock()
                .expect("not poisoned")
                .entry(event.to_owned())
                .or_default() += 1;
        }
    }
    pub(super) fn fail(&self, what: String) {
        let mut f = self.failures.lock().expect("not poisoned");
        if f.len() < 20 {
            f.push(what);
        }
    }
}

/// Per goose user: its own SCIM client, so the exchanges it takes after an
/// event are that event's, and its place in the work list.
#[derive(Clone)]
pub(super) struct Session {
    wire: Wire,
    iteration: usize,
}

/// The session of a goose user, made on its first event.
pub(super) fn session<'a>(user: &'a mut GooseUser, shared: &Shared) -> &'a mut Session {
    if user.get_session_data::<Session>().is_none() {
        // An event's exchanges become goose timings and nothing else; what
        // failed is reported from the event's error.
        let config = ClientConfig {
            evidence: false,
            ..shared.client.clone()
        };
        let client = ScimClient::new(config).expect("a client from a checked config");
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
pub(super) async fn record(user: &mut GooseUser, base_url: &str) -> TransactionResult {
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

pub(super) fn session_wire(user: &GooseUser) -> &Wire {
    &user
        .get_session_data::<Session>()
        .expect("a session exists once an event ran")
        .wire
}

pub(super) fn event_failed(e: &EventError) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(e.to_string()))
}

/// What an event did. A churn event can find nothing to do (no user left
/// to claim, fewer than two groups to move between); such a call sent no
/// request, so it is not an event: counting it would inflate `eps` and
/// pull the percentiles towards zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Did {
    Sent,
    Idle,
}

pub(super) type Work = Arc<
    dyn Fn(Wire, usize) -> futures::future::BoxFuture<'static, Result<Did, EventError>>
        + Send
        + Sync,
>;

/// A transaction that, on each call, does the next item of `items` assigned
/// to this goose user: user k does items k, k+U, k+2U, …, so goose users
/// share the work without overlap and the phase ends (by goose's
/// `--iterations`) when the work does.
pub(super) fn worker(
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
pub(super) fn transaction_fn<F>(f: F) -> goose::goose::TransactionFunction
where
    F: for<'r> Fn(&'r mut GooseUser) -> futures::future::BoxFuture<'r, TransactionResult>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

pub(super) async fn next_item(
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
        shared.idle(&name, false);
        return Ok(());
    }
    let wire = s.wire.clone();
    shared.busy.started();
    let result = work(wire, i).await;
    shared.busy.ended();
    record(user, &base_url).await?;
    match result {
        Ok(Did::Sent) => Ok(()),
        Ok(Did::Idle) => {
            shared.idle(&name, true);
            Ok(())
        }
        Err(e) => {
            shared.fail(e.to_string());
            Err(event_failed(&e))
        }
    }
}

/// Runs one goose attack.
pub(super) async fn phase(
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
    shared.starved.lock().expect("not poisoned").clear();
    shared.busy.clear();
    let started = Instant::now();
    let cpu_before = crate::cpu::user_seconds();
    let metrics = match attack.execute().await {
        Ok(m) => m,
        Err(e) => return Err(e.into()),
    };
    let idle = shared.idle.lock().expect("not poisoned").clone();
    let wall = started.elapsed().as_secs_f64();
    summary.add_phase(phase, &metrics, wall, shared.busy.seconds(), &idle);
    if let (Some(a), Some(b), Some(p)) = (
        cpu_before,
        crate::cpu::user_seconds(),
        summary.phases.last_mut(),
    ) {
        p.user_cpu_seconds = Some(b - a);
    }
    for (event, n) in shared.starved.lock().expect("not poisoned").iter() {
        *summary.idle.entry(event.clone()).or_default() += n;
    }
    Ok(())
}

pub(super) fn ev(profile: &Profile, what: &str) -> String {
    format!("{} {what}", profile.name)
}

/// A phase with one event run once per item, the items shared out among
/// goose users.
pub(super) async fn each_item(
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

pub(super) fn shared_for(plan: &LoadPlan, dir: Directory) -> Arc<Shared> {
    Arc::new(Shared {
        profile: plan.profile,
        client: plan.client.clone(),
        dir: Mutex::new(dir),
        failures: Mutex::default(),
        idle: Mutex::default(),
        starved: Mutex::default(),
        busy: Window::default(),
        counters: Mutex::default(),
        member_wait: plan.member_wait,
    })
}
