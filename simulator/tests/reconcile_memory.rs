//! What the reconcile holds while it reads a listing: the live heap bytes,
//! counted by this binary's allocator, per listed user. A reconcile that
//! kept every listed user's JSON tree (as it did) holds kilobytes per user;
//! one that compares each page as it arrives holds an id map.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::header;
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::{PageSink, Wire};
use idpsim_simulator::profile::OKTA;
use idpsim_simulator::reconcile::{self, PAGES_IN_FLIGHT, Tally};
use serde_json::{Value, json};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Allocations made, as opposed to bytes live.
static MADE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on the thread that plays the target, whose memory is not the
    /// reconcile's.
    static UNCOUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    // A thread being torn down has no locals left: count it.
    !UNCOUNTED.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            MADE.fetch_add(1, Ordering::Relaxed);
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// The tests of this binary one at a time: the count is the process's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak live bytes above those live when `f` started.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

const N: usize = 20_000;
const PAGE: usize = 100;

/// A synced directory and the pages a target would list for it.
fn listed() -> (Directory, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut dir = Directory::generate(&Generate {
        seed: 5,
        users: N,
        groups: N / 100,
        domain: "example.com".into(),
    });
    let users: Vec<Value> = dir
        .users_mut()
        .enumerate()
        .map(|(i, u)| {
            let id = format!("{i:08x}-0000-4000-8000-000000000000");
            u.target_id = Some(id.clone());
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "id": id, "externalId": u.idp_id, "userName": u.user_name, "active": true,
                "name": {"givenName": u.given_name, "familyName": u.family_name},
                "displayName": u.display_name,
                "emails": [{"value": u.email, "type": "work", "primary": true}],
                "title": u.title,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                    {"department": u.department, "employeeNumber": u.employee_number},
                "meta": {"resourceType": "User", "created": "2026-12-01T00:00:00Z",
                         "lastModified": "2026-12-01T00:00:00Z", "version": "W/\"1\"",
                         "location": format!("https://sp.test/scim/v2/Users/{id}")}
            })
        })
        .collect();
    let ids: std::collections::HashMap<String, String> = dir
        .users()
        .map(|u| (u.user_name.clone(), u.target_id.clone().unwrap()))
        .collect();
    let groups: Vec<Value> = dir
        .groups_mut()
        .enumerate()
        .map(|(i, g)| {
            let id = format!("g{i:07x}");
            g.target_id = Some(id.clone());
            let members: Vec<Value> = g
                .members
                .iter()
                .map(|m| json!({"value": ids[m], "display": m}))
                .collect();
            json!({"id": id, "displayName": g.name, "members": members})
        })
        .collect();
    let pages = |items: &[Value]| -> Vec<Vec<u8>> {
        items
            .chunks(PAGE)
            .enumerate()
            .map(|(i, chunk)| {
                serde_json::to_vec(&json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": items.len(), "startIndex": 1 + i * PAGE,
                    "itemsPerPage": chunk.len(), "Resources": chunk
                }))
                .unwrap()
            })
            .collect()
    };
    let out = (pages(&users), pages(&groups));
    (dir, out.0, out.1)
}

#[test]
fn a_streamed_reconcile_holds_an_id_map_not_the_listing() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, users, groups) = listed();
    let (drift, held) = peak_during(|| {
        let deprovisioned = Default::default();
        let mut tally = Tally::new(&dir, &[], false, &deprovisioned);
        for (i, p) in users.iter().enumerate() {
            tally.page("Users", 1 + i * PAGE, p).unwrap();
        }
        let made = MADE.load(Ordering::Relaxed);
        for (i, p) in groups.iter().enumerate() {
            tally.page("Groups", 1 + i * PAGE, p).unwrap();
        }
        let made = MADE.load(Ordering::Relaxed) - made;
        (tally.finish(), made)
    });
    let (drift, groups_made) = drift;
    assert!(drift.is_clean(), "{:?}", drift.findings());
    assert_eq!((drift.users_compared, drift.groups_compared), (N, N / 100));
    // Per group: its members read as a list that grows as it is read (six
    // allocations for a hundred), the listed and the expected members as
    // two lists made to size, and its name and id kept (five). Hashed
    // sets of members, grown one member at a time, made 23.
    let per_group = groups_made as f64 / (N / 100) as f64;
    eprintln!("groups: {per_group:.1} allocations per group of 100 members");
    assert!(per_group < 16.0, "{per_group:.1} allocations per group");

    // What keeping the listing's trees, as the reconcile did, holds.
    let (trees, kept) = peak_during(|| {
        users
            .iter()
            .flat_map(|p| {
                let mut v: Value = serde_json::from_slice(p).unwrap();
                match v["Resources"].take() {
                    Value::Array(a) => a,
                    _ => vec![],
                }
            })
            .collect::<Vec<Value>>()
    });
    assert_eq!(trees.len(), N);
    let (per_user, tree_per_user) = (held / N, kept / N);
    eprintln!("streamed: {per_user} B/user at peak; trees: {tree_per_user} B/user");
    assert!(
        per_user <= 160,
        "the reconcile held {per_user} B per listed user (trees: {tree_per_user})"
    );
    assert!(per_user * 8 < tree_per_user);
}

