//! The SCIM client: authentication, timeouts, a concurrency bound,
//! retries the way the IdP does them, fault injection and a record of every
//! exchange with secrets redacted.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Mutex, Semaphore};

mod connection;

/// An answer's head and its body, read whole up to [`MAX_RESPONSE_BYTES`].
async fn read_answer(
    r: hyper::Response<hyper::body::Incoming>,
) -> Result<(http::response::Parts, Bytes), ClientError> {
    let (parts, body) = r.into_parts();
    let bytes = Limited::new(body, MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|e| ClientError::Transport(format!("reading the response: {}", with_causes(&*e))))?
        .to_bytes();
    Ok((parts, bytes))
}

pub(crate) use connection::parse_head;
pub use connection::{Connection, RequestHead};

/// A body as it travelled: the bytes are shared with the HTTP layer, so
/// recording every exchange of a 100k-user sync costs a reference count,
/// not a copy. It is rendered as JSON only when a report is written.
#[derive(Debug, Clone)]
pub struct Body {
    bytes: Bytes,
    json: bool,
}

impl Body {
    /// A recorded answer's body: read as JSON when it looks like a JSON
    /// document (some servers send JSON as `text/plain`, others send text
    /// as JSON), as text otherwise. Public so that reports can be built
    /// and tested from recorded bodies.
    pub fn recorded(bytes: impl Into<Bytes>) -> Body {
        let bytes = bytes.into();
        let json = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'['));
        Body { bytes, json }
    }
    /// A body recorded as text (never parsed as JSON): what a SAML
    /// exchange records.
    pub fn text(bytes: impl Into<Bytes>) -> Body {
        Body {
            bytes: bytes.into(),
            json: false,
        }
    }
    /// The bytes as they travelled.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
    /// The body as text.
    pub fn get(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
    /// The body as a JSON value: parsed, or a string when it is not JSON.
    pub fn value(&self) -> Value {
        if self.json
            && let Ok(v) = serde_json::from_slice(&self.bytes)
        {
            return v;
        }
        Value::String(truncate(&self.get(), 4096))
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.json
            && let Ok(raw) = RawValue::from_string(self.get().into_owned())
        {
            return raw.serialize(s);
        }
        Value::String(truncate(&self.get(), 4096)).serialize(s)
    }
}

/// How the client authenticates.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// A static header, as Okta's "HTTP Header" auth sends it.
    Header {
        name: String,
        value: String,
    },
}

impl std::fmt::Debug for Auth {
    // Secrets never reach logs, so Debug names the scheme only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, <redacted>)"),
            Auth::Header { name, .. } => write!(f, "Header({name}: <redacted>)"),
        }
    }
}

/// Faults the client injects, off by default. Draws come from a seeded RNG
/// so that a run with the same seed injects the same faults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Chance that a request is delivered twice (the caller sees the first answer).
    pub duplicate: f64,
    /// Chance that the response is lost after the server handled the request.
    pub drop_response: f64,
    /// Delay added before every request.
    pub delay: Duration,
    /// Each request waits a random time below this before it is sent, so
    /// that requests in flight together leave in a different order.
    pub reorder_window: Duration,
    pub seed: u64,
}

impl Faults {
    pub fn is_off(&self) -> bool {
        self.duplicate <= 0.0
            && self.drop_response <= 0.0
            && self.delay.is_zero()
            && self.reorder_window.is_zero()
    }
}

