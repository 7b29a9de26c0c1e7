//! Runs SAML cases one after another against one SP, with a canary: a
//! genuine sign-in of the user before the first case, after every N cases
//! and at the end. A refusal counts only between two canaries that signed
//! in; otherwise the SP may simply be refusing everyone, and the verdict is
//! inconclusive. A session an attack obtained stays a failure whatever the
//! canary says: that session is evidence on its own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use idpsim_certs::KeyAndCert;
use idpsim_simulator::saml::{Shape, SignMode, SigningKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::case::{Case, Expect, Flow, Forge, Identity, Kind, Who};
use super::sign::Keys;
use super::sp::{Driver, Jar, Seen, SpTarget, Started};
use crate::check::{Level, Suite, Tier};
use crate::runner::{Outcome, Report, Verdict};

/// Who signs what, as whom.
#[derive(Debug, Clone)]
pub struct Setup {
    pub shape: Shape,
    pub sign: SignMode,
    /// The IdP key the SP trusts.
    pub idp_key: KeyAndCert,
    /// A key the SP does not trust.
    pub attacker_key: KeyAndCert,
    pub user: String,
    pub attacker: String,
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub only: Option<String>,
    /// Run the resource cases too.
    pub include_resource: bool,
    /// The canary runs again after this many cases.
    pub canary_every: usize,
    /// A resource case and the canary after it must each answer within this.
    pub resource_limit: Duration,
    /// Prints a line per case as it finishes (the CLI's progress).
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            only: None,
            include_resource: false,
            canary_every: 10,
            resource_limit: Duration::from_secs(10),
            progress: false,
        }
    }
}

/// The row id of the canary.
pub const CANARY: &str = "saml.canary.genuine-sign-in";

/// The cases selected and why each skipped one is skipped.
pub fn plan<'a>(
    cases: &'a [Case],
    target: &SpTarget,
    opts: &Options,
) -> Vec<(&'a Case, Option<String>)> {
    cases
        .iter()
        .filter(|c| opts.only.as_deref().is_none_or(|o| c.id.contains(o)))
        .filter(|c| {
            opts.include_resource
                || c.kind != Kind::Resource
                || opts.only.as_deref().is_some_and(|o| c.id.contains(o))
        })
        .map(|c| {
            let skip = match c.flow {
                Flow::SpInitiated if target.idp_initiated || target.login_url.is_none() => {
                    Some("needs an SP-initiated login (--sp-login)".to_owned())
                }
                Flow::UnsignedAssertionAllowed if target.requires_signed_assertion => Some(
                    "the SP requires signed assertions, so it must refuse this (SAML.md P-03)"
                        .to_owned(),
                ),
                _ => None,
            };
            (c, skip)
        })
        .collect()
}

/// A listener on 127.0.0.1 that records the path of every request: a case
/// that names a URL in its response learns whether the SP fetched it.
#[derive(Debug, Clone)]
struct Listener {
    url: String,
    hits: Arc<parking_lot::Mutex<Vec<String>>>,
}

