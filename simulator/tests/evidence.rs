//! What an exchange keeps: everything for evidence by default, only what a
//! timing needs for a load run; the credentials header either way.

use idpsim_simulator::client::{Auth, ClientConfig, Method, Request, ScimClient};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn target() -> MockServer {
    let server = MockServer::start().await;
    // Only a request carrying the Basic pair is answered 200.
    Mock::given(method("POST"))
        .and(header("authorization", "Basic b2t0YTpwdw=="))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("etag", "W/\"1\"")
                .set_body_json(serde_json::json!({"id": "u1"})),
        )
        .mount(&server)
        .await;
    server
}

async fn one_exchange(evidence: bool) -> idpsim_simulator::client::Exchange {
    let server = target().await;
    let mut config = ClientConfig::new(
        &format!("{}/scim/v2", server.uri()),
        Auth::Basic {
            user: "okta".into(),
            password: "pw".into(),
        },
    );
    config.evidence = evidence;
    let client = ScimClient::new(config).unwrap();
    let req = Request {
        method: Method::POST,
        path: "/Users".into(),
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: Some(serde_json::json!({"userName": "ann@x.test"})),
    };
    let r = client.send(&req).await.unwrap();
    assert_eq!(r.status, 201, "the credentials header was sent");
    assert_eq!(
        r.id().as_deref(),
        Some("u1"),
        "the answer is read either way"
    );
    let (mut exchanges, _) = client.take().await;
    assert_eq!(exchanges.len(), 1);
    exchanges.remove(0)
}

#[tokio::test]
async fn an_exchange_keeps_headers_and_bodies_for_evidence() {
    let x = one_exchange(true).await;
    assert!(
        x.request_headers
            .iter()
            .any(|(k, v)| k == "Authorization" && v == "Basic <redacted>")
    );
    assert!(x.response_headers.iter().any(|(k, _)| k == "etag"));
    assert!(x.request_body.is_some() && x.response_body.is_some());
}

#[tokio::test]
async fn a_client_without_evidence_keeps_only_what_a_timing_needs() {
    let x = one_exchange(false).await;
    assert_eq!((x.status, x.method), (Some(201), Method::POST));
    assert!(x.url.ends_with("/scim/v2/Users"), "{}", x.url);
    assert!(x.error.is_none());
    assert!(x.request_headers.is_empty() && x.response_headers.is_empty());
    assert!(x.request_body.is_none() && x.response_body.is_none());
}
