//! The PATCH engine (RFC 7644 §3.5.2).
//!
//! [`apply`] runs every operation of a request against a copy of the
//! resource and returns it only when all of them succeed, so a failed PATCH
//! changes nothing (§3.5.2: the operations are atomic).
//!
//! Leniencies, each one because a real IdP sends it (IDP-WIRE.md):
//! - `op` in any letter case: Entra's legacy job sends `Add`, `Replace`,
//!   `Remove` (§2.6).
//! - Read-only attributes inside a pathless value are skipped, not refused:
//!   Okta's group rename is `{"op":"replace","value":{"id":…,"displayName":…}}`
//!   (§1.10). A path that names a read-only attribute is still `mutability`.
//! - Pathless values may use dotted paths and URN-qualified keys
//!   (`"name.givenName"`, `"urn:…:enterprise:2.0:User:employeeNumber"`), as
//!   Entra's `aadOptscim062020` job sends (§2.6).
//! - `replace` on `emails[type eq "work"].value` with no work email creates
//!   it, like `add` does (RFC 7644 §3.5.2.1 covers only `add`; Entra sends
//!   either, §2.6). The new element gets the filter's `eq` terms.
//! - `remove` with `path: "members"` and a `value` list removes only the
//!   listed members (Entra's legacy shape, §2.9). Read literally the RFC
//!   would empty the group, which is the most reported Entra bug.
//! - `remove` of a filtered element that is not there succeeds and changes
//!   nothing, so an IdP retrying a removal does not get a spurious error.
//! - Booleans as `"True"`/`"False"` (see [`crate::resource`]).

use std::collections::{HashMap, HashSet};

use scim_v2::filter::{AttrExp, CompValue, CompareOp, PatchPath, PatchValuePath, ValFilter};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::bounds;
use crate::error::{ScimError, ScimType, excerpt};
use crate::filter;
use crate::path::{self, Resolved, Target};
use crate::resource::{self, Object, ReadOnly};
use crate::schema::{Attribute, AttributeType, Container, Mutability, ResourceSchema};

/// The most operations one PATCH request may carry. Entra sends one
/// operation per attribute and Okta a handful; a thousand leaves room for a
/// group membership batch while bounding the work one request can cause.
pub const MAX_OPERATIONS: usize = 1000;

/// A PATCH operation kind; deserialises from any letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

impl<'de> Deserialize<'de> for OpKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "add" => Ok(OpKind::Add),
            "remove" => Ok(OpKind::Remove),
            "replace" => Ok(OpKind::Replace),
            _ => Err(serde::de::Error::custom(format!(
                "unknown PATCH op {s:?}; expected add, remove or replace"
            ))),
        }
    }
}

/// One operation of a PatchOp message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: OpKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `None` when the key is absent; `Some(Value::Null)` for `"value": null`,
    /// which means "unassign" and is not the same as a missing value.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub value: Option<Value>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The RFC 7644 §3.5.2 PatchOp message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parses a request body, checking the message schema and the bound on
    /// operations.
    pub fn from_value(v: Value) -> Result<Self, ScimError> {
        let req: PatchRequest = serde_json::from_value(v).map_err(|e| {
            ScimError::bad_request(
                ScimType::InvalidSyntax,
                format!("not a PatchOp message: {e}"),
            )
        })?;
        crate::message::require_schema(&req.schemas, crate::urn::PATCH_OP, "PatchOp message")?;
        if req.operations.is_empty() {
            return Err(ScimError::bad_request(
                ScimType::InvalidSyntax,
                "`Operations` is empty",
            ));
        }
        if req.operations.len() > MAX_OPERATIONS {
            return Err(ScimError::status(
                413,
                format!(
                    "{} operations; at most {MAX_OPERATIONS} per PATCH",
                    req.operations.len()
                ),
            ));
        }
        Ok(req)
    }
}

