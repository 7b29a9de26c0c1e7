//! `cargo test -p idpsim-conformance --test suite`: one trial per check,
//! against `IDPSIM_TARGET_URL` / `IDPSIM_TARGET_TOKEN`, else an embedded
//! reference SP. Skips are decided while listing, from the target's
//! ServiceProviderConfig, ResourceTypes and Schemas, so they show as
//! ignored, not as passes. Trials run several at once; one that fails or
//! warns is rerun alone before it stands, as in the runner
//! (`runner::Harness`), so a target that breaks only under concurrent load
//! fails no trial for a rule it keeps. Names carry a prefix unique to the
//! run, as the runner's do, so leftovers of an earlier run never collide.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use idpsim_conformance::checks;
use idpsim_conformance::runner::{self, Options, Target, Verdict};
use libtest_mimic::{Arguments, Failed, Trial};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fn main() {
    let args = Arguments::from_args();
    let rt = runtime();
    let (target, _embedded) = match std::env::var("IDPSIM_TARGET_URL") {
        Ok(url) => (
            Target {
                base_url: url,
                token: std::env::var("IDPSIM_TARGET_TOKEN").ok(),
            },
            None,
        ),
        Err(_) => {
            let sp = rt
                .block_on(idpsim_reference_sp::Embedded::start(
                    idpsim_reference_sp::Config::default(),
                ))
                .expect("embedded SP");
            (
                Target {
                    base_url: sp.base_url().to_owned(),
                    token: Some(sp.token().to_owned()),
                },
                Some(sp),
            )
        }
    };
    let opts = Options::default();
    let caps = Arc::new(rt.block_on(runner::discover(&target, &opts)));
    // Said once, as the runner's report does.
    for note in &caps.declared.assumed {
        eprintln!("note: {note}");
    }
    let harness = Arc::new(runner::Harness::new(
        target,
        caps.clone(),
        &runner::run_prefix(),
        Duration::from_secs(30),
    ));
    let all = checks::all();
    let trials = runner::plan(&all, &caps, &opts)
        .into_iter()
        .map(|(check, skip)| {
            let harness = harness.clone();
            let trial = Trial::test(check.id, move || {
                let o = runtime().block_on(harness.run(check));
                match o.verdict {
                    Verdict::Pass => {
                        if let Some(load) = &o.under_load {
                            eprintln!(
                                "note: {} failed only among other trials ({}), passed alone",
                                check.id,
                                load.got.clone().unwrap_or_default()
                            );
                        }
                        Ok(())
                    }
                    // libtest has no warning; a SHOULD not met passes the
                    // trial but says so, rather than passing silently.
                    Verdict::Warn => {
                        eprintln!(
                            "warning: {} ({}, {:?}) not met\nexpected: {}\ngot: {}",
                            check.id,
                            check.reference,
                            check.level,
                            o.expected.unwrap_or_default(),
                            o.got.unwrap_or_default()
                        );
                        Ok(())
                    }
                    // Skips are planned, so this is a runner defect, not a pass.
                    Verdict::Skip => Err(Failed::from(format!(
                        "skipped while running ({}); skips are decided while listing",
                        o.message.unwrap_or_default()
                    ))),
                    // Only SAML cases are inconclusive; a SCIM check never is.
                    Verdict::Fail | Verdict::Inconclusive => Err(Failed::from(format!(
                        "{} ({})\nexpected: {}\ngot: {}",
                        check.title,
                        check.reference,
                        o.expected.unwrap_or_default(),
                        o.got.unwrap_or_default()
                    ))),
                }
            })
            .with_kind(check.suite.name());
            trial.with_ignored_flag(skip.is_some())
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
