//! A target that hangs, answers HTML, fails with 500 or drops connections
//! yields failed steps with the evidence, never a hang or a panic.

use std::time::Duration;

use idpsim_simulator::client::{Auth, ClientConfig, RetryPolicy, ScimClient};
use idpsim_simulator::idp::Idp;
use idpsim_simulator::player::{Player, build_directory};
use idpsim_simulator::profile::OKTA;
use idpsim_simulator::scenario;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCENARIO: &str = "name: bad target\nidp: okta\ndirectory:\n  users:\n    - { userName: a@x.test }\nsteps:\n  - join: a@x.test\n  - expect: { user: a@x.test, exists: true }\n";

async fn play(base_url: &str) -> idpsim_simulator::player::ScenarioReport {
    let s = scenario::parse("bad.yaml", SCENARIO).unwrap();
    let mut config = ClientConfig::new(base_url, Auth::Bearer("secret-token".into()));
    config.timeout = Duration::from_millis(500);
    config.retry = RetryPolicy {
        max_retries: 1,
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let idp = Idp::new(
        build_directory(&s, 0),
        &OKTA,
        ScimClient::new(config).unwrap(),
    );
    let mut player = Player::new(idp);
    tokio::time::timeout(Duration::from_secs(20), player.run("bad.yaml", &s, |_| {}))
        .await
        .expect("a bad target must not hang the run")
}

fn assert_failed_with(report: &idpsim_simulator::player::ScenarioReport, words: &str) {
    assert!(!report.passed);
    let step = &report.steps[0];
    let failure = step.failure.as_deref().unwrap();
    assert!(failure.contains(words), "{failure}");
    assert!(
        !step.exchanges.is_empty(),
        "a failed step carries its exchanges as evidence"
    );
    let x = &step.exchanges[0];
    assert!(x.url.contains("/Users?filter="), "{}", x.url);
    let auth = x
        .request_headers
        .iter()
        .find(|(k, _)| k == "Authorization")
        .unwrap();
    assert_eq!(
        auth.1, "Bearer <redacted>",
        "secrets never reach the evidence"
    );
}

#[tokio::test]
async fn hanging_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let r = play(&server.uri()).await;
    assert_failed_with(&r, "no answer within");
}

#[tokio::test]
async fn html_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Sign in</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let r = play(&server.uri()).await;
    assert_failed_with(&r, "not JSON");
    assert_eq!(
        r.steps[0].exchanges[0].response_json(),
        Some(serde_json::Value::String(
            "<html><body>Sign in</body></html>".into()
        ))
    );
}

#[tokio::test]
async fn failing_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let r = play(&server.uri()).await;
    assert_failed_with(&r, "answered 500");
    assert_eq!(r.steps[0].exchanges.len(), 2, "one try and one retry");
}

#[tokio::test]
async fn connection_resetting_target() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            drop(sock);
        }
    });
    let r = play(&format!("http://{addr}")).await;
    assert_failed_with(&r, "look up Users");
    assert!(
        r.steps[1].failure.is_some(),
        "the expectation fails too, with its own evidence"
    );
}

/// 429 with Retry-After is retried, and the retry recorded.
#[tokio::test]
async fn rate_limited_target_is_retried_after_retry_after() {
    use wiremock::matchers::method;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
            "application/scim+json",
        ))
        .mount(&server)
        .await;
    let client = ScimClient::new(ClientConfig::new(&server.uri(), Auth::None)).unwrap();
    let wire = idpsim_simulator::idp::Wire {
        profile: &OKTA,
        client: client.clone(),
    };
    let found = wire.lookup("Users", "userName", "a@x.test").await.unwrap();
    assert!(found.is_none());
    let (exchanges, stats) = client.take().await;
    assert_eq!(stats.requests, 2);
    assert_eq!(exchanges[0].status, Some(429));
    assert_eq!(exchanges[1].attempt, 1);
}

