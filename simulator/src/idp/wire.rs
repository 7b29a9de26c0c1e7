//! Request building and calls: headers, query encoding and the existence
//! check are profile facts; every call turns an error status into an
//! [`EventError`].

use serde_json::Value;

use super::EventError;
use super::body::patch_body;
use crate::client::{ClientError, Method, Request, Response, ScimClient};
use crate::profile::Profile;

/// Percent-encodes a query value: unreserved characters stay, all else
/// (including `@`, as Okta sends `%40`) becomes `%XX`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Request building shared by every event: headers and query encoding are
/// profile facts.
#[derive(Debug, Clone)]
pub struct Wire {
    pub profile: &'static Profile,
    pub client: ScimClient,
}

impl Wire {
    pub fn new(profile: &'static Profile, client: ScimClient) -> Self {
        Wire { profile, client }
    }

    fn headers(&self, with_body: bool) -> Vec<(String, String)> {
        let p = self.profile;
        let mut h = Vec::new();
        if let Some(a) = p.accept {
            h.push(("Accept".into(), a.into()));
        }
        if p.accept_charset {
            h.push(("Accept-Charset".into(), "utf-8".into()));
        }
        if with_body {
            h.push(("Content-Type".into(), p.content_type.into()));
        }
        if let Some(ua) = p.user_agent {
            h.push(("User-Agent".into(), ua.into()));
        }
        h
    }

    pub fn request(&self, method: Method, path: String, body: Option<Value>) -> Request {
        Request {
            method,
            headers: self.headers(body.is_some()),
            path,
            body,
        }
    }

    /// `filter=attr eq "value"` in this profile's encoding.
    pub fn eq_filter(&self, attr: &str, value: &str) -> String {
        let sp = self.profile.filter_space;
        format!("filter={attr}{sp}eq{sp}%22{}%22", encode(value))
    }

    pub(crate) async fn call(
        &self,
        req: Request,
        what: impl Into<String>,
    ) -> Result<Response, EventError> {
        self.call_lazy(req, || what.into()).await
    }

