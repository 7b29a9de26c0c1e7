use idpsim_reference_sp::{Config, TenantRules};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

async fn admin(sp: &Sp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let url = format!("{}/admin{path}", sp.handle.origin());
    sp.raw(
        method,
        &url,
        body.map(|b| b.to_string()),
        Some(sp.handle.token()),
        &[],
    )
    .await
}

fn owner_id(list: &Value) -> String {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userName"] == "owner@idpsim.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn primary_owner_cannot_be_deleted_or_deactivated_and_survives_reset() {
    let sp = Sp::start().await;
    let owner = owner_id(&sp.get("/Users").await.body);
    sp.send(Method::DELETE, &format!("/Users/{owner}"), None)
        .await
        .assert_error(403, None);
    sp.patch(
        &format!("/Users/{owner}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await
    .assert_error(403, None);
    sp.send(
        Method::PUT,
        &format!("/Users/{owner}"),
        Some(json!({"schemas": [USER], "userName": "owner@idpsim.test", "active": false})),
    )
    .await
    .assert_error(403, None);
    let a = sp.user("a@x").await;
    sp.group("g", &[&a, &owner]).await;
    let r = admin(&sp, Method::POST, "/reset", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["usersDeleted"], 1);
    assert_eq!(r.body["groupsDeleted"], 1);
    let list = sp.get("/Users").await.body;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(owner_id(&list), owner);
    assert!(
        sp.get(&format!("/Users/{owner}"))
            .await
            .body
            .get("groups")
            .is_none()
    );
    assert_eq!(sp.get("/Groups").await.body["totalResults"], 0);
}

#[tokio::test]
async fn seat_limit_is_a_clear_error() {
    let sp = Sp::with(Config {
        tenant: TenantRules {
            seat_limit: Some(2),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let a = sp.user("a@x").await; // owner + a = 2 seats
    let r = sp
        .post("/Users", json!({"schemas": [USER], "userName": "b@x"}))
        .await;
    r.assert_error(403, None);
    assert!(r.body["detail"].as_str().unwrap().contains("seat limit"));
    // An inactive account takes no seat; reactivating one needs a free seat.
    assert_eq!(
        sp.post(
            "/Users",
            json!({"schemas": [USER], "userName": "c@x", "active": false})
        )
        .await
        .status,
        201
    );
    sp.patch(
        &format!("/Users/{a}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    let r = sp
        .post("/Users", json!({"schemas": [USER], "userName": "d@x"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    sp.patch(
        &format!("/Users/{a}"),
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await
    .assert_error(403, None);
}

#[tokio::test]
async fn group_rules_map_roles_and_tiers() {
    let sp = Sp::start().await;
    let (a, b) = (sp.user("a@x").await, sp.user("b@x").await);
    sp.group("IDPSIM-Admins-EU", &[&a]).await;
    sp.group("idpsim-premium", &[&a, &b]).await;
    let r = admin(&sp, Method::GET, "/members", None).await;
    let find = |name: &str| {
        r.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["userName"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(find("a@x")["role"], "admin");
    assert_eq!(find("a@x")["tier"], "premium");
    assert_eq!(find("b@x")["role"], "user");
    assert_eq!(find("b@x")["tier"], "premium");
    assert_eq!(find("owner@idpsim.test")["role"], "owner");
}

#[tokio::test]
async fn jit_users_are_invisible_to_scim_and_removed_when_scim_is_switched_on() {
    let sp = Sp::with(Config {
        tenant: TenantRules {
            provisioning: idpsim_reference_sp::ProvisioningMode::Jit,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let r = admin(
        &sp,
        Method::POST,
        "/jit",
        Some(json!({"userName": "jit@x"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let jit_id = r.body["id"].as_str().unwrap().to_owned();
    sp.get(&format!("/Users/{jit_id}"))
        .await
        .assert_error(404, None);
    assert_eq!(
        sp.get("/Users?filter=userName%20eq%20%22jit@x%22")
            .await
            .body["totalResults"],
        0
    );
    sp.user("scim@x").await;
    let r = admin(
        &sp,
        Method::PUT,
        "/provisioning",
        Some(json!({"mode": "scim"})),
    )
    .await;
    assert_eq!(r.body["removed"], 1, "{}", r.text);
    let members = admin(&sp, Method::GET, "/members", None).await;
    assert!(!members.text.contains("jit@x"));
    assert!(members.text.contains("scim@x"));
    admin(
        &sp,
        Method::POST,
        "/jit",
        Some(json!({"userName": "late@x"})),
    )
    .await
    .assert_error(403, None);
    admin(
        &sp,
        Method::PUT,
        "/provisioning",
        Some(json!({"mode": "sometimes"})),
    )
    .await
    .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn audit_log_records_identity_events_in_order() {
    let sp = Sp::start().await;
    let a = sp.user("a@x").await;
    sp.patch(
        &format!("/Users/{a}"),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    sp.send(Method::DELETE, &format!("/Users/{a}"), None).await;
    let r = admin(&sp, Method::GET, "/audit", None).await;
    let actions: Vec<&str> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "user.created",
            "user.deactivated",
            "user.deleted"
        ]
    );
    let events = r.body["events"].as_array().unwrap();
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["at"].as_str() <= w[1]["at"].as_str())
    );
    let after = events[1]["seq"].as_u64().unwrap();
    let r = admin(
        &sp,
        Method::GET,
        &format!("/audit?after={after}&limit=1"),
        None,
    )
    .await;
    assert_eq!(r.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["events"][0]["action"], "user.deactivated");
}

#[tokio::test]
async fn only_small_indexed_lookups_skip_the_blocking_pool() {
    use idpsim_reference_sp::store::Kind;
    use idpsim_reference_sp::tenant::{Actor, ListQuery};
    use idpsim_scim::message::{SearchRequest, SortOrder};
    use idpsim_scim::schema::ResourceSchema;

    let schema_of = |kind| match kind {
        Kind::User => ResourceSchema::user(),
        Kind::Group => ResourceSchema::group(),
        Kind::ServiceAccount => ResourceSchema::service_account(),
    };

    let sp = Sp::start().await;
    let tenant = sp.handle.tenant();
    let mut members = Vec::new();
    for i in 0..1001 {
        let u = tenant
            .create(
                Kind::User,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("u{i}@example.com")}),
                Actor::Scim,
            )
            .unwrap();
        members.push(json!({"value": u.body["id"]}));
    }
    tenant
        .create(
            Kind::Group,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "big", "members": members}),
            Actor::Scim,
        )
        .unwrap();
    let query = |kind: Kind, filter: Option<&str>, excluded: Option<&str>, sort: bool| {
        let req = SearchRequest {
            filter: filter.map(str::to_owned),
            excluded_attributes: excluded.map(str::to_owned),
            sort_by: sort.then(|| "userName".to_owned()),
            sort_order: sort.then_some(SortOrder::Ascending),
            ..SearchRequest::default()
        };
        ListQuery::parse(schema_of(kind), &req, 1000).unwrap()
    };
    let small = |kind, f, x, s| tenant.list_if_small(kind, &query(kind, f, x, s)).is_some();
    let lookup = query(
        Kind::User,
        Some("userName eq \"U7@example.com\""),
        None,
        false,
    );
    let hit = tenant
        .list_if_small(Kind::User, &lookup)
        .expect("an indexed lookup");
    assert_eq!(hit.unwrap().total_results, 1, "the same answer as `list`");
    assert!(small(
        Kind::User,
        Some("userName eq \"u7@example.com\""),
        None,
        false
    ));
    assert!(small(
        Kind::User,
        Some("userName eq \"nobody\""),
        None,
        false
    ));
    assert!(!small(Kind::User, None, None, false), "a full listing");
    assert!(
        !small(Kind::User, Some("userName sw \"u\""), None, false),
        "a scan"
    );
    assert!(
        !small(
            Kind::User,
            Some("userName eq \"u7@example.com\""),
            None,
            true
        ),
        "sorted"
    );
    let big = Some("displayName eq \"big\"");
    assert!(
        !small(Kind::Group, big, None, false),
        "1001 members to render"
    );
    assert!(small(Kind::Group, big, Some("members"), false));
}
