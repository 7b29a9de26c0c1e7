//! `POST /Bulk` (RFC 7644 §3.7).
//!
//! Operations run in order. One whose `path` or `data` names a
//! `bulkId:` of an operation that has not run yet is deferred and retried
//! after the others; what is still unresolved when a pass makes no progress
//! (a cycle, RFC 7644 §3.7.1) fails with 409.

use std::collections::{HashMap, HashSet};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use idpsim_scim::message::{
    BulkMethod, BulkOperation, BulkOperationResult, BulkRequest, BulkResponse, require_schema,
};
use idpsim_scim::patch::PatchRequest;
use idpsim_scim::{ScimError, ScimType};
use serde_json::Value;

use super::resources::scim_json;
use super::{ApiResult, App, body};
use crate::config::Limits;
use crate::store::Kind;
use crate::tenant::{Actor, Rendered, Tenant};

pub async fn bulk(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let limits = app.tenant.config().limits.clone();
    let v = body::read_json(&headers, body, limits.max_body_bytes).await?;
    let req = decode(v, &limits)?;
    let tenant = app.tenant.clone();
    let results = tokio::task::spawn_blocking(move || run(&tenant, req))
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

pub(crate) fn run(tenant: &Tenant, req: BulkRequest) -> Vec<BulkOperationResult> {
    let declared: HashSet<String> = req
        .operations
        .iter()
        .filter_map(|o| o.bulk_id.clone())
        .collect();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<BulkOperationResult>> = vec![None; req.operations.len()];
    let mut pending: Vec<usize> = (0..req.operations.len()).collect();
    let mut errors = 0u64;
    let limit = req.fail_on_errors.filter(|n| *n > 0);
    'passes: loop {
        let mut deferred = Vec::new();
        let before = pending.len();
        for i in pending {
            let op = &req.operations[i];
            let result = match substitute(op, &ids, &declared) {
                Subst::Ready(path, data) => execute(tenant, op, &path, data, &mut ids),
                Subst::Wait => {
                    deferred.push(i);
                    continue;
                }
                Subst::Unknown(id) => failure(
                    op,
                    ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("bulkId {id:?} is not declared by any operation"),
                    ),
                ),
            };
            if result.status.starts_with('4') || result.status.starts_with('5') {
                errors += 1;
            }
            results[i] = Some(result);
            if limit.is_some_and(|n| errors >= n) {
                break 'passes;
            }
        }
        if deferred.is_empty() {
            break;
        }
        if deferred.len() == before {
            for i in deferred {
                results[i] = Some(failure(
                    &req.operations[i],
                    ScimError::status(409, "circular or unresolvable bulkId reference"),
                ));
            }
            break;
        }
        pending = deferred;
    }
    results.into_iter().flatten().collect()
}

enum Subst {
    Ready(String, Option<Value>),
    Wait,
    Unknown(String),
}

/// Replaces `bulkId:x` in the path and in any string of the data.
fn substitute(
    op: &BulkOperation,
    ids: &HashMap<String, String>,
    declared: &HashSet<String>,
) -> Subst {
    let mut wait = false;
    let mut unknown = None;
    let mut fix = |s: &str| -> String {
        let Some(pos) = s.find("bulkId:") else {
            return s.to_owned();
        };
        let key: String = s[pos + 7..]
            .chars()
            .take_while(|c| !matches!(c, '/' | '"' | ' '))
            .collect();
        match ids.get(&key) {
            Some(real) => s.replacen(&format!("bulkId:{key}"), real, 1),
            None if declared.contains(&key) => {
                wait = true;
                s.to_owned()
            }
            None => {
                unknown.get_or_insert(key);
                s.to_owned()
            }
        }
    };
    let path = fix(&op.path);
    let data = op.data.clone().map(|mut d| {
        walk_strings(&mut d, &mut fix);
        d
    });
    match (unknown, wait) {
        (Some(u), _) => Subst::Unknown(u),
        (None, true) => Subst::Wait,
        (None, false) => Subst::Ready(path, data),
    }
}

fn walk_strings(v: &mut Value, f: &mut impl FnMut(&str) -> String) {
    match v {
        Value::String(s) => *s = f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

fn failure(op: &BulkOperation, e: ScimError) -> BulkOperationResult {
    BulkOperationResult {
        method: op.method,
        bulk_id: op.bulk_id.clone(),
        version: None,
        location: None,
        status: e.status.to_string(),
        response: Some(serde_json::to_value(e.to_body()).expect("serialises")),
    }
}

fn parse_path(path: &str) -> Result<(Kind, Option<String>), ScimError> {
    let trimmed = path.trim().trim_start_matches('/');
    let (ty, id) = match trimmed.split_once('/') {
        Some((t, i)) => (t, Some(i.to_owned())),
        None => (trimmed, None),
    };
    let kind = match ty {
        "Users" => Kind::User,
        "Groups" => Kind::Group,
        _ => {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!("bulk path {path:?} must be /Users or /Groups, optionally with an id"),
            ));
        }
    };
    Ok((kind, id))
}

fn execute(
    tenant: &Tenant,
    op: &BulkOperation,
    path: &str,
    data: Option<Value>,
    ids: &mut HashMap<String, String>,
) -> BulkOperationResult {
    let outcome = (|| -> Result<(u16, Option<Rendered>, Option<String>), ScimError> {
        let (kind, id) = parse_path(path)?;
        let need_id = || {
            id.clone().filter(|i| !i.is_empty()).ok_or_else(|| {
                ScimError::bad_request(
                    ScimType::InvalidPath,
                    format!("{:?} needs /Type/id in `path`", op.method),
                )
            })
        };
        let need_data = || {
            data.clone().ok_or_else(|| {
                ScimError::bad_request(ScimType::InvalidSyntax, "this operation needs `data`")
            })
        };
        let if_match = op.version.as_deref();
        match op.method {
            BulkMethod::POST => {
                if op.bulk_id.as_deref().is_none_or(str::is_empty) {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidSyntax,
                        "a bulk POST needs a `bulkId`",
                    ));
                }
                if id.is_some() {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidPath,
                        "a bulk POST path is /Users or /Groups",
                    ));
                }
                let r = tenant.create(kind, need_data()?, Actor::Scim)?;
                Ok((201, Some(r), None))
            }
            BulkMethod::PUT => Ok((
                200,
                Some(tenant.replace(kind, &need_id()?, need_data()?, if_match)?),
                None,
            )),
            BulkMethod::PATCH => {
                let req = PatchRequest::from_value(need_data()?)?;
                Ok((
                    200,
                    Some(tenant.patch(kind, &need_id()?, req, if_match)?),
                    None,
                ))
            }
            BulkMethod::DELETE => {
                let id = need_id()?;
                tenant.delete(kind, &id, if_match)?;
                Ok((
                    204,
                    None,
                    Some(format!("{}/{}/{id}", tenant.base_url(), kind.endpoint())),
                ))
            }
        }
    })();
    match outcome {
        Ok((status, rendered, location)) => {
            if let (Some(bid), Some(r)) = (&op.bulk_id, &rendered)
                && let Some(id) = r.body.get("id").and_then(Value::as_str)
            {
                ids.insert(bid.clone(), id.to_owned());
            }
            BulkOperationResult {
                method: op.method,
                bulk_id: op.bulk_id.clone(),
                version: rendered.as_ref().and_then(|r| r.etag.clone()),
                location: rendered.as_ref().map(|r| r.location.clone()).or(location),
                status: status.to_string(),
                response: None,
            }
        }
        Err(e) => failure(op, e),
    }
}