/// Applies `ops` to `resource`, all or nothing. On success returns the new
/// resource; `resource` itself is never modified.
pub fn apply(
    schema: &ResourceSchema,
    resource: &Object,
    ops: &[PatchOperation],
) -> Result<Object, ScimError> {
    let mut out = resource.clone();
    for (i, op) in ops.iter().enumerate() {
        apply_one(schema, &mut out, op).map_err(|mut e| {
            e.detail = format!("Operations[{i}]: {}", e.detail);
            e
        })?;
    }
    crate::immutable::unchanged(schema, resource, &out)?;
    resource::check_required(schema.core, &out, "")?;
    resource::check_extensions(schema, &out)?;
    resource::set_schemas(schema, &mut out);
    bounds::check(schema, &out)?;
    Ok(out)
}

fn apply_one(
    schema: &ResourceSchema,
    res: &mut Object,
    op: &PatchOperation,
) -> Result<(), ScimError> {
    let path = op.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let Some(path) = path else {
        return apply_pathless(schema, res, op.op, op.value.clone());
    };
    let parsed: PatchPath = path.parse().map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "invalid path {:?}: {}",
                excerpt(path),
                filter::describe_parse_error(path, &e)
            ),
        )
    })?;
    match parsed {
        PatchPath::Attr(p) => match path::resolve(schema, &p)? {
            Target::Attribute(r) => apply_attr(res, op.op, r, op.value.clone(), true),
            Target::Extension(ext) => {
                let ctx = Container::Extension(ext);
                match op.op {
                    OpKind::Remove => {
                        res.remove(ext.id);
                        Ok(())
                    }
                    kind => {
                        let v = need_value(op.op, op.value.clone())?;
                        let Value::Object(fields) = v else {
                            return Err(invalid_value(format!(
                                "the value for {} must be an object",
                                ext.id
                            )));
                        };
                        for (k, v) in fields {
                            let attr = ext
                                .attribute(&k)
                                .ok_or_else(|| not_in_extension(ext.id, &k))?;
                            let r = Resolved {
                                container: ctx,
                                attr,
                                sub: None,
                            };
                            apply_attr(res, kind, r, Some(v), false)?;
                        }
                        Ok(())
                    }
                }
            }
        },
        PatchPath::Value(vp) => apply_value_path(schema, res, op.op, &vp, op.value.clone()),
    }
}

fn need_value(kind: OpKind, v: Option<Value>) -> Result<Value, ScimError> {
    v.ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("`{kind:?}` needs a `value`").to_lowercase(),
        )
    })
}

fn invalid_value(detail: String) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

fn unknown_key(k: &str) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidPath,
        format!("`{}` is not an attribute of this resource", excerpt(k)),
    )
}

/// A key inside an extension's value object that the extension does not
/// define: the path (the extension's URN) was fine, the value is not one
/// its schema takes, which RFC 7644 §3.12 calls `invalidValue`. `schemas`
/// is the usual one: it belongs to the resource's top level (RFC 7643 §3),
/// not inside an extension.
fn not_in_extension(urn: &str, k: &str) -> ScimError {
    let hint = if k.eq_ignore_ascii_case("schemas") {
        "; `schemas` belongs at the top level of the resource"
    } else {
        ""
    };
    invalid_value(format!(
        "`{}` is not an attribute of {urn}{hint}",
        excerpt(k)
    ))
}

