//! Scenario files: every shipped one passes against the reference SP, and
//! malformed ones are refused with file:line:column and what was wrong.

use idpsim_simulator::scenario::{self, Need, NeedKind, ScenarioError};

fn err(text: &str) -> ScenarioError {
    scenario::parse("bad.yaml", text).expect_err("the scenario should be refused")
}

fn at(e: &ScenarioError, line: u64, column: u64, words: &str) {
    assert_eq!((e.line, e.column), (line, column), "{e}");
    assert!(
        e.message.to_lowercase().contains(&words.to_lowercase()),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("bad.yaml:{line}:{column}: ")),
        "{e}"
    );
}

#[test]
fn unknown_top_level_key() {
    at(&err("name: x\nstepz: []\n"), 2, 1, "unknown field `stepz`");
}

#[test]
fn unknown_step_kind() {
    at(
        &err("name: x\nsteps:\n  - jion: a@x\n"),
        3,
        5,
        "unknown variant `jion`",
    );
}

#[test]
fn unknown_key_inside_a_step() {
    at(
        &err("name: x\nsteps:\n  - move: { user: a, from: b, too: c }\n"),
        3,
        31,
        "unknown field `too`",
    );
}

#[test]
fn missing_required_field() {
    let e = err("name: x\nsteps:\n  - move: { user: a, from: b }\n");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("missing field `to`"), "{e}");
}

#[test]
fn wrong_type() {
    at(
        &err("name: x\nseed: seven\nsteps:\n  - join: a\n"),
        2,
        7,
        "invalid",
    );
}

#[test]
fn bad_yaml_syntax() {
    let e = err("name: x\nsteps:\n  - join: [a\n");
    assert!(e.line >= 3, "{e}");
}

#[test]
fn missing_name() {
    let e = err("steps:\n  - join: a\n");
    assert!(e.message.contains("missing field `name`"), "{e}");
}

#[test]
fn unknown_user_field_in_directory() {
    at(
        &err(
            "name: x\ndirectory:\n  users:\n    - { userName: a@x, nickname: A }\nsteps:\n  - join: a@x\n",
        ),
        4,
        24,
        "unknown field `nickname`",
    );
}

#[test]
fn bad_sync_scope() {
    at(
        &err("name: x\nsteps:\n  - sync: some\n"),
        3,
        11,
        "unknown variant `some`",
    );
}

#[test]
fn unknown_idp() {
    let e = err("name: x\nidp: pingfed\nsteps:\n  - join: a\n");
    assert!(
        e.message.contains("unknown idp \"pingfed\"") && e.message.contains("okta"),
        "{e}"
    );
}

#[test]
fn empty_steps() {
    assert!(
        err("name: x\nsteps: []\n")
            .message
            .contains("`steps` is empty")
    );
}

#[test]
fn expectation_without_subject() {
    assert!(
        err("name: x\nsteps:\n  - expect: { active: true }\n")
            .message
            .contains("names no user, group or count")
    );
}

#[test]
fn bad_wait_duration() {
    assert!(
        err("name: x\nsteps:\n  - wait: soon\n")
            .message
            .contains("not a duration")
    );
}

/// Found while writing the `scenario` fuzz target, confirmed through it
/// (`fuzz/regressions/scenario/`): minutes were multiplied into seconds
/// unchecked, so loading this file panicked in a debug build and wrapped
/// to a short wait in a release one.
#[test]
fn wait_of_more_minutes_than_seconds_can_hold() {
    let e = err("name: x\nsteps:\n  - wait: 307445734561825861m\n");
    assert!(e.message.contains("longer than any wait"), "{e}");
    assert_eq!(
        scenario::parse_duration("307445734561825860m"),
        Ok(std::time::Duration::from_secs(307_445_734_561_825_860 * 60))
    );
}

#[test]
fn negative_generated_size() {
    at(
        &err("name: x\ndirectory:\n  generate: { users: -5 }\nsteps:\n  - sync: all\n"),
        3,
        22,
        "invalid",
    );
}

#[test]
fn every_shipped_scenario_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 9, "only {n} shipped scenarios");
}