/// Retries the client makes by itself, below any IdP: none unless a run
/// asks for them. A simulated IdP's retries are its profile's
/// [`crate::profile::ErrorPolicy`], applied by [`crate::idp::Wire`]; load
/// runs keep a policy of their own, [`RetryPolicy::load`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub max_retries: u32,
    /// Wait what `Retry-After` says on 429 (capped at `max_delay`).
    pub honour_retry_after: bool,
    /// Retry 5xx answers and transport errors with exponential backoff.
    pub retry_5xx: bool,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// No retry: each request is sent once.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::load()
        }
    }

    /// Load runs' own policy: a load run measures a target under traffic,
    /// not an IdP's error handling, so it rides out brief failures with
    /// five quick retries (Retry-After honoured up to 10 s).
    pub fn load() -> Self {
        RetryPolicy {
            max_retries: 5,
            honour_retry_after: true,
            retry_5xx: true,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl Default for RetryPolicy {
    /// The load runs' policy, [`RetryPolicy::load`].
    fn default() -> Self {
        Self::load()
    }
}

/// Everything the client needs to reach a target.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The SCIM base URL, without a trailing slash.
    pub base_url: String,
    pub auth: Auth,
    /// Per-request timeout; 60 s is what Okta and Entra allow (IDP-WIRE.md §1.2, §2.2).
    pub timeout: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The client's own retries; none by default (see [`RetryPolicy`]).
    pub retry: RetryPolicy,
    /// The most real time one `Retry-After` wait may take. The IdP's wait
    /// is counted in full on a virtual clock ([`ScimClient::waited`]);
    /// zero (the default) makes every wait virtual, as tests want, while a
    /// live run against a real rate limiter sets `--max-retry-after`.
    pub max_retry_after: Duration,
    pub faults: Faults,
    /// Exchanges kept for evidence; the oldest go first.
    pub keep_exchanges: usize,
    /// Whether an exchange keeps its headers and bodies. A load run, which
    /// turns exchanges into timings, keeps neither: copying every header of
    /// every answer was a large part of the client's work per request.
    pub evidence: bool,
}

impl ClientConfig {
    pub fn new(base_url: &str, auth: Auth) -> Self {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            timeout: Duration::from_secs(60),
            concurrency: 16,
            retry: RetryPolicy::none(),
            max_retry_after: Duration::ZERO,
            faults: Faults::default(),
            keep_exchanges: 2000,
            evidence: true,
        }
    }
}

/// One request as a profile builds it: the path and query are already
/// encoded the way that IdP encodes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Path below the base URL, with its query (`/Users?filter=…`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// The methods SCIM uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

impl Method {
    /// The method named `s` (upper case, as HTTP spells it).
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            _ => return None,
        })
    }
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
        }
    }
    fn to_http(self) -> http::Method {
        match self {
            Method::GET => http::Method::GET,
            Method::POST => http::Method::POST,
            Method::PUT => http::Method::PUT,
            Method::PATCH => http::Method::PATCH,
            Method::DELETE => http::Method::DELETE,
        }
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// `Retry-After` in seconds, when given.
    pub retry_after: Option<u64>,
    /// The raw body; parsed only by the callers that read it, since most
    /// PATCH and PUT answers are never looked at.
    pub body: Bytes,
}

impl Response {
    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// The body as text, for messages.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
    /// The `id` of the resource in the body, without building a tree.
    pub fn id(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct WithId {
            id: Option<String>,
        }
        serde_json::from_slice::<WithId>(&self.body)
            .ok()
            .and_then(|w| w.id)
    }
}

/// Why no answer came back. Transport details are kept as text so that no
/// third-party error type leaks into the API.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ClientError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("the connection failed: {0}")]
    Transport(String),
    #[error("the response was dropped after the target handled the request (injected fault)")]
    ResponseDropped,
}

/// One request and what came of it, secrets redacted.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub seq: u64,
    pub method: Method,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Body>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<(String, String)>,
    /// The answer's JSON, or its text as a JSON string when it is not JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<Body>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub micros: u64,
    /// When the request left, for HAR's `startedDateTime`.
    #[serde(skip)]
    pub started: std::time::SystemTime,
    /// 0 for the first try.
    pub attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// Where the engine planned this request, for recordings' order.
    #[serde(skip)]
    pub plan: Option<crate::plan::Plan>,
}

