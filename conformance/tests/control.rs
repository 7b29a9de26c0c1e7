//! The positive control: against the reference SP every check passes. Not
//! warns, not skips: a check that cannot pass against a conformant target
//! proves nothing when it fails against another.

use idpsim_conformance::runner::{self, Options, Target, Verdict};
use idpsim_conformance::{checks, report};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_passes_against_the_reference_sp() {
    let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config::default())
        .await
        .unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    let r = runner::run(&checks::all(), &target, &Options::default()).await;
    assert_eq!(r.outcomes.len(), checks::all().len());
    let not_passed: Vec<String> = r
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| format!("{} {:?}", o.id, o.verdict))
        .collect();
    assert!(
        not_passed.is_empty(),
        "not passed: {not_passed:?}\n{}",
        report::console(&r, false)
    );
    assert_eq!(r.count(Verdict::Pass), r.outcomes.len());
}
