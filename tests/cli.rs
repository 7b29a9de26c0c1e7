//! Exit codes and messages of the `idpsim` command line.

use std::process::Command;

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .output()
        .expect("run idpsim")
}

#[test]
fn unknown_quirk_is_a_usage_error_naming_the_known_ones() {
    let out = idpsim(&["target", "--quirk", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown quirk \"bogus\"") && err.contains("no-etag"),
        "{err}"
    );
}

#[test]
fn port_in_use_is_a_configuration_error() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = idpsim(&["target", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("cannot listen on 127.0.0.1:{port}"))
    );
}

#[test]
fn help_teaches_the_quirks() {
    let out = idpsim(&["target", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for q in [
        "no-etag",
        "case-sensitive-username",
        "ignore-filtered-member-removal",
        "list-ignores-paging",
        "plain-text-errors",
        "soft-delete",
    ] {
        assert!(help.contains(q), "--help lacks {q}");
    }
}

#[test]
fn certs_init_refuses_to_overwrite() {
    let dir = std::env::temp_dir().join(format!("idpsim-cli-certs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let out = idpsim(&["certs", "init", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);
    let out = idpsim(&["certs", "init", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --force"));
    assert!(idpsim(&["certs", "init", d, "--force"]).status.success());
}

#[test]
fn saml_response_prints_a_signed_response() {
    let out = idpsim(&[
        "saml",
        "response",
        "--user",
        "a@x.com",
        "--sp-entity-id",
        "https://sp",
        "--acs",
        "https://sp/acs",
        "--profile",
        "entra",
        "--sign",
        "both",
        "--format",
        "base64",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.trim().starts_with("PHNhbWxwOlJlc3BvbnNl"),
        "base64 of <samlp:Response: {text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("TEST-ONLY"));
    let out = idpsim(&[
        "saml",
        "response",
        "--user",
        "a@x.com",
        "--sp-entity-id",
        "e",
        "--acs",
        "https://sp/acs",
        "--group",
        "app-eng",
        "--group",
        "other",
        "--group-filter",
        "starts-with:app-",
    ]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains(">app-eng<") && !xml.contains(">other<"),
        "{xml}"
    );
    let out = idpsim(&["saml", "metadata"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.starts_with("<md:EntityDescriptor")
            && md.contains("HTTP-Redirect")
            && md.contains("X509Certificate"),
        "{md}"
    );
    let out = idpsim(&[
        "saml",
        "response",
        "--user",
        "a",
        "--sp-entity-id",
        "e",
        "--acs",
        "u",
        "--group-filter",
        "regex:(",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_over_tls_answers_clients_that_trust_the_local_ca() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args([
            "serve",
            "--tls",
            "--sp-entity-id",
            "https://sp.example",
            "--acs",
        ])
        .arg("https://sp.example/acs")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_owned();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/fixtures/TEST-ONLY-ca.crt.pem"
    );
    let trusted = std::process::Command::new("curl")
        .args(["-sS", "--cacert", ca, &format!("{base}/metadata")])
        .output()
        .expect("curl runs (Debian package curl; scripts/test installs it)");
    let untrusted = std::process::Command::new("curl")
        .args(["-sS", &format!("{base}/metadata")])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        String::from_utf8_lossy(&trusted.stdout).contains("md:EntityDescriptor"),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(
        !untrusted.status.success(),
        "a client without the CA must refuse"
    );
}

#[test]
fn rsa_sha1_says_which_feature_signs_it() {
    let out = idpsim(&[
        "saml",
        "response",
        "--user",
        "a@x.com",
        "--sp-entity-id",
        "e",
        "--acs",
        "https://sp/acs",
        "--alg",
        "rsa-sha1",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if cfg!(feature = "legacy-sha1") {
        assert!(out.status.success(), "{stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("xmldsig#rsa-sha1"),
            "{stderr}"
        );
    } else {
        assert!(!out.status.success());
        assert!(
            stderr.contains("--features legacy-sha1") && stderr.contains("libssl-dev"),
            "{stderr}"
        );
    }
}

/// `--help` of the SCIM commands names every profile of the registry: a
/// profile added as one constant shows up without a hand-kept list.
#[test]
fn play_and_load_help_list_every_profile() {
    for cmd in [["play", "--help"], ["load", "--help"]] {
        let out = idpsim(&cmd);
        assert!(out.status.success(), "{cmd:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        for name in idpsim_simulator::profile::Profile::names() {
            assert!(help.contains(name), "{cmd:?} does not list {name}: {help}");
        }
    }
    let out = idpsim(&[
        "play",
        "--profile",
        "pingfed",
        "scenarios/reactivation.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jumpcloud") && err.contains("ping"), "{err}");
}

/// `saml response --profile` takes issue 17's IdPs and signs in the shape
/// their SCIM profiles' sign-ins use (Okta's, the closest idpsim has).
#[test]
fn saml_response_takes_issue_17_profiles() {
    for profile in ["google", "onelogin", "jumpcloud", "ping"] {
        let out = idpsim(&[
            "saml",
            "response",
            "--user",
            "a@x.com",
            "--sp-entity-id",
            "https://sp",
            "--acs",
            "https://sp/acs",
            "--profile",
            profile,
        ]);
        assert!(
            out.status.success(),
            "{profile}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let xml = String::from_utf8_lossy(&out.stdout);
        assert!(
            xml.contains("Response") && xml.contains("SignatureValue"),
            "{profile}: {xml}"
        );
        assert!(xml.contains("http://www.okta.com/"), "{profile}: {xml}");
    }
}
