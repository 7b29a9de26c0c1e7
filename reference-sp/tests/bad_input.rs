//! Bad input never panics or hangs: each gets the right status and a SCIM
//! error body.

use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn malformed_json_is_invalid_syntax() {
    let sp = Sp::start().await;
    for body in ["{", "not json", "[1,2", "{\"schemas\": }", ""] {
        let r = sp
            .raw(
                Method::POST,
                "/Users",
                Some(body.into()),
                Some(sp.handle.token()),
                &[],
            )
            .await;
        r.assert_error(400, Some("invalidSyntax"));
    }
    let deep = "[".repeat(10_000);
    let r = sp
        .raw(
            Method::POST,
            "/Users",
            Some(deep),
            Some(sp.handle.token()),
            &[],
        )
        .await;
    r.assert_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn wrong_types_are_invalid_value() {
    let sp = Sp::start().await;
    for extra in [
        json!({"active": "maybe"}),
        json!({"emails": "a@b"}),
        json!({"name": "x"}),
        json!({"userName": 5}),
    ] {
        let mut body = json!({"schemas": [USER], "userName": "t@x"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sp.post("/Users", body)
            .await
            .assert_error(400, Some("invalidValue"));
    }
    sp.post("/Users", json!({"schemas": [USER]}))
        .await
        .assert_error(400, Some("invalidValue"));
    sp.post("/Users", json!({"userName": "x"}))
        .await
        .assert_error(400, Some("invalidSyntax"));
    sp.post(
        "/Users",
        json!({"schemas": [USER], "userName": "x", "shoeSize": 9}),
    )
    .await
    .assert_error(400, Some("invalidSyntax"));
    sp.post("/Users", json!([1]))
        .await
        .assert_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn bad_filters_are_invalid_filter() {
    let sp = Sp::start().await;
    for f in [
        "userName%20eq",
        "userName%20zz%20%22x%22",
        "shoeSize%20eq%201",
        "active%20gt%20true",
        "((((",
        "emails%5Btype%20eq%20%22work%22",
    ] {
        sp.get(&format!("/Users?filter={f}"))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
    let nested = format!("{}userName pr{}", "not (".repeat(100), ")".repeat(100));
    let r = sp
        .get(&format!("/Users?filter={}", urlencode(&nested)))
        .await;
    r.assert_error(400, Some("invalidFilter"));
    let r = sp.post("/Users/.search", json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "x eq"})).await;
    r.assert_error(400, Some("invalidFilter"));
    sp.post("/Users/.search", json!({"filter": "userName pr"}))
        .await
        .assert_error(400, Some("invalidSyntax"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn bad_patches() {
    let sp = Sp::start().await;
    let id = sp.user("p@x").await;
    let at = format!("/Users/{id}");
    sp.patch(
        &at,
        json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
    )
    .await
    .assert_error(400, Some("invalidPath"));
    sp.patch(&at, json!([{"op": "add", "path": "nope", "value": "x"}]))
        .await
        .assert_error(400, Some("invalidPath"));
    sp.patch(&at, json!([{"op": "remove"}]))
        .await
        .assert_error(400, Some("noTarget"));
    sp.patch(&at, json!([{"op": "replace", "path": "id", "value": "x"}]))
        .await
        .assert_error(400, Some("mutability"));
    sp.patch(&at, json!([{"op": "jump", "path": "title"}]))
        .await
        .assert_error(400, Some("invalidSyntax"));
    sp.patch(&at, json!([]))
        .await
        .assert_error(400, Some("invalidSyntax"));
    let r = sp
        .send(
            Method::PATCH,
            &at,
            Some(json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]})),
        )
        .await;
    r.assert_error(400, Some("invalidSyntax"));
    sp.patch(
        "/Users/nobody",
        json!([{"op": "add", "path": "title", "value": "x"}]),
    )
    .await
    .assert_error(404, None);
    // A failed PATCH changed nothing.
    assert!(sp.get(&at).await.body.get("title").is_none());
}

#[tokio::test]
async fn oversize_bodies_are_413() {
    let sp = Sp::start().await;
    let big = format!(
        "{{\"schemas\":[\"{USER}\"],\"userName\":\"{}\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let r = sp
        .raw(
            Method::POST,
            "/Users",
            Some(big.clone()),
            Some(sp.handle.token()),
            &[],
        )
        .await;
    r.assert_error(413, None);
    let r = sp
        .raw(
            Method::POST,
            "/Bulk",
            Some(big),
            Some(sp.handle.token()),
            &[],
        )
        .await;
    r.assert_error(413, None);
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let sp = Sp::start().await;
    for token in [None, Some("wrong"), Some("")] {
        for path in ["/Users", "/Groups", "/Bulk"] {
            let r = sp.raw(Method::GET, path, None, token, &[]).await;
            r.assert_error(401, None);
            assert!(r.headers.contains_key("www-authenticate"));
        }
        let r = sp
            .raw(
                Method::POST,
                &format!("{}/admin/reset", sp.handle.origin()),
                None,
                token,
                &[],
            )
            .await;
        r.assert_error(401, None);
    }
    let r = sp
        .raw(
            Method::GET,
            "/Users",
            None,
            None,
            &[("authorization", &format!("Basic {}", sp.handle.token()))],
        )
        .await;
    r.assert_error(401, None);
    // Discovery is readable without a token (RFC 7643 §5).
    assert_eq!(
        sp.raw(Method::GET, "/ServiceProviderConfig", None, None, &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn unsupported_media_type_method_and_path() {
    let sp = Sp::start().await;
    let r = sp
        .raw(
            Method::POST,
            "/Users",
            Some("{}".into()),
            Some(sp.handle.token()),
            &[("content-type", "text/xml")],
        )
        .await;
    r.assert_error(415, None);
    sp.send(Method::DELETE, "/Users", None)
        .await
        .assert_error(405, None);
    sp.get("/Widgets").await.assert_error(404, None);
    sp.get("/Users/does-not-exist")
        .await
        .assert_error(404, None);
    sp.get("/Me").await.assert_error(501, None);
    sp.get("/Users?startIndex=x")
        .await
        .assert_error(400, Some("invalidValue"));
    sp.get("/Users?sortOrder=sideways")
        .await
        .assert_error(400, Some("invalidValue"));
    sp.get("/Users?attributes=userName&excludedAttributes=name")
        .await
        .assert_error(400, Some("invalidSyntax"));
}

/// A client that never finishes its headers is disconnected, and one that
/// never finishes its body gets a 503; the clock is paused, so the test
/// runs in no real time.
#[tokio::test(start_paused = true)]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sp = Sp::start().await;
    let mut slow = tokio::net::TcpStream::connect(sp.handle.addr())
        .await
        .unwrap();
    slow.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let n = slow.read_to_end(&mut buf).await.unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");

    let mut trickle = tokio::net::TcpStream::connect(sp.handle.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"sch",
        sp.handle.token()
    );
    trickle.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = trickle.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains(ERROR), "{text}");
}

/// An enterprise-extension value carrying `schemas` is refused as
/// invalidValue (the path is valid, the value is not the extension's), and
/// changes nothing.
#[tokio::test]
async fn schemas_inside_an_extension_value_is_invalid_value() {
    let sp = Sp::start().await;
    let id = sp.user("ext-schemas@x").await;
    let at = format!("/Users/{id}");
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let before = sp.get(&at).await.body;
    for ops in [
        json!([{"op": "add", "path": ext, "value": {"schemas": [ext], "department": "D"}}]),
        json!([{"op": "replace", "value": {ext: {"schemas": [ext], "department": "D"}}}]),
    ] {
        sp.patch(&at, ops)
            .await
            .assert_error(400, Some("invalidValue"));
    }
    assert_eq!(sp.get(&at).await.body, before);
}
