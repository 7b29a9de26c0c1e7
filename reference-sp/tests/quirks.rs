//! Each quirk breaks the behaviour it names, and only while it is on.

use idpsim_reference_sp::{Config, Quirk};
use reqwest::Method;
use serde_json::json;

use crate::common::*;

async fn with(q: Quirk) -> Sp {
    Sp::with(Config::default().with_quirk(q)).await
}

#[tokio::test]
async fn no_etag() {
    let sp = with(Quirk::NoEtag).await;
    let id = sp.user("e@x").await;
    let r = sp.get(&format!("/Users/{id}")).await;
    assert!(!r.headers.contains_key("etag"));
    assert!(r.body["meta"].get("version").is_none());
    let body =
        json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "title", "value": "T"}]})
            .to_string();
    let r = sp
        .raw(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(body),
            Some(sp.handle.token()),
            &[("if-match", "W/\"nope\"")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        sp.get("/ServiceProviderConfig").await.body["etag"]["supported"],
        true
    );
}

#[tokio::test]
async fn case_sensitive_username() {
    let sp = with(Quirk::CaseSensitiveUsername).await;
    sp.user("Mixed@x").await;
    assert_eq!(
        sp.get("/Users?filter=userName%20eq%20%22mixed@x%22")
            .await
            .body["totalResults"],
        0
    );
    assert_eq!(
        sp.post("/Users", json!({"schemas": [USER], "userName": "mixed@x"}))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn ignore_filtered_member_removal() {
    let sp = with(Quirk::IgnoreFilteredMemberRemoval).await;
    let a = sp.user("a@x").await;
    let g = sp.group("g", &[&a]).await;
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(sp.member_ids(&g).await, vec![a]);
}

#[tokio::test]
async fn literal_member_removal() {
    let sp = with(Quirk::LiteralMemberRemoval).await;
    let (a, b) = (sp.user("a@x").await, sp.user("b@x").await);
    let g = sp.group("g", &[&a, &b]).await;
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]),
    )
    .await;
    assert!(sp.member_ids(&g).await.is_empty());
}

