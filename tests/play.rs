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

/// Why a shipped scenario cannot be played as a profile without Entra's
/// provisioning engine, or `None` when it can: it has a step that drives
/// the cycles (`cycle`, `hard_delete`, `unassign`, …), which only the
/// `entra` profiles run.
fn entra_engine_only(s: &idpsim_simulator::scenario::Scenario) -> Option<String> {
    use idpsim_simulator::scenario::Step;
    fn drives(step: &Step) -> bool {
        match step {
            Step::ExpectFailure(f) => drives(&f.step),
            s => matches!(
                s,
                Step::Cycle(_)
                    | Step::Cycles(_)
                    | Step::HardDelete(_)
                    | Step::SetManager(_)
                    | Step::Unassign(_)
                    | Step::ScopeOut(_)
                    | Step::Matching(_)
                    | Step::UpdateMany(_)
            ),
        }
    }
    s.steps.iter().position(drives).map(|i| {
        format!(
            "step {} drives Entra's provisioning cycles, which only the entra profiles run",
            i + 1
        )
    })
}

/// Issue 17: every shipped scenario that makes sense for Google,
/// OneLogin, JumpCloud and Ping passes as each of them against the
/// embedded reference SP; the Entra-engine-only ones are skipped, each
/// with its reason.
#[test]
fn shipped_scenarios_pass_as_each_issue_17_profile() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut played = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        let s = idpsim_simulator::scenario::load(f).unwrap();
        let okta_finding = f
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("okta-"))
            && !s.target.quirks.is_empty();
        match entra_engine_only(&s) {
            Some(why) => skipped.push(format!("{}: {why}", f.display())),
            // They expect what real Okta does against a quirk (O8, O22,
            // O27): a finding of Okta's, not of these IdPs.
            None if okta_finding => skipped.push(format!("{}: shows an Okta finding", f.display())),
            None => played.push(f.display().to_string()),
        }
    }
    assert!(played.len() >= 8, "played {played:?}");
    assert!(!skipped.is_empty());
    eprintln!("skipped:\n  {}", skipped.join("\n  "));
    // The four side by side: full-sync-10k takes a while in a debug build.
    let running: Vec<_> = ["google", "onelogin", "jumpcloud", "ping"]
        .into_iter()
        .map(|profile| {
            let child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
                .args(["play", "--profile", profile])
                .args(&played)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run idpsim");
            (profile, child)
        })
        .collect();
    for (profile, child) in running {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{profile}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout.lines().last().unwrap_or_default().trim(),
            format!("{} passed, 0 failed", played.len()),
            "{profile}"
        );
    }
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

/// A listener nobody serves: a run that sends anything leaves a
/// connection in its backlog.
fn silent_target() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let url = format!("http://{}/scim/v2", l.local_addr().unwrap());
    (l, url)
}

