//! The member changes of a group PATCH, applied to the stored member set
//! directly.
//!
//! The general PATCH engine works on JSON: it would need every member
//! spelled out as an object (about a kilobyte each once parsed, cloned and
//! rendered) and compared per listed value. The shapes IdPs send (add a
//! list, remove a list, remove `members[value eq "id"]`, replace the list,
//! a pathless value listing `members`) are instead applied here to the id
//! set: O(members + listed) time and a few dozen bytes per member. Any
//! other shape touching members is left to the JSON engine (see
//! [`split`]), which the member cap keeps affordable.
//!
//! Results match the JSON engine's, with two differences nobody can rely
//! on: a member removed and re-added by one request keeps its place in the
//! member order, and a member added then removed again by one request must
//! still name an existing resource.

use std::collections::HashSet;
use std::sync::Arc;

use idpsim_scim::patch::{OpKind, PatchOperation};
use idpsim_scim::resource::{self, ReadOnly};
use idpsim_scim::schema::ResourceSchema;
use idpsim_scim::{PatchPath, ScimError};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, ValFilter};
use serde_json::Value;

use crate::store::{MemberSet, Store};

/// One change to a member set.
#[derive(Debug)]
pub enum MemberOp {
    /// Members to add, normalised (each an object with a `value`).
    Add(Vec<Value>),
    /// The new member list, normalised.
    Replace(Vec<Value>),
    /// Ids to remove; ids that are not members are ignored.
    Remove(Vec<String>),
    /// Empty the group.
    Clear,
}

/// A PATCH split into what the JSON engine applies to the body and what
/// [`apply`] applies to the members. `op_index` of each member change is its
/// place in the request, for error messages.
#[derive(Debug, Default)]
pub struct Split {
    pub body: Vec<PatchOperation>,
    pub members: Vec<(usize, MemberOp)>,
}

fn members_attr() -> &'static idpsim_scim::schema::Attribute {
    ResourceSchema::group()
        .root_attribute("members")
        .expect("the group schema has members")
}

/// Whether a parsed path names `members` itself (no sub-attribute).
fn names_members(p: &AttrPath) -> bool {
    p.sub_attr.is_none()
        && p.name.eq_ignore_ascii_case("members")
        && p.uri
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(idpsim_scim::urn::GROUP))
}

fn at(i: usize, mut e: ScimError) -> ScimError {
    e.detail = format!("Operations[{i}]: {}", e.detail);
    e
}

/// Normalises a list of members as the JSON engine would; `None` means
/// "unassigned" (`null`, `[]`).
fn normalized(i: usize, v: Value) -> Result<Option<Vec<Value>>, ScimError> {
    match resource::normalize_value(members_attr(), v, &"members", ReadOnly::Drop) {
        Ok(Some(Value::Array(items))) => Ok(Some(items)),
        Ok(_) => Ok(None),
        Err(e) => Err(at(i, e)),
    }
}

/// An add or replace of a whole member list.
fn write(i: usize, kind: OpKind, v: Value) -> Result<MemberOp, ScimError> {
    Ok(match (kind, normalized(i, v)?) {
        (_, None) => MemberOp::Clear,
        (OpKind::Replace, Some(items)) => MemberOp::Replace(items),
        (_, Some(items)) => MemberOp::Add(items),
    })
}

/// Splits a group PATCH whose member changes all have a shape [`apply`]
/// knows; `Ok(None)` sends the whole request to the JSON engine, which also
/// gives any error its usual wording.
pub fn split(
    ops: &[PatchOperation],
    touches_members: impl Fn(&PatchOperation) -> bool,
) -> Result<Option<Split>, ScimError> {
    let mut out = Split::default();
    for (i, op) in ops.iter().enumerate() {
        if !touches_members(op) {
            out.body.push(op.clone());
            continue;
        }
        let path = op.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let change = match path {
            Some(path) => {
                let Ok(parsed) = path.parse::<PatchPath>() else {
                    return Ok(None);
                };
                match (parsed, op.op, &op.value) {
                    (PatchPath::Attr(p), OpKind::Add | OpKind::Replace, Some(v))
                        if names_members(&p) =>
                    {
                        write(i, op.op, v.clone())?
                    }
                    (PatchPath::Attr(p), OpKind::Remove, Some(Value::Array(listed)))
                        if names_members(&p) && !listed.is_empty() =>
                    {
                        // Listed elements without a string `value` match no
                        // member, as in the JSON engine.
                        MemberOp::Remove(
                            listed
                                .iter()
                                .filter_map(|l| l.get("value")?.as_str().map(str::to_owned))
                                .collect(),
                        )
                    }
                    (PatchPath::Attr(p), OpKind::Remove, _) if names_members(&p) => MemberOp::Clear,
                    (PatchPath::Value(vp), OpKind::Remove, _)
                        if vp.sub_attr.is_none() && names_members(&vp.attr) =>
                    {
                        match value_eq(&vp.filter) {
                            Some(id) => MemberOp::Remove(vec![id]),
                            None => return Ok(None),
                        }
                    }
                    _ => return Ok(None),
                }
            }
            None => {
                let (OpKind::Add | OpKind::Replace, Some(Value::Object(fields))) =
                    (op.op, &op.value)
                else {
                    return Ok(None);
                };
                let mut rest = fields.clone();
                let Some(key) = rest
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case("members"))
                    .cloned()
                else {
                    // Members named some other way (`urn:…:members`).
                    return Ok(None);
                };
                let v = rest.remove(&key).expect("just found");
                if touches_members(&PatchOperation {
                    op: op.op,
                    path: None,
                    value: Some(Value::Object(rest.clone())),
                }) {
                    return Ok(None);
                }
                if !rest.is_empty() {
                    out.body.push(PatchOperation {
                        op: op.op,
                        path: None,
                        value: Some(Value::Object(rest)),
                    });
                }
                write(i, op.op, v)?
            }
        };
        out.members.push((i, change));
    }
    Ok(Some(out))
}

