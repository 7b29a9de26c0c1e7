//! `idpsim play` end to end: every shipped scenario passes against the
//! embedded reference SP, a failing one exits 1 with evidence, a malformed
//! one exits 2 naming file, line and column, and `--record` writes fixtures.

use std::process::Command;

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run idpsim")
}

#[test]
fn every_shipped_scenario_passes_against_the_reference_sp() {
    let mut files: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| p.display().to_string())
            .collect();
    files.sort();
    let args: Vec<&str> = std::iter::once("play")
        .chain(files.iter().map(String::as_str))
        .collect();
    let out = idpsim(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{} passed, 0 failed", files.len())
    );
}

#[test]
fn a_failing_expectation_exits_1_with_evidence() {
    let dir = std::env::temp_dir().join(format!("idpsim-play-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fails.yaml");
    std::fs::write(
        &file,
        "name: lost removal\nidp: okta\ntarget: { quirks: [ignore-filtered-member-removal] }\ndirectory:\n  users:\n    - { userName: a@x.test, groups: [g] }\n    - { userName: b@x.test, groups: [g] }\nsteps:\n  - sync: all\n  - remove_members: { group: g, users: [a@x.test] }\n  - expect: { group: g, members: [b@x.test] }\n  - reconcile: {}\n",
    )
    .unwrap();
    let out = idpsim(&["play", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("FAILED: group \"g\" has members [\"a@x.test\", \"b@x.test\"]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("membership drift in g: missing [], extra [\"a@x.test\"]"),
        "{stderr}"
    );
    assert!(stderr.contains("> GET "), "evidence is printed: {stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0 passed, 1 failed"
    );
}

#[test]
fn a_malformed_scenario_exits_2_naming_the_place() {
    let dir = std::env::temp_dir().join(format!("idpsim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "name: x\nsteps:\n  - leav: a@x\n").unwrap();
    let out = idpsim(&["play", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3:5: unknown variant `leav`", file.display())),
        "{stderr}"
    );
}

#[test]
fn record_writes_normalised_fixtures() {
    let dir = std::env::temp_dir().join(format!("idpsim-rec-{}", std::process::id()));
    let out = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "--record",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("reactivation.okta.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["fixtureVersion"], 1);
    assert!(
        text.contains("{base}/Users?filter=userName%20eq%20%22back%40example.com%22"),
        "{text}"
    );
    assert!(text.contains("{id1}") && text.contains("{time}"));
    assert!(!text.contains("127.0.0.1"), "addresses are normalised");
    assert!(text.contains("Bearer <redacted>"));
    assert_eq!(
        text.matches("Bearer ").count(),
        text.matches("Bearer <redacted>").count(),
        "tokens are redacted"
    );
    // A second run records the same file.
    let again = std::env::temp_dir().join(format!("idpsim-rec2-{}", std::process::id()));
    idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "--record",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        text,
        std::fs::read_to_string(again.join("reactivation.okta.json")).unwrap()
    );
}

/// Entra's cycle findings reach the console and the fixture: the loop a
/// target that drops `manager` causes, with the value written and read
/// back. (The initial cycle sends its users' requests concurrently, so
/// unlike a scenario of single events, two runs need not record the same
/// exchanges in the same order.)
#[test]
fn entra_cycle_findings_show_in_play_output_and_fixtures() {
    let record = |tag: &str| {
        let dir = std::env::temp_dir().join(format!("idpsim-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = idpsim(&[
            "play",
            "scenarios/entra-manager-loop.yaml",
            "--record",
            dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let text = std::fs::read_to_string(dir.join("entra-manager-loop.entra.json")).unwrap();
        (stderr, text)
    };
    let (stderr, text) = record("cyc");
    assert!(
        stderr.contains("cycle 2 (incremental) at day 0 00:40"),
        "{stderr}"
    );
    assert!(
        stderr.contains("LOOP user jyoung@contoso.com: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager written again with")
            && stderr.contains("the target's read returned null")
            && stderr.contains("Entra would re-send this every 40 minutes"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cycles = v["steps"][1]["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 3);
    let l = &cycles[2]["loops"][0];
    assert_eq!(
        l["attribute"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
    );
    assert!(
        l["written"].as_str().unwrap().starts_with("{id"),
        "ids are normalised in findings too: {l}"
    );
    assert_eq!(l["read_back"], serde_json::Value::Null);
}

#[test]
fn reconcile_command_reports_drift_and_exits_1() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(["target", "--port", "0", "--token", "rt"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut base = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut base)
        .unwrap();
    let base = base.trim().to_owned();
    let out = idpsim(&[
        "reconcile",
        "scenarios/reactivation.yaml",
        "--target",
        &base,
        "--token",
        "rt",
        "--exempt",
        "owner@idpsim.test",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drift: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        drift["missing_users"],
        serde_json::json!(["back@example.com"])
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing user back@example.com"));
}

#[test]
fn login_steps_fail_when_the_sp_disagrees() {
    let dir = std::env::temp_dir().join(format!("idpsim-login-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("login.yaml");
    // Nobody was provisioned: the SP must refuse, so `accepted` fails; and
    // a provisioned, active user is accepted, so `rejected` fails too.
    std::fs::write(
        &file,
        "name: login disagreements\nidp: entra\ndirectory:\n  users:\n    - { userName: a@example.com }\nsteps:\n  - login: { user: a@example.com, expect: accepted }\n  - sync: all\n  - login: { user: a@example.com, expect: rejected, within: 300ms }\n",
    )
    .unwrap();
    let out = idpsim(&["play", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the SP refused the sign-in (403)")
            && stderr.contains("this tenant provisions over SCIM"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the SP signed the user in") && stderr.contains("still so after"),
        "{stderr}"
    );
}
