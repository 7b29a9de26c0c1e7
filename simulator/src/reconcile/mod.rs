//! Reconcile: the directory compared with what the target lists. Orphaned
//! accounts, missing accounts, duplicates, attribute drift and membership
//! drift; the proof that nothing was lost.
//!
//! The listing is read page by page and compared as it arrives
//! ([`tally`]), only the compared fields parsed ([`item`]): a million-user
//! reconcile holds an id map, not a million parsed users.

mod item;
mod tally;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::directory::Directory;
use crate::idp::{EventError, Wire};
use crate::namespace::Namespace;
use item::{GroupItem, UserItem};
use tally::Tally;

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
    let page = wire.profile.import_page.unwrap_or(100);
    // Users first: a group's members name users by the target's id.
    let mut tally = Tally::new(dir, exempt, wire.profile.deletes_users);
    wire.each_page("Users", page, PAGES_IN_FLIGHT, &mut tally)
        .await?;
    wire.each_page("Groups", page, PAGES_IN_FLIGHT, &mut tally)
        .await?;
    Ok(tally.finish())
}

/// [`reconcile`] within a namespace: only the target's objects whose names
/// carry its prefix are compared, so objects of other runs, or of the
/// target's own, are neither orphans nor duplicates of this run's.
pub async fn reconcile_in(
    wire: &Wire,
    dir: &Directory,
    exempt: &[String],
    scope: Option<&Namespace>,
) -> Result<Drift, EventError> {
    let Some(ns) = scope else {
        return reconcile(wire, dir, exempt).await;
    };
    let users = ns.list(wire, "Users").await?;
    let groups = ns.list(wire, "Groups").await?;
    Ok(compare(
        dir,
        &users,
        &groups,
        exempt,
        wire.profile.deletes_users,
    ))
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
) -> Drift {
    let mut tally = Tally::new(dir, exempt, deletes_users);
    for u in users {
        tally.user(&UserItem::deserialize(u).unwrap_or_default());
    }
    for g in groups {
        tally.group(&GroupItem::deserialize(g).unwrap_or_default());
    }
    tally.finish()
}
