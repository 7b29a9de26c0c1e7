//! Reconcile: the directory compared with what the target lists. Orphaned
//! accounts, missing accounts, duplicates, attribute drift and membership
//! drift; the proof that nothing was lost.
//!
//! The listing is read page by page and compared as it arrives
//! ([`tally`]), only the compared fields parsed ([`item`]): a million-user
//! reconcile holds an id map, not a million parsed users.

mod item;
mod tally;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::directory::Directory;
use crate::idp::{EventError, Wire};
use crate::namespace::Namespace;
use item::{GroupItem, UserItem};
pub use tally::Tally;

/// One attribute whose value differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeDrift {
    pub user: String,
    pub attribute: &'static str,
    pub expected: Value,
    pub actual: Value,
}

/// A group whose members differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipDrift {
    pub group: String,
    /// In the directory, not in the target.
    pub missing: Vec<String>,
    /// In the target, not in the directory.
    pub extra: Vec<String>,
}

/// Several resources holding one name (compared case-insensitively): what
/// a retried create leaves on a server that does not enforce uniqueness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    pub name: String,
    /// In the order the target lists them.
    pub ids: Vec<String>,
}

/// What reconcile found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Drift {
    /// Accounts in the target that the directory does not have (active
    /// ones, or any one when the profile sends deletes).
    pub orphaned_users: Vec<String>,
    /// Inactive accounts in the target that the directory deleted: what an
    /// IdP that never deletes (Okta) leaves behind. Reported, not a failure.
    pub retained_inactive: Vec<String>,
    pub missing_users: Vec<String>,
    pub orphaned_groups: Vec<String>,
    pub missing_groups: Vec<String>,
    pub attributes: Vec<AttributeDrift>,
    pub memberships: Vec<MembershipDrift>,
    /// Accounts whose userName several target accounts hold.
    pub duplicate_users: Vec<Duplicate>,
    /// Groups whose displayName several target groups hold.
    pub duplicate_groups: Vec<Duplicate>,
    pub users_compared: usize,
    pub groups_compared: usize,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.orphaned_users.is_empty()
            && self.missing_users.is_empty()
            && self.orphaned_groups.is_empty()
            && self.missing_groups.is_empty()
            && self.attributes.is_empty()
            && self.memberships.is_empty()
            && self.duplicate_users.is_empty()
            && self.duplicate_groups.is_empty()
    }

    /// One line per finding, for reports.
    pub fn findings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let twice = |kind: &str, d: &Duplicate| {
            format!(
                "{} {kind} named {} (ids {})",
                d.ids.len(),
                d.name,
                d.ids.join(", ")
            )
        };
        out.extend(self.duplicate_users.iter().map(|d| twice("users", d)));
        out.extend(self.duplicate_groups.iter().map(|d| twice("groups", d)));
        out.extend(
            self.orphaned_users
                .iter()
                .map(|u| format!("orphaned user {u} (in the target, not in the directory)")),
        );
        out.extend(
            self.missing_users
                .iter()
                .map(|u| format!("missing user {u} (in the directory, not in the target)")),
        );
        out.extend(
            self.orphaned_groups
                .iter()
                .map(|g| format!("orphaned group {g}")),
        );
        out.extend(
            self.missing_groups
                .iter()
                .map(|g| format!("missing group {g}")),
        );
        out.extend(self.attributes.iter().map(|a| {
            format!(
                "attribute drift on {}: {} is {} in the target, {} in the directory",
                a.user, a.attribute, a.actual, a.expected
            )
        }));
        out.extend(self.memberships.iter().map(|m| {
            format!(
                "membership drift in {}: missing {:?}, extra {:?}",
                m.group, m.missing, m.extra
            )
        }));
        out
    }
}

