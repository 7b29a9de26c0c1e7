//! The runner: discovery, the skip decisions, parallel checks under a
//! bound with a timeout each and a deadline for all, cleanup, evidence.

use std::sync::Arc;
use std::time::{Duration, Instant};

use idpsim_simulator::client::{Auth, ClientConfig, Exchange, Method, RetryPolicy, ScimClient};
use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::check::{Capability, Check, Finding, Level, Suite, Tier};
use crate::ctx::{Ctx, ENTERPRISE, GROUP, USER};
use crate::declared::Declared;
use crate::discovery::Capabilities;

/// The server under test.
#[derive(Clone)]
pub struct Target {
    pub base_url: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for Target {
    // Secrets never reach logs, so Debug says whether there is a token only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub suites: Vec<Suite>,
    pub force: Vec<Capability>,
    pub skip: Vec<Capability>,
    /// Checks in flight at once.
    pub concurrency: usize,
    pub check_timeout: Duration,
    /// The whole run stops here; checks not finished are failed.
    pub deadline: Duration,
    /// Run only checks whose id contains this.
    pub only: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            suites: Suite::ALL.to_vec(),
            force: Vec::new(),
            skip: Vec::new(),
            concurrency: 8,
            check_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
            only: None,
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Warn,
    Skip,
    /// The target could not be judged: a SAML case whose canary sign-in
    /// failed, so a refusal may mean nothing. Not a pass: a run with one
    /// does not pass.
    Inconclusive,
}

/// One row of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub level: Level,
    pub suite: Suite,
    pub area: &'static str,
    pub tier: Tier,
    pub verdict: Verdict,
    /// The rule that failed (a fail or warn): the assertion, the check's
    /// deadline (`timeout`), or the check itself (`panic`, `deadline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The failure was in setting up, not in what the check judges.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub precondition: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    /// Why it was skipped or warned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub millis: u64,
    /// The requests behind a fail or warn (tokens redacted): the check's
    /// own, then its cleanup's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// The index in `exchanges` of the one that decided the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<usize>,
    /// The index in `exchanges` where the cleanup's DELETEs begin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_from: Option<usize>,
    /// What the check created and could not delete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
    /// For a fail or warn of the parallel phase: whether the rerun alone
    /// failed too (`false`: no time was left to rerun it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// The check failed among others running at once but passed alone:
    /// this row is the rerun's (with its exchanges), that is the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under_load: Option<Box<Outcome>>,
}

/// A whole run. `schema_version` changes only when a field changes meaning.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: &'static str,
    pub target: String,
    pub started: String,
    pub millis: u64,
    pub capabilities: Vec<&'static str>,
    /// What discovery could not read and assumed instead, said once for
    /// the run rather than in every check it touches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn count(&self, v: Verdict) -> usize {
        self.outcomes.iter().filter(|o| o.verdict == v).count()
    }
    pub fn passed(&self) -> bool {
        self.count(Verdict::Fail) == 0 && self.count(Verdict::Inconclusive) == 0
    }
    /// Failures and warnings a rerun alone reproduced.
    pub fn confirmed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.confirmed == Some(true))
            .count()
    }
    /// Checks that failed among others at once and passed alone.
    pub fn concurrency_only(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.under_load.is_some())
            .count()
    }
    /// `N of M failures confirmed by a rerun alone; K failed only under
    /// concurrent load`, M counting every failure and warning of the
    /// parallel phase.
    pub fn confirmation(&self) -> String {
        let unconfirmed = self
            .outcomes
            .iter()
            .filter(|o| o.confirmed == Some(false))
            .count();
        let seen = self.confirmed() + unconfirmed + self.concurrency_only();
        format!(
            "{} of {seen} failures confirmed by a rerun alone; {} failed only under concurrent load",
            self.confirmed(),
            self.concurrency_only()
        )
    }
    /// `N passed, N warned, N failed, N skipped`. A warning is neither a
    /// pass nor a failure: only failures make a run fail.
    pub fn summary(&self) -> String {
        let inconclusive = match self.count(Verdict::Inconclusive) {
            0 => String::new(),
            n => format!(", {n} inconclusive"),
        };
        format!(
            "{} passed, {} warned, {} failed, {} skipped{inconclusive}",
            self.count(Verdict::Pass),
            self.count(Verdict::Warn),
            self.count(Verdict::Fail),
            self.count(Verdict::Skip)
        )
    }
}