fn apply_pathless(
    schema: &ResourceSchema,
    res: &mut Object,
    kind: OpKind,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if kind == OpKind::Remove {
        return Err(ScimError::bad_request(
            ScimType::NoTarget,
            "`remove` needs a `path`",
        ));
    }
    let Value::Object(fields) = need_value(kind, value)? else {
        return Err(invalid_value(
            "a PATCH without `path` needs an object `value`".into(),
        ));
    };
    for (key, v) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext) = schema.extension(&key) {
            let Value::Object(inner) = v else {
                return Err(invalid_value(format!(
                    "the value for {} must be an object",
                    ext.id
                )));
            };
            for (k, v) in inner {
                let attr = ext
                    .attribute(&k)
                    .ok_or_else(|| not_in_extension(ext.id, &k))?;
                let r = Resolved {
                    container: Container::Extension(ext),
                    attr,
                    sub: None,
                };
                apply_attr(res, kind, r, Some(v), false)?;
            }
            continue;
        }
        let r = if key.contains('.') || key.contains(':') {
            let p = path::parse_attr_path(&key)?;
            path::resolve_attribute(schema, &p)?
        } else {
            let attr = schema
                .root_attribute(&key)
                .ok_or_else(|| unknown_key(&key))?;
            Resolved {
                container: Container::Root,
                attr,
                sub: None,
            }
        };
        apply_attr(res, kind, r, Some(v), false)?;
    }
    Ok(())
}

/// The object an attribute lives in, created on demand for writes.
fn container_mut(res: &mut Object, c: Container) -> &mut Object {
    match c {
        Container::Root => res,
        Container::Extension(ext) => {
            let slot = res
                .entry(ext.id)
                .or_insert_with(|| Value::Object(Object::new()));
            if !slot.is_object() {
                *slot = Value::Object(Object::new());
            }
            slot.as_object_mut().expect("just made an object")
        }
    }
}

/// Drops an extension object that a removal left empty.
fn tidy(res: &mut Object, c: Container) {
    if let Container::Extension(ext) = c
        && res
            .get(ext.id)
            .and_then(Value::as_object)
            .is_some_and(Object::is_empty)
    {
        res.remove(ext.id);
    }
}

fn check_writable(attr: &Attribute, explicit: bool, at: &str) -> Result<bool, ScimError> {
    if attr.mutability == Mutability::ReadOnly {
        if explicit {
            return Err(ScimError::bad_request(
                ScimType::Mutability,
                format!("`{at}` is read-only"),
            ));
        }
        return Ok(false);
    }
    Ok(true)
}

