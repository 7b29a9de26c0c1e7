//! Recorded exchanges as fixtures other implementations can replay: stable
//! ordering, and volatile values (server ids, timestamps, entity tags, the
//! target's address) replaced by placeholders, so that two runs against
//! two conformant servers record the same file.
//!
//! The format (`fixtureVersion` 1) is read back by [`crate::fixtures`]:
//! `{base}` is the SCIM base URL, `{idN}` the N-th id the target assigned
//! (numbered in order of first appearance), `{time}` a timestamp, `{etag}`
//! an entity tag, `{ns}` the run prefix a run on a shared target put
//! before its names (`idpsim play` without `--dedicated-target`); a replay
//! draws a fresh one. A step of an Entra cycle scenario also carries the
//! engine's findings (`cycles`, same placeholders), which a replay keeps
//! and does not judge: they are the IdP's verdict, not the target's
//! answer. Header names are lower case and sorted, since HTTP/1.1
//! does not keep their case and hyper does not keep their order; headers
//! that describe one connection (`host`, `date`, `content-length`, …) are
//! left out. Secrets are redacted by [`crate::fixtures::redact`].

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fixtures::redact::Secrets;
use crate::player::ScenarioReport;

/// Headers whose values change from run to run or hop to hop and carry no
/// meaning for the exchange.
const VOLATILE_HEADERS: &[&str] = &[
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "host",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-connection",
];

/// SCIM endpoints below a base URL: what follows the base in a resource's
/// location, so the base a server names itself by can be recognised.
pub const ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "Schemas",
    "ServiceProviderConfig",
    "ResourceTypes",
    "Bulk",
    "Me",
    ".search",
];

/// What a recording knows beyond its exchanges.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The embedded target's settings (seat limit, quirks) a replay against
    /// the embedded reference SP needs to start it the same way.
    pub target: Option<Value>,
    /// Reset steps used the target's reset control, which the SCIM client
    /// does not record: a replay must reset the same way.
    pub reset_by_control: bool,
    pub secrets: Secrets,
    /// The run prefix a shared target's run put before every name: each
    /// run draws its own, so it is recorded as `{ns}`.
    pub namespace: Option<String>,
}

/// One step of a recording: its name, whether it passed, and its exchanges
/// as [`crate::client::Exchange`] serialises them.
#[derive(Debug, Clone)]
pub struct RawStep {
    pub name: String,
    pub passed: bool,
    /// A control the replay performs before the exchanges (`reset`).
    pub control: Option<String>,
    pub exchanges: Vec<Value>,
    /// Entra's cycle findings as the player serialises them, if any.
    pub cycles: Option<Value>,
}

/// The fixture of one scenario run.
pub fn fixture(report: &ScenarioReport, base_url: &str) -> Value {
    fixture_with(report, base_url, &Options::default())
}

/// [`fixture`] with what the player knows about the target.
pub fn fixture_with(report: &ScenarioReport, base_url: &str, opts: &Options) -> Value {
    let steps = report
        .steps
        .iter()
        .map(|s| RawStep {
            name: s.step.clone(),
            passed: s.passed,
            // The step's text is the scenario's Display of a reset step.
            control: (opts.reset_by_control && s.step.starts_with("reset directory"))
                .then(|| "reset".to_owned()),
            exchanges: planned(&s.exchanges),
            cycles: (!s.cycles.is_empty())
                .then(|| serde_json::to_value(&s.cycles).expect("reports serialise")),
        })
        .collect();
    let opts = Options {
        namespace: report.namespace.clone(),
        ..opts.clone()
    };
    normalise(&report.name, &report.idp, steps, base_url, &opts)
}

/// A step's exchanges in the engine's planned order, not the order of the
/// answers, with what differs between runs by nature made the same: the
/// same bytes on every run.
fn planned(exchanges: &[crate::client::Exchange]) -> Vec<Value> {
    let mut planned = exchanges.to_vec();
    crate::plan::order(&mut planned);
    planned
        .iter()
        .map(|x| {
            let mut v = serde_json::to_value(x).expect("exchanges serialise");
            if let Some(body) = v.get_mut("response_body")
                && x.plan.is_some_and(|p| p.fan != 0)
            {
                // One of several PATCHes sent at once to one group (E23):
                // its answer shows the members of whichever landed before
                // it, a race that differs on every run.
                *body = Value::String(RACED.into());
            }
            v
        })
        .collect()
}

