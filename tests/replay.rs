//! `idpsim replay` end to end: a recording replays cleanly against a fresh
//! reference SP, a changed behaviour is named by JSON path, bad fixtures
//! are refused before anything is sent, and a target that answers garbage
//! or hangs fails an exchange with evidence within `--timeout`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run idpsim")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idpsim-replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Records `scenario` one request at a time and returns the fixture's path.
fn record(scenario: &str, dir: &Path) -> PathBuf {
    let out = idpsim(&[
        "play",
        scenario,
        "--concurrency",
        "1",
        "--record",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = Path::new(scenario).file_stem().unwrap().to_str().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(stem))
        .expect("a fixture was written")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_recording_replays_cleanly_and_a_quirk_is_named() {
    let dir = temp("clean");
    let f = record("scenarios/okta-push-groups.yaml", &dir);
    let out = idpsim(&["replay", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 passed, 0 failed"
    );
    assert!(
        text(&out).contains("  ok          1. GET {base}/Users?filter="),
        "{}",
        text(&out)
    );
    // The same fixture against a server that ignores filtered removals.
    let out = idpsim(&[
        "replay",
        f.to_str().unwrap(),
        "--quirk",
        "ignore-filtered-member-removal",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("differs"), "{t}");
    assert!(t.contains("$.members["), "the diff names the members: {t}");
}

#[test]
fn ignore_and_update() {
    let dir = temp("update");
    let f = record("scenarios/reactivation.yaml", &dir);
    let original = std::fs::read_to_string(&f).unwrap();
    // What a changed server answers: another title for the user it creates.
    let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let created = &mut v["steps"][0]["exchanges"][1];
    assert_eq!(created["method"], "POST");
    created["response_body"]["title"] = "Chief Analyst".into();
    std::fs::write(&f, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let out = idpsim(&["replay", f.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("$.title\n                   expected: \"Chief Analyst\"\n                   got:      \"Analyst\""),
        "{t}"
    );
    let out = idpsim(&["replay", f.to_str().unwrap(), "--ignore", "title"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // --update takes the target's answers: the file is what was recorded.
    let out = idpsim(&["replay", f.to_str().unwrap(), "--update"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
    let out = idpsim(&["replay", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A TCP listener that counts connections and answers each with `answer`
/// (or nothing, holding the connection open).
fn fake_target(answer: Option<&'static [u8]>) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/scim/v2", l.local_addr().unwrap());
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            match answer {
                Some(a) => {
                    let _ = s.write_all(a);
                }
                None => held.push(s),
            }
        }
    });
    (url, n)
}

#[test]
fn bad_fixtures_are_refused_before_anything_is_sent() {
    let dir = temp("bad");
    let (url, connections) = fake_target(Some(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
    let good = dir.join("a-good.json");
    std::fs::write(
        &good,
        r#"{"fixtureVersion":1,"steps":[{"step":"s","exchanges":[{"method":"GET","url":"{base}/Users","status":200}]}]}"#,
    )
    .unwrap();
    let not_json = dir.join("b-not-json.json");
    std::fs::write(&not_json, "{\"fixtureVersion\": 1,").unwrap();
    let out = idpsim(&[
        "replay",
        good.to_str().unwrap(),
        not_json.to_str().unwrap(),
        "--target",
        &url,
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&format!("error: {}: not valid JSON: ", not_json.display())),
        "{t}"
    );
    let early = dir.join("c-early.json");
    std::fs::write(
        &early,
        r#"{"fixtureVersion":1,"steps":[{"step":"s","exchanges":[
            {"method":"GET","url":"{base}/Users","status":200,"response_body":{"Resources":[{"id":"{id1}"}]}},
            {"method":"GET","url":"{base}/Users/{id3}","status":200}]}]}"#,
    )
    .unwrap();
    let out = idpsim(&[
        "replay",
        good.to_str().unwrap(),
        early.to_str().unwrap(),
        "--target",
        &url,
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&format!(
            "error: {}: exchange 2: $.steps[0].exchanges[1].url: {{id3}} is used before any answer defined it",
            early.display()
        )),
        "{t}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was sent");
}

#[test]
fn garbage_and_silence_fail_an_exchange_with_evidence_within_the_timeout() {
    let dir = temp("garbage");
    let f = dir.join("one.json");
    std::fs::write(
        &f,
        r#"{"fixtureVersion":1,"steps":[{"step":"s","exchanges":[{"method":"GET","url":"{base}/Users?count=1","status":200,"response_body":{"totalResults":0}}]}]}"#,
    )
    .unwrap();
    let (url, _) = fake_target(Some(b"\x00\x01garbage, not HTTP\r\n\r\n"));
    let out = idpsim(&[
        "replay",
        f.to_str().unwrap(),
        "--target",
        &url,
        "--timeout",
        "1",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("differs     1. GET {base}/Users?count=1"), "{t}");
    assert!(
        t.contains("expected: 200") && t.contains("got:      no answer (the connection failed"),
        "{t}"
    );
    let (url, _) = fake_target(None);
    let out = idpsim(&[
        "replay",
        f.to_str().unwrap(),
        "--target",
        &url,
        "--timeout",
        "1",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    // The client's own deadline ended it: the message names --timeout's 1 s.
    assert!(
        t.contains("got:      no answer (no answer within 1s)"),
        "{t}"
    );
}
