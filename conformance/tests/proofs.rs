//! Every check can fail: each runs against a target that breaks exactly the
//! behaviour it judges (a reference-SP quirk, or a proxy that changes one
//! request or answer) and must not pass. A last test walks the registry and
//! fails for any check without a proof here.

mod proxy;

use std::sync::Arc;
use std::time::Duration;

use idpsim_conformance::check::{Check, Suite};
use idpsim_conformance::checks;
use idpsim_conformance::runner::{self, Options, Outcome, Target, Verdict};
use idpsim_reference_sp::{Config, Quirk};
use proxy::{Hooks, Resp};
use serde_json::{Value, json};

/// The token of every proof's reference SP, known so that a proxy can
/// swap it in.
const PROOF_TOKEN: &str = "idpsim-proof-token";

/// The reference SP's service-account extension, which its ServiceAccount
/// resource type requires.
const SERVICE_ACCOUNT: &str = "urn:idpsim:scim:schemas:extension:serviceAccount:1.0:User";

enum Breaker {
    Quirk(Quirk),
    Proxy(Hooks),
    /// A quirk behind a proxy.
    Both(Quirk, Hooks),
}

/// Runs check `id` alone against a target `breaker` breaks, planned as
/// the runner plans it (every capability forced).
async fn judge(id: &str, breaker: Breaker) -> (Check, Outcome) {
    let check = checks::all()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"));
    let (quirk, hooks) = match breaker {
        Breaker::Quirk(q) => (Some(q), None),
        Breaker::Proxy(h) => (None, Some(h)),
        Breaker::Both(q, h) => (Some(q), Some(h)),
    };
    let config = match quirk {
        Some(q) => Config::default().with_quirk(q),
        None => Config::default(),
    };
    let config = Config {
        token: Some(PROOF_TOKEN.into()),
        ..config
    };
    let sp = idpsim_reference_sp::spawn(config).await.unwrap();
    let base_url = match hooks {
        None => sp.base_url().to_owned(),
        Some(hooks) => format!(
            "{}{}",
            proxy::start(sp.origin(), hooks).await,
            idpsim_reference_sp::SCIM_PREFIX
        ),
    };
    let target = Target {
        base_url,
        token: Some(sp.token().to_owned()),
    };
    let opts = Options {
        force: idpsim_conformance::check::Capability::ALL.to_vec(),
        ..Options::default()
    };
    let caps = Arc::new(runner::discover(&target, &opts).await);
    let planned = runner::plan(&[check], &caps, &opts);
    assert_eq!(planned[0].1, None, "{id} is planned to run");
    let o = runner::run_one(
        check,
        &target,
        caps,
        "idpsim-proof",
        Duration::from_secs(20),
    )
    .await;
    (check, o)
}

/// What a check that did not pass must read: a fail, or a warning for a
/// SHOULD or MAY; the runner, not the check, decides which by level.
fn not_passed(check: &Check) -> Verdict {
    if check.level.binds() {
        Verdict::Fail
    } else {
        Verdict::Warn
    }
}

/// Runs check `id` against a target `breaker` breaks and requires that it
/// fails (or warns, by its level) on `rule`: a panic, a timeout or another
/// assertion failing first would prove nothing about the behaviour.
async fn prove(id: &str, rule: &str, breaker: Breaker) {
    let (check, o) = judge(id, breaker).await;
    assert_eq!(
        o.verdict,
        not_passed(&check),
        "{id} ({:?}) against a target that breaks it: {o:?}",
        check.level
    );
    assert!(
        o.expected.is_some() && o.got.is_some(),
        "a fail states what was expected and what came"
    );
    assert!(!o.exchanges.is_empty(), "a fail carries its exchanges");
    let decided = o.decided_by.expect("the exchange that decided it");
    assert!(
        decided < o.cleanup_from.unwrap_or(o.exchanges.len()),
        "{id}: the deciding exchange is the check's, not its cleanup's"
    );
    assert_eq!(
        o.rule.as_deref(),
        Some(rule),
        "{id} failed on another rule than the one broken: {o:?}"
    );
    assert!(
        !o.precondition,
        "{id} failed before it judged anything: {o:?}"
    );
}

/// Runs check `id` against a target that does not hold the state the
/// check is about to change (it drops the attribute, the member, the
/// value) and requires a failed precondition: neither a pass, which would
/// prove nothing, nor a failure blamed on the behaviour judged.
async fn prove_precondition(id: &str, breaker: Breaker) {
    let (check, o) = judge(id, breaker).await;
    assert_eq!(
        o.verdict,
        not_passed(&check),
        "{id} passed without its precondition: {o:?}"
    );
    assert!(
        o.precondition,
        "{id} blamed the behaviour it judges for a missing precondition: {:?} {:?} {:?}",
        o.rule, o.expected, o.got
    );
    assert!(
        o.expected
            .as_deref()
            .is_some_and(|e| e.ends_with("before the check changes it")),
        "{o:?}"
    );
    let console = idpsim_conformance::report::console(
        &runner::Report {
            schema_version: 1,
            tool: "idpsim",
            target: String::new(),
            started: String::new(),
            millis: 0,
            capabilities: vec![],
            notes: vec![],
            outcomes: vec![o],
        },
        false,
    );
    assert!(console.contains("precondition not met ["), "{console}");
}

fn hooks() -> Hooks {
    Hooks::default()
}

fn bad(detail: &str) -> Resp {
    Resp::json(
        400,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "detail": detail}),
    )
}

fn no_content() -> Resp {
    Resp {
        status: 204,
        headers: vec![],
        body: Value::Null,
    }
}

fn first_op(r: &proxy::Req) -> &Value {
    &r.body["Operations"][0]
}

fn is_lookup(r: &proxy::Req) -> bool {
    r.is("GET", "/Users")
        && r.query
            .as_deref()
            .is_some_and(|q| q.contains("filter=userName"))
}

fn empty_list(a: &mut Resp) {
    *a = Resp::json(
        200,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []}),
    );
}

macro_rules! proofs {
    ($($name:ident: $id:literal => $rule:literal, $breaker:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                prove($id, $rule, $breaker).await;
            }
        )*
        const PROVEN: &[&str] = &[$($id),*];
    };
}

