//! The runs: each is one or more goose attacks ("phases"), every goose
//! transaction one lifecycle event sent through the simulator's SCIM client
//! with the profile's exact request sequence. The requests an event sent
//! are recorded into goose as its requests, so goose's reports show the
//! cost per event and per request.

//!
//! - [`attack`]: the goose adapter (work lists, phases, request names).
//! - [`sync`], [`reset`], [`import`], [`churn`]: one module per run.

mod attack;
mod churn;
mod import;
mod listing;
mod lookup;
mod reset;
mod sync;

use std::time::{Duration, Instant};

use goose::config::GooseConfiguration;
use idpsim_simulator::client::{ClientConfig, ScimClient};
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::Wire;
use idpsim_simulator::profile::Profile;
use idpsim_simulator::reconcile::{self, Drift};

pub use attack::request_name;

use crate::shard::Shard;
use crate::summary::Summary;

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
    /// Import: passes over the whole listing (or over the users, with
    /// `lookups`).
    pub import_rounds: usize,
    /// Import: look every user up by userName instead of reading pages.
    pub lookups: bool,
    /// Import with `lookups`: write the lookups' request paths here, one a
    /// line, so that another client (wrk) can send the same requests.
    pub lookups_file: Option<std::path::PathBuf>,
    /// Sharded group pushes: how long to wait for members that another
    /// shard creates.
    pub member_wait: Duration,
    /// After the reconcile, time the bare listing it read (see
    /// [`listing`]), so the reconcile's own cost shows as a ratio.
    pub measure_listing: bool,
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
    /// The bare listing's time, when asked for.
    pub listing_seconds: Option<f64>,
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

/// The lookup phase of `import --lookups` alone, against a target that
/// already holds the plan's directory: no setup sync, no reconcile. For
/// measuring the lookups' own cost (load/tests/lookup_allocations.rs).
pub async fn lookups_only(plan: &LoadPlan) -> Result<(Summary, Vec<String>), LoadError> {
    let shared = attack::shared_for(plan, directory(plan));
    let mut summary = Summary::default();
    lookup::lookups(plan, &shared, &mut summary).await?;
    let failures = shared.failures.lock().expect("not poisoned").clone();
    Ok((summary, failures))
}

/// Carries out a run and reconciles the directory against the target.
pub async fn run(plan: &LoadPlan) -> Result<Outcome, LoadError> {
    let shared = attack::shared_for(plan, directory(plan));
    let mut summary = Summary {
        run: plan.kind.name().into(),
        profile: plan.profile.name.into(),
        shards: vec![plan.shard.to_string()],
        ..Summary::default()
    };
    match plan.kind {
        RunKind::BulkSync => {
            sync::push_users(plan, &shared, "users", &mut summary).await?;
            sync::push_groups(plan, &shared, "groups", &mut summary).await?;
        }
        RunKind::Reset => {
            sync::setup_sync(plan, &shared).await?;
            reset::reset(plan, &shared, &mut summary).await?;
            shared.dir.lock().expect("not poisoned").forget_target_ids();
            sync::push_users(plan, &shared, "resync-users", &mut summary).await?;
            sync::push_groups(plan, &shared, "resync-groups", &mut summary).await?;
        }
        RunKind::Import => {
            sync::setup_sync(plan, &shared).await?;
            if plan.lookups {
                lookup::lookups(plan, &shared, &mut summary).await?;
            } else {
                import::import(plan, &shared, &mut summary).await?;
            }
        }
        RunKind::Churn => {
            sync::setup_sync(plan, &shared).await?;
            churn::churn(plan, &shared, &mut summary).await?;
        }
    }
    for (k, n) in shared.counters.lock().expect("not poisoned").iter() {
        summary.objects.insert((*k).to_owned(), *n);
    }
    let failures = shared.failures.lock().expect("not poisoned").clone();
    let reconcile_started = Instant::now();
    let mut listing_seconds = None;
    let drift = if plan.shard.count == 1 {
        // The run's clients send one request at a time each; the reconcile
        // reads pages side by side.
        let mut config = plan.client.clone();
        config.concurrency = reconcile::PAGES_IN_FLIGHT;
        // The kept exchanges would hold the last pages' bodies (100 KB
        // each); a failed page is reported by its error.
        config.evidence = false;
        let client = ScimClient::new(config).map_err(|e| LoadError::Setup(e.to_string()))?;
        let wire = Wire {
            profile: plan.profile,
            client,
        };
        let dir = shared.take_dir();
        let drift = reconcile::reconcile(&wire, &dir, &plan.exempt)
            .await
            .map_err(|e| LoadError::Setup(format!("reconcile: {e}")))?;
        let reconciled = reconcile_started.elapsed().as_secs_f64();
        drop(dir);
        if plan.measure_listing {
            let page = plan.profile.import_page.unwrap_or(100);
            listing_seconds = Some(
                listing::seconds(&wire, page, reconcile::PAGES_IN_FLIGHT)
                    .await
                    .map_err(|e| LoadError::Setup(format!("listing: {e}")))?,
            );
        }
        Some((drift, reconciled))
    } else {
        None
    };
    Ok(Outcome {
        summary,
        reconcile_seconds: drift.as_ref().map_or(0.0, |(_, s)| *s),
        drift: drift.map(|(d, _)| d),
        failures,
        listing_seconds,
    })
}
