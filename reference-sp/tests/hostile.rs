//! One request must not make the SP hold, copy or echo without bound:
//! resource size and value counts, error excerpts, member batches, paging.

use idpsim_reference_sp::store::Kind;
use idpsim_reference_sp::tenant::{Actor, MAX_GROUPS_PER_MEMBER, MAX_MEMBERS, PAGE_DERIVED};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

fn emails(from: usize, n: usize) -> Value {
    (from..from + n)
        .map(|i| json!({"value": format!("e{i}@example.com"), "type": "work"}))
        .collect()
}

#[tokio::test]
async fn multi_valued_attributes_hold_at_most_a_hundred_values() {
    let sp = Sp::start().await;
    let id = sp.user("many@x").await;
    let at = format!("/Users/{id}");
    // The shape of the finding: a thousand emails per PATCH, repeated.
    sp.patch(
        &at,
        json!([{"op": "add", "path": "emails", "value": emails(0, 1000)}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let r = sp
        .patch(
            &at,
            json!([{"op": "add", "path": "emails", "value": emails(0, 100)}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sp
        .patch(
            &at,
            json!([{"op": "add", "path": "emails", "value": emails(100, 1)}]),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(r.body["detail"].as_str().unwrap().contains("`emails`"));
    // One element per operation, a thousand operations.
    let ops: Vec<Value> = (0..1000)
        .map(|i| json!({"op": "add", "path": format!("phoneNumbers[type eq \"t{i}\"].value"), "value": "1"}))
        .collect();
    sp.patch(&at, json!(ops))
        .await
        .assert_error(400, Some("invalidValue"));
    sp.post(
        "/Users",
        json!({"schemas": [USER], "userName": "many2@x", "emails": emails(0, 101)}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let got = sp.get(&at).await;
    assert_eq!(got.body["emails"].as_array().unwrap().len(), 100);
    assert!(got.body.get("phoneNumbers").is_none());
}

#[tokio::test]
async fn a_resource_is_at_most_64_kib_of_json() {
    let sp = Sp::start().await;
    let big = "t".repeat(70 * 1024);
    sp.post(
        "/Users",
        json!({"schemas": [USER], "userName": "big@x", "title": big}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let id = sp.user("big@x").await;
    let at = format!("/Users/{id}");
    sp.patch(
        &at,
        json!([{"op": "replace", "path": "title", "value": big}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    // A value copied into every matched element is refused before the
    // copies are made: 100 x 1 KiB.
    let r = sp
        .patch(
            &at,
            json!([{"op": "add", "path": "emails", "value": emails(0, 100)}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sp
        .patch(
            &at,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].display",
                    "value": "d".repeat(1024)}]),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(sp.get(&at).await.body.get("title").is_none());
}

#[tokio::test]
async fn error_details_quote_an_excerpt_of_the_input() {
    let sp = Sp::start().await;
    let long = "x".repeat(600 * 1024);
    for (path, body) in [
        (
            "/.search",
            json!({"schemas": [SEARCH], "filter": format!("userName eq \"{long}")}),
        ),
        (
            "/Users/.search",
            json!({"schemas": [SEARCH], "filter": format!("{long} eq \"a\"")}),
        ),
        (
            "/Users",
            json!({"schemas": [USER], "userName": "a", long.clone(): 1}),
        ),
    ] {
        let r = sp.post(path, body).await;
        r.assert_error(400, None);
        assert!(r.text.len() < 2048, "{path}: {} bytes", r.text.len());
        assert!(r.body["detail"].as_str().unwrap().contains('…'), "{path}");
    }
    let id = sp.user("e@x").await;
    let r = sp
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "add", "path": format!("{long}["), "value": "x"}]),
        )
        .await;
    r.assert_error(400, Some("invalidPath"));
    assert!(r.text.len() < 2048, "{} bytes", r.text.len());
}

#[tokio::test]
async fn excluded_attributes_is_not_attributes() {
    let sp = Sp::start().await;
    let id = sp.user("p@x").await;
    let patch = |q: &'static str, title: &'static str| {
        let sp = &sp;
        let id = id.clone();
        async move {
            sp.raw(
                Method::PATCH,
                &format!("/Users/{id}?{q}"),
                Some(
                    json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": title}]})
                        .to_string(),
                ),
                Some(sp.handle.token()),
                &[("prefer", "return=minimal")],
            )
            .await
        }
    };
    // RFC 7240 minimal: 204, unless the `attributes` parameter asks for
    // the resource; other parameters that merely contain the text do not.
    assert_eq!(patch("excludedAttributes=emails", "a").await.status, 204);
    assert_eq!(patch("xattributes=title", "b").await.status, 204);
    assert_eq!(patch("count=1&sortBy=attributes=", "c").await.status, 204);
    let r = patch("attributes=title", "d").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["title"], "d");
    assert!(r.body.get("emails").is_none());
    // Percent-encoded, the parameter is still `attributes`.
    let r = patch("%61ttributes=title", "e").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["title"], "e");
}

#[tokio::test]
async fn member_batches_change_exactly_what_they_list() {
    let sp = Sp::start().await;
    let tenant = sp.handle.tenant().clone();
    let ids: Vec<String> = (0..300)
        .map(|i| {
            tenant
                .create(
                    Kind::User,
                    json!({"schemas": [USER], "userName": format!("m{i}@x")}),
                    Actor::Scim,
                )
                .unwrap()
                .body["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let gid = sp.group("batch", &refs[..200]).await;
    let at = format!("/Groups/{gid}");
    let listed: Vec<Value> = ids[..100].iter().map(|id| json!({"value": id})).collect();
    let added: Vec<Value> = ids[200..].iter().map(|id| json!({"value": id})).collect();
    let r = sp
        .patch(
            &at,
            json!([
                {"op": "remove", "path": "members", "value": listed},
                {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[100].to_uppercase())},
                {"op": "add", "value": {"members": added, "displayName": "batched"}},
                {"op": "remove", "path": "members", "value": [{"value": ids[299]}, {"value": "not-a-member"}]},
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["displayName"], "batched");
    let mut want: Vec<String> = ids[101..299].to_vec();
    want.sort();
    assert_eq!(sp.member_ids(&gid).await, want);
    // The user side agrees.
    let u = sp.get(&format!("/Users/{}", ids[0])).await;
    assert!(u.body.get("groups").is_none(), "{}", u.text);
    let u = sp.get(&format!("/Users/{}", ids[250])).await;
    assert_eq!(u.body["groups"][0]["value"], gid.as_str());
    // A member that does not exist is refused and nothing changes.
    sp.patch(
        &at,
        json!([{"op": "remove", "path": "members", "value": [{"value": ids[101]}]},
               {"op": "add", "path": "members", "value": [{"value": "nobody"}]}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    assert_eq!(sp.member_ids(&gid).await, want);
    // Replace and clear.
    let r = sp
        .patch(
            &at,
            json!([{"op": "replace", "path": "members", "value": [{"value": ids[0]}]}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sp.member_ids(&gid).await, vec![ids[0].clone()]);
    let r = sp
        .patch(&at, json!([{"op": "remove", "path": "members"}]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(sp.member_ids(&gid).await.is_empty());
}

#[tokio::test]
async fn a_group_holds_at_most_max_members() {
    let sp = Sp::start().await;
    let tenant = sp.handle.tenant().clone();
    let members: Vec<Value> = (0..=MAX_MEMBERS)
        .map(|i| {
            let id = tenant
                .create(
                    Kind::User,
                    json!({"schemas": [USER], "userName": format!("cap{i}@x")}),
                    Actor::Scim,
                )
                .unwrap()
                .body["id"]
                .as_str()
                .unwrap()
                .to_owned();
            json!({"value": id})
        })
        .collect();
    let e = tenant
        .create(
            Kind::Group,
            json!({"schemas": [GROUP], "displayName": "too big", "members": members}),
            Actor::Scim,
        )
        .unwrap_err();
    assert_eq!(
        (e.status, e.scim_type.unwrap().as_str()),
        (400, "invalidValue")
    );
    let gid = sp.group("capped", &[]).await;
    let r = sp
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "add", "path": "members", "value": members[..MAX_MEMBERS]}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.text[..200.min(r.text.len())]);
    let r = sp
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "add", "path": "members", "value": [members[MAX_MEMBERS].clone()]}]),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));

    // A list page renders at most PAGE_DERIVED members: five groups of
    // MAX_MEMBERS fill it, the sixth waits for the next page.
    for i in 0..5 {
        tenant
            .create(
                Kind::Group,
                json!({"schemas": [GROUP], "displayName": format!("full {i}"),
                       "members": members[..MAX_MEMBERS]}),
                Actor::Scim,
            )
            .unwrap();
    }
    assert_eq!(PAGE_DERIVED, 5 * MAX_MEMBERS);
    let r = sp.get("/Groups?count=10").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (
            r.body["totalResults"].as_u64(),
            r.body["itemsPerPage"].as_u64()
        ),
        (Some(6), Some(5))
    );
    let r = sp.get("/Groups?count=10&startIndex=6").await;
    assert_eq!(r.body["itemsPerPage"], 1);
    let r = sp.get("/Groups?count=10&excludedAttributes=members").await;
    assert_eq!(r.body["itemsPerPage"], 6);
}

#[tokio::test]
async fn a_member_is_in_at_most_max_groups_per_member_groups() {
    let sp = Sp::start().await;
    let uid = sp.user("joiner@x").await;
    let tenant = sp.handle.tenant().clone();
    let group = |i: usize| {
        tenant.create(
            Kind::Group,
            json!({"schemas": [GROUP], "displayName": format!("g{i}"), "members": [{"value": uid}]}),
            Actor::Scim,
        )
    };
    for i in 0..MAX_GROUPS_PER_MEMBER {
        group(i).unwrap();
    }
    let e = group(MAX_GROUPS_PER_MEMBER).unwrap_err();
    assert_eq!(
        (e.status, e.scim_type.unwrap().as_str()),
        (400, "invalidValue")
    );
    // Re-listing it in a group it is in already is no new membership.
    let r = sp.get("/Groups?filter=displayName%20eq%20%22g0%22").await;
    let gid = r.body["Resources"][0]["id"].as_str().unwrap().to_owned();
    let r = sp
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]},
                   {"op": "replace", "path": "displayName", "value": "g0 renamed"}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn root_search_pages_across_users_and_groups() {
    let sp = Sp::start().await;
    for i in 0..3 {
        sp.user(&format!("r{i}@x")).await;
    }
    sp.group("g0", &[]).await;
    sp.group("g1", &[]).await;
    // The Primary Owner is the first user: 4 users, then 2 groups.
    let r = sp
        .post(
            "/.search",
            json!({"schemas": [SEARCH], "startIndex": 4, "count": 2, "attributes": ["displayName", "userName"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], 6);
    assert_eq!(r.body["itemsPerPage"], 2);
    let page = r.body["Resources"].as_array().unwrap();
    assert_eq!(page[0]["userName"], "r2@x");
    assert_eq!(page[1]["displayName"], "g0");
}

/// A member's display is kept as the client sent it, so it has a bound of
/// its own: members are outside the 64 KiB bound on a resource.
#[tokio::test]
async fn a_member_display_past_the_bound_is_refused() {
    let sp = Sp::start().await;
    let u = sp.user("long-display@x").await;
    let bound = idpsim_reference_sp::tenant::MAX_MEMBER_DISPLAY;
    let member = |n: usize| json!([{"value": u, "display": "d".repeat(n)}]);
    sp.post(
        "/Groups",
        json!({"schemas": [GROUP], "displayName": "too long", "members": member(bound + 1)}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let g = sp.group("long enough", &[]).await;
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": member(bound + 1)}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "add", "path": "members", "value": member(bound)}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["members"][0]["display"], "d".repeat(bound));
}