/// An HTTPS target whose certificate no system root vouches for is refused
/// at the handshake, and the error says why.
#[tokio::test]
async fn untrusted_https_target_is_a_connect_error_naming_the_certificate() {
    use idpsim_simulator::client::{ClientError, Method, Request};
    let m = idpsim_certs::Material::fixtures();
    let tls = idpsim_server::tls_config(&m.tls.cert_pem, &m.tls.key_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel();
    let router = axum::Router::new().route("/Users", axum::routing::get(|| async { "{}" }));
    tokio::spawn(idpsim_server::run_tls(listener, router, stopped, tls));
    let client =
        ScimClient::new(ClientConfig::new(&format!("https://{addr}"), Auth::None)).unwrap();
    let req = Request {
        method: Method::GET,
        path: "/Users".into(),
        headers: Vec::new(),
        body: None,
    };
    match client.send(&req).await {
        Err(ClientError::Connect(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_recording_keeps_no_cookie_a_target_sets() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("set-cookie", "AWSALB=s3cret-balancer; Path=/; HttpOnly")
                .set_body_string("boom"),
        )
        .mount(&server)
        .await;
    let r = play(&server.uri()).await;
    let shown = serde_json::to_string(&r.steps[0].exchanges).unwrap();
    let fixture = idpsim_simulator::record::fixture(&r, &server.uri()).to_string();
    for text in [&shown, &fixture] {
        assert!(!text.contains("s3cret-balancer"), "{text}");
        assert!(
            text.contains("AWSALB=<redacted>; Path=/; HttpOnly"),
            "{text}"
        );
    }
}

mod reset {
    use std::time::Duration;

    use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
    use idpsim_simulator::directory::Directory;
    use idpsim_simulator::idp::Idp;
    use idpsim_simulator::profile::OKTA;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn idp(server: &MockServer, auth: Auth, timeout: Duration) -> Idp {
        let mut config = ClientConfig::new(&format!("{}/scim/v2", server.uri()), auth);
        config.timeout = timeout;
        let mut idp = Idp::new(Directory::new(1), &OKTA, ScimClient::new(config).unwrap());
        idp.reset_url = Some(format!("{}/admin/reset", server.uri()));
        idp
    }

    /// The control answers only a request carrying `name: value`.
    async fn control(name: &'static str, value: &'static str) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/admin/reset"))
            .and(header(name, value))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"usersDeleted": 2, "groupsDeleted": 1})),
            )
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        server
    }

    /// The reset `play` runs and `load reset` runs (the same code,
    /// `idp::reset`): an account the target refuses to delete no longer
    /// passes silently. The reset deletes everything else, then fails
    /// naming the refusal and the way out; with the account exempt it is
    /// never sent a DELETE and the reset passes.
    #[tokio::test]
    async fn a_refused_delete_fails_the_reset_after_the_rest_is_deleted() {
        let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config::default())
            .await
            .unwrap();
        let config = ClientConfig::new(sp.base_url(), Auth::Bearer(sp.token().to_owned()));
        let mut idp = Idp::new(Directory::new(1), &OKTA, ScimClient::new(config).unwrap());
        let mut dir = Directory::new(2);
        for name in ["ann@example.com", "bob@example.com"] {
            let u = dir.new_user(name);
            dir.add_user(u);
        }
        idp.dir = dir;
        idp.full_sync(Default::default()).await.unwrap();
        assert_eq!(sp.tenant().counts().0, 3, "two users and the owner");

        let e = idp.reset(&[]).await.expect_err("the owner is refused");
        let shown = e.to_string();
        assert!(shown.contains("2 deleted, 1 refused"), "{shown}");
        assert!(shown.contains("--exempt"), "{shown}");
        assert!(shown.contains("owner@idpsim.test"), "{shown}");
        assert!(shown.contains("403"), "{shown}");
        assert_eq!(sp.tenant().counts(), (1, 0), "the rest was deleted");

        let n = idp.reset(&["Owner@idpsim.test".to_owned()]).await.unwrap();
        assert_eq!(n, 0, "nothing left to delete, and the owner never asked");
    }

    #[tokio::test]
    async fn every_auth_scheme_reaches_the_reset_control() {
        for (auth, name, value) in [
            (Auth::Bearer("t0k".into()), "authorization", "Bearer t0k"),
            (
                Auth::Basic {
                    user: "okta".into(),
                    password: "pw".into(),
                },
                "authorization",
                // base64("okta:pw")
                "Basic b2t0YTpwdw==",
            ),
            (
                Auth::Header {
                    name: "X-Api-Key".into(),
                    value: "k3y".into(),
                },
                "x-api-key",
                "k3y",
            ),
        ] {
            let server = control(name, value).await;
            let shown = format!("{auth:?}");
            let n = idp(&server, auth, Duration::from_secs(10))
                .reset(&[])
                .await
                .unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(n, 3, "{shown}");
        }
    }

    #[tokio::test]
    async fn a_hanging_reset_control_times_out() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"usersDeleted": 0, "groupsDeleted": 0}))
                    .set_delay(Duration::from_secs(30)),
            )
            .mount(&server)
            .await;
        let mut idp = idp(
            &server,
            Auth::Bearer("t".into()),
            Duration::from_millis(300),
        );
        // The outer bound only keeps a broken build from hanging the suite;
        // the assertion is that the reset itself gives up (an error), where
        // it used to wait for the answer and succeed.
        let r = tokio::time::timeout(Duration::from_secs(60), idp.reset(&[]))
            .await
            .expect("reset returns");
        let e = r.expect_err("the SCIM client's timeout applies to the reset control");
        assert!(e.to_string().contains("reset the target"), "{e}");
    }
}
