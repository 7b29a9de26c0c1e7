//! Listing every resource with several pages in flight gives what listing
//! one page at a time gives, and falls back to that when the target's
//! pages do not add up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::idp::{PageSink, Wire};
use idpsim_simulator::profile::OKTA;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A target listing `total` users, at most `max` per page; after the first
/// request it holds only the last `later` of them (the first ones deleted
/// in between, which shifts every later page).
struct Pages {
    total: usize,
    later: usize,
    max: usize,
    calls: Arc<AtomicUsize>,
}

fn user(i: usize) -> Value {
    json!({"id": format!("u{i}"), "userName": format!("user{i}@x.test")})
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> = req
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let start: usize = q["startIndex"].parse().unwrap();
        let count: usize = q["count"].parse().unwrap();
        let held = if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            self.total
        } else {
            self.later
        };
        let gone = self.total - held;
        let items: Vec<Value> = (start..=held)
            .take(count.min(self.max))
            .map(|k| user(k + gone))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": held, "startIndex": start, "itemsPerPage": items.len(),
            "Resources": items,
        }))
    }
}

async fn wire_for(total: usize, later: usize, max: usize) -> (Wire, MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(any())
        .respond_with(Pages {
            total,
            later,
            max,
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let mut config = ClientConfig::new(&format!("{}/scim", server.uri()), Auth::None);
    config.concurrency = 4;
    let wire = Wire {
        profile: &OKTA,
        client: ScimClient::new(config).unwrap(),
    };
    (wire, server, calls)
}

fn names(v: &[Value]) -> Vec<&str> {
    v.iter().map(|u| u["userName"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn pages_in_flight_add_up_to_the_whole_listing_in_order() {
    // 250 users, the target granting 40 per page of the 100 asked for.
    let (wire, _server, calls) = wire_for(250, 250, 40).await;
    let at_once = wire.list_all_at_once("Users", 100, 4).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 7, "ceil(250 / 40) pages");
    let expected: Vec<Value> = (1..=250).map(user).collect();
    assert_eq!(names(&at_once), names(&expected));
    let one_by_one = wire.list_all("Users", 100).await.unwrap();
    assert_eq!(names(&at_once), names(&one_by_one));
}

#[tokio::test]
async fn a_listing_that_changes_under_the_pages_is_read_again_one_page_at_a_time() {
    let (wire, _server, calls) = wire_for(250, 249, 100).await;
    let got = wire.list_all_at_once("Users", 100, 4).await.unwrap();
    // Pages taken side by side would have skipped user 101, which moved
    // onto the first page after user 1 went.
    let expected: Vec<Value> = (2..=250).map(user).collect();
    assert_eq!(names(&got), names(&expected));
    // The first page, the two after it side by side, then three again one
    // at a time; the fallback drops the side page still in flight, which
    // the target may or may not have been sent by then.
    let calls = calls.load(Ordering::SeqCst);
    assert!(
        (2 + 3..=3 + 3).contains(&calls),
        "{calls} requests: three pages (or two, one dropped in flight), then three again"
    );
}

#[tokio::test]
async fn a_single_page_is_one_request() {
    let (wire, _server, calls) = wire_for(30, 30, 100).await;
    assert_eq!(
        wire.list_all_at_once("Users", 100, 4).await.unwrap().len(),
        30
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_target_claiming_millions_it_does_not_send_costs_a_few_requests() {
    // Five million claimed at one per page, then a listing of one.
    let (wire, _server, calls) = wire_for(5_000_000, 1, 1).await;
    let got = wire.list_all_at_once("Users", 100, 4).await.unwrap();
    assert_eq!(names(&got), vec!["user5000000@x.test"]);
    let n = calls.load(Ordering::SeqCst);
    assert!(n <= 1 + 4 + 1, "{n} requests");
}

/// Three groups served one per page, whatever the client asks for.
struct OnePerPage;

impl Respond for OnePerPage {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let start: usize = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "startIndex")
            .map_or(1, |(_, v)| v.parse().unwrap());
        let names = ["Alpha", "Beta", "Gamma"];
        let page: Vec<Value> = names
            .iter()
            .enumerate()
            .skip(start - 1)
            .take(1)
            .map(|(i, n)| json!({"id": format!("g{i}"), "displayName": n}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": names.len(), "startIndex": start,
            "itemsPerPage": page.len(), "Resources": page,
        }))
    }
}

/// PingFederate finds a group by listing `/Groups` (IDP-WIRE.md §6): it
/// follows the pages the target grants, so a group past the first page is
/// linked, not created twice.
#[tokio::test]
async fn a_profile_that_lists_groups_follows_the_pages_to_find_one() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(OnePerPage)
        .mount(&server)
        .await;
    let wire = Wire {
        profile: &idpsim_simulator::profile::PING,
        client: ScimClient::new(ClientConfig::new(&server.uri(), Auth::None)).unwrap(),
    };
    let id = wire.create_group("gamma", "idp-g").await.unwrap();
    assert_eq!(id, "g2");
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| match r.url.query() {
            Some(q) => format!("{} {}?{q}", r.method, r.url.path()),
            None => format!("{} {}", r.method, r.url.path()),
        })
        .collect();
    assert_eq!(
        asked,
        [
            "GET /Groups",
            "GET /Groups?startIndex=2&count=1",
            "GET /Groups?startIndex=3&count=1"
        ]
    );
}

/// Collects the names of a listing as [`Wire::each_page`] hands it over.
#[derive(Default)]
struct Names {
    got: Vec<String>,
    restarts: usize,
    /// The target's count of requests answered, and the most pages
    /// answered but not yet taken when one was taken.
    answered: Option<Arc<AtomicUsize>>,
    taken: usize,
    most_ahead: usize,
}

impl PageSink for Names {
    fn page(
        &mut self,
        _: &str,
        _: usize,
        body: &[u8],
    ) -> Result<(usize, usize), idpsim_simulator::idp::EventError> {
        let v: Value = serde_json::from_slice(body).unwrap();
        let items = v["Resources"].as_array().unwrap();
        self.got.extend(
            items
                .iter()
                .map(|u| u["userName"].as_str().unwrap().to_owned()),
        );
        if let Some(answered) = &self.answered {
            let ahead = answered.load(Ordering::SeqCst) - self.taken;
            self.most_ahead = self.most_ahead.max(ahead);
        }
        self.taken += 1;
        Ok((v["totalResults"].as_u64().unwrap() as usize, items.len()))
    }
    fn restart(&mut self, _: &str) {
        self.got.clear();
        self.restarts += 1;
    }
}

#[tokio::test]
async fn pages_handed_over_as_they_arrive_are_every_page_in_order() {
    // Many more pages than are in flight: every one is asked for once.
    let (wire, _server, calls) = wire_for(1000, 1000, 40).await;
    let mut sink = Names {
        answered: Some(calls.clone()),
        ..Names::default()
    };
    wire.each_page("Users", 100, 4, &mut sink).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 25, "1000 / 40 pages");
    // Never more than twice the pages in flight ahead of the one taken.
    assert!(
        (1..=8).contains(&sink.most_ahead),
        "{} pages ahead",
        sink.most_ahead
    );
    let expected: Vec<String> = (1..=1000).map(|i| format!("user{i}@x.test")).collect();
    assert_eq!(sink.got, expected);
    assert_eq!(sink.restarts, 0);
}

#[tokio::test]
async fn pages_handed_over_start_again_when_the_listing_changes() {
    let (wire, _server, _calls) = wire_for(250, 249, 100).await;
    let mut sink = Names::default();
    wire.each_page("Users", 100, 4, &mut sink).await.unwrap();
    let expected: Vec<String> = (2..=250).map(|i| format!("user{i}@x.test")).collect();
    assert_eq!(sink.got, expected);
    assert_eq!(sink.restarts, 1);
}
