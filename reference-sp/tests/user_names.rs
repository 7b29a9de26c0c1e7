//! The account-key rule at the SCIM side: a `userName` that could pass for
//! another (edge whitespace, invisible characters, compatibility forms) is
//! refused at create, replace and patch, and names that differ only in
//! case (by full Unicode folding) collide.

use reqwest::Method;
use serde_json::json;

use crate::common::{Sp, USER};

/// Names the SCIM side once accepted as accounts distinct from
/// `alice@example.com` / `kate@example.com`, which SAML then signed in as
/// those accounts.
const LOOK_ALIKES: &[&str] = &[
    "alice@example.com ",
    " alice@example.com",
    "alice@example.com\u{3000}",
    "alice@example.com\t",
    "alice@exa\u{200B}mple.com",
    "alice@example.com\u{202E}",
    "\u{212A}ate@example.com",
    "\u{FF41}lice@example.com",
];

#[tokio::test]
async fn look_alike_user_names_are_invalid_values_at_create_replace_and_patch() {
    let sp = Sp::start().await;
    let id = sp.user("alice@example.com").await;
    sp.user("kate@example.com").await;
    for name in LOOK_ALIKES {
        let r = sp
            .post("/Users", json!({"schemas": [USER], "userName": name}))
            .await;
        r.assert_error(400, Some("invalidValue"));
        assert!(
            r.body["detail"].as_str().unwrap().contains("userName"),
            "{}",
            r.text
        );
        let r = sp
            .send(
                Method::PUT,
                &format!("/Users/{id}"),
                Some(json!({"schemas": [USER], "userName": name})),
            )
            .await;
        r.assert_error(400, Some("invalidValue"));
        let r = sp
            .patch(
                &format!("/Users/{id}"),
                json!([{"op": "replace", "path": "userName", "value": name}]),
            )
            .await;
        r.assert_error(400, Some("invalidValue"));
    }
    // Nothing changed.
    assert_eq!(
        sp.get(&format!("/Users/{id}")).await.body["userName"],
        "alice@example.com"
    );
}

#[tokio::test]
async fn names_equal_under_full_case_folding_collide() {
    let sp = Sp::start().await;
    sp.user("straße@example.com").await;
    let r = sp
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "STRASSE@example.com"}),
        )
        .await;
    r.assert_error(409, Some("uniqueness"));
    // The index finds the account by any spelling the key folds together.
    let r = sp
        .get("/Users?filter=userName%20eq%20%22STRASSE%40EXAMPLE.COM%22")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The filter compares by lower-casing (RFC 7643 caseExact false), which
    // keeps ß apart from ss: the index only narrows, it never decides.
    assert_eq!(r.body["totalResults"], 0, "{}", r.text);
    let r = sp
        .get("/Users?filter=userName%20eq%20%22STRASSE%40example.com%22")
        .await;
    assert_eq!(r.body["totalResults"], 0);
    let r = sp
        .get("/Users?filter=userName%20eq%20%22STRAßE%40EXAMPLE.COM%22")
        .await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.text);
}

#[tokio::test]
async fn email_and_upn_user_names_still_work() {
    let sp = Sp::start().await;
    for name in [
        "jane.doe@example.com",
        "first+tag@sub.example.co.uk",
        "josé@example.com",
        "o'neil&co<x>@example.com",
        "DOMAIN\\user",
    ] {
        let id = sp.user(name).await;
        assert_eq!(
            sp.get(&format!("/Users/{id}")).await.body["userName"],
            *name
        );
    }
}
