//! The SP's browser-facing SAML endpoints: metadata, login start (an
//! AuthnRequest by HTTP-Redirect), the ACS, `/whoami` and logout.

use std::io::Write;
use std::time::Instant;

use axum::extract::{Query, RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::{Host, Position, Url};

use super::App;
use crate::config::ProvisioningMode;
use crate::saml::{
    Identity, PoolError, Rejection, SamlQuirk, Session, SessionStore, Validator, VerifyPool,
    sp_metadata,
};

const BROWSER_COOKIE: &str = "idpsim_sp_browser";
/// The binding's copy without `SameSite`, for browsers that refuse a
/// `Secure` cookie over http on loopback (see [`binding_cookies`]).
const BROWSER_COOKIE_COMPAT: &str = "idpsim_sp_browser_compat";
const SESSION_COOKIE: &str = "idpsim_sp_session";

/// The SAML side of one running SP.
pub struct SamlSide {
    pub validator: Validator,
    pub store: SessionStore,
    /// `validator.acs_url`, parsed: the SP's own origin for redirects and
    /// cookie attributes.
    pub acs: Url,
    /// Where responses are verified: off the reactor, a bounded number at
    /// once.
    pub pool: VerifyPool,
    /// Set by the `fragile-parser` quirk once a resource limit was hit:
    /// from then on the ACS answers 500, as a crashed worker would.
    pub broken: std::sync::atomic::AtomicBool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>{t}</title><h1>{t}</h1><p id=reason>{d}</p>",
            t = esc(title),
            d = esc(detail)
        )),
    )
        .into_response()
}

fn saml_off() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "SAML is off",
        "this reference SP was started without an IdP to trust",
    )
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Where the SP is served from, as far as cookies care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Https,
    /// http on a loopback host (127.0.0.0/8, [::1], localhost): a secure
    /// context to Chromium, which accepts `Secure` cookies from it.
    LoopbackHttp,
    PlainHttp,
}

