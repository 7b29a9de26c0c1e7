//! `idpsim load` end to end, each run in its own process (goose keeps
//! global state): a small bulk sync passes its thresholds with a clean
//! reconcile; a target that refuses creates fails the error-rate threshold
//! with exit 1 naming it; a data-losing target fails the reconcile; shard
//! summaries merge and are judged whole; churn reports the calls that found
//! nothing to do apart from its events, and refills its directory.

use std::process::{Command, Output};

use idpsim_reference_sp::{Config, Quirk};

fn idpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run idpsim")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const QUIET: &[&str] = &["-q", "--no-print-metrics", "-u", "4"];

/// `idpsim load ARGS` against a reference SP of its own (its owner exempt
/// from the reconcile), the process run off the SP's runtime.
async fn load_against(config: Config, args: &[&str]) -> Output {
    let sp = idpsim_reference_sp::spawn(config).await.unwrap();
    let target = ["--target", sp.base_url(), "--token", sp.token()];
    let all: Vec<String> = ["load"]
        .iter()
        .chain(args)
        .chain(&target)
        .chain(&["--exempt", "owner@idpsim.test"])
        .chain(QUIET)
        .map(|a| a.to_string())
        .collect();
    tokio::task::spawn_blocking(move || idpsim(&all.iter().map(String::as_str).collect::<Vec<_>>()))
        .await
        .unwrap()
}