/// Applies an operation to a plain attribute path (`name.givenName`,
/// `members`, `urn:…:manager`).
fn apply_attr(
    res: &mut Object,
    kind: OpKind,
    r: Resolved,
    value: Option<Value>,
    explicit: bool,
) -> Result<(), ScimError> {
    let at = match r.sub {
        Some(s) => format!("{}.{}", r.attr.name, s.name),
        None => r.attr.name.to_owned(),
    };
    if !check_writable(r.attr, explicit, &at)? {
        return Ok(());
    }
    if let Some(sub) = r.sub {
        if !check_writable(sub, explicit, &at)? {
            return Ok(());
        }
        if r.attr.multi_valued {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!(
                    "`{at}` is ambiguous on a multi-valued attribute; select elements with a filter such as {}[type eq \"work\"].{}",
                    r.attr.name, sub.name
                ),
            ));
        }
        let c = container_mut(res, r.container);
        if kind == OpKind::Remove {
            if let Some(Value::Object(parent)) = c.get_mut(r.attr.name) {
                parent.remove(sub.name);
                if parent.is_empty() {
                    c.remove(r.attr.name);
                }
            }
            tidy(res, r.container);
            return Ok(());
        }
        let v = resource::normalize_value(sub, need_value(kind, value)?, &at, ReadOnly::Drop)?;
        let parent = c
            .entry(r.attr.name)
            .or_insert_with(|| Value::Object(Object::new()));
        if !parent.is_object() {
            *parent = Value::Object(Object::new());
        }
        let parent = parent.as_object_mut().expect("object");
        match v {
            Some(v) => {
                parent.insert(sub.name.to_owned(), v);
            }
            None => {
                parent.remove(sub.name);
            }
        }
        return Ok(());
    }

    let c = container_mut(res, r.container);
    if kind == OpKind::Remove {
        match value {
            Some(Value::Array(listed)) if r.attr.multi_valued && !listed.is_empty() => {
                remove_listed(c, r.attr, &listed);
            }
            _ => {
                if r.attr.required {
                    return Err(ScimError::bad_request(
                        ScimType::Mutability,
                        format!("`{at}` is required and cannot be removed"),
                    ));
                }
                c.remove(r.attr.name);
            }
        }
        tidy(res, r.container);
        return Ok(());
    }
    let raw = need_value(kind, value)?;
    // Merging into a single complex attribute: sub-attributes sent as null or
    // "" are cleared, the others kept (RFC 7643 §2.5, RFC 7644 §3.5.2.3).
    let cleared: Vec<&'static str> = match (&raw, r.attr.multi_valued, r.attr.kind) {
        (Value::Object(o), false, AttributeType::Complex) => o
            .iter()
            .filter(|(_, v)| v.is_null() || v.as_str() == Some(""))
            .filter_map(|(k, _)| r.attr.sub_attribute(k).map(|s| s.name))
            .collect(),
        _ => Vec::new(),
    };
    if !cleared.is_empty() {
        if let Some(Value::Object(existing)) = c.get_mut(r.attr.name) {
            for k in &cleared {
                existing.remove(*k);
            }
            if existing.is_empty() {
                c.remove(r.attr.name);
            }
        }
        let rest: Object = match &raw {
            Value::Object(o) => o
                .iter()
                .filter(|(_, v)| !(v.is_null() || v.as_str() == Some("")))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Object::new(),
        };
        if rest.is_empty() {
            tidy(res, r.container);
            return Ok(());
        }
        return apply_attr(res, kind, r, Some(Value::Object(rest)), explicit);
    }
    let v = resource::normalize_value(r.attr, raw, &at, ReadOnly::Drop)?;
    let Some(v) = v else {
        // `null` means unassigned (RFC 7643 §2.5).
        if r.attr.required {
            return Err(invalid_value(format!(
                "`{at}` is required and cannot be null"
            )));
        }
        c.remove(r.attr.name);
        tidy(res, r.container);
        return Ok(());
    };
    match (kind, r.attr.multi_valued, r.attr.kind) {
        (OpKind::Add, true, _) => {
            let Value::Array(new) = v else {
                unreachable!("normalised multi-valued")
            };
            let slot = c
                .entry(r.attr.name)
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let items = slot.as_array_mut().expect("array");
            let mut by_ref = ReferenceIndex::new(r.attr, items);
            for item in new {
                let pos = match &mut by_ref {
                    Some(index) => index.position(&item),
                    None => items.iter().position(|e| e == &item),
                };
                if let Some(pos) = pos {
                    merge_into(&mut items[pos], item);
                } else {
                    if is_primary(&item) {
                        clear_primary(items);
                    }
                    if let Some(index) = &mut by_ref {
                        index.push(&item, items.len());
                    }
                    items.push(item);
                    // Checked as it grows: every added value is compared
                    // with those already there.
                    bounds::check_count(r.attr, items.len())?;
                }
            }
        }
        (_, false, AttributeType::Complex) => {
            // Add and replace both merge sub-attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
            let slot = c
                .entry(r.attr.name)
                .or_insert_with(|| Value::Object(Object::new()));
            if slot.is_object() {
                merge_into(slot, v);
            } else {
                *slot = v;
            }
        }
        _ => {
            if let Value::Array(items) = &v {
                bounds::check_count(r.attr, items.len())?;
            }
            c.insert(r.attr.name.to_owned(), v);
        }
    }
    Ok(())
}

/// Where each element of a multi-valued attribute sits, by its `value`, when
/// that `value` is an immutable reference (group `members`): adding a
/// member twice must not list it twice, and a group of 100,000 members
/// must not be scanned once per added member. Other attributes compare
/// whole elements.
struct ReferenceIndex(HashMap<String, usize>);

impl ReferenceIndex {
    fn new(attr: &Attribute, items: &[Value]) -> Option<Self> {
        if !bounds::is_reference_list(attr) {
            return None;
        }
        let mut index = ReferenceIndex(HashMap::with_capacity(items.len()));
        for (i, e) in items.iter().enumerate() {
            index.push(e, i);
        }
        Some(index)
    }

