//! The `saml_acs` and `bulk` fuzz targets' inputs replayed on the stable
//! toolchain through the entry points the fuzzer calls
//! (`idpsim_reference_sp::fuzzing`): every kept finding must be refused
//! without a panic, and the seeds must reach as far as their names say
//! (`ok-*` signs in), so that a change cannot quietly leave the fuzzer
//! stuck at the signature check.

#[path = "../../fuzz/replay.rs"]
mod replay;

use replay::inputs;

use idpsim_reference_sp::fuzzing::{self, Acs};
use idpsim_reference_sp::saml::Rejection;

fn acs() -> Acs {
    Acs::new(
        include_str!("../../certs/fixtures/TEST-ONLY-idp-signing.crt.pem"),
        include_str!("../../certs/fixtures/TEST-ONLY-idp-signing.key.pem"),
    )
    .unwrap()
}

#[test]
fn saml_acs_seeds_reach_their_verdict() {
    let acs = acs();
    let seeds = inputs("seeds/saml_acs");
    assert!(seeds.len() >= 10, "the saml_acs seeds are missing");
    for (name, data) in seeds {
        let got = acs.run(&data);
        if name.starts_with("ok-") {
            let id = got.unwrap_or_else(|e| panic!("seed {name} refused: {e}"));
            assert_eq!(id.name_id, "bjensen@example.com", "seed {name}");
        } else {
            let e = got.expect_err(&name);
            let want = match name.as_str() {
                "refused-unknown-request" => matches!(e, Rejection::InResponseTo(_)),
                "refused-expired" => matches!(e, Rejection::Expired(_)),
                "refused-audience" => matches!(e, Rejection::Audience(_)),
                "refused-destination" => matches!(e, Rejection::Destination(_)),
                "refused-wrong-idp" => matches!(e, Rejection::Issuer(_)),
                _ => true,
            };
            assert!(want, "seed {name}: refused for the wrong reason: {e}");
        }
    }
}

#[test]
fn saml_acs_findings_are_refused() {
    let acs = acs();
    for (name, data) in inputs("regressions/saml_acs") {
        assert!(acs.run(&data).is_err(), "finding {name} signed in");
    }
}

/// Findings in the SAML parser, canonicalizer and ACS time checks
/// (`fuzz/regressions/saml_acs/saml-parse/`: a NotOnOrAfter in year 9999
/// that panicked, namespace-scope copies and a duplicate-attribute scan
/// that each took seconds), fixed by the saml-parse branch.
#[test]
fn saml_acs_parser_findings_are_refused() {
    let acs = acs();
    let found = inputs("regressions/saml_acs/saml-parse");
    assert!(!found.is_empty(), "the saml-parse findings are missing");
    for (name, data) in found {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| acs.run(&data)));
        assert!(
            matches!(got, Ok(Err(_))),
            "finding {name} panicked or signed in"
        );
    }
}

#[test]
fn bulk_inputs_replay() {
    let seeds = inputs("seeds/bulk");
    assert!(!seeds.is_empty(), "the bulk seeds are missing");
    let ran = seeds
        .iter()
        .filter(|(_, d)| fuzzing::bulk(d).is_ok_and(|r| !r.is_empty()))
        .count();
    assert!(ran * 2 > seeds.len(), "{ran} of {} seeds ran", seeds.len());
    // A finding either is refused whole or runs to per-operation
    // results; what it must not do is panic.
    for (_, data) in inputs("regressions/bulk") {
        let _ = std::hint::black_box(fuzzing::bulk(&data));
    }
}