fn nothing_connected(l: &std::net::TcpListener) -> bool {
    matches!(l.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// A scenario that sets up the embedded SP (`target:`) cannot pass against
/// someone else's server, and one that signs in cannot without its SAML
/// endpoints. With `--target`, the run is refused before anything is sent,
/// naming each file, place and key; the file that could have played is not
/// played either, since exit 0 could then not mean "every file passed".
#[test]
fn needs_a_target_cannot_meet_refuse_the_run_before_anything_is_sent() {
    let (listener, url) = silent_target();
    let out = idpsim(&[
        "play",
        "scenarios/okta-joiner-mover-leaver.yaml",
        "scenarios/seat-limit.yaml",
        "scenarios/reset-and-resync.yaml",
        "scenarios/leaver-loses-sso.yaml",
        "--target",
        &url,
        "--token",
        "t",
        "--timeout",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for line in [
        "scenarios/seat-limit.yaml:8:15: target.seat_limit needs the embedded reference SP",
        "scenarios/reset-and-resync.yaml:8:18: target.primary_owner needs the embedded reference SP",
        "scenarios/leaver-loses-sso.yaml:16:5: step 2 (login) signs in over SAML; with --target give --sp-login and --sp-whoami",
        "nothing was played: 3 of 4 files need what --target does not give",
    ] {
        assert!(stderr.contains(line), "{line:?} not in {stderr}");
    }
    assert!(
        !stderr.contains("okta-joiner-mover-leaver.yaml:"),
        "{stderr}"
    );
    assert!(!stderr.contains('▶'), "nothing is played: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(nothing_connected(&listener), "a request reached the target");
}

/// A quirk name is checked with the file, before the first file plays,
/// not when the file's turn comes.
#[test]
fn an_unknown_quirk_is_refused_with_its_place_before_anything_plays() {
    let dir = std::env::temp_dir().join(format!("idpsim-quirk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("quirk.yaml");
    std::fs::write(
        &file,
        "name: bad quirk\ntarget:\n  quirks: [no-etag, no-such-quirk]\nsteps:\n  - join: a@x.test\n",
    )
    .unwrap();
    let out = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:3:11: target.quirks: unknown quirk \"no-such-quirk\"",
            file.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains('▶'), "nothing is played: {stderr}");
}

/// A reference SP started once and shared, as someone else's server is,
/// already holding objects of its own; the tests reach it over SCIM.
struct Shared {
    rt: tokio::runtime::Runtime,
    sp: idpsim_reference_sp::Handle,
    http: reqwest::Client,
}

impl Shared {
    fn start() -> Shared {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sp = rt
            .block_on(idpsim_reference_sp::spawn(
                idpsim_reference_sp::Config::default(),
            ))
            .unwrap();
        Shared {
            rt,
            sp,
            http: reqwest::Client::new(),
        }
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        self.rt.block_on(async {
            let mut rb = self
                .http
                .request(method, format!("{}{path}", self.sp.base_url()))
                .bearer_auth(self.sp.token())
                .header("content-type", "application/scim+json");
            if let Some(b) = body {
                rb = rb.body(b.to_string());
            }
            let r = rb.send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            serde_json::from_str(&r.text().await.unwrap()).unwrap_or_default()
        })
    }

    fn create(&self, endpoint: &str, body: serde_json::Value) -> String {
        let r = self.send(reqwest::Method::POST, &format!("/{endpoint}"), Some(body));
        r["id"].as_str().unwrap().to_owned()
    }

    /// Every resource of an endpoint, as the target holds it.
    fn all(&self, endpoint: &str) -> Vec<serde_json::Value> {
        let r = self.send(
            reqwest::Method::GET,
            &format!("/{endpoint}?startIndex=1&count=100000"),
            None,
        );
        r["Resources"].as_array().cloned().unwrap_or_default()
    }
}

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The file the issue met: counts, a reset and group pushes against a
/// server that others use too. It shares names with the shipped Okta file
/// and with the objects already on the target.
const RESET_ON_A_SHARED_TARGET: &str = "name: reset on a shared target
idp: entra
seed: 4
directory:
  generate: { users: 30, groups: 3, domain: example.com }
  users:
    - { userName: jane.smith@example.com, name: Jane Smith, groups: [eng] }
steps:
  - sync: all
  - expect: { users: 31, groups: 4 }
  - expect: { group: eng, members: [jane.smith@example.com] }
  - expect: { user: jane.smith@example.com, attributes: { externalId: jane.smith } }
  - reset: { resync: false }
  - expect: { users: 0, groups: 0 }
  - reset: { resync: true }
  - expect: { users: 31, groups: 4 }
  - reconcile: {}
";

/// Issue 15: files played against one shared server ran with nothing
/// isolating them ("expect 51 users" met thousands; a reset deleted what
/// other files had made). Each file now runs under its own run prefix:
/// both pass in either order, and the target's own objects, some with the
/// very names the files use, are left exactly as they were.
#[test]
fn files_sharing_a_target_each_see_and_reset_only_their_own_objects() {
    let shared = Shared::start();
    let jane = shared.create(
        "Users",
        serde_json::json!({"schemas": [USER_SCHEMA], "userName": "jane.smith@example.com", "title": "Theirs"}),
    );
    let other = shared.create(
        "Users",
        serde_json::json!({"schemas": [USER_SCHEMA], "userName": "someone@elsewhere.test"}),
    );
    shared.create(
        "Groups",
        serde_json::json!({"schemas": [GROUP_SCHEMA], "displayName": "eng", "members": [{"value": jane}, {"value": other}]}),
    );
    shared.create(
        "Groups",
        serde_json::json!({"schemas": [GROUP_SCHEMA], "displayName": "group-0000"}),
    );
    let theirs = (shared.all("Users"), shared.all("Groups"));
    assert_eq!(
        (theirs.0.len(), theirs.1.len()),
        (3, 2),
        "owner + 2, 2 groups"
    );

    let dir = std::env::temp_dir().join(format!("idpsim-shared-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let reset_file = dir.join("reset-shared.yaml");
    std::fs::write(&reset_file, RESET_ON_A_SHARED_TARGET).unwrap();
    let okta = "scenarios/okta-joiner-mover-leaver.yaml";
    let reset = reset_file.to_str().unwrap();
    for order in [[okta, reset], [reset, okta]] {
        let mut args = vec!["play"];
        args.extend(order);
        args.extend([
            "--target",
            shared.sp.base_url(),
            "--token",
            shared.sp.token(),
        ]);
        let out = idpsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{order:?}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "2 passed, 0 failed"
        );
        // Every object the target had before is there, unchanged (same
        // version, same members).
        let (users, groups) = (shared.all("Users"), shared.all("Groups"));
        for before in theirs.0.iter().chain(&theirs.1) {
            let after = users
                .iter()
                .chain(&groups)
                .find(|r| r["id"] == before["id"])
                .unwrap_or_else(|| panic!("{order:?} deleted {before}"));
            assert_eq!(after, before, "{order:?}");
        }
        // And everything else on it carries a run prefix.
        for r in users.iter().chain(&groups) {
            if theirs.0.iter().chain(&theirs.1).any(|t| t["id"] == r["id"]) {
                continue;
            }
            let name = r["userName"]
                .as_str()
                .or(r["displayName"].as_str())
                .unwrap();
            assert!(name.starts_with("idpsim-"), "{name} has no run prefix");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without run prefixes, files on one target meet again; and a target's
/// reset control resets everyone's objects. Both are refused unless the
/// target is declared this run's alone, and then for one file only.
#[test]
fn sharing_is_refused_where_a_run_prefix_cannot_isolate_the_files() {
    let (listener, url) = silent_target();
    let two = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "scenarios/okta-push-groups.yaml",
        "--target",
        &url,
        "--dedicated-target",
    ]);
    let stderr = String::from_utf8_lossy(&two.stderr);
    assert_eq!(two.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--dedicated-target plays one file (2 given)"),
        "{stderr}"
    );
    let reset = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "--target",
        &url,
        "--reset-url",
        &format!("{url}/reset"),
    ]);
    let stderr = String::from_utf8_lossy(&reset.stderr);
    assert_eq!(reset.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--reset-url resets the whole target")
            && stderr.contains("add --dedicated-target"),
        "{stderr}"
    );
    assert!(nothing_connected(&listener), "a request reached the target");
}

/// A dedicated target: the file's own names, no prefix; a recording of a
/// shared one: the prefix is a placeholder, so two runs, each with its own
/// prefix, record the same file.
#[test]
fn a_dedicated_target_gets_plain_names_and_recordings_hide_the_run_prefix() {
    let shared = Shared::start();
    let out = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "--target",
        shared.sp.base_url(),
        "--token",
        shared.sp.token(),
        "--dedicated-target",
        "--exempt",
        "owner@idpsim.test",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("run prefix"), "{stderr}");
    let names: Vec<String> = shared
        .all("Users")
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["owner@idpsim.test", "back@example.com"]);

    let dir = std::env::temp_dir().join(format!("idpsim-rec-ns-{}", std::process::id()));
    let mut recorded = Vec::new();
    for run in ["a", "b"] {
        let out = idpsim(&[
            "play",
            "scenarios/reactivation.yaml",
            "--target",
            shared.sp.base_url(),
            "--token",
            shared.sp.token(),
            "--record",
            dir.join(run).to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let text = std::fs::read_to_string(dir.join(run).join("reactivation.okta.json")).unwrap();
        assert!(
            text.contains("{base}/Users?filter=userName%20eq%20%22{ns}back%40example.com%22"),
            "{text}"
        );
        assert!(!text.contains("idpsim-"), "the run prefix is normalised");
        recorded.push(text);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(recorded[0], recorded[1]);
}
