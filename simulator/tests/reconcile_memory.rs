//! What the reconcile holds while it reads a listing: the live heap bytes,
//! counted by this binary's allocator, per listed user. A reconcile that
//! kept every listed user's JSON tree (as it did) holds kilobytes per user;
//! one that compares each page as it arrives holds an id map.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::PageSink;
use idpsim_simulator::reconcile::Tally;
use serde_json::{Value, json};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
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
        for (i, p) in groups.iter().enumerate() {
            tally.page("Groups", 1 + i * PAGE, p).unwrap();
        }
        tally.finish()
    });
    assert!(drift.is_clean(), "{:?}", drift.findings());
    assert_eq!((drift.users_compared, drift.groups_compared), (N, N / 100));

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

/// Pages read ahead where they were fetched (owned copies of the compared
/// fields), as `Wire::each_page` holds them: the same drift as reading each
/// page where it is compared, and no more than the read-ahead on top of
/// the id map.
#[test]
fn pages_read_ahead_give_the_same_drift_and_hold_only_the_read_ahead() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, users, groups) = listed();
    let deprovisioned = Default::default();
    let (borrowed, streamed) = peak_during(|| {
        let mut tally = Tally::new(&dir, &[], false, &deprovisioned);
        for (i, p) in users.iter().enumerate() {
            tally.page("Users", 1 + i * PAGE, p).unwrap();
        }
        for (i, p) in groups.iter().enumerate() {
            tally.page("Groups", 1 + i * PAGE, p).unwrap();
        }
        tally.finish()
    });
    // Twice the pages in flight: what each_page may hold at once.
    let ahead = 2 * idpsim_simulator::reconcile::PAGES_IN_FLIGHT;
    let (owned, held) = peak_during(|| {
        let mut tally = Tally::new(&dir, &[], false, &deprovisioned);
        for (endpoint, pages) in [("Users", &users), ("Groups", &groups)] {
            let mut queue = std::collections::VecDeque::new();
            for (i, p) in pages.iter().enumerate() {
                queue.push_back(Tally::read(endpoint, 1 + i * PAGE, p).unwrap());
                if queue.len() == ahead {
                    tally.take(endpoint, queue.pop_front().unwrap().page);
                }
            }
            for read in queue {
                tally.take(endpoint, read.page);
            }
        }
        tally.finish()
    });
    assert_eq!(owned, borrowed);
    assert!(owned.is_clean(), "{:?}", owned.findings());
    // The bound: the pages read ahead, each no bigger than its body.
    let largest = users.iter().chain(&groups).map(Vec::len).max().unwrap();
    eprintln!(
        "read {ahead} pages ahead: {held} B at peak, {streamed} B read in place; \
         largest page {largest} B"
    );
    assert!(
        held <= streamed + ahead * largest,
        "{held} B held, {streamed} B read in place, {ahead} pages of at most {largest} B ahead"
    );
}
