//! `/Users`, `/Groups`, `/ServiceAccounts`, `/.search` and `/Me`.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idpsim_scim::message::SearchRequest;
use idpsim_scim::patch::PatchRequest;
use idpsim_scim::projection::Projection;
use idpsim_scim::schema::ResourceSchema;
use idpsim_scim::{ScimError, ScimType};
use serde::Serialize;

use super::{ApiError, ApiResult, App, body, query};
use crate::store::Kind;
use crate::tenant::{Actor, ListQuery, Rendered};

/// A JSON response with the SCIM media type.
pub fn scim_json(status: StatusCode, value: &impl Serialize) -> Response {
    scim_bytes(status, to_json(value))
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("responses serialise")
}

/// A body serialised already, as `application/scim+json`.
fn scim_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(idpsim_scim::urn::MEDIA_TYPE),
    );
    r
}

fn schema_of(kind: Kind) -> &'static ResourceSchema {
    match kind {
        Kind::User => ResourceSchema::user(),
        Kind::Group => ResourceSchema::group(),
        Kind::ServiceAccount => ResourceSchema::service_account(),
    }
}

/// One resource with its `ETag` (and `Location` on create).
fn resource(status: StatusCode, r: Rendered, projection: &Projection, kind: Kind) -> Response {
    let mut body = r.body;
    // The tenant rendered it with the default projection already.
    if !matches!(projection, Projection::Default) {
        projection.apply(schema_of(kind), &mut body);
    }
    let mut resp = scim_json(status, &body);
    let h = resp.headers_mut();
    if let Some(tag) = r
        .etag
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        h.insert(header::ETAG, tag);
    }
    if let Ok(loc) = HeaderValue::from_str(&r.location) {
        if status == StatusCode::CREATED {
            h.insert(header::LOCATION, loc.clone());
        }
        h.insert(header::CONTENT_LOCATION, loc);
    }
    resp
}

fn projection(kind: Kind, raw: &Option<String>) -> Result<Projection, ScimError> {
    let q = query::parse(raw.as_deref())?;
    Projection::parse(
        schema_of(kind),
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    )
}

/// Runs a tenant call on the blocking pool. Writes hold the store's lock
/// for their whole read-modify-write, and a group's member changes and
/// rendering grow with its members: none of that belongs on the reactor,
/// where it would stall every other connection.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ScimError> + Send + 'static,
) -> Result<T, ScimError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ScimError::status(500, format!("request task failed: {e}")))?
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A SearchRequest body (RFC 7644 §3.4.3), its schema checked.
fn search_request(v: serde_json::Value) -> Result<SearchRequest, ScimError> {
    let req: SearchRequest = serde_json::from_value(v).map_err(|e| {
        ScimError::bad_request(ScimType::InvalidSyntax, format!("not a SearchRequest: {e}"))
    })?;
    idpsim_scim::message::require_schema(
        &req.schemas,
        idpsim_scim::urn::SEARCH_REQUEST,
        "SearchRequest",
    )?;
    Ok(req)
}

/// Filters up to this long are parsed where the request is read; a
/// longer one (a SearchRequest body may hold a megabyte of filter) is
/// parsed on the blocking pool with the rest of the list.
const PARSE_INLINE_FILTER: usize = 4 * 1024;

/// Whether group reads ignore what they were asked to leave out (the
/// `leaks-members` quirk).
fn leaks_members(app: &App, kind: Kind) -> bool {
    kind == Kind::Group && app.tenant.config().has(crate::config::Quirk::LeaksMembers)
}

async fn list(app: App, kind: Kind, mut req: SearchRequest) -> ApiResult {
    if leaks_members(&app, kind) {
        req.attributes = None;
        req.excluded_attributes = None;
    }
    let max = app.tenant.config().limits.max_results;
    let tenant = app.tenant.clone();
    let q = if req.filter.as_deref().map_or(0, str::len) <= PARSE_INLINE_FILTER {
        let q = ListQuery::parse(schema_of(kind), &req, max)?;
        if let Some(page) = app.tenant.list_if_small(kind, &q) {
            return Ok(scim_json(StatusCode::OK, &page?));
        }
        Some(q)
    } else {
        None
    };
    // A scan over 100k resources is real work, and so are writing out and
    // dropping a page of them: keep all three off the reactor.
    let page = blocking(move || {
        let q = match q {
            Some(q) => q,
            None => ListQuery::parse(schema_of(kind), &req, max)?,
        };
        tenant.list(kind, &q).map(|p| to_json(&p))
    })
    .await?;
    Ok(scim_bytes(StatusCode::OK, page))
}

