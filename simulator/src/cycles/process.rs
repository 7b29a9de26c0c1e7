//! One object's turn in a cycle, on the wire: a user read (by its cached
//! id, else by the matching attributes in order), then created or its
//! difference written; a manager reference; a group read, created or
//! renamed, and its membership. Each job owns its inputs so that a cycle
//! runs them side by side; the engine applies the outcomes.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::compare::Change;
use super::quarantine::Trigger;
use super::report::Write;
use crate::client::Method;
use crate::directory::User;
use crate::idp::{EventError, Wire, group_body};
use crate::profile::MemberStyle;

/// Why an object's operation failed, and whether that alone quarantines
/// the job.
#[derive(Debug, Clone)]
pub struct Failure {
    pub operation: String,
    pub error: String,
    pub quarantine: Option<Trigger>,
    /// The event error, for a step that provisions on demand.
    pub source: Option<EventError>,
}

impl Failure {
    fn of(operation: &str, e: EventError) -> Failure {
        let quarantine = match &e {
            EventError::Rejected {
                status: 404, what, ..
            } if what.starts_with("look up") => Some(Trigger::scim_compliance(request(what))),
            EventError::Rejected {
                status: 401, what, ..
            } => Some(Trigger::invalid_credentials(request(what))),
            _ => None,
        };
        Failure {
            operation: operation.to_owned(),
            error: e.to_string(),
            quarantine,
            source: Some(e),
        }
    }
}

/// The request an error names, without the explanation after it.
fn request(what: &str) -> &str {
    what.split(" (").next().unwrap_or(what)
}

/// What Entra wants for a user this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// In scope: created, or its difference written; `active` as the
    /// account is.
    Provision,
    /// Out of scope, unassigned or soft-deleted: disabled by an update.
    Disable,
    /// Hard-deleted: `DELETE /Users/{id}`.
    Delete,
}

#[derive(Debug, Clone)]
pub struct UserJob {
    pub user: User,
    pub want: Want,
    pub matching: Vec<String>,
    /// Why the user is evaluated, for the report.
    pub why: &'static str,
}

#[derive(Debug, Default)]
pub struct UserDone {
    pub id: Option<String>,
    /// The target's resource as read, `None` when created or not found.
    pub read: Option<Value>,
    pub created: bool,
    pub deleted: bool,
    pub writes: Vec<Write>,
    pub skipped: Option<String>,
    pub failure: Option<Failure>,
}

fn object(u: &User) -> String {
    format!("user {}", u.user_name)
}

fn write_of(obj: &str, c: &Change, why: &str) -> Write {
    Write {
        object: obj.to_owned(),
        op: match c.op {
            super::compare::Op::Add => "Add".into(),
            super::compare::Op::Replace => "Replace".into(),
        },
        attribute: Some(c.path.clone()),
        value: c.value.clone(),
        read: c.read.clone(),
        why: why.to_owned(),
    }
}

fn why_of(c: &Change) -> String {
    match c.op {
        super::compare::Op::Add => "the target has no value".into(),
        super::compare::Op::Replace => format!("the target has {}", c.read),
    }
}

/// The value a matching attribute takes for `u`.
fn matching_value<'u>(wire: &Wire, u: &'u User, attr: &str) -> Option<&'u str> {
    match attr {
        "userName" => Some(&u.user_name),
        "externalId" => Some(wire.profile.external_id_of(u)),
        "emails[type eq \"work\"].value" | "email" => Some(&u.email),
        _ => None,
    }
}

