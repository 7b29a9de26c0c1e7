//! Every SAML case can fail: for each reference-SP SAML quirk (one check
//! turned off, or overdone), the cases that fail are exactly those whose
//! proof names that quirk; every other case still passes. A last test
//! walks the registry and fails for any case without a proof.

#[path = "saml/embedded.rs"]
mod embedded;

use std::collections::BTreeSet;

use idpsim_conformance::runner::Verdict;
use idpsim_conformance::saml::case::Kind;
use idpsim_conformance::saml::{self, Options, cases};
use idpsim_reference_sp::saml::SamlQuirk;

/// The ids that fail against an SP with `quirk`, and anything that did
/// neither pass nor fail (which a proof must not have).
async fn failing(quirk: SamlQuirk) -> (BTreeSet<String>, Vec<String>) {
    let sp = embedded::start(&[quirk], &[]).await;
    let all = cases::all();
    // Resource cases cost seconds each: only the quirk about them runs them.
    let include_resource = quirk == SamlQuirk::FragileParser;
    let selected: Vec<_> = all
        .into_iter()
        .filter(|c| include_resource || c.kind != Kind::Resource)
        .collect();
    let opts = Options {
        include_resource,
        ..Options::default()
    };
    let r = saml::run(&selected, embedded::target(&sp), &embedded::setup(), &opts)
        .await
        .unwrap();
    let mut failed = BTreeSet::new();
    let mut odd = Vec::new();
    for o in &r.outcomes {
        match o.verdict {
            Verdict::Fail => {
                failed.insert(o.id.to_owned());
            }
            Verdict::Pass => {}
            v => odd.push(format!("{} {v:?}: {:?} {:?}", o.id, o.got, o.message)),
        }
    }
    (failed, odd)
}

fn expected(quirk: SamlQuirk) -> BTreeSet<String> {
    cases::all()
        .into_iter()
        .filter(|c| c.proof.contains(&quirk.name()))
        .map(|c| c.id.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_quirk_fails_exactly_its_cases() {
    let mut wrong = Vec::new();
    for (quirk, name) in SamlQuirk::ALL {
        let (failed, odd) = failing(*quirk).await;
        let want = expected(*quirk);
        if failed != want || !odd.is_empty() {
            wrong.push(format!(
                "{name}:\n  failed but not proven by it: {:?}\n  proven by it but passed: {:?}\n  neither pass nor fail: {odd:#?}",
                failed.difference(&want).collect::<Vec<_>>(),
                want.difference(&failed).collect::<Vec<_>>(),
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every case names at least one quirk, and every name is a quirk.
#[test]
fn every_case_has_a_proof() {
    let known: BTreeSet<&str> = SamlQuirk::ALL.iter().map(|(_, n)| *n).collect();
    for c in cases::all() {
        assert!(!c.proof.is_empty(), "{} has no proof", c.id);
        for p in c.proof {
            assert!(known.contains(p), "{}: {p} is not a SAML quirk", c.id);
        }
    }
    // And every quirk proves something.
    for (_, name) in SamlQuirk::ALL {
        assert!(
            cases::all().iter().any(|c| c.proof.contains(name)),
            "quirk {name} proves no case"
        );
    }
}

/// conformance/README.md lists every case with its proof.
#[test]
fn the_readme_lists_every_case() {
    let readme = include_str!("../README.md");
    for c in cases::all() {
        let row = format!("| `{}` |", c.id);
        assert!(
            readme.contains(&row),
            "conformance/README.md misses {}",
            c.id
        );
        let line = readme.lines().find(|l| l.starts_with(&row)).unwrap();
        for p in c.proof {
            assert!(
                line.contains(&format!("`{p}`")),
                "README row of {} misses proof {p}",
                c.id
            );
        }
    }
}
