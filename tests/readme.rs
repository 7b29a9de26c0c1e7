//! The curl examples in README.md work as printed against `idpsim target`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Target(Child);

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn curl_block() -> String {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- curl-examples:begin -->")
        .expect("begin marker");
    let end = readme
        .find("<!-- curl-examples:end -->")
        .expect("end marker");
    let block = &readme[start..end];
    let code_start = block.find("```sh\n").expect("a sh block") + 6;
    let code_end = block[code_start..].find("```").expect("closing fence") + code_start;
    block[code_start..code_end].to_owned()
}

#[test]
fn readme_curl_examples_work_as_printed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(["target", "--port", "0", "--token", "secret"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start idpsim target");
    let stdout = child.stdout.take().unwrap();
    let target = Target(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let base = first.trim();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/scim/v2"),
        "{base}"
    );
    let origin = base.trim_end_matches("/scim/v2");

    let script = curl_block().replace("http://127.0.0.1:8080", origin);
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .output()
        .expect("bash runs (the examples also need curl and jq: Debian packages curl, jq; scripts/test installs them)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the examples failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Each example's answer, in order.
    let expected = [
        r#""schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]"#,
        r#""userName":"bjensen@example.com""#,
        r#""totalResults":1"#,
        r#""active":false"#,
        r#""displayName":"Engineering""#,
        r#""totalResults":1"#,
        r#""scimType":"invalidFilter""#,
        r#""action":"user.deactivated""#,
        r#""usersDeleted":1"#,
    ];
    let mut at = 0;
    for e in expected {
        match text[at..].find(e) {
            Some(i) => at += i + e.len(),
            None => panic!("expected {e} after byte {at} of:\n{text}"),
        }
    }
    drop(target);
}

/// scenarios/README.md has a row for every profile of the registry, so a
/// profile added as one constant cannot go undocumented.
#[test]
fn scenarios_readme_lists_every_profile() {
    let readme = include_str!("../scenarios/README.md");
    for name in idpsim_simulator::profile::Profile::names() {
        assert!(
            readme.contains(&format!("| `{name}` | ")),
            "scenarios/README.md has no row for the {name} profile"
        );
    }
}