async fn search(app: App, kind: Kind, headers: HeaderMap, body: Body) -> ApiResult {
    let v = body::read_json(&headers, body, app.tenant.config().limits.max_body_bytes).await?;
    let req = search_request(v)?;
    list(app, kind, req).await
}

async fn get_one(
    app: App,
    kind: Kind,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
) -> ApiResult {
    let p = if leaks_members(&app, kind) {
        Projection::Default
    } else {
        projection(kind, &raw)?
    };
    let inm = header_str(&headers, header::IF_NONE_MATCH).map(str::to_owned);
    let tenant = app.tenant.clone();
    let answer = move || -> Result<Response, ScimError> {
        let r = tenant.get(kind, &id, &Projection::Default)?;
        if let (Some(inm), Some(tag)) = (inm.as_deref(), r.etag.as_deref())
            && inm.split(',').any(|t| {
                t.trim() == "*" || t.trim().trim_start_matches("W/") == tag.trim_start_matches("W/")
            })
        {
            let mut resp = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(v) = HeaderValue::from_str(tag) {
                resp.headers_mut().insert(header::ETAG, v);
            }
            return Ok(resp);
        }
        Ok(resource(StatusCode::OK, r, &p, kind))
    };
    // A group renders and writes out every member, a user every group.
    blocking(answer).await.map_err(ApiError)
}

async fn create(
    app: App,
    kind: Kind,
    raw: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let p = projection(kind, &raw)?;
    let v = body::read_json(&headers, body, app.tenant.config().limits.max_body_bytes).await?;
    let tenant = app.tenant.clone();
    Ok(blocking(move || {
        let r = tenant.create(kind, v, Actor::Scim)?;
        Ok(resource(StatusCode::CREATED, r, &p, kind))
    })
    .await?)
}

async fn put(
    app: App,
    kind: Kind,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let p = projection(kind, &raw)?;
    let v = body::read_json(&headers, body, app.tenant.config().limits.max_body_bytes).await?;
    let if_match = header_str(&headers, header::IF_MATCH).map(str::to_owned);
    let tenant = app.tenant.clone();
    Ok(blocking(move || {
        let r = tenant.replace(kind, &id, v, if_match.as_deref())?;
        Ok(resource(StatusCode::OK, r, &p, kind))
    })
    .await?)
}

async fn patch(
    app: App,
    kind: Kind,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let q = query::parse(raw.as_deref())?;
    // The parameter itself, not a substring: `excludedAttributes=` also
    // contains `attributes=`.
    let asked_for_attributes = q
        .attributes
        .as_deref()
        .is_some_and(|a| !a.trim().is_empty());
    let p = Projection::parse(
        schema_of(kind),
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    )?;
    let v = body::read_json(&headers, body, app.tenant.config().limits.max_body_bytes).await?;
    let req = PatchRequest::from_value(v)?;
    // RFC 7240 `Prefer: return=minimal` asks for 204; with `attributes`
    // RFC 7644 §3.5.2 requires the resource, so 200 wins.
    let minimal =
        header_str(&headers, header::HeaderName::from_static("prefer")).is_some_and(|p| {
            p.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("return=minimal"))
        }) && !asked_for_attributes;
    let tenant = app.tenant.clone();
    let if_match = header_str(&headers, header::IF_MATCH).map(str::to_owned);
    let r = if kind == Kind::Group
        && app
            .tenant
            .config()
            .has(crate::config::Quirk::RacyMemberPatch)
    {
        let (t, i) = (app.tenant.clone(), id.clone());
        let snapshot = blocking(move || t.snapshot(kind, &i)).await?;
        // Long enough that concurrent PATCHes all read before any writes.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        blocking(move || tenant.patch_snapshot(kind, &id, snapshot, req)).await?
    } else if minimal {
        let etag =
            blocking(move || tenant.patch_minimal(kind, &id, req, if_match.as_deref())).await?;
        let mut resp = StatusCode::NO_CONTENT.into_response();
        if let Some(tag) = etag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
            resp.headers_mut().insert(header::ETAG, tag);
        }
        return Ok(resp);
    } else {
        return Ok(blocking(move || {
            let r = tenant.patch(kind, &id, req, if_match.as_deref())?;
            Ok(resource(StatusCode::OK, r, &p, kind))
        })
        .await?);
    };
    if minimal {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        if let Some(tag) = r
            .etag
            .as_deref()
            .and_then(|t| HeaderValue::from_str(t).ok())
        {
            resp.headers_mut().insert(header::ETAG, tag);
        }
        return Ok(resp);
    }
    Ok(resource(StatusCode::OK, r, &p, kind))
}

