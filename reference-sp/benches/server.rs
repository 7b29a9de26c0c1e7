//! The reference SP's indexed lookup and paging, over HTTP and in process,
//! at 1k and 1M users (override with IDPSIM_BENCH_SIZES=1000,100000).
//! The ratio of the 1M figure to the 1k figure is what matters: indexed
//! equality and a page at any offset should not grow with the directory.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use idpsim_reference_sp::store::Kind;
use idpsim_reference_sp::tenant::{Actor, ListQuery};
use idpsim_reference_sp::{Config, TenantRules};
use idpsim_scim::message::SearchRequest;
use idpsim_scim::schema::ResourceSchema;
use serde_json::json;

fn sizes() -> Vec<usize> {
    std::env::var("IDPSIM_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 1_000_000])
}

fn populate(tenant: &idpsim_reference_sp::tenant::Tenant, n: usize) {
    for i in 0..n {
        tenant
            .create(
                Kind::User,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": format!("user{i}@example.com"), "externalId": format!("ext-{i}"),
                       "name": {"givenName": format!("Given{i}"), "familyName": "Family"},
                       "displayName": format!("User {i}"), "active": true,
                       "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}]}),
                Actor::Scim,
            )
            .expect("create");
    }
}

fn lookups(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let mut g = c.benchmark_group("reference-sp");
    g.sample_size(50);
    for n in sizes() {
        let config = Config {
            tenant: TenantRules {
                seat_limit: None,
                primary_owner: None,
                ..Default::default()
            },
            ..Default::default()
        };
        let sp = rt.block_on(idpsim_reference_sp::spawn(config)).unwrap();
        populate(sp.tenant(), n);
        let target = format!("user{}@example.com", n / 2);
        let lookup = format!(
            "{}/Users?filter=userName%20eq%20%22{target}%22",
            sp.base_url()
        );
        let page = format!("{}/Users?startIndex={}&count=100", sp.base_url(), n / 2);
        let token = sp.token().to_owned();
        g.bench_with_input(
            BenchmarkId::new("http-filter-userName-eq", n),
            &n,
            |b, _| {
                b.to_async(&rt).iter(|| async {
                    let r = client
                        .get(&lookup)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    black_box(r.bytes().await.unwrap())
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("http-page-100", n), &n, |b, _| {
            b.to_async(&rt).iter(|| async {
                let r = client.get(&page).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                black_box(r.bytes().await.unwrap())
            })
        });
        let tenant = Arc::clone(sp.tenant());
        let schema = ResourceSchema::user();
        let q = ListQuery::parse(
            schema,
            &SearchRequest {
                filter: Some(format!("userName eq \"{target}\"")),
                ..Default::default()
            },
            1000,
        )
        .unwrap();
        g.bench_with_input(
            BenchmarkId::new("inproc-filter-userName-eq", n),
            &n,
            |b, _| b.iter(|| black_box(tenant.list(Kind::User, &q).unwrap())),
        );
        let pq = ListQuery::parse(
            schema,
            &SearchRequest {
                start_index: Some((n / 2) as i64),
                count: Some(100),
                ..Default::default()
            },
            1000,
        )
        .unwrap();
        g.bench_with_input(BenchmarkId::new("inproc-page-100", n), &n, |b, _| {
            b.iter(|| black_box(tenant.list(Kind::User, &pq).unwrap()))
        });
        rt.block_on(sp.shutdown());
    }
    g.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