fn context(acs: &Url) -> Context {
    let loopback = match acs.host() {
        Some(Host::Ipv4(a)) => a.is_loopback(),
        Some(Host::Ipv6(a)) => a.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match (acs.scheme() == "https", loopback) {
        (true, _) => Context::Https,
        (false, true) => Context::LoopbackHttp,
        (false, false) => Context::PlainHttp,
    }
}

/// The `Set-Cookie` values that bind an AuthnRequest to this browser.
///
/// The binding must come back on the IdP's POST to the ACS, which is
/// cross-site whenever the IdP is on another site (always, for Okta and
/// Entra ID), so it cannot be `SameSite=Lax`: Chromium would keep it back
/// and the SP would refuse the answer. `SameSite=None` is accepted only
/// with `Secure`, and `Secure` only from a secure context:
/// - https: `Secure; SameSite=None`.
/// - http on loopback: the same (Chromium accepts it there; tests/browser.rs
///   signs in across sites that way), plus a copy without `SameSite` under
///   [`BROWSER_COOKIE_COMPAT`] for a browser that refuses `Secure` over
///   http. Without the attribute the browser's default applies: Chromium's
///   is Lax, but it sends such a cookie on a top-level cross-site POST in
///   the first two minutes; Firefox's and Safari's is None.
/// - plain http elsewhere: only that copy's form, under the main name,
///   since `Secure` would get the cookie dropped.
fn binding_cookies(acs: &Url, browser: &str) -> Vec<String> {
    const CROSS_SITE: &str = "Path=/saml; HttpOnly; Secure; SameSite=None";
    const DEFAULT: &str = "Path=/saml; HttpOnly";
    match context(acs) {
        Context::Https => vec![format!("{BROWSER_COOKIE}={browser}; {CROSS_SITE}")],
        Context::LoopbackHttp => vec![
            format!("{BROWSER_COOKIE}={browser}; {CROSS_SITE}"),
            format!("{BROWSER_COOKIE_COMPAT}={browser}; {DEFAULT}"),
        ],
        Context::PlainHttp => vec![format!("{BROWSER_COOKIE}={browser}; {DEFAULT}")],
    }
}

/// The `Set-Cookie` value of the signed-in session: needed only on the
/// SP's own pages and on top-level navigations to them (the ACS's redirect
/// included), which `Lax` allows; `Secure` over https.
fn session_cookie(acs: &Url, token: &str, max_age: u64) -> String {
    let secure = if context(acs) == Context::Https {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly{secure}; SameSite=Lax; Max-Age={max_age}")
}

/// The browser ID its binding cookie carries, from either copy.
fn browser_id(headers: &HeaderMap) -> Option<&str> {
    [BROWSER_COOKIE, BROWSER_COOKIE_COMPAT]
        .into_iter()
        .filter_map(|name| cookie(headers, name))
        .find(|b| b.len() == 32 && b.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub async fn metadata(State(app): State<App>) -> Response {
    let Some(s) = app.saml.as_ref() else {
        return saml_off();
    };
    let v = &s.validator;
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        sp_metadata(
            &v.sp_entity_id,
            &v.acs_url,
            v.config.require_signed_assertion,
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// Starts SP-initiated login: remembers a new request ID for this browser
/// and redirects to the IdP with a deflated AuthnRequest.
pub async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let Some(s) = app.saml.as_ref() else {
        return saml_off();
    };
    let browser = browser_id(&headers)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let request_id = s.store.issue_request(&browser);
    let v = &s.validator;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default();
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{request_id}" Version="2.0" IssueInstant="{now}" Destination="{}" AssertionConsumerServiceURL="{}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/></samlp:AuthnRequest>"#,
        esc(&v.config.idp_sso_url),
        esc(&v.acs_url),
        esc(&v.sp_entity_id)
    );
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let deflated = enc
        .write_all(xml.as_bytes())
        .and_then(|()| enc.finish())
        .unwrap_or_default();
    let mut query = vec![("SAMLRequest", B64.encode(deflated))];
    if let Some(rs) = q.relay_state.filter(|r| r.len() <= 80) {
        query.push(("RelayState", rs));
    }
    let sep = if v.config.idp_sso_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let qs = serde_urlencoded::to_string(&query).unwrap_or_default();
    let mut r = redirect(&format!("{}{sep}{qs}", v.config.idp_sso_url));
    for c in binding_cookies(&s.acs, &browser) {
        set_cookie(&mut r, &c);
    }
    r
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// Where to send the browser after sign-in: a path on the SP's own
/// origin, or `/whoami`. RelayState is not authenticated, so it is parsed
/// as a browser would (WHATWG URL rules, which drop tabs and newlines and
/// read `\` as `/`) against the SP's origin, and only a same-origin
/// result is followed; control characters and backslashes are refused
/// outright. The Location sent is the parsed URL's own serialisation, so
/// the browser is sent where the check looked.
fn landing(relay_state: Option<&str>, own: &Url, open: bool) -> String {
    const HOME: &str = "/whoami";
    let Some(rs) = relay_state else {
        return HOME.into();
    };
    if open {
        return rs.to_owned();
    }
    if !rs.starts_with('/') || rs.chars().any(|c| c.is_control() || c == '\\') {
        return HOME.into();
    }
    match own.join(rs) {
        Ok(to) if to.origin() == own.origin() => to[Position::BeforePath..].to_owned(),
        _ => HOME.into(),
    }
}

pub async fn acs(State(app): State<App>, headers: HeaderMap, RawForm(form): RawForm) -> Response {
    let Some(s) = app.saml.as_ref() else {
        return saml_off();
    };
    let form: AcsForm = match serde_urlencoded::from_bytes(&form) {
        Ok(f) => f,
        Err(e) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                &format!("expected a form with SAMLResponse: {e}"),
            );
        }
    };
    let fragile = s.validator.config.quirks.has(SamlQuirk::FragileParser);
    if fragile && s.broken.load(std::sync::atomic::Ordering::Relaxed) {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            "the SAML worker is gone (fragile-parser quirk)",
        );
    }
    let browser = browser_id(&headers).map(str::to_owned);
    let side = s.clone();
    let saml_response = form.saml_response;
    let now = OffsetDateTime::now_utc();
    let verdict = s
        .pool
        .run(move || {
            side.validator
                .validate(&saml_response, browser.as_deref(), &side.store, now)
        })
        .await;
    let identity = match verdict {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => {
            if fragile && is_resource_limit(&e) {
                s.broken.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return refuse(&app, &e);
        }
        Err(PoolError::Busy) => return busy(),
        Err(e @ PoolError::Crashed) => {
            tracing::error!("ACS verification failed: {e}");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "the response could not be checked",
            );
        }
    };
    let (user_id, user_name) = match account(&app, &identity) {
        Ok(a) => a,
        Err(why) => return refuse(&app, &Rejection::Account(why)),
    };
    let token =
        uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    let lifetime = s.validator.config.session_lifetime;
    let opened = s.store.open(
        &token,
        Session {
            user_id,
            user_name: user_name.clone(),
            name_id: identity.name_id.clone(),
            expires: Instant::now() + lifetime,
        },
    );
    if opened.is_none() {
        return refuse(&app, &Rejection::Capacity);
    }
    app.tenant.audit_event(
        "saml.signed_in",
        Some(&user_name),
        if identity.solicited {
            "SP-initiated"
        } else {
            "IdP-initiated"
        },
    );
    let open = s.validator.config.quirks.has(SamlQuirk::OpenRedirect);
    let mut r = redirect(&landing(form.relay_state.as_deref(), &s.acs, open));
    set_cookie(&mut r, &session_cookie(&s.acs, &token, lifetime.as_secs()));
    r
}

/// A refusal for what a response cost rather than what it said.
fn is_resource_limit(e: &Rejection) -> bool {
    use crate::saml::XmlError as X;
    matches!(
        e,
        Rejection::TooLarge
            | Rejection::Xml(
                X::TooDeep
                    | X::TooManyElements
                    | X::TooManyAttributes
                    | X::TooManyElementNamespaces
                    | X::TooManyNamespaces
            )
    )
}

/// Every verification slot is taken: come back in a second rather than
/// queue behind work of unknown length.
fn busy() -> Response {
    let mut r = page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-in busy",
        "the SP is checking as many sign-ins as it can at once; try again in a moment",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

fn refuse(app: &App, why: &Rejection) -> Response {
    app.tenant
        .audit_event("saml.refused", None, &why.to_string());
    page(StatusCode::FORBIDDEN, "Sign-in refused", &why.to_string())
}

/// The account a verified identity signs in as: the one account whose
/// `userName` has the NameID's account key ([`crate::account_key`]), which
/// must be active; when the tenant provisions just in time and there is
/// none, one created now (within the seat limit). A NameID that is not a
/// valid `userName`, or whose key more than one account holds, signs in
/// as nobody.
fn account(app: &App, id: &Identity) -> Result<(String, String), String> {
    let t = &app.tenant;
    let normalized;
    let name_id = match app.saml.as_ref() {
        Some(s) if s.validator.config.quirks.has(SamlQuirk::NormalizeNameId) => {
            normalized = loosen(&id.name_id);
            &normalized
        }
        _ => &id.name_id,
    };
    let key = crate::account_key::account_key(name_id)
        .map_err(|why| format!("the NameID {:?} {why}, so it names no account", id.name_id))?;
    let user_id = match (t.accounts_keyed(&key).as_slice(), t.provisioning()) {
        ([one], _) => one.clone(),
        ([], ProvisioningMode::Jit) => t.jit_sign_in(name_id).map_err(|e| e.detail)?.0,
        ([], ProvisioningMode::Scim) => {
            return Err(format!(
                "no account for {:?}: this tenant provisions over SCIM and has not been sent that user",
                id.name_id
            ));
        }
        (many, _) => {
            return Err(format!(
                "the NameID {:?} matches {} accounts that differ only in case; refusing to pick one",
                id.name_id,
                many.len()
            ));
        }
    };
    let m = t
        .account(&user_id)
        .ok_or_else(|| format!("no account for {:?}", id.name_id))?;
    if !m.active {
        return Err(format!("the account {:?} is deactivated", m.user_name));
    }
    Ok((m.id, m.user_name))
}

/// What the `normalize-name-id` quirk makes of a NameID: trimmed of
/// Unicode whitespace, format characters removed, NFKC-normalized, so a
/// look-alike lands on the account it imitates.
fn loosen(name: &str) -> String {
    let visible: String = name
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'))
        .collect();
    icu_normalizer::ComposingNormalizerBorrowed::new_nfkc()
        .normalize(&visible)
        .into_owned()
}

/// Who is signed in. A session whose account was deactivated or deleted
/// since sign-in ends here.
pub async fn whoami(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(s) = app.saml.as_ref() else {
        return saml_off();
    };
    let not_signed_in = |why: &str| {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"signedIn": false, "reason": why})),
        )
            .into_response()
    };
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return not_signed_in("no session cookie");
    };
    let Some(session) = s.store.get(token) else {
        return not_signed_in("no such session, or it expired");
    };
    match app.tenant.account(&session.user_id) {
        Some(m) if m.active => axum::Json(json!({
            "signedIn": true,
            "id": m.id,
            "userName": m.user_name,
            "nameId": session.name_id,
            "groups": m.groups,
            "role": m.role,
        }))
        .into_response(),
        gone => {
            let ended = s.store.end_user(&session.user_id);
            tracing::info!(user = %session.user_name, ended, "sessions ended: account deprovisioned");
            not_signed_in(if gone.is_some() {
                "the account was deactivated; its sessions ended"
            } else {
                "the account was deleted; its sessions ended"
            })
        }
    }
}