/// `set` names attributes; a misspelt one was accepted when the file was
/// read and failed only when its step ran, after the steps before it had
/// changed the target.
#[test]
fn unknown_attribute_in_an_update() {
    at(
        &err("name: x\nsteps:\n  - update: { user: a, set: { titel: T } }\n"),
        3,
        31,
        "unknown variant `titel`",
    );
}

#[test]
fn every_settable_attribute_is_accepted() {
    let s = scenario::parse(
        "ok.yaml",
        "name: x\nsteps:\n  - update:\n      user: a\n      set: { givenName: A, familyName: B, displayName: A B, email: e@x, title: T, department: D, employeeNumber: '7' }\n",
    )
    .unwrap();
    assert_eq!(
        s.steps[0].to_string(),
        "update a (department, displayName, email, employeeNumber, familyName, givenName, title)"
    );
}

fn need(kind: NeedKind, key: &str, line: u64, column: u64) -> Need {
    Need {
        kind,
        key: key.into(),
        line,
        column,
    }
}

/// Every `target:` setting is honoured by the embedded reference SP only,
/// so each is a need with the place that states it; steps that sign in
/// need SAML endpoints, even inside `expect_failure`.
#[test]
fn a_scenario_says_what_it_needs_of_its_target_and_where() {
    let s = scenario::parse(
        "needs.yaml",
        "name: x\ntarget:\n  seat_limit: 21\n  quirks: [no-etag]\n  primary_owner: boss@x.test\nsteps:\n  - join: a\n  - login: { user: a }\n  - expect_failure:\n      step: { login: { user: b } }\n      contains: refused\n",
    )
    .unwrap();
    assert_eq!(
        s.needs,
        vec![
            need(NeedKind::EmbeddedTarget, "target.seat_limit", 3, 15),
            need(NeedKind::EmbeddedTarget, "target.quirks", 4, 11),
            need(NeedKind::EmbeddedTarget, "target.primary_owner", 5, 18),
            need(NeedKind::SamlEndpoints, "step 2 (login)", 8, 5),
            need(NeedKind::SamlEndpoints, "step 3 (login)", 9, 5),
        ]
    );
    assert_eq!(s.target.primary_owner.as_deref(), Some("boss@x.test"));
    let plain = scenario::parse(
        "plain.yaml",
        "name: x\ntarget: { quirks: [] }\nsteps:\n  - join: a\n",
    )
    .unwrap();
    assert!(plain.needs.is_empty(), "{:?}", plain.needs);
}

/// Checks that need the whole file used to answer at 1:1; they name the
/// step's own line now.
#[test]
fn a_step_that_fails_validation_is_named_by_its_place() {
    at(
        &err("name: x\nsteps:\n  - join: a\n  - expect: { active: true }\n"),
        4,
        5,
        "names no user, group or count",
    );
    at(
        &err("name: x\nsteps:\n  - wait: soon\n"),
        3,
        5,
        "not a duration",
    );
}

#[test]
fn cycle_steps_parse_and_bad_ones_are_refused() {
    let ok = scenario::parse(
        "ok.yaml",
        "name: x\nsteps:\n  - test_connection: {}\n  - cycle: initial\n  - cycles: 3\n  - set_manager: { user: a, manager: b }\n  - unassign: a\n  - scope_out: a\n  - hard_delete: a\n  - matching: [userName, externalId]\n  - expect: { loops: [] }\n  - expect: { quarantined: false, escrowed: 0 }\n  - update_many: { users: 1%, set: { title: T } }\n",
    )
    .unwrap();
    assert_eq!(ok.steps.len(), 11);
    assert!(
        err("name: x\nsteps:\n  - update_many: { users: lots, set: { title: T } }\n")
            .message
            .contains("\"lots\" is neither a share such as 1% nor a number of users")
    );
    at(
        &err("name: x\nsteps:\n  - cycle: final\n"),
        3,
        12,
        "unknown variant `final`",
    );
    assert!(
        err("name: x\nsteps:\n  - cycles: 0\n")
            .message
            .contains("`cycles` runs 1 to 100000 cycles, not 0")
    );
    assert!(
        err("name: x\nsteps:\n  - matching: [displayName]\n")
            .message
            .contains("cannot match on \"displayName\"")
    );
    at(
        &err("name: x\nsteps:\n  - test_connection: { guid: x }\n"),
        3,
        24,
        "unknown field `guid`",
    );
}
