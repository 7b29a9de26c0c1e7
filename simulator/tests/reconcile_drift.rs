//! Reconcile reports the exact drift a data-losing target causes.

use idpsim_reference_sp::{Config, Quirk};
use idpsim_simulator::client::{Auth, ClientConfig, Faults, ScimClient};
use idpsim_simulator::directory::Directory;
use idpsim_simulator::idp::Idp;
use idpsim_simulator::profile::{ENTRA, OKTA, Profile};
use idpsim_simulator::reconcile::{MembershipDrift, reconcile};

async fn idp_against(
    quirk: Quirk,
    profile: &'static Profile,
) -> (Idp, idpsim_reference_sp::Handle) {
    let sp = idpsim_reference_sp::spawn(Config::default().with_quirk(quirk))
        .await
        .unwrap();
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap();
    let mut dir = Directory::new(3);
    for n in ["ann@x.test", "bo@x.test"] {
        let u = dir.new_user(n);
        dir.add_user(u);
    }
    (Idp::new(dir, profile, client), sp)
}

const OWNER: &str = "owner@idpsim.test";

#[tokio::test]
async fn ignored_filtered_member_removal_shows_as_membership_drift() {
    let (mut idp, _sp) = idp_against(Quirk::IgnoreFilteredMemberRemoval, &OKTA).await;
    idp.join("ann@x.test").await.unwrap();
    idp.join("bo@x.test").await.unwrap();
    idp.dir
        .add_group("team")
        .members
        .extend(["ann@x.test".to_owned(), "bo@x.test".to_owned()]);
    idp.push_group("team").await.unwrap();
    idp.remove_members("team", &["ann@x.test".to_owned()])
        .await
        .unwrap();
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    assert_eq!(
        drift.memberships,
        vec![MembershipDrift {
            group: "team".into(),
            missing: vec![],
            extra: vec!["ann@x.test".into()]
        }]
    );
    assert!(
        drift.orphaned_users.is_empty()
            && drift.missing_users.is_empty()
            && drift.attributes.is_empty()
    );
    assert!(!drift.is_clean());
}

#[tokio::test]
async fn soft_delete_leaves_an_orphan_for_an_idp_that_deletes() {
    let (mut idp, _sp) = idp_against(Quirk::SoftDelete, &ENTRA).await;
    idp.join("ann@x.test").await.unwrap();
    idp.join("bo@x.test").await.unwrap();
    // Entra's delete is a soft delete first (a disable); the DELETE comes
    // with the hard delete, in the next cycle (IDP-ENGINES E15).
    assert!(idp.delete_user("bo@x.test").await.unwrap());
    assert!(idp.engine.as_mut().unwrap().hard_delete("bo@x.test"));
    let report = idp
        .cycle(idpsim_simulator::cycles::Kind::Incremental, None)
        .await
        .unwrap();
    assert!(report.writes.iter().any(|w| w.op == "DELETE"), "{report:?}");
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    assert_eq!(drift.orphaned_users, vec!["bo@x.test".to_owned()]);
    assert!(
        drift.memberships.is_empty()
            && drift.missing_users.is_empty()
            && drift.attributes.is_empty()
    );
    assert_eq!(
        drift.findings(),
        vec!["orphaned user bo@x.test (in the target, not in the directory)".to_owned()]
    );
}

#[tokio::test]
async fn a_conformant_target_reconciles_clean_and_drift_in_attributes_is_named() {
    let (mut idp, sp) = idp_against(Quirk::NotFoundOnEmptyList, &OKTA).await;
    idp.join("ann@x.test").await.unwrap();
    idp.join("bo@x.test").await.unwrap();
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    assert!(drift.is_clean(), "{:?}", drift.findings());
    // Change the target behind the IdP's back.
    let id = idp
        .dir
        .user("ann@x.test")
        .unwrap()
        .target_id
        .clone()
        .unwrap();
    let client = reqwest::Client::new();
    let r = client
        .patch(format!("{}/Users/{id}", sp.base_url()))
        .bearer_auth(sp.token())
        .header("content-type", "application/scim+json")
        .body(r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Someone Else"}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    assert_eq!(drift.attributes.len(), 1);
    assert_eq!(drift.attributes[0].attribute, "displayName");
    assert_eq!(drift.attributes[0].actual, "Someone Else");
}

/// A group create delivered twice to a server without uniqueness leaves
/// two groups of one name; the IdP linked one and filled it. Reconcile
/// names the duplicate as its own finding, with both ids, and judges the
/// members of the copy the IdP linked instead of reporting them missing
/// from whichever copy a name-keyed map kept last.
#[tokio::test]
async fn a_group_created_twice_is_a_duplicate_not_missing_members() {
    let (mut idp, _sp) = idp_against(Quirk::NoUniqueness, &OKTA).await;
    idp.join("ann@x.test").await.unwrap();
    idp.join("bo@x.test").await.unwrap();
    idp.dir
        .add_group("team")
        .members
        .extend(["ann@x.test".to_owned(), "bo@x.test".to_owned()]);
    idp.wire
        .client
        .set_faults(Faults {
            duplicate: 1.0,
            ..Faults::default()
        })
        .await;
    idp.push_group("team").await.unwrap();
    idp.wire.client.set_faults(Faults::default()).await;
    let linked = idp.dir.group("team").unwrap().target_id.clone().unwrap();
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    let findings = drift.findings();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("2 groups named team (ids ") && findings[0].contains(&linked),
        "{findings:?}"
    );
    assert!(drift.memberships.is_empty(), "{findings:?}");
    assert!(!drift.is_clean());
}

/// An account created twice (seeded straight into the target, as a
/// retried create leaves it): one finding naming both ids; the copy the
/// IdP linked is the one whose attributes are compared.
#[tokio::test]
async fn a_user_created_twice_is_a_duplicate() {
    let (mut idp, sp) = idp_against(Quirk::NoUniqueness, &ENTRA).await;
    idp.join("ann@x.test").await.unwrap();
    idp.join("bo@x.test").await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/Users", sp.base_url()))
        .bearer_auth(sp.token())
        .header("content-type", "application/scim+json")
        .body(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ANN@x.test","displayName":"Not Ann"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let copy: serde_json::Value = r.json().await.unwrap();
    let linked = idp
        .dir
        .user("ann@x.test")
        .unwrap()
        .target_id
        .clone()
        .unwrap();
    let drift = reconcile(&idp.wire, &idp.dir, &[OWNER.into()])
        .await
        .unwrap();
    assert_eq!(
        drift.findings(),
        vec![format!(
            "2 users named ann@x.test (ids {linked}, {})",
            copy["id"].as_str().unwrap()
        )]
    );
    assert!(drift.attributes.is_empty() && drift.orphaned_users.is_empty());
}
