//! `POST /Bulk` (RFC 7644 §3.7): reads and checks the request, then runs
//! it on the blocking pool with [`crate::bulk::run`].

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use idpsim_scim::message::{BulkRequest, BulkResponse, require_schema};
use idpsim_scim::{ScimError, ScimType};
use serde_json::Value;

use super::resources::scim_json;
use super::{ApiResult, App, body};
use crate::config::Limits;

pub async fn bulk(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let limits = app.tenant.config().limits.clone();
    let v = body::read_json(&headers, body, limits.max_body_bytes).await?;
    let req = decode(v, &limits)?;
    let tenant = app.tenant.clone();
    let results = tokio::task::spawn_blocking(move || crate::bulk::run(&tenant, req))
        .await
        .map_err(|e| ScimError::status(500, format!("bulk task failed: {e}")))?;
    Ok(scim_json(StatusCode::OK, &BulkResponse::new(results)))
}

/// The BulkRequest in a body, within the operation bound.
pub(crate) fn decode(v: Value, limits: &Limits) -> Result<BulkRequest, ScimError> {
    let req: BulkRequest = serde_json::from_value(v).map_err(|e| {
        ScimError::bad_request(ScimType::InvalidSyntax, format!("not a BulkRequest: {e}"))
    })?;
    require_schema(&req.schemas, idpsim_scim::urn::BULK_REQUEST, "BulkRequest")?;
    if req.operations.len() > limits.max_bulk_operations {
        return Err(ScimError::status(
            413,
            format!(
                "{} operations exceed maxOperations of {}",
                req.operations.len(),
                limits.max_bulk_operations
            ),
        ));
    }
    Ok(req)
}
