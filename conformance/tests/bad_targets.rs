//! Against a target that hangs, answers HTML, fails with 500 or closes
//! connections, a run ends within its deadline with failures that carry
//! evidence, and never panics.

use std::time::{Duration, Instant};

use idpsim_conformance::check::Capability;
use idpsim_conformance::checks;
use idpsim_conformance::runner::{self, Options, Target, Verdict};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn run_against(base_url: String) -> runner::Report {
    let opts = Options {
        check_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(30),
        concurrency: 32,
        // Forced, so that gated checks run against a target whose
        // ServiceProviderConfig cannot be read.
        force: Capability::ALL.to_vec(),
        ..Options::default()
    };
    let target = Target {
        base_url,
        token: Some("secret-token".into()),
    };
    let started = Instant::now();
    let report = runner::run(&checks::all(), &target, &opts).await;
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "the run kept to its deadline"
    );
    report
}

fn assert_all_failed_with_evidence(r: &runner::Report) {
    assert!(!r.passed());
    assert_eq!(r.outcomes.len(), checks::all().len());
    for o in &r.outcomes {
        // A check about what the server declares of itself (a required
        // extension, an immutable attribute) has nothing to judge when
        // /ResourceTypes and /Schemas cannot be read, and says so.
        if o.verdict == Verdict::Skip
            && o.message
                .as_deref()
                .is_some_and(|m| m.contains("could not be read"))
        {
            continue;
        }
        assert!(
            matches!(o.verdict, Verdict::Fail | Verdict::Warn),
            "{} was {:?}",
            o.id,
            o.verdict
        );
        if o.verdict == Verdict::Fail {
            assert!(o.expected.is_some() && o.got.is_some(), "{}", o.id);
        }
    }
    let with_evidence = r
        .outcomes
        .iter()
        .filter(|o| !o.exchanges.is_empty())
        .count();
    assert!(
        with_evidence * 2 > r.outcomes.len(),
        "most failures carry their exchanges"
    );
    let json = idpsim_conformance::report::json(r);
    assert!(!json.contains("secret-token"), "tokens never reach reports");
}

#[tokio::test]
async fn hanging_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    assert_all_failed_with_evidence(&run_against(server.uri()).await);
}

#[tokio::test]
async fn html_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Please sign in</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    assert_all_failed_with_evidence(&run_against(server.uri()).await);
}

#[tokio::test]
async fn failing_target() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .mount(&server)
        .await;
    assert_all_failed_with_evidence(&run_against(server.uri()).await);
}

#[tokio::test]
async fn connection_closing_target() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            drop(sock);
        }
    });
    assert_all_failed_with_evidence(&run_against(format!("http://{addr}")).await);
}
