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