/// The target of [`a_reconcile_over_http_copies_nothing_and_holds_its_pages_in_flight`]:
/// the pages answered as rendered, from a thread of its own whose
/// allocations are not counted. Its address.
fn serve(users: Vec<Vec<u8>>, groups: Vec<Vec<u8>>) -> std::net::SocketAddr {
    use axum::extract::{Query, State};
    use axum::routing::get;

    type Pages = std::sync::Arc<(Vec<Vec<u8>>, Vec<Vec<u8>>)>;
    fn page(
        pages: &[Vec<u8>],
        q: &HashMap<String, String>,
    ) -> ([(header::HeaderName, &'static str); 1], Vec<u8>) {
        let start: usize = q.get("startIndex").map_or(1, |s| s.parse().unwrap());
        assert_eq!(q.get("count").map(String::as_str), Some("100"));
        (
            [(header::CONTENT_TYPE, "application/scim+json")],
            pages[(start - 1) / PAGE].clone(),
        )
    }
    let app = axum::Router::new()
        .route(
            "/scim/Users",
            get(
                |State(p): State<Pages>, Query(q): Query<HashMap<String, String>>| async move {
                    page(&p.0, &q)
                },
            ),
        )
        .route(
            "/scim/Groups",
            get(
                |State(p): State<Pages>, Query(q): Query<HashMap<String, String>>| async move {
                    page(&p.1, &q)
                },
            ),
        )
        .with_state(std::sync::Arc::new((users, groups)));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        UNCOUNTED.with(|u| u.set(true));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

/// The reconcile as the load runs it, over HTTP: the listing's strings
/// are compared where the page's body holds them, not copied (an
/// allocation per listed resource: the id it maps), and what it holds
/// beyond the id map is the pages in flight and read ahead, each no
/// bigger than its body as it travelled.
#[test]
fn a_reconcile_over_http_copies_nothing_and_holds_its_pages_in_flight() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, users, groups) = listed();
    let streamed = {
        let deprovisioned = Default::default();
        let (drift, held) = peak_during(|| {
            let mut tally = Tally::new(&dir, &[], false, &deprovisioned);
            for (i, p) in users.iter().enumerate() {
                tally.page("Users", 1 + i * PAGE, p).unwrap();
            }
            for (i, p) in groups.iter().enumerate() {
                tally.page("Groups", 1 + i * PAGE, p).unwrap();
            }
            tally.finish()
        });
        assert!(drift.is_clean(), "{:?}", drift.findings());
        held
    };
    let largest = users.iter().chain(&groups).map(Vec::len).max().unwrap();
    let memberships: usize = dir.groups().map(|g| g.members.len()).sum();
    let addr = serve(users, groups);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // As the load's reconcile sets its client up.
    let mut config = ClientConfig::new(&format!("http://{addr}/scim"), Auth::None);
    config.concurrency = PAGES_IN_FLIGHT;
    config.evidence = false;
    let wire = Wire {
        profile: &OKTA,
        client: ScimClient::new(config).unwrap(),
    };
    // A first listing opens the connections, which are not the reconcile's.
    rt.block_on(reconcile::reconcile(&wire, &dir, &[])).unwrap();
    let made = MADE.load(Ordering::Relaxed);
    let (drift, held) = peak_during(|| rt.block_on(reconcile::reconcile(&wire, &dir, &[])));
    let made = MADE.load(Ordering::Relaxed) - made;
    let drift = drift.unwrap();
    assert!(drift.is_clean(), "{:?}", drift.findings());
    assert_eq!((drift.users_compared, drift.groups_compared), (N, N / 100));

    let pages = (N + N / 100).div_ceil(PAGE);
    eprintln!(
        "over HTTP: {made} allocations for {N} users and {memberships} memberships \
         in {pages} pages; {held} B at peak, {streamed} B read in place; largest page {largest} B"
    );
    // One allocation per listed user (its id, kept in the id map) and a
    // bounded number per page (the request, the answer, the page's list).
    // Copying the compared strings out of a page made eleven per listed
    // user and one per listed member; a list of each user's emails, one
    // more per user.
    assert!(
        made < N + 100 * pages,
        "{made} allocations for {N} users and {memberships} memberships in {pages} pages"
    );
    // Each page held at most twice (as it arrived and collected whole),
    // and no more than twice the pages in flight held at once.
    let ahead = 2 * PAGES_IN_FLIGHT;
    assert!(
        held <= streamed + 2 * ahead * largest,
        "{held} B held, {streamed} B read in place, {ahead} pages of at most {largest} B ahead"
    );
}
