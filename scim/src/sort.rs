//! Sorting (RFC 7644 §3.4.2.3).
//!
//! The sort key of a multi-valued attribute is its primary value, or its
//! first when none is primary. Resources without a value sort last in
//! ascending order and first in descending order, so that descending is
//! exactly ascending reversed.

use std::cmp::Ordering;

use serde_json::Value;

use crate::filter::{container, fold};
use crate::path::Resolved;
use crate::resource::Object;
use crate::schema::AttributeType;

/// A resource's sort key under one attribute path.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Text(String),
    Number(f64),
    Bool(bool),
    Missing,
}

/// Extracts the sort key; strings of case-insensitive attributes are folded.
pub fn key(resource: &Object, by: &Resolved) -> SortKey {
    let Some(v) = container(resource, by.container).and_then(|c| c.get(by.attr.name)) else {
        return SortKey::Missing;
    };
    let element = match v {
        Value::Array(items) => items
            .iter()
            .find(|e| e.get("primary") == Some(&Value::Bool(true)))
            .or_else(|| items.first()),
        v => Some(v),
    };
    let leaf_attr = by
        .sub
        .or_else(|| by.attr.sub_attribute("value"))
        .unwrap_or(by.attr);
    let leaf = match (element, by.sub) {
        (Some(e), Some(s)) => e.get(s.name),
        (Some(e), None) if e.is_object() => e.get("value"),
        (e, _) => e,
    };
    match leaf {
        Some(Value::String(s))
            if leaf_attr.case_exact || leaf_attr.kind == AttributeType::DateTime =>
        {
            SortKey::Text(s.clone())
        }
        Some(Value::String(s)) => SortKey::Text(fold(s).into_owned()),
        Some(Value::Number(n)) => SortKey::Number(n.as_f64().unwrap_or(0.0)),
        Some(Value::Bool(b)) => SortKey::Bool(*b),
        _ => SortKey::Missing,
    }
}

/// Ascending order of keys, missing values last.
pub fn ascending(a: &SortKey, b: &SortKey) -> Ordering {
    use SortKey::*;
    match (a, b) {
        (Missing, Missing) => Ordering::Equal,
        (Missing, _) => Ordering::Greater,
        (_, Missing) => Ordering::Less,
        (Text(a), Text(b)) => a.cmp(b),
        (Number(a), Number(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (Bool(a), Bool(b)) => a.cmp(b),
        // Mixed types cannot happen for one schema attribute; order by kind.
        (a, b) => rank(a).cmp(&rank(b)),
    }
}

fn rank(k: &SortKey) -> u8 {
    match k {
        SortKey::Bool(_) => 0,
        SortKey::Number(_) => 1,
        SortKey::Text(_) => 2,
        SortKey::Missing => 3,
    }
}
