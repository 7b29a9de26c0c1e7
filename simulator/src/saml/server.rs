//! The IdP as a running service: metadata, the SSO endpoint for
//! HTTP-Redirect and HTTP-POST AuthnRequests, a login page listing the
//! directory's users (so a person can sign in as anyone in a real
//! browser), IdP-initiated login, and the auto-submitting form to the ACS.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, RawForm, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use idpsim_certs::KeyAndCert;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::authn_request::{self, AuthnRequest};
use super::defaults::SamlDefaults;
use super::groups::GroupFilter;
use super::metadata::idp_metadata;
use super::response::{Login, Shape, SigAlg, SignMode, SigningKey, signed_response};
use super::status::{Envelope, Failure, SubStatus, TopStatus, error_response};
use crate::directory::Directory;

/// Time one request may take, its body included. The accept loop
/// (`idpsim_server`) bounds only the headers, so a client trickling a form
/// body would hold its handler and connection for as long as it liked; the
/// reference SP's guard allows the same 30 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request body: a POSTed AuthnRequest (at most
/// `authn_request::MAX_ENCODED_BYTES` of base64) or the login form.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A service provider this IdP serves.
#[derive(Debug, Clone, Default)]
pub struct ServiceProvider {
    pub entity_id: String,
    /// Responses go only here, whatever a request asks: an IdP that posts
    /// to any URL a request names is an open redirect for assertions.
    pub acs_url: String,
    /// Attributes this SP gets beyond the profile's own: SAML attribute
    /// name and the directory field it carries.
    pub attributes: Vec<(String, UserField)>,
}

/// A directory field an attribute mapping can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserField {
    UserName,
    Email,
    GivenName,
    FamilyName,
    DisplayName,
    Title,
    Department,
    EmployeeNumber,
    Manager,
    IdpId,
    Groups,
}

impl UserField {
    fn values(self, dir: &Directory, u: &crate::directory::User) -> Vec<String> {
        let one = |v: &str| vec![v.to_owned()];
        let opt = |v: &Option<String>| v.iter().cloned().collect();
        match self {
            UserField::UserName => one(&u.user_name),
            UserField::Email => one(&u.email),
            UserField::GivenName => one(&u.given_name),
            UserField::FamilyName => one(&u.family_name),
            UserField::DisplayName => one(&u.display_name),
            UserField::Title => opt(&u.title),
            UserField::Department => opt(&u.department),
            UserField::EmployeeNumber => opt(&u.employee_number),
            UserField::Manager => opt(&u.manager),
            UserField::IdpId => one(&u.idp_id),
            UserField::Groups => dir.groups_of(&u.user_name),
        }
    }
}

/// How the IdP runs.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    pub shape: Shape,
    pub entity_id: String,
    pub signing: KeyAndCert,
    /// What is signed: `app.sign` unless `--sign` says otherwise.
    pub sign: SignMode,
    pub alg: SigAlg,
    /// Which groups go into the groups claim, when `app.groups` turns it on.
    pub group_filter: GroupFilter,
    /// The app's settings (S4, S8, S12–S14): the profile's defaults with
    /// the flags applied.
    pub app: SamlDefaults,
    /// How long before a user's first sign-in here their IdP session
    /// authenticated (S9, `--session-age`): 0 for a fresh login, 30 days to
    /// reproduce "Authentication statement is too old".
    pub session_age: time::Duration,
    /// The SP that IdP-initiated logins and requests without an Issuer go to.
    pub sp: ServiceProvider,
    /// Further SPs, chosen by an AuthnRequest's Issuer or `?sp=` on the
    /// IdP-initiated URL.
    pub other_sps: Vec<ServiceProvider>,
    pub port: u16,
    /// Serve HTTPS with this certificate (chain) and key, e.g. the local
    /// CA's 127.0.0.1 leaf from `certs/`; `None` serves plain HTTP.
    pub tls: Option<KeyAndCert>,
}

struct App {
    config: IdpConfig,
    key: SigningKey,
    dir: Directory,
    base_url: String,
    /// Each user's IdP session: when it authenticated (S9). Later sign-ins
    /// ride on it, so their AuthnInstant stays that of the first, as a
    /// real IdP's session cookie makes it.
    sessions: std::sync::Mutex<HashMap<String, time::OffsetDateTime>>,
}

