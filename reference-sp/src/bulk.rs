//! The Bulk engine (RFC 7644 §3.7), apart from HTTP so that tests can
//! measure what one request costs.
//!
//! Operations run in order. One whose `path` or `data` names a
//! `bulkId:` of an operation that has not run yet is deferred and retried
//! after the others; what is still unresolved when a pass makes no progress
//! (a cycle, RFC 7644 §3.7.1) fails with 409.

use std::collections::{BTreeSet, HashMap, HashSet};

use idpsim_scim::message::{BulkMethod, BulkOperation, BulkOperationResult, BulkRequest};
use idpsim_scim::patch::PatchRequest;
use idpsim_scim::{ScimError, ScimType};
use serde_json::Value;

use crate::store::Kind;
use crate::tenant::{Actor, Rendered, Tenant};

/// Runs a checked BulkRequest: one result per operation that ran.
///
/// Each operation's references are read once, up front; a deferred
/// operation then waits on a counter of the bulkIds it still lacks and is
/// not looked at again until that reaches zero, and its data is copied
/// only when it runs: O(size + operations × log operations) in all.
/// (Substituting every waiting operation on every pass copied its data
/// once per pass: quadratic for a chain of references written backwards.)
pub fn run(tenant: &Tenant, req: BulkRequest) -> Vec<BulkOperationResult> {
    let n = req.operations.len();
    let declared: HashSet<&str> = req
        .operations
        .iter()
        .filter_map(|o| o.bulk_id.as_deref())
        .collect();
    // Per operation: the declared bulkIds it names, or the first undeclared one.
    let mut missing: Vec<usize> = vec![0; n];
    let mut unknown: Vec<Option<String>> = vec![None; n];
    let mut waiters: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, op) in req.operations.iter().enumerate() {
        let mut named: HashSet<&str> = HashSet::new();
        for_each_reference(op, &mut |key| {
            if declared.contains(key) {
                named.insert(key);
            } else if unknown[i].is_none() {
                unknown[i] = Some(key.to_owned());
            }
        });
        missing[i] = named.len();
        for key in named {
            waiters.entry(key).or_default().push(i);
        }
    }
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<BulkOperationResult>> = vec![None; n];
    let mut errors = 0u64;
    let limit = req.fail_on_errors.filter(|n| *n > 0);
    // Passes in request order, as a client reading RFC 7644 §3.7 expects:
    // an operation runs in the first pass that reaches it with every
    // bulkId it names resolved. Waiting operations are not visited; one
    // unblocked by a later operation of this pass still runs in it, one
    // unblocked by an earlier-listed one runs in the next.
    let mut this_pass: BTreeSet<usize> = (0..n)
        .filter(|&i| missing[i] == 0 || unknown[i].is_some())
        .collect();
    let mut stopped = false;
    while !this_pass.is_empty() && !stopped {
        let mut next_pass = BTreeSet::new();
        while let Some(i) = this_pass.pop_first() {
            let op = &req.operations[i];
            let result = if let Some(id) = &unknown[i] {
                failure(
                    op,
                    ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("bulkId {:?} is not declared by any operation", excerpt(id)),
                    ),
                )
            } else {
                let (path, data) = substitute(op, &ids);
                let fresh = op.bulk_id.as_deref().filter(|b| !ids.contains_key(*b));
                let result = execute(tenant, op, &path, data, &mut ids);
                if let Some(b) = fresh.filter(|b| ids.contains_key(*b)) {
                    for &w in waiters.get(b).into_iter().flatten() {
                        missing[w] -= 1;
                        if missing[w] == 0 && results[w].is_none() {
                            if w > i {
                                this_pass.insert(w);
                            } else {
                                next_pass.insert(w);
                            }
                        }
                    }
                }
                result
            };
            if result.status.starts_with('4') || result.status.starts_with('5') {
                errors += 1;
            }
            results[i] = Some(result);
            if limit.is_some_and(|n| errors >= n) {
                stopped = true;
                break;
            }
        }
        this_pass = next_pass;
    }
    if !stopped {
        for (i, r) in results.iter_mut().enumerate() {
            if r.is_none() {
                *r = Some(failure(
                    &req.operations[i],
                    ScimError::status(409, "circular or unresolvable bulkId reference"),
                ));
            }
        }
    }
    results.into_iter().flatten().collect()
}