/// Counters over every exchange, kept even when exchanges are not.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub requests: u64,
    pub failures: u64,
    pub micros: Vec<u32>,
}

impl Exchange {
    /// The request body as a JSON value.
    pub fn request_json(&self) -> Option<Value> {
        self.request_body.as_ref().map(Body::value)
    }
    /// The response body as a JSON value (a string when it was not JSON).
    pub fn response_json(&self) -> Option<Value> {
        self.response_body.as_ref().map(Body::value)
    }
}

impl Stats {
    /// The `p`-th percentile latency in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut v = self.micros.clone();
        v.sort_unstable();
        let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
        v[idx.min(v.len() - 1)] as f64 / 1000.0
    }
}

#[derive(Debug, Default)]
struct Log {
    exchanges: VecDeque<Exchange>,
    all: Option<Vec<Exchange>>,
    stats: Stats,
}

/// Every exchange of every client in this process, when `--har` asked
/// for them: a process-wide tap, so that the conformance runner and the
/// player need not carry a sink through every layer.
static TAP: std::sync::OnceLock<std::sync::Mutex<Vec<Exchange>>> = std::sync::OnceLock::new();

/// From now on, every client keeps a copy of every exchange for [`take_tapped`].
pub fn tap_all() {
    TAP.get_or_init(Default::default);
}

/// The exchanges kept since [`tap_all`] (or the last take), in the order
/// they ended.
pub fn take_tapped() -> Vec<Exchange> {
    TAP.get()
        .map(|t| std::mem::take(&mut *t.lock().expect("not poisoned")))
        .unwrap_or_default()
}

/// The largest response body read; a target that sends more fails the
/// request rather than the process.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// HTTP/1.1 over TCP or TLS, straight on hyper: the SCIM client sends every
/// request of a 100k-user load run, and reqwest's layers (URL parsing,
/// redirect and retry policies, decompression) were a fifth of its CPU.
type Http = HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// TLS settings with the system's roots, read once per process (reading the
/// certificate store costs milliseconds, and a load run makes a client per
/// goose user).
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, ClientError> {
    static TLS: std::sync::OnceLock<Result<rustls::ClientConfig, String>> =
        std::sync::OnceLock::new();
    TLS.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            let why = found
                .errors
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| "the system certificate store is empty".into());
            return Err(format!("no trusted root certificates: {why}"));
        }
        trusting(roots).map_err(|e| e.to_string())
    })
    .clone()
    .map_err(ClientError::Connect)
}

/// rustls on the aws-lc-rs provider, trusting `roots`.
pub(crate) fn trusting(
    roots: rustls::RootCertStore,
) -> Result<rustls::ClientConfig, rustls::Error> {
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// The proxy variable a user may expect to apply to `base_url`, which this
/// client does not use: it connects to the target directly.
fn ignored_proxy(
    base_url: &str,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Option<&'static str> {
    let uri: http::Uri = base_url.parse().ok()?;
    let host = uri.host()?.trim_matches(['[', ']']);
    let loopback = host
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    if loopback || host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let names: &[&'static str] = if base_url.starts_with("https:") {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .copied()
        .find(|n| env(n).is_some_and(|v| !v.is_empty()))
}

fn connector(config: &ClientConfig) -> Result<HttpsConnector<HttpConnector>, ClientError> {
    // Once per process: a load run makes a client per goose user and phase.
    static WARNED: std::sync::Once = std::sync::Once::new();
    if let Some(var) = ignored_proxy(&config.base_url, |n| std::env::var_os(n)) {
        WARNED.call_once(|| {
            tracing::warn!(
                "{var} is set, but idpsim's SCIM client connects to {} directly, without a proxy",
                config.base_url
            );
        });
    }
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(config.timeout));
    // Plain-HTTP targets (the embedded reference SP) need no roots.
    let tls = if config.base_url.starts_with("https:") {
        tls_config()?
    } else {
        trusting(rustls::RootCertStore::empty()).map_err(|e| ClientError::Connect(e.to_string()))?
    };
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp))
}

