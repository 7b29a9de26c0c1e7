//! Signing in at a service provider as a browser would, with the simulator
//! in the IdP's place: start at the SP's login URL, read the AuthnRequest
//! it redirects with, answer it with a signed response posted to the ACS,
//! then ask the SP who is signed in. Each attempt is a fresh cookie jar.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::sync::Arc;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use super::authn_request;
use super::defaults::SamlDefaults;
use super::response::{Login, Shape, SigAlg, SignMode, SigningKey, signed_response};
use super::status::{Envelope, Failure, SubStatus, TopStatus, error_response};
use crate::capped;
use crate::directory::Directory;

/// The most of a refusal page read: only its first 300 bytes are shown.
const MAX_PAGE_BYTES: usize = 64 * 1024;
/// The most of a `whoami` answer read: a JSON object naming one user and
/// their groups; 1 MiB is thousands of groups.
const MAX_WHOAMI_BYTES: usize = 1024 * 1024;

/// Where the SP under test starts and reports sign-ins.
#[derive(Debug, Clone)]
pub struct SpEndpoints {
    /// Answers a GET with a redirect carrying an HTTP-Redirect AuthnRequest.
    pub login_url: String,
    /// Answers 200 with JSON naming the signed-in user, anything else when
    /// nobody is signed in.
    pub whoami_url: String,
}

/// The IdP side: whose shape, which key.
#[derive(Debug, Clone)]
pub struct SigningIdp {
    pub shape: Shape,
    pub key: Arc<SigningKey>,
    pub sign: SignMode,
    pub alg: SigAlg,
    /// The app's settings (attributes, groups claim, NameID format and
    /// policy, validity); a request asking a NameID format the app does not
    /// answer gets an error response, as from the real IdP (S12).
    pub app: SamlDefaults,
}

/// What the SP made of one sign-in.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Signed in; `whoami` is what the SP reported.
    Accepted { whoami: Value },
    /// Not signed in: the ACS's status and the start of its answer.
    Rejected { status: u16, answer: String },
}

#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, r: &reqwest::Response) {
        for v in r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            if let Some((k, v)) = v.split(';').next().and_then(|kv| kv.split_once('=')) {
                self.0.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
    }
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn clip(s: &str) -> String {
    let mut end = s.len().min(300);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// A client for sign-ins: no redirects followed (each hop is read), short
/// timeouts.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a reqwest client builds")
}

/// One SP-initiated sign-in of `user_name` (who must be in `dir`).
pub async fn sp_initiated(
    http: &reqwest::Client,
    sp: &SpEndpoints,
    idp: &SigningIdp,
    dir: &Directory,
    user_name: &str,
) -> Result<Verdict, String> {
    let user = dir
        .user(user_name)
        .ok_or_else(|| format!("no user {user_name:?} in the directory"))?;
    let mut jar = Jar::default();
    let start = http
        .get(&sp.login_url)
        .send()
        .await
        .map_err(|e| format!("GET {}: {e}", sp.login_url))?;
    jar.take(&start);
    let location = start
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            format!(
                "GET {} answered {} without a redirect to the IdP",
                sp.login_url,
                start.status()
            )
        })?;
    let to = reqwest::Url::parse(location)
        .or_else(|_| reqwest::Url::parse(&sp.login_url).and_then(|b| b.join(location)))
        .map_err(|e| format!("the login redirect {location:?} is not a URL: {e}"))?;
    let query: BTreeMap<String, String> = to.query_pairs().into_owned().collect();
    let raw = query.get("SAMLRequest").ok_or_else(|| {
        format!("the login redirect {location:?} carries no SAMLRequest (HTTP-Redirect binding)")
    })?;
    let req = authn_request::from_redirect(raw)
        .map_err(|e| format!("the SP's AuthnRequest is unreadable: {e}"))?;
    let acs = req
        .acs_url
        .clone()
        .ok_or("the AuthnRequest names no AssertionConsumerServiceURL")?;
    let sp_entity_id = req.issuer.clone().ok_or("the AuthnRequest has no Issuer")?;
    let groups = idp
        .app
        .group_values(dir, user_name, &super::GroupFilter::All);
    let login = Login {
        in_response_to: Some(req.id.clone()),
        name_id_format: req.name_id_format.clone(),
        ..Login::for_user(user, groups, &sp_entity_id, &acs, idp.app)
    };
    let xml = match idp.app.answer_format(req.name_id_format.as_deref()) {
        Ok(_) => signed_response(&idp.shape, &login, &idp.key, idp.sign, idp.alg)
            .map_err(|e| format!("cannot sign the response: {e}"))?,
        Err(message) => error_response(
            &idp.shape,
            &Envelope {
                id: &format!("_{}", uuid::Uuid::new_v4()),
                issue_instant: &time::OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                destination: &acs,
                in_response_to: Some(&req.id),
            },
            &Failure {
                top: TopStatus::Requester,
                sub: Some(SubStatus::InvalidNameIdPolicy),
                message: &message,
            },
        ),
    };
    let mut form = vec![("SAMLResponse", B64.encode(xml))];
    if let Some(rs) = query.get("RelayState") {
        form.push(("RelayState", rs.clone()));
    }
    let posted = http
        .post(&acs)
        .header(COOKIE, jar.header())
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("POST {acs}: {e}"))?;
    jar.take(&posted);
    let status = posted.status().as_u16();
    if !(200..400).contains(&status) {
        let page = capped::read(posted, MAX_PAGE_BYTES)
            .await
            .map(|c| c.text())
            .unwrap_or_default();
        return Ok(Verdict::Rejected {
            status,
            answer: clip(&page),
        });
    }
    drop(posted);
    let who = http
        .get(&sp.whoami_url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .map_err(|e| format!("GET {}: {e}", sp.whoami_url))?;
    let who_status = who.status().as_u16();
    let body = capped::read(who, MAX_WHOAMI_BYTES)
        .await
        .map_err(|e| format!("GET {}: {e}", sp.whoami_url))?;
    if !body.complete {
        return Ok(Verdict::Rejected {
            status,
            answer: format!(
                "the ACS answered {status}, but {} then answered {who_status} with more than {MAX_WHOAMI_BYTES} bytes",
                sp.whoami_url
            ),
        });
    }
    let body = body.text();
    match serde_json::from_str::<Value>(&body) {
        Ok(v) if who_status == 200 => Ok(Verdict::Accepted { whoami: v }),
        _ => Ok(Verdict::Rejected {
            status,
            answer: format!(
                "the ACS answered {status}, but {} then answered {who_status}: {}",
                sp.whoami_url,
                clip(&body)
            ),
        }),
    }
}
