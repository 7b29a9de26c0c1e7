//! Entra's provisioning engine against the reference SP: each shipped
//! `entra-*` scenario that provokes a finding with a quirk passes with it,
//! and the finding is gone when the same scenario runs without the quirk;
//! the incremental cycle costs requests per change, not per user.

use idpsim_reference_sp::Config;
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::cycles::{CycleReport, Kind};
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::Idp;
use idpsim_simulator::player::{Player, ScenarioReport, build_directory};
use idpsim_simulator::profile::{ENTRA, Profile};
use idpsim_simulator::scenario;
use serde_json::json;

use crate::played::play;

fn cycles(r: &ScenarioReport) -> Vec<&CycleReport> {
    r.steps.iter().flat_map(|s| s.cycles.iter()).collect()
}

fn failed_steps(r: &ScenarioReport) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| !s.passed)
        .map(|s| format!("{}: {}", s.step, s.failure.clone().unwrap_or_default()))
        .collect()
}

const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// IDP-ENGINES E9, E7.
#[tokio::test]
async fn a_manager_the_target_drops_is_re_sent_every_cycle() {
    let (r, _sp) = play("entra-manager-loop.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let last = cycles(&r).into_iter().last().unwrap();
    assert_eq!(last.loops.len(), 1, "{last:?}");
    let l = &last.loops[0];
    assert_eq!(l.attribute, MANAGER);
    assert!(l.written.is_string(), "the id written: {l:?}");
    assert_eq!(l.read_back, json!(null), "what the GET returned");
    // Without the quirk: the manager is written once and never again.
    let (r, _sp) = play("entra-manager-loop.yaml", false).await;
    assert!(cycles(&r).iter().all(|c| c.loops.is_empty()));
    let manager_writes = cycles(&r)
        .iter()
        .flat_map(|c| c.writes.iter())
        .filter(|w| w.attribute.as_deref() == Some(MANAGER))
        .count();
    assert_eq!(manager_writes, 1);
    assert_eq!(
        failed_steps(&r).len(),
        1,
        "only the loop expectation fails: {:?}",
        failed_steps(&r)
    );
}

/// IDP-ENGINES E5, E1, E28.
#[tokio::test]
async fn a_404_on_an_empty_filter_quarantines_the_job_until_it_is_disabled() {
    let (r, _sp) = play("entra-quarantine.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let cs = cycles(&r);
    let q = cs[0].quarantine.as_ref().expect("quarantined at once");
    assert_eq!(q.reason, "EncounteredQuarantineException");
    assert!(q.rule.contains("404"), "{q:?}");
    assert_eq!(q.next_attempt, "day 0 06:00");
    assert!(cs.last().unwrap().quarantine.as_ref().unwrap().disabled);
    // Against a conformant target: Test Connection passes (so its
    // expect_failure step fails), and nothing is quarantined or escrowed.
    let (r, _sp) = play("entra-quarantine.yaml", false).await;
    assert!(
        cycles(&r)
            .iter()
            .all(|c| c.quarantine.is_none() && c.escrowed_total == 0)
    );
    assert!(!r.steps[0].passed, "Test Connection passes");
}

/// IDP-ENGINES E22.
#[tokio::test]
async fn leaked_members_are_answered_with_replace_members() {
    let (r, _sp) = play("entra-member-leak.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let replaced = |r: &ScenarioReport| {
        cycles(r)
            .iter()
            .flat_map(|c| c.writes.iter())
            .filter(|w| w.op == "Replace" && w.attribute.as_deref() == Some("members"))
            .count()
    };
    assert_eq!(replaced(&r), 3, "once per incremental cycle");
    let (r, _sp) = play("entra-member-leak.yaml", false).await;
    assert_eq!(replaced(&r), 0);
    assert!(cycles(&r).iter().all(|c| c.loops.is_empty()));
}

/// IDP-ENGINES E29, E28.
#[tokio::test]
async fn a_409_on_create_is_escrowed_then_linked_in_the_next_cycle() {
    let (r, _sp) = play("entra-escrow.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let cs = cycles(&r);
    assert_eq!(cs[0].escrowed_total, 1);
    assert_eq!(
        cs[0].escrowed[0].next_retry, "day 0 00:40",
        "the next cycle"
    );
    assert!(cs[0].escrowed[0].error.contains("409"));
    assert_eq!(cs[1].escrowed_total, 0);
    assert!(
        cs[1].writes.iter().all(|w| w.op != "POST"),
        "linked, not created again"
    );
    let (r, _sp) = play("entra-escrow.yaml", false).await;
    assert!(cycles(&r).iter().all(|c| c.escrowed_total == 0));
}

/// IDP-ENGINES E23.
#[tokio::test]
async fn parallel_member_patches_lose_members_only_on_a_racy_target() {
    let (r, _sp) = play("entra-parallel-members.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let notes: Vec<&String> = cycles(&r).iter().flat_map(|c| c.notes.iter()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("8 membership PATCHes sent concurrently")),
        "{notes:?}"
    );
    let (r, _sp) = play("entra-parallel-members.yaml", false).await;
    assert_eq!(
        failed_steps(&r),
        ["reconcile (expect Drift): reconcile found no drift, but drift was expected"]
    );
}

/// IDP-ENGINES E3: one query per matching attribute, in order, until one
/// finds the user.
#[tokio::test]
async fn matching_attributes_are_tried_in_precedence_order() {
    let (r, _sp) = play("entra-matching.yaml", true).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let cycle = r.steps.iter().find(|s| s.step == "cycle initial").unwrap();
    let queries: Vec<&str> = cycle
        .exchanges
        .iter()
        .map(|x| x.url.as_str())
        .filter(|u| u.contains("filter="))
        .collect();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries[0].ends_with("filter=userName+eq+%22jo.young%40contoso.com%22"));
    assert!(queries[1].ends_with("filter=externalId+eq+%22jo.young%22"));
}

/// IDP-ENGINES E22: the replace carries Entra's list, so a member the
/// target added on its own is removed.
#[tokio::test]
async fn a_leak_shrinks_the_group_to_entras_list() {
    for leak in [false, true] {
        let mut config = Config::default();
        if leak {
            config
                .quirks
                .insert(idpsim_reference_sp::Quirk::LeaksMembers);
        }
        let sp = idpsim_reference_sp::spawn(config).await.unwrap();
        let client = ScimClient::new(ClientConfig::new(
            sp.base_url(),
            Auth::Bearer(sp.token().into()),
        ))
        .unwrap();
        let mut dir = Directory::new(1);
        for n in ["a@x.test", "b@x.test"] {
            let u = dir.new_user(n);
            dir.add_user(u);
        }
        dir.add_group("g").members.insert("a@x.test".into());
        let mut idp = Idp::new(dir, &ENTRA, client);
        idp.cycle(Kind::Initial, None).await.unwrap();
        // The application adds b to the group on its own.
        let (g, b) = (
            idp.dir.group("g").unwrap().target_id.clone().unwrap(),
            idp.dir.user("b@x.test").unwrap().target_id.clone().unwrap(),
        );
        let http = reqwest::Client::new();
        let r = http
            .patch(format!("{}/Groups/{g}", sp.base_url()))
            .bearer_auth(sp.token())
            .json(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": b}]}]}),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        idp.engine.as_mut().unwrap().changed_group("g");
        idp.cycle(Kind::Incremental, None).await.unwrap();
        let got: serde_json::Value = http
            .get(format!("{}/Groups/{g}", sp.base_url()))
            .bearer_auth(sp.token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let members = got["members"].as_array().map_or(0, Vec::len);
        assert_eq!(members, if leak { 1 } else { 2 }, "leak={leak}: {got}");
    }
}

/// Requests of one incremental cycle after `changed` users of `users`
/// changed title, the cycle after the initial one being quiet.
async fn incremental_requests(users: usize, changed: usize) -> (u64, u64) {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap();
    let dir = Directory::generate(&Generate {
        seed: 5,
        users,
        groups: 0,
        domain: "x.test".into(),
    });
    let mut idp = Idp::new(dir, &ENTRA, client);
    let first = idp.cycle(Kind::Initial, None).await.unwrap();
    assert_eq!(first.requests, 2 * users as u64, "lookup and create each");
    let quiet = idp.cycle(Kind::Incremental, None).await.unwrap();
    assert_eq!(quiet.requests, 0, "a quiet cycle reads nothing");
    let names: Vec<String> = idp
        .dir
        .users()
        .take(changed)
        .map(|u| u.user_name.clone())
        .collect();
    for n in &names {
        idp.dir.user_mut(n).unwrap().title = Some("Changed".into());
        idp.engine.as_mut().unwrap().changed_user(n);
    }
    let change = idp.cycle(Kind::Incremental, None).await.unwrap();
    assert_eq!(change.writes_total, changed);
    let after = idp.cycle(Kind::Incremental, None).await.unwrap();
    assert!(after.loops.is_empty() && after.writes_total == 0);
    (change.requests, after.requests)
}

/// The incremental cycle costs requests per changed user (a read and a
/// PATCH, then one confirming read in the cycle after), not per user in
/// the directory: 4 changes cost the same among 100 users as among 400,
/// and 10% of 400 costs ten times 1%.
#[tokio::test]
async fn incremental_cycles_cost_requests_per_change_not_per_user() {
    let small = incremental_requests(100, 4).await;
    let large = incremental_requests(400, 4).await;
    assert_eq!(small, (8, 4));
    assert_eq!(large, small, "4x the directory, the same cost");
    let ten_percent = incremental_requests(400, 40).await;
    assert_eq!(ten_percent, (80, 40), "10x the changes, 10x the cost");
}

/// `update_many` changes a share of the directory, which the next cycle
/// sends: 1% of 300 users is 3 changes, 6 requests.
#[tokio::test]
async fn update_many_changes_a_share_for_the_next_cycle() {
    let s = scenario::parse(
        "many.yaml",
        "name: many\nidp: entra\ndirectory:\n  generate: { users: 300 }\nsteps:\n  - cycle: initial\n  - update_many: { users: 1%, set: { title: Changed } }\n  - cycle: incremental\n",
    )
    .unwrap();
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap();
    let mut player = Player::new(Idp::new(build_directory(&s, 0), &ENTRA, client));
    let r = player.run("many.yaml", &s, |_| {}).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    assert_eq!(r.steps[1].requests, 0, "a directory change sends nothing");
    let c = &r.steps[2].cycles[0];
    assert_eq!((c.writes_total, c.requests), (3, 6));
    assert!(
        c.writes
            .iter()
            .all(|w| w.op == "Replace" && w.attribute.as_deref() == Some("title")),
        "{:?}",
        c.writes
    );
}

/// A `--record` of Entra's cycles is the same bytes on every run at the
/// default concurrency: the exchanges are in the engine's planned order
/// (job by job, a group's parallel membership PATCHes chunk by chunk), not
/// in the order the target happened to answer.
#[tokio::test]
async fn recordings_of_concurrent_cycles_are_byte_identical() {
    for file in ["entra-cycles.yaml", "entra-parallel-members.yaml"] {
        let mut first = None;
        for run in 0..4 {
            let (r, sp) = play(file, false).await;
            let text = idpsim_simulator::record::fixture(&r, sp.base_url()).to_string();
            match &first {
                None => first = Some(text),
                Some(f) => assert!(
                    *f == text,
                    "{file}: run {run} recorded other bytes than run 0"
                ),
            }
        }
    }
}

/// IDP-ENGINES E15: after Entra's cycles, reconcile expects the
/// unassigned and scoped-out users disabled (not deleted, not drift) and
/// the unassigned user hard-deleted later retained, not orphaned.
#[tokio::test]
async fn reconcile_expects_the_out_of_scope_disabled_not_deleted() {
    let (r, _sp) = play("entra-deprovisioning.yaml", false).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let reconciles: Vec<_> = r
        .steps
        .iter()
        .filter(|s| s.step.starts_with("reconcile"))
        .collect();
    assert_eq!(reconciles.len(), 2);
    assert!(
        reconciles[1]
            .notes
            .iter()
            .any(|n| n == "1 deleted users kept inactive by the target"),
        "{:?}",
        reconciles[1].notes
    );
}

/// IDP-ENGINES E27: with `aadOptscim062020`, the job's cycles send the
/// flag's shapes, but the admin's "Provision on demand" does not: the
/// flag "does not work with on-demand provisioning", so one user
/// provisioned on demand gets the legacy job's capitalised, per-attribute
/// `Replace` and its `"False"`.
#[tokio::test]
async fn provisioning_on_demand_ignores_the_2020_flag() {
    let yaml = "name: on demand\nidp: entra-2020\ndirectory:\n  users:\n    - { userName: a@x.test, name: Ann Able, title: Engineer }\n    - { userName: b@x.test, name: Bob Baker, title: Engineer }\nsteps:\n  - cycle: initial\n  - update_many: { users: 2, set: { title: Lead, displayName: New Name } }\n  - cycle: incremental\n  - update_many: { users: 2, set: { title: Chief, displayName: Newer Name } }\n  - provision_on_demand: b@x.test\n  - scope_out: b@x.test\n  - provision_on_demand: b@x.test\n";
    let s = scenario::parse("on-demand.yaml", yaml).unwrap();
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap();
    let profile = Profile::by_name("entra-2020").unwrap();
    let mut player = Player::new(Idp::new(build_directory(&s, 0), profile, client));
    player.record = true;
    let r = player.run("on-demand.yaml", &s, |_| {}).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let patches = |step: usize| -> Vec<serde_json::Value> {
        r.steps[step]
            .exchanges
            .iter()
            .filter(|x| x.method == idpsim_simulator::client::Method::PATCH)
            .map(|x| x.request_json().unwrap()["Operations"].clone())
            .collect()
    };
    // The cycle: the flag's pathless replace with both attributes.
    let cycle = patches(2);
    assert_eq!(cycle.len(), 2);
    assert!(
        cycle[0].as_array().unwrap().contains(
            &json!({"op": "replace", "value": {"displayName": "New Name", "title": "Lead"}})
        ),
        "{cycle:?}"
    );
    // On demand: the legacy job's one op per attribute, capitalised.
    let on_demand = patches(4);
    assert_eq!(on_demand.len(), 1, "only the user asked for");
    assert_eq!(
        on_demand[0],
        json!([
            {"op": "Replace", "path": "displayName", "value": "Newer Name"},
            {"op": "Replace", "path": "title", "value": "Chief"},
        ])
    );
    // A disable on demand: the legacy string, not the flag's boolean.
    assert_eq!(
        patches(6)[0],
        json!([{"op": "Replace", "path": "active", "value": "False"}])
    );
    assert!(
        r.steps[4].notes.iter().any(|n| n.contains("E27")),
        "{:?}",
        r.steps[4].notes
    );
}

/// Group assignment: a user is in scope through an assigned group that
/// holds it directly, not through a group nested in it (Entra does not
/// expand nested groups), and only assigned groups are provisioned;
/// unassigning the group disables its members. Clearing a manager sends
/// nothing (IDP-ENGINES E12): the target keeps the reference.
#[tokio::test]
async fn group_assignment_scopes_direct_members_only_and_a_cleared_manager_stays() {
    let (r, sp) = play("entra-group-scoping.yaml", false).await;
    assert!(r.passed, "{:?}", failed_steps(&r));
    let sent: Vec<String> = r
        .steps
        .iter()
        .flat_map(|s| s.exchanges.iter())
        .filter(|x| x.method != idpsim_simulator::client::Method::GET)
        .map(|x| {
            format!(
                "{:?} {}",
                x.method,
                x.request_json().map(|b| b.to_string()).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        !sent
            .iter()
            .any(|s| s.contains("nico@contoso.com") || s.contains("Platform")),
        "a nested group's member or the nested group was pushed: {sent:?}"
    );
    let step = |name: &str| r.steps.iter().find(|s| s.step.starts_with(name)).unwrap();
    let disable = &step("cycle incremental").cycles[0].writes;
    assert_eq!(disable.len(), 1, "{disable:?}");
    assert_eq!(
        (disable[0].object.as_str(), disable[0].attribute.as_deref()),
        ("user dana@contoso.com", Some("active"))
    );
    assert_eq!(
        step("2 incremental cycles").requests,
        1,
        "one read, no write"
    );
    // The target still holds Emma's manager.
    let http = reqwest::Client::new();
    let list: serde_json::Value = http
        .get(format!(
            "{}/Users?filter=userName%20eq%20%22emma%40contoso.com%22",
            sp.base_url()
        ))
        .bearer_auth(sp.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list["Resources"][0]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
            ["manager"]
            .is_object(),
        "{list}"
    );
}
