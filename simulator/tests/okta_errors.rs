//! Okta's engine against the reference SP and a scripted target: each
//! shipped `okta-*` scenario that provokes a finding with a quirk passes
//! with it, and the finding is gone when the same scenario runs without
//! the quirk; errors follow each profile's error policy (IDP-ENGINES O8,
//! O29, O30, E30).

use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::idp::{EventError, Wire};
use idpsim_simulator::player::ScenarioReport;
use idpsim_simulator::profile::{ENTRA, OKTA, Profile};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::played::play;

/// The failures of the steps wrapped in `expect_failure`, in order: with
/// the quirk each is a finding; without it, "succeeded; a failure … was
/// expected".
fn failures(r: &ScenarioReport) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| !s.passed)
        .map(|s| s.failure.clone().unwrap_or_default())
        .collect()
}

/// O22 with quirk `no-replace-members`: both forms of the full push fail
/// as a failed task; without the quirk they set the membership.
#[tokio::test]
async fn a_server_refusing_replace_members_fails_okta_push_now() {
    let (r, _sp) = play("okta-push-now.yaml", true).await;
    assert!(r.passed, "{:?}", failures(&r));
    let (r, _sp) = play("okta-push-now.yaml", false).await;
    let f = failures(&r);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|m| m.contains("succeeded")), "{f:?}");
}

/// O27 with quirk `page-cap-50`: the import names what Okta would never
/// import; without the cap it imports everything.
#[tokio::test]
async fn short_pages_lose_users_from_okta_imports() {
    let (r, _sp) = play("okta-import-paging.yaml", true).await;
    assert!(r.passed, "{:?}", failures(&r));
    let note = &r.steps[1].notes[0];
    assert!(note.contains("positions 51-100"), "{note}");
    let (r, _sp) = play("okta-import-paging.yaml", false).await;
    let f = failures(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("succeeded"), "{f:?}");
}

/// O8 with quirk `racy-create`: the 409 stops the job with an error; no
/// relink. Without the quirk the join goes through.
#[tokio::test]
async fn okta_stops_on_a_409_instead_of_linking() {
    let (r, _sp) = play("okta-conflict.yaml", true).await;
    assert!(r.passed, "{:?}", failures(&r));
    let (r, _sp) = play("okta-conflict.yaml", false).await;
    let f = failures(&r);
    assert!(
        f[0].contains("join ana@example.com] succeeded"),
        "the finding is gone: {f:?}"
    );
}

/// A target answering `status` to everything, and a wire of `profile` to it.
async fn answering(status: u16, retry_after: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    let mut t = ResponseTemplate::new(status).set_body_string("busy");
    if let Some(s) = retry_after {
        t = t.insert_header("Retry-After", s);
    }
    Mock::given(any()).respond_with(t).mount(&server).await;
    server
}

fn wire(profile: &'static Profile, server: &MockServer) -> Wire {
    let client = ScimClient::new(ClientConfig::new(&server.uri(), Auth::None)).unwrap();
    Wire::new(profile, client)
}

/// O30: Okta sends a 5xx'd request once, POST included, and says it is a
/// failed task.
#[tokio::test]
async fn okta_does_not_retry_5xx() {
    let server = answering(500, None).await;
    let w = wire(&OKTA, &server);
    let e = w.lookup("Users", "userName", "a@x.test").await.unwrap_err();
    assert!(e.to_string().contains("failed task"), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// E30: Entra's client does not retry 429 or 5xx: the engine escrows them.
#[tokio::test]
async fn entra_hands_429_and_5xx_to_its_engine() {
    for status in [429, 503] {
        let server = answering(status, Some("60")).await;
        let w = wire(&ENTRA, &server);
        let e = w.lookup("Users", "userName", "a@x.test").await.unwrap_err();
        assert!(
            matches!(e, EventError::Rejected { status: s, .. } if s == status),
            "{e}"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        assert!(w.client.waited().is_zero());
    }
}

/// O29: Okta waits the full Retry-After, 60 s here, on the virtual clock
/// (the client's real-time cap is zero by default), then sends again.
#[tokio::test]
async fn okta_waits_the_full_retry_after_in_virtual_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "60"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
            "application/scim+json",
        ))
        .mount(&server)
        .await;
    let w = wire(&OKTA, &server);
    assert!(
        w.lookup("Users", "userName", "a@x.test")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        w.client.waited().as_secs(),
        120,
        "two full Retry-After waits"
    );
    let (x, _) = w.client.take().await;
    assert_eq!(
        x.iter().map(|e| (e.status, e.attempt)).collect::<Vec<_>>(),
        [(Some(429), 0), (Some(429), 1), (Some(200), 2)]
    );
}

/// O1: Okta's connection test fails at setup on a 401, a 5xx, or paging
/// integers sent as strings, for users and for groups.
#[tokio::test]
async fn okta_connection_test_fails_at_setup() {
    for status in [401, 503] {
        let server = answering(status, None).await;
        let w = wire(&OKTA, &server);
        let e = w.test_connection("unused").await.unwrap_err();
        assert!(e.to_string().contains("IDP-ENGINES O1"), "{e}");
        let e = w.test_group_connection().await.unwrap_err();
        assert!(e.to_string().contains(&status.to_string()), "{e}");
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"1","startIndex":"1","itemsPerPage":"1","Resources":[]}"#,
            "application/scim+json",
        ))
        .mount(&server)
        .await;
    let w = wire(&OKTA, &server);
    for e in [
        w.test_connection("unused").await.unwrap_err(),
        w.test_group_connection().await.unwrap_err(),
    ] {
        assert!(e.to_string().contains("integer paging fields"), "{e}");
    }
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert_eq!(
        paths,
        [
            "/Users?startIndex=1&count=2",
            "/Groups?startIndex=1&count=100"
        ]
    );
}
