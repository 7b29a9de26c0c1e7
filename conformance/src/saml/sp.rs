//! The service provider under test, driven as a browser would: start a
//! login (capturing the AuthnRequest and the cookies that bind it), post a
//! response to the ACS, then ask the success oracle who is signed in.
//! Every request is recorded as an [`Exchange`] for the report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_simulator::client::{Body, Exchange, Method};
use idpsim_simulator::saml::authn_request;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// How to tell that a sign-in worked.
#[derive(Debug, Clone)]
pub enum Success {
    /// GET this URL with the browser's cookies: signed in when it answers
    /// 200 naming a known identity.
    Whoami(String),
    /// The ACS answers with this status.
    Status(u16),
    /// The ACS redirects to a URL matching this.
    Redirect(regex::Regex),
    /// The ACS sets this cookie.
    Cookie(String),
}

/// The SP and how to drive it.
#[derive(Debug, Clone)]
pub struct SpTarget {
    /// Where a browser starts an SP-initiated login.
    pub login_url: Option<String>,
    /// The ACS, for IdP-initiated use or when the AuthnRequest names none.
    pub acs_url: Option<String>,
    /// Post unsolicited responses instead of starting logins.
    pub idp_initiated: bool,
    /// The SP's entity ID (Audience); else the AuthnRequest's Issuer.
    pub entity_id: Option<String>,
    pub success: Success,
    /// The SP requires the assertion itself to be signed (metadata
    /// `WantAssertionsSigned="true"`).
    pub requires_signed_assertion: bool,
    /// Each request's time limit.
    pub timeout: Duration,
}

/// A browser: its cookies.
#[derive(Debug, Clone, Default)]
pub struct Jar(pub BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, r: &reqwest::Response) -> Vec<String> {
        let mut set = Vec::new();
        for v in r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let Some((k, val)) = v.split(';').next().and_then(|kv| kv.split_once('=')) else {
                continue;
            };
            let (k, val) = (k.trim().to_owned(), val.trim().to_owned());
            let expired = v.to_ascii_lowercase().contains("max-age=0");
            if val.is_empty() || expired {
                self.0.remove(&k);
            } else {
                set.push(k.clone());
                self.0.insert(k, val);
            }
        }
        set
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What a login start gave.
#[derive(Debug, Clone)]
pub struct Started {
    pub jar: Jar,
    /// The AuthnRequest's ID; `None` for an IdP-initiated flow.
    pub request_id: Option<String>,
    pub acs_url: String,
    pub entity_id: String,
    pub relay_state: Option<String>,
}

/// The ACS's answer to one post.
#[derive(Debug, Clone)]
pub struct Posted {
    pub status: u16,
    pub location: Option<String>,
    /// Cookies the answer set.
    pub set_cookies: Vec<String>,
    pub body: String,
    pub millis: u64,
}

/// Who the oracle says is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Signed in as this identity (one of the candidates).
    As(String),
    /// Signed in, identity not told by this oracle.
    Someone,
    /// Not signed in; why.
    Nobody(String),
}

/// Drives one SP, recording every exchange.
#[derive(Debug, Clone)]
pub struct Driver {
    pub target: SpTarget,
    http: reqwest::Client,
    seq: Arc<AtomicU64>,
    log: Arc<parking_lot::Mutex<Vec<Exchange>>>,
}