/// The id in `value eq "id"`, the filter every IdP removes a member with.
fn value_eq(f: &ValFilter) -> Option<String> {
    match f {
        ValFilter::Attr(AttrExp::Comparison(p, CompareOp::Eq, CompValue::Str(v)))
            if p.uri.is_none()
                && match &p.sub_attr {
                    None => p.name.eq_ignore_ascii_case("value"),
                    Some(s) => {
                        p.name.eq_ignore_ascii_case("members") && s.eq_ignore_ascii_case("value")
                    }
                } =>
        {
            Some(v.clone())
        }
        _ => None,
    }
}

/// What a group's member changes come to.
#[derive(Debug)]
pub enum Outcome {
    /// The whole new set (a request that replaced or emptied the list).
    Set(MemberSet),
    /// Members to add (none of them members now) and members to remove
    /// (all of them members now): what adds and removes alone make, and
    /// what a group of 20,000 can take a thousand times in one Bulk
    /// without copying its set each time.
    Delta(Delta),
}

/// See [`Outcome::Delta`].
#[derive(Debug, Default)]
pub struct Delta {
    pub added: MemberSet,
    pub removed: HashSet<Arc<str>>,
}

/// The member changes of `ops` against `current`, each added member
/// checked as a create checks it (`resolve` is the tenant's check of a
/// `members` list).
pub fn apply(
    store: &Store,
    current: &MemberSet,
    ops: Vec<(usize, MemberOp)>,
    resolve: impl Fn(&Store, &Value) -> Result<MemberSet, ScimError>,
) -> Result<Outcome, ScimError> {
    if ops
        .iter()
        .any(|(_, op)| matches!(op, MemberOp::Replace(_) | MemberOp::Clear))
    {
        return apply_to_set(store, current, ops, resolve).map(Outcome::Set);
    }
    let mut d = Delta::default();
    // Added then removed again by this request; swept once at the end,
    // as removing from an ordered map shifts what follows.
    let mut unadded: HashSet<Arc<str>> = HashSet::new();
    for (i, op) in ops {
        match op {
            MemberOp::Add(items) => {
                for (id, m) in resolve(store, &Value::Array(items)).map_err(|e| at(i, e))? {
                    // Already a member: nothing changes, its display neither
                    // (sub-attributes of members are fixed when the member
                    // is added, RFC 7643 §4.2).
                    if d.removed.remove(&id) || current.contains_key(&id) {
                        continue;
                    }
                    unadded.remove(&id);
                    d.added.entry(id).or_insert(m);
                }
            }
            MemberOp::Remove(ids) => {
                for id in ids {
                    if let Some(k) = find(current, &id) {
                        d.removed.insert(k.clone());
                    } else if let Some(k) = find(&d.added, &id) {
                        unadded.insert(k.clone());
                    }
                }
            }
            MemberOp::Replace(_) | MemberOp::Clear => unreachable!("handled above"),
        }
    }
    if !unadded.is_empty() {
        d.added.retain(|k, _| !unadded.contains(k));
    }
    Ok(Outcome::Delta(d))
}

/// The key of `id` in `set`. Ids are compared ignoring case, as
/// `value eq` does (members.value is not caseExact); ours are lowercase.
fn find<'m>(set: &'m MemberSet, id: &str) -> Option<&'m Arc<str>> {
    set.get_key_value(id)
        .or_else(|| set.get_key_value(id.to_lowercase().as_str()))
        .map(|(k, _)| k)
}

/// The member set after `ops`, for a request that replaces or empties it.
fn apply_to_set(
    store: &Store,
    current: &MemberSet,
    ops: Vec<(usize, MemberOp)>,
    resolve: impl Fn(&Store, &Value) -> Result<MemberSet, ScimError>,
) -> Result<MemberSet, ScimError> {
    let mut next = current.clone();
    // Removals are marked and swept once at the end: removing from an
    // ordered map one id at a time shifts the rest, O(members) per id.
    let mut gone: HashSet<Arc<str>> = HashSet::new();
    for (i, op) in ops {
        match op {
            MemberOp::Add(items) => {
                for (id, m) in resolve(store, &Value::Array(items)).map_err(|e| at(i, e))? {
                    if !gone.remove(&id) {
                        next.entry(id).or_insert(m);
                    }
                }
            }
            MemberOp::Replace(items) => {
                next = resolve(store, &Value::Array(items)).map_err(|e| at(i, e))?;
                gone.clear();
            }
            MemberOp::Remove(ids) => {
                for id in ids {
                    if let Some(k) = find(&next, &id) {
                        gone.insert(k.clone());
                    }
                }
            }
            MemberOp::Clear => {
                next.clear();
                gone.clear();
            }
        }
    }
    if !gone.is_empty() {
        next.retain(|k, _| !gone.contains(k));
    }
    Ok(next)
}