    /// References are strings; anything else is keyed by its JSON text.
    fn key(item: &Value) -> Option<std::borrow::Cow<'_, str>> {
        match item.get("value")? {
            Value::String(s) => Some(s.as_str().into()),
            other => Some(other.to_string().into()),
        }
    }

    fn position(&self, item: &Value) -> Option<usize> {
        Self::key(item).and_then(|k| self.0.get(&*k)).copied()
    }

    fn push(&mut self, item: &Value, at: usize) {
        if let Some(k) = Self::key(item) {
            self.0.entry(k.into_owned()).or_insert(at);
        }
    }
}

fn merge_into(target: &mut Value, v: Value) {
    match (target, v) {
        (Value::Object(t), Value::Object(v)) => t.extend(v),
        (t, v) => *t = v,
    }
}

fn is_primary(v: &Value) -> bool {
    v.get("primary") == Some(&Value::Bool(true))
}

/// RFC 7643 §2.4: at most one element may be primary; the one just written wins.
fn clear_primary(items: &mut [Value]) {
    for e in items {
        if let Some(o) = e.as_object_mut()
            && o.get("primary") == Some(&Value::Bool(true))
        {
            o.insert("primary".into(), Value::Bool(false));
        }
    }
}

/// Removes the elements that a listed element names: by `value` when
/// both have one, else by being equal. The listed ones are indexed (as
/// JSON text, so `"1"` and `1` stay apart) rather than scanned for every
/// element, which was O(elements × listed) for a member batch.
fn remove_listed(c: &mut Object, attr: &'static Attribute, listed: &[Value]) {
    let Some(Value::Array(items)) = c.get_mut(attr.name) else {
        return;
    };
    let mut by_value: HashSet<String> = HashSet::new();
    let mut whole: HashSet<String> = HashSet::new();
    for l in listed {
        match l.get("value") {
            Some(lv) => by_value.insert(lv.to_string()),
            // Equal to an element only if that lacks a `value` too.
            None => whole.insert(l.to_string()),
        };
    }
    items.retain(|e| match e.get("value") {
        Some(ev) => !by_value.contains(&ev.to_string()),
        None => whole.is_empty() || !whole.contains(&e.to_string()),
    });
    if items.is_empty() {
        c.remove(attr.name);
    }
}

