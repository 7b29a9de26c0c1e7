//! `cargo test -p idpsim-conformance --test saml_suite`: one trial per SAML
//! case, each between two canary sign-ins, so another project's `cargo
//! test` can gate its SP on them. The SP comes from the environment
//! (`IDPSIM_SAML_LOGIN` and `IDPSIM_SAML_WHOAMI`, the SP trusting
//! idpsim's TEST-ONLY IdP key as `idpsim saml metadata` prints it; users
//! `IDPSIM_SAML_USER` and `IDPSIM_SAML_ATTACKER`), else the embedded
//! reference SP. Resource cases are listed as ignored unless
//! `IDPSIM_SAML_RESOURCE=1`; cases the SP's flow cannot take are ignored.

#[path = "saml/embedded.rs"]
mod embedded;

use std::sync::OnceLock;
use std::time::Duration;

use idpsim_conformance::runner::Verdict;
use idpsim_conformance::saml::case::Kind;
use idpsim_conformance::saml::{Options, Setup, SpTarget, Success, cases, plan, run_single};
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
    let mut setup = embedded::setup();
    let (target, _embedded): (SpTarget, _) = match (
        std::env::var("IDPSIM_SAML_LOGIN"),
        std::env::var("IDPSIM_SAML_WHOAMI"),
    ) {
        (Ok(login), Ok(whoami)) => {
            if let Ok(u) = std::env::var("IDPSIM_SAML_USER") {
                setup.user = u;
            }
            if let Ok(a) = std::env::var("IDPSIM_SAML_ATTACKER") {
                setup.attacker = a;
            }
            (
                SpTarget {
                    login_url: Some(login),
                    acs_url: None,
                    idp_initiated: false,
                    entity_id: None,
                    success: Success::Whoami(whoami),
                    requires_signed_assertion: false,
                    timeout: Duration::from_secs(10),
                },
                None,
            )
        }
        _ => {
            let sp = rt.block_on(embedded::start(&[], &[]));
            (embedded::target(&sp), Some(sp))
        }
    };
    let resource = std::env::var("IDPSIM_SAML_RESOURCE").is_ok_and(|v| v == "1");
    let all: &'static [_] = Box::leak(cases::all().into_boxed_slice());
    let opts = Options {
        include_resource: true,
        ..Options::default()
    };
    let trials = plan(all, &target, &opts)
        .into_iter()
        .map(|(case, skip)| {
            let (target, setup): (SpTarget, Setup) = (target.clone(), setup.clone());
            let ignored = skip.is_some() || (case.kind == Kind::Resource && !resource);
            Trial::test(case.id, move || {
                let o = runtime()
                    .block_on(run_single(case, target, &setup))
                    .map_err(Failed::from)?;
                match o.verdict {
                    Verdict::Pass => Ok(()),
                    v => Err(Failed::from(format!(
                        "{v:?}: {} ({})\nexpected: {}\ngot: {}\n{}",
                        case.title,
                        case.source,
                        o.expected.unwrap_or_default(),
                        o.got.unwrap_or_default(),
                        o.message.unwrap_or_default()
                    ))),
                }
            })
            .with_kind("saml")
            .with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
