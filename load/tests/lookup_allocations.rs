//! What a lookup allocates on the load side, counted: a global allocator
//! counts every allocation except on the target's own thread, and the
//! lookup phase runs at n and 4n lookups, so the difference over 3n is the
//! cost of one lookup, start-up left out. The lean path (no faults: a
//! connection per goose user, paths and headers built once, nothing
//! recorded) must allocate under half what the recorded path (with a fault
//! of a vanishing chance, which takes it) does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use goose::config::GooseConfiguration;
use idpsim_load::{LoadPlan, RunKind, Shard};
use idpsim_simulator::client::{Auth, ClientConfig, Faults, RetryPolicy};
use idpsim_simulator::profile::Profile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static TARGET_THREAD: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !TARGET_THREAD.try_with(Cell::get).unwrap_or(true) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A target on a thread of its own (its allocations not counted) that
/// answers `GET …?filter=userName%20eq%20%22NAME%22…` with a ListResponse
/// holding that user.
fn target() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        TARGET_THREAD.with(|t| t.set(true));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (s, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(s));
            }
        });
    });
    format!("http://{}/scim/v2", rx.recv().unwrap())
}

async fn serve(mut s: tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            let head = String::from_utf8_lossy(&head);
            let name = head
                .split_once("userName%20eq%20%22")
                .and_then(|(_, rest)| rest.split_once("%22"))
                .map(|(n, _)| n.replace("%40", "@"))
                .unwrap_or_default();
            let body = format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{{"id":"x","userName":"{name}"}}]}}"#
            );
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            s.write_all(answer.as_bytes()).await.unwrap();
        }
    }
}

fn plan(base: &str, rounds: usize, recorded: bool) -> LoadPlan {
    let mut client = ClientConfig::new(base, Auth::Bearer("t".into()));
    client.retry = RetryPolicy::load();
    client.concurrency = 1;
    client.keep_exchanges = 64;
    if recorded {
        // Any fault setting takes the recorded path; this chance injects
        // nothing in practice.
        client.faults = Faults {
            duplicate: f64::MIN_POSITIVE,
            ..Faults::default()
        };
    }
    let mut goose = GooseConfiguration::default();
    goose.users = Some(4);
    goose.quiet = 1;
    goose.no_print_metrics = true;
    LoadPlan {
        kind: RunKind::Import,
        profile: Profile::by_name("okta").unwrap(),
        users: 200,
        groups: 0,
        seed: 3,
        shard: Shard::default(),
        client,
        reset_url: None,
        exempt: vec![],
        goose,
        churn_rate: 1.0,
        import_rounds: rounds,
        lookups: true,
        lookups_file: None,
        member_wait: std::time::Duration::ZERO,
        measure_listing: false,
    }
}

/// Allocations of one lookup phase of `rounds` rounds, and its lookups.
async fn phase(base: &str, rounds: usize, recorded: bool) -> (u64, u64) {
    let plan = plan(base, rounds, recorded);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let (summary, failures) = idpsim_load::run::lookups_only(&plan).await.unwrap();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert!(failures.is_empty(), "{failures:?}");
    let e = &summary.events["okta lookup"];
    assert_eq!(e.failed, 0);
    (allocations, e.ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lean_lookup_allocates_a_fraction_of_a_recorded_one() {
    let base = target();
    let mut per_lookup = Vec::new();
    for recorded in [false, true] {
        let (a1, n1) = phase(&base, 1, recorded).await;
        let (a4, n4) = phase(&base, 4, recorded).await;
        assert_eq!(n4, 4 * n1);
        let each = a4.saturating_sub(a1) as f64 / (n4 - n1) as f64;
        eprintln!(
            "recorded {recorded}: {each:.1} allocations per lookup ({a1} for {n1}, {a4} for {n4})"
        );
        per_lookup.push(each);
    }
    let (lean, recorded) = (per_lookup[0], per_lookup[1]);
    assert!(lean > 0.0);
    assert!(
        lean * 1.5 < recorded,
        "lean {lean:.1}, recorded {recorded:.1} per lookup"
    );
}
