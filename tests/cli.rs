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

fn saml_response(extra: &[&str]) -> String {
    let mut args = vec![
        "saml",
        "response",
        "--user",
        "ann@example.com",
        "--sp-entity-id",
        "https://sp",
        "--acs",
        "https://sp/acs",
    ];
    args.extend_from_slice(extra);
    let out = idpsim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// xmlsec1's verdict on the signature of the element with `id` (SAML.md §7).
fn xmlsec1_verifies(xml: &str, id: &str) -> bool {
    let dir = std::env::temp_dir().join(format!("idpsim-cli-xmlsec-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (doc, cert) = (dir.join("r.xml"), dir.join("idp.crt"));
    std::fs::write(&doc, xml).unwrap();
    std::fs::write(
        &cert,
        idpsim_certs::Material::fixtures().idp_signing.cert_pem,
    )
    .unwrap();
    let ok = Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-reference-uris",
            "empty,same-doc",
            "--enabled-key-data",
            "raw-x509-cert",
            "--pubkey-cert-pem",
        ])
        .arg(&cert)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--node-id",
            id,
        ])
        .arg(&doc)
        .output()
        .expect("xmlsec1 runs (Debian package xmlsec1; scripts/test installs it)")
        .status
        .success();
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

/// The `ID` of the first `element` start tag.
fn id_of(xml: &str, element: &str) -> String {
    let at = xml.find(&format!("{element} ")).unwrap();
    let rest = &xml[at..];
    let i = rest.find(" ID=\"").unwrap() + 5;
    rest[i..i + rest[i..].find('"').unwrap()].to_owned()
}

/// `idpsim saml response --profile P` with no other flags is P's freshly
/// configured app (IDP-ENGINES.md §3), and every signature it or any
/// `--sign` mode makes verifies with xmlsec1.
#[test]
fn saml_response_defaults_to_each_idps_fresh_app() {
    // S4 and S13: Okta signs the Response and the Assertion, sends no
    // attribute statement.
    let okta = saml_response(&["--profile", "okta", "--group", "eng"]);
    assert_eq!(okta.matches("<ds:Signature ").count(), 2, "{okta}");
    assert!(!okta.contains("AttributeStatement"), "{okta}");
    // S12: the app's Name ID format, unspecified.
    assert!(okta.contains("nameid-format:unspecified\">ann@example.com<"));
    // S4, S13, S14: Entra signs the Assertion, sends its fixed claims and
    // no groups claim.
    let entra = saml_response(&["--profile", "entra", "--group", "eng"]);
    assert_eq!(entra.matches("<Signature ").count(), 1, "{entra}");
    assert!(entra.contains("identity/claims/objectidentifier"));
    assert!(!entra.contains("claims/groups"), "{entra}");
    for (profile, root, assertion) in [
        ("okta", "saml2p:Response", "saml2:Assertion"),
        ("entra", "samlp:Response", "Assertion"),
    ] {
        for sign in [None, Some("assertion"), Some("response"), Some("both")] {
            let mut args = vec!["--profile", profile];
            if let Some(s) = sign {
                args.extend(["--sign", s]);
            }
            let xml = saml_response(&args);
            let signed = |id: &str| xml.contains(&format!("URI=\"#{id}\""));
            let (r, a) = (id_of(&xml, root), id_of(&xml, assertion));
            let what = format!("{profile} --sign {sign:?}");
            assert!(signed(&r) || signed(&a), "{what}: nothing signed");
            for id in [r, a].into_iter().filter(|id| signed(id)) {
                assert!(xmlsec1_verifies(&xml, &id), "{what}: {id}\n{xml}");
            }
        }
    }
}

/// Each default's flag changes it (S8, S9, S12, S13, S14).
#[test]
fn saml_response_flags_override_the_fresh_app() {
    // S13: Okta's attribute statements once configured.
    let x = saml_response(&["--attributes", "profile"]);
    assert!(x.contains("Name=\"email\"") && x.contains("Name=\"firstName\""));
    // S14: --group-filter alone turns the groups claim on: names for Okta,
    // object GUIDs for Entra; --groups-claim names gives Entra names.
    let x = saml_response(&["--group", "app-eng", "--group-filter", "starts-with:app-"]);
    assert!(x.contains(">app-eng<"), "{x}");
    let x = saml_response(&[
        "--profile",
        "entra",
        "--group",
        "eng",
        "--group-filter",
        "all",
    ]);
    let v = x
        .split("claims/groups\"><AttributeValue>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap();
    assert!(v.len() == 36 && v.matches('-').count() == 4, "a GUID: {v}");
    let x = saml_response(&[
        "--profile",
        "entra",
        "--group",
        "eng",
        "--groups-claim",
        "names",
    ]);
    assert!(x.contains("<AttributeValue>eng</AttributeValue>"), "{x}");
    // S12: the configured format.
    let x = saml_response(&["--name-id-format", "email"]);
    assert!(x.contains("nameid-format:emailAddress\">ann@example.com<"));
    // S8: the token reference's window.
    let x = saml_response(&["--profile", "entra", "--validity", "entra-token-reference"]);
    let attr = |name: &str| {
        let i = x.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        time::OffsetDateTime::parse(
            &x[i..i + x[i..].find('"').unwrap()],
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        (attr("NotBefore") - attr("IssueInstant")).whole_minutes(),
        -5
    );
    // S9: an IdP session authenticated 30 days ago.
    assert_eq!(
        (attr("IssueInstant") - attr("AuthnInstant")).whole_days(),
        0
    );
    let x = saml_response(&["--session-age", "30d"]);
    let i = x.find(" AuthnInstant=\"").unwrap() + 15;
    let j = x.find(" IssueInstant=\"").unwrap() + 15;
    let p = |k: usize| {
        time::OffsetDateTime::parse(
            &x[k..k + x[k..].find('"').unwrap()],
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!((p(j) - p(i)).whole_days(), 30);
}

#[test]
fn saml_help_teaches_the_app_settings() {
    for cmd in [
        &["saml", "response", "--help"][..],
        &["serve", "--help"][..],
    ] {
        let out = idpsim(cmd);
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in [
            "--sign",
            "--attributes",
            "--groups-claim",
            "--group-filter",
            "--name-id-format",
            "--validity",
            "--session-age",
            "okta both",
        ] {
            assert!(help.contains(flag), "{cmd:?} lacks {flag}:\n{help}");
        }
    }
}
