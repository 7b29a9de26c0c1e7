//! Every failure seen while checks run in parallel is confirmed by a rerun
//! alone. Against a target that answers 500 once more than one request is
//! in flight, two identical runs give identical verdicts: what fails only
//! under load passes alone and is marked so, with both runs' evidence.

use idpsim_conformance::runner::{self, Options, Target, Verdict};
use idpsim_conformance::{checks, report};
use idpsim_reference_sp::{Config, Quirk};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_only_failures_are_confirmed_and_marked() {
    let sp = idpsim_reference_sp::spawn(Config::default().with_quirk(Quirk::Overloaded))
        .await
        .unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    // This check sends twelve PATCHes at once by design: alone it overloads
    // the target too, so it would fail either way, by timing.
    let selected: Vec<_> = checks::all()
        .into_iter()
        .filter(|c| c.id != "entra.groups.parallel-member-patches")
        .collect();
    let opts = Options {
        concurrency: 8,
        ..Options::default()
    };
    let first = runner::run(&selected, &target, &opts).await;
    let second = runner::run(&selected, &target, &opts).await;
    let verdicts = |r: &runner::Report| -> Vec<(&'static str, Verdict)> {
        r.outcomes.iter().map(|o| (o.id, o.verdict)).collect()
    };
    assert_eq!(verdicts(&first), verdicts(&second));
    let mut marked = 0;
    for r in [&first, &second] {
        for o in &r.outcomes {
            // Alone, one request is in flight at a time: everything passes.
            assert_eq!(o.verdict, Verdict::Pass, "{}: {o:?}", o.id);
            if let Some(load) = &o.under_load {
                marked += 1;
                assert!(matches!(load.verdict, Verdict::Fail | Verdict::Warn));
                assert!(
                    load.rule.is_some() && !load.exchanges.is_empty(),
                    "{load:?}"
                );
                assert!(
                    load.exchanges.iter().any(|x| x.status == Some(500)),
                    "the load failure's evidence: {load:?}"
                );
                assert!(!o.exchanges.is_empty(), "the passing rerun's evidence");
            }
        }
        let console = report::console(r, false);
        assert!(
            console.contains(&format!(
                "0 of {} failures confirmed by a rerun alone; {} failed only under concurrent load",
                r.concurrency_only(),
                r.concurrency_only()
            )),
            "{console}"
        );
    }
    assert!(
        marked > 0,
        "eight checks at once against a target that takes one request at a time"
    );
}

/// The `cargo test` harness (tests/suite.rs) runs each check as a libtest
/// trial, several at once: through `runner::Harness` a failure among them
/// is rerun alone before it stands, as in the runner. Against a target
/// that breaks under concurrent load, checks run at once without it fail;
/// with it, each that failed passes alone and is marked so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn harness_trials_confirm_failures_alone() {
    let sp = idpsim_reference_sp::spawn(Config::default().with_quirk(Quirk::Overloaded))
        .await
        .unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    let caps = std::sync::Arc::new(runner::discover(&target, &Options::default()).await);
    let selected: Vec<_> = checks::all()
        .into_iter()
        .filter(|c| c.suite == idpsim_conformance::check::Suite::Rfc)
        .filter(|c| {
            runner::plan(&[*c], &caps, &Options::default())[0]
                .1
                .is_none()
        })
        .take(24)
        .collect();
    let timeout = std::time::Duration::from_secs(30);
    // Without confirmation: what libtest did before, one trial a thread.
    let mut set = tokio::task::JoinSet::new();
    for c in selected.clone() {
        let (target, caps) = (target.clone(), caps.clone());
        set.spawn(async move { runner::run_one(c, &target, caps, "idpsim-test", timeout).await });
    }
    let failed_at_once = set
        .join_all()
        .await
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .count();
    assert!(failed_at_once > 0, "24 checks at once overload this target");
    let harness = std::sync::Arc::new(runner::Harness::new(
        target.clone(),
        caps.clone(),
        "idpsim-test",
        timeout,
    ));
    let mut set = tokio::task::JoinSet::new();
    for c in selected {
        let harness = harness.clone();
        set.spawn(async move { harness.run(c).await });
    }
    let outcomes = set.join_all().await;
    for o in &outcomes {
        assert_eq!(o.verdict, Verdict::Pass, "{}: {o:?}", o.id);
    }
    let marked = outcomes.iter().filter(|o| o.under_load.is_some()).count();
    assert!(marked > 0, "some failed among others and passed alone");
}