/// Users an IdP deprovisioned without deleting them, so that reconcile
/// expects them disabled rather than gone (Entra, IDP-ENGINES E15).
/// Lower-cased userNames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deprovisioned {
    /// Still in the directory but out of the job's scope (unassigned,
    /// scoped out, soft-deleted): disabled in the target if it holds them,
    /// not missing if it does not, and in no group either way.
    pub disabled: HashSet<String>,
    /// Gone from the directory after Entra had stopped managing them (an
    /// unassigned user later hard-deleted): no DELETE was ever due, so the
    /// disabled account left behind is retained, not orphaned.
    pub released: HashSet<String>,
    /// Groups of the directory the job does not provision (lower-cased
    /// names): neither missing nor compared.
    pub groups: HashSet<String>,
}

/// Pages the reconcile asks for at once: enough that the target renders
/// one while the client parses another (the client's concurrency bound
/// still applies).
pub const PAGES_IN_FLIGHT: usize = 4;

/// Compares `dir` with the target. Users named in `exempt` (a tenant owner
/// the IdP does not manage) are left out.
pub async fn reconcile(
    wire: &Wire,
    dir: &Directory,
    exempt: &[String],
) -> Result<Drift, EventError> {
    reconcile_in(wire, dir, exempt, None, &Deprovisioned::default()).await
}

/// [`reconcile`] within a namespace (only the target's objects whose names
/// carry its prefix are compared, so objects of other runs, or of the
/// target's own, are neither orphans nor duplicates of this run's), and
/// with what the IdP deprovisioned without deleting.
pub async fn reconcile_in(
    wire: &Wire,
    dir: &Directory,
    exempt: &[String],
    scope: Option<&Namespace>,
    deprovisioned: &Deprovisioned,
) -> Result<Drift, EventError> {
    if let Some(ns) = scope {
        let users = ns.list(wire, "Users").await?;
        let groups = ns.list(wire, "Groups").await?;
        return Ok(compare(
            dir,
            &users,
            &groups,
            exempt,
            wire.profile.deletes_users,
            deprovisioned,
        ));
    }
    let page = wire.profile.import_page.unwrap_or(100);
    // Users first: a group's members name users by the target's id.
    let mut tally = Tally::new(dir, exempt, wire.profile.deletes_users, deprovisioned);
    wire.each_page("Users", page, PAGES_IN_FLIGHT, &mut tally)
        .await?;
    wire.each_page("Groups", page, PAGES_IN_FLIGHT, &mut tally)
        .await?;
    Ok(tally.finish())
}

