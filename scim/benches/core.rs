//! Filter parse + evaluate and PATCH apply, on a realistic user.

use criterion::{Criterion, criterion_group, criterion_main};
use idpsim_scim::filter;
use idpsim_scim::patch::{self, PatchRequest};
use idpsim_scim::resource;
use idpsim_scim::schema::ResourceSchema;
use serde_json::json;
use std::hint::black_box;

fn user() -> resource::Object {
    resource::normalize(
        ResourceSchema::user(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "Barbara.Jensen@example.com", "externalId": "00u1a2b3c4",
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
            "displayName": "Babs Jensen", "title": "Tour Guide", "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "Tours", "employeeNumber": "701984", "manager": {"value": "m-1"}}
        }),
    )
    .unwrap()
}

fn filters(c: &mut Criterion) {
    let u = user();
    let s = ResourceSchema::user();
    let mut g = c.benchmark_group("filter");
    for (name, f) in [
        ("eq", r#"userName eq "barbara.jensen@example.com""#),
        (
            "complex",
            r#"emails[type eq "work" and value co "@example.com"] and (title sw "tour" or not (active eq false))"#,
        ),
        (
            "urn",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tours""#,
        ),
    ] {
        g.bench_function(format!("parse+check+eval/{name}"), |b| {
            b.iter(|| {
                let parsed = filter::parse(black_box(f)).unwrap();
                filter::check(s, &parsed).unwrap();
                black_box(filter::matches(s, &parsed, &u))
            })
        });
        let parsed = filter::parse(f).unwrap();
        g.bench_function(format!("eval/{name}"), |b| {
            b.iter(|| black_box(filter::matches(s, &parsed, black_box(&u))))
        });
    }
    g.finish();
}

fn patches(c: &mut Criterion) {
    let u = user();
    let s = ResourceSchema::user();
    let mut g = c.benchmark_group("patch");
    for (name, ops) in [
        (
            "entra-deactivate",
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        ),
        (
            "entra-2020-multi",
            json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
            {"op": "replace", "value": {"displayName": "B", "name.givenName": "K", "name.familyName": "U",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "A"}}]),
        ),
        (
            "okta-deactivate",
            json!([{"op": "replace", "value": {"active": false}}]),
        ),
    ] {
        let req = PatchRequest::from_value(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
            .unwrap();
        g.bench_function(name, |b| {
            b.iter(|| black_box(patch::apply(s, black_box(&u), &req.operations).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, filters, patches);
criterion_main!(benches);
