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

use super::App;
use crate::config::ProvisioningMode;
use crate::saml::{
    Identity, PoolError, Rejection, Session, SessionStore, Validator, VerifyPool, sp_metadata,
};

const BROWSER_COOKIE: &str = "idpsim_sp_browser";
const SESSION_COOKIE: &str = "idpsim_sp_session";

/// The SAML side of one running SP.
pub struct SamlSide {
    pub validator: Validator,
    pub store: SessionStore,
    /// Where responses are verified: off the reactor, a bounded number at
    /// once.
    pub pool: VerifyPool,
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

fn set_cookie(r: &mut Response, name: &str, value: &str, max_age: Option<u64>) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{age}"
    )) {
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
    let browser = cookie(&headers, BROWSER_COOKIE)
        .filter(|b| b.len() == 32 && b.bytes().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let request_id = format!("_{}", uuid::Uuid::new_v4().simple());
    if !s.store.remember_request(&request_id, &browser) {
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many sign-ins in progress",
            "try again in a few minutes",
        );
    }
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
    set_cookie(&mut r, BROWSER_COOKIE, &browser, None);
    r
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// Where to send the browser after sign-in: a local path only, so the
/// unauthenticated RelayState cannot become an open redirect.
fn landing(relay_state: Option<&str>) -> &str {
    match relay_state {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/whoami",
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
    let browser = cookie(&headers, BROWSER_COOKIE).map(str::to_owned);
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
        Ok(Err(e)) => return refuse(&app, &e),
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
    let mut r = redirect(landing(form.relay_state.as_deref()));
    set_cookie(&mut r, SESSION_COOKIE, &token, Some(lifetime.as_secs()));
    r
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

/// The account a verified identity signs in as: an active SCIM account
/// with that `userName`, or, when the tenant provisions just in time, one
/// created now (within the seat limit).
fn account(app: &App, id: &Identity) -> Result<(String, String), String> {
    let t = &app.tenant;
    let user_id = match t.provisioning() {
        ProvisioningMode::Jit => t.jit_sign_in(&id.name_id).map_err(|e| e.detail)?.0,
        ProvisioningMode::Scim => t.find_user(&id.name_id).ok_or_else(|| {
            format!(
                "no account for {:?}: this tenant provisions over SCIM and has not been sent that user",
                id.name_id
            )
        })?,
    };
    let m = t
        .account(&user_id)
        .ok_or_else(|| format!("no account for {:?}", id.name_id))?;
    if !m.active {
        return Err(format!("the account {:?} is deactivated", m.user_name));
    }
    Ok((m.id, m.user_name))
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
    if let (Some(s), Some(token)) = (app.saml.as_ref(), cookie(&headers, SESSION_COOKIE)) {
        s.store.close(token);
    }
    let mut r = redirect("/whoami");
    set_cookie(&mut r, SESSION_COOKIE, "", Some(0));
    r
}

#[cfg(test)]
mod acs_tests;
