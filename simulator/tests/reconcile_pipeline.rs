//! The reconcile keeps its pages in flight: a target that counts the page
//! requests it holds at once sees the configured width, never more, and a
//! page that is slow to come does not stop the pages after it from being
//! asked for (up to the read-ahead bound, which is all the reconcile may
//! hold). Counted at the target; nothing here measures time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::Wire;
use idpsim_simulator::profile::OKTA;
use idpsim_simulator::reconcile::{self, PAGES_IN_FLIGHT};
use serde_json::{Value, json};
use tokio::sync::Notify;

const USERS: usize = 2_000;
const PAGE: usize = 100;
/// Users pages after the first, which the reconcile asks for side by side.
const SIDE_PAGES: usize = USERS / PAGE - 1;
/// A safety net, not a measure: a held page is let go after this even if
/// what it waits for never comes, so that a failing run ends.
const GIVE_UP: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
enum Mode {
    /// Every users page after the first is held until `PAGES_IN_FLIGHT`
    /// are held at once (or every page has been asked for).
    Width,
    /// The second users page is held until the pages after it that were
    /// asked for meanwhile reach `behind`.
    SlowHead { behind: usize },
}

#[derive(Default)]
struct Seen {
    held: usize,
    max_held: usize,
    asked: usize,
    released_below: usize,
    head_released: bool,
    behind_head: usize,
    gave_up: bool,
}

struct Target {
    mode: Mode,
    users: Vec<Value>,
    groups: Vec<Value>,
    seen: Mutex<Seen>,
    changed: Notify,
}

impl Target {
    /// Waits until `ready` holds, or gives up (and says so).
    async fn wait(&self, ready: impl Fn(&Seen) -> bool) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if ready(&self.seen.lock().unwrap()) {
                return;
            }
            if tokio::time::timeout(GIVE_UP, changed).await.is_err() {
                self.seen.lock().unwrap().gave_up = true;
                return;
            }
        }
    }

    async fn users_page(&self, start: usize) {
        if start == 1 {
            return;
        }
        match self.mode {
            Mode::Width => {
                let ticket = {
                    let mut s = self.seen.lock().unwrap();
                    let ticket = s.asked;
                    s.asked += 1;
                    s.held += 1;
                    s.max_held = s.max_held.max(s.held);
                    if s.held >= PAGES_IN_FLIGHT || s.asked == SIDE_PAGES {
                        s.released_below = s.asked;
                    }
                    ticket
                };
                self.changed.notify_waiters();
                self.wait(|s| ticket < s.released_below).await;
                self.seen.lock().unwrap().held -= 1;
            }
            Mode::SlowHead { behind } => {
                let head = start == 1 + PAGE;
                {
                    let mut s = self.seen.lock().unwrap();
                    s.held += 1;
                    s.max_held = s.max_held.max(s.held);
                    // Asked for before the slow page was let go (whether
                    // they reached the target before it or after).
                    if !head && !s.head_released {
                        s.behind_head += 1;
                    }
                }
                self.changed.notify_waiters();
                if head {
                    self.wait(|s| s.behind_head >= behind).await;
                    self.seen.lock().unwrap().head_released = true;
                }
                self.seen.lock().unwrap().held -= 1;
            }
        }
    }
}

fn list(items: &[Value], q: &HashMap<String, String>) -> Value {
    let start: usize = q.get("startIndex").map_or(1, |s| s.parse().unwrap());
    let count: usize = q.get("count").map_or(PAGE, |s| s.parse().unwrap());
    let page: Vec<&Value> = items.iter().skip(start - 1).take(count).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": items.len(), "startIndex": start, "itemsPerPage": page.len(),
        "Resources": page,
    })
}

async fn users(
    State(t): State<Arc<Target>>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::Json<Value> {
    let start = q.get("startIndex").map_or(1, |s| s.parse().unwrap());
    t.users_page(start).await;
    axum::Json(list(&t.users, &q))
}

async fn groups(
    State(t): State<Arc<Target>>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::Json<Value> {
    axum::Json(list(&t.groups, &q))
}

/// A synced directory and a target holding exactly it.
fn synced() -> (Directory, Vec<Value>, Vec<Value>) {
    let mut dir = Directory::generate(&Generate {
        seed: 9,
        users: USERS,
        groups: USERS / 100,
        domain: "example.com".into(),
    });
    let users: Vec<Value> = dir
        .users_mut()
        .enumerate()
        .map(|(i, u)| {
            let id = format!("u{i:07}");
            u.target_id = Some(id.clone());
            json!({
                "id": id, "userName": u.user_name, "active": true,
                "name": {"givenName": u.given_name, "familyName": u.family_name},
                "displayName": u.display_name,
                "emails": [{"value": u.email, "type": "work", "primary": true}],
                "title": u.title,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                    {"department": u.department, "employeeNumber": u.employee_number},
            })
        })
        .collect();
    let ids: HashMap<String, String> = dir
        .users()
        .map(|u| (u.user_name.clone(), u.target_id.clone().unwrap()))
        .collect();
    let groups: Vec<Value> = dir
        .groups_mut()
        .enumerate()
        .map(|(i, g)| {
            let id = format!("g{i:07}");
            g.target_id = Some(id.clone());
            let members: Vec<Value> = g.members.iter().map(|m| json!({"value": ids[m]})).collect();
            json!({"id": id, "displayName": g.name, "members": members})
        })
        .collect();
    (dir, users, groups)
}

/// Reconciles a synced directory against a target in `mode`; what the
/// target saw.
async fn reconcile_against(mode: Mode) -> Seen {
    let (dir, users, groups) = synced();
    let target = Arc::new(Target {
        mode,
        users,
        groups,
        seen: Mutex::default(),
        changed: Notify::new(),
    });
    let app = Router::new()
        .route("/scim/Users", get(self::users))
        .route("/scim/Groups", get(self::groups))
        .with_state(target.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    // A client allowing more at once than the reconcile asks for: the
    // width seen is the reconcile's own.
    let mut config = ClientConfig::new(&format!("http://{addr}/scim"), Auth::None);
    config.concurrency = 4 * PAGES_IN_FLIGHT;
    let wire = Wire {
        profile: &OKTA,
        client: ScimClient::new(config).unwrap(),
    };
    let drift = reconcile::reconcile(&wire, &dir, &[]).await.unwrap();
    server.abort();
    assert!(drift.is_clean(), "{:?}", drift.findings());
    assert_eq!(drift.users_compared, USERS);
    std::mem::take(&mut *target.seen.lock().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconcile_holds_its_width_of_page_requests_at_the_target() {
    let seen = reconcile_against(Mode::Width).await;
    assert!(!seen.gave_up, "a page waited for a width never reached");
    assert_eq!(seen.asked, SIDE_PAGES);
    assert_eq!(seen.max_held, PAGES_IN_FLIGHT);
}

/// The pages the reconcile may hold, asked for, read or waiting their
/// turn: twice its requests in flight.
const HELD: usize = 2 * PAGES_IN_FLIGHT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_page_does_not_stop_the_requests_behind_it() {
    // While the page due is held, the other requests go on: every one that
    // answers is followed by the next, until the pages asked for and not
    // yet compared reach the bound (the slow one and HELD - 1 behind it).
    let seen = reconcile_against(Mode::SlowHead { behind: HELD - 1 }).await;
    assert!(
        !seen.gave_up,
        "only {} pages were asked for behind the slow one ({} expected)",
        seen.behind_head,
        HELD - 1
    );
    assert_eq!(seen.behind_head, HELD - 1);
    assert!(seen.max_held <= PAGES_IN_FLIGHT, "{}", seen.max_held);
}
