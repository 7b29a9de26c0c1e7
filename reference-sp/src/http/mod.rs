//! The HTTP face of the reference SP: routing, authentication, limits and
//! the translation of [`ScimError`] into SCIM error responses.

mod admin;
pub(crate) mod body;
pub(crate) mod bulk;
mod discovery;
mod query;
mod resources;
pub(crate) mod saml;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use idpsim_scim::ScimError;
use subtle::ConstantTimeEq;

use crate::config::{OVERLOADED_ABOVE, Quirk};
use crate::tenant::Tenant;

/// Where the SCIM endpoints are mounted, below the server's origin.
pub const SCIM_PREFIX: &str = "/scim/v2";

/// Shared state of every handler.
#[derive(Clone)]
pub struct App {
    pub tenant: Arc<Tenant>,
    pub token: Arc<str>,
    pub saml: Option<Arc<saml::SamlSide>>,
    /// Requests being served, counted only for the `overloaded` quirk.
    pub in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

/// A SCIM error as a response: the RFC 7644 §3.12 body with
/// `application/scim+json`.
pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.0.to_body()).expect("error bodies serialise");
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(idpsim_scim::urn::MEDIA_TYPE),
        );
        r
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// Builds the router for one tenant.
pub fn router(app: App) -> Router {
    let public = Router::new()
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{name}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema));
    let scim = Router::new()
        .route(
            "/Users",
            get(resources::list_users).post(resources::create_user),
        )
        .route("/Users/.search", post(resources::search_users))
        .route(
            "/Users/{id}",
            get(resources::get_user)
                .put(resources::put_user)
                .patch(resources::patch_user)
                .delete(resources::delete_user),
        )
        .route(
            "/Groups",
            get(resources::list_groups).post(resources::create_group),
        )
        .route("/Groups/.search", post(resources::search_groups))
        .route(
            "/Groups/{id}",
            get(resources::get_group)
                .put(resources::put_group)
                .patch(resources::patch_group)
                .delete(resources::delete_group),
        )
        .route(
            "/ServiceAccounts",
            get(resources::list_service_accounts).post(resources::create_service_account),
        )
        .route(
            "/ServiceAccounts/.search",
            post(resources::search_service_accounts),
        )
        .route(
            "/ServiceAccounts/{id}",
            get(resources::get_service_account)
                .put(resources::put_service_account)
                .patch(resources::patch_service_account)
                .delete(resources::delete_service_account),
        )
        .route("/.search", post(resources::search_root))
        .route("/Bulk", post(bulk::bulk))
        .route("/Me", any(resources::me))
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate));
    let admin = Router::new()
        .route("/reset", post(admin::reset))
        .route("/audit", get(admin::audit))
        .route("/members", get(admin::members))
        .route("/jit", post(admin::jit))
        .route(
            "/provisioning",
            get(admin::get_provisioning).put(admin::set_provisioning),
        )
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate));
    let browser = Router::new()
        .route("/saml/metadata", get(saml::metadata))
        .route("/saml/login", get(saml::login))
        .route("/saml/acs", post(saml::acs))
        .route("/saml/logout", post(saml::logout))
        .route("/whoami", get(saml::whoami));
    Router::new()
        .nest(SCIM_PREFIX, public.merge(scim))
        .nest("/admin", admin)
        .merge(browser)
        .fallback(|| async { ApiError(ScimError::not_found("no such endpoint")) })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Bearer-token check. The compare is constant-time in the token's
/// content; only its length can leak, which a random token makes harmless.
async fn authenticate(State(app): State<App>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().as_bytes().to_vec());
    let ok = presented.is_some_and(|t| bool::from(t.ct_eq(app.token.as_bytes())));
    if !ok {
        let mut r =
            ApiError(ScimError::status(401, "missing or wrong bearer token")).into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"idpsim\""),
        );
        return r;
    }
    next.run(req).await
}

/// What every request passes through (one layer, not two: each layer costs
/// a boxed future and a service clone per request). A request that runs
/// past the time limit is answered 503 with a SCIM error; other errors are
/// shaped by [`shape_error`].
async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    // Browser endpoints answer browsers: their HTML and JSON stay as is.
    let path = req.uri().path();
    let browser = path.starts_with("/saml/") || path == "/whoami";
    let limit = app.tenant.config().limits.request_timeout;
    let _busy = match InFlight::enter(&app) {
        Ok(b) => b,
        Err(n) => {
            return ApiError(ScimError::status(
                500,
                format!("{n} requests in flight; this server serves {OVERLOADED_ABOVE} at once"),
            ))
            .into_response();
        }
    };
    let r = match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            return ApiError(ScimError::status(
                503,
                format!("the request took longer than {limit:?}"),
            ))
            .into_response();
        }
    };
    if browser {
        return r;
    }
    shape_error(&app, r).await
}

/// One request counted in flight under the `overloaded` quirk; leaving
/// (drop, also when the request is cancelled) counts it out.
struct InFlight(Option<Arc<std::sync::atomic::AtomicUsize>>);

impl InFlight {
    /// `Err(n)` when this request makes `n` in flight, more than allowed.
    fn enter(app: &App) -> Result<InFlight, usize> {
        use std::sync::atomic::Ordering;
        if !app.tenant.config().has(Quirk::Overloaded) {
            return Ok(InFlight(None));
        }
        let n = app.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let me = InFlight(Some(app.in_flight.clone()));
        if n > OVERLOADED_ABOVE { Err(n) } else { Ok(me) }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Gives axum's own bodiless errors (405, 413 from a layer) a SCIM body, and
/// applies the `plain-text-errors` quirk to every error in one place.
async fn shape_error(app: &App, r: Response) -> Response {
    let status = r.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let is_scim = r.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(idpsim_scim::urn::MEDIA_TYPE.as_bytes())
    });
    let r = if is_scim {
        r
    } else {
        let detail = match status {
            StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this endpoint".to_owned(),
            s => s.canonical_reason().unwrap_or("error").to_owned(),
        };
        let mut fixed = ApiError(ScimError::status(status.as_u16(), detail)).into_response();
        for (k, v) in r.headers() {
            if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                fixed.headers_mut().insert(k.clone(), v.clone());
            }
        }
        fixed
    };
    if !app.tenant.config().has(Quirk::PlainTextErrors) {
        return r;
    }
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let mut out = (parts.status, format!("Error: {detail}\n")).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    out
}
