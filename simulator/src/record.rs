//! Recorded exchanges as fixtures other implementations can replay: stable
//! ordering, and volatile values (server ids, timestamps, entity tags, the
//! target's address) replaced by placeholders, so that two runs against
//! two conformant servers record the same file.

use indexmap::IndexMap;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::player::ScenarioReport;

/// Headers whose values change from run to run and carry no meaning.
const VOLATILE_HEADERS: &[&str] = &["date", "content-length", "connection", "keep-alive"];

/// The fixture of one scenario run.
pub fn fixture(report: &ScenarioReport, base_url: &str) -> Value {
    let mut ids = IndexMap::new();
    let steps: Vec<Value> = report
        .steps
        .iter()
        .map(|s| {
            // In the engine's planned order, not the order of the answers:
            // the same bytes on every run.
            let mut planned = s.exchanges.clone();
            crate::plan::order(&mut planned);
            let exchanges: Vec<Value> = planned
                .iter()
                .map(|x| {
                    let mut v = serde_json::to_value(x).expect("exchanges serialise");
                    if let Some(o) = v.as_object_mut() {
                        o.remove("micros");
                        o.remove("seq");
                        for key in ["request_headers", "response_headers"] {
                            if let Some(Value::Array(h)) = o.get_mut(key) {
                                h.retain(|pair| {
                                    pair.get(0).and_then(Value::as_str).is_none_or(|k| {
                                        !VOLATILE_HEADERS.contains(&k.to_ascii_lowercase().as_str())
                                    })
                                });
                            }
                        }
                    }
                    if let Some(body) = v.get_mut("response_body") {
                        if x.plan.is_some_and(|p| p.fan != 0) {
                            // One of several PATCHes sent at once to one
                            // group (E23): its answer shows the members of
                            // whichever landed before it, a race that
                            // differs on every run.
                            *body = Value::String(RACED.into());
                        }
                        unordered(body);
                    }
                    if let Some(ns) = &report.namespace {
                        unprefix(&mut v, ns);
                    }
                    normalize(&mut v, base_url, &mut ids);
                    v
                })
                .collect();
            let step = match &report.namespace {
                Some(ns) => s.step.replace(ns.as_str(), NS),
                None => s.step.clone(),
            };
            let mut step = json!({"step": step, "passed": s.passed, "exchanges": exchanges});
            if !s.cycles.is_empty() {
                // The findings, with the same placeholders as the exchanges.
                let mut cycles = serde_json::to_value(&s.cycles).expect("reports serialise");
                normalize(&mut cycles, base_url, &mut ids);
                step["cycles"] = cycles;
            }
            step
        })
        .collect();
    json!({"fixtureVersion": 1, "scenario": report.name, "idp": report.idp, "steps": steps})
}

/// Lists whose order carries no meaning, put in one order: a listing's
/// `Resources` (RFC 7644 §3.4.2.3 gives an order only with `sortBy`), and
/// multi-valued `members` and `groups` (RFC 7643 §2.4). A target fed by
/// concurrent creates and membership PATCHes holds them in the order the
/// requests landed, which differs from run to run. Sorted by the name the
/// target returns (`userName`, `displayName`, `display`), which, unlike an
/// id, is the same on every run; a list with an element without one is
/// left as it is.
fn unordered(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if let Value::Array(a) = x
                    && matches!(k.as_str(), "Resources" | "members" | "groups")
                {
                    let names: Option<Vec<String>> = a.iter().map(name_of).collect();
                    if let Some(names) = names {
                        let mut pairs: Vec<(String, Value)> =
                            names.into_iter().zip(a.drain(..)).collect();
                        pairs.sort_by(|x, y| x.0.cmp(&y.0));
                        a.extend(pairs.into_iter().map(|(_, x)| x));
                    }
                }
                unordered(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(unordered),
        _ => {}
    }
}

fn name_of(v: &Value) -> Option<String> {
    ["userName", "displayName", "display"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The answer body of a request sent in parallel with others to the same
/// resource.
pub const RACED: &str = "{raced}";

/// What a run prefix becomes: each run draws its own, and a fixture must
/// not depend on it. Replaced before ids are found, since a prefixed GUID
/// is not a GUID.
const NS: &str = "{ns}";

fn unprefix(v: &mut Value, ns: &str) {
    match v {
        Value::String(s) if s.contains(ns) => *s = s.replace(ns, NS),
        Value::Array(a) => a.iter_mut().for_each(|x| unprefix(x, ns)),
        Value::Object(o) => o.values_mut().for_each(|x| unprefix(x, ns)),
        _ => {}
    }
}

fn normalize(v: &mut Value, base: &str, ids: &mut IndexMap<String, usize>) {
    match v {
        Value::String(s) => *s = normalize_str(s, base, ids),
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, base, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| normalize(x, base, ids)),
        _ => {}
    }
}

fn is_id(tok: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    (tok.len() == 32 && hex(tok))
        || (tok.len() == 36 && {
            let parts: Vec<&str> = tok.split('-').collect();
            parts.len() == 5
                && [8, 4, 4, 4, 12]
                    .iter()
                    .zip(&parts)
                    .all(|(n, p)| p.len() == *n && hex(p))
        })
}

/// Replaces the base URL, server ids, timestamps and entity tags.
pub fn normalize_str(s: &str, base: &str, ids: &mut IndexMap<String, usize>) -> String {
    if OffsetDateTime::parse(s, &Rfc3339).is_ok() {
        return "{time}".into();
    }
    if s.starts_with("W/\"") && s.ends_with('"') {
        return "{etag}".into();
    }
    let s = s.replace(base, "{base}");
    let mut out = String::with_capacity(s.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String, ids: &mut IndexMap<String, usize>| {
        if is_id(token) {
            let n = ids.len() + 1;
            let k = *ids.entry(token.to_lowercase()).or_insert(n);
            out.push_str(&format!("{{id{k}}}"));
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in s.chars() {
        if c.is_ascii_hexdigit() || c == '-' {
            token.push(c);
        } else {
            flush(&mut token, &mut out, ids);
            out.push(c);
        }
    }
    flush(&mut token, &mut out, ids);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_values_become_placeholders() {
        let mut ids = IndexMap::new();
        let a = "http://127.0.0.1:4000/scim/v2/Users/0123456789abcdef0123456789abcdef";
        assert_eq!(
            normalize_str(a, "http://127.0.0.1:4000/scim/v2", &mut ids),
            "{base}/Users/{id1}"
        );
        let f = "members[value eq \"0123456789ABCDEF0123456789ABCDEF\"]";
        assert_eq!(
            normalize_str(f, "x", &mut ids),
            "members[value eq \"{id1}\"]"
        );
        assert_eq!(
            normalize_str("2026-11-23T10:00:00.5Z", "x", &mut ids),
            "{time}"
        );
        assert_eq!(normalize_str("W/\"17\"", "x", &mut ids), "{etag}");
        assert_eq!(
            normalize_str("Engineering-Team", "x", &mut ids),
            "Engineering-Team"
        );
        let g = "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159";
        assert_eq!(normalize_str(g, "x", &mut ids), "{id2}");
    }
}