/// Normalises raw exchanges into a fixture: placeholders, header order,
/// redaction. Shared by `--record`, `replay --update` and `record-proxy`.
pub fn normalise(
    scenario: &str,
    idp: &str,
    steps: Vec<RawStep>,
    base_url: &str,
    opts: &Options,
) -> Value {
    let bases = base_aliases(base_url, steps.iter().flat_map(|s| &s.exchanges));
    let namespace = opts.namespace.as_deref();
    let mut ids = Ids::default();
    let steps: Vec<Value> = steps
        .into_iter()
        .map(|s| {
            let exchanges: Vec<Value> = s
                .exchanges
                .into_iter()
                .map(|mut v| {
                    tidy(&mut v, &opts.secrets);
                    if let Some(ns) = namespace {
                        unprefix(&mut v, ns);
                    }
                    ids.learn_literals(&v, &bases);
                    normalize(&mut v, &bases, &mut ids);
                    v
                })
                .collect();
            let name = match namespace {
                Some(ns) => s.name.replace(ns, NS),
                None => s.name,
            };
            let mut step = json!({"step": name, "passed": s.passed, "exchanges": exchanges});
            if let Some(c) = s.control {
                step["control"] = c.into();
            }
            if let Some(mut cycles) = s.cycles {
                // Entra's findings, with the same placeholders as the
                // exchanges: a replay carries them along unjudged.
                if let Some(ns) = namespace {
                    unprefix(&mut cycles, ns);
                }
                normalize(&mut cycles, &bases, &mut ids);
                step["cycles"] = cycles;
            }
            step
        })
        .collect();
    let mut f = json!({"fixtureVersion": 1, "scenario": scenario, "idp": idp, "steps": steps});
    if let Some(t) = &opts.target {
        f["target"] = t.clone();
    }
    f
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

/// Drops timing and connection details, sorts headers, redacts secrets.
fn tidy(v: &mut Value, secrets: &Secrets) {
    let Some(o) = v.as_object_mut() else { return };
    o.remove("micros");
    o.remove("seq");
    if o.get("attempt").and_then(Value::as_u64) == Some(0) {
        o.remove("attempt");
    }
    for key in ["request_headers", "response_headers"] {
        if let Some(Value::Array(h)) = o.get_mut(key) {
            let mut pairs: Vec<(String, String)> = h
                .iter()
                .filter_map(|pair| {
                    let k = pair.get(0)?.as_str()?.to_ascii_lowercase();
                    let v = pair.get(1)?.as_str()?;
                    (!VOLATILE_HEADERS.contains(&k.as_str()))
                        .then(|| (k.clone(), secrets.header(&k, v)))
                })
                .collect();
            // Stable: repeated headers keep their order.
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            *h = pairs.into_iter().map(|(k, v)| json!([k, v])).collect();
        }
    }
    for key in ["request_body", "response_body"] {
        if let Some(b) = o.get_mut(key) {
            secrets.body(b);
        }
    }
    // Whoever recorded it (a run, `--update`, the proxy): the same order.
    if let Some(b) = o.get_mut("response_body") {
        unordered(b);
    }
    if let Some(Value::String(url)) = o.get_mut("url")
        && let Some((path, query)) = url.split_once('?')
    {
        *url = format!("{path}?{}", secrets.query(query));
    }
}

/// The base URL as the client addressed it, and the bases the target names
/// itself by in `Location` headers and `meta.location` (a server behind a
/// proxy or with a public host name), longest first so that the longest
/// match is replaced.
fn base_aliases<'a>(base: &str, exchanges: impl Iterator<Item = &'a Value>) -> Vec<String> {
    let mut found: Vec<String> = vec![base.trim_end_matches('/').to_owned()];
    let mut add = |s: &str| {
        if let Some(b) = base_of_location(s)
            && !found.contains(&b)
        {
            found.push(b);
        }
    };
    for x in exchanges {
        if let Some(Value::Array(h)) = x.get("response_headers") {
            for pair in h {
                if pair
                    .get(0)
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.eq_ignore_ascii_case("location"))
                    && let Some(v) = pair.get(1).and_then(Value::as_str)
                {
                    add(v);
                }
            }
        }
        if let Some(body) = x.get("response_body") {
            locations(body, &mut add);
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.len()));
    found
}

fn locations(v: &Value, add: &mut impl FnMut(&str)) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k.eq_ignore_ascii_case("location")
                    && let Some(s) = x.as_str()
                {
                    add(s);
                } else {
                    locations(x, add);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| locations(x, add)),
        _ => {}
    }
}

/// `https://h/scim/v2` from `https://h/scim/v2/Users/abc`.
pub fn base_of_location(s: &str) -> Option<String> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let (head, id) = s.trim_end_matches('/').rsplit_once('/')?;
    let (base, endpoint) = head.rsplit_once('/')?;
    (!id.is_empty() && ENDPOINTS.iter().any(|e| e.eq_ignore_ascii_case(endpoint)))
        .then(|| base.to_owned())
}

/// Server ids seen so far and their numbers, plus the ids the client made
/// up itself (an Entra probe's random GUID, an externalId), which stay as
/// they are: no answer defines them, so a replay must send them verbatim.
#[derive(Debug, Default)]
pub struct Ids {
    numbers: IndexMap<String, usize>,
    literal: HashSet<String>,
}

