//! The fuzz targets' inputs replayed on the stable toolchain: every kept
//! finding and every seed of `authn_request` and `scenario` through the
//! same entry point the fuzzer calls (`idpsim_simulator::fuzzing`), and the
//! `saml_acs` seeds, which this crate's SAML writer signs, checked to be
//! what it writes today (regenerate with `IDPSIM_UPDATE_FUZZ_SEEDS=1`).

#[path = "../../fuzz/replay.rs"]
mod replay;

use replay::{fuzz_dir, inputs};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_certs::Material;
use idpsim_reference_sp::fuzzing as sp;
use idpsim_simulator::fuzzing;
use idpsim_simulator::saml::{
    Attributes, GroupsClaim, Login, SamlDefaults, Shape, SigAlg, SignMode, response,
};
use time::OffsetDateTime;

#[test]
fn authn_request_inputs_replay() {
    let seeds = inputs("seeds/authn_request");
    assert!(!seeds.is_empty(), "the authn_request seeds are missing");
    for (name, data) in &seeds {
        // Every seed is a real request in one encoding or another.
        assert!(fuzzing::authn_request(data).is_ok(), "seed {name}");
    }
    // A finding may be a well-formed request (one kept for its cost, not
    // its verdict): replaying it must only not panic.
    for (_, data) in inputs("regressions/authn_request") {
        let _ = std::hint::black_box(fuzzing::authn_request(&data));
    }
}

#[test]
fn http_answer_inputs_replay() {
    let seeds = inputs("seeds/http_answer");
    assert!(!seeds.is_empty(), "the http_answer seeds are missing");
    for (name, data) in &seeds {
        // Every seed is a whole answer's head, followed by its body.
        let len = fuzzing::http_answer(data).unwrap_or_else(|e| panic!("seed {name}: {e}"));
        assert!(len.is_some_and(|n| n <= data.len()), "seed {name}");
    }
    for (_, data) in inputs("regressions/http_answer") {
        let _ = std::hint::black_box(fuzzing::http_answer(&data));
    }
}

#[test]
fn scenario_inputs_replay() {
    let seeds = inputs("seeds/scenario");
    assert!(!seeds.is_empty(), "the scenario seeds are missing");
    for (name, data) in &seeds {
        if let Err(e) = fuzzing::scenario(data) {
            panic!("seed {name}: {e}");
        }
    }
    for (_, data) in inputs("regressions/scenario") {
        let _ = std::hint::black_box(fuzzing::scenario(&data));
    }
}

/// The `saml_acs` seeds: (file name, mode byte, shape, what is signed,
/// algorithm, change to the login).
type SeedSpec = (
    &'static str,
    u8,
    fn() -> Shape,
    SignMode,
    SigAlg,
    fn(&mut Login),
);

fn keep(_: &mut Login) {}

const SAML_SEEDS: &[SeedSpec] = &[
    (
        "ok-okta-assertion-sha256",
        0,
        Shape::idpsim_okta,
        SignMode::Assertion,
        SigAlg::RsaSha256,
        keep,
    ),
    (
        "ok-okta-response-sha256",
        0,
        Shape::idpsim_okta,
        SignMode::Response,
        SigAlg::RsaSha256,
        keep,
    ),
    (
        "ok-okta-both-sha512",
        0,
        Shape::idpsim_okta,
        SignMode::Both,
        SigAlg::RsaSha512,
        keep,
    ),
    (
        "ok-entra-both-sha256",
        4,
        Shape::idpsim_entra,
        SignMode::Both,
        SigAlg::RsaSha256,
        keep,
    ),
    (
        "ok-entra-assertion-sha512",
        4,
        Shape::idpsim_entra,
        SignMode::Assertion,
        SigAlg::RsaSha512,
        keep,
    ),
    (
        "ok-form-okta-both",
        2,
        Shape::idpsim_okta,
        SignMode::Both,
        SigAlg::RsaSha256,
        keep,
    ),
    (
        "ok-resign-okta-both",
        1,
        Shape::idpsim_okta,
        SignMode::Both,
        SigAlg::RsaSha256,
        |l| {
            l.groups = vec!["Everyone".into(), "idpsim-admins".into()];
            l.extra_attributes = vec![("department".into(), vec!["Tours".into()])];
        },
    ),
    (
        "ok-resign-entra-response",
        5,
        Shape::idpsim_entra,
        SignMode::Response,
        SigAlg::RsaSha512,
        |l| {
            l.groups = vec!["b6f0c9a1-0000-4000-8000-000000000001".into()];
        },
    ),
    (
        "refused-unknown-request",
        0,
        Shape::idpsim_okta,
        SignMode::Both,
        SigAlg::RsaSha256,
        |l| {
            l.in_response_to = Some(sp::REQUEST_ID.into());
        },
    ),
    (
        "refused-expired",
        1,
        Shape::idpsim_okta,
        SignMode::Assertion,
        SigAlg::RsaSha256,
        |l| {
            l.now -= time::Duration::hours(2);
        },
    ),
    (
        "refused-audience",
        5,
        Shape::idpsim_entra,
        SignMode::Both,
        SigAlg::RsaSha256,
        |l| {
            l.sp_entity_id = "https://other.invalid/metadata".into();
        },
    ),
    (
        "refused-destination",
        1,
        Shape::idpsim_okta,
        SignMode::Response,
        SigAlg::RsaSha256,
        |l| {
            l.acs_url = "https://other.invalid/acs".into();
        },
    ),
    (
        "refused-wrong-idp",
        4,
        Shape::idpsim_okta,
        SignMode::Both,
        SigAlg::RsaSha256,
        keep,
    ),
];