#[tokio::test]
async fn list_ignores_paging() {
    let sp = with(Quirk::ListIgnoresPaging).await;
    for i in 0..3 {
        sp.user(&format!("u{i}@x")).await;
    }
    let r = sp.get("/Users?startIndex=2&count=1").await;
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn plain_text_errors() {
    let sp = with(Quirk::PlainTextErrors).await;
    let r = sp.get("/Users/missing").await;
    assert_eq!(r.status, 404);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(r.text.starts_with("Error: "));
}

#[tokio::test]
async fn soft_delete() {
    let sp = with(Quirk::SoftDelete).await;
    let id = sp.user("s@x").await;
    assert_eq!(
        sp.send(Method::DELETE, &format!("/Users/{id}"), None)
            .await
            .status,
        204
    );
    let r = sp.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
}

#[tokio::test]
async fn not_found_on_empty_filter() {
    let sp = with(Quirk::NotFoundOnEmptyList).await;
    assert_eq!(
        sp.get("/Users?filter=userName%20eq%20%22nobody%22")
            .await
            .status,
        404
    );
    // Its earlier name still parses, so existing configurations keep working.
    assert_eq!(
        "not-found-on-empty-list".parse::<Quirk>().unwrap(),
        Quirk::NotFoundOnEmptyList
    );
    assert_eq!(
        Quirk::NotFoundOnEmptyList.name(),
        "not-found-on-empty-filter"
    );
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The manager is stored (a filter on it finds the user) but never read.
#[tokio::test]
async fn drops_manager() {
    for quirk in [None, Some(Quirk::DropsManager)] {
        let sp = match quirk {
            Some(q) => with(q).await,
            None => Sp::with(Config::default()).await,
        };
        let boss = sp.user("boss@x").await;
        let id = sp.user("jo@x").await;
        let r = sp
            .patch(
                &format!("/Users/{id}"),
                json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": boss}]),
            )
            .await;
        assert_eq!(r.status, 200);
        let got = &sp.get(&format!("/Users/{id}")).await.body[ENTERPRISE]["manager"];
        let listed = &sp
            .get("/Users?filter=userName%20eq%20%22jo@x%22")
            .await
            .body["Resources"][0][ENTERPRISE]["manager"];
        if quirk.is_some() {
            assert!(got.is_null() && listed.is_null(), "{got} {listed}");
        } else {
            assert_eq!(got["value"], boss, "{got}");
            assert_eq!(listed["value"], boss, "{listed}");
        }
    }
}

#[tokio::test]
async fn leaks_members() {
    for quirk in [None, Some(Quirk::LeaksMembers)] {
        let sp = match quirk {
            Some(q) => with(q).await,
            None => Sp::with(Config::default()).await,
        };
        let a = sp.user("a@x").await;
        let g = sp.group("g", &[&a]).await;
        let one = sp
            .get(&format!("/Groups/{g}?excludedAttributes=members"))
            .await
            .body;
        let listed = sp
            .get("/Groups?excludedAttributes=members&filter=displayName%20eq%20%22g%22")
            .await
            .body;
        let leaked = [&one["members"], &listed["Resources"][0]["members"]];
        assert!(
            leaked.iter().all(|m| m.is_array() == quirk.is_some()),
            "{quirk:?}: {leaked:?}"
        );
    }
}

#[tokio::test]
async fn racy_create() {
    let sp = with(Quirk::RacyCreate).await;
    let r = sp
        .post("/Users", json!({"schemas": [USER], "userName": "race@x"}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["scimType"], "uniqueness");
    // The create went through all the same.
    let found = sp.get("/Users?filter=userName%20eq%20%22race@x%22").await;
    assert_eq!(found.body["totalResults"], 1);
}

#[test]
fn every_quirk_has_a_name_that_parses_back() {
    for (q, name) in Quirk::ALL {
        assert_eq!(name.parse::<Quirk>().unwrap(), *q);
        assert_eq!(q.to_string(), *name);
    }
    assert!("nonsense".parse::<Quirk>().unwrap_err().contains("no-etag"));
}

/// `overloaded`: one request at a time is served; a second while one is in
/// flight is answered 500, and once the first leaves, service resumes.
#[tokio::test]
async fn overloaded() {
    use tokio::io::AsyncWriteExt;
    let sp = with(Quirk::Overloaded).await;
    assert_eq!(sp.get("/Users?count=1").await.status, 200);
    // A POST whose body never comes stays in flight: the count is taken
    // before the handler waits for the body.
    let mut held = tokio::net::TcpStream::connect(sp.handle.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n",
        sp.handle.token()
    );
    held.write_all(head.as_bytes()).await.unwrap();
    let mut status = 0;
    for _ in 0..200 {
        status = sp.get("/Users?count=1").await.status;
        if status == 500 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(status, 500, "a second request while one is in flight");
    drop(held);
    for _ in 0..200 {
        status = sp.get("/Users?count=1").await.status;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(status, 200, "served again once the first left");
}

/// A server with less of RFC 7643: its discovery documents leave out
/// `title`, `nickName`, `password` and the enterprise extension, and it
/// keeps none of them, whichever way they come.
#[tokio::test]
async fn minimal_schema() {
    let sp = with(Quirk::MinimalSchema).await;
    let user_schema = sp.get(&format!("/Schemas/{USER}")).await.body;
    let names: Vec<&str> = user_schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"userName") && names.contains(&"displayName"));
    for gone in ["title", "nickName", "password"] {
        assert!(!names.contains(&gone), "{names:?}");
    }
    let listed = sp.get("/Schemas").await.body;
    assert!(!listed.to_string().contains(ENTERPRISE), "{listed}");
    sp.get(&format!("/Schemas/{ENTERPRISE}"))
        .await
        .assert_error(404, None);
    let user_type = sp.get("/ResourceTypes/User").await.body;
    assert_eq!(user_type["schemaExtensions"], json!([]));

    let r = sp
        .post(
            "/Users",
            json!({"schemas": [USER, ENTERPRISE], "userName": "m@x", "title": "T", "nickName": "N",
                   "password": "Secret-1!", "displayName": "D", ENTERPRISE: {"department": "Tours"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    let dropped = |body: &serde_json::Value| {
        assert_eq!(body["displayName"], "D", "{body}");
        for gone in ["title", "nickName", "password", ENTERPRISE] {
            assert!(body.get(gone).is_none(), "{gone}: {body}");
        }
        assert_eq!(body["schemas"], json!([USER]), "{body}");
    };
    dropped(&r.body);
    dropped(&sp.get(&format!("/Users/{id}")).await.body);
    let r = sp
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "add", "path": "title", "value": "T"},
                   {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Tours"}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    dropped(&sp.get(&format!("/Users/{id}")).await.body);
    let r = sp
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": [USER], "userName": "m@x", "displayName": "D", "nickName": "N"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    dropped(&sp.get(&format!("/Users/{id}")).await.body);
    assert_eq!(
        sp.get("/Users?filter=title%20pr").await.body["totalResults"],
        0
    );
}

/// A server without PATCH says so in its ServiceProviderConfig and
/// answers every PATCH, Bulk's included, 501 (RFC 7644 §3.12).
#[tokio::test]
async fn no_patch() {
    let sp = with(Quirk::NoPatch).await;
    assert_eq!(
        sp.get("/ServiceProviderConfig").await.body["patch"]["supported"],
        false
    );
    let id = sp.user("p@x").await;
    sp.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await
    .assert_error(501, None);
    let g = sp.group("g", &[]).await;
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
    )
    .await
    .assert_error(501, None);
    let bulk = sp
        .post(
            "/Bulk",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
                {"method": "PATCH", "path": format!("/Users/{id}"),
                 "data": {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]}}
            ]}),
        )
        .await;
    assert_eq!(bulk.body["Operations"][0]["status"], "501", "{}", bulk.text);
    assert_eq!(sp.get(&format!("/Users/{id}")).await.body["active"], true);
    // Everything else still works.
    assert_eq!(
        sp.get("/ServiceProviderConfig").await.body["bulk"]["supported"],
        true
    );
}

/// `no-uniqueness`: a create with a taken userName or displayName makes a
/// second resource, as a server without a uniqueness constraint does when
/// an IdP's create is delivered twice; an `eq` lookup lists every copy.
#[tokio::test]
async fn no_uniqueness() {
    let sp = with(Quirk::NoUniqueness).await;
    let mut users = Vec::new();
    for _ in 0..2 {
        let r = sp
            .post("/Users", json!({"schemas": [USER], "userName": "twin@x"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        users.push(r.id());
    }
    let mut groups = Vec::new();
    for _ in 0..2 {
        let r = sp
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": "Twins"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        groups.push(r.id());
    }
    assert_ne!(users[0], users[1]);
    assert_ne!(groups[0], groups[1]);
    let found = sp
        .get("/Users?filter=userName%20eq%20%22TWIN@x%22")
        .await
        .body;
    assert_eq!(found["totalResults"], 2, "{found}");
    let found = sp
        .get("/Groups?filter=displayName%20eq%20%22twins%22")
        .await
        .body;
    assert_eq!(found["totalResults"], 2, "{found}");
    // A rename onto a taken name goes through as well.
    let r = sp
        .post("/Users", json!({"schemas": [USER], "userName": "other@x"}))
        .await;
    let ops = json!([{"op": "replace", "path": "userName", "value": "twin@x"}]);
    let r = sp.patch(&format!("/Users/{}", r.id()), ops).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Without the quirk the same second create is refused.
#[tokio::test]
async fn uniqueness_holds_without_the_quirk() {
    let sp = Sp::with(Config::default()).await;
    sp.user("twin@x").await;
    sp.post("/Users", json!({"schemas": [USER], "userName": "twin@x"}))
        .await
        .assert_error(409, Some("uniqueness"));
}

/// `first-op-only`: Okta's one-PATCH remove-and-add loses its addition
/// (IDP-ENGINES O21); without the quirk both apply.
#[tokio::test]
async fn first_op_only() {
    for quirk in [true, false] {
        let sp = if quirk {
            with(Quirk::FirstOpOnly).await
        } else {
            Sp::with(Config::default()).await
        };
        let (a, b) = (sp.user("a@x").await, sp.user("b@x").await);
        let g = sp.group("g", &[&a]).await;
        let r = sp
            .patch(
                &format!("/Groups/{g}"),
                json!([
                    {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
                    {"op": "add", "path": "members", "value": [{"value": b}]}
                ]),
            )
            .await;
        assert_eq!(r.status, 200);
        let want = if quirk { vec![] } else { vec![b] };
        assert_eq!(sp.member_ids(&g).await, want, "quirk {quirk}");
    }
}

/// `no-replace-members`: both forms of Okta's full membership push are
/// refused with 400 (IDP-ENGINES O22); other replaces still apply.
#[tokio::test]
async fn no_replace_members() {
    let sp = with(Quirk::NoReplaceMembers).await;
    let (a, b) = (sp.user("a@x").await, sp.user("b@x").await);
    let g = sp.group("g", &[&a]).await;
    for op in [
        json!({"op": "replace", "path": "members", "value": [{"value": b}]}),
        json!({"op": "replace", "value": {"members": [{"value": b}]}}),
    ] {
        let r = sp.patch(&format!("/Groups/{g}"), json!([op])).await;
        assert_eq!(r.status, 400, "{op}");
        assert_eq!(sp.member_ids(&g).await, vec![a.clone()]);
    }
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "replace", "value": {"id": g, "displayName": "g2"}}]),
        )
        .await;
    assert_eq!(r.status, 200);
    let plain = Sp::with(Config::default()).await;
    let (a, b) = (plain.user("a@x").await, plain.user("b@x").await);
    let g = plain.group("g", &[&a]).await;
    let r = plain
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "replace", "path": "members", "value": [{"value": b}]}]),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(plain.member_ids(&g).await, vec![b]);
}

/// `page-cap-50`: a page holds at most 50 whatever `count` asked.
#[tokio::test]
async fn page_cap_50() {
    let sp = with(Quirk::PageCap).await;
    for i in 0..60 {
        sp.user(&format!("u{i}@x")).await;
    }
    let r = sp.get("/Users?startIndex=1&count=100").await;
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 50);
    assert_eq!(r.body["itemsPerPage"], 50);
    assert_eq!(r.body["totalResults"], 61, "60 and the Primary Owner");
}