    /// [`Self::call`] with the description made only when it is needed: a
    /// bulk sync sends a hundred thousand requests that all succeed.
    pub(crate) async fn call_lazy(
        &self,
        req: Request,
        what: impl FnOnce() -> String,
    ) -> Result<Response, EventError> {
        let r = match self.send(&req).await {
            Ok(r) => r,
            Err(source) => {
                return Err(EventError::Transport {
                    what: self.as_the_idp_would(what(), req.method, None),
                    source,
                });
            }
        };
        if r.status >= 400 {
            return Err(EventError::Rejected {
                what: self.as_the_idp_would(what(), req.method, Some(r.status)),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        Ok(r)
    }

    /// Sends a request with the profile's error policy (IDP-ENGINES O29,
    /// O30, E28, E30): a 429 is sent again after the full `Retry-After`,
    /// waited on the client's virtual clock; a 5xx or a lost answer is sent
    /// again only where the profile does. A client with a retry policy of
    /// its own (load runs) retries below the profile instead, not twice.
    async fn send(&self, req: &Request) -> Result<Response, ClientError> {
        if self.client.config().retry.max_retries > 0 {
            return self.client.send(req).await;
        }
        let policy = &self.profile.errors;
        let (mut limited, mut failed) = (0u32, 0u32);
        loop {
            let outcome = self.client.send_once(req, limited + failed).await;
            match &outcome {
                Ok(r) if r.status == 429 && limited < policy.rate_limit_retries => {
                    limited += 1;
                    let secs = r.retry_after.unwrap_or(policy.default_retry_after);
                    self.client.wait_retry_after(secs).await;
                }
                Ok(r) if r.status >= 500 && failed < policy.failure_retries => {
                    failed += 1;
                    tokio::time::sleep(quick_backoff(failed)).await;
                }
                Err(ClientError::ResponseDropped)
                | Err(ClientError::Timeout(_))
                | Err(ClientError::Transport(_))
                    if failed < policy.failure_retries =>
                {
                    failed += 1;
                    tokio::time::sleep(quick_backoff(failed)).await;
                }
                _ => return outcome,
            }
        }
    }

    /// An error's description with what the real IdP does with it, for
    /// profiles whose failures are tasks for the admin (Okta).
    fn as_the_idp_would(&self, what: String, method: Method, status: Option<u16>) -> String {
        let p = self.profile;
        if !p.errors.failed_task {
            return what;
        }
        let n = p.name;
        let does = match status {
            Some(409) if method == Method::POST && !p.links_after_conflict => format!(
                "real {n} stops the provisioning job with this error for the admin and does not look the object up to link it (IDP-ENGINES O8)"
            ),
            Some(429) => format!(
                "real {n} waited the full Retry-After {} times and would go on rescheduling (IDP-ENGINES O29)",
                p.errors.rate_limit_retries
            ),
            _ => format!(
                "real {n} shows the admin a failed task and does not retry it (IDP-ENGINES O30)"
            ),
        };
        format!("{what} ({does})")
    }

    pub(crate) fn patch(&self, path: String, ops: Vec<Value>) -> Request {
        self.request(Method::PATCH, path, Some(patch_body(ops)))
    }

    /// A query by one attribute: `Some(resource)` when found. A 404 with an
    /// error body counts as "not found", as Okta accepts: idpsim's own
    /// reads (expectations, reconcile) use this whatever the profile.
    pub async fn lookup(
        &self,
        endpoint: &str,
        attr: &str,
        value: &str,
    ) -> Result<Option<Value>, EventError> {
        self.query(endpoint, attr, value, true).await
    }

    /// The IdP's own existence check before a create: [`Self::lookup`],
    /// except that a 404 is answered as the profile does. Okta takes it for
    /// "not found" (IDP-ENGINES O3); Entra needs 200 with an empty list,
    /// fails Test Connection on a 404 and quarantines the job (E5).
    pub async fn existence_check(
        &self,
        endpoint: &str,
        attr: &str,
        value: &str,
    ) -> Result<Option<Value>, EventError> {
        self.query(endpoint, attr, value, self.profile.accepts_404_as_not_found)
            .await
    }

    /// The path of a query by one attribute, as the profile sends it.
    pub fn query_path(&self, endpoint: &str, attr: &str, value: &str) -> String {
        let mut path = format!("/{endpoint}?");
        if endpoint == "Groups" && self.profile.exclude_members {
            path.push_str("excludedAttributes=members&");
        }
        path.push_str(&self.eq_filter(attr, value));
        path.push_str(self.profile.lookup_paging);
        path
    }

    async fn query(
        &self,
        endpoint: &str,
        attr: &str,
        value: &str,
        not_found_on_404: bool,
    ) -> Result<Option<Value>, EventError> {
        let req = self.request(Method::GET, self.query_path(endpoint, attr, value), None);
        let what = || format!("look up {endpoint} {attr} {value:?}");
        let r = match self.call_lazy(req, &what).await {
            Ok(r) => r,
            Err(EventError::Rejected { status: 404, .. }) if not_found_on_404 => return Ok(None),
            Err(EventError::Rejected {
                status: 404,
                what,
                body,
            }) => {
                return Err(EventError::Rejected {
                    what: format!(
                        "{what} ({} needs 200 and an empty ListResponse when nothing matches)",
                        self.profile.name
                    ),
                    status: 404,
                    body,
                });
            }
            Err(e) => return Err(e),
        };
        let body = r.json().ok_or_else(|| {
            EventError::Protocol(format!(
                "{}: the answer is not JSON: {}",
                what(),
                shorten(&r.text())
            ))
        })?;
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                EventError::Protocol(format!(
                    "{}: the ListResponse has no integer totalResults: {}",
                    what(),
                    shorten(&body.to_string())
                ))
            })?;
        if total == 0 {
            return Ok(None);
        }
        Ok(body
            .get("Resources")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .cloned())
    }

    /// `GET /{endpoint}/{id}`, groups without their members where the
    /// profile asks so (Entra, IDP-ENGINES E17); `None` on a 404.
    pub async fn read(&self, endpoint: &str, id: &str) -> Result<Option<Value>, EventError> {
        let mut path = format!("/{endpoint}/{id}");
        if endpoint == "Groups" && self.profile.exclude_members {
            path.push_str("?excludedAttributes=members");
        }
        let what = || format!("read {endpoint}/{id}");
        let r = match self
            .call_lazy(self.request(Method::GET, path, None), what)
            .await
        {
            Ok(r) => r,
            Err(EventError::Rejected { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        r.json().map(Some).ok_or_else(|| {
            EventError::Protocol(format!(
                "{}: the answer is not JSON: {}",
                what(),
                shorten(&r.text())
            ))
        })
    }
}

/// At most 600 bytes of `s`, cut on a character boundary.
pub(crate) fn shorten(s: &str) -> String {
    if s.len() > 600 {
        let mut end = 600;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

/// The `id` of a created resource, which an IdP cannot go on without.
pub(crate) fn id_of(r: &Response, what: impl FnOnce() -> String) -> Result<String, EventError> {
    r.id().filter(|s| !s.is_empty()).ok_or_else(|| {
        EventError::Protocol(format!(
            "{}: the answer carries no id: {}",
            what(),
            shorten(&r.text())
        ))
    })
}

/// The pause before a profile's quick resend of a failed request: 100 ms,
/// doubling, at most 10 s.
fn quick_backoff(n: u32) -> std::time::Duration {
    std::time::Duration::from_millis(100)
        .saturating_mul(1u32 << n.saturating_sub(1).min(7))
        .min(std::time::Duration::from_secs(10))
}