fn seed_bytes(spec: &SeedSpec) -> Vec<u8> {
    let (_, mode, shape, sign, alg, change) = spec;
    let mut login = Login {
        user_name: "bjensen@example.com".into(),
        given_name: "Barbara".into(),
        family_name: "Jensen".into(),
        display_name: "Barbara Jensen".into(),
        email: "bjensen@example.com".into(),
        object_id: "4b7a2e8c-1111-4a3b-9c1d-2e3f4a5b6c7d".into(),
        groups: Vec::new(),
        sp_entity_id: sp::SP_ENTITY_ID.into(),
        acs_url: sp::ACS_URL.into(),
        in_response_to: None,
        now: OffsetDateTime::from_unix_timestamp(sp::NOW_UNIX).unwrap(),
        authn_instant: OffsetDateTime::from_unix_timestamp(sp::NOW_UNIX).unwrap(),
        seed: 14,
        name_id_format: None,
        extra_attributes: Vec::new(),
        // Every statement written, so that the fuzzer starts from them all.
        app: SamlDefaults {
            attributes: Attributes::Profile,
            groups: GroupsClaim::Names,
            ..SamlDefaults::for_shape(&shape())
        },
    };
    change(&mut login);
    let xml = response(
        &shape(),
        &login,
        &Material::fixtures().idp_signing,
        *sign,
        *alg,
    )
    .unwrap();
    let body = if mode & 3 >= 2 {
        // The form value as some IdPs post it: base64 in 76-column lines.
        let b = B64.encode(&xml);
        let lines: Vec<&str> = b
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        lines.join("\r\n").into_bytes()
    } else {
        xml.into_bytes()
    };
    [vec![*mode], body].concat()
}

#[test]
fn saml_acs_seeds_are_what_the_writer_signs() {
    let dir = fuzz_dir("seeds/saml_acs");
    let update = std::env::var_os("IDPSIM_UPDATE_FUZZ_SEEDS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for spec in SAML_SEEDS {
        let path = dir.join(spec.0);
        let got = seed_bytes(spec);
        if update {
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with IDPSIM_UPDATE_FUZZ_SEEDS=1",
                path.display()
            )
        });
        assert!(
            want == got,
            "{} differs from what the SAML writer signs now; run with IDPSIM_UPDATE_FUZZ_SEEDS=1",
            path.display()
        );
    }
}

/// The reconcile's page reader and the fixture loader, as their fuzz
/// targets call them: garbage is an error, a page is read.
#[test]
fn reconcile_page_and_fixture_entry_points_refuse_garbage() {
    use idpsim_simulator::fuzzing::{fixture, reconcile_page};
    assert!(reconcile_page(b"\0{").is_err());
    assert!(
        reconcile_page(b"\0{\"Resources\":[]}").is_err(),
        "no totalResults"
    );
    let page = br#"{"totalResults":1,"Resources":[{"id":"id-ann@example.com","userName":"ann@example.com","active":"yes"}]}"#;
    let drift = reconcile_page(&[&[0u8][..], page].concat()).expect("a page");
    assert!(drift.missing_users.contains(&"bo@example.com".to_owned()));
    assert!(drift.attributes.iter().any(|a| a.attribute == "active"));
    assert!(fixture(b"{").is_err());
    assert!(fixture(&[0xff, 0xfe]).is_err());
}