/// A running IdP.
pub struct IdpHandle {
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for IdpHandle {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Starts the IdP on 127.0.0.1.
pub async fn spawn(config: IdpConfig, dir: Directory) -> std::io::Result<IdpHandle> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port))).await?;
    let tls = match &config.tls {
        Some(kc) => Some(
            idpsim_server::tls_config(&kc.cert_pem, &kc.key_pem)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        ),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{}", listener.local_addr()?);
    let key = SigningKey::from_pem(&config.signing)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let app = Arc::new(App {
        config,
        key,
        dir,
        base_url: base_url.clone(),
        sessions: Default::default(),
    });
    let router = Router::new()
        .route("/metadata", get(metadata))
        .route("/sso/saml", get(sso_redirect).post(sso_post))
        .route("/sso/login", post(login))
        .route("/sso/idp-initiated", get(idp_initiated))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(time_limit))
        .with_state(app);
    let (stop, stopped) = oneshot::channel::<()>();
    match tls {
        Some(tls) => tokio::spawn(idpsim_server::run_tls(listener, router, stopped, tls)),
        None => tokio::spawn(idpsim_server::run(listener, router, stopped)),
    };
    Ok(IdpHandle {
        base_url,
        stop: Some(stop),
    })
}

/// Answers 503 to a request (body reading included) that runs past
/// [`REQUEST_TIMEOUT`].
async fn time_limit(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(format!(
                "<!doctype html><title>SAML error</title><p>the request took longer than {} s</p>",
                REQUEST_TIMEOUT.as_secs()
            )),
        )
            .into_response(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn bad(detail: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><title>SAML error</title><p>{}</p>",
            esc(&detail.into())
        )),
    )
        .into_response()
}

