//! `idpsim conform` end to end: exit 0 against the reference SP, exit 1
//! naming the failed check against a broken one, reports written.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .output()
        .expect("run idpsim")
}

#[test]
fn passes_against_the_embedded_reference_sp() {
    let out = idpsim(&["conform"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .ends_with(" passed, 0 warned, 0 failed, 0 skipped"),
        "{stdout}"
    );
}

#[test]
fn fails_against_a_broken_target_with_reports() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args([
            "target",
            "--port",
            "0",
            "--token",
            "t",
            "--quirk",
            "soft-delete",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut base = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut base)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("idpsim-conform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("out.xml");
    let html = dir.join("out.html");
    let out = idpsim(&[
        "conform",
        "--target",
        base.trim(),
        "--token",
        "t",
        "--report",
        &format!("junit:{}", junit.display()),
        "--report",
        &format!("html:{}", html.display()),
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL rfc7644.delete.204-then-404"),
        "{stdout}"
    );
    let summary = stdout.trim_end().lines().last().unwrap();
    assert!(
        summary.contains(" failed") && !summary.contains(" 0 failed"),
        "{summary}"
    );
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("rfc7644.delete.204-then-404")
    );
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("<!doctype html>")
    );
}

/// A target that does not advertise PATCH and refuses it: Okta and Entra
/// send PATCH regardless, so their checks run, fail saying so, exit 1.
#[test]
fn idp_suites_fail_a_target_without_patch() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args([
            "target", "--port", "0", "--token", "t", "--quirk", "no-patch",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut base = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut base)
        .unwrap();
    let out = idpsim(&[
        "conform",
        "--target",
        base.trim(),
        "--token",
        "t",
        "--suite",
        "okta,entra",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL okta.replay.deactivate"), "{stdout}");
    assert!(
        stdout.contains("Okta will send this PATCH whatever your ServiceProviderConfig says"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Entra will send this PATCH whatever your ServiceProviderConfig says"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with(" 0 skipped"),
        "nothing skipped: {stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = idpsim(&["conform", "--suite", "pingfed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown suite \"pingfed\""));
    let out = idpsim(&["conform", "--report", "pdf:x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A target that answers every request with an HTML page: the run ends
/// within its deadline, every check fails with evidence, exit 1.
#[test]
fn html_target_fails_cleanly() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = s.read(&mut buf);
                let body = "<html><body>Please sign in</body></html>";
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    let out = idpsim(&[
        "conform",
        "--target",
        &format!("http://{addr}/scim/v2"),
        "--token",
        "t",
        "--timeout",
        "5",
        "--deadline",
        "60",
        "--force",
        "patch",
        "--force",
        "bulk",
        "--force",
        "filter",
        "--force",
        "sort",
        "--force",
        "etag",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let summary = stdout.trim_end().lines().last().unwrap();
    assert!(
        summary.starts_with("0 passed") || summary.starts_with("1 passed"),
        "{summary}"
    );
    assert!(
        stdout.contains("got:      HTTP 200: <html>"),
        "evidence shown: {stdout}"
    );
}