fn http_client(config: &ClientConfig, connector: HttpsConnector<HttpConnector>) -> Http {
    HyperClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(config.concurrency.max(1))
        .build(connector)
}

/// An error with its causes, which hyper keeps in the source chain.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The client. Cheap to clone; clones share the log and the bound.
#[derive(Debug, Clone)]
pub struct ScimClient {
    http: Http,
    /// What `http` connects with, for connections of their own
    /// ([`Connection`]).
    connector: HttpsConnector<HttpConnector>,
    config: Arc<ClientConfig>,
    slots: Arc<Semaphore>,
    /// A plain mutex: it is never held across an await, and it is taken
    /// once per request, where an async mutex costs more.
    log: Arc<std::sync::Mutex<Log>>,
    seq: Arc<AtomicU64>,
    rng: Arc<Mutex<ChaCha8Rng>>,
    /// Faults can change between scenario steps.
    faults: Arc<std::sync::RwLock<Faults>>,
    /// Seconds of `Retry-After` waited in virtual time.
    waited: Arc<AtomicU64>,
    /// The credentials' header, built once rather than formatted (and a
    /// Basic pair encoded) per request.
    auth_header: Arc<AuthHeader>,
}

impl ScimClient {
    /// A connection of its own to the target, outside the pool, for one
    /// sender's unrecorded requests ([`Connection::get`]).
    pub fn connection(&self) -> Connection {
        Connection::new(self)
    }
}

/// The credentials as a header: ready, none, or not a valid header (the
/// name and value as given, so that each request fails to build and says
/// why, as it did when every request built its own).
#[derive(Debug)]
enum AuthHeader {
    None,
    Ready(http::HeaderName, http::HeaderValue),
    Invalid(String, String),
}

impl AuthHeader {
    fn of(auth: &Auth) -> AuthHeader {
        let (name, value) = match auth {
            Auth::None => return AuthHeader::None,
            Auth::Bearer(t) => ("authorization".to_owned(), format!("Bearer {t}")),
            Auth::Basic { user, password } => {
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                ("authorization".to_owned(), format!("Basic {pair}"))
            }
            Auth::Header { name, value } => (name.clone(), value.clone()),
        };
        match (
            http::HeaderName::try_from(name.as_str()),
            http::HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(n), Ok(v)) => AuthHeader::Ready(n, v),
            _ => AuthHeader::Invalid(name, value),
        }
    }
}