fn clip(s: &str, n: usize) -> String {
    let mut end = s.len().min(n);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The most of an answer read.
const MAX_BODY: usize = 256 * 1024;

async fn body_of(r: reqwest::Response) -> String {
    let mut r = r;
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = r.chunk().await {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_BODY {
            break;
        }
    }
    String::from_utf8_lossy(&out[..out.len().min(MAX_BODY)]).into_owned()
}

fn origin(url: &str) -> Option<url::Origin> {
    url::Url::parse(url).ok().map(|u| u.origin())
}

impl Driver {
    pub fn new(target: SpTarget) -> Driver {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(target.timeout)
            .build()
            .expect("a reqwest client builds");
        Driver {
            target,
            http,
            seq: Arc::default(),
            log: Arc::default(),
        }
    }

    /// The exchanges recorded since the last call.
    pub fn take_log(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.log.lock())
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        method: Method,
        url: &str,
        jar: &Jar,
        request_body: Option<String>,
        status: Option<u16>,
        headers: Vec<(String, String)>,
        body: Option<String>,
        error: Option<String>,
        started: Instant,
    ) {
        let mut request_headers = Vec::new();
        if !jar.0.is_empty() {
            // Cookie values are sessions: names only.
            let names: Vec<&str> = jar.0.keys().map(String::as_str).collect();
            request_headers.push((
                "cookie".into(),
                format!("{} (values redacted)", names.join(", ")),
            ));
        }
        let x = Exchange {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            method,
            url: url.to_owned(),
            request_headers,
            request_body: request_body.map(|b| Body::text(b.into_bytes())),
            status,
            response_headers: headers,
            response_body: body.map(|b| Body::text(clip(&b, 4096).into_bytes())),
            error,
            micros: started.elapsed().as_micros() as u64,
            started: std::time::SystemTime::now() - started.elapsed(),
            attempt: 0,
            fault: None,
            plan: None,
        };
        self.log.lock().push(x);
    }

    fn headers(r: &reqwest::Response) -> Vec<(String, String)> {
        r.headers()
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "location" | "content-type" | "set-cookie"))
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                let v = if k == "set-cookie" {
                    v.split_once('=')
                        .map_or(v.clone(), |(n, _)| format!("{n}=<redacted>"))
                } else {
                    v
                };
                (k.to_string(), v)
            })
            .collect()
    }

    async fn get(&self, url: &str, jar: &mut Jar) -> Result<(u16, Option<String>, String), String> {
        let started = Instant::now();
        let r = self.http.get(url).header(COOKIE, jar.header()).send().await;
        match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let headers = Self::headers(&r);
                jar.take(&r);
                let body = body_of(r).await;
                self.record(
                    Method::GET,
                    url,
                    jar,
                    None,
                    Some(status),
                    headers,
                    Some(body.clone()),
                    None,
                    started,
                );
                Ok((status, location, body))
            }
            Err(e) => {
                self.record(
                    Method::GET,
                    url,
                    jar,
                    None,
                    None,
                    vec![],
                    None,
                    Some(e.to_string()),
                    started,
                );
                Err(format!("GET {url}: {e}"))
            }
        }
    }

    /// Starts a login in a fresh browser: SP-initiated, following the SP's
    /// own redirects to the AuthnRequest (HTTP-Redirect, or an HTTP-POST
    /// form); IdP-initiated, nothing but the ACS.
    pub async fn start(&self) -> Result<Started, String> {
        let mut jar = Jar::default();
        let t = &self.target;
        let Some(login) = t.login_url.clone().filter(|_| !t.idp_initiated) else {
            let acs = t
                .acs_url
                .clone()
                .ok_or("an IdP-initiated run needs --acs")?;
            let entity_id = t
                .entity_id
                .clone()
                .ok_or("an IdP-initiated run needs --sp-entity-id")?;
            return Ok(Started {
                jar,
                request_id: None,
                acs_url: acs,
                entity_id,
                relay_state: None,
            });
        };
        let mut url = login.clone();
        for _ in 0..5 {
            let (status, location, body) = self.get(&url, &mut jar).await?;
            if let Some(loc) = location {
                let next = url::Url::parse(&url)
                    .and_then(|b| b.join(&loc))
                    .map_err(|e| format!("redirect {loc:?}: {e}"))?;
                let query: BTreeMap<String, String> = next.query_pairs().into_owned().collect();
                if let Some(raw) = query.get("SAMLRequest") {
                    let req = authn_request::from_redirect(raw)
                        .map_err(|e| format!("the SP's AuthnRequest is unreadable: {e}"))?;
                    return self.started(jar, req, query.get("RelayState").cloned());
                }
                if origin(next.as_str()) != origin(&url) {
                    return Err(format!("{url} redirected to {next} without a SAMLRequest"));
                }
                url = next.to_string();
                continue;
            }
            if let Some(raw) = form_field(&body, "SAMLRequest") {
                let req = authn_request::from_post(&raw)
                    .map_err(|e| format!("the SP's AuthnRequest (HTTP-POST) is unreadable: {e}"))?;
                return self.started(jar, req, form_field(&body, "RelayState"));
            }
            return Err(format!(
                "GET {url} answered {status} with neither a redirect nor a form carrying a SAMLRequest"
            ));
        }
        Err(format!("{login} redirected more than 5 times"))
    }

    fn started(
        &self,
        jar: Jar,
        req: authn_request::AuthnRequest,
        relay_state: Option<String>,
    ) -> Result<Started, String> {
        let acs_url = req
            .acs_url
            .clone()
            .or_else(|| self.target.acs_url.clone())
            .ok_or("the AuthnRequest names no AssertionConsumerServiceURL; pass --acs")?;
        let entity_id = self
            .target
            .entity_id
            .clone()
            .or(req.issuer.clone())
            .ok_or("the AuthnRequest has no Issuer; pass --sp-entity-id")?;
        Ok(Started {
            jar,
            request_id: Some(req.id),
            acs_url,
            entity_id,
            relay_state,
        })
    }

    /// Posts `xml` (base64, HTTP-POST binding) to `acs` in `jar`.
    pub async fn post(
        &self,
        acs: &str,
        jar: &mut Jar,
        xml: &[u8],
        relay_state: Option<&str>,
    ) -> Result<Posted, String> {
        let mut form = vec![("SAMLResponse", B64.encode(xml))];
        if let Some(rs) = relay_state {
            form.push(("RelayState", rs.to_owned()));
        }
        let shown = format!(
            "SAMLResponse (decoded):\n{}{}",
            clip(&String::from_utf8_lossy(xml), 64 * 1024),
            relay_state
                .map(|r| format!("\nRelayState: {r:?}"))
                .unwrap_or_default()
        );
        let started = Instant::now();
        let r = self
            .http
            .post(acs)
            .header(COOKIE, jar.header())
            .form(&form)
            .send()
            .await;
        match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get(LOCATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let headers = Self::headers(&r);
                let set_cookies = jar.take(&r);
                let body = body_of(r).await;
                let millis = started.elapsed().as_millis() as u64;
                self.record(
                    Method::POST,
                    acs,
                    jar,
                    Some(shown),
                    Some(status),
                    headers,
                    Some(body.clone()),
                    None,
                    started,
                );
                Ok(Posted {
                    status,
                    location,
                    set_cookies,
                    body,
                    millis,
                })
            }
            Err(e) => {
                self.record(
                    Method::POST,
                    acs,
                    jar,
                    Some(shown),
                    None,
                    vec![],
                    None,
                    Some(e.to_string()),
                    started,
                );
                Err(format!("POST {acs}: {e}"))
            }
        }
    }

    /// Who is signed in after `posted`, by the oracle; `candidates` are
    /// the identities to look for, most important first.
    pub async fn judge(
        &self,
        jar: &mut Jar,
        posted: &Posted,
        candidates: &[String],
    ) -> Result<Seen, String> {
        match &self.target.success {
            Success::Whoami(url) => {
                let (status, _, body) = self.get(url, jar).await?;
                if status != 200 {
                    return Ok(Seen::Nobody(format!("{url} answered {status}")));
                }
                Ok(match identify(&body, candidates) {
                    Some(who) => Seen::As(who),
                    None => Seen::Nobody(format!(
                        "{url} answered 200 naming no known identity: {}",
                        clip(&body, 200)
                    )),
                })
            }
            Success::Status(code) => Ok(if posted.status == *code {
                Seen::Someone
            } else {
                Seen::Nobody(format!("the ACS answered {}", posted.status))
            }),
            Success::Redirect(re) => Ok(match &posted.location {
                Some(l) if re.is_match(l) => Seen::Someone,
                other => Seen::Nobody(format!(
                    "the ACS answered {} redirecting to {other:?}",
                    posted.status
                )),
            }),
            Success::Cookie(name) => Ok(if posted.set_cookies.iter().any(|c| c == name) {
                Seen::Someone
            } else {
                Seen::Nobody(format!(
                    "the ACS answered {} without setting {name}",
                    posted.status
                ))
            }),
        }
    }
}

