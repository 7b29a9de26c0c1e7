//! Generated and committed material: shape, files, permissions, chains.

use std::process::Command;

use idpsim_certs::{CertError, Material};

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("idpsim-certs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI runs (Debian package openssl; scripts/test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn save_load_round_trip_with_private_keys_0600_and_no_overwrite() {
    let dir = temp("roundtrip");
    let m = Material::generate().unwrap();
    let written = m.save(&dir, "", false).unwrap();
    assert_eq!(written.len(), 8);
    assert_eq!(Material::load(&dir, "").unwrap(), m);
    #[cfg(unix)]
    for p in &written {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let want = if p.to_string_lossy().ends_with(".key.pem") {
            0o600
        } else {
            0o644
        };
        assert_eq!(mode, want, "{}", p.display());
    }
    let again = Material::generate().unwrap();
    assert!(matches!(
        again.save(&dir, "", false),
        Err(CertError::Exists(_))
    ));
    assert_eq!(
        Material::load(&dir, "").unwrap(),
        m,
        "a refused save changed nothing"
    );
    again.save(&dir, "", true).unwrap();
    assert_eq!(Material::load(&dir, "").unwrap(), again);
    assert!(
        !format!("{again:?}").contains("PRIVATE KEY"),
        "Debug never shows keys"
    );
}

#[test]
fn generated_material_has_the_promised_shape() {
    let dir = temp("shape");
    Material::generate().unwrap().save(&dir, "", false).unwrap();
    let p = |f: &str| dir.join(f).display().to_string();
    let signing = openssl(&["x509", "-in", &p("idp-signing.crt.pem"), "-noout", "-text"]);
    assert!(
        signing.contains("Public-Key: (2048 bit)") && signing.contains("sha256WithRSAEncryption"),
        "{signing}"
    );
    let verify = openssl(&["verify", "-CAfile", &p("ca.crt.pem"), &p("tls.crt.pem")]);
    assert!(verify.contains(": OK"), "{verify}");
    let san = openssl(&[
        "x509",
        "-in",
        &p("tls.crt.pem"),
        "-noout",
        "-ext",
        "subjectAltName",
    ]);
    assert!(
        san.contains("IP Address:127.0.0.1") && san.contains("DNS:localhost"),
        "{san}"
    );
    let key = openssl(&["pkey", "-in", &p("idp-signing.key.pem"), "-noout", "-text"]);
    assert!(key.contains("2048 bit"), "{key}");
}

#[test]
fn committed_fixtures_load_and_chain() {
    let f = Material::fixtures();
    let dir = temp("fixtures");
    f.save(&dir, "TEST-ONLY-", false).unwrap();
    assert_eq!(Material::load(&dir, "TEST-ONLY-").unwrap(), f);
    let p = |s: &str| dir.join(s).display().to_string();
    let verify = openssl(&[
        "verify",
        "-CAfile",
        &p("TEST-ONLY-ca.crt.pem"),
        &p("TEST-ONLY-tls.crt.pem"),
    ]);
    assert!(verify.contains(": OK"), "{verify}");
}
