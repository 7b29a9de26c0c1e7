//! A replay judges a listing without `sortBy` by what RFC 7644 §3.4.2.4
//! promises: a complete listing as one set across its pages, a partial one
//! as recorded when the server shows the same resources and else by count.
//! So creates may go out several at once, and a server that lists in
//! another order passes; one that loses a resource does not.

use idpsim_simulator::fixtures::{self, Options, Target};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn user(id: &str, name: &str) -> Value {
    json!({"id": id, "userName": name})
}

fn list(total: usize, start: usize, users: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total, "startIndex": start, "itemsPerPage": users.len(),
        "Resources": users,
    })
}

/// Three creates, a listing in two pages of two, and a `count=1` read of
/// the total, as recorded (in the order the users were made).
fn fixture() -> Value {
    let create = |n: usize, name: &str| {
        json!({"method": "POST", "url": "{base}/Users",
            "request_body": {"userName": name}, "status": 201,
            "response_headers": [["content-type", "application/json"]],
            "response_body": user(&format!("{{id{n}}}"), name)})
    };
    let get = |url: &str, body: Value| {
        json!({"method": "GET", "url": url, "status": 200, "response_body": body,
            "response_headers": [["content-type", "application/json"]]})
    };
    json!({"fixtureVersion": 1, "idp": "okta", "scenario": "listings", "steps": [
        {"step": "sync", "passed": true, "exchanges": [
            create(1, "a@x.test"), create(2, "b@x.test"), create(3, "c@x.test")]},
        {"step": "import", "passed": true, "exchanges": [
            get("{base}/Users?startIndex=1&count=2",
                list(3, 1, vec![user("{id1}", "a@x.test"), user("{id2}", "b@x.test")])),
            get("{base}/Users?startIndex=3&count=2", list(3, 3, vec![user("{id3}", "c@x.test")])),
            get("{base}/Users?startIndex=1&count=1", list(3, 1, vec![user("{id1}", "a@x.test")])),
        ]},
    ]})
}

/// A target that made the users in the order c, a, b (as creates sent at
/// once may land) and lists `page2` as its second page.
async fn target(page2: Vec<Value>) -> MockServer {
    target_showing(page2, user("9c", "c@x.test")).await
}

