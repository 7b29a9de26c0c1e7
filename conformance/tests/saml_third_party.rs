//! The SAML suite against an SP nobody here wrote: @node-saml/node-saml
//! 5.1.0 (npm), in its default configuration, behind a few lines of glue
//! (tests/third_party/node-saml/sp.js). The package is installed under
//! target/ by this test (npm ci, pinned by package-lock.json; nothing when
//! already there). Node and npm must be installed: the test fails, naming
//! them, when they are not.
//!
//! What it finds is pinned below: a case that starts or stops failing
//! against the same library version is a change to look at, in the
//! library or in the harness.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use idpsim_certs::Material;
use idpsim_conformance::report;
use idpsim_conformance::runner::Verdict;
use idpsim_conformance::saml::{self, Options, Setup, SpTarget, Success, cases};
use idpsim_simulator::saml::{Shape, SignMode};

/// What node-saml 5.1.0's defaults let through, each checked by reading
/// its exchange (see conformance/README.md, "Against node-saml").
const FINDINGS: &[&str] = &[
    "saml.parser.doctype",
    "saml.parser.doctype-attlist",
    "saml.parser.external-entity-declared",
    "saml.parser.parameter-entity",
    "saml.algorithms.sha1-digest",
    "saml.time.bearer-expired",
    "saml.time.bearer-not-before",
    "saml.time.issued-hours-ago",
    "saml.time.issued-in-future",
    "saml.time.assertion-issued-hours-ago",
    "saml.time.no-time-zone",
    "saml.time.offset",
    "saml.recipient.other-host",
    "saml.recipient.other-path",
    "saml.recipient.other-scheme",
    "saml.recipient.missing",
    "saml.destination.other",
    "saml.destination.missing",
    "saml.issuer.response-other",
    "saml.issuer.assertion-other",
    "saml.issuer.case",
    "saml.issuer.suffixed",
    "saml.session.unknown-request",
    "saml.session.other-browser-request",
    "saml.session.in-response-to-mismatch",
    "saml.session.bearer-in-response-to-missing",
    "saml.session.response-in-response-to-missing",
    "saml.session.unsolicited",
    "saml.session.replay",
    "saml.session.replay-new-wrapper",
    "saml.session.second-answer",
    "saml.status.requester-with-assertion",
    "saml.status.authn-failed-with-assertion",
    "saml.status.missing",
    "saml.structure.no-authn-statement",
    "saml.structure.holder-of-key",
    "saml.structure.version",
    "saml.structure.unknown-condition",
    "saml.structure.two-name-ids",
];

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn need(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the third-party SP test needs `{tool}` (node 18+ and npm; Debian: apt-get install nodejs npm, or scripts/test --deps-only)"
    );
}

/// Installs the pinned node-saml under target/ unless it is there already.
fn install(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/third_party/node-saml");
    std::fs::create_dir_all(dir).unwrap();
    let lock = std::fs::read(src.join("package-lock.json")).unwrap();
    let installed = dir.join("node_modules/@node-saml/node-saml/package.json");
    let current = std::fs::read(dir.join("package-lock.json")).ok();
    for f in ["package.json", "package-lock.json", "sp.js"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    if installed.exists() && current.as_deref() == Some(&lock[..]) {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir)
        .output()
        .expect("npm runs");
    assert!(
        out.status.success() && installed.exists(),
        "npm ci of @node-saml/node-saml in {} failed (it needs the npm registry):\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(dir: &Path) -> (Killed, String) {
    let cert = dir.join("idp.crt.pem");
    std::fs::write(&cert, Material::fixtures().idp_signing.cert_pem).unwrap();
    let mut child = Command::new("node")
        .arg("sp.js")
        .current_dir(dir)
        .env("IDP_CERT", &cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening ") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let origin = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the node-saml SP prints its address within 30 s");
    (child, origin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_against_node_saml() {
    need("node");
    need("npm");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("third-party-sp/node-saml");
    install(&dir);
    let (_sp, origin) = start(&dir);
    let m = Material::fixtures();
    let setup = Setup {
        shape: Shape::idpsim_okta(),
        // node-saml wants both the Response and the Assertion signed by
        // default (wantAuthnResponseSigned, wantAssertionsSigned).
        sign: SignMode::Both,
        idp_key: m.idp_signing.clone(),
        attacker_key: m.sp_encryption.clone(),
        user: "idpsim-user@example.com".into(),
        attacker: "idpsim-attacker@example.com".into(),
    };
    let target = SpTarget {
        login_url: Some(format!("{origin}/login")),
        acs_url: None,
        idp_initiated: false,
        entity_id: None,
        success: Success::Whoami(format!("{origin}/whoami")),
        requires_signed_assertion: true,
        timeout: Duration::from_secs(10),
    };
    let opts = Options {
        include_resource: true,
        ..Options::default()
    };
    let r = saml::run(&cases::all(), target, &setup, &opts)
        .await
        .unwrap();
    std::fs::write(dir.join("report.md"), report::markdown(&r)).unwrap();
    std::fs::write(dir.join("report.json"), report::json(&r)).unwrap();
    let console = report::console(&r, false);
    println!("{console}");
    let canary = &r.outcomes[0];
    assert_eq!(
        canary.verdict,
        Verdict::Pass,
        "the canary must sign in: {console}"
    );
    let inconclusive: Vec<&str> = r
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Inconclusive)
        .map(|o| o.id)
        .collect();
    assert!(
        inconclusive.is_empty(),
        "inconclusive (harness or canary): {inconclusive:?}\n{console}"
    );
    let failed: Vec<&str> = r
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fail)
        .map(|o| o.id)
        .collect();
    assert_eq!(
        failed, FINDINGS,
        "findings against node-saml changed\n{console}"
    );
}