/// A header as an exchange records it: credentials and cookie values
/// (sent or set) replaced, the scheme, cookie names and cookie attributes
/// kept as evidence.
fn redact(name: &str, value: &str) -> String {
    let is = |h: &str| name.eq_ignore_ascii_case(h);
    if is("authorization") || is("proxy-authorization") {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".into(),
        }
    } else if is("cookie") {
        value
            .split(';')
            .map(|pair| match pair.trim().split_once('=') {
                Some((k, _)) => format!("{k}=<redacted>"),
                None => "<redacted>".into(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else if is("set-cookie") {
        let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
        let cookie = pair.split_once('=').map_or("", |(k, _)| k.trim());
        if attributes.is_empty() {
            format!("{cookie}=<redacted>")
        } else {
            format!("{cookie}=<redacted>;{attributes}")
        }
    } else {
        value.to_owned()
    }
}

impl ScimClient {
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        // An IdP neither follows a SCIM server's redirects nor retries below
        // its own policy: a 3xx is evidence to show, and `RetryPolicy` is
        // the only retrying.
        let connector = connector(&config)?;
        let http = http_client(&config, connector.clone());
        Ok(ScimClient {
            http,
            connector,
            slots: Arc::new(Semaphore::new(config.concurrency.max(1))),
            rng: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(config.faults.seed))),
            faults: Arc::new(std::sync::RwLock::new(config.faults.clone())),
            auth_header: Arc::new(AuthHeader::of(&config.auth)),
            config: Arc::new(config),
            log: Arc::new(std::sync::Mutex::new(Log::default())),
            seq: Arc::new(AtomicU64::new(0)),
            waited: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Waits out a `Retry-After` of `secs` as an IdP does: in full on the
    /// virtual clock, in real time at most `max_retry_after`. Returns the
    /// real time slept.
    pub async fn wait_retry_after(&self, secs: u64) -> Duration {
        self.waited.fetch_add(secs, Ordering::Relaxed);
        let real = Duration::from_secs(secs).min(self.config.max_retry_after);
        if !real.is_zero() {
            tokio::time::sleep(real).await;
        }
        real
    }

    /// `Retry-After` time waited so far, on the virtual clock, by every
    /// clone; never reset.
    pub fn waited(&self) -> Duration {
        Duration::from_secs(self.waited.load(Ordering::Relaxed))
    }

    /// Sends a request once, with the configured faults and no retry;
    /// `attempt` is recorded with the exchange.
    pub async fn send_once(&self, req: &Request, attempt: u32) -> Result<Response, ClientError> {
        let _permit = self.slots.acquire().await.expect("never closed");
        self.once(req, attempt).await
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Requests sent since the client was made, by every clone; unlike
    /// [`Self::take`]'s counters, never reset.
    pub fn sent(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    /// Replaces the injected faults from the next request on.
    pub async fn set_faults(&self, faults: Faults) {
        *self.rng.lock().await = ChaCha8Rng::seed_from_u64(faults.seed);
        *self.faults.write().expect("not poisoned") = faults;
    }

    /// Keeps every exchange from now on (for `--record`), not only the last few.
    pub async fn record_all(&self) {
        self.log
            .lock()
            .expect("not poisoned")
            .all
            .get_or_insert_with(Vec::new);
    }

    /// Takes the recorded exchanges (all of them when recording, else the
    /// most recent) and the counters, leaving both empty.
    pub async fn take(&self) -> (Vec<Exchange>, Stats) {
        let mut log = self.log.lock().expect("not poisoned");
        let recent: Vec<Exchange> = log.exchanges.drain(..).collect();
        let exchanges = match log.all.as_mut() {
            Some(all) => std::mem::take(all),
            None => recent,
        };
        (exchanges, std::mem::take(&mut log.stats))
    }

    /// Sends a request with the client's own retry policy and the
    /// configured faults.
    pub async fn send(&self, req: &Request) -> Result<Response, ClientError> {
        let _permit = self.slots.acquire().await.expect("never closed");
        let policy = &self.config.retry;
        let mut attempt = 0;
        loop {
            let outcome = self.once(req, attempt).await;
            let retry_after = match &outcome {
                Ok(r) if r.status == 429 && policy.honour_retry_after => Some(
                    r.retry_after
                        .map(Duration::from_secs)
                        .unwrap_or(policy.base_delay),
                ),
                Ok(r) if r.status >= 500 && policy.retry_5xx => Some(backoff(policy, attempt)),
                Err(ClientError::ResponseDropped)
                | Err(ClientError::Timeout(_))
                | Err(ClientError::Transport(_))
                    if policy.retry_5xx =>
                {
                    Some(backoff(policy, attempt))
                }
                _ => None,
            };
            match retry_after {
                Some(wait) if attempt < policy.max_retries => {
                    tokio::time::sleep(wait.min(policy.max_delay)).await;
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    async fn once(&self, req: &Request, attempt: u32) -> Result<Response, ClientError> {
        let faults = self.faults.read().expect("not poisoned").clone();
        let (duplicate, drop, hold) = if faults.is_off() {
            (false, false, Duration::ZERO)
        } else {
            let mut rng = self.rng.lock().await;
            let window = faults.reorder_window.as_micros() as u64;
            let hold = if window == 0 {
                0
            } else {
                rng.random_range(0..window)
            };
            (
                rng.random_bool(faults.duplicate.clamp(0.0, 1.0)),
                rng.random_bool(faults.drop_response.clamp(0.0, 1.0)),
                Duration::from_micros(hold),
            )
        };
        if !(faults.delay + hold).is_zero() {
            tokio::time::sleep(faults.delay + hold).await;
        }
        let sent = req
            .body
            .as_ref()
            .map(|b| Bytes::from(serde_json::to_vec(b).expect("JSON serialises")));
        let first = self
            .deliver(
                req.method,
                &req.path,
                &req.headers,
                sent.clone(),
                attempt,
                drop.then_some("drop-response"),
            )
            .await;
        if duplicate {
            let _ = self
                .deliver(
                    req.method,
                    &req.path,
                    &req.headers,
                    sent,
                    attempt,
                    Some("duplicate"),
                )
                .await;
        }
        if drop && first.is_ok() {
            return Err(ClientError::ResponseDropped);
        }
        first
    }

    /// Sends one request as given, once: no retries, no injected faults.
    /// `path` is below the base URL; `body` goes as it is. For replaying
    /// recorded requests, whose bodies need not be JSON.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<Bytes>,
    ) -> Result<Response, ClientError> {
        let _permit = self.slots.acquire().await.expect("never closed");
        self.deliver(method, path, headers, body, 0, None).await
    }

    async fn deliver(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        sent: Option<Bytes>,
        attempt: u32,
        fault: Option<&'static str>,
    ) -> Result<Response, ClientError> {
        let url = format!("{}{}", self.config.base_url, path);
        let mut rb = http::Request::builder()
            .method(method.to_http())
            .uri(url.as_str());
        let evidence = self.config.evidence;
        let mut shown: Vec<(String, String)> = Vec::new();
        match &*self.auth_header {
            AuthHeader::None => {}
            AuthHeader::Ready(name, value) => rb = rb.header(name, value.clone()),
            AuthHeader::Invalid(name, value) => rb = rb.header(name.as_str(), value.as_str()),
        }
        if evidence {
            match &self.config.auth {
                Auth::None => {}
                Auth::Bearer(_) => {
                    shown.push(("Authorization".into(), "Bearer <redacted>".into()));
                }
                Auth::Basic { .. } => {
                    shown.push(("Authorization".into(), "Basic <redacted>".into()));
                }
                Auth::Header { name, value } => {
                    shown.push((name.clone(), redact("authorization", value)));
                }
            }
        }
        for (k, v) in headers {
            rb = rb.header(k.as_str(), v.as_str());
            if evidence {
                shown.push((k.clone(), redact(k, v)));
            }
        }
        let started_at = std::time::SystemTime::now();
        let started = Instant::now();
        let mut raw: Option<Bytes> = None;
        let outcome = match rb.body(Full::new(sent.clone().unwrap_or_default())) {
            Err(e) => Err(ClientError::Transport(format!(
                "cannot build the request to {url}: {e}"
            ))),
            Ok(request) => {
                let exchange = async {
                    let r = self.http.request(request).await.map_err(|e| {
                        if e.is_connect() {
                            ClientError::Connect(with_causes(&e))
                        } else {
                            ClientError::Transport(with_causes(&e))
                        }
                    })?;
                    read_answer(r).await
                };
                match tokio::time::timeout(self.config.timeout, exchange).await {
                    Err(_) => Err(ClientError::Timeout(self.config.timeout)),
                    Ok(Err(e)) => Err(e),
                    Ok(Ok((parts, bytes))) => {
                        let headers: Vec<(String, String)> = parts
                            .headers
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().to_owned(),
                                    v.to_str().unwrap_or("<binary>").to_owned(),
                                )
                            })
                            .collect();
                        raw = Some(bytes.clone());
                        let retry_after = parts
                            .headers
                            .get(http::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok());
                        Ok(Response {
                            status: parts.status.as_u16(),
                            headers,
                            retry_after,
                            body: bytes,
                        })
                    }
                }
            }
        };
        let micros = started.elapsed().as_micros() as u64;
        let exchange = Exchange {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            method,
            url,
            request_headers: shown,
            request_body: sent.filter(|_| evidence).map(Body::recorded),
            status: outcome.as_ref().ok().map(|r| r.status),
            response_headers: outcome
                .as_ref()
                .ok()
                .filter(|_| evidence)
                .map(|r| {
                    r.headers
                        .iter()
                        .map(|(k, v)| (k.clone(), redact(k, v)))
                        .collect()
                })
                .unwrap_or_default(),
            response_body: raw
                .filter(|b| evidence && !b.is_empty())
                .map(Body::recorded),
            error: outcome.as_ref().err().map(ToString::to_string),
            micros,
            started: started_at,
            attempt,
            fault,
            plan: crate::plan::current(),
        };
        if let Some(tap) = TAP.get() {
            tap.lock().expect("not poisoned").push(exchange.clone());
        }
        let mut log = self.log.lock().expect("not poisoned");
        log.stats.requests += 1;
        if outcome.as_ref().map(|r| r.status >= 400).unwrap_or(true) {
            log.stats.failures += 1;
        }
        log.stats.micros.push(micros.min(u32::MAX as u64) as u32);
        if let Some(all) = log.all.as_mut() {
            all.push(exchange.clone());
        }
        if log.exchanges.len() >= self.config.keep_exchanges.max(1) {
            log.exchanges.pop_front();
        }
        log.exchanges.push_back(exchange);
        outcome
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

fn backoff(p: &RetryPolicy, attempt: u32) -> Duration {
    p.base_delay
        .saturating_mul(1u32 << attempt.min(10))
        .min(p.max_delay)
}

#[cfg(test)]
mod tests {
    use super::{ignored_proxy, redact};

    #[test]
    fn cookies_and_credentials_are_redacted_names_and_attributes_kept() {
        assert_eq!(
            redact("Set-Cookie", "sid=s3cret; Path=/; HttpOnly; SameSite=Lax"),
            "sid=<redacted>; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(redact("set-cookie", "sid=s3cret"), "sid=<redacted>");
        assert_eq!(
            redact("Cookie", "a=s3cret; b=0th3r"),
            "a=<redacted>; b=<redacted>"
        );
        assert_eq!(
            redact("Authorization", "Bearer s3cret"),
            "Bearer <redacted>"
        );
        assert_eq!(redact("Location", "/Users/1"), "/Users/1");
    }

    #[test]
    fn a_proxy_variable_for_a_remote_target_is_named() {
        let env = |set: &'static str| {
            move |n: &str| (n == set).then(|| std::ffi::OsString::from("http://proxy:3128"))
        };
        let remote = "https://scim.example.com/scim/v2";
        assert_eq!(
            ignored_proxy(remote, env("HTTPS_PROXY")),
            Some("HTTPS_PROXY")
        );
        assert_eq!(ignored_proxy(remote, env("all_proxy")), Some("all_proxy"));
        assert_eq!(
            ignored_proxy(remote, env("HTTP_PROXY")),
            None,
            "not for https"
        );
        assert_eq!(
            ignored_proxy("http://scim.example.com/scim", env("HTTP_PROXY")),
            Some("HTTP_PROXY")
        );
        for local in [
            "http://127.0.0.1:8080/scim/v2",
            "https://localhost/scim/v2",
            "http://[::1]:9000/scim",
        ] {
            assert_eq!(ignored_proxy(local, env("HTTP_PROXY")), None, "{local}");
            assert_eq!(ignored_proxy(local, env("HTTPS_PROXY")), None, "{local}");
        }
    }
}
