//! Request building and calls: headers, query encoding and the existence
//! check are profile facts; every call turns an error status into an
//! [`EventError`].

use serde_json::Value;

use super::EventError;
use super::body::patch_body;
use crate::client::{Method, Request, Response, ScimClient};
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
        let r = match self.client.send(&req).await {
            Ok(r) => r,
            Err(source) => {
                return Err(EventError::Transport {
                    what: what(),
                    source,
                });
            }
        };
        if r.status >= 400 {
            return Err(EventError::Rejected {
                what: what(),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        Ok(r)
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
    pub(crate) fn query_path(&self, endpoint: &str, attr: &str, value: &str) -> String {
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