fn client(target: &Target, timeout: Duration) -> ScimClient {
    client_as(
        target,
        timeout,
        target.token.clone().map(Auth::Bearer).unwrap_or_default(),
    )
}

fn client_as(target: &Target, timeout: Duration, auth: Auth) -> ScimClient {
    let mut c = ClientConfig::new(&target.base_url, auth);
    c.timeout = timeout;
    // Conformance judges single answers; the IdPs' retries belong to scenarios.
    c.retry = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    };
    c.concurrency = 16;
    ScimClient::new(c).expect("a client with defaults builds")
}

/// A discovery document as read: the JSON object, or why there is none.
enum Fetched {
    Document(Value),
    /// The server answered, but not with the document.
    Answered(String),
    /// No answer at all (refused, timed out).
    NoAnswer(String),
}

impl Fetched {
    fn ok(self) -> Result<Value, String> {
        match self {
            Fetched::Document(v) => Ok(v),
            Fetched::Answered(why) | Fetched::NoAnswer(why) => Err(why),
        }
    }
}

async fn fetch(c: &ScimClient, path: &str) -> Fetched {
    let req = idpsim_simulator::client::Request {
        method: Method::GET,
        path: path.to_owned(),
        headers: vec![("Accept".into(), "application/scim+json".into())],
        body: None,
    };
    match c.send(&req).await {
        Ok(r) if r.status == 200 => match r.json() {
            Some(doc @ Value::Object(_)) => Fetched::Document(doc),
            _ => Fetched::Answered(format!("GET {path} answered no JSON object")),
        },
        Ok(r) => Fetched::Answered(format!("GET {path} answered HTTP {}", r.status)),
        Err(e) => Fetched::NoAnswer(format!("GET {path} failed: {e}")),
    }
}