proofs! {
    spc: "rfc7644.discovery.spc" => "supported-boolean", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/ServiceProviderConfig") { a.body.as_object_mut().unwrap().remove("etag"); },
        ..hooks()
    });
    spc_public: "rfc7644.discovery.spc-public" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("GET", "/ServiceProviderConfig") && !r.has_auth()).then(|| Resp::json(401, json!({"status": "401"}))),
        ..hooks()
    });
    resource_types: "rfc7644.discovery.resource-types" => "resource-type-listed", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/ResourceTypes") { a.body["Resources"].as_array_mut().unwrap().retain(|t| t["name"] != "Group"); },
        ..hooks()
    });
    user_schema: "rfc7643.discovery.user-schema" => "userName.uniqueness", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.ends_with(":User") {
            for at in a.body["attributes"].as_array_mut().unwrap() {
                if at["name"] == "userName" { at["uniqueness"] = "none".into(); }
            }
        },
        ..hooks()
    });
    unknown_schema: "rfc7644.discovery.unknown-schema-404" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.path.contains("/Schemas/urn:idpsim") { *a = Resp::json(200, json!({})); },
        ..hooks()
    });
    no_token: "rfc7644.auth.no-token-401" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (!r.has_auth() && r.path.ends_with("/Users")).then(|| Resp::json(200, json!({"totalResults": 0, "Resources": []}))),
        ..hooks()
    });
    error_body: "rfc7644.errors.scim-body" => "schemas", Breaker::Quirk(Quirk::PlainTextErrors);
    create_201: "rfc7644.create.status-201" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") && a.status == 201 { a.status = 200; },
        ..hooks()
    });
    create_location: "rfc7644.create.location" => "location-header", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") { a.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("location")); },
        ..hooks()
    });
    client_id: "rfc7643.create.id-ignored" => "server-id", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") && let Some(id) = r.body.get("id") { a.body["id"] = id.clone(); },
        ..hooks()
    });
    password: "rfc7643.create.password-never-returned" => "no-password", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/") { a.body["password"] = "leaked".into(); },
        ..hooks()
    });
    duplicate: "rfc7644.create.duplicate-409" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") && a.status == 409 { *a = Resp::json(201, json!({"userName": r.body["userName"]})); },
        ..hooks()
    });
    case_variant: "rfc7643.create.username-case-insensitive-409" => "status", Breaker::Quirk(Quirk::CaseSensitiveUsername);
    unknown_404: "rfc7644.read.unknown-404" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && a.status == 404 { *a = Resp::json(200, json!({"id": r.path.rsplit('/').next()})); },
        ..hooks()
    });
    attributes: "rfc7644.read.attributes" => "only-asked", Breaker::Proxy(Hooks {
        rewrite: |r| if r.query.as_deref().is_some_and(|q| q.starts_with("attributes=")) { r.query = None; },
        ..hooks()
    });
    delete: "rfc7644.delete.204-then-404" => "status", Breaker::Quirk(Quirk::SoftDelete);
    user_groups: "rfc7643.groups.user-groups-derived" => "groups-listed", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/") { a.body.as_object_mut().map(|o| o.remove("groups")); },
        ..hooks()
    });
    username_eq: "rfc7644.filter.username-eq-case-insensitive" => "totalResults", Breaker::Quirk(Quirk::CaseSensitiveUsername);
    no_match: "rfc7644.filter.no-match-empty-list" => "status", Breaker::Quirk(Quirk::NotFoundOnEmptyList);
    invalid_filter: "rfc7644.filter.invalid-400" => "status", Breaker::Proxy(Hooks {
        mutate: |_, a| if a.body["scimType"] == "invalidFilter" {
            *a = Resp::json(200, json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []}));
        },
        ..hooks()
    });
    paging: "rfc7644.paging.count" => "page-size", Breaker::Quirk(Quirk::ListIgnoresPaging);
    paging_empty: "rfc7644.paging.count" => "page-size", Breaker::Proxy(Hooks {
        // A server that answers a page past the first with nothing.
        mutate: |r, a| if r.is("GET", "/Users") && r.query.as_deref().is_some_and(|q| q.starts_with("startIndex=2")) {
            a.body["Resources"] = json!([]);
            a.body["itemsPerPage"] = json!(0);
        },
        ..hooks()
    });
    replace_path: "rfc7644.patch.replace-path" => "title", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.path.contains("/Users/")).then(|| Resp::json(200, json!({}))),
        ..hooks()
    });
    remove_member: "rfc7644.patch.remove-member-filter" => "members", Breaker::Quirk(Quirk::IgnoreFilteredMemberRemoval);
    atomic: "rfc7644.patch.atomic" => "first-op-kept", Breaker::Proxy(Hooks {
        // A server that applies operations one by one and drops those it cannot.
        rewrite: |r| if r.method == "PATCH"
            && let Some(ops) = r.body["Operations"].as_array_mut() { ops.retain(|o| o["path"] != "idpsimNoSuchAttribute"); },
        ..hooks()
    });
    remove_no_path: "rfc7644.patch.no-path-remove-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0].get("path").is_none() && r.body["Operations"][0]["op"] == "remove")
            .then(|| Resp { status: 204, headers: vec![], body: Value::Null }),
        ..hooks()
    });
    etag_header: "rfc7644.etag.header" => "etag-header", Breaker::Quirk(Quirk::NoEtag);
    if_match: "rfc7644.etag.if-match-412" => "status", Breaker::Quirk(Quirk::NoEtag);
    if_match_applied: "rfc7644.etag.if-match-412" => "unchanged", Breaker::Proxy(Hooks {
        // A server that answers 412 to a stale If-Match after applying it
        // (the hook sees the request after the rewrite dropped If-Match).
        mutate: |r, a| if r.method == "PATCH" && a.status < 300 {
            *a = Resp::json(412, json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "412"}));
        },
        rewrite: |r| r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("if-match") || !r.method.eq("PATCH")),
        ..hooks()
    });
    bulk_id: "rfc7644.bulk.bulkid" => "bulk-locations", Breaker::Proxy(Hooks {
        // A server that does not resolve bulkId references.
        rewrite: |r| if r.is("POST", "/Bulk") {
            let text = r.body.to_string().replace("bulkId:u", "unresolved-u");
            r.body = serde_json::from_str(&text).unwrap();
        },
        ..hooks()
    });
    max_ops: "rfc7644.bulk.max-operations-413" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Bulk") && a.status == 413 {
            *a = Resp::json(200, json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"], "Operations": []}));
        },
        ..hooks()
    });
    schemas_listed: "rfc7643.resource.schemas" => "core-schema-listed", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/") { a.body["schemas"] = json!([]); },
        ..hooks()
    });
    meta_resource_type: "rfc7644.resource.meta-resource-type" => "resource-type", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.path.contains("/Groups") && a.body.get("meta").is_some() { a.body["meta"]["resourceType"] = "User".into(); },
        ..hooks()
    });
    meta_dates: "rfc7643.resource.meta-dates" => "datetime", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") { a.body["meta"]["created"] = "2024-01-01".into(); },
        ..hooks()
    });
    meta_ignored: "rfc7643.resource.meta-ignored" => "server-meta", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") && r.body["meta"]["created"].is_string() { a.body["meta"]["created"] = r.body["meta"]["created"].clone(); },
        ..hooks()
    });
    case_names: "rfc7643.resource.case-insensitive-names" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("USERNAME").is_some())
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "invalidSyntax", "detail": "unknown attribute USERNAME"}))),
        ..hooks()
    });
    extension_object: "rfc7643.resource.extension-object" => "inside-urn-object", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/") {
            let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
            if let Some(e) = a.body.as_object_mut().and_then(|o| o.remove(ext)) {
                for (k, v) in e.as_object().unwrap() { a.body[k.as_str()] = v.clone(); }
            }
        },
        ..hooks()
    });
    external_id: "rfc7643.resource.external-id-exact" => "externalId", Breaker::Proxy(Hooks {
        mutate: |_, a| if let Some(e) = a.body["externalId"].as_str() { a.body["externalId"] = e.to_lowercase().into(); },
        ..hooks()
    });
    missing_required: "rfc7644.create.missing-required-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("userName").is_none()).then(|| Resp::json(201, json!({"id": "x"}))),
        ..hooks()
    });
    wrong_schema: "rfc7644.create.wrong-schema-400" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") { r.body["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]); },
        ..hooks()
    });
    read_only_ignored: "rfc7644.create.read-only-ignored" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("groups").is_some())
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "mutability", "detail": "groups is read-only"}))),
        ..hooks()
    });
    excluded: "rfc7644.read.excluded-attributes" => "excluded", Breaker::Proxy(Hooks {
        rewrite: |r| if r.query.as_deref().is_some_and(|q| q.starts_with("excludedAttributes=")) { r.query = None; },
        ..hooks()
    });
    list_shape: "rfc7644.list.shape" => "schemas", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") { a.body.as_object_mut().map(|o| o.remove("schemas")); },
        ..hooks()
    });
    deleted_absent: "rfc7644.list.deleted-absent" => "not-listed", Breaker::Quirk(Quirk::SoftDelete);
    string_ops: "rfc7644.filter.string-operators" => "co", Breaker::Proxy(Hooks {
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("%20co%20", "%20eq%20"); },
        ..hooks()
    });
    presence: "rfc7644.filter.presence" => "nickName-pr", Breaker::Proxy(Hooks {
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("nickName%20pr", "userName%20pr"); },
        ..hooks()
    });
    logic: "rfc7644.filter.logic" => "and-or-with-grouping", Breaker::Proxy(Hooks {
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("%20and%20%28", "%20or%20%28"); },
        ..hooks()
    });
    value_path: "rfc7644.filter.value-path" => "emails-type-eq-work", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("%5B")) { a.body["Resources"] = json!([]); a.body["totalResults"] = json!(0); },
        ..hooks()
    });
    external_id_eq: "rfc7644.filter.external-id" => "externalId-eq", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("externalId")) { a.body["Resources"] = json!([]); a.body["totalResults"] = json!(0); },
        ..hooks()
    });
    group_name_eq: "rfc7644.filter.group-display-name" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("GET", "/Groups") && r.query.as_deref().is_some_and(|q| q.contains("displayName")))
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "invalidFilter", "detail": "filtering groups is not supported"}))),
        ..hooks()
    });
    urn_path: "rfc7644.filter.urn-path" => "status", Breaker::Proxy(Hooks {
        intercept: |r| r.query.as_deref().is_some_and(|q| q.contains("urn%3A"))
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "invalidFilter", "detail": "no URN paths"}))),
        ..hooks()
    });
    last_modified: "rfc7644.filter.last-modified" => "meta.lastModified-gt-2999", Breaker::Proxy(Hooks {
        // A server that ignores a time bound in the future.
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("2999-01-01", "2000-01-01"); },
        ..hooks()
    });
    sort_asc: "rfc7644.sort.ascending" => "order", Breaker::Proxy(Hooks {
        // A server that sorts case-sensitively (code points: B, C, a).
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("sortBy"))
            && let Some(list) = a.body["Resources"].as_array_mut() {
                list.sort_by(|x, y| x["userName"].as_str().cmp(&y["userName"].as_str()));
            },
        ..hooks()
    });
    sort_desc: "rfc7644.sort.descending" => "order", Breaker::Proxy(Hooks {
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("&sortOrder=descending", ""); },
        ..hooks()
    });
    start_below_one: "rfc7644.paging.start-index-below-1" => "startIndex", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("startIndex=0")) { a.body["startIndex"] = json!(0); },
        ..hooks()
    });
    count_zero: "rfc7644.paging.count-zero" => "empty-page-with-total", Breaker::Quirk(Quirk::ListIgnoresPaging);
    put_replaces: "rfc7644.put.replaces" => "replaced", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT").then(|| Resp::json(200, r.body.clone())),
        ..hooks()
    });
    put_merges: "rfc7644.put.replaces" => "omitted-cleared", Breaker::Proxy(Hooks {
        // A server that merges a PUT into the stored resource.
        rewrite: |r| if r.method == "PUT" && r.body.get("nickName").is_none() { r.body["nickName"] = "Nick".into(); },
        ..hooks()
    });
    put_unknown: "rfc7644.put.unknown-404" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PUT" && a.status == 404 { *a = Resp::json(200, r.body.clone()); },
        ..hooks()
    });
    get_put_echo: "okta.users.get-put-echo" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body.get("meta").is_some())
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "mutability", "detail": "meta is read-only"}))),
        ..hooks()
    });
    add_appends: "rfc7644.patch.add-appends" => "appended", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH" && r.body["Operations"][0]["op"] == "add" && r.body["Operations"][0]["path"] == "emails" {
            r.body["Operations"][0]["op"] = "replace".into();
        },
        ..hooks()
    });
    replace_value_path: "rfc7644.patch.replace-value-path" => "the-home-email", Breaker::Proxy(Hooks {
        // A server that drops the filter and replaces the whole attribute.
        rewrite: |r| if r.method == "PATCH" && r.body["Operations"][0]["path"].as_str().is_some_and(|p| p.starts_with("emails[")) {
            r.body["Operations"][0] = json!({"op": "replace", "path": "emails", "value": [{"value": "new@work.example", "type": "work"}]});
        },
        ..hooks()
    });
    remove_single: "rfc7644.patch.remove-single" => "removed", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0]["op"] == "remove").then(|| Resp { status: 204, headers: vec![], body: Value::Null }),
        ..hooks()
    });
    read_only_400: "rfc7644.patch.read-only-400" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PATCH" && a.status == 400 { *a = Resp::json(200, json!({})); },
        ..hooks()
    });
    schema_required: "rfc7644.patch.schema-required" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH" && r.body.get("schemas").is_none() { r.body["schemas"] = json!(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]); },
        ..hooks()
    });
    primary_unique: "rfc7643.patch.primary-unique" => "one-primary", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/")
            && let Some(list) = a.body["emails"].as_array_mut() { for e in list { e["primary"] = true.into(); } },
        ..hooks()
    });
    extension_path: "rfc7644.patch.extension-path" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0]["path"].as_str().is_some_and(|p| p.starts_with("urn:")))
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "invalidPath", "detail": "no URN paths"}))),
        ..hooks()
    });
    patch_unknown: "rfc7644.patch.unknown-404" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PATCH" && a.status == 404 { *a = Resp::json(200, json!({})); },
        ..hooks()
    });
    add_needs_value: "rfc7644.patch.add-needs-value" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PATCH" && a.status == 400 { *a = Resp { status: 204, headers: vec![], body: Value::Null }; },
        ..hooks()
    });
    if_none_match: "rfc7644.etag.if-none-match-304" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("if-none-match")),
        ..hooks()
    });
    fail_on_errors: "rfc7644.bulk.fail-on-errors" => "stops-after-errors", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Bulk") { r.body.as_object_mut().map(|o| o.remove("failOnErrors")); },
        ..hooks()
    });
    post_bulk_id: "rfc7644.bulk.post-needs-bulk-id" => "refused", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Bulk")
            && let Some(ops) = r.body["Operations"].as_array_mut() { for o in ops { if o.get("bulkId").is_none() { o["bulkId"] = "added".into(); } } },
        ..hooks()
    });
    okta_join: "okta.replay.join" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("password").is_some()).then(|| bad("password is not supported")),
        ..hooks()
    });
    okta_link: "okta.replay.link" => "idp-requests", Breaker::Proxy(Hooks { mutate: |r, a| if is_lookup(r) { empty_list(a) }, ..hooks() });
    okta_update: "okta.replay.update" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body.get("meta").is_some()).then(|| bad("meta is read-only")),
        ..hooks()
    });
    okta_deactivate: "okta.replay.deactivate" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r).get("path").is_none() && first_op(r)["value"]["active"] == false).then(|| bad("path required")),
        ..hooks()
    });
    okta_reactivate: "okta.replay.reactivate" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r).get("path").is_none() && first_op(r)["value"]["active"] == true).then(|| bad("path required")),
        ..hooks()
    });
    okta_push_group: "okta.replay.push-group" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.path.contains("/Groups/") && first_op(r)["value"].get("id").is_some()).then(|| bad("id is read-only")),
        ..hooks()
    });
    okta_add_member: "okta.replay.add-member" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["value"][0].get("display").is_some()).then(|| bad("display is not a member attribute")),
        ..hooks()
    });
    okta_remove_member: "okta.replay.remove-member" => "members", Breaker::Quirk(Quirk::IgnoreFilteredMemberRemoval);
    okta_rename_group: "okta.replay.rename-group" => "displayName", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH" && r.path.contains("/Groups/")
            && let Some(v) = r.body["Operations"][0]["value"].as_object_mut() { v.remove("displayName"); },
        ..hooks()
    });
    okta_delete_group: "okta.replay.delete-group" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "DELETE" && r.path.contains("/Groups/")).then(no_content),
        ..hooks()
    });
    okta_import: "okta.replay.import" => "idp-requests", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") && r.query.as_deref().is_some_and(|q| q.starts_with("startIndex")) {
            a.body["totalResults"] = a.body["totalResults"].to_string().into();
        },
        ..hooks()
    });
    aiw_join: "okta-aiw.replay.join" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("password").is_some()).then(|| bad("password is not supported")),
        ..hooks()
    });
    aiw_update: "okta-aiw.replay.update" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body.get("meta").is_some()).then(|| bad("meta is read-only")),
        ..hooks()
    });
    aiw_deactivate: "okta-aiw.replay.deactivate" => "active", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PUT" && r.path.contains("/Users/") { r.body["active"] = true.into(); },
        ..hooks()
    });
    aiw_reactivate: "okta-aiw.replay.reactivate" => "active", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PUT" && r.body["active"] == true { r.body["active"] = false.into(); },
        ..hooks()
    });
    aiw_push_group: "okta-aiw.replay.push-group" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.path.contains("/Groups/")).then(|| bad("PUT of groups is not supported")),
        ..hooks()
    });
    aiw_add_member: "okta-aiw.replay.add-member" => "members", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PUT" && r.path.contains("/Groups/")
            && let Some(m) = r.body["members"].as_array_mut() { m.truncate(1); },
        ..hooks()
    });
    aiw_remove_member: "okta-aiw.replay.remove-member" => "members", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.path.contains("/Groups/") && r.body["members"].as_array().is_some_and(|m| m.len() < 2))
            .then(|| Resp::json(200, r.body.clone())),
        ..hooks()
    });
    aiw_rename_group: "okta-aiw.replay.rename-group" => "displayName", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body["displayName"].as_str().is_some_and(|n| n.contains("renamed"))).then(|| Resp::json(200, r.body.clone())),
        ..hooks()
    });
    entra_join: "entra.replay.join" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("meta").is_some()).then(|| bad("meta is read-only")),
        ..hooks()
    });
    entra_link: "entra.replay.link" => "idp-requests", Breaker::Proxy(Hooks { mutate: |r, a| if is_lookup(r) { empty_list(a) }, ..hooks() });
    entra_update: "entra.replay.update" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "Replace" && first_op(r)["path"] != "active").then(|| bad("unknown op Replace")),
        ..hooks()
    });
    entra_deactivate: "entra.replay.deactivate" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["value"] == "False").then(|| bad("active must be a boolean")),
        ..hooks()
    });
    entra_reactivate: "entra.replay.reactivate" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["value"] == "True").then(|| bad("active must be a boolean")),
        ..hooks()
    });
    entra_push_group: "entra.replay.push-group" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Groups") && r.body["schemas"].as_array().is_some_and(|s| s.len() > 1)).then(|| bad("unknown schema")),
        ..hooks()
    });
    entra_add_member: "entra.replay.add-member" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["value"][0].get("$ref").is_some_and(Value::is_null)).then(|| bad("$ref must be a string")),
        ..hooks()
    });
    entra_remove_member: "entra.replay.remove-member" => "members", Breaker::Quirk(Quirk::LiteralMemberRemoval);
    entra_rename_group: "entra.replay.rename-group" => "displayName", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "displayName").then(no_content),
        ..hooks()
    });
    entra_delete_group: "entra.replay.delete-group" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "DELETE" && r.path.contains("/Groups/")).then(no_content),
        ..hooks()
    });
    entra_delete_user: "entra.replay.delete-user" => "status", Breaker::Quirk(Quirk::SoftDelete);
    e2020_join: "entra-2020.replay.join" => "idp-requests", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("POST", "/Users") && r.body.get("meta").is_some()).then(|| bad("meta is read-only")),
        ..hooks()
    });
    e2020_update: "entra-2020.replay.update" => "name.givenName", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH"
            && let Some(ops) = r.body["Operations"].as_array_mut() {
                for op in ops { if let Some(v) = op["value"].as_object_mut() { v.retain(|k, _| !k.contains('.')); } }
            },
        ..hooks()
    });
    e2020_deactivate: "entra-2020.replay.deactivate" => "active", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "active" && first_op(r)["value"] == false).then(no_content),
        ..hooks()
    });
    e2020_reactivate: "entra-2020.replay.reactivate" => "active", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "active" && first_op(r)["value"] == true).then(no_content),
        ..hooks()
    });
    e2020_add_member: "entra-2020.replay.add-member" => "members", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "add" && first_op(r)["path"] == "members").then(no_content),
        ..hooks()
    });
    e2020_remove_member: "entra-2020.replay.remove-member" => "members", Breaker::Quirk(Quirk::IgnoreFilteredMemberRemoval);
    e2020_rename_group: "entra-2020.replay.rename-group" => "displayName", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "displayName").then(no_content),
        ..hooks()
    });
    e2020_delete_user: "entra-2020.replay.delete-user" => "status", Breaker::Quirk(Quirk::SoftDelete);
    rt_by_name: "rfc7644.discovery.resource-type-by-name" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "GET" && r.path.contains("/ResourceTypes/")).then(|| bad("not supported")),
        ..hooks()
    });
    no_message_schemas: "rfc7644.discovery.no-message-schemas" => "no-message-schemas", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Schemas") { a.body["Resources"].as_array_mut().unwrap().push(json!({"id": "urn:ietf:params:scim:api:messages:2.0:ListResponse"})); },
        ..hooks()
    });
    characteristics: "rfc7643.discovery.attribute-characteristics" => "characteristics", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.ends_with(":User") { a.body["attributes"][0]["mutability"] = "readwrite".into(); },
        ..hooks()
    });
    ignores_query: "rfc7644.discovery.ignores-query" => "ignored-or-403", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("GET", "/Schemas") && r.query.is_some()).then(|| bad("unknown parameter")),
        ..hooks()
    });
    search_type: "rfc7644.search.type" => "status", Breaker::Proxy(Hooks {
        intercept: |r| r.path.ends_with("/Users/.search").then(|| Resp::json(404, json!({"status": "404"}))),
        ..hooks()
    });
    search_schema: "rfc7644.search.needs-schema" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| if r.path.ends_with(".search") { r.body["schemas"] = json!(["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]); },
        ..hooks()
    });
    search_filter: "rfc7644.search.invalid-filter" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| if r.path.ends_with(".search") { r.body.as_object_mut().map(|o| o.remove("filter")); },
        ..hooks()
    });
    root_search: "rfc7644.search.root" => "spans-types", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.path.ends_with("/scim/v2/.search")
            && let Some(list) = a.body["Resources"].as_array_mut() { list.retain(|x| x["schemas"][0] != "urn:ietf:params:scim:schemas:core:2.0:Group"); },
        ..hooks()
    });
    ids_unique: "rfc7643.resource.ids-unique" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Groups/") && a.status == 404 { *a = Resp::json(200, json!({"id": "x"})); },
        ..hooks()
    });
    empty_unassigned: "rfc7643.resource.empty-is-unassigned" => "unassigned", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") { a.body["nickName"] = "null".into(); },
        ..hooks()
    });
    password_lists: "rfc7643.resource.password-not-listed" => "no-password", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") && let Some(l) = a.body["Resources"].as_array_mut() { for u in l { u["password"] = "x".into(); } },
        ..hooks()
    });
    id_always: "rfc7643.resource.id-always-returned" => "id-returned", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.starts_with("attributes=")) { a.body.as_object_mut().map(|o| o.remove("id")); },
        ..hooks()
    });
    member_ref: "rfc7643.resource.member-ref-resolves" => "ref-under-base", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Groups/")
            && let Some(m) = a.body["members"].as_array_mut() { for x in m { x["$ref"] = format!("{}-gone", x["$ref"].as_str().unwrap_or_default()).into(); } },
        ..hooks()
    });
    create_answer: "rfc7644.create.answer-is-stored" => "answer-equals-get", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Users") { a.body["title"] = "Something else".into(); },
        ..hooks()
    });
    sub_projection: "rfc7644.read.sub-attribute-projection" => "sub-attribute-only", Breaker::Proxy(Hooks {
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("name.givenName", "name"); },
        ..hooks()
    });
    paging_fields: "rfc7644.paging.fields-present" => "paging-fields", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") { a.body.as_object_mut().map(|o| o.remove("itemsPerPage")); },
        ..hooks()
    });
    boolean_ordering: "rfc7644.filter.boolean-ordering-400" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("active")) && a.status == 400 { empty_list(a) },
        ..hooks()
    });
    operator_case: "rfc7644.filter.operator-case" => "operator-case", Breaker::Proxy(Hooks {
        intercept: |r| r.query.as_deref().is_some_and(|q| q.contains("%20EQ%20")).then(|| bad("unknown operator EQ")),
        ..hooks()
    });
    attribute_case: "rfc7644.filter.operator-case" => "attribute-case", Breaker::Proxy(Hooks {
        intercept: |r| r.query.as_deref().is_some_and(|q| q.contains("USERNAME")).then(|| bad("unknown attribute USERNAME")),
        ..hooks()
    });
    escaped: "rfc7644.filter.escaped-values" => "status", Breaker::Proxy(Hooks {
        intercept: |r| r.query.as_deref().is_some_and(|q| q.contains("%5C")).then(|| bad("cannot parse escapes")),
        ..hooks()
    });
    group_by_member: "rfc7644.filter.group-by-member" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.is("GET", "/Groups") && r.query.as_deref().is_some_and(|q| q.contains("members"))).then(|| bad("members is not filterable")),
        ..hooks()
    });
    sub_attr_filter: "rfc7644.filter.sub-attribute" => "name.familyName-sw", Breaker::Proxy(Hooks {
        intercept: |r| r.query.as_deref().is_some_and(|q| q.contains("name.familyName")).then(|| bad("no sub-attributes in filters")),
        ..hooks()
    });
    put_read_only: "rfc7644.put.read-only-ignored" => "id-after-PUT", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PUT" && let Some(id) = r.body.get("id") { a.body["id"] = id.clone(); },
        ..hooks()
    });
    put_required: "rfc7644.put.missing-required-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body.get("userName").is_none()).then(|| Resp::json(200, r.body.clone())),
        ..hooks()
    });
    empty_ops: "rfc7644.patch.empty-operations-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"].as_array().is_some_and(Vec::is_empty)).then(no_content),
        ..hooks()
    });
    unknown_op: "rfc7644.patch.unknown-op-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "move").then(no_content),
        ..hooks()
    });
    add_pathless: "rfc7644.patch.add-pathless" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "add" && first_op(r).get("path").is_none()).then(|| bad("path required")),
        ..hooks()
    });
    noop_modified: "rfc7644.patch.noop-keeps-last-modified" => "last-modified-kept", Breaker::Proxy(Hooks {
        // A server that reports the time of the read as lastModified.
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/") {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            a.body["meta"]["lastModified"] = now.to_string().into();
        },
        ..hooks()
    });
    replace_unset: "rfc7644.patch.replace-unset" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "replace" && first_op(r)["path"] == "nickName").then(|| bad("noTarget")),
        ..hooks()
    });
    remove_all: "rfc7644.patch.remove-all-values" => "emptied", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH" && first_op(r)["path"] == "emails" && first_op(r)["op"] == "remove" {
            r.body["Operations"][0]["path"] = "emails[type eq \"home\"]".into();
        },
        ..hooks()
    });
    remove_required: "rfc7644.patch.remove-required-400" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "userName").then(no_content),
        ..hooks()
    });
    with_attributes: "rfc7644.patch.with-attributes" => "status", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PATCH" && r.query.is_some() { *a = no_content(); },
        ..hooks()
    });
    malformed_path: "rfc7644.patch.malformed-path-400" => "scimType", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PATCH" && a.status == 400 { a.body["scimType"] = "invalidValue".into(); },
        ..hooks()
    });
    null_clears: "rfc7643.patch.null-clears" => "cleared", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r).get("value").is_some_and(Value::is_null)).then(no_content),
        ..hooks()
    });
    many_members: "rfc7644.patch.many-members" => "members", Breaker::Proxy(Hooks {
        rewrite: |r| if r.method == "PATCH" && let Some(v) = r.body["Operations"][0]["value"].as_array_mut() { v.truncate(1); },
        ..hooks()
    });
    recreate: "rfc7644.delete.recreate" => "recreated", Breaker::Quirk(Quirk::SoftDelete);
    drops_membership: "rfc7643.delete.drops-membership" => "membership-dropped", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "DELETE" && r.path.contains("/Users/")).then(no_content),
        ..hooks()
    });
    bulk_shape: "rfc7644.bulk.response-shape" => "result-shape", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Bulk") && let Some(o) = a.body["Operations"].as_array_mut() { for x in o { x["status"] = x["status"].as_str().and_then(|s| s.parse::<u16>().ok()).into(); } },
        ..hooks()
    });
    bulk_circular: "rfc7644.bulk.circular" => "resolved-or-409", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/Bulk") && let Some(o) = a.body["Operations"].as_array_mut() { for x in o { if x["status"] == "409" { x["status"] = "500".into(); } } },
        ..hooks()
    });
    bulk_circular_unresolved: "rfc7644.bulk.circular" => "references-resolved", Breaker::Proxy(Hooks {
        // A server that answers 201 twice and drops the references.
        rewrite: |r| if r.is("POST", "/Bulk") && let Some(ops) = r.body["Operations"].as_array_mut() {
            for o in ops { o["data"].as_object_mut().map(|d| d.remove("members")); }
        },
        ..hooks()
    });
    me: "rfc7644.me.501" => "status", Breaker::Proxy(Hooks {
        intercept: |r| r.path.ends_with("/Me").then(|| Resp::json(404, json!({"status": "404"}))),
        ..hooks()
    });
    wrong_token: "rfc7644.auth.wrong-token-401" => "status", Breaker::Proxy(Hooks {
        rewrite: |r| for (k, v) in r.headers.iter_mut() { if k.eq_ignore_ascii_case("authorization") && v.contains("idpsim-wrong-token") { *v = format!("Bearer {PROOF_TOKEN}"); } },
        ..hooks()
    });
    etag_changes: "rfc7644.etag.changes" => "version-changes", Breaker::Quirk(Quirk::NoEtag);
    integer_paging: "okta.list.integer-paging" => "integer", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") { a.body["totalResults"] = a.body["totalResults"].to_string().into(); },
        ..hooks()
    });
    full_pages: "okta.list.full-pages" => "page-size", Breaker::Quirk(Quirk::PageCap);
    replace_members: "okta.groups.replace-members" => "status", Breaker::Quirk(Quirk::NoReplaceMembers);
    remove_and_add: "okta.groups.remove-and-add" => "members", Breaker::Quirk(Quirk::FirstOpOnly);
    pathless_deactivate: "okta.patch.pathless-deactivate" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0].get("path").is_none())
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "noTarget", "detail": "path required"}))),
        ..hooks()
    });
    rename_with_id: "okta.groups.rename-with-id" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0]["value"].get("id").is_some())
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "mutability", "detail": "id is read-only"}))),
        ..hooks()
    });
    string_bool: "entra.patch.capitalised-string-bool" => "status", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && r.body["Operations"][0]["op"] == "Replace")
            .then(|| Resp::json(400, json!({"status": "400", "scimType": "invalidSyntax", "detail": "unknown op Replace"}))),
        ..hooks()
    });
    legacy_removal: "entra.groups.legacy-member-removal" => "members", Breaker::Quirk(Quirk::LiteralMemberRemoval);
    test_connection: "entra.test-connection.empty-filter-200" => "status", Breaker::Quirk(Quirk::NotFoundOnEmptyList);
    round_trip: "entra.users.round-trip" => "round-trip", Breaker::Quirk(Quirk::DropsManager);
    add_replaces: "entra.patch.add-replaces-single" => "title", Breaker::Proxy(Hooks {
        // A server that takes add as "set if absent".
        intercept: |r| (r.method == "PATCH" && first_op(r)["op"] == "Add" && first_op(r)["path"] == "title").then(no_content),
        ..hooks()
    });
    parallel: "entra.groups.parallel-member-patches" => "no-lost-members", Breaker::Quirk(Quirk::RacyMemberPatch);
    list_totals_types: "rfc7644.discovery.list-totals" => "resource-types-total", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/ResourceTypes") { a.body.as_object_mut().map(|o| o.remove("totalResults")); },
        ..hooks()
    });
    list_totals_schemas: "rfc7644.discovery.list-totals" => "schemas-total", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Schemas") { a.body["totalResults"] = json!(1); },
        ..hooks()
    });
    rt_schemas: "rfc7643.discovery.resource-type-shape" => "resource-type-schemas", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/ResourceTypes") {
            for t in a.body["Resources"].as_array_mut().unwrap() { t.as_object_mut().unwrap().remove("schemas"); }
        },
        ..hooks()
    });
    rt_absolute: "rfc7643.discovery.resource-type-shape" => "endpoint-relative", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/ResourceTypes") {
            for t in a.body["Resources"].as_array_mut().unwrap() {
                t["endpoint"] = format!("https://scim.example.com/v2{}", t["endpoint"].as_str().unwrap()).into();
            }
        },
        ..hooks()
    });
    rt_serves: "rfc7643.discovery.resource-type-shape" => "endpoint-serves", Breaker::Proxy(Hooks {
        // Endpoints that do not lead to the resources.
        mutate: |r, a| if r.is("GET", "/ResourceTypes") {
            for t in a.body["Resources"].as_array_mut().unwrap() { t["endpoint"] = "/Nowhere".into(); }
        },
        ..hooks()
    });
    rt_extension: "rfc7643.discovery.resource-type-shape" => "extension-served", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Schemas") {
            a.body["Resources"].as_array_mut().unwrap().retain(|s| s["id"] != "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
        },
        ..hooks()
    });
    schema_schemas: "rfc7643.discovery.schema-shape" => "schema-schemas", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Schemas") {
            for s in a.body["Resources"].as_array_mut().unwrap() { s.as_object_mut().unwrap().remove("schemas"); }
        },
        ..hooks()
    });
    projected_schemas: "rfc7643.resource.schemas-with-attributes" => "schemas-returned", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "GET" && r.query.as_deref().is_some_and(|q| q.starts_with("attributes=")) {
            a.body.as_object_mut().map(|o| o.remove("schemas"));
        },
        ..hooks()
    });
    projected_list_id: "rfc7643.resource.schemas-with-attributes" => "id-returned", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") && r.query.as_deref().is_some_and(|q| q.contains("&attributes=")) {
            for x in a.body["Resources"].as_array_mut().unwrap() { x.as_object_mut().unwrap().remove("id"); }
        },
        ..hooks()
    });
    canonical_refused: "rfc7643.resource.canonical-types" => "accepted", Breaker::Proxy(Hooks {
        // A server that knows only some IM services.
        intercept: |r| (r.is("POST", "/Users") && r.body["ims"].as_array().is_some_and(|l| l.iter().any(|e| e["type"] == "qq")))
            .then(|| Resp::json(400, json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "invalidValue", "detail": "unknown ims type qq"}))),
        ..hooks()
    });
    canonical_dropped: "rfc7643.resource.canonical-types" => "type-kept", Breaker::Proxy(Hooks {
        // A server that ignores pagers.
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/")
            && let Some(l) = a.body["phoneNumbers"].as_array_mut() { l.retain(|e| e["type"] != "pager"); },
        ..hooks()
    });
    sort_first_value: "rfc7644.sort.multi-valued" => "order", Breaker::Proxy(Hooks {
        // A server that sorts by the first value, primary or not.
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("sortBy=emails.value"))
            && let Some(list) = a.body["Resources"].as_array_mut() {
                list.sort_by(|x, y| x["emails"][0]["value"].as_str().cmp(&y["emails"][0]["value"].as_str()));
            },
        ..hooks()
    });
    schemas_stale: "rfc7644.patch.schemas-follow" => "implicit-add", Breaker::Proxy(Hooks {
        // A server that keeps schemas as the resource was created.
        mutate: |r, a| if r.method == "GET" && r.path.contains("/Users/")
            && let Some(l) = a.body["schemas"].as_array_mut() { l.retain(|u| u == "urn:ietf:params:scim:schemas:core:2.0:User"); },
        ..hooks()
    });
    schemas_unordered: "rfc7644.patch.schemas-follow" => "sequential", Breaker::Proxy(Hooks {
        // A server that applies operations in some other order.
        rewrite: |r| if r.method == "PATCH" && let Some(ops) = r.body["Operations"].as_array_mut() { ops.reverse(); },
        ..hooks()
    });
    walk_shifted: "rfc7644.paging.walk" => "each-once", Breaker::Proxy(Hooks {
        // A server whose indexes moved by one under the writes between pages.
        rewrite: |r| if let Some(q) = &mut r.query { *q = q.replace("&startIndex=3&", "&startIndex=2&"); },
        ..hooks()
    });
    walk_total: "rfc7644.paging.walk" => "stable-total", Breaker::Proxy(Hooks {
        // A server that counts the writes beside the walk.
        mutate: |r, a| if r.query.as_deref().is_some_and(|q| q.contains("&startIndex=3&")) { a.body["totalResults"] = json!(8); },
        ..hooks()
    });
    required_ext_optional: "rfc7643.create.required-extension" => "refused", Breaker::Proxy(Hooks {
        // A server that fills in the extension instead of requiring it.
        rewrite: |r| if r.is("POST", "/ServiceAccounts") && r.body.get(SERVICE_ACCOUNT).is_none() {
            r.body[SERVICE_ACCOUNT] = json!({"owner": "filled-in@example.com"});
        },
        ..hooks()
    });
    required_ext_unlisted: "rfc7643.create.required-extension" => "extension-listed", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("POST", "/ServiceAccounts") && a.status == 201 {
            a.body["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
        },
        ..hooks()
    });
    immutable_ignored: "rfc7644.put.immutable-400" => "status", Breaker::Proxy(Hooks {
        // A server that keeps the value but says nothing of the change.
        rewrite: |r| if r.method == "PUT" && let Some(e) = r.body[SERVICE_ACCOUNT].as_object_mut() { e.remove("credentialType"); },
        ..hooks()
    });
    immutable_wrong_type: "rfc7644.put.immutable-400" => "scimType", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PUT" && a.status == 400 { a.body["scimType"] = "invalidValue".into(); },
        ..hooks()
    });
    immutable_changed: "rfc7643.put.immutable-kept" => "unchanged", Breaker::Proxy(Hooks {
        // A server that applied the change.
        mutate: |r, a| if r.method == "GET" && r.path.contains("/ServiceAccounts/") { a.body[SERVICE_ACCOUNT]["credentialType"] = "oauthClient".into(); },
        ..hooks()
    });
    immutable_same_refused: "rfc7643.put.immutable-kept" => "same-value-accepted", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT").then(|| Resp::json(400, json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "mutability", "detail": "credentialType is immutable"}))),
        ..hooks()
    });
    password_put: "rfc7643.users.change-password" => "put-change-accepted", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PUT" && r.body.get("password").is_some()).then(|| bad("password changes are not supported")),
        ..hooks()
    });
    password_patch: "rfc7643.users.change-password" => "patch-change-accepted", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "PATCH" && first_op(r)["path"] == "password").then(|| bad("password changes are not supported")),
        ..hooks()
    });
    password_echoed: "rfc7643.users.change-password" => "no-password", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.method == "PUT" && a.status == 200 { a.body["password"] = r.body["password"].clone(); },
        ..hooks()
    });
    dotted: "entra.patch.dotted-pathless-replace" => "name.givenName", Breaker::Proxy(Hooks {
        // A server that applies the value object literally and drops what it cannot place.
        rewrite: |r| if r.method == "PATCH"
            && let Some(v) = r.body["Operations"][0]["value"].as_object_mut() { v.retain(|k, _| !k.contains('.') && !k.contains(':')); },
        ..hooks()
    });
}