fn apply_value_path(
    schema: &ResourceSchema,
    res: &mut Object,
    kind: OpKind,
    vp: &PatchValuePath,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let r = path::resolve_attribute(schema, &vp.attr)?;
    if !r.attr.multi_valued || r.attr.kind != AttributeType::Complex || r.sub.is_some() {
        return Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "`{}` is not a multi-valued complex attribute; a [filter] cannot select from it",
                vp.attr
            ),
        ));
    }
    filter::check_val(schema, r.attr, &vp.filter).map_err(|mut e| {
        e.scim_type = Some(ScimType::InvalidPath);
        e
    })?;
    let sub = match &vp.sub_attr {
        None => None,
        Some(s) => Some(r.attr.sub_attribute(s).ok_or_else(|| {
            ScimError::bad_request(
                ScimType::InvalidPath,
                format!("`{s}` is not a sub-attribute of `{}`", r.attr.name),
            )
        })?),
    };
    let at = format!("{}", PatchPath::Value(vp.clone()));
    if !check_writable(r.attr, true, &at)? {
        return Ok(());
    }
    if let Some(s) = sub {
        check_writable(s, true, &at)?;
    }
    let c = container_mut(res, r.container);
    let items: Vec<Value> = match c.remove(r.attr.name) {
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let matched: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, e)| filter::matches_val(r.attr, &vp.filter, e))
        .map(|(i, _)| i)
        .collect();
    let mut items = items;
    match kind {
        OpKind::Remove => {
            if let Some(s) = sub {
                for &i in &matched {
                    if let Some(o) = items[i].as_object_mut() {
                        o.remove(s.name);
                    }
                }
            } else {
                let mut i = 0;
                items.retain(|_| {
                    let keep = !matched.contains(&i);
                    i += 1;
                    keep
                });
            }
        }
        OpKind::Add | OpKind::Replace => {
            let raw = need_value(kind, value)?;
            let new_part = match sub {
                Some(s) => resource::normalize_value(s, raw, &at, ReadOnly::Drop)?,
                None => resource::normalize_single(r.attr, raw, &at, ReadOnly::Drop)?,
            };
            // One value is copied into every matched element: refuse a copy
            // that could not fit in a resource before making it.
            let copies = matched.len().max(1);
            bounds::check_bytes(
                new_part
                    .as_ref()
                    .map_or(0, bounds::json_len)
                    .saturating_mul(copies),
            )?;
            if matched.is_empty() {
                let mut element = seed_from_filter(r.attr, &vp.filter).ok_or_else(|| {
                    ScimError::bad_request(
                        ScimType::NoTarget,
                        format!("no element of `{}` matches [{}], and the filter does not say how to make one", r.attr.name, vp.filter),
                    )
                })?;
                put(&mut element, sub, new_part);
                if is_primary(&element) {
                    clear_primary(&mut items);
                }
                items.push(element);
                bounds::check_count(r.attr, items.len())?;
            } else {
                for &i in &matched {
                    if kind == OpKind::Replace && sub.is_none() {
                        items[i] = new_part.clone().unwrap_or(Value::Object(Object::new()));
                    } else {
                        put(&mut items[i], sub, new_part.clone());
                    }
                }
                if matched.iter().any(|&i| is_primary(&items[i])) {
                    let last = *matched.last().expect("non-empty");
                    for (j, e) in items.iter_mut().enumerate() {
                        if j != last && is_primary(e) {
                            e.as_object_mut()
                                .expect("object")
                                .insert("primary".into(), false.into());
                        }
                    }
                }
            }
        }
    }
    items.retain(|e| !matches!(e, Value::Object(o) if o.is_empty()));
    if !items.is_empty() {
        c.insert(r.attr.name.to_owned(), Value::Array(items));
    }
    tidy(res, r.container);
    Ok(())
}

fn put(element: &mut Value, sub: Option<&'static Attribute>, part: Option<Value>) {
    match (sub, part) {
        (Some(s), Some(v)) => {
            if let Some(o) = element.as_object_mut() {
                o.insert(s.name.to_owned(), v);
            }
        }
        (Some(s), None) => {
            if let Some(o) = element.as_object_mut() {
                o.remove(s.name);
            }
        }
        (None, Some(v)) => merge_into(element, v),
        (None, None) => {}
    }
}

/// For a filter made only of `eq` comparisons joined by `and`
/// (`type eq "work"`), the element those comparisons describe.
fn seed_from_filter(parent: &'static Attribute, f: &ValFilter) -> Option<Value> {
    let mut obj = Object::new();
    fn walk(parent: &'static Attribute, f: &ValFilter, obj: &mut Object) -> bool {
        match f {
            ValFilter::Attr(AttrExp::Comparison(p, CompareOp::Eq, v)) => {
                let name = p.sub_attr.as_deref().unwrap_or(&p.name);
                let Some(sub) = parent.sub_attribute(name) else {
                    return false;
                };
                let v = match v {
                    CompValue::Str(s) => Value::String(s.clone()),
                    CompValue::True => Value::Bool(true),
                    CompValue::False => Value::Bool(false),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::Null => return false,
                };
                obj.insert(sub.name.to_owned(), v);
                true
            }
            ValFilter::And(fs) => fs.iter().all(|f| walk(parent, f, obj)),
            _ => false,
        }
    }
    walk(parent, f, &mut obj).then_some(Value::Object(obj))
}

#[cfg(test)]
mod tests;
