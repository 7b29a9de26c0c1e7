//! `idpsim record-proxy` between a simulated IdP (`idpsim play`) and the
//! reference SP: the fixture it captures is exchange for exchange the one
//! `--record` writes for the same run, it is named after the IdP, and it
//! replays cleanly; over TLS, secrets never reach the fixture or the HAR.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run idpsim")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idpsim-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `idpsim ARGS` and returns it with the first line it prints.
fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_owned())
}

/// Stops the proxy as a user does (Ctrl-C), so it writes its fixture.
fn interrupt(mut child: Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill (procps) is installed");
    assert!(ok.success());
    assert_eq!(
        child.wait().unwrap().code(),
        Some(0),
        "the proxy exits 0 on Ctrl-C"
    );
}

fn only_fixture(dir: &Path) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

fn exchanges(f: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["exchanges"].as_array().unwrap().iter().cloned())
        .collect()
}

#[test]
fn a_capture_equals_the_recording_of_the_same_run_and_replays_cleanly() {
    let dir = temp("same-run");
    let (captures, recorded) = (dir.join("captures"), dir.join("recorded"));
    let (mut sp, base) = serve(&["target", "--port", "0", "--token", "sp-token"]);
    let (proxy, proxy_url) = serve(&[
        "record-proxy",
        "--upstream",
        &base,
        "--out",
        captures.to_str().unwrap(),
    ]);
    let out = idpsim(&[
        "play",
        "scenarios/okta-joiner-mover-leaver.yaml",
        "--target",
        &proxy_url,
        // The whole target, no run prefix: the recording writes a prefix
        // as `{ns}`, which the proxy, seeing only traffic, cannot know.
        "--dedicated-target",
        "--token",
        "sp-token",
        "--exempt",
        "owner@idpsim.test",
        "--concurrency",
        "1",
        "--record",
        recorded.to_str().unwrap(),
    ]);
    interrupt(proxy);
    let _ = sp.kill();
    let _ = sp.wait();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let captured = only_fixture(&captures);
    let name = captured.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("okta-"), "named after the IdP: {name}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&captured).unwrap()).unwrap();
    assert_eq!(v["idp"], "okta");
    let (got, want) = (
        exchanges(&captured),
        exchanges(&recorded.join("okta-joiner-mover-leaver.okta.json")),
    );
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "exchange {}", i + 1);
    }
    let raw = std::fs::read_to_string(&captured).unwrap();
    assert!(!raw.contains("sp-token"), "the token is redacted");
    // What was captured replays against a fresh reference SP.
    let out = idpsim(&["replay", "--quiet", captured.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn over_tls_secrets_reach_neither_the_fixture_nor_the_har() {
    let dir = temp("tls");
    let captures = dir.join("captures");
    let har = dir.join("capture.har");
    let (mut sp, base) = serve(&["target", "--port", "0", "--token", "TOKEN-SECRET"]);
    let (proxy, proxy_url) = serve(&[
        "record-proxy",
        "--upstream",
        &base,
        "--out",
        captures.to_str().unwrap(),
        "--tls",
        "--redact",
        "ssn",
        "--har",
        har.to_str().unwrap(),
    ]);
    assert!(proxy_url.starts_with("https://127.0.0.1:"), "{proxy_url}");
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/fixtures/TEST-ONLY-ca.crt.pem"
    );
    let curl = Command::new("curl")
        .args([
            "-sS",
            "--fail",
            "--cacert",
            ca,
            "-H",
            "Authorization: Bearer TOKEN-SECRET",
            "-H",
            "Cookie: sid=COOKIE-SECRET",
            "-H",
            "X-Api-Key: KEY-SECRET",
            "-H",
            "Content-Type: application/scim+json",
            "-d",
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t@x.test","password":"PASSWORD-SECRET"}"#,
            // --redact ssn covers a query parameter the server ignores.
            &format!("{proxy_url}/Users?employeeSsn=SSN-SECRET"),
        ])
        .output()
        .expect("curl is installed (scripts/test installs it)");
    interrupt(proxy);
    let _ = sp.kill();
    let _ = sp.wait();
    assert!(
        curl.status.success(),
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    // The answer came through unchanged: the created user.
    let answer: Value = serde_json::from_slice(&curl.stdout).unwrap();
    assert_eq!(answer["userName"], "t@x.test");
    let captured = only_fixture(&captures);
    for f in [&captured, &har] {
        let raw = std::fs::read_to_string(f).unwrap();
        for secret in [
            "TOKEN-SECRET",
            "COOKIE-SECRET",
            "KEY-SECRET",
            "PASSWORD-SECRET",
            "SSN-SECRET",
        ] {
            assert!(!raw.contains(secret), "{secret} in {}:\n{raw}", f.display());
        }
        assert!(raw.contains("sid"), "cookie names are kept");
    }
    let schema: Value = serde_json::from_str(include_str!("fixtures/har-1.2.schema.json")).unwrap();
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let x = &exchanges(&captured)[0];
    assert_eq!(x["method"], "POST");
    assert_eq!(x["url"], "{base}/Users?employeeSsn=%3Credacted%3E");
    assert_eq!(x["status"], 201);
    assert_eq!(x["response_body"]["id"], "{id1}");
}