/// A server that declares nothing: it answers /Schemas and /ResourceTypes
/// 404, so the checks assume RFC 7643's schemas (title, nickName). Behind
/// it, the `minimal-schema` quirk drops those silently.
fn hide_schemas() -> Hooks {
    Hooks {
        intercept: |r| {
            (r.path.contains("/Schemas") || r.path.contains("/ResourceTypes"))
                .then(|| Resp::json(404, json!({"status": "404"})))
        },
        ..hooks()
    }
}

fn drops_titles() -> Breaker {
    Breaker::Both(Quirk::MinimalSchema, hide_schemas())
}

/// A server that keeps only the last member a new group is created with.
fn keeps_last_member() -> Breaker {
    Breaker::Proxy(Hooks {
        rewrite: |r| {
            if r.is("POST", "/Groups")
                && let Some(m) = r.body["members"].as_array_mut()
                && m.len() > 1
            {
                m.drain(..m.len() - 1);
            }
        },
        ..hooks()
    })
}

macro_rules! precondition_proofs {
    ($($name:ident: $id:literal, $breaker:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                prove_precondition($id, $breaker).await;
            }
        )*
    };
}

// A removal, exclusion or replacement judged only afterwards would pass
// against a target that never held what is removed: each check reads it
// back first.
precondition_proofs! {
    removed_title_never_stored: "rfc7644.patch.remove-single", drops_titles();
    excluded_title_never_stored: "rfc7644.read.excluded-attributes", drops_titles();
    omitted_nickname_never_stored: "rfc7644.put.replaces", drops_titles();
    nulled_nickname_never_stored: "rfc7643.patch.null-clears", drops_titles();
    atomic_title_never_stored: "rfc7644.patch.atomic", drops_titles();
    if_match_title_never_stored: "rfc7644.etag.if-match-412", drops_titles();
    noop_title_never_stored: "rfc7644.patch.noop-keeps-last-modified", drops_titles();
    untouched_title_never_stored: "rfc7644.patch.add-pathless", drops_titles();
    removed_member_never_held: "rfc7644.patch.remove-member-filter", keeps_last_member();
    dropped_member_never_held: "rfc7643.delete.drops-membership", keeps_last_member();
    entra_removed_member_never_held: "entra.groups.legacy-member-removal", keeps_last_member();
    okta_removed_member_never_added: "okta.replay.remove-member", Breaker::Proxy(Hooks {
        // A server that answers member adds and keeps none.
        intercept: |r| (r.method == "PATCH" && r.path.contains("/Groups/")
            && r.body["Operations"].as_array().is_some_and(|ops| ops.iter().any(|o| o["op"].as_str().is_some_and(|op| op.eq_ignore_ascii_case("add")) && o["path"] == "members")))
            .then(no_content),
        ..hooks()
    });
    home_email_never_stored: "rfc7644.patch.replace-value-path", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") && let Some(e) = r.body["emails"].as_array_mut() { e.truncate(1); },
        ..hooks()
    });
    emails_never_stored: "rfc7644.patch.remove-all-values", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") && let Some(e) = r.body["emails"].as_array_mut() { e.truncate(1); },
        ..hooks()
    });
    okta_never_active: "okta.patch.pathless-deactivate", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") { r.body["active"] = false.into(); },
        ..hooks()
    });
    entra_never_active: "entra.patch.capitalised-string-bool", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") { r.body["active"] = false.into(); },
        ..hooks()
    });
    okta_replay_never_active: "okta.replay.deactivate", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") { r.body["active"] = false.into(); },
        ..hooks()
    });
    deleted_never_listed: "rfc7644.list.deleted-absent", Breaker::Proxy(Hooks {
        mutate: |r, a| if r.is("GET", "/Users") && r.query.as_deref().is_some_and(|q| q.contains("filter=")) { empty_list(a) },
        ..hooks()
    });
    deleted_never_found: "rfc7644.delete.204-then-404", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "GET" && r.path.contains("/Users/")).then(|| Resp::json(404, json!({"status": "404"}))),
        ..hooks()
    });
    okta_deleted_group_never_found: "okta.replay.delete-group", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "GET" && r.path.contains("/Groups/")).then(|| Resp::json(404, json!({"status": "404"}))),
        ..hooks()
    });
    entra_deleted_user_never_found: "entra.replay.delete-user", Breaker::Proxy(Hooks {
        intercept: |r| (r.method == "GET" && r.path.contains("/Users/")).then(|| Resp::json(404, json!({"status": "404"}))),
        ..hooks()
    });
    family_name_never_stored: "rfc7644.read.sub-attribute-projection", Breaker::Proxy(Hooks {
        rewrite: |r| if r.is("POST", "/Users") { r.body["name"].as_object_mut().map(|n| n.remove("familyName")); },
        ..hooks()
    });
}