#[test]
fn a_small_bulk_sync_passes_with_a_clean_reconcile() {
    let dir = std::env::temp_dir().join(format!("idpsim-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("bulk.html");
    let summary = dir.join("bulk.json");
    let mut args = vec![
        "load",
        "bulk-sync",
        "--users",
        "2000",
        "--groups",
        "20",
        "--threshold",
        "error-rate<1%",
        "--threshold",
        "p99<5s for okta join",
        "--threshold",
        "eps>=1",
        "--report-file",
        report.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ];
    args.extend(QUIET);
    let out = idpsim(&args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("reconcile: clean (2000 users, 20 groups compared in "),
        "{t}"
    );
    assert!(t.contains("threshold PASS: p99<5s for okta join"), "{t}");
    assert!(
        t.contains("users pushed: 2000") && t.contains("memberships pushed: 2000"),
        "{t}"
    );
    // goose's own report, one per phase.
    for phase in ["users", "groups"] {
        let html = std::fs::read_to_string(dir.join(format!("bulk.{phase}.html"))).unwrap();
        assert!(html.contains("okta join") || html.contains("okta push group"));
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["events"]["okta join"]["ok"], 2000);
    assert_eq!(s["events"]["okta push group"]["ok"], 20);
    // Each phase: its wall time, and within it the time with requests in
    // flight that rates are judged on.
    for p in s["phases"].as_array().unwrap() {
        let (wall, busy) = (p["seconds"].as_f64().unwrap(), p["busy_seconds"].as_f64());
        assert!(busy.is_some_and(|b| b > 0.0 && b <= wall), "{p}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn goose_ramps_work_and_a_test_plan_is_refused_with_a_reason() {
    let mut args = vec![
        "load",
        "bulk-sync",
        "--users",
        "40",
        "--groups",
        "2",
        "--increase-time",
        "1s",
    ];
    args.extend(QUIET);
    let out = idpsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = idpsim(&["load", "bulk-sync", "--users", "40", "--test-plan", "4,1s"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("--increase-rate or --increase-time"), "{t}");

    // goose's own refusal names the option rather than "invalid option".
    let out = idpsim(&[
        "load",
        "bulk-sync",
        "--users",
        "40",
        "-r",
        "2",
        "--increase-time",
        "1s",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("increase_time"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_threshold_exits_1_naming_it() {
    // A tenant with 50 seats: every create past them is refused.
    let mut config = Config::default();
    config.tenant.seat_limit = Some(50);
    let out = load_against(
        config,
        &[
            "bulk-sync",
            "--users",
            "200",
            "--groups",
            "2",
            "--threshold",
            "error-rate<1%",
            "--threshold",
            "p99<10s",
        ],
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("threshold FAIL: error-rate<1% (observed"), "{t}");
    assert!(t.contains("threshold PASS: p99<10s"), "{t}");
    assert!(t.contains("event failed:") && t.contains("403"), "{t}");
    assert!(t.contains("reconcile FAILED"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_losing_target_fails_the_reconcile() {
    // Entra's legacy member removal against a server that reads it
    // literally: every mover empties the group it leaves.
    let out = load_against(
        Config::default().with_quirk(Quirk::LiteralMemberRemoval),
        &[
            "churn",
            "--profile",
            "entra",
            "--users",
            "60",
            "--groups",
            "3",
            "--rate",
            "40",
            "-t",
            "2s",
        ],
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("reconcile FAILED"), "{t}");
    assert!(t.contains("member"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shard_summaries_merge_and_are_judged_whole() {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("idpsim-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two processes side by side against one target, as two machines
    // would run them: each pushes its half, groups wait for the other
    // half's members.
    let mut running = Vec::new();
    let mut files = Vec::new();
    for i in 0..2 {
        let f = dir.join(format!("s{i}.json"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idpsim"));
        cmd.args(["load", "bulk-sync", "--users", "300", "--groups", "4"])
            .args(["--target", sp.base_url(), "--token", sp.token()])
            .args(["--shard", &format!("{i}/2"), "--member-wait", "60"])
            .arg("--summary")
            .arg(&f)
            .args(QUIET)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        running.push(cmd.spawn().unwrap());
        files.push(f.to_str().unwrap().to_owned());
    }
    let outs = tokio::task::spawn_blocking(move || {
        running
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (i, o) in outs.into_iter().enumerate() {
        let t = text(&o);
        assert_eq!(o.status.code(), Some(0), "{t}");
        assert!(t.contains(&format!("skipped for shard {i}/2")), "{t}");
    }
    let mut args = vec!["load", "merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--threshold",
        "error-rate<1%",
        "--threshold",
        "p95<1us for okta join",
    ]);
    let out = idpsim(&args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    // Both halves of the directory, exactly once.
    assert!(t.contains("event okta join                   300"), "{t}");
    assert!(t.contains("users pushed: 300"), "{t}");
    assert!(t.contains("memberships pushed: 300"), "{t}");
    assert!(t.contains("threshold PASS: error-rate<1%"), "{t}");
    assert!(t.contains("threshold FAIL: p95<1us for okta join"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Played as `rfc`, a client that retries and links after a 409: real
/// Okta fails the task of a lost answer and stops at a 409 (IDP-ENGINES
/// O8, O30), so under these faults an Okta run fails by design.
#[test]
fn duplicated_requests_and_lost_answers_lose_nothing() {
    let mut args = vec![
        "load",
        "bulk-sync",
        "--profile",
        "rfc",
        "--users",
        "600",
        "--groups",
        "6",
        "--fault-duplicate",
        "0.1",
        "--fault-drop-response",
        "0.1",
        // Lost answers are failed requests, but every event still lands.
        "--threshold",
        "error-rate<1% for rfc join",
        "--threshold",
        "error-rate<1% for rfc push group",
    ];
    args.extend(QUIET);
    let out = idpsim(&args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("reconcile: clean (600 users, 6 groups compared in "),
        "{t}"
    );
    assert!(!t.contains("0.00% errors"), "faults were injected: {t}");
}

/// A churn run's summary, from `idpsim load churn ARGS --summary FILE`.
async fn churn_summary(args: &[&str]) -> (Output, serde_json::Value) {
    let f = std::env::temp_dir().join(format!(
        "idpsim-churn-{}-{}.json",
        std::process::id(),
        args.join("_").replace(['/', ' '], "")
    ));
    let mut all = vec!["churn", "--summary", f.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = load_against(Config::default(), &all).await;
    let s = std::fs::read_to_string(&f).unwrap_or_default();
    let _ = std::fs::remove_file(&f);
    (out, serde_json::from_str(&s).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_events_that_find_nothing_to_do_are_reported_not_counted() {
    // One group: a mover has nowhere to go, so every move finds nothing
    // to do and sends nothing.
    let (out, s) =
        churn_summary(&["--users", "20", "--groups", "1", "--rate", "40", "-t", "2s"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let idle = s["idle"]["okta move"].as_u64().unwrap_or(0);
    assert!(idle > 0, "moves with one group are idle: {s}");
    assert!(t.contains("idle  okta move"), "{t}");
    // None of them is an event: no samples, so no rate or percentile of
    // the run comes from them.
    let moves = &s["events"]["okta move"];
    assert_eq!(moves["ok"].as_u64().unwrap_or(0), 0, "{moves}");
    assert_eq!(moves["failed"].as_u64().unwrap_or(0), 0, "{moves}");
    let samples: u64 = moves["buckets"]
        .as_object()
        .map(|b| b.values().filter_map(serde_json::Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(samples, 0, "{moves}");
    assert!(
        s["events"]["okta join"]["ok"].as_u64().unwrap_or(0) > 0,
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_churn_refills_its_directory() {
    // 20 users and about 40 leaves: without joiners entering the pool and
    // leavers coming back, the leavers would run dry halfway through.
    let (out, s) =
        churn_summary(&["--users", "20", "--groups", "3", "--rate", "40", "-t", "4s"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let left = s["objects"]["users left"].as_u64().unwrap_or(0);
    assert!(left > 20, "more leaves than seeded users: {s}");
    assert!(
        s["objects"]["users rejoined"].as_u64().unwrap_or(0) > 0,
        "{s}"
    );
    assert!(s["idle"]["okta leave"].is_null(), "no leaver ran dry: {s}");
    assert!(
        t.contains("reconcile") && !t.contains("reconcile FAILED"),
        "{t}"
    );
}

/// Users and groups put on a reference SP over SCIM, as a previous run
/// would have left them.
async fn populate(sp: &idpsim_reference_sp::Handle, users: usize, groups: usize) {
    let http = reqwest::Client::new();
    for i in 0..users {
        let r = http
            .post(format!("{}/Users", sp.base_url()))
            .bearer_auth(sp.token())
            .json(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("left{i}@example.com"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    for i in 0..groups {
        let r = http
            .post(format!("{}/Groups", sp.base_url()))
            .bearer_auth(sp.token())
            .json(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": format!("left-group-{i}"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
}

/// `idpsim load reset` runs the simulator's reset (the one `play` runs,
/// `simulator/tests/bad_targets.rs` shows its rules there): without a
/// reset control it lists and deletes, never sending a DELETE to an exempt
/// account, and counts what it deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_reset_is_plays_reset_one_event_per_object() {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    populate(&sp, 3, 2).await;
    let f = std::env::temp_dir().join(format!("idpsim-reset-{}.json", std::process::id()));
    let args: Vec<String> = [
        "load",
        "reset",
        "--users",
        "20",
        "--groups",
        "2",
        "--summary",
        f.to_str().unwrap(),
        "--target",
        sp.base_url(),
        "--token",
        sp.token(),
        "--exempt",
        "owner@idpsim.test",
    ]
    .iter()
    .chain(QUIET)
    .map(|a| a.to_string())
    .collect();
    let out = tokio::task::spawn_blocking(move || {
        idpsim(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    let _ = std::fs::remove_file(&f);
    // What was there before the run (3 users, 2 groups) and what its setup
    // sync pushed (20 users, 2 groups).
    assert_eq!(s["objects"]["users deleted"], 23, "{s}");
    assert_eq!(s["objects"]["groups deleted"], 4, "{s}");
    // The owner was never sent a DELETE: the reference SP would have
    // refused it, and the run would have counted a failed event.
    let failed: u64 = s["events"]
        .as_object()
        .map(|e| e.values().filter_map(|v| v["failed"].as_u64()).sum())
        .unwrap_or(0);
    assert_eq!(failed, 0, "{s}");
    // The owner and the run's resync.
    assert_eq!(sp.tenant().counts(), (21, 2));
}

/// Issue 17's profiles run under `idpsim load` against the reference SP,
/// a bulk sync and a churn of joins, updates, moves and leavers each,
/// with a clean reconcile after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_17_profiles_bulk_sync_and_churn_with_a_clean_reconcile() {
    for profile in ["google", "onelogin", "jumpcloud", "ping"] {
        for run in [
            &["bulk-sync", "--users", "100", "--groups", "3"][..],
            &[
                "churn", "--users", "60", "--groups", "3", "--rate", "40", "-t", "2s",
            ][..],
        ] {
            let args: Vec<&str> = run.iter().copied().chain(["--profile", profile]).collect();
            let out = load_against(Config::default(), &args).await;
            let t = text(&out);
            assert_eq!(out.status.code(), Some(0), "{profile} {run:?}: {t}");
            assert!(t.contains(profile), "{t}");
        }
    }
}
