//! The lookup phase's lean path: every path and the request's head built
//! once, each goose user on a connection of its own ([`Connection`]), each
//! lookup sent unrecorded and timed here, one goose request per attempt. The recorded
//! path builds the URL and headers from strings, keeps an exchange and
//! names it per request: three times the allocations per lookup
//! (load/tests/lookup_allocations.rs).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use goose::goose::{GooseUser, Scenario, Transaction, TransactionResult};
use idpsim_simulator::client::{
    ClientConfig, ClientError, Connection, Method, RequestHead, Response, RetryPolicy, ScimClient,
};
use idpsim_simulator::idp::Wire;

use super::super::attack::{Shared, ev, event_failed, phase as run_phase, transaction_fn};
use super::super::{LoadError, LoadPlan};
use super::{EVENT, LOOKED_UP, PHASE, judge};
use crate::summary::Summary;

/// What a lean phase's goose users share.
struct Lean {
    shared: Arc<Shared>,
    /// What every goose user's connection is made from.
    client: ScimClient,
    /// Each user's userName and lookup path (origin-form).
    targets: Vec<(String, http::uri::PathAndQuery)>,
    /// `Host`, the profile's headers for a GET and the credentials.
    head: RequestHead,
    items: usize,
    goose_users: usize,
    event: String,
    looked_up: AtomicU64,
}

/// Per goose user: its own connection (taken out while a lookup uses it)
/// and its place in the work list.
#[derive(Clone)]
struct Session {
    connection: Option<Connection>,
    iteration: usize,
}

pub(super) async fn phase(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    targets: Vec<(String, String)>,
    items: usize,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let base = reqwest::Url::parse(&plan.client.base_url)
        .map_err(|e| LoadError::Setup(format!("bad target URL: {e}")))?;
    let prefix = base.path().trim_end_matches('/');
    let targets = targets
        .into_iter()
        .map(|(name, path)| {
            let uri = http::uri::PathAndQuery::try_from(format!("{prefix}{path}"))
                .map_err(|e| LoadError::Setup(format!("bad lookup path {prefix}{path}: {e}")))?;
            Ok((name, uri))
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let goose_users = plan.goose.users.unwrap_or(8).max(1);
    let client = ScimClient::new(ClientConfig {
        evidence: false,
        ..plan.client.clone()
    })
    .map_err(|e| LoadError::Setup(e.to_string()))?;
    let head = client
        .connection()
        .head(&headers(plan)?)
        .map_err(|e| LoadError::Setup(e.to_string()))?;
    let lean = Arc::new(Lean {
        shared: shared.clone(),
        client,
        targets,
        head,
        items,
        goose_users,
        event: ev(plan.profile, EVENT),
        looked_up: AtomicU64::new(0),
    });
    let l = lean.clone();
    let f = transaction_fn(move |user| Box::pin(next(user, l.clone())));
    let t = Transaction::new(f).set_name(&lean.event);
    let scenario = Scenario::new(PHASE).register_transaction(t);
    let iterations = items.div_ceil(goose_users);
    run_phase(plan, shared, PHASE, scenario, Some(iterations), summary).await?;
    shared.count(LOOKED_UP, lean.looked_up.load(Ordering::Relaxed));
    Ok(())
}

/// The headers the profile sends with a GET, as the recorded path builds
/// them.
fn headers(plan: &LoadPlan) -> Result<http::HeaderMap, LoadError> {
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let req = Wire::new(plan.profile, client).request(Method::GET, String::new(), None);
    let mut map = http::HeaderMap::with_capacity(req.headers.len() + 1);
    for (k, v) in &req.headers {
        let name = http::HeaderName::try_from(k.as_str());
        let value = http::HeaderValue::try_from(v.as_str());
        let (Ok(name), Ok(value)) = (name, value) else {
            return Err(LoadError::Setup(format!(
                "the profile's header {k}: {v} is not valid"
            )));
        };
        map.append(name, value);
    }
    Ok(map)
}

/// This goose user's next lookup: user k does items k, k+U, k+2U, … as in
/// every phase (`attack::next_item`).
async fn next(user: &mut GooseUser, lean: Arc<Lean>) -> TransactionResult {
    let k = user.weighted_users_index;
    if user.get_session_data::<Session>().is_none() {
        user.set_session_data(Session {
            connection: None,
            iteration: 0,
        });
    }
    let s = user.get_session_data_mut::<Session>().expect("just set");
    let i = k + s.iteration * lean.goose_users;
    s.iteration += 1;
    if i >= lean.items {
        lean.shared.idle(&lean.event, false);
        return Ok(());
    }
    let mut connection = s
        .connection
        .take()
        .unwrap_or_else(|| lean.client.connection());
    let (user_name, uri) = &lean.targets[i % lean.targets.len()];
    let outcome = send(user, &mut connection, &lean, uri).await;
    if let Some(s) = user.get_session_data_mut::<Session>() {
        s.connection = Some(connection);
    }
    match judge(outcome?, user_name) {
        Ok(()) => {
            lean.looked_up.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            lean.shared.fail(e.to_string());
            Err(event_failed(&e))
        }
    }
}

/// Sends a lookup with the client's retry policy, each attempt one goose
/// request named as the recorded path names it (`GET /Users?filter`). The
/// outer error is goose's; the inner result is the last attempt's. The
/// attempts' clock readings also mark the phase's busy window.
async fn send(
    user: &mut GooseUser,
    connection: &mut Connection,
    lean: &Lean,
    path: &http::uri::PathAndQuery,
) -> Result<Result<Response, ClientError>, Box<goose::goose::TransactionError>> {
    let policy = &lean.client.config().retry;
    let busy = &lean.shared.busy;
    let mut attempt = 0;
    loop {
        let started = Instant::now();
        if attempt == 0 {
            busy.started_at(started);
        }
        let answer = connection.get(path, &lean.head).await;
        let ended = Instant::now();
        busy.ended_at(ended);
        let took = ended - started;
        let (ok, status, error) = match &answer {
            Ok(r) => (r.status < 400, Some(r.status), None),
            Err(e) => (false, None, Some(e.to_string())),
        };
        user.record_custom_request_duration(
            "GET",
            "/Users?filter",
            took,
            ok,
            status,
            error.as_deref(),
        )
        .await?;
        match retry_wait(policy, attempt, &answer) {
            Some(wait) if attempt < policy.max_retries => {
                tokio::time::sleep(wait.min(policy.max_delay)).await;
                attempt += 1;
            }
            _ => return Ok(answer),
        }
    }
}

/// How long to wait before sending again, as `ScimClient::send` decides.
fn retry_wait(
    p: &RetryPolicy,
    attempt: u32,
    answer: &Result<Response, ClientError>,
) -> Option<Duration> {
    let backoff = || {
        p.base_delay
            .saturating_mul(1u32 << attempt.min(10))
            .min(p.max_delay)
    };
    match answer {
        Ok(r) if r.status == 429 && p.honour_retry_after => Some(
            r.retry_after
                .map(Duration::from_secs)
                .unwrap_or(p.base_delay),
        ),
        Ok(r) if r.status >= 500 && p.retry_5xx => Some(backoff()),
        Err(ClientError::Timeout(_) | ClientError::Transport(_)) if p.retry_5xx => Some(backoff()),
        _ => None,
    }
}
