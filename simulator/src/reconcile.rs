//! Reconcile: the directory compared with what the target lists. Orphaned
//! accounts, missing accounts, attribute drift and membership drift; the
//! proof that nothing was lost.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::directory::Directory;
use crate::idp::{EventError, Wire};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

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
    }

    /// One line per finding, for reports.
    pub fn findings(&self) -> Vec<String> {
        let mut out = Vec::new();
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

fn lower(v: &Value, path: &[&str]) -> Value {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(next) => cur = next,
            None => return Value::Null,
        }
    }
    cur.clone()
}

fn work_email(v: &Value) -> Value {
    v.get("emails")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .find(|e| e.get("type").and_then(Value::as_str) == Some("work"))
                .or_else(|| a.first())
        })
        .and_then(|e| e.get("value"))
        .cloned()
        .unwrap_or(Value::Null)
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
    let users = wire
        .list_all_at_once("Users", page, PAGES_IN_FLIGHT)
        .await?;
    let groups = wire
        .list_all_at_once("Groups", page, PAGES_IN_FLIGHT)
        .await?;
    let exempt: HashSet<String> = exempt.iter().map(|e| e.to_lowercase()).collect();
    let mut drift = Drift::default();
    let mut by_name: HashMap<String, &Value> = HashMap::new();
    let mut name_of_id: HashMap<String, String> = HashMap::new();
    for u in &users {
        let name = u
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        by_name.insert(name.to_lowercase(), u);
        if let Some(id) = u.get("id").and_then(Value::as_str) {
            name_of_id.insert(id.to_owned(), name.to_owned());
        }
    }
    for u in dir.users() {
        let Some(t) = by_name.get(&u.user_name.to_lowercase()) else {
            drift.missing_users.push(u.user_name.clone());
            continue;
        };
        drift.users_compared += 1;
        let expect: [(&'static str, Value, Value); 8] = [
            (
                "active",
                u.active.into(),
                t.get("active").cloned().unwrap_or(Value::Bool(true)),
            ),
            (
                "name.givenName",
                u.given_name.clone().into(),
                lower(t, &["name", "givenName"]),
            ),
            (
                "name.familyName",
                u.family_name.clone().into(),
                lower(t, &["name", "familyName"]),
            ),
            (
                "displayName",
                u.display_name.clone().into(),
                lower(t, &["displayName"]),
            ),
            (
                "emails[type eq \"work\"].value",
                u.email.clone().into(),
                work_email(t),
            ),
            (
                "title",
                u.title.clone().map(Value::from).unwrap_or(Value::Null),
                lower(t, &["title"]),
            ),
            (
                "department",
                u.department.clone().map(Value::from).unwrap_or(Value::Null),
                lower(t, &[ENTERPRISE, "department"]),
            ),
            (
                "employeeNumber",
                u.employee_number
                    .clone()
                    .map(Value::from)
                    .unwrap_or(Value::Null),
                lower(t, &[ENTERPRISE, "employeeNumber"]),
            ),
        ];
        for (attribute, expected, actual) in expect {
            if expected != actual {
                drift.attributes.push(AttributeDrift {
                    user: u.user_name.clone(),
                    attribute,
                    expected,
                    actual,
                });
            }
        }
    }
    for (name, t) in &by_name {
        if dir.user(name).is_some() || exempt.contains(name) {
            continue;
        }
        let shown = t
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned();
        // An IdP that never deletes (Okta) leaves deactivated accounts
        // behind by design; for one that deletes, any leftover is drift.
        if t.get("active").and_then(Value::as_bool) == Some(false) && !wire.profile.deletes_users {
            drift.retained_inactive.push(shown);
        } else {
            drift.orphaned_users.push(shown);
        }
    }
    let mut target_groups: HashMap<String, &Value> = HashMap::new();
    for g in &groups {
        let name = g
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        target_groups.insert(name.to_lowercase(), g);
    }
    for g in dir.groups() {
        let Some(t) = target_groups.get(&g.name.to_lowercase()) else {
            drift.missing_groups.push(g.name.clone());
            continue;
        };
        drift.groups_compared += 1;
        let actual: HashSet<String> = t
            .get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str))
                    .map(|id| {
                        name_of_id
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| format!("id:{id}"))
                            .to_lowercase()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expected: HashSet<String> = g.members.iter().map(|m| m.to_lowercase()).collect();
        let mut missing: Vec<String> = expected.difference(&actual).cloned().collect();
        let mut extra: Vec<String> = actual.difference(&expected).cloned().collect();
        if !missing.is_empty() || !extra.is_empty() {
            missing.sort();
            extra.sort();
            drift.memberships.push(MembershipDrift {
                group: g.name.clone(),
                missing,
                extra,
            });
        }
    }
    let known: HashSet<String> = dir.groups().map(|g| g.name.to_lowercase()).collect();
    for (name, t) in &target_groups {
        if !known.contains(name) {
            drift.orphaned_groups.push(
                t.get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_owned(),
            );
        }
    }
    drift.orphaned_users.sort();
    drift.retained_inactive.sort();
    drift.orphaned_groups.sort();
    Ok(drift)
}
