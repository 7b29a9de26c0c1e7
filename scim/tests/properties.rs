//! quickcheck properties of the filter grammar and the PATCH engine.

use idpsim_scim::filter;
use idpsim_scim::patch::{self, PatchRequest};
use idpsim_scim::resource::{self, Object};
use idpsim_scim::schema::ResourceSchema;
use idpsim_scim::{Filter, PatchPath};
use quickcheck::{Arbitrary, Gen, QuickCheck};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, ValFilter, ValuePath};
use serde_json::{Value, json};

const ATTRS: &[(&str, Option<&str>)] = &[
    ("userName", None),
    ("title", None),
    ("active", None),
    ("name", Some("givenName")),
    ("emails", Some("value")),
    ("meta", Some("lastModified")),
];
const OPS: &[CompareOp] = &[
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Co,
    CompareOp::Sw,
    CompareOp::Ew,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
];

fn path(g: &mut Gen) -> AttrPath {
    let (name, sub) = *g.choose(ATTRS).unwrap();
    let mut p = AttrPath::with_name(name);
    if bool::arbitrary(g) {
        p.sub_attr = sub.map(str::to_owned);
    }
    if u8::arbitrary(g) % 5 == 0 {
        p.uri = Some("urn:ietf:params:scim:schemas:core:2.0:User".into());
    }
    p
}

fn value(g: &mut Gen) -> CompValue {
    match u8::arbitrary(g) % 6 {
        0 => CompValue::True,
        1 => CompValue::False,
        2 => CompValue::Null,
        3 => CompValue::Number(i32::arbitrary(g).into()),
        _ => CompValue::Str(String::arbitrary(g)),
    }
}

fn exp(g: &mut Gen) -> AttrExp {
    if u8::arbitrary(g) % 4 == 0 {
        AttrExp::Present(path(g))
    } else {
        AttrExp::Comparison(path(g), g.choose(OPS).unwrap().clone(), value(g))
    }
}

fn val_filter(g: &mut Gen, depth: u32) -> ValFilter {
    if depth == 0 {
        return ValFilter::Attr(exp(g));
    }
    match u8::arbitrary(g) % 4 {
        0 => ValFilter::Not(Box::new(val_filter(g, depth - 1))),
        1 => ValFilter::and(val_filter(g, depth - 1), val_filter(g, depth - 1)),
        2 => ValFilter::or(val_filter(g, depth - 1), val_filter(g, depth - 1)),
        _ => ValFilter::Attr(exp(g)),
    }
}

fn tree(g: &mut Gen, depth: u32) -> Filter {
    if depth == 0 {
        return Filter::Attr(exp(g));
    }
    match u8::arbitrary(g) % 6 {
        0 => Filter::Not(Box::new(tree(g, depth - 1))),
        1 => Filter::and(tree(g, depth - 1), tree(g, depth - 1)),
        2 => Filter::or(tree(g, depth - 1), tree(g, depth - 1)),
        3 => Filter::ValuePath(ValuePath {
            attr: AttrPath::with_name("emails"),
            filter: Box::new(val_filter(g, depth - 1)),
        }),
        _ => Filter::Attr(exp(g)),
    }
}

#[derive(Debug, Clone)]
struct ArbFilter(Filter);

impl Arbitrary for ArbFilter {
    fn arbitrary(g: &mut Gen) -> Self {
        let depth = u32::arbitrary(g) % 5;
        ArbFilter(tree(g, depth))
    }
}

