//! CPU time of the worst SCIM requests the limits allow, in process
//! (through the functions the HTTP handlers call, on a blocking thread in
//! the server). Each should stay under the 250 ms one request may cost.
//! The directory has IDPSIM_BENCH_USERS users (default and at least
//! MAX_MEMBERS, 20,000).
//!
//! Measured as the benchmark thread's CPU time (Linux schedstat), not wall
//! time: the machine is shared, and wall time counts the waits for a core.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use idpsim_reference_sp::store::Kind;
use idpsim_reference_sp::tenant::{
    Actor, FILTER_WORK_PER_RESOURCE, ListQuery, MAX_FILTER_WORK, MAX_MEMBERS, Tenant,
};
use idpsim_reference_sp::{Config, TenantRules};
use idpsim_scim::message::{BulkRequest, SearchRequest};
use idpsim_scim::patch::PatchRequest;
use idpsim_scim::schema::ResourceSchema;
use serde_json::{Value, json};

/// CPU time this thread has run, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("Linux with schedstat: /proc/thread-self/schedstat");
    stat.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("schedstat starts with the time on CPU in ns")
}

/// Criterion's measurement of the benchmark thread's CPU time.
struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e3, "µs cpu")
        } else if typical < 1e9 {
            (1e6, "ms cpu")
        } else {
            (1e9, "s cpu")
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _: f64, _: &Throughput, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v = 0.0);
        "(no throughput)"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
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