/// A bulkId may name its operation in a message; a hostile one may be
/// long, so only its start is echoed.
fn excerpt(s: &str) -> String {
    idpsim_scim::error::excerpt(s).into_owned()
}

/// The bulkId a string refers to: what follows its first `bulkId:` up to
/// a `/`, `"` or space.
fn reference(s: &str) -> Option<&str> {
    let pos = s.find("bulkId:")?;
    let rest = &s[pos + 7..];
    let end = rest.find(['/', '"', ' ']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Calls `f` with every bulkId that the path or a string of the data names.
fn for_each_reference<'a>(op: &'a BulkOperation, f: &mut impl FnMut(&'a str)) {
    fn walk<'a>(v: &'a Value, f: &mut impl FnMut(&'a str)) {
        match v {
            Value::String(s) => {
                if let Some(k) = reference(s) {
                    f(k)
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, f)),
            Value::Object(o) => o.values().for_each(|x| walk(x, f)),
            _ => {}
        }
    }
    if let Some(k) = reference(&op.path) {
        f(k);
    }
    if let Some(d) = &op.data {
        walk(d, f);
    }
}

/// Replaces `bulkId:x` in the path and in any string of the data; every
/// reference is resolved by the time an operation runs.
fn substitute(op: &BulkOperation, ids: &HashMap<String, String>) -> (String, Option<Value>) {
    let fix = |s: &mut String| {
        let Some(key) = reference(s) else { return };
        let Some(real) = ids.get(key) else { return };
        let replaced = s.replacen(&format!("bulkId:{key}"), real, 1);
        *s = replaced;
    };
    let mut path = op.path.clone();
    fix(&mut path);
    let data = op.data.clone().map(|mut d| {
        walk_strings(&mut d, &fix);
        d
    });
    (path, data)
}

fn walk_strings(v: &mut Value, f: &impl Fn(&mut String)) {
    match v {
        Value::String(s) => f(s),
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
        "ServiceAccounts" => Kind::ServiceAccount,
        _ => {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!(
                    "bulk path {:?} must be /Users, /Groups or /ServiceAccounts, optionally with an id",
                    excerpt(path)
                ),
            ));
        }
    };
    Ok((kind, id))
}

/// What a successful operation reports.
struct Done {
    status: u16,
    /// The resource's id, for a `bulkId` to stand for.
    id: Option<String>,
    version: Option<String>,
    location: Option<String>,
}

impl Done {
    fn rendered(status: u16, r: Rendered) -> Self {
        Done {
            status,
            id: r.body.get("id").and_then(Value::as_str).map(str::to_owned),
            version: r.etag,
            location: Some(r.location),
        }
    }
}

fn execute(
    tenant: &Tenant,
    op: &BulkOperation,
    path: &str,
    data: Option<Value>,
    ids: &mut HashMap<String, String>,
) -> BulkOperationResult {
    let outcome = (|| -> Result<Done, ScimError> {
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
                Ok(Done::rendered(201, r))
            }
            BulkMethod::PUT => Ok(Done::rendered(
                200,
                tenant.replace(kind, &need_id()?, need_data()?, if_match)?,
            )),
            BulkMethod::PATCH => {
                // A Bulk answers no bodies: rendering a group of many
                // members for each of a thousand PATCHes would cost more
                // than the changes.
                let req = PatchRequest::from_value(need_data()?)?;
                let id = need_id()?;
                let version = tenant.patch_minimal(kind, &id, req, if_match)?;
                Ok(Done {
                    status: 200,
                    location: Some(format!("{}/{}/{id}", tenant.base_url(), kind.endpoint())),
                    id: Some(id),
                    version,
                })
            }
            BulkMethod::DELETE => {
                let id = need_id()?;
                tenant.delete(kind, &id, if_match)?;
                Ok(Done {
                    status: 204,
                    location: Some(format!("{}/{}/{id}", tenant.base_url(), kind.endpoint())),
                    id: None,
                    version: None,
                })
            }
        }
    })();
    match outcome {
        Ok(done) => {
            if let (Some(bid), Some(id)) = (&op.bulk_id, &done.id) {
                ids.insert(bid.clone(), id.clone());
            }
            BulkOperationResult {
                method: op.method,
                bulk_id: op.bulk_id.clone(),
                version: done.version,
                location: done.location,
                status: done.status.to_string(),
                response: None,
            }
        }
        Err(e) => failure(op, e),
    }
}