/// Compares `dir` with what the target listed. `deletes_users` is the
/// profile's: an IdP that never deletes leaves inactive accounts behind by
/// design.
pub fn compare(
    dir: &Directory,
    users: &[Value],
    groups: &[Value],
    exempt: &[String],
    deletes_users: bool,
    deprovisioned: &Deprovisioned,
) -> Drift {
    let mut tally = Tally::new(dir, exempt, deletes_users, deprovisioned);
    for u in users {
        tally.user(&UserItem::deserialize(u).unwrap_or_default());
    }
    for g in groups {
        tally.group(&GroupItem::deserialize(g).unwrap_or_default());
    }
    tally.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn dir() -> Directory {
        let mut d = Directory::new(1);
        for n in ["ann@x.test", "bo@x.test", "cy@x.test"] {
            let mut u = d.new_user(n);
            u.target_id = Some(format!("id-{n}"));
            d.add_user(u);
        }
        let g = d.add_group("team");
        g.members
            .extend(["ann@x.test".to_owned(), "bo@x.test".to_owned()]);
        g.target_id = Some("g1".into());
        d
    }

    fn listed(d: &Directory, name: &str, id: &str) -> Value {
        let u = d.user(name).unwrap();
        json!({"id": id, "userName": u.user_name, "active": true,
               "name": {"givenName": u.given_name, "familyName": u.family_name},
               "displayName": u.display_name,
               "emails": [{"type": "home", "value": "x@home.test"}, {"type": "work", "value": u.email}]})
    }

    /// Of several holders of a name, the linked one is compared (and the
    /// others' differences are not drift); the ids are in listing order,
    /// orphans and duplicates sorted, the exempt owner neither.
    #[test]
    fn duplicates_compare_the_linked_one_and_orphans_are_sorted() {
        let d = dir();
        let mut stale = listed(&d, "bo@x.test", "b0");
        stale["displayName"] = json!("Stale Copy");
        let users = vec![
            listed(&d, "ann@x.test", "id-ann@x.test"),
            stale,
            json!({"id": "z1", "userName": "zed@x.test"}),
            listed(&d, "bo@x.test", "id-bo@x.test"),
            json!({"id": "o1", "userName": "Owner@idpsim.test"}),
            json!({"id": "a1", "userName": "al@x.test", "active": false}),
            json!({"id": "z2", "userName": "ZED@x.test"}),
        ];
        let groups = vec![json!({"id": "g1", "displayName": "team",
            "members": [{"value": "id-ann@x.test"}, {"value": "b0"}, {"value": "z1"}]})];
        let drift = compare(
            &d,
            &users,
            &groups,
            &["owner@idpsim.test".into()],
            true,
            &Default::default(),
        );
        assert_eq!(
            drift.duplicate_users,
            vec![
                Duplicate {
                    name: "bo@x.test".into(),
                    ids: vec!["b0".into(), "id-bo@x.test".into()]
                },
                Duplicate {
                    name: "zed@x.test".into(),
                    ids: vec!["z1".into(), "z2".into()]
                },
            ]
        );
        assert!(drift.attributes.is_empty(), "{:?}", drift.attributes);
        assert_eq!(drift.missing_users, vec!["cy@x.test".to_owned()]);
        assert_eq!(
            drift.orphaned_users,
            vec!["al@x.test".to_owned(), "zed@x.test".to_owned()]
        );
        assert_eq!(drift.users_compared, 2);
        // b0 holds bo's name: a member by that id is bo.
        assert_eq!(
            drift.memberships,
            vec![MembershipDrift {
                group: "team".into(),
                missing: vec![],
                extra: vec!["zed@x.test".into()]
            }]
        );
        let kept = compare(
            &d,
            &users,
            &groups,
            &["owner@idpsim.test".into()],
            false,
            &Default::default(),
        );
        assert_eq!(kept.retained_inactive, vec!["al@x.test".to_owned()]);
    }

    /// Unlinked duplicates are not compared; a field of the wrong type is
    /// drift showing what came, not a refused listing; a missing `active`
    /// is true, a null one is not.
    #[test]
    fn odd_fields_are_drift_and_unlinked_duplicates_are_not_compared() {
        let mut d = dir();
        d.user_mut("ann@x.test").unwrap().target_id = None;
        let mut odd = listed(&d, "bo@x.test", "id-bo@x.test");
        odd["name"] = json!("Bo");
        odd["active"] = Value::Null;
        odd["title"] = json!(["a"]);
        let mut cy = listed(&d, "cy@x.test", "id-cy@x.test");
        cy.as_object_mut().unwrap().remove("active");
        cy["emails"] = json!({"value": "not-an-array"});
        let users = vec![
            listed(&d, "ann@x.test", "a1"),
            listed(&d, "ann@x.test", "a2"),
            odd,
            cy,
        ];
        let drift = compare(&d, &users, &[], &[], true, &Default::default());
        let found: Vec<(&str, &str, Value)> = drift
            .attributes
            .iter()
            .map(|a| (a.user.as_str(), a.attribute, a.actual.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("bo@x.test", "active", Value::Null),
                ("bo@x.test", "name.givenName", Value::Null),
                ("bo@x.test", "name.familyName", Value::Null),
                ("bo@x.test", "title", json!(["a"])),
                ("cy@x.test", "emails[type eq \"work\"].value", Value::Null),
            ]
        );
        assert_eq!(drift.users_compared, 2, "ann's two copies: neither linked");
        assert_eq!(drift.duplicate_users.len(), 1);
        assert_eq!(drift.missing_groups, vec!["team".to_owned()]);
    }
}
