//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7644 §4).
//! These answer without a token so that a client can learn how to
//! authenticate (RFC 7643 §5 asks that `authenticationSchemes` be readable).
//! Query parameters are ignored here, as RFC 7644 §4 says.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use idpsim_scim::ScimError;
use idpsim_scim::message::ListResponse;
use idpsim_scim::schema::{self, ResourceSchema, Schema};
use idpsim_scim::service_provider_config::ServiceProviderConfig;
use serde_json::Value;

use super::resources::scim_json;
use super::{ApiResult, App};
use crate::config::Quirk;
use crate::minimal_schema;

pub async fn service_provider_config(State(app): State<App>) -> ApiResult {
    let limits = &app.tenant.config().limits;
    let doc = ServiceProviderConfig::full(
        limits.max_bulk_operations as u64,
        limits.max_body_bytes as u64,
        limits.max_results as u64,
        &format!("{}/ServiceProviderConfig", app.tenant.base_url()),
    );
    if app.tenant.config().has(Quirk::NoPatch) {
        let mut doc = serde_json::to_value(&doc).expect("the document serialises");
        doc["patch"]["supported"] = false.into();
        return Ok(scim_json(StatusCode::OK, &doc));
    }
    Ok(scim_json(StatusCode::OK, &doc))
}

fn types() -> [&'static ResourceSchema; 3] {
    [
        ResourceSchema::user(),
        ResourceSchema::group(),
        ResourceSchema::service_account(),
    ]
}

fn minimal(app: &App) -> bool {
    app.tenant.config().has(Quirk::MinimalSchema)
}

fn type_json(app: &App, t: &ResourceSchema) -> Value {
    let base = app.tenant.base_url();
    if minimal(app) {
        minimal_schema::resource_type_json(t, base)
    } else {
        t.resource_type_json(base)
    }
}

fn schema_json(app: &App, s: &Schema) -> Value {
    let base = app.tenant.base_url();
    if minimal(app) {
        minimal_schema::schema_json(s, base)
    } else {
        s.to_json(base)
    }
}

/// The schemas this server serves.
fn served(app: &App) -> Vec<&'static Schema> {
    if minimal(app) {
        minimal_schema::schemas().collect()
    } else {
        schema::ALL.to_vec()
    }
}

pub async fn resource_types(State(app): State<App>) -> ApiResult {
    let all: Vec<Value> = types().iter().map(|t| type_json(&app, t)).collect();
    let n = all.len() as u64;
    Ok(scim_json(StatusCode::OK, &ListResponse::new(all, n, 1)))
}

pub async fn resource_type(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    let t = types()
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| ScimError::not_found(format!("no resource type {name:?}")))?;
    Ok(scim_json(StatusCode::OK, &type_json(&app, t)))
}

pub async fn schemas(State(app): State<App>) -> ApiResult {
    let all: Vec<Value> = served(&app)
        .into_iter()
        .map(|s| schema_json(&app, s))
        .collect();
    let n = all.len() as u64;
    Ok(scim_json(StatusCode::OK, &ListResponse::new(all, n, 1)))
}

pub async fn schema(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let s = served(&app)
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))?;
    Ok(scim_json(StatusCode::OK, &schema_json(&app, s)))
}