impl Listener {
    async fn start() -> std::io::Result<Listener> {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/", l.local_addr()?);
        let hits: Arc<parking_lot::Mutex<Vec<String>>> = Arc::default();
        let h = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let h = h.clone();
                tokio::spawn(async move {
                    // The request line may come in pieces: read to the end
                    // of the head (or 8 KiB, or 5 s) before taking the path.
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
                    while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
                            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                            _ => break,
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    if let Some(path) = head.split_whitespace().nth(1) {
                        h.lock().push(path.to_owned());
                    }
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        Ok(Listener { url, hits })
    }

    fn hits_for(&self, case: &str) -> Vec<String> {
        let prefix = format!("/{case}/");
        self.hits
            .lock()
            .iter()
            .filter(|p| p.starts_with(&prefix))
            .cloned()
            .collect()
    }
}

/// One case's result before the canaries have their say.
struct Judged {
    outcome: Outcome,
    /// The case obtained a session or a redirect it must not have: a
    /// failure no canary can make inconclusive.
    evidence: bool,
}

struct Runner {
    /// How long the last post of the last case took to be answered.
    last_post_ms: parking_lot::Mutex<Option<u64>>,
    driver: Driver,
    id: Identity,
    listener: Listener,
}

fn row(case: &Case, verdict: Verdict) -> Outcome {
    Outcome {
        id: case.id,
        title: case.title,
        reference: case.source,
        level: if case.expect == Expect::Accept {
            Level::Compat
        } else {
            Level::Must
        },
        suite: Suite::Saml,
        area: case.area(),
        tier: if case.kind == Kind::Resource {
            Tier::Edge
        } else {
            Tier::Core
        },
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

fn canary_case() -> Case {
    Case {
        id: CANARY,
        title: "A genuine response for the user signs in (before, between and after the cases)",
        source: "issue 18 (canary); SAML.md §3.4 (positive control)",
        expect: Expect::Accept,
        proof: &[],
        kind: Kind::Standard,
        flow: Flow::Any,
        browsers: 1,
        build: |f| Ok(super::case::Script::doc(&f.genuine(Who::User)?)),
    }
}

impl Runner {
    /// Runs `case` once: its logins, its posts, the oracle.
    async fn run_case(&self, case: &Case) -> Judged {
        let started = Instant::now();
        let mut o = row(case, Verdict::Pass);
        let judged = self.attempt(case, &mut o).await;
        o.millis = started.elapsed().as_millis() as u64;
        o.exchanges = self.driver.take_log();
        o.decided_by = o.exchanges.len().checked_sub(1);
        match judged {
            Ok(evidence) => {
                if o.verdict == Verdict::Pass {
                    // A pass keeps what the SP did as a note; the evidence
                    // (every response sent) only where a verdict needs it.
                    o.notes.extend(o.got.take());
                    o.expected = None;
                    o.exchanges.clear();
                    o.decided_by = None;
                }
                Judged {
                    outcome: o,
                    evidence,
                }
            }
            Err(why) => {
                o.verdict = Verdict::Inconclusive;
                o.rule = Some("harness".into());
                o.expected = Some(case.expect.describe(None));
                o.got = Some(why);
                Judged {
                    outcome: o,
                    evidence: false,
                }
            }
        }
    }

    /// Fills `o`'s verdict; `Ok(true)` when the verdict is a failure
    /// proven by what the SP gave; `Err` when the case could not be run.
    async fn attempt(&self, case: &Case, o: &mut Outcome) -> Result<bool, String> {
        *self.last_post_ms.lock() = None;
        let mut starts: Vec<Started> = Vec::new();
        for _ in 0..case.browsers.max(1) {
            starts.push(
                self.driver
                    .start()
                    .await
                    .map_err(|e| format!("could not start a login: {e}"))?,
            );
        }
        let forge = Forge {
            id: &self.id,
            starts: &starts,
            case_id: case.id,
        };
        let script =
            (case.build)(&forge).map_err(|e| format!("could not build the response: {e}"))?;
        let vouched = script.vouched.clone();
        let mut candidates = vec![self.id.user.clone(), self.id.attacker.clone()];
        candidates.extend(vouched.clone());
        let mut jars: Vec<Jar> = starts.iter().map(|s| s.jar.clone()).collect();
        let mut sessions: Vec<Vec<String>> = vec![Vec::new(); jars.len()];
        let mut last = None;
        for step in &script.steps {
            let b = step.browser.min(jars.len() - 1);
            if step.fresh_session {
                for name in &sessions[b] {
                    jars[b].0.remove(name);
                }
            }
            let posted = self
                .driver
                .post(
                    &starts[b].acs_url,
                    &mut jars[b],
                    &step.xml,
                    step.relay_state.as_deref(),
                )
                .await;
            let posted = match posted {
                Ok(p) => p,
                Err(e) if step.setup => return Err(format!("the setup post failed: {e}")),
                Err(e) => {
                    last = Some((None, Seen::Nobody(format!("no answer: {e}"))));
                    break;
                }
            };
            *self.last_post_ms.lock() = Some(posted.millis);
            sessions[b].extend(posted.set_cookies.iter().cloned());
            let seen = self
                .driver
                .judge(&mut jars[b], &posted, &candidates)
                .await?;
            if step.setup
                && !matches!(&seen, Seen::As(w) if *w == self.id.user)
                && seen != Seen::Someone
            {
                return Err(format!(
                    "the genuine response this case replays did not sign in: {seen:?}"
                ));
            }
            last = Some((Some(posted), seen));
        }
        let (posted, seen) = last.ok_or("the case posted nothing")?;
        o.expected = Some(case.expect.describe(vouched.as_deref()));
        let fetched = self.listener.hits_for(case.id);
        if !fetched.is_empty() {
            o.verdict = Verdict::Fail;
            o.rule = Some("fetched-url".into());
            o.got = Some(format!(
                "the SP requested {} named by the message",
                fetched.join(", ")
            ));
            return Ok(true);
        }
        let describe = |s: &Seen| match s {
            Seen::As(w) => format!("signed in as {w:?}"),
            Seen::Someone => "signed in (the oracle does not say as whom)".to_owned(),
            Seen::Nobody(why) => format!("not signed in: {why}"),
        };
        let answer = posted
            .as_ref()
            .map(|p| {
                format!(
                    "the ACS answered {}{}; ",
                    p.status,
                    p.location
                        .as_deref()
                        .map(|l| format!(" → {l}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        o.got = Some(format!("{answer}{}", describe(&seen)));
        let (verdict, rule, evidence) = match case.expect {
            Expect::Accept => match &seen {
                Seen::As(w) if *w == self.id.user => (Verdict::Pass, None, false),
                Seen::Someone => (Verdict::Pass, None, false),
                Seen::As(_) => (Verdict::Fail, Some("wrong-identity"), true),
                Seen::Nobody(_) => (Verdict::Fail, Some("refused-valid"), false),
            },
            Expect::Refuse => match &seen {
                Seen::Nobody(_) => (Verdict::Pass, None, false),
                _ => (Verdict::Fail, Some("signed-in"), true),
            },
            Expect::RefuseOrVouched => match &seen {
                Seen::Nobody(_) => (Verdict::Pass, None, false),
                Seen::As(w) if Some(w) == vouched.as_ref() => (Verdict::Pass, None, false),
                Seen::As(_) => (Verdict::Fail, Some("signed-in-as-other"), true),
                Seen::Someone => (Verdict::Inconclusive, Some("identity-unknown"), false),
            },
            Expect::NoOpenRedirect => {
                let acs = url::Url::parse(&starts[0].acs_url).map_err(|e| e.to_string())?;
                match posted.as_ref().and_then(|p| p.location.clone()) {
                    Some(loc) => match acs.join(&loc) {
                        Ok(to) if to.origin() == acs.origin() => (Verdict::Pass, None, false),
                        Ok(to) => {
                            o.got = Some(format!(
                                "{answer}the browser is sent to {to} (Location: {loc:?})"
                            ));
                            (Verdict::Fail, Some("open-redirect"), true)
                        }
                        Err(_) => (Verdict::Pass, None, false),
                    },
                    None => (Verdict::Pass, None, false),
                }
            }
        };
        o.verdict = verdict;
        o.rule = rule.map(str::to_owned);
        Ok(evidence)
    }

    /// The canary: `Ok` when the user signs in.
    async fn canary(&self) -> Result<(), String> {
        let c = canary_case();
        let j = self.run_case(&c).await;
        match j.outcome.verdict {
            Verdict::Pass => Ok(()),
            _ => Err(j.outcome.got.unwrap_or_default()),
        }
    }
}

/// Runs `cases` against `target`.
pub async fn run(
    cases: &[Case],
    target: SpTarget,
    setup: &Setup,
    opts: &Options,
) -> Result<Report, String> {
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let started = Instant::now();
    let listener = Listener::start()
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let keys = Keys::new(&setup.idp_key, &setup.attacker_key)?;
    let signing_key = SigningKey::from_pem(&setup.idp_key).map_err(|e| e.to_string())?;
    let target_name = target
        .login_url
        .clone()
        .or(target.acs_url.clone())
        .unwrap_or_default();
    let r = Runner {
        last_post_ms: parking_lot::Mutex::new(None),
        driver: Driver::new(target.clone()),
        id: Identity {
            shape: setup.shape.clone(),
            sign: setup.sign,
            keys: Arc::new(keys),
            signing_key: Arc::new(signing_key),
            user: setup.user.clone(),
            attacker: setup.attacker.clone(),
            canary_url: listener.url.clone(),
        },
        listener,
    };
    let planned = plan(cases, &target, opts);
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut canary_runs = 0usize;
    let mut canary_failures: Vec<String> = Vec::new();
    let mut canary_row = row(&canary_case(), Verdict::Pass);
    let mut check = async |r: &Runner, canary_row: &mut Outcome| {
        canary_runs += 1;
        match r.canary().await {
            Ok(()) => {
                r.driver.take_log();
                true
            }
            Err(why) => {
                canary_failures.push(format!("run {canary_runs}: {why}"));
                canary_row.exchanges.extend(r.driver.take_log());
                false
            }
        }
    };
    let mut ok_before = check(&r, &mut canary_row).await;
    let mut segment: Vec<(usize, bool)> = Vec::new();
    let mut since = 0usize;
    let close = |outcomes: &mut Vec<Outcome>, segment: &mut Vec<(usize, bool)>, ok: bool| {
        for (i, evidence) in segment.drain(..) {
            if !ok && !evidence && outcomes[i].verdict != Verdict::Skip {
                let o = &mut outcomes[i];
                o.message = Some(format!(
                    "inconclusive: a canary sign-in next to this case failed, so the SP may be refusing everyone (it had judged: {:?})",
                    o.verdict
                ));
                o.verdict = Verdict::Inconclusive;
                o.rule.get_or_insert_with(|| "canary".into());
            }
        }
    };
    for (case, skip) in &planned {
        if let Some(why) = skip {
            let mut o = row(case, Verdict::Skip);
            o.message = Some(why.clone());
            outcomes.push(o);
            continue;
        }
        if case.kind == Kind::Resource {
            // The standard cases so far are judged before anything costly
            // is sent: a resource case may take the SP down on purpose.
            if !segment.is_empty() {
                since = 0;
                let ok_after = check(&r, &mut canary_row).await;
                close(&mut outcomes, &mut segment, ok_before && ok_after);
                ok_before = ok_after;
            }
            let mut j = r.run_case(case).await;
            let answered = *r.last_post_ms.lock();
            let serves = tokio::time::timeout(opts.resource_limit, r.canary()).await;
            r.driver.take_log();
            let serves = matches!(serves, Ok(Ok(())));
            let in_time = answered.is_some_and(|ms| ms <= opts.resource_limit.as_millis() as u64);
            j.outcome.notes.push(format!(
                "answered in {}; still serves: {}",
                answered.map_or("no answer".into(), |ms| format!("{ms} ms")),
                if serves { "yes" } else { "no" }
            ));
            if j.outcome.verdict != Verdict::Fail && (!serves || !in_time) {
                j.outcome.verdict = Verdict::Fail;
                j.outcome.rule = Some(if serves { "slow" } else { "stopped-serving" }.into());
                j.outcome.got = Some(format!(
                    "{}; {}",
                    j.outcome.got.clone().unwrap_or_default(),
                    j.outcome.notes.last().cloned().unwrap_or_default()
                ));
            }
            if opts.progress {
                eprintln!(
                    "{:<6} {}",
                    format!("{:?}", j.outcome.verdict).to_uppercase(),
                    case.id
                );
            }
            outcomes.push(j.outcome);
            continue;
        }
        let j = r.run_case(case).await;
        if opts.progress {
            eprintln!(
                "{:<6} {}",
                format!("{:?}", j.outcome.verdict).to_uppercase(),
                case.id
            );
        }
        segment.push((outcomes.len(), j.evidence));
        outcomes.push(j.outcome);
        since += 1;
        if since >= opts.canary_every.max(1) {
            since = 0;
            let ok_after = check(&r, &mut canary_row).await;
            close(&mut outcomes, &mut segment, ok_before && ok_after);
            ok_before = ok_after;
        }
    }
    if !segment.is_empty() {
        let ok_after = check(&r, &mut canary_row).await;
        close(&mut outcomes, &mut segment, ok_before && ok_after);
    }
    canary_row.notes.push(format!(
        "ran {canary_runs} times, {} failed",
        canary_failures.len()
    ));
    if !canary_failures.is_empty() {
        canary_row.verdict = Verdict::Fail;
        canary_row.rule = Some("refused-valid".into());
        canary_row.expected = Some("the user signs in every time".into());
        canary_row.got = Some(canary_failures.join("; "));
        canary_row.decided_by = canary_row.exchanges.len().checked_sub(1);
    }
    outcomes.insert(0, canary_row);
    Ok(Report {
        schema_version: 1,
        tool: concat!("idpsim ", env!("CARGO_PKG_VERSION")),
        target: target_name,
        started: started_at,
        millis: started.elapsed().as_millis() as u64,
        capabilities: Vec::new(),
        outcomes,
        notes: Vec::new(),
    })
}

/// Runs one case between two canaries (the libtest harness's trial): the
/// outcome, inconclusive when either canary fails.
pub async fn run_single(case: &Case, target: SpTarget, setup: &Setup) -> Result<Outcome, String> {
    let opts = Options {
        only: Some(case.id.to_owned()),
        include_resource: true,
        canary_every: 1,
        ..Options::default()
    };
    let report = run(std::slice::from_ref(case), target, setup, &opts).await?;
    let canary = report.outcomes.first().cloned();
    let mut o = report
        .outcomes
        .into_iter()
        .find(|o| o.id == case.id)
        .ok_or("the case did not run")?;
    if let Some(c) = canary
        && c.verdict == Verdict::Fail
        && o.verdict == Verdict::Pass
    {
        o.verdict = Verdict::Inconclusive;
        o.message = Some(format!("the canary failed: {}", c.got.unwrap_or_default()));
    }
    Ok(o)
}
