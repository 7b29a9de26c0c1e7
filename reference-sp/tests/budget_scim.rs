//! What one SCIM request costs in memory, counted by a global allocator
//! through the functions the HTTP handlers call (the handlers only read
//! the body and write the answer around them).
//!
//! Each test runs an input of size n and of size 4n and checks that the
//! bytes allocated grow at most linearly (at most 5x for 4x the input,
//! which leaves room for a constant but not for a quadratic term), and that
//! the largest input stays under the per-request budget of 64 MiB.
//!
//! The counters are per thread, so tests running in parallel do not see
//! each other's allocations; everything measured runs on the test's thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use idpsim_reference_sp::store::Kind;
use idpsim_reference_sp::tenant::{Actor, ListQuery, Tenant};
use idpsim_reference_sp::{Config, TenantRules};
use idpsim_scim::message::{BulkRequest, SearchRequest};
use idpsim_scim::patch::PatchRequest;
use idpsim_scim::schema::ResourceSchema;
use serde_json::{Value, json};

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn grew(n: usize) {
    let _ = LIVE.try_with(|l| {
        let now = l.get() + n;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
    let _ = TOTAL.try_with(|t| t.set(t.get() + n));
}

fn shrank(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

// SAFETY: every call goes straight to the system allocator; the counters
// are const-initialised thread-locals of `Cell<usize>`, which never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        shrank(layout.size());
        grew(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// What running `f` cost on this thread.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Bytes allocated in all.
    total: usize,
    /// The most bytes live at once above what was live before.
    peak: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let start_live = LIVE.with(Cell::get);
    let start_total = TOTAL.with(Cell::get);
    PEAK.with(|p| p.set(start_live));
    let out = f();
    let cost = Cost {
        total: TOTAL.with(Cell::get) - start_total,
        peak: PEAK.with(Cell::get).saturating_sub(start_live),
    };
    (out, cost)
}

const BUDGET: usize = 64 * 1024 * 1024;

/// `big` is the cost of 4x the input of `small`.
fn assert_linear(what: &str, small: Cost, big: Cost) {
    eprintln!("{what}: n {small:?}, 4n {big:?}");
    // 64 KiB of slack for what does not depend on the input at all.
    let slack = 64 * 1024;
    assert!(
        big.total <= 5 * small.total + slack,
        "{what}: allocated {} bytes for n, {} for 4n",
        small.total,
        big.total
    );
    assert!(
        big.peak <= 5 * small.peak + slack,
        "{what}: peak {} bytes for n, {} for 4n",
        small.peak,
        big.peak
    );
    assert!(
        big.peak <= BUDGET,
        "{what}: peak {} bytes is over the budget",
        big.peak
    );
}

fn tenant() -> Tenant {
    let config = Config {
        tenant: TenantRules {
            seat_limit: None,
            primary_owner: None,
            ..Default::default()
        },
        ..Default::default()
    };
    Tenant::new(config, "http://sp.test/scim/v2".into())
}

fn user_body(i: usize) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
           "userName": format!("user{i}@example.com"), "externalId": format!("ext-{i}"),
           "name": {"givenName": format!("Given{i}"), "familyName": "Family"},
           "displayName": format!("User {i}"), "active": true,
           "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}]})
}

fn users(t: &Tenant, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            t.create(Kind::User, user_body(i), Actor::Scim)
                .unwrap()
                .body["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn patch_request(ops: Vec<Value>) -> PatchRequest {
    PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
    )
    .unwrap()
}

/// PATCH with many operations on one user: cost grows with the operations.
#[test]
fn patch_cost_is_linear_in_operations() {
    let run = |n: usize| {
        let t = tenant();
        let id = users(&t, 1).remove(0);
        let ops: Vec<Value> = (0..n)
            .map(|i| match i % 3 {
                0 => json!({"op": "replace", "path": "title", "value": format!("title {i}")}),
                1 => json!({"op": "add", "path": "emails[type eq \"work\"].display",
                            "value": format!("work {i}")}),
                _ => json!({"op": "replace", "value": {"name.givenName": format!("G{i}")}}),
            })
            .collect();
        let req = patch_request(ops);
        let (r, cost) = measure(|| t.patch(Kind::User, &id, req, None));
        r.unwrap();
        cost
    };
    assert_linear("PATCH n operations", run(250), run(1000));
}

/// One operation on a big user: cost grows with the user's size.
#[test]
fn patch_cost_is_linear_in_resource_size() {
    let run = |n: usize| {
        let t = tenant();
        let mut body = user_body(0);
        body["entitlements"] = (0..n)
            .map(|i| json!({"value": format!("entitlement-{i:04}-{}", "x".repeat(40))}))
            .collect();
        let id = t.create(Kind::User, body, Actor::Scim).unwrap().body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let req = patch_request(vec![
            json!({"op": "replace", "path": "entitlements[value sw \"entitlement-0001\"].display", "value": "one"}),
        ]);
        let (r, cost) = measure(|| t.patch(Kind::User, &id, req, None));
        r.unwrap();
        cost
    };
    assert_linear("PATCH on a user of n entitlements", run(25), run(100));
}

/// Removing a listed half of a group's members: a member costs tens of
/// bytes of work, not a JSON object of its own.
#[test]
fn member_removal_by_list_is_linear_and_small() {
    let run = |n: usize| {
        let t = tenant();
        let ids = users(&t, n);
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        let gid = t
            .create(
                Kind::Group,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                       "displayName": "all", "members": members}),
                Actor::Scim,
            )
            .unwrap()
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let listed: Vec<Value> = ids
            .iter()
            .step_by(2)
            .map(|id| json!({"value": id}))
            .collect();
        let req = patch_request(vec![
            json!({"op": "remove", "path": "members", "value": listed}),
            json!({"op": "replace", "path": "displayName", "value": "half"}),
        ]);
        let (r, cost) = measure(|| t.patch_minimal(Kind::Group, &gid, req, None));
        r.unwrap();
        cost
    };
    let (small, big) = (run(500), run(2000));
    assert_linear("PATCH remove n/2 listed members", small, big);
    // The listed ids themselves are in the request; what the PATCH adds
    // per member must stay far below a rendered JSON member (~1 KB).
    assert!(
        big.peak / 2000 < 300,
        "{} bytes per member at peak",
        big.peak / 2000
    );
}

