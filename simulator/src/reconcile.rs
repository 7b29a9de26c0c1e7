//! Reconcile: the directory compared with what the target lists. Orphaned
//! accounts, missing accounts, duplicates, attribute drift and membership
//! drift; the proof that nothing was lost.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::directory::Directory;
use crate::idp::{EventError, Wire};
use crate::namespace::Namespace;

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
    let page = wire.profile.import_page.unwrap_or(100);
    let users = wire
        .list_all_at_once("Users", page, PAGES_IN_FLIGHT)
        .await?;
    let groups = wire
        .list_all_at_once("Groups", page, PAGES_IN_FLIGHT)
        .await?;
    Ok(compare(
        dir,
        &users,
        &groups,
        exempt,
        wire.profile.deletes_users,
        &Deprovisioned::default(),
    ))
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
    let (users, groups) = match scope {
        Some(ns) => (
            ns.list(wire, "Users").await?,
            ns.list(wire, "Groups").await?,
        ),
        None => {
            let page = wire.profile.import_page.unwrap_or(100);
            (
                wire.list_all_at_once("Users", page, PAGES_IN_FLIGHT)
                    .await?,
                wire.list_all_at_once("Groups", page, PAGES_IN_FLIGHT)
                    .await?,
            )
        }
    };
    Ok(compare(
        dir,
        &users,
        &groups,
        exempt,
        wire.profile.deletes_users,
        deprovisioned,
    ))
}

/// Resources of one kind by lower-cased name, every holder kept: a map of
/// one resource per name would hide all copies but the last.
fn by_name<'v>(resources: &'v [Value], attr: &str) -> HashMap<String, Vec<&'v Value>> {
    let mut out: HashMap<String, Vec<&Value>> = HashMap::new();
    for r in resources {
        let name = r.get(attr).and_then(Value::as_str).unwrap_or_default();
        out.entry(name.to_lowercase()).or_default().push(r);
    }
    out
}

fn id(r: &Value) -> Option<&str> {
    r.get("id").and_then(Value::as_str)
}

/// Names held more than once, each with its holders' ids, sorted by name.
fn duplicates(holders: &HashMap<String, Vec<&Value>>, attr: &str) -> Vec<Duplicate> {
    let mut out: Vec<Duplicate> = holders
        .values()
        .filter(|h| h.len() > 1)
        .map(|h| Duplicate {
            name: h[0]
                .get(attr)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            ids: h.iter().map(|r| id(r).unwrap_or("?").to_owned()).collect(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The copy to compare an IdP object with: the only one, or among
/// duplicates the one the IdP linked. `None` when the IdP linked none of
/// them: which copy is "the" account cannot be told, and the duplicate
/// finding already says what is wrong.
fn the_one<'v>(holders: &[&'v Value], linked: Option<&str>) -> Option<&'v Value> {
    match holders {
        [one] => Some(one),
        _ => holders
            .iter()
            .find(|r| linked.is_some() && id(r) == linked)
            .copied(),
    }
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
    let exempt: HashSet<String> = exempt.iter().map(|e| e.to_lowercase()).collect();
    let mut drift = Drift::default();
    let target_users = by_name(users, "userName");
    let mut name_of_id: HashMap<String, String> = HashMap::new();
    for u in users {
        if let Some(i) = id(u) {
            let name = u
                .get("userName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            name_of_id.insert(i.to_owned(), name.to_owned());
        }
    }
    let mut dup_users = duplicates(&target_users, "userName");
    dup_users.retain(|d| !exempt.contains(&d.name.to_lowercase()));
    drift.duplicate_users = dup_users;
    for u in dir.users() {
        let out_of_scope = deprovisioned.disabled.contains(&u.user_name.to_lowercase());
        let Some(holders) = target_users.get(&u.user_name.to_lowercase()) else {
            if !out_of_scope {
                drift.missing_users.push(u.user_name.clone());
            }
            continue;
        };
        let Some(t) = the_one(holders, u.target_id.as_deref()) else {
            continue;
        };
        drift.users_compared += 1;
        if out_of_scope {
            // Entra wrote `active` last and nothing since: only that is
            // expected of it.
            let actual = t.get("active").cloned().unwrap_or(Value::Bool(true));
            if !matches!(&actual, Value::Bool(false)) && actual != "False" && actual != "false" {
                drift.attributes.push(AttributeDrift {
                    user: u.user_name.clone(),
                    attribute: "active",
                    expected: false.into(),
                    actual,
                });
            }
            continue;
        }
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
    for (name, holders) in &target_users {
        if dir.user(name).is_some() || exempt.contains(name) {
            continue;
        }
        let t = holders[0];
        let shown = t
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned();
        // An IdP that never deletes (Okta) leaves deactivated accounts
        // behind by design; for one that deletes, any leftover is drift.
        let inactive = t.get("active").and_then(Value::as_bool) == Some(false);
        if inactive && (!deletes_users || deprovisioned.released.contains(name)) {
            drift.retained_inactive.push(shown);
        } else {
            drift.orphaned_users.push(shown);
        }
    }
    let target_groups = by_name(groups, "displayName");
    drift.duplicate_groups = duplicates(&target_groups, "displayName");
    for g in dir.groups() {
        if deprovisioned.groups.contains(&g.name.to_lowercase()) {
            continue;
        }
        let Some(holders) = target_groups.get(&g.name.to_lowercase()) else {
            drift.missing_groups.push(g.name.clone());
            continue;
        };
        let Some(t) = the_one(holders, g.target_id.as_deref()) else {
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
        let mut actual = actual;
        actual.retain(|m| !deprovisioned.disabled.contains(m));
        let expected: HashSet<String> = g
            .members
            .iter()
            .map(|m| m.to_lowercase())
            .filter(|m| !deprovisioned.disabled.contains(m))
            .collect();
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
    for (name, holders) in &target_groups {
        if !known.contains(name) {
            drift.orphaned_groups.push(
                holders[0]
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_owned(),
            );
        }
    }
    drift.orphaned_users.sort();
    drift.retained_inactive.sort();
    drift.orphaned_groups.sort();
    drift
}