#[test]
fn printed_filter_parses_back_to_the_same_tree() {
    fn prop(f: ArbFilter) -> bool {
        let printed = f.0.to_string();
        match filter::parse(&printed) {
            Ok(back) => back == f.0,
            Err(e) => panic!("{printed:?} did not parse: {e}"),
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(ArbFilter) -> bool);
}

#[test]
fn parsers_never_panic() {
    fn prop(s: String, t: Vec<u8>) -> bool {
        let _ = filter::parse(&s);
        let _ = s.parse::<PatchPath>();
        let _ = idpsim_scim::path::parse_attribute_list(ResourceSchema::user(), &s);
        const ALPHABET: &[u8] = b"()[] \"\\aeqndorpt.:1-";
        let mixed: String = t
            .iter()
            .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
            .collect();
        if let Ok(f) = filter::parse(&mixed) {
            let _ = filter::check(ResourceSchema::user(), &f);
        }
        let _ = mixed.parse::<PatchPath>();
        true
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(String, Vec<u8>) -> bool);
}

#[derive(Debug, Clone)]
struct ArbUser(Object);

impl Arbitrary for ArbUser {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut v = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("u{}", u32::arbitrary(g)),
        });
        let o = v.as_object_mut().unwrap();
        if bool::arbitrary(g) {
            o.insert("displayName".into(), String::arbitrary(g).into());
        }
        if bool::arbitrary(g) {
            o.insert(
                "name".into(),
                json!({"givenName": format!("g{}", u8::arbitrary(g))}),
            );
        }
        if bool::arbitrary(g) {
            o.insert(
                "emails".into(),
                json!([{"value": format!("{}@w", u16::arbitrary(g)), "type": "work"}]),
            );
        }
        ArbUser(resource::normalize(ResourceSchema::user(), v).unwrap())
    }
}

#[test]
fn add_then_remove_restores_the_resource() {
    fn prop(u: ArbUser, n: u32, which: u8) -> bool {
        let (add, remove) = match which % 4 {
            0 => (
                json!({"op": "add", "path": "title", "value": format!("t{n}")}),
                json!({"op": "remove", "path": "title"}),
            ),
            1 => (
                json!({"op": "add", "path": "emails", "value": [{"value": format!("x{n}@o"), "type": "other"}]}),
                json!({"op": "remove", "path": format!("emails[value eq \"x{n}@o\"]")}),
            ),
            2 => (
                json!({"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": format!("+{n}")}),
                json!({"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"}),
            ),
            _ => (
                json!({"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": format!("d{n}")}}),
                json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}),
            ),
        };
        let req = |op: Value| {
            PatchRequest::from_value(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]}))
                .unwrap()
                .operations
        };
        let s = ResourceSchema::user();
        let added = patch::apply(s, &u.0, &req(add)).unwrap();
        assert_ne!(added, u.0);
        let back = patch::apply(s, &added, &req(remove)).unwrap();
        back == u.0
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(ArbUser, u32, u8) -> bool);
}

/// The fast path for `attr eq "value"` filters gives exactly what the
/// grammar gives: the same tree when the grammar accepts, an error when it
/// refuses.
#[test]
fn the_simple_eq_fast_path_agrees_with_the_grammar() {
    fn prop(name: u8, op: u8, ws: (u8, u8, u8), value: String, raw: u8) -> bool {
        const NAMES: &[&str] = &[
            "userName",
            "displayName",
            "name.familyName",
            "externalId",
            "emails.value",
            "1bad",
            "a.b.c",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "user_Name-2",
            "userName.",
            ".x",
            "ün",
            "-a",
        ];
        const OPS: &[&str] = &["eq", "EQ", "Eq", "ne", "sw", "eqq", ""];
        const WS: &[&str] = &[" ", "  ", "\t", "", " \t "];
        const RAW: &[&str] = &[
            "",
            "\"a\" \"b\"",
            "\"unterminated",
            "\"x\\\"y\"",
            "\"\\u00e9\"",
            "\"a\\qb\"",
            "\"\"",
            "\"tab\there\"",
            "x\"",
            "\"a\" and b pr",
            "null",
            "true",
            "12",
        ];
        let value = if (raw as usize) < RAW.len() && !RAW[raw as usize].is_empty() {
            RAW[raw as usize].to_owned()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let s = format!(
            "{}{}{}{}{}{}",
            WS[ws.0 as usize % WS.len()],
            NAMES[name as usize % NAMES.len()],
            WS[ws.1 as usize % WS.len()],
            OPS[op as usize % OPS.len()],
            WS[ws.2 as usize % WS.len()],
            value
        );
        let fast = idpsim_scim::filter::parse(&s);
        let grammar = s.parse::<scim_v2::filter::Filter>();
        match (fast, grammar) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            (a, b) => {
                eprintln!("{s:?}: fast {a:?}, grammar {b:?}");
                false
            }
        }
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(u8, u8, (u8, u8, u8), String, u8) -> bool);
}