async fn delete(app: App, kind: Kind, id: String, headers: HeaderMap) -> ApiResult {
    let if_match = header_str(&headers, header::IF_MATCH).map(str::to_owned);
    let tenant = app.tenant.clone();
    blocking(move || tenant.delete(kind, &id, if_match.as_deref())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The seven handlers of one resource type, each a thin call into the
/// shared function with the type fixed.
macro_rules! handlers {
    ($kind:expr, $list:ident, $search:ident, $get:ident, $create:ident, $put:ident, $patch:ident, $delete:ident) => {
        pub async fn $list(State(app): State<App>, RawQuery(q): RawQuery) -> ApiResult {
            list(app, $kind, query::parse(q.as_deref())?).await
        }
        pub async fn $search(State(app): State<App>, h: HeaderMap, body: Body) -> ApiResult {
            search(app, $kind, h, body).await
        }
        pub async fn $get(
            State(app): State<App>,
            Path(id): Path<String>,
            RawQuery(q): RawQuery,
            h: HeaderMap,
        ) -> ApiResult {
            get_one(app, $kind, id, q, h).await
        }
        pub async fn $create(
            State(app): State<App>,
            RawQuery(q): RawQuery,
            h: HeaderMap,
            body: Body,
        ) -> ApiResult {
            create(app, $kind, q, h, body).await
        }
        pub async fn $put(
            State(app): State<App>,
            Path(id): Path<String>,
            RawQuery(q): RawQuery,
            h: HeaderMap,
            body: Body,
        ) -> ApiResult {
            put(app, $kind, id, q, h, body).await
        }
        pub async fn $patch(
            State(app): State<App>,
            Path(id): Path<String>,
            RawQuery(q): RawQuery,
            h: HeaderMap,
            body: Body,
        ) -> ApiResult {
            patch(app, $kind, id, q, h, body).await
        }
        pub async fn $delete(
            State(app): State<App>,
            Path(id): Path<String>,
            h: HeaderMap,
        ) -> ApiResult {
            delete(app, $kind, id, h).await
        }
    };
}

handlers!(
    Kind::User,
    list_users,
    search_users,
    get_user,
    create_user,
    put_user,
    patch_user,
    delete_user
);
handlers!(
    Kind::Group,
    list_groups,
    search_groups,
    get_group,
    create_group,
    put_group,
    patch_group,
    delete_group
);

handlers!(
    Kind::ServiceAccount,
    list_service_accounts,
    search_service_accounts,
    get_service_account,
    create_service_account,
    put_service_account,
    patch_service_account,
    delete_service_account
);

/// `POST /.search` across all resource types.
pub async fn search_root(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let v = body::read_json(&headers, body, app.tenant.config().limits.max_body_bytes).await?;
    let req = search_request(v)?;
    let tenant = app.tenant.clone();
    let page = tokio::task::spawn_blocking(move || tenant.search_root(&req).map(|p| to_json(&p)))
        .await
        .map_err(|e| ScimError::status(500, format!("search task failed: {e}")))??;
    Ok(scim_bytes(StatusCode::OK, page))
}

/// `/Me` is not implemented: a bearer token here names a client, not a
/// user. RFC 7644 §3.11 says to answer 501 then.
pub async fn me() -> ApiError {
    ApiError(ScimError::status(
        501,
        "/Me is not supported: the bearer token identifies a provisioning client, not a user",
    ))
}