/// One user's turn.
pub async fn user(wire: Wire, job: UserJob) -> UserDone {
    let mut done = UserDone::default();
    let u = &job.user;
    let obj = object(u);
    if job.want == Want::Delete {
        let Some(id) = u.target_id.clone() else {
            done.skipped = Some(format!("{obj}: never provisioned, so nothing to delete"));
            return done;
        };
        let req = wire.request(Method::DELETE, format!("/Users/{id}"), None);
        match wire
            .call(req, format!("delete user {:?}", u.user_name))
            .await
        {
            Ok(_) | Err(EventError::Rejected { status: 404, .. }) => {
                done.deleted = true;
                done.writes.push(Write {
                    object: obj,
                    op: "DELETE".into(),
                    attribute: None,
                    value: Value::String(id),
                    read: Value::Null,
                    why: job.why.into(),
                });
            }
            Err(e) => done.failure = Some(Failure::of("delete", e)),
        }
        return done;
    }
    let active = job.want == Want::Provision && u.active;
    // Read by the cached id; a user the target lost is matched again.
    let mut found = None;
    if let Some(id) = &u.target_id {
        match wire.read("Users", id).await {
            Ok(Some(r)) => found = Some((id.clone(), r)),
            Ok(None) => {}
            Err(e) => {
                done.failure = Some(Failure::of("read", e));
                return done;
            }
        }
    }
    if found.is_none() {
        for attr in &job.matching {
            let Some(value) = matching_value(&wire, u, attr) else {
                continue;
            };
            match wire.existence_check("Users", attr, value).await {
                Ok(Some(r)) => {
                    let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
                    if id.is_empty() {
                        done.failure = Some(Failure {
                            operation: "match".into(),
                            error: format!("the user found by {attr} has no id"),
                            quarantine: None,
                            source: None,
                        });
                        return done;
                    }
                    found = Some((id.to_owned(), r));
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    done.failure = Some(Failure::of("match", e));
                    return done;
                }
            }
        }
    }
    let Some((id, resource)) = found else {
        if job.want == Want::Disable {
            done.skipped = Some(format!("{obj}: not in the target, nothing to disable"));
        } else if !active {
            // how-provisioning-works.md, "Known limitations".
            done.skipped = Some(format!(
                "{obj}: disabled in Entra; provisioning a disabled user isn't supported"
            ));
        } else {
            match wire.create_user(u, None).await {
                Ok(id) => {
                    done.created = true;
                    done.writes.push(Write {
                        object: obj,
                        op: "POST".into(),
                        attribute: None,
                        value: json!({"userName": u.user_name}),
                        read: Value::Null,
                        why: format!("no user matched {}", job.matching.join(", then ")),
                    });
                    done.id = Some(id);
                }
                Err(e) => done.failure = Some(Failure::of("create", e)),
            }
        }
        return done;
    };
    done.id = Some(id.clone());
    match wire.write_difference(&id, u, active, &resource).await {
        Ok(changes) => {
            for c in &changes {
                done.writes.push(write_of(&obj, c, &why_of(c)));
            }
        }
        Err(e) => done.failure = Some(Failure::of("update", e)),
    }
    done.read = Some(resource);
    done
}

#[derive(Debug, Default)]
pub struct RefDone {
    pub write: Option<Write>,
    pub failure: Option<Failure>,
}

/// A manager reference (E7): written when the target's differs.
pub async fn manager(
    wire: Wire,
    user_name: String,
    id: String,
    manager_name: String,
    manager_id: String,
    read: Option<Value>,
) -> RefDone {
    let mut done = RefDone::default();
    match wire
        .write_manager(&id, &user_name, &manager_id, read.as_ref())
        .await
    {
        Ok(Some(c)) => {
            let why = format!("reference resolution: manager {manager_name} is in the target");
            done.write = Some(write_of(&format!("user {user_name}"), &c, &why));
        }
        Ok(None) => {}
        Err(e) => done.failure = Some(Failure::of("set manager", e)),
    }
    done
}

#[derive(Debug, Clone)]
pub struct GroupJob {
    pub name: String,
    pub idp_id: String,
    pub link: Option<String>,
    /// Members Entra pushes: user key to (target id, userName).
    pub desired: IndexMap<String, (String, String)>,
    /// Members Entra believes it added: user key to target id.
    pub exported: IndexMap<String, String>,
}

#[derive(Debug, Default)]
pub struct GroupDone {
    pub id: Option<String>,
    pub writes: Vec<Write>,
    /// The membership Entra now believes the target holds.
    pub exported: Option<IndexMap<String, String>>,
    pub notes: Vec<String>,
    pub failure: Option<Failure>,
    /// A membership failure, a reference failure for quarantine.
    pub reference: bool,
}

fn member_value(wire: &Wire, id: &str) -> Value {
    if wire.profile.members == MemberStyle::EntraValueList {
        json!({"$ref": null, "value": id})
    } else {
        json!({"value": id})
    }
}