impl Ids {
    /// Ids in `x`'s request that no earlier answer defined are the client's.
    fn learn_literals(&mut self, x: &Value, bases: &[String]) {
        let mut request = Vec::new();
        for key in ["url", "request_headers", "request_body"] {
            if let Some(v) = x.get(key) {
                strings(v, &mut |s| {
                    let mut s = s.to_owned();
                    for b in bases {
                        s = s.replace(b.as_str(), "");
                    }
                    request.extend(tokens(&s).filter(|t| is_id(t)).map(str::to_lowercase));
                });
            }
        }
        for t in request {
            if !self.numbers.contains_key(&t) {
                self.literal.insert(t);
            }
        }
    }
}

fn strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, f)),
        Value::Object(o) => o.values().for_each(|x| strings(x, f)),
        _ => {}
    }
}

/// Runs of hex digits and dashes: the candidates for ids.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter(|t| !t.is_empty())
}

fn normalize(v: &mut Value, bases: &[String], ids: &mut Ids) {
    match v {
        Value::String(s) => *s = normalize_with(s, bases, ids),
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, bases, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| normalize(x, bases, ids)),
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
    let mut all = Ids {
        numbers: std::mem::take(ids),
        literal: HashSet::new(),
    };
    let out = normalize_with(s, &[base.to_owned()], &mut all);
    *ids = all.numbers;
    out
}

fn normalize_with(s: &str, bases: &[String], ids: &mut Ids) -> String {
    if OffsetDateTime::parse(s, &Rfc3339).is_ok() {
        return "{time}".into();
    }
    if (s.starts_with("W/\"") || s.starts_with('"')) && s.ends_with('"') && s.len() >= 2 {
        return "{etag}".into();
    }
    let mut s = s.to_owned();
    for b in bases {
        s = s.replace(b.as_str(), "{base}");
    }
    let mut out = String::with_capacity(s.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String, ids: &mut Ids| {
        let key = token.to_lowercase();
        if is_id(token) && !ids.literal.contains(&key) {
            let n = ids.numbers.len() + 1;
            let k = *ids.numbers.entry(key).or_insert(n);
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

    fn exchange(url: &str, status: u16, body: Value, headers: &[(&str, &str)]) -> Value {
        json!({
            "seq": 1, "micros": 10, "attempt": 0, "method": "GET", "url": url,
            "request_headers": [["Authorization", "Bearer s3cret"], ["Host", "127.0.0.1:9"], ["Accept", "application/scim+json"]],
            "status": status,
            "response_headers": headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "response_body": body,
        })
    }

    #[test]
    fn the_base_a_server_names_itself_by_is_a_base_too() {
        // Reached through a proxy on :9, the server names itself :7.
        let id = "0123456789abcdef0123456789abcdef";
        let x = exchange(
            "http://127.0.0.1:9/scim/v2/Users",
            200,
            json!({"id": id, "meta": {"location": format!("http://127.0.0.1:7/scim/v2/Users/{id}")}}),
            &[(
                "Location",
                &format!("http://127.0.0.1:7/scim/v2/Users/{id}"),
            )],
        );
        let step = RawStep {
            name: "s".into(),
            passed: true,
            control: None,
            exchanges: vec![x],
            cycles: None,
        };
        let f = normalise(
            "n",
            "okta",
            vec![step],
            "http://127.0.0.1:9/scim/v2",
            &Options::default(),
        );
        let x = &f["steps"][0]["exchanges"][0];
        assert_eq!(x["url"], "{base}/Users");
        assert_eq!(x["response_body"]["meta"]["location"], "{base}/Users/{id1}");
        assert_eq!(x["response_headers"][0][1], "{base}/Users/{id1}");
        assert_eq!(
            x["request_headers"],
            json!([
                ["accept", "application/scim+json"],
                ["authorization", "Bearer <redacted>"]
            ]),
            "lower case, sorted, no host, token redacted"
        );
        assert!(x.get("attempt").is_none() && x.get("micros").is_none());
    }

    #[test]
    fn ids_the_client_made_up_stay_literal() {
        // An Entra probe filters on a random GUID that no answer defined.
        let guid = "7d420df3-9995-4831-a406-ecf8166f5f6a";
        let x = exchange(
            &format!("http://h/scim/Users?filter=userName+eq+%22{guid}%22"),
            200,
            json!({"Resources": [], "totalResults": 0}),
            &[],
        );
        let step = RawStep {
            name: "s".into(),
            passed: true,
            control: None,
            exchanges: vec![x],
            cycles: None,
        };
        let f = normalise(
            "n",
            "entra",
            vec![step],
            "http://h/scim",
            &Options::default(),
        );
        assert_eq!(
            f["steps"][0]["exchanges"][0]["url"],
            format!("{{base}}/Users?filter=userName+eq+%22{guid}%22")
        );
    }
}
