//! The positive control of the SAML suite: against the strict reference SP
//! every case passes, the resource ones included, and the canary never fails.

#[path = "saml/embedded.rs"]
mod embedded;

use idpsim_conformance::report;
use idpsim_conformance::runner::Verdict;
use idpsim_conformance::saml::{self, Options, cases};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_saml_case_passes_against_the_reference_sp() {
    let sp = embedded::start(&[], &[]).await;
    let opts = Options {
        include_resource: true,
        ..Options::default()
    };
    let r = saml::run(
        &cases::all(),
        embedded::target(&sp),
        &embedded::setup(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(r.outcomes.len(), cases::all().len() + 1);
    let not_passed: Vec<String> = r
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| format!("{} {:?} {:?}", o.id, o.verdict, o.got))
        .collect();
    assert!(
        not_passed.is_empty(),
        "not passed: {not_passed:#?}\n{}",
        report::console(&r, false)
    );
}
