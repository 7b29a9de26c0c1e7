//! The fixtures in `scenarios/fixtures/`: every shipped scenario recorded as
//! every profile that can play it (a scenario that drives Entra's
//! provisioning cycles as `entra` and `entra-2020` only), one request at a time (so that a recording is the same on
//! every run). A recording that drifts from what the code now sends fails
//! here; to re-record after an intended change:
//!
//! ```sh
//! IDPSIM_UPDATE_FIXTURES=1 cargo test -p idpsim --test shipped_fixtures
//! ```
//!
//! Scenarios whose recording would pass about 1 MB are recorded with a
//! smaller directory ([`REDUCED`]), so the set stays small enough for the
//! repository.

use std::path::{Path, PathBuf};
use std::process::Command;

const PROFILES: &[&str] = &["okta", "okta-aiw", "entra", "entra-2020", "rfc"];

/// The profiles that run Entra's provisioning job: the only ones a scenario
/// with cycle steps means anything as (the others fail every such step
/// without a request).
const CYCLE_PROFILES: &[&str] = &["entra", "entra-2020"];

/// Text replaced in a scenario before it is recorded: the directory size
/// and the counts its expectations name.
const REDUCED: &[(&str, &str, &str)] = &[
    ("full-sync-10k.yaml", "users: 10000", "users: 100"),
    ("full-sync-10k.yaml", "groups: 50", "groups: 5"),
    ("reset-and-resync.yaml", "users: 300", "users: 40"),
    ("faults-then-reconcile.yaml", "users: 200", "users: 40"),
    (
        "entra-legacy-member-removal.yaml",
        "users: 120",
        "users: 60",
    ),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_dir() -> PathBuf {
    root().join("scenarios/fixtures")
}

fn idpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idpsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run idpsim")
}

/// The shipped scenarios, reduced where [`REDUCED`] says, written to `dir`.
fn scenarios_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        let mut text = std::fs::read_to_string(&f).unwrap();
        for (file, from, to) in REDUCED {
            if *file == name {
                assert!(text.contains(from), "{name} no longer says {from:?}");
                text = text.replace(from, to);
            }
        }
        let copy = dir.join(&name);
        std::fs::write(&copy, text).unwrap();
        out.push(copy);
    }
    out
}

/// Whether a scenario drives the provisioning job (cycles and the
/// directory-only steps the next cycle sends).
fn drives_cycles(file: &Path) -> bool {
    use idpsim_simulator::scenario::{self, Step};
    let s = scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
    s.steps.iter().any(|step| {
        matches!(
            step,
            Step::Cycle(_)
                | Step::Cycles(_)
                | Step::HardDelete(_)
                | Step::SetManager(_)
                | Step::Unassign(_)
                | Step::ScopeOut(_)
                | Step::Matching(_)
                | Step::UpdateMany(_)
        )
    })
}

/// The profiles each scenario is recorded as.
fn profiles_for(file: &Path) -> &'static [&'static str] {
    if drives_cycles(file) {
        CYCLE_PROFILES
    } else {
        PROFILES
    }
}

/// Records every scenario as every profile that can play it into `out`;
/// the number of fixtures that makes.
fn record_all(out: &Path) -> usize {
    let src = out.join("scenarios");
    std::fs::create_dir_all(&src).unwrap();
    let all = scenarios_in(&src);
    let expected = all.iter().map(|f| profiles_for(f).len()).sum();
    for p in PROFILES {
        let files: Vec<&PathBuf> = all.iter().filter(|f| profiles_for(f).contains(p)).collect();
        let mut args = vec![
            "play",
            "--profile",
            p,
            "--concurrency",
            "1",
            "--record",
            out.to_str().unwrap(),
        ];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let o = idpsim(&args);
        // Some scenarios fail as another IdP (Okta never deletes users);
        // what was sent is recorded all the same.
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    expected
}

fn fixtures_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().to_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Recordings whose bytes depend on timing, so the drift test does not
/// compare them (they are still shipped and replayed): the faults scenario
/// holds requests on timers (`reorder_ms`) and delivers duplicates beside
/// the original, and `rfc`, the one profile that retries, meets those
/// faults on a different attempt when the machine is loaded.
const TIMING_DEPENDENT: &[&str] = &["faults-then-reconcile.rfc.json"];

#[test]
fn the_shipped_fixtures_are_what_the_code_sends() {
    let out = std::env::temp_dir().join(format!("idpsim-shipped-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let expected = record_all(&out);
    let recorded = fixtures_in(&out);
    assert_eq!(
        recorded.len(),
        expected,
        "one fixture per scenario and profile that can play it"
    );
    let shipped = shipped_dir();
    if std::env::var_os("IDPSIM_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(&shipped).unwrap();
        for n in fixtures_in(&shipped) {
            std::fs::remove_file(shipped.join(n)).unwrap();
        }
        for n in &recorded {
            std::fs::copy(out.join(n), shipped.join(n)).unwrap();
        }
    }
    let mut drifted = Vec::new();
    for n in &recorded {
        let now = std::fs::read_to_string(out.join(n)).unwrap();
        let size = now.len();
        assert!(
            size < 1_100_000,
            "{n} is {size} bytes: reduce it in REDUCED"
        );
        match std::fs::read_to_string(shipped.join(n)) {
            Ok(before) if before == now => {}
            Ok(_) if TIMING_DEPENDENT.contains(&n.as_str()) => {}
            Ok(_) => drifted.push(format!("{n} differs from what the code now sends")),
            Err(_) => drifted.push(format!("{n} is not shipped")),
        }
    }
    for n in fixtures_in(&shipped) {
        if !recorded.contains(&n) {
            drifted.push(format!("{n} is shipped but no scenario records it"));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        drifted.is_empty(),
        "{}\nre-record with: IDPSIM_UPDATE_FIXTURES=1 cargo test -p idpsim --test shipped_fixtures",
        drifted.join("\n")
    );
}

#[test]
fn every_shipped_fixture_replays_cleanly_against_the_reference_sp() {
    let o = idpsim(&["replay", "--quiet", "scenarios/fixtures"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let n = fixtures_in(&shipped_dir()).len();
    assert!(n >= 50, "{n} fixtures shipped");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("{n} passed, 0 failed")
    );
}
