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
            .ends_with("0 failed, 0 skipped"),
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

#[test]
fn usage_errors_exit_2() {
    let out = idpsim(&["conform", "--suite", "pingfed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown suite \"pingfed\""));
    let out = idpsim(&["conform", "--report", "pdf:x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
}