/// One group's turn: read (by id, else by name), create or rename, then
/// the membership: the difference in parallel PATCHes (E23), or, when
/// the read returned members it was told to exclude, a `replace members`
/// with Entra's own list (E22).
pub async fn group(wire: Wire, job: GroupJob) -> GroupDone {
    let mut done = GroupDone::default();
    let obj = format!("group {}", job.name);
    let p = wire.profile;
    let mut found = None;
    if let Some(id) = &job.link {
        match wire.read("Groups", id).await {
            Ok(Some(r)) => found = Some((id.clone(), r)),
            Ok(None) => {}
            Err(e) => {
                done.failure = Some(Failure::of("read", e));
                return done;
            }
        }
    }
    if found.is_none() {
        match wire
            .existence_check("Groups", "displayName", &job.name)
            .await
        {
            Ok(Some(r)) => {
                let id = r
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                found = Some((id, r));
            }
            Ok(None) => {}
            Err(e) => {
                done.failure = Some(Failure::of("match", e));
                return done;
            }
        }
    }
    let mut exported = job.exported.clone();
    let id = match found {
        Some((id, r)) => {
            let name = r.get("displayName").and_then(Value::as_str);
            if name != Some(job.name.as_str()) {
                let op = json!({"op": p.op("replace"), "path": "displayName", "value": job.name});
                if let Err(e) = wire
                    .call(
                        wire.patch(format!("/Groups/{id}"), vec![op]),
                        format!("rename group to {:?}", job.name),
                    )
                    .await
                {
                    done.failure = Some(Failure::of("rename", e));
                    return done;
                }
                done.writes.push(Write {
                    object: obj.clone(),
                    op: "Replace".into(),
                    attribute: Some("displayName".into()),
                    value: job.name.clone().into(),
                    read: name.map(Value::from).unwrap_or(Value::Null),
                    why: name.map_or("the target has no value".into(), |n| {
                        format!("the target has {n:?}")
                    }),
                });
            }
            let leaked: Vec<Value> = r
                .get("members")
                .and_then(Value::as_array)
                .filter(|m| !m.is_empty())
                .cloned()
                .unwrap_or_default();
            if !leaked.is_empty() {
                let value: Vec<Value> = job
                    .desired
                    .values()
                    .map(|(mid, _)| member_value(&wire, mid))
                    .collect();
                let op = json!({"op": p.op("replace"), "path": "members", "value": value});
                if let Err(e) = wire
                    .call(
                        wire.patch(format!("/Groups/{id}"), vec![op]),
                        format!("replace the members of {:?}", job.name),
                    )
                    .await
                {
                    done.reference = true;
                    done.failure = Some(Failure::of("replace members", e));
                    return done;
                }
                let read: Vec<Value> = leaked
                    .iter()
                    .filter_map(|m| m.get("value").cloned())
                    .collect();
                done.writes.push(Write {
                    object: obj.clone(),
                    op: "Replace".into(),
                    attribute: Some("members".into()),
                    value: Value::Array(job.desired.values().map(|(mid, _)| Value::from(mid.as_str())).collect()),
                    read: Value::Array(read),
                    why: format!(
                        "the target returned {} members although asked for excludedAttributes=members; \
                         Entra answers with its own list (IDP-ENGINES E22)",
                        leaked.len()
                    ),
                });
                done.id = Some(id);
                done.exported = Some(
                    job.desired
                        .iter()
                        .map(|(k, (mid, _))| (k.clone(), mid.clone()))
                        .collect(),
                );
                return done;
            }
            id
        }
        None => {
            let body = group_body(p, &job.name, &job.idp_id);
            let what = format!("create group {:?}", job.name);
            match wire
                .call(
                    wire.request(Method::POST, "/Groups".into(), Some(body)),
                    &what,
                )
                .await
            {
                Ok(r) => match r.id().filter(|s| !s.is_empty()) {
                    Some(id) => {
                        done.writes.push(Write {
                            object: obj.clone(),
                            op: "POST".into(),
                            attribute: None,
                            value: json!({"displayName": job.name}),
                            read: Value::Null,
                            why: "no group matched displayName".into(),
                        });
                        exported.clear();
                        id
                    }
                    None => {
                        done.failure = Some(Failure {
                            operation: "create".into(),
                            error: format!("{what}: the answer carries no id"),
                            quarantine: None,
                            source: None,
                        });
                        return done;
                    }
                },
                Err(e) => {
                    done.failure = Some(Failure::of("create", e));
                    return done;
                }
            }
        }
    };
    done.id = Some(id.clone());
    let added: Vec<(String, String)> = job
        .desired
        .iter()
        .filter(|(k, _)| !exported.contains_key(*k))
        .map(|(_, (mid, un))| (mid.clone(), un.clone()))
        .collect();
    let removed: Vec<(String, String)> = exported
        .iter()
        .filter(|(k, _)| !job.desired.contains_key(*k))
        .map(|(k, mid)| (mid.clone(), k.clone()))
        .collect();
    let all: Vec<(String, String)> = job.desired.values().cloned().collect();
    if !added.is_empty() {
        let patches = added.len().div_ceil(p.member_batch.max(1));
        if let Err(e) = wire.add_members(&id, &job.name, &added, &all).await {
            done.reference = true;
            done.failure = Some(Failure::of("add members", e));
            return done;
        }
        if patches > 1 && p.parallel_member_patches {
            done.notes.push(format!(
                "{obj}: {patches} membership PATCHes sent concurrently, up to {} members each (IDP-ENGINES E23)",
                p.member_batch
            ));
        }
        done.writes.push(Write {
            object: obj.clone(),
            op: "Add".into(),
            attribute: Some("members".into()),
            value: Value::Array(added.iter().map(|(m, _)| Value::from(m.as_str())).collect()),
            read: Value::Null,
            why: "members Entra has not pushed yet".into(),
        });
    }
    if !removed.is_empty() {
        if let Err(e) = wire.remove_members(&id, &job.name, &removed, &all).await {
            done.reference = true;
            done.failure = Some(Failure::of("remove members", e));
            return done;
        }
        done.writes.push(Write {
            object: obj,
            op: "Remove".into(),
            attribute: Some("members".into()),
            value: Value::Array(
                removed
                    .iter()
                    .map(|(m, _)| Value::from(m.as_str()))
                    .collect(),
            ),
            read: Value::Null,
            why: "no longer members in Entra".into(),
        });
    }
    done.exported = Some(
        job.desired
            .iter()
            .map(|(k, (mid, _))| (k.clone(), mid.clone()))
            .collect(),
    );
    done
}