/// Filters: many terms, long literals, on a directory scan.
#[test]
fn filter_cost_is_linear_in_its_size() {
    let t = tenant();
    users(&t, 200);
    let run = |f: String| {
        let (r, cost) = measure(|| {
            let q = ListQuery::parse(
                ResourceSchema::user(),
                &SearchRequest {
                    filter: Some(f),
                    ..Default::default()
                },
                1000,
            )?;
            t.list(Kind::User, &q)
        });
        r.unwrap();
        cost
    };
    let terms = |n: usize| {
        (0..n)
            .map(|i| format!("emails co \"Nomatch{i}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    assert_linear("filter of n terms", run(terms(250)), run(terms(1000)));
    // A long literal is folded once, not once per user.
    let literal = |n: usize| format!("displayName co \"{}\"", "AB".repeat(n / 2));
    let big = run(literal(64 * 1024));
    assert_linear(
        "filter with an n-byte literal",
        run(literal(16 * 1024)),
        big,
    );
    // Parsing, checking and folding copy the literal a few times; reading
    // a user costs a few kilobytes. Folding the literal per user (200 x
    // 64 KiB) would not fit.
    assert!(
        big.total < 16 * 64 * 1024 + 200 * 8 * 1024,
        "{} bytes allocated",
        big.total
    );
}

/// `POST /.search` at the root renders the page, not every match.
#[test]
fn root_search_renders_only_the_page() {
    let run = |n: usize| {
        let t = tenant();
        users(&t, n);
        let req = SearchRequest {
            filter: Some("userName sw \"user\"".into()),
            count: Some(10),
            ..Default::default()
        };
        let (r, cost) = measure(|| t.search_root(&req));
        assert_eq!(r.unwrap().total_results, n as u64);
        cost
    };
    let (small, big) = (run(500), run(2000));
    assert_linear("root search over n users", small, big);
    assert!(
        big.peak / 2000 < 200,
        "{} bytes per matching user at peak",
        big.peak / 2000
    );
}

/// Bulk: n POSTs chained backwards by bulkId, the worst order for
/// resolution (each pass of the old engine resolved one).
#[test]
fn bulk_cost_is_linear_in_operations() {
    let run = |n: usize| {
        let t = tenant();
        let ops: Vec<Value> = (0..n)
            .map(|i| {
                let mut data = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                      "displayName": format!("g{i}")});
                if i + 1 < n {
                    data["members"] = json!([{"value": format!("bulkId:b{}", i + 1), "type": "Group"}]);
                }
                json!({"method": "POST", "path": "/Groups", "bulkId": format!("b{i}"), "data": data})
            })
            .collect();
        let req: BulkRequest = serde_json::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}))
        .unwrap();
        let (results, cost) = measure(|| idpsim_reference_sp::bulk::run(&t, req));
        assert!(results.iter().all(|r| r.status == "201"), "{results:?}");
        cost
    };
    assert_linear("Bulk of n chained POSTs", run(100), run(400));
}