async fn metadata(State(app): State<Arc<App>>) -> Response {
    match idp_metadata(
        &app.config.entity_id,
        &format!("{}/sso/saml", app.base_url),
        &app.config.signing.cert_pem,
    ) {
        Ok(xml) => (
            [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
            xml,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

async fn sso_redirect(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(raw) = q.get("SAMLRequest") else {
        return bad("SAMLRequest is missing");
    };
    match authn_request::from_redirect(raw) {
        Ok(r) => login_page(
            &app,
            Some(&r),
            q.get("RelayState").map(String::as_str),
            None,
        ),
        Err(e) => bad(e.to_string()),
    }
}

async fn sso_post(State(app): State<Arc<App>>, RawForm(body): RawForm) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(raw) = form.get("SAMLRequest") else {
        return bad("SAMLRequest is missing");
    };
    match authn_request::from_post(raw) {
        Ok(r) => login_page(
            &app,
            Some(&r),
            form.get("RelayState").map(String::as_str),
            None,
        ),
        Err(e) => bad(e.to_string()),
    }
}

async fn idp_initiated(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    login_page(
        &app,
        None,
        q.get("RelayState").map(String::as_str),
        q.get("sp").map(String::as_str),
    )
}

impl App {
    fn sp(&self, entity_id: Option<&str>) -> Option<&ServiceProvider> {
        match entity_id.filter(|e| !e.is_empty()) {
            None => Some(&self.config.sp),
            Some(e) => std::iter::once(&self.config.sp)
                .chain(&self.config.other_sps)
                .find(|sp| sp.entity_id == e),
        }
    }
}

/// The page where a person picks who to sign in as.
fn login_page(
    app: &App,
    req: Option<&AuthnRequest>,
    relay: Option<&str>,
    chosen: Option<&str>,
) -> Response {
    let asked = req.and_then(|r| r.issuer.as_deref()).or(chosen);
    let Some(sp) = app.sp(asked) else {
        return bad(format!(
            "no service provider {:?} is configured here",
            asked.unwrap_or_default()
        ));
    };
    if let Some(r) = req
        && let Some(acs) = &r.acs_url
        && acs != &sp.acs_url
    {
        return bad(format!(
            "the request's AssertionConsumerServiceURL {acs} is not the configured SP's ACS"
        ));
    }
    if let Some(refusal) = req.and_then(|r| refused_by_profile(app, sp, r, relay)) {
        return refusal;
    }
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            esc(value)
        )
    };
    let mut rows = String::new();
    for u in app.dir.users() {
        let groups = app.dir.groups_of(&u.user_name).join(", ");
        rows.push_str(&format!(
            "<li data-search=\"{s}\"><form method=\"post\" action=\"/sso/login\">{h1}{h2}{h3}<button>{name}</button> <span>{un}</span> <small>{g}</small></form></li>\n",
            s = esc(&format!("{} {} {}", u.display_name, u.user_name, groups).to_lowercase()),
            h1 = hidden("user", &u.user_name),
            h2 = hidden("request_id", req.map(|r| r.id.as_str()).unwrap_or("")),
            h3 = hidden("relay_state", relay.unwrap_or("")) + &hidden("name_id_format", req.and_then(|r| r.name_id_format.as_deref()).unwrap_or("")) + &hidden("sp", &sp.entity_id),
            name = esc(&u.display_name),
            un = esc(&u.user_name),
            g = esc(&groups),
        ));
    }
    let sp = esc(&sp.entity_id);
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>idpsim sign-in</title>
<style>body{{font:15px system-ui,sans-serif;margin:2em}}li{{list-style:none;margin:.3em 0}}small{{color:#666}}</style></head>
<body><h1>Sign in to {sp}</h1><p>Simulated IdP: pick any user of the directory.</p>
<input id="q" placeholder="search users or groups" autofocus>
<ul id="users">
{rows}</ul>
<script>document.getElementById('q').addEventListener('input',function(e){{var v=e.target.value.toLowerCase();
document.querySelectorAll('#users li').forEach(function(li){{li.style.display=li.dataset.search.indexOf(v)<0?'none':''}})}});</script>
</body></html>"#
    ))
    .into_response()
}

/// Signs in the chosen user and answers the auto-submitting form.
async fn login(State(app): State<Arc<App>>, RawForm(body): RawForm) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(user) = form.get("user").and_then(|u| app.dir.user(u)) else {
        return bad("no such user in the directory");
    };
    let Some(sp) = app.sp(form.get("sp").map(String::as_str)) else {
        return bad("no such service provider is configured here");
    };
    let groups = app
        .config
        .app
        .group_values(&app.dir, &user.user_name, &app.config.group_filter);
    let base = Login::for_user(user, groups, &sp.entity_id, &sp.acs_url, app.config.app);
    let authn_instant = *app
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(user.user_name.clone())
        .or_insert(base.now - app.config.session_age);
    let login = Login {
        authn_instant,
        extra_attributes: sp
            .attributes
            .iter()
            .map(|(name, field)| (name.clone(), field.values(&app.dir, user)))
            .collect(),
        in_response_to: form.get("request_id").filter(|s| !s.is_empty()).cloned(),
        name_id_format: form
            .get("name_id_format")
            .filter(|s| !s.is_empty())
            .cloned(),
        ..base
    };
    let xml = match signed_response(
        &app.config.shape,
        &login,
        &app.key,
        app.config.sign,
        app.config.alg,
    ) {
        Ok(x) => x,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let relay = form.get("relay_state").filter(|s| !s.is_empty());
    post_to_acs(sp, &xml, relay.map(String::as_str))
}

/// The auto-submitting HTTP-POST form that carries a response to the
/// configured ACS (and only there).
fn post_to_acs(sp: &ServiceProvider, xml: &str, relay: Option<&str>) -> Response {
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
    let relay_input = relay
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">",
                esc(r)
            )
        })
        .unwrap_or_default();
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{acs}">
<input type="hidden" name="SAMLResponse" value="{b64}">{relay_input}
<noscript><button>Continue</button></noscript></form></body></html>"#,
        acs = esc(&sp.acs_url),
    ))
    .into_response()
}

/// A NameIDPolicy the app does not answer (S12: Okta's other than its
/// configured format, Entra's outside its four) gets an error Response
/// (Requester / InvalidNameIDPolicy) before anyone signs in.
fn refused_by_profile(
    app: &App,
    sp: &ServiceProvider,
    req: &AuthnRequest,
    relay: Option<&str>,
) -> Option<Response> {
    let message = app
        .config
        .app
        .answer_format(req.name_id_format.as_deref())
        .err()?;
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let id = match app.config.shape {
        Shape::Okta { .. } => format!("id{:026}", uuid::Uuid::new_v4().as_u128() % 10u128.pow(26)),
        Shape::Entra { .. } => format!("_{}", uuid::Uuid::new_v4()),
    };
    let xml = error_response(
        &app.config.shape,
        &Envelope {
            id: &id,
            issue_instant: &now,
            destination: &sp.acs_url,
            in_response_to: Some(&req.id),
        },
        &Failure {
            top: TopStatus::Requester,
            sub: Some(SubStatus::InvalidNameIdPolicy),
            message: &message,
        },
    );
    Some(post_to_acs(sp, &xml, relay))
}