fn users(t: &Tenant, from: usize, n: usize) -> Vec<String> {
    (from..from + n)
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

fn search(filter: String, count: i64) -> SearchRequest {
    SearchRequest {
        filter: Some(filter),
        count: Some(count),
        ..Default::default()
    }
}

fn worst(c: &mut Criterion<ThreadCpu>) {
    let n: usize = std::env::var("IDPSIM_BENCH_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(MAX_MEMBERS);
    let mut g = c.benchmark_group("budget");
    g.sample_size(10);

    let t = tenant();
    let ids = users(&t, 0, n.max(MAX_MEMBERS));
    let n = ids.len();

    // Filters over the whole directory: the longest `or` chain the grammar
    // takes, a 64 KiB literal, and deep nesting.
    // The longest `or` chain a scan of this directory may take.
    let most = MAX_FILTER_WORK / ids.len() - FILTER_WORK_PER_RESOURCE;
    let terms = (0..most)
        .map(|i| format!("emails.value co \"Nomatch{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let literal = format!("displayName co \"{}\"", "AB".repeat(32 * 1024));
    let nested = format!(
        "{}userName sw \"user1\"{}",
        "not (not (".repeat(31),
        "))".repeat(31)
    );
    for (name, f) in [
        ("filter-most-terms", terms),
        ("filter-64KiB-literal", literal),
        ("filter-nested-62", nested),
    ] {
        g.bench_function(format!("{name}/{n}-users"), |b| {
            b.iter(|| {
                let q = ListQuery::parse(ResourceSchema::user(), &search(f.clone(), 1000), 1000)
                    .unwrap();
                black_box(t.list(Kind::User, &q).unwrap())
            })
        });
    }
    g.bench_function(format!("root-search-page-10/{n}-users"), |b| {
        let req = search("userName sw \"user\"".into(), 10);
        b.iter(|| black_box(t.search_root(&req).unwrap()))
    });

    // PATCH: a thousand value-filter operations on a user at the value bound.
    let mut body = user_body(usize::MAX);
    body["emails"] = (0..100)
        .map(|i| json!({"value": format!("e{i}@example.com"), "type": "work"}))
        .collect();
    let uid = t.create(Kind::User, body, Actor::Scim).unwrap().body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    g.bench_function("patch-1000-value-filter-ops-100-emails", |b| {
        let mut round = 0;
        b.iter_batched(
            || {
                round += 1;
                patch_request(
                    (0..1000)
                        .map(|i| {
                            json!({"op": "replace",
                            "path": "emails[type eq \"work\" and value co \"@example\"].display",
                            "value": format!("d{round}-{i}")})
                        })
                        .collect(),
                )
            },
            |req| black_box(t.patch(Kind::User, &uid, req, None).unwrap()),
            BatchSize::PerIteration,
        )
    });

    // Group members at the cap: remove half by list then add them back,
    // answered minimal, as Okta and Entra batch them.
    let members: Vec<Value> = ids[..MAX_MEMBERS]
        .iter()
        .map(|id| json!({"value": id}))
        .collect();
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
    let half: Vec<Value> = ids[..MAX_MEMBERS / 2]
        .iter()
        .map(|id| json!({"value": id}))
        .collect();
    g.bench_function(format!("patch-remove-{}-listed-members", half.len()), |b| {
        b.iter_batched(
            || {
                (
                    patch_request(vec![
                        json!({"op": "remove", "path": "members", "value": half}),
                    ]),
                    patch_request(vec![json!({"op": "add", "path": "members", "value": half})]),
                )
            },
            |(remove, add)| {
                t.patch_minimal(Kind::Group, &gid, remove, None).unwrap();
                black_box(t.patch_minimal(Kind::Group, &gid, add, None).unwrap())
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("get-group-of-max-members", |b| {
        b.iter(|| {
            black_box(
                t.get(
                    Kind::Group,
                    &gid,
                    &idpsim_scim::projection::Projection::Default,
                )
                .unwrap(),
            )
        })
    });
    g.bench_function("patch-members-type-eq-on-max-members", |b| {
        b.iter_batched(
            || {
                patch_request(vec![
                    json!({"op": "remove", "path": "members[type eq \"Group\"]"}),
                    json!({"op": "replace", "path": "displayName", "value": "everyone"}),
                ])
            },
            |req| black_box(t.patch_minimal(Kind::Group, &gid, req, None).unwrap()),
            BatchSize::PerIteration,
        )
    });

    // Bulk: a thousand member PATCHes on the group at the cap, each
    // removing one member, then the same thousand adding them back.
    let one_by_one = |op: &str| -> BulkRequest {
        serde_json::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": ids[..1000].iter().map(|id| json!({
                "method": "PATCH", "path": format!("/Groups/{gid}"), "data": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": op, "path": "members", "value": [{"value": id}]}]}}))
                .collect::<Vec<_>>()}))
        .unwrap()
    };
    let (removes, adds) = (one_by_one("remove"), one_by_one("add"));
    g.bench_function("bulk-2x1000-member-patches-on-max-members", |b| {
        b.iter_batched(
            || (removes.clone(), adds.clone()),
            |(r, a)| {
                idpsim_reference_sp::bulk::run(&t, r);
                black_box(idpsim_reference_sp::bulk::run(&t, a))
            },
            BatchSize::PerIteration,
        )
    });

    // Bulk: a thousand POSTs chained backwards by bulkId (each a group
    // naming the next), and a thousand user POSTs near maxPayloadSize.
    let chain: BulkRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": (0..1000).map(|i| {
            let mut data = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                  "displayName": format!("g{i}")});
            if i + 1 < 1000 {
                data["members"] = json!([{"value": format!("bulkId:b{}", i + 1), "type": "Group"}]);
            }
            json!({"method": "POST", "path": "/Groups", "bulkId": format!("b{i}"), "data": data})
        }).collect::<Vec<_>>()}))
    .unwrap();
    g.bench_function("bulk-1000-chained-backwards", |b| {
        b.iter_batched(
            || (tenant(), chain.clone()),
            |(t, req)| black_box(idpsim_reference_sp::bulk::run(&t, req)),
            BatchSize::PerIteration,
        )
    });
    let creates: BulkRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": (0..1000).map(|i| {
            let mut u = user_body(i);
            u["title"] = json!("t".repeat(700));
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": u})
        }).collect::<Vec<_>>()}))
    .unwrap();
    g.bench_function("bulk-1000-user-posts-1MiB", |b| {
        b.iter_batched(
            || (tenant(), creates.clone()),
            |(t, req)| black_box(idpsim_reference_sp::bulk::run(&t, req)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = worst
}
criterion_main!(benches);