/// A setup POST answered 500 is a failed precondition, reported as such:
/// not as the PATCH the check is about, and without the claim that the
/// advertised PATCH support is broken.
#[tokio::test]
async fn a_failed_setup_is_a_precondition_not_the_subject() {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let hooks = Hooks {
        intercept: |r| {
            r.is("POST", "/Users")
                .then(|| Resp::json(500, json!({"status": "500"})))
        },
        ..hooks()
    };
    let target = Target {
        base_url: format!(
            "{}{}",
            proxy::start(sp.origin(), hooks).await,
            idpsim_reference_sp::SCIM_PREFIX
        ),
        token: Some(sp.token().to_owned()),
    };
    let check = checks::all()
        .into_iter()
        .find(|c| c.id == "rfc7644.patch.replace-path")
        .unwrap();
    let caps = Arc::new(runner::discover(&target, &Options::default()).await);
    assert!(
        caps.gate(idpsim_conformance::check::Capability::Patch)
            .is_ok()
    );
    let o = runner::run_one(
        check,
        &target,
        caps,
        "idpsim-proof",
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(o.verdict, Verdict::Fail);
    assert!(o.precondition, "{o:?}");
    assert_eq!(o.rule.as_deref(), Some("status"));
    assert_eq!(o.message, None, "no PATCH was sent: {o:?}");
    let console = idpsim_conformance::report::console(
        &runner::Report {
            schema_version: 1,
            tool: "idpsim",
            target: String::new(),
            started: String::new(),
            millis: 0,
            capabilities: vec![],
            notes: vec![],
            outcomes: vec![o],
        },
        false,
    );
    assert!(
        console.contains("precondition not met [status]"),
        "{console}"
    );
    assert!(!console.contains("rule: status"), "{console}");
}

/// A PATCH that is what failed still says the advertised support is broken.
#[tokio::test]
async fn a_failed_patch_names_the_advertised_support() {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let hooks = Hooks {
        intercept: |r| (r.method == "PATCH").then(|| bad("no PATCH here")),
        ..hooks()
    };
    let target = Target {
        base_url: format!(
            "{}{}",
            proxy::start(sp.origin(), hooks).await,
            idpsim_reference_sp::SCIM_PREFIX
        ),
        token: Some(sp.token().to_owned()),
    };
    let check = checks::all()
        .into_iter()
        .find(|c| c.id == "rfc7644.patch.replace-path")
        .unwrap();
    let caps = Arc::new(runner::discover(&target, &Options::default()).await);
    let o = runner::run_one(
        check,
        &target,
        caps,
        "idpsim-proof",
        Duration::from_secs(20),
    )
    .await;
    assert_eq!((o.verdict, o.precondition), (Verdict::Fail, false));
    assert!(
        o.message
            .as_deref()
            .is_some_and(|m| m.contains("patch is supported")),
        "{o:?}"
    );
}

#[test]
fn every_check_has_a_proof() {
    let missing: Vec<&str> = checks::all()
        .iter()
        .map(|c| c.id)
        .filter(|id| !PROVEN.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "checks without a proof that they can fail: {missing:?}"
    );
    let mut ids: Vec<&str> = checks::all().iter().map(|c| c.id).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "check ids are unique");
    let readme = include_str!("../README.md");
    let unlisted: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !readme.contains(&format!("`{id}`")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "conformance/README.md does not list {unlisted:?}"
    );
}

/// The counts READMEs print are the registry's (conformance/scripts/checks-table.py
/// writes them; this fails when someone adds a check or a scenario and forgets).
#[test]
fn readme_counts_are_the_registry_s() {
    let all = checks::all();
    let in_suite = |s: Suite| all.iter().filter(|c| c.suite == s).count();
    let counts = format!(
        "{} checks: {} in the `rfc` suite, {} in `okta` (with the okta-aiw replays), {} in `entra` (with the entra-2020 replays).",
        all.len(),
        in_suite(Suite::Rfc),
        in_suite(Suite::Okta),
        in_suite(Suite::Entra),
    );
    let run_script = "run `cargo build && python3 conformance/scripts/checks-table.py`";
    assert!(
        include_str!("../README.md").contains(&counts),
        "conformance/README.md should say {counts:?}: {run_script}"
    );
    let main = include_str!("../../README.md");
    let checks = format!("| {} checks of the catalogue", all.len());
    assert!(
        main.contains(&checks),
        "README.md should say {checks:?}: {run_script}"
    );
    let scenarios = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    let scenarios = format!("| {scenarios} scenarios |");
    assert!(
        main.contains(&scenarios),
        "README.md should say {scenarios:?}: {run_script}"
    );
}