/// A Bulk of member PATCHes on one group: each adds or removes one
/// member, so what it costs must not grow with the group (a copy of the
/// member set or a rendered group per operation would).
#[test]
fn bulk_member_patches_cost_what_they_change() {
    let run = |m: usize| {
        let t = tenant();
        let ids = users(&t, m + 100);
        let members: Vec<Value> = ids[..m].iter().map(|id| json!({"value": id})).collect();
        let gid = t
            .create(
                Kind::Group,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                       "displayName": "big", "members": members}),
                Actor::Scim,
            )
            .unwrap()
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let ops: Vec<Value> = (0..100)
            .map(|i| {
                json!({"method": "PATCH", "path": format!("/Groups/{gid}"), "data": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[m + i]}]}]}})
            })
            .collect();
        let req: BulkRequest = serde_json::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}))
        .unwrap();
        let (results, cost) = measure(|| idpsim_reference_sp::bulk::run(&t, req));
        assert!(results.iter().all(|r| r.status == "200"), "{results:?}");
        cost
    };
    let (small, big) = (run(1000), run(4000));
    eprintln!("Bulk of 100 member adds on m members: m {small:?}, 4m {big:?}");
    assert!(
        big.total <= small.total + small.total / 2 + 64 * 1024,
        "allocated {} bytes on 1,000 members, {} on 4,000",
        small.total,
        big.total
    );
}

/// The largest inputs the limits allow, each under the 64 MiB budget.
#[test]
fn the_worst_requests_fit_the_budget() {
    let t = tenant();
    let ids = users(&t, idpsim_reference_sp::tenant::MAX_MEMBERS);
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let gid = t
        .create(
            Kind::Group,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "everyone", "members": members}),
            Actor::Scim,
        )
        .unwrap()
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut report = Vec::new();
    // A full group rendered, as GET answers it.
    let (r, cost) = measure(|| {
        t.get(
            Kind::Group,
            &gid,
            &idpsim_scim::projection::Projection::Default,
        )
    });
    r.unwrap();
    report.push(("GET a group of MAX_MEMBERS", cost));
    // A member change only the JSON engine takes, on the largest group.
    let req = patch_request(vec![
        json!({"op": "remove", "path": "members[type eq \"Group\"]"}),
        json!({"op": "add", "path": "members", "value": [{"value": ids[0]}]}),
    ]);
    let (r, cost) = measure(|| t.patch(Kind::Group, &gid, req, None));
    r.unwrap();
    report.push(("PATCH members[type eq] on MAX_MEMBERS", cost));
    // A thousand value-filter operations on a user at the value bound.
    let mut body = user_body(999_999);
    body["emails"] = (0..100)
        .map(|i| json!({"value": format!("e{i}@example.com"), "type": "work"}))
        .collect();
    let uid = t.create(Kind::User, body, Actor::Scim).unwrap().body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ops: Vec<Value> = (0..1000)
        .map(|i| json!({"op": "replace", "path": "emails[type eq \"work\" and value co \"@example\"].display", "value": format!("d{i}")}))
        .collect();
    let (r, cost) = measure(|| t.patch(Kind::User, &uid, patch_request(ops), None));
    r.unwrap();
    report.push(("PATCH 1000 value-filter ops x 100 emails", cost));
    // The most terms a scan of this directory may take, and one more.
    let most = idpsim_reference_sp::tenant::MAX_FILTER_WORK / (ids.len() + 1)
        - idpsim_reference_sp::tenant::FILTER_WORK_PER_RESOURCE;
    let chain = |n: usize| {
        (0..n)
            .map(|i| format!("emails.value co \"Nomatch{i}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let over = ListQuery::parse(
        ResourceSchema::user(),
        &SearchRequest {
            filter: Some(chain(most + 1)),
            ..Default::default()
        },
        1000,
    )
    .unwrap();
    let e = t.list(Kind::User, &over).unwrap_err();
    assert_eq!(
        (e.status, e.scim_type.map(|t| t.as_str())),
        (400, Some("tooMany"))
    );
    let f = chain(most);
    let (r, cost) = measure(|| {
        let q = ListQuery::parse(
            ResourceSchema::user(),
            &SearchRequest {
                filter: Some(f),
                count: Some(1000),
                ..Default::default()
            },
            1000,
        )?;
        t.list(Kind::User, &q)
    });
    r.unwrap();
    report.push(("filter of MAX_FILTER_WORK / users terms", cost));
    // Bulk of maxOperations creates, about maxPayloadSize.
    let ops: Vec<Value> = (0..1000)
        .map(|i| {
            let mut u = user_body(100_000 + i);
            u["title"] = json!("t".repeat(700));
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": u})
        })
        .collect();
    let req: BulkRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}))
    .unwrap();
    let (results, cost) = measure(|| idpsim_reference_sp::bulk::run(&t, req));
    assert!(results.iter().all(|r| r.status == "201"));
    report.push(("Bulk of 1000 POSTs", cost));
    for (what, cost) in &report {
        eprintln!("{what}: {cost:?}");
    }
    for (what, cost) in report {
        assert!(cost.peak <= BUDGET, "{what}: peak {} bytes", cost.peak);
    }
}