/// The `Resources` of a discovery list.
fn resources(list: Value) -> Vec<Value> {
    match list {
        Value::Object(mut o) => match o.remove("Resources") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Reads `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, and
/// applies `--force` / `--skip`.
pub async fn discover(target: &Target, opts: &Options) -> Capabilities {
    let c = client(target, Duration::from_secs(10));
    // One after another, as a server that breaks under concurrent load must
    // still be read right; a target that does not answer at all costs one
    // timeout, not one for each document.
    let spc = fetch(&c, "/ServiceProviderConfig").await;
    let unreachable = matches!(spc, Fetched::NoAnswer(_));
    let mut caps = match spc.ok() {
        Ok(doc) => Capabilities::from_document(doc),
        Err(why) => Capabilities {
            problem: Some(why),
            ..Default::default()
        },
    };
    let (types, listed) = if unreachable {
        let why = "not asked: GET /ServiceProviderConfig went unanswered".to_owned();
        (Fetched::NoAnswer(why.clone()), Fetched::NoAnswer(why))
    } else {
        (
            fetch(&c, "/ResourceTypes").await,
            fetch(&c, "/Schemas").await,
        )
    };
    let answered = !matches!(listed, Fetched::NoAnswer(_));
    let (types, listed) = (types.ok(), listed.ok());
    // As answered, for the checks whose subject is the documents' shape.
    caps.resource_types_doc = types.as_ref().ok().cloned();
    caps.schemas_doc = listed.as_ref().ok().cloned();
    let types = types.map(resources);
    let mut schemas = listed.map(resources).unwrap_or_default();
    // A server may serve /Schemas/{urn} and not the list, or list only
    // some: ask for each schema the checks read that the list left out.
    let mut wanted = vec![USER.to_owned(), GROUP.to_owned()];
    match &types {
        Ok(list) => wanted.extend(list.iter().flat_map(|t| {
            t["schemaExtensions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["schema"].as_str().map(str::to_owned))
        })),
        Err(_) => wanted.push(ENTERPRISE.to_owned()),
    }
    wanted.retain(|urn| {
        !schemas.iter().any(|s| {
            s["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(urn))
        })
    });
    if answered {
        for urn in wanted {
            if let Ok(doc) = fetch(&c, &format!("/Schemas/{urn}")).await.ok() {
                schemas.push(doc);
            }
        }
    }
    caps.declared = Declared::read(types, &schemas);
    caps.forced.extend(opts.force.iter().copied());
    caps.skipped.extend(opts.skip.iter().copied());
    caps
}

/// The checks selected, each with the reason it will be skipped, if it will.
/// Decided before anything runs, so a test harness can list skips as such.
pub fn plan(checks: &[Check], caps: &Capabilities, opts: &Options) -> Vec<(Check, Option<String>)> {
    checks
        .iter()
        .filter(|c| opts.suites.contains(&c.suite))
        .filter(|c| opts.only.as_deref().is_none_or(|o| c.id.contains(o)))
        .map(|c| {
            let skip = c
                .needs
                .iter()
                .find_map(|n| caps.gate_check(c, *n).err())
                .or_else(|| c.uses.iter().find_map(|u| caps.declared.lacks(*u)))
                .or_else(|| c.gate.and_then(|g| g(caps).err()));
            (*c, skip)
        })
        .collect()
}

fn outcome(check: &Check, verdict: Verdict) -> Outcome {
    Outcome {
        id: check.id,
        title: check.title,
        reference: check.reference,
        level: check.level,
        suite: check.suite,
        area: check.area(),
        tier: check.tier,
        verdict,
        rule: None,
        precondition: false,
        expected: None,
        got: None,
        message: None,
        notes: Vec::new(),
        millis: 0,
        exchanges: Vec::new(),
        decided_by: None,
        cleanup_from: None,
        leftovers: Vec::new(),
        confirmed: None,
        under_load: None,
    }
}

/// A skipped check's row.
pub fn skipped(check: &Check, reason: String) -> Outcome {
    let mut o = outcome(check, Verdict::Skip);
    o.message = Some(reason);
    o
}

/// Runs one check with its own client and cleanup.
pub async fn run_one(
    check: Check,
    target: &Target,
    caps: Arc<Capabilities>,
    prefix: &str,
    timeout: Duration,
) -> Outcome {
    run_recorded(check, target, caps, prefix, timeout, false).await
}

/// [`run_one`], keeping the exchanges of a pass too when `keep` (a rerun
/// that passes is evidence as much as the failure it contradicts).
async fn run_recorded(
    check: Check,
    target: &Target,
    caps: Arc<Capabilities>,
    prefix: &str,
    timeout: Duration,
    keep: bool,
) -> Outcome {
    let client = client(target, timeout);
    let anon = client_as(target, timeout, Auth::None);
    let ctx = Ctx::new(client.clone(), anon.clone(), caps.clone(), prefix);
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, (check.run)(ctx.clone())).await;
    // The check's own exchanges are taken before cleanup, so its DELETEs
    // never pass for the evidence.
    let (mut exchanges, _) = client.take().await;
    let by_client = exchanges.len();
    exchanges.extend(anon.take().await.0);
    // The newest exchange of the client that sent last is what the failed
    // assertion judged: checks assert on the answer they just received.
    let decided_by = if ctx.last_was_anonymous() && exchanges.len() > by_client {
        Some(exchanges.len() - 1)
    } else {
        by_client.checked_sub(1).or(exchanges.len().checked_sub(1))
    };
    let checked = exchanges.len();
    let leftovers = ctx.clean_up().await;
    let cleanup = client.take().await.0;
    let mut o = outcome(&check, Verdict::Pass);
    o.millis = started.elapsed().as_millis() as u64;
    o.leftovers = leftovers;
    match result {
        Ok(Ok(notes)) => o.notes = notes,
        Ok(Err(Finding {
            rule,
            expected,
            got,
            precondition,
        })) => {
            // The one place a level turns into a verdict: a SHOULD or MAY
            // not met warns, whatever the check body thought of it.
            o.verdict = if check.level.binds() {
                Verdict::Fail
            } else {
                Verdict::Warn
            };
            o.rule = Some(rule);
            o.precondition = precondition;
            o.expected = Some(expected);
            o.got = Some(got);
        }
        Err(_) => {
            o.verdict = Verdict::Fail;
            o.rule = Some("timeout".into());
            o.expected = Some(format!("the check to finish within {timeout:?}"));
            o.got = Some("it did not; the target is too slow or hangs".into());
        }
    }
    // A gated check that fails on a feature the target advertises says so:
    // the configuration promised what the server does not do. Only when a
    // request using that feature was sent before the verdict was decided,
    // and not for a failed precondition: a setup POST answered 500 says
    // nothing about PATCH.
    // A write (PATCH, Bulk, ETag preconditions, a password change) is judged
    // by the read after it, so any one sent before the verdict counts; a
    // read feature (filter, sort) is judged by its own answer, so only when
    // the deciding exchange used it: a lookup that worked on the way to a
    // failed PATCH shows nothing wrong with filtering.
    if o.verdict == Verdict::Fail && !o.precondition {
        let upto = decided_by.map_or(checked, |i| i + 1);
        let deciding = decided_by.and_then(|i| exchanges.get(i));
        let sent: Vec<Capability> = check
            .needs
            .iter()
            .copied()
            .filter(|n| match n {
                Capability::Filter | Capability::Sort => match deciding {
                    Some(x) => uses(*n, x),
                    None => exchanges[..upto].iter().any(|x| uses(*n, x)),
                },
                _ => exchanges[..upto].iter().any(|x| uses(*n, x)),
            })
            .collect();
        let promised: Vec<&str> = sent
            .iter()
            .filter(|n| caps.advertised.contains(n))
            .map(|n| n.name())
            .collect();
        let mut said = Vec::new();
        if !promised.is_empty() {
            said.push(format!(
                "the ServiceProviderConfig says {} supported; this check shows otherwise",
                promised
                    .iter()
                    .map(|p| format!("{p} is"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        // Not advertising a feature does not excuse failing an IdP's
        // requests that use it: the IdP sends them anyway.
        if check.sent_regardless() {
            said.extend(
                sent.iter()
                    .filter(|n| !caps.advertised.contains(n))
                    .map(|n| {
                        format!(
                            "{} will send {} whatever your ServiceProviderConfig says",
                            check.sender(),
                            request_using(*n)
                        )
                    }),
            );
        }
        if !said.is_empty() {
            o.message = Some(said.join("; "));
        }
    }
    if keep || matches!(o.verdict, Verdict::Fail | Verdict::Warn) {
        o.decided_by = decided_by;
        if !cleanup.is_empty() {
            o.cleanup_from = Some(checked);
        }
        o.exchanges = exchanges;
        o.exchanges.extend(cleanup);
    }
    o
}

/// Whether an outcome of a run among others is confirmed by a rerun
/// alone: every failure and warning, except a check the deadline cut off.
pub fn needs_confirmation(o: &Outcome) -> bool {
    matches!(o.verdict, Verdict::Fail | Verdict::Warn) && o.rule.as_deref() != Some("deadline")
}

/// Runs `check` again, alone (the caller sees to it that nothing else
/// runs against the target meanwhile), after it failed or warned among
/// others: a target that breaks only under concurrent load must not be
/// reported as breaking a rule it keeps. A rerun that fails again is the
/// row, as the reproducible evidence (`confirmed`); one that passes
/// becomes the row with the failure kept under it (`under_load`).
pub async fn confirm_one(
    check: Check,
    among_others: Outcome,
    target: &Target,
    caps: Arc<Capabilities>,
    prefix: &str,
    timeout: Duration,
) -> Outcome {
    let mut again = run_recorded(check, target, caps, prefix, timeout, true).await;
    if matches!(again.verdict, Verdict::Fail | Verdict::Warn) {
        again.confirmed = Some(true);
    } else {
        again.under_load = Some(Box::new(among_others));
    }
    again
}

/// Runs checks for a harness that starts each on a thread of its own (the
/// libtest trials of `tests/suite.rs`, several at once), with the
/// runner's confirmation: a check that fails or warns among the others is
/// run again alone ([`confirm_one`]) before its verdict stands.
pub struct Harness {
    target: Target,
    caps: Arc<Capabilities>,
    prefix: String,
    timeout: Duration,
    /// Held shared while a check runs among others and exclusively by a
    /// rerun: the rerun waits for the checks in flight, and (the lock
    /// being fair) none starts until it is done.
    alone: tokio::sync::RwLock<()>,
}

impl Harness {
    pub fn new(target: Target, caps: Arc<Capabilities>, prefix: &str, timeout: Duration) -> Self {
        Harness {
            target,
            caps,
            prefix: prefix.to_owned(),
            timeout,
            alone: tokio::sync::RwLock::new(()),
        }
    }

    /// One check's outcome, confirmed alone if it failed or warned.
    pub async fn run(&self, check: Check) -> Outcome {
        let first = {
            let _among_others = self.alone.read().await;
            run_one(
                check,
                &self.target,
                self.caps.clone(),
                &self.prefix,
                self.timeout,
            )
            .await
        };
        if !needs_confirmation(&first) {
            return first;
        }
        let _alone = self.alone.write().await;
        confirm_one(
            check,
            first,
            &self.target,
            self.caps.clone(),
            &self.prefix,
            self.timeout,
        )
        .await
    }
}

/// Reruns every failure and warning of the parallel phase alone, one after
/// another ([`confirm_one`]). Checks the deadline cut off are not rerun;
/// reruns that no longer fit before it are marked unconfirmed.
async fn confirm(
    outcomes: &mut [Outcome],
    planned: &[(Check, Option<String>)],
    target: &Target,
    caps: &Arc<Capabilities>,
    prefix: &str,
    opts: &Options,
    deadline: tokio::time::Instant,
) {
    for (o, (check, _)) in outcomes.iter_mut().zip(planned) {
        if !needs_confirmation(o) {
            continue;
        }
        if tokio::time::Instant::now() + opts.check_timeout > deadline {
            o.confirmed = Some(false);
            continue;
        }
        let first = std::mem::replace(o, skipped(check, String::new()));
        *o = confirm_one(
            *check,
            first,
            target,
            caps.clone(),
            prefix,
            opts.check_timeout,
        )
        .await;
    }
}

/// How a message names the request an IdP sends with a feature.
fn request_using(feature: Capability) -> &'static str {
    match feature {
        Capability::Patch => "this PATCH",
        Capability::Bulk => "this Bulk request",
        Capability::Filter => "this filter",
        Capability::Sort => "this sorted list request",
        Capability::Etag => "these ETag headers",
        Capability::ChangePassword => "this password change",
    }
}

/// Whether an exchange exercised a feature the ServiceProviderConfig
/// advertises.
fn uses(feature: Capability, x: &Exchange) -> bool {
    let header = |name: &str| {
        x.request_headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    match feature {
        Capability::Patch => x.method == Method::PATCH,
        Capability::Bulk => x.url.contains("/Bulk"),
        Capability::Filter => x.url.contains("filter=") || x.url.ends_with(".search"),
        Capability::Sort => x.url.contains("sortBy="),
        Capability::ChangePassword => {
            x.method != Method::POST
                && x.request_body
                    .as_ref()
                    .is_some_and(|b| b.get().contains("\"password\""))
        }
        // Every request of an ETag check is about its ETags.
        Capability::Etag => {
            header("if-match") || header("if-none-match") || x.method == Method::GET
        }
    }
}

/// The prefix of every name one run creates (`idpsim-<8 hex>`): unique
/// per run, so that a run never meets what an earlier one left behind on
/// the same target.
pub fn run_prefix() -> String {
    format!("idpsim-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Runs the selected checks against `target`.
pub async fn run(checks: &[Check], target: &Target, opts: &Options) -> Report {
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let started = Instant::now();
    let caps = Arc::new(discover(target, opts).await);
    let prefix = run_prefix();
    let planned = plan(checks, &caps, opts);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; planned.len()];
    let mut set = JoinSet::new();
    let mut tasks = std::collections::HashMap::new();
    let mut queue = planned.iter().enumerate();
    let deadline = tokio::time::Instant::now() + opts.deadline;
    loop {
        while set.len() < opts.concurrency.max(1) {
            let Some((i, (check, skip))) = queue.next() else {
                break;
            };
            if let Some(reason) = skip {
                outcomes[i] = Some(skipped(check, reason.clone()));
                continue;
            }
            let (check, target, caps, prefix, timeout) = (
                *check,
                target.clone(),
                caps.clone(),
                prefix.clone(),
                opts.check_timeout,
            );
            let handle = set
                .spawn(async move { (i, run_one(check, &target, caps, &prefix, timeout).await) });
            tasks.insert(handle.id(), i);
        }
        match tokio::time::timeout_at(deadline, set.join_next()).await {
            Ok(Some(Ok((i, o)))) => outcomes[i] = Some(o),
            Ok(Some(Err(e))) => {
                // A check that panicked is a failed check, not a failed run.
                if let Some(&i) = tasks.get(&e.id()) {
                    let mut o = outcome(&planned[i].0, Verdict::Fail);
                    o.rule = Some("panic".into());
                    o.expected = Some("the check to run to its end".into());
                    o.got = Some(format!("the check itself failed: {e}"));
                    outcomes[i] = Some(o);
                }
            }
            Ok(None) => break,
            Err(_) => {
                set.abort_all();
                break;
            }
        }
    }
    let mut outcomes: Vec<Outcome> = planned
        .iter()
        .zip(outcomes)
        .map(|((check, _), o)| {
            o.unwrap_or_else(|| {
                let mut o = outcome(check, Verdict::Fail);
                o.rule = Some("deadline".into());
                o.expected = Some(format!(
                    "the run to reach this check within its {:?} deadline",
                    opts.deadline
                ));
                o.got = Some("the deadline passed first".into());
                o
            })
        })
        .collect();
    confirm(
        &mut outcomes,
        &planned,
        target,
        &caps,
        &prefix,
        opts,
        deadline,
    )
    .await;
    let mut capabilities: Vec<&'static str> = caps.advertised.iter().map(|c| c.name()).collect();
    capabilities.sort();
    Report {
        schema_version: 1,
        tool: concat!("idpsim ", env!("CARGO_PKG_VERSION")),
        target: target.base_url.clone(),
        started: started_at,
        millis: started.elapsed().as_millis() as u64,
        capabilities,
        notes: caps.declared.assumed.clone(),
        outcomes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Target {
            base_url: "http://127.0.0.1:1/scim/v2".into(),
            token: Some("s3cret-t0ken".into()),
        };
        let shown = format!("{t:?} {t:#?}");
        assert!(!shown.contains("s3cret-t0ken"), "{shown}");
        assert!(shown.contains("<redacted>") && shown.contains("127.0.0.1:1"));
    }

    async fn fails(_: Ctx) -> crate::check::CheckResult {
        Err(Finding::fail(
            "asked",
            "what the reference asks",
            "something else",
        ))
    }

    fn failing_check(level: Level) -> Check {
        Check {
            id: "test.levels.fails",
            title: "always fails",
            reference: "none",
            level,
            needs: &[],
            uses: &[],
            gate: None,
            tier: Tier::Core,
            suite: Suite::Rfc,
            run: |c| Box::pin(fails(c)),
        }
    }

    /// A warning is not a pass: the summary counts it on its own.
    #[test]
    fn the_summary_counts_warnings_apart() {
        let mut warned = outcome(&failing_check(Level::Should), Verdict::Warn);
        warned.message = Some("a SHOULD not met".into());
        let r = Report {
            schema_version: 1,
            tool: "idpsim",
            target: "t".into(),
            started: String::new(),
            millis: 0,
            capabilities: vec![],
            notes: vec![],
            outcomes: vec![warned, outcome(&failing_check(Level::Must), Verdict::Pass)],
        };
        assert_eq!(r.summary(), "1 passed, 1 warned, 0 failed, 0 skipped");
        assert!(r.passed());
    }

    /// An inconclusive row (a SAML case whose canary failed) is neither a
    /// pass nor a failure, and a run holding one does not pass.
    #[test]
    fn an_inconclusive_run_does_not_pass() {
        let r = Report {
            schema_version: 1,
            tool: "idpsim",
            target: "t".into(),
            started: String::new(),
            millis: 0,
            capabilities: vec![],
            outcomes: vec![
                outcome(&failing_check(Level::Must), Verdict::Inconclusive),
                outcome(&failing_check(Level::Must), Verdict::Pass),
            ],
            notes: Vec::new(),
        };
        assert_eq!(
            r.summary(),
            "1 passed, 0 warned, 0 failed, 0 skipped, 1 inconclusive"
        );
        assert!(!r.passed());
    }

    /// Every skip is decided while planning, so a harness can list it as
    /// such: none is left to a check body.
    #[test]
    fn plan_decides_every_skip() {
        let caps = Capabilities::from_document(serde_json::json!({
            "bulk": {"supported": true, "maxOperations": 20000}
        }));
        let planned = plan(&crate::checks::all(), &caps, &Options::default());
        let skip = |id: &str| {
            planned
                .iter()
                .find(|(c, _)| c.id == id)
                .and_then(|(_, s)| s.clone())
        };
        assert!(
            skip("rfc7644.bulk.max-operations-413").is_some_and(|s| s.contains("20000")),
            "{:?}",
            skip("rfc7644.bulk.max-operations-413")
        );
        assert_eq!(skip("rfc7644.bulk.bulkid"), None);
    }

    /// Okta and Entra send PATCH whatever the ServiceProviderConfig says,
    /// so their checks are planned without it; the RFC's are skipped, and
    /// `--skip patch` still skips both.
    #[test]
    fn idp_checks_are_planned_whatever_is_advertised() {
        let caps = Capabilities::from_document(serde_json::json!({
            "patch": {"supported": false}
        }));
        let skip_of = |caps: &Capabilities, id: &str| {
            plan(&crate::checks::all(), caps, &Options::default())
                .into_iter()
                .find(|(c, _)| c.id == id)
                .and_then(|(_, s)| s)
        };
        assert_eq!(skip_of(&caps, "okta.replay.deactivate"), None);
        assert_eq!(skip_of(&caps, "entra.patch.capitalised-string-bool"), None);
        assert!(skip_of(&caps, "rfc7644.patch.replace-path").is_some());
        let mut skipping = caps.clone();
        skipping.skipped.insert(Capability::Patch);
        assert_eq!(
            skip_of(&skipping, "okta.replay.deactivate").as_deref(),
            Some("patch skipped by --skip")
        );
    }

    /// The verdict of a failure comes from the check's level, in the
    /// runner: MUST and IdP needs fail, SHOULD and MAY warn.
    #[tokio::test]
    async fn a_failure_is_judged_by_the_check_s_level() {
        let target = Target {
            base_url: "http://127.0.0.1:1/scim/v2".into(),
            token: None,
        };
        for (level, want) in [
            (Level::Must, Verdict::Fail),
            (Level::Compat, Verdict::Fail),
            (Level::Should, Verdict::Warn),
            (Level::May, Verdict::Warn),
        ] {
            let o = run_one(
                failing_check(level),
                &target,
                Arc::new(Capabilities::default()),
                "idpsim-test",
                Duration::from_secs(5),
            )
            .await;
            assert_eq!(o.verdict, want, "{level:?}");
            assert_eq!(o.rule.as_deref(), Some("asked"));
            assert_eq!(o.expected.as_deref(), Some("what the reference asks"));
            assert_eq!(o.got.as_deref(), Some("something else"));
        }
    }
}
