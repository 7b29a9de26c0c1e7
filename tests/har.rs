//! `--har FILE` on play, conform and replay: HTTP Archive 1.2 that
//! validates against the HAR 1.2 schema (tests/fixtures/har-1.2.schema.json,
//! written from the specification), with no token, cookie or password in
//! it; and a HAR read back by `idpsim replay` as a fixture.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run idpsim")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idpsim-har-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Validates `file` against the HAR 1.2 schema and returns it.
fn valid_har(file: &Path) -> Value {
    let schema: Value = serde_json::from_str(include_str!("fixtures/har-1.2.schema.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let har: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&har)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    assert!(
        !har["log"]["entries"].as_array().unwrap().is_empty(),
        "{} has entries",
        file.display()
    );
    har
}

#[test]
fn the_schema_refuses_what_har_1_2_forbids() {
    // A validator that accepts anything would prove nothing.
    let dir = temp("schema");
    let bad = dir.join("bad.har");
    std::fs::write(
        &bad,
        r#"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"yesterday","time":1,"request":{"method":"GET","url":"http://x/","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1},"response":{},"cache":{},"timings":{"send":0,"wait":0,"receive":0}}]}}"#,
    )
    .unwrap();
    let schema: Value = serde_json::from_str(include_str!("fixtures/har-1.2.schema.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&bad).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&har).map(|e| e.to_string()).collect();
    let all = errors.join("\n");
    assert!(all.contains("bodySize"), "{all}");
    assert!(all.contains("yesterday"), "{all}");
    assert!(all.contains("status"), "{all}");
}

#[test]
fn play_writes_a_valid_har_without_secrets_and_replay_reads_it_back() {
    let dir = temp("play");
    // A standalone target with a known token, so the test can look for it.
    let token = "TOKEN-SECRET-4711";
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(["target", "--port", "0", "--token", token])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut base = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut base)
        .unwrap();
    let har = dir.join("play.har");
    let out = idpsim(&[
        "play",
        "scenarios/reactivation.yaml",
        "--target",
        base.trim(),
        "--token",
        token,
        "--exempt",
        "owner@idpsim.test",
        "--har",
        har.to_str().unwrap(),
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = valid_har(&har);
    let raw = std::fs::read_to_string(&har).unwrap();
    assert!(!raw.contains(token), "the token is redacted");
    assert!(raw.contains("Bearer <redacted>"));
    // Okta sends a password with every create; a HAR never shows it.
    assert!(raw.contains(r#"\"password\":\"<redacted>\""#), "{raw}");
    assert!(!raw.contains("Aa1!"), "no password value: {raw}");
    assert_eq!(v["log"]["entries"][0]["request"]["method"], "GET");
    // The HAR replays as a fixture against a fresh reference SP.
    let out = idpsim(&["replay", har.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        // 14 since play gives a file on a --target its run prefix: reconcile
        // lists within it (`sw`) instead of listing and skipping the owner.
        text(&out).contains("(okta, 14 exchanges)"),
        "{}",
        text(&out)
    );
}

#[test]
fn conform_and_replay_write_valid_hars() {
    let dir = temp("conform");
    let har = dir.join("conform.har");
    let out = idpsim(&[
        "conform",
        "--only",
        "rfc7644.create",
        "--har",
        har.to_str().unwrap(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    valid_har(&har);
    let har = dir.join("replay.har");
    let out = idpsim(&[
        "replay",
        "scenarios/fixtures/okta-push-groups.okta.json",
        "--quiet",
        "--har",
        har.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = valid_har(&har);
    assert_eq!(v["log"]["entries"].as_array().unwrap().len(), 94);
}

#[test]
fn a_target_s_cookie_and_the_token_never_reach_a_har() {
    let dir = temp("cookie");
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/scim/v2", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = r#"{"totalResults":0,"Resources":[],"token":"BODY-SECRET"}"#;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\nset-cookie: sid=COOKIE-SECRET; Path=/; HttpOnly\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let f = dir.join("one.json");
    std::fs::write(
        &f,
        r#"{"fixtureVersion":1,"steps":[{"step":"s","exchanges":[{"method":"GET","url":"{base}/Users?count=1&access_token=QUERY-SECRET","status":200,"response_body":{"totalResults":0,"Resources":[],"token":"<redacted>"}}]}]}"#,
    )
    .unwrap();
    let har = dir.join("cookie.har");
    let out = idpsim(&[
        "replay",
        f.to_str().unwrap(),
        "--target",
        &url,
        "--token",
        "TOKEN-SECRET-99",
        "--har",
        har.to_str().unwrap(),
        "--update",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    valid_har(&har);
    for output in [&har, &f] {
        let raw = std::fs::read_to_string(output).unwrap();
        for secret in [
            "TOKEN-SECRET-99",
            "COOKIE-SECRET",
            "BODY-SECRET",
            "QUERY-SECRET",
        ] {
            assert!(
                !raw.contains(secret),
                "{secret} in {}: {raw}",
                output.display()
            );
        }
        assert!(raw.contains("sid"), "the cookie's name is kept: {raw}");
    }
}
