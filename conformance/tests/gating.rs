//! Checks gate on what the server declares: its schemas and resource types
//! (a check that needs an attribute the server lacks is skipped with that
//! reason, or uses another the server has), and its ServiceProviderConfig,
//! except the Okta and Entra checks, which run whatever it advertises
//! because those IdPs send their requests regardless.

// The proofs use all of the proxy; these tests only part of it.
#[allow(dead_code)]
mod proxy;

use idpsim_conformance::check::Suite;
use idpsim_conformance::checks;
use idpsim_conformance::runner::{self, Options, Report, Target, Verdict};
use idpsim_reference_sp::{Config, Quirk};
use proxy::{Hooks, Resp};
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn run_against(config: Config, hooks: Option<Hooks>, opts: &Options) -> Report {
    let sp = idpsim_reference_sp::spawn(config).await.unwrap();
    let base_url = match hooks {
        Some(h) => format!(
            "{}{}",
            proxy::start(sp.origin(), h).await,
            idpsim_reference_sp::SCIM_PREFIX
        ),
        None => sp.base_url().to_owned(),
    };
    let target = Target {
        base_url,
        token: Some(sp.token().to_owned()),
    };
    runner::run(&checks::all(), &target, opts).await
}

fn with_verdict(r: &Report, v: Verdict) -> Vec<(&'static str, String)> {
    r.outcomes
        .iter()
        .filter(|o| o.verdict == v)
        .map(|o| {
            (
                o.id,
                o.message
                    .clone()
                    .or_else(|| o.got.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// A server without `title`, `nickName`, `password` and the enterprise
/// extension, which says so in /Schemas and /ResourceTypes and keeps none
/// of them: nothing fails for their sake. The checks that need password or
/// an extension are skipped with that reason; those written for `title`
/// and `nickName` use attributes the server declares, and pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_optional_attributes_fails_nothing_for_them() {
    let r = run_against(
        Config::default().with_quirk(Quirk::MinimalSchema),
        None,
        &Options::default(),
    )
    .await;
    let console = idpsim_conformance::report::console(&r, false);
    assert!(with_verdict(&r, Verdict::Fail).is_empty(), "{console}");
    assert!(with_verdict(&r, Verdict::Warn).is_empty(), "{console}");
    let password = "the server's User schema does not declare `password`".to_owned();
    let extension = format!(
        "the server's User resource type does not declare the enterprise extension ({ENTERPRISE}) in schemaExtensions, nor another with a plain string attribute"
    );
    assert_eq!(
        with_verdict(&r, Verdict::Skip),
        vec![
            ("rfc7643.create.password-never-returned", password.clone()),
            ("rfc7643.resource.extension-object", extension.clone()),
            ("rfc7644.filter.urn-path", extension.clone()),
            ("rfc7644.patch.extension-path", extension),
            ("rfc7643.resource.password-not-listed", password),
            // Checks whose subject is a declaration RFC 7643's own schemas
            // do not make: a minimal server has nothing for them to judge.
            (
                "rfc7643.create.required-extension",
                "no resource type declares a required schema extension".into()
            ),
            (
                "rfc7643.put.immutable-kept",
                "the server declares no single-valued immutable string attribute on any resource type".into()
            ),
            (
                "rfc7644.put.immutable-400",
                "the server declares no single-valued immutable string attribute on any resource type".into()
            ),
            (
                "rfc7644.patch.schemas-follow",
                "the User resource type declares no optional extension with two writable string attributes".into()
            ),
            // Not Entra's round-trip and Add-replaces checks: as an admin
            // narrows Entra's mapping to what the server declares, they
            // write and judge only the declared attributes, and run.
        ],
        "{console}"
    );
    assert!(
        r.notes.is_empty(),
        "discovery read everything: {:?}",
        r.notes
    );
    let dotted = r
        .outcomes
        .iter()
        .find(|o| o.id == "entra.patch.dotted-pathless-replace")
        .unwrap();
    assert_eq!(dotted.verdict, Verdict::Pass);
    assert!(
        dotted.notes.iter().any(|n| n.contains("no URN key sent")),
        "{dotted:?}"
    );
}

/// Where /Schemas and /ResourceTypes cannot be read, the checks assume
/// RFC 7643's schemas as before (nothing is skipped for an attribute) and
/// the run says so once, not in every check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_schemas_are_assumed_from_the_rfc_and_said_once() {
    let hooks = Hooks {
        intercept: |r| {
            (r.path.contains("/Schemas") || r.path.contains("/ResourceTypes"))
                .then(|| Resp::json(404, json!({"status": "404"})))
        },
        ..Hooks::default()
    };
    let opts = Options {
        only: Some("rfc7643".into()),
        ..Options::default()
    };
    let r = run_against(Config::default(), Some(hooks), &opts).await;
    let console = idpsim_conformance::report::console(&r, false);
    // Nothing is skipped for an attribute (RFC 7643's are assumed); only
    // the checks whose subject is a declaration RFC 7643 does not make
    // (a required extension, an immutable attribute) have nothing to judge.
    for (id, why) in with_verdict(&r, Verdict::Skip) {
        assert!(
            [
                "rfc7643.create.required-extension",
                "rfc7643.put.immutable-kept"
            ]
            .contains(&id)
                && why.contains("could not be read"),
            "{id}: {why}\n{console}"
        );
    }
    assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
    for note in &r.notes {
        assert_eq!(console.matches(note.as_str()).count(), 1, "{console}");
    }
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("GET /ResourceTypes answered HTTP 404")),
        "{:?}",
        r.notes
    );
    let json = idpsim_conformance::report::json(&r);
    assert!(json.contains("\"notes\""), "{json}");
}

/// Okta and Entra send PATCH whatever the ServiceProviderConfig says: their
/// checks run against a server that does not advertise it, and against one
/// that really refuses PATCH they fail and say why, and the run fails. The
/// RFC suite's PATCH checks are still skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_checks_send_patch_whatever_the_server_advertises() {
    let all = checks::all();
    let idp_patch: Vec<&str> = all
        .iter()
        .filter(|c| c.suite != Suite::Rfc)
        .filter(|c| {
            c.needs
                .contains(&idpsim_conformance::check::Capability::Patch)
        })
        .map(|c| c.id)
        .collect();
    // The 25 that were gated on PATCH, three that send PATCH too (the
    // group deletes, whose group push PATCHes, and Entra's link, which
    // pushes the profile by PATCH), and the two checks of Entra's engine
    // that write by PATCH (round-trip, Add on a single value), and Okta's
    // full membership push and remove-and-add in one PATCH (O21, O22).
    assert_eq!(idp_patch.len(), 32);
    let r = run_against(
        Config::default().with_quirk(Quirk::NoPatch),
        None,
        &Options::default(),
    )
    .await;
    let console = idpsim_conformance::report::console(&r, false);
    assert!(!r.passed(), "{console}");
    for id in &idp_patch {
        let o = r.outcomes.iter().find(|o| o.id == *id).unwrap();
        assert_eq!(o.verdict, Verdict::Fail, "{id}: {o:?}");
        assert!(!o.precondition, "{id}: {o:?}");
        let idp = if o.suite == Suite::Okta {
            "Okta"
        } else {
            "Entra"
        };
        assert_eq!(
            o.message.as_deref(),
            Some(
                format!("{idp} will send this PATCH whatever your ServiceProviderConfig says")
                    .as_str()
            ),
            "{id}: {o:?}"
        );
    }
    // What fails is exactly what sends PATCH; the rest of the IdP suites
    // pass, and the RFC suite's PATCH checks are skipped as not advertised.
    for o in &r.outcomes {
        let sends_patch = idp_patch.contains(&o.id);
        let rfc_patch = o.suite == Suite::Rfc
            && all
                .iter()
                .find(|c| c.id == o.id)
                .unwrap()
                .needs
                .contains(&idpsim_conformance::check::Capability::Patch);
        let want = if sends_patch {
            Verdict::Fail
        } else if rfc_patch {
            Verdict::Skip
        } else {
            Verdict::Pass
        };
        assert_eq!(
            o.verdict, want,
            "{}: {:?} {:?} {:?}",
            o.id, o.rule, o.got, o.message
        );
    }
}
