//! `/admin`: the tenant's own controls, outside SCIM.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use idpsim_scim::{ScimError, ScimType};
use serde::Deserialize;
use serde_json::json;

use super::resources::scim_json;
use super::{ApiResult, App, body};
use crate::config::ProvisioningMode;

/// `POST /admin/reset`: delete everything but the Primary Owner.
pub async fn reset(State(app): State<App>) -> ApiResult {
    let tenant = app.tenant.clone();
    let report = tokio::task::spawn_blocking(move || tenant.reset())
        .await
        .map_err(|e| ScimError::status(500, format!("reset failed: {e}")))?;
    Ok(scim_json(StatusCode::OK, &report))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /admin/audit?after=N&limit=M`.
pub async fn audit(State(app): State<App>, Query(q): Query<AuditQuery>) -> ApiResult {
    let page = app
        .tenant
        .audit_page(q.after, q.limit.unwrap_or(1000).min(10_000));
    Ok(scim_json(StatusCode::OK, &page))
}

/// `GET /admin/members`: every account with its role and seat tier.
pub async fn members(State(app): State<App>) -> ApiResult {
    Ok(scim_json(
        StatusCode::OK,
        &json!({"members": app.tenant.members()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JitRequest {
    #[serde(rename = "userName")]
    user_name: String,
}

/// `POST /admin/jit {"userName": …}`: what a first SAML sign-in does when
/// the tenant provisions just in time.
pub async fn jit(State(app): State<App>, headers: HeaderMap, b: Body) -> ApiResult {
    let v = body::read_json(&headers, b, 64 * 1024).await?;
    let req: JitRequest = serde_json::from_value(v).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("expected {{\"userName\": …}}: {e}"),
        )
    })?;
    let (id, created) = app.tenant.jit_sign_in(&req.user_name)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(scim_json(
        status,
        &json!({"id": id, "userName": req.user_name, "created": created}),
    ))
}

pub async fn get_provisioning(State(app): State<App>) -> ApiResult {
    Ok(scim_json(
        StatusCode::OK,
        &json!({"mode": app.tenant.provisioning()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeRequest {
    mode: ProvisioningMode,
}

/// `PUT /admin/provisioning {"mode": "scim" | "jit"}`.
pub async fn set_provisioning(State(app): State<App>, headers: HeaderMap, b: Body) -> ApiResult {
    let v = body::read_json(&headers, b, 64 * 1024).await?;
    let req: ModeRequest = serde_json::from_value(v).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("expected {{\"mode\": \"scim\"|\"jit\"}}: {e}"),
        )
    })?;
    Ok(scim_json(
        StatusCode::OK,
        &app.tenant.set_provisioning(req.mode),
    ))
}