/// As [`target`], with `first` as what `count=1` shows.
async fn target_showing(page2: Vec<Value>, first: Value) -> MockServer {
    let server = MockServer::start().await;
    for (id, name) in [("9c", "c@x.test"), ("9a", "a@x.test"), ("9b", "b@x.test")] {
        Mock::given(method("POST"))
            .and(path("/Users"))
            .and(wiremock::matchers::body_partial_json(
                json!({"userName": name}),
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(user(id, name)))
            .mount(&server)
            .await;
    }
    let page = |start: &str, count: &str, body: Value| {
        Mock::given(method("GET"))
            .and(path("/Users"))
            .and(query_param("startIndex", start))
            .and(query_param("count", count))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    let (c, a) = (user("9c", "c@x.test"), user("9a", "a@x.test"));
    page("1", "2", list(3, 1, vec![c, a])).mount(&server).await;
    page("3", "2", list(3, 3, page2)).mount(&server).await;
    page("1", "1", list(3, 1, vec![first])).mount(&server).await;
    server
}

async fn replay(server: &MockServer) -> fixtures::Report {
    let dir = std::env::temp_dir().join(format!("idpsim-listings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("listings-{}.okta.json", server.address().port()));
    std::fs::write(&file, serde_json::to_vec(&fixture()).unwrap()).unwrap();
    let f = fixtures::load(&file).expect("the fixture reads");
    let opts = Options {
        concurrency: 8,
        ..Options::default()
    };
    fixtures::replay(&f, &Target::new(&server.uri(), None), &opts, |_| {})
        .await
        .expect("the replay runs")
}

#[tokio::test]
async fn a_listing_in_another_order_passes_page_by_page_and_as_a_whole() {
    let server = target(vec![user("9b", "b@x.test")]).await;
    let report = replay(&server).await;
    let differing: Vec<_> = report.outcomes.iter().filter(|o| !o.ok()).collect();
    assert!(differing.is_empty(), "{differing:#?}");
    let notes: Vec<&String> = report.outcomes.iter().flat_map(|o| &o.notes).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("the 2 pages of this listing compared together")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("resources not recorded are judged by how many")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn a_listing_that_loses_a_resource_fails_on_its_last_page() {
    // The second page repeats a user and never shows b.
    let server = target(vec![user("9a", "a@x.test")]).await;
    let report = replay(&server).await;
    let differing: Vec<_> = report.outcomes.iter().filter(|o| !o.ok()).collect();
    assert_eq!(differing.len(), 1, "{differing:#?}");
    let last_page = differing[0];
    assert_eq!(last_page.url, "{base}/Users?startIndex=3&count=2");
    let ds = &last_page.differences;
    assert!(
        ds.iter().all(|d| d.path.starts_with("$.Resources")),
        "{ds:#?}"
    );
    assert!(
        ds.iter()
            .any(|d| d.expected.contains("b@x.test") && d.got.contains("a@x.test")),
        "{ds:#?}"
    );
}

#[tokio::test]
async fn a_partial_listing_showing_a_recorded_resource_wrongly_fails() {
    // `count=1` shows the user recorded there, with another userName.
    let server = target_showing(vec![user("9b", "b@x.test")], user("9a", "z@x.test")).await;
    let report = replay(&server).await;
    let differing: Vec<_> = report.outcomes.iter().filter(|o| !o.ok()).collect();
    assert_eq!(differing.len(), 1, "{differing:#?}");
    assert_eq!(differing[0].url, "{base}/Users?startIndex=1&count=1");
    let d = &differing[0].differences[0];
    assert_eq!(d.path, "$.Resources[0].userName", "{d}");
    assert_eq!(
        (d.expected.as_str(), d.got.as_str()),
        ("\"a@x.test\"", "\"z@x.test\"")
    );
}

/// The pages of a listing of everything change nothing, so a replay sends
/// them together; they are still judged in order, so the listing passes as
/// a whole whatever order the answers come in.
#[tokio::test]
async fn the_pages_of_a_listing_go_out_together_and_are_judged_in_order() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const USERS: usize = 4;
    let names: Vec<String> = (0..USERS).map(|i| format!("u{i}@x.test")).collect();
    // The target's id for a user.
    fn id(name: &str) -> String {
        format!("9{}", name.split('@').next().unwrap_or_default())
    }
    let create = |n: usize| {
        json!({"method": "POST", "url": "{base}/Users",
            "request_headers": [["content-type", "application/json"]],
            "request_body": {"userName": names[n]}, "status": 201,
            "response_headers": [["content-type", "application/json"]],
            "response_body": user(&format!("{{id{}}}", n + 1), &names[n])})
    };
    let page = |n: usize| {
        json!({"method": "GET", "url": format!("{{base}}/Users?startIndex={}&count=1", n + 1),
            "status": 200, "response_headers": [["content-type", "application/json"]],
            "response_body": list(USERS, n + 1, vec![user(&format!("{{id{}}}", n + 1), &names[n])])})
    };
    let f = json!({"fixtureVersion": 1, "idp": "okta", "scenario": "pages", "steps": [
        {"step": "sync", "exchanges": (0..USERS).map(create).collect::<Vec<_>>()},
        {"step": "import", "exchanges": (0..USERS).map(page).collect::<Vec<_>>()},
    ]});

    // A target that lists users newest first, answers later pages sooner,
    // and counts the listing requests in flight at once.
    #[derive(Clone, Default)]
    struct Seen {
        now: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
    }
    let seen = Seen::default();
    let names_at = names.clone();
    let app = axum::Router::new()
        .route(
            "/Users",
            axum::routing::post(|axum::Json(b): axum::Json<Value>| async move {
                let name = b["userName"].as_str().unwrap_or_default().to_owned();
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(user(&id(&name), &name)),
                )
            })
            .get(
                move |axum::extract::State(seen): axum::extract::State<Seen>,
                      axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, usize>,
                >| {
                    let names = names_at.clone();
                    async move {
                        let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
                        seen.most.fetch_max(now, Ordering::SeqCst);
                        let start = q["startIndex"];
                        let wait = 20 * (USERS + 1 - start) as u64;
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                        seen.now.fetch_sub(1, Ordering::SeqCst);
                        let name = &names[USERS - start];
                        axum::Json(list(USERS, start, vec![user(&id(name), name)]))
                    }
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = std::env::temp_dir().join(format!("idpsim-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pages.okta.json");
    std::fs::write(&file, serde_json::to_vec(&f).unwrap()).unwrap();
    let f = fixtures::load(&file).expect("the fixture reads");
    let opts = Options {
        concurrency: 8,
        ..Options::default()
    };
    let report = fixtures::replay(&f, &Target::new(&base, None), &opts, |_| {})
        .await
        .expect("the replay runs");
    std::fs::remove_dir_all(&dir).unwrap();

    let differing: Vec<_> = report.outcomes.iter().filter(|o| !o.ok()).collect();
    assert!(differing.is_empty(), "{differing:#?}");
    let last = report.outcomes.last().unwrap();
    assert_eq!(last.url, "{base}/Users?startIndex=4&count=1");
    assert!(
        last.notes
            .iter()
            .any(|n| n.contains("the 4 pages of this listing compared together")),
        "{:?}",
        last.notes
    );
    assert!(
        seen.most.load(Ordering::SeqCst) > 1,
        "the pages went out one at a time"
    );
}