pub async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(s) = app.saml.as_ref() else {
        return saml_off();
    };
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        s.store.close(token);
    }
    let mut r = redirect("/whoami");
    set_cookie(&mut r, &session_cookie(&s.acs, "", 0));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_binding_cookie_crosses_sites_wherever_the_browser_allows_it() {
        for acs in [
            "https://sp.example/saml/acs",
            "http://127.0.0.1:8080/saml/acs",
            "http://127.9.9.9/saml/acs",
            "http://[::1]:8080/saml/acs",
            "http://LOCALHOST:8080/saml/acs",
        ] {
            let c = binding_cookies(&url(acs), "b");
            assert_eq!(
                c[0], "idpsim_sp_browser=b; Path=/saml; HttpOnly; Secure; SameSite=None",
                "{acs}"
            );
            // Over http, a copy a browser keeps even if it refuses Secure.
            let compat = c.get(1).map(String::as_str);
            if acs.starts_with("https") {
                assert_eq!(compat, None);
            } else {
                assert_eq!(
                    compat,
                    Some("idpsim_sp_browser_compat=b; Path=/saml; HttpOnly")
                );
            }
        }
        // Plain http elsewhere: Secure would get the cookie dropped, and
        // SameSite=None without Secure is refused by Chromium.
        assert_eq!(
            binding_cookies(&url("http://sp.internal/saml/acs"), "b"),
            ["idpsim_sp_browser=b; Path=/saml; HttpOnly"]
        );
    }

    #[test]
    fn either_binding_copy_names_the_browser() {
        let id = "0123456789abcdef0123456789abcdef";
        for header in [
            format!("idpsim_sp_browser={id}"),
            format!("idpsim_sp_browser_compat={id}"),
            format!("x=1; idpsim_sp_browser=short; idpsim_sp_browser_compat={id}"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::COOKIE, HeaderValue::from_str(&header).unwrap());
            assert_eq!(browser_id(&h), Some(id), "{header}");
        }
    }

    #[test]
    fn the_session_cookie_is_lax_and_secure_over_https() {
        assert_eq!(
            session_cookie(&url("https://sp.example/saml/acs"), "t", 60),
            "idpsim_sp_session=t; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=60"
        );
        assert_eq!(
            session_cookie(&url("http://127.0.0.1:1/saml/acs"), "t", 60),
            "idpsim_sp_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
    }

    #[test]
    fn landing_is_same_origin_or_home() {
        let own = url("http://127.0.0.1:8080/saml/acs");
        assert_eq!(landing(None, &own, false), "/whoami");
        assert_eq!(landing(Some("/\t/evil.example/"), &own, false), "/whoami");
        assert_eq!(landing(Some("/\\evil.example/"), &own, false), "/whoami");
        assert_eq!(landing(Some("//evil.example/"), &own, false), "/whoami");
        assert_eq!(landing(Some("/ok?a=1#f"), &own, false), "/ok?a=1#f");
    }
}

#[cfg(test)]
mod acs_tests;