/// The value of a hidden form field in an HTML page.
fn form_field(html: &str, name: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(
        r#"(?is)<input[^>]*name\s*=\s*["']{}["'][^>]*>"#,
        regex::escape(name)
    ))
    .ok()?;
    let tag = re.find(html)?.as_str();
    let v = regex::Regex::new(r#"(?is)value\s*=\s*["']([^"']*)["']"#).ok()?;
    let raw = v.captures(tag)?.get(1)?.as_str();
    Some(
        raw.replace("&#x2B;", "+")
            .replace("&#43;", "+")
            .replace("&#x3D;", "=")
            .replace("&#61;", "=")
            .replace("&#x2F;", "/")
            .replace("&#47;", "/")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

/// Which candidate a whoami body names: in a JSON body an exact string
/// value (the first candidate that is one), else a whole-word occurrence.
pub fn identify(body: &str, candidates: &[String]) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let mut strings = Vec::new();
        collect(&v, &mut strings);
        return candidates
            .iter()
            .find(|c| strings.contains(&c.as_str()))
            .cloned();
    }
    let word = |c: char| c.is_alphanumeric() || "@._-+".contains(c);
    let mut by_len: Vec<&String> = candidates.iter().collect();
    by_len.sort_by_key(|c| std::cmp::Reverse(c.len()));
    by_len
        .into_iter()
        .find(|c| {
            body.match_indices(c.as_str()).any(|(i, m)| {
                let before = body[..i].chars().next_back();
                let after = body[i + m.len()..].chars().next();
                !before.is_some_and(word) && !after.is_some_and(word)
            })
        })
        .cloned()
}

fn collect<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_exact_json_values_and_whole_words() {
        let c = vec![
            "a@x.test".to_owned(),
            "b@x.test".to_owned(),
            "a@x.test ".to_owned(),
        ];
        assert_eq!(
            identify(r#"{"nameId":"a@x.test "}"#, &c),
            Some("a@x.test ".into())
        );
        assert_eq!(
            identify(r#"{"u":"a@x.test","n":"a@x.test "}"#, &c),
            Some("a@x.test".into())
        );
        assert_eq!(identify("hello b@x.test!", &c), Some("b@x.test".into()));
        assert_eq!(identify("hello a@x.test.evil", &c), None);
    }

    #[test]
    fn reads_a_post_binding_form() {
        let html = r#"<form method="post"><input type="hidden" name="SAMLRequest" value="PHg&#x2B;"/><input name='RelayState' value='r&amp;s'></form>"#;
        assert_eq!(form_field(html, "SAMLRequest").as_deref(), Some("PHg+"));
        assert_eq!(form_field(html, "RelayState").as_deref(), Some("r&s"));
    }
}
