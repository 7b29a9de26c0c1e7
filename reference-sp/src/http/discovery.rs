//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7644 §4).
//! These answer without a token so that a client can learn how to
//! authenticate (RFC 7643 §5 asks that `authenticationSchemes` be readable).
//! Query parameters are ignored here, as RFC 7644 §4 says.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use idpsim_scim::ScimError;
use idpsim_scim::message::ListResponse;
use idpsim_scim::schema::{self, ResourceSchema};
use idpsim_scim::service_provider_config::ServiceProviderConfig;
use serde_json::Value;

use super::resources::scim_json;
use super::{ApiResult, App};

pub async fn service_provider_config(State(app): State<App>) -> ApiResult {
    let limits = &app.tenant.config().limits;
    let doc = ServiceProviderConfig::full(
        limits.max_bulk_operations as u64,
        limits.max_body_bytes as u64,
        limits.max_results as u64,
        &format!("{}/ServiceProviderConfig", app.tenant.base_url()),
    );
    Ok(scim_json(StatusCode::OK, &doc))
}

fn types() -> [&'static ResourceSchema; 3] {
    [
        ResourceSchema::user(),
        ResourceSchema::group(),
        ResourceSchema::service_account(),
    ]
}

pub async fn resource_types(State(app): State<App>) -> ApiResult {
    let base = app.tenant.base_url();
    let all: Vec<Value> = types().iter().map(|t| t.resource_type_json(base)).collect();
    let n = all.len() as u64;
    Ok(scim_json(StatusCode::OK, &ListResponse::new(all, n, 1)))
}

pub async fn resource_type(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    let t = types()
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| ScimError::not_found(format!("no resource type {name:?}")))?;
    Ok(scim_json(
        StatusCode::OK,
        &t.resource_type_json(app.tenant.base_url()),
    ))
}

pub async fn schemas(State(app): State<App>) -> ApiResult {
    let base = app.tenant.base_url();
    let all: Vec<Value> = schema::ALL.iter().map(|s| s.to_json(base)).collect();
    let n = all.len() as u64;
    Ok(scim_json(StatusCode::OK, &ListResponse::new(all, n, 1)))
}

pub async fn schema(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let s = schema::ALL
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))?;
    Ok(scim_json(StatusCode::OK, &s.to_json(app.tenant.base_url())))
}
