//! Filters (RFC 7644 §3.4.2.2): parsed with the `scim_v2` grammar, checked
//! against the schema, and evaluated over canonical resources.
//!
//! Semantics chosen where the RFC leaves room, each stated once here:
//! - An unassigned attribute equals `null` (RFC 7643 §2.5): `x eq null`
//!   matches when `x` is absent, `x ne null` when it is present.
//! - `ne` is the negation of `eq` over all of a multi-valued attribute's
//!   values: `emails.type ne "work"` means "no work email".
//! - Comparing a complex attribute without a sub-attribute compares its
//!   `value` sub-attribute (`emails co "@x"`), as RFC 7644 §3.4.2.2 does for
//!   multi-valued complex attributes.
//! - `pr` needs a value that is not null, not `""`, not `[]` and not `{}`.
//! - A value of another JSON type than the attribute's never matches
//!   (except under `ne`); ordering operators on booleans, binaries and
//!   complex attributes are refused with `invalidFilter`, as the RFC says.

use std::cmp::Ordering;

use scim_v2::datetime::ScimDateTime;
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ParseError, ValFilter};
use serde_json::Value;

use crate::error::{ScimError, ScimType, excerpt};
use crate::path::{self, Resolved, Target};
use crate::resource::Object;
use crate::schema::{Attribute, AttributeType, Container, ResourceSchema};

/// Parses a filter, turning a syntax error into `400 invalidFilter` whose
/// detail names the column.
pub fn parse(s: &str) -> Result<Filter, ScimError> {
    if let Some(f) = simple_eq(s) {
        return Ok(f);
    }
    s.parse::<Filter>().map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "invalid filter {:?}: {}",
                excerpt(s),
                describe_parse_error(s, &e)
            ),
        )
    })
}

/// The filter every IdP sends before a create, `userName eq "value"` (or
/// `displayName`, `externalId`, `name.familyName`), read without the
/// grammar: the generated parser builds its regex lexer's cache on every
/// call, which cost a quarter of the reference SP's time per lookup. Gives
/// exactly what the grammar gives (a property test holds it to that), and
/// `None` for anything else, which then takes the full parser.
fn simple_eq(s: &str) -> Option<Filter> {
    let s = s.trim();
    let (name, rest) = s.split_once([' ', '\t'])?;
    let rest = rest.trim_start();
    let (op, value) = rest.split_once([' ', '\t'])?;
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.trim_start();
    if !(value.len() >= 2 && value.starts_with('"') && value.ends_with('"')) {
        return None;
    }
    let attr_name = |n: &str| {
        let mut chars = n.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let (attr, sub) = match name.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (name, None),
    };
    if !attr_name(attr) || !sub.is_none_or(attr_name) {
        return None;
    }
    // The whole quoted token must be one JSON string: `"a" "b"` is not.
    let text: String = serde_json::from_str(value).ok()?;
    Some(Filter::Attr(AttrExp::Comparison(
        AttrPath {
            uri: None,
            name: attr.to_owned(),
            sub_attr: sub.map(str::to_owned),
        },
        CompareOp::Eq,
        CompValue::Str(text),
    )))
}

/// Describes a `scim_v2` parse error with a 1-based column into `input`.
pub fn describe_parse_error(input: &str, e: &ParseError) -> String {
    use lalrpop_util::ParseError as P;
    // The grammar parses the trimmed string; offsets are relative to it.
    let lead = input.len() - input.trim_start().len();
    let col = |byte: usize| input[..(byte + lead).min(input.len())].chars().count() + 1;
    let expected = |ex: &[String]| {
        if ex.is_empty() {
            String::new()
        } else {
            format!(", expected one of {}", ex.join(" "))
        }
    };
    match e {
        P::InvalidToken { location } => {
            format!("unexpected character at column {}", col(*location))
        }
        P::UnrecognizedEof {
            location,
            expected: ex,
        } => {
            format!(
                "unexpected end at column {}{}",
                col(*location),
                expected(ex)
            )
        }
        P::UnrecognizedToken {
            token: (l, t, _),
            expected: ex,
        } => {
            format!(
                "unexpected `{}` at column {}{}",
                excerpt(t.trim()),
                col(*l),
                expected(ex)
            )
        }
        P::ExtraToken { token: (l, t, _) } => {
            format!("unexpected `{}` at column {}", excerpt(t.trim()), col(*l))
        }
        P::User { error } => excerpt(&error.to_string()).into_owned(),
    }
}

/// Checks every attribute a filter names against the schema, and that each
/// operator suits the attribute's type. Run once before evaluating, so a
/// filter over unknown attributes is a 400 rather than "no match".
pub fn check(schema: &ResourceSchema, filter: &Filter) -> Result<(), ScimError> {
    match filter {
        Filter::Attr(e) => check_exp(schema, None, e),
        Filter::ValuePath(vp) => {
            let r = path::resolve_attribute(schema, &vp.attr)?;
            if r.attr.kind != AttributeType::Complex || r.sub.is_some() {
                return Err(ScimError::bad_request(
                    ScimType::InvalidFilter,
                    format!(
                        "`{}` is not a complex attribute and cannot take a [filter]",
                        excerpt(&vp.attr.to_string())
                    ),
                ));
            }
            check_val(schema, r.attr, &vp.filter)
        }
        Filter::Not(f) => check(schema, f),
        Filter::And(fs) | Filter::Or(fs) => fs.iter().try_for_each(|f| check(schema, f)),
    }
}

/// Checks a `[...]` filter whose paths are sub-attributes of `parent`.
pub fn check_val(
    schema: &ResourceSchema,
    parent: &'static Attribute,
    f: &ValFilter,
) -> Result<(), ScimError> {
    match f {
        ValFilter::Attr(e) => check_exp(schema, Some(parent), e),
        ValFilter::Not(f) => check_val(schema, parent, f),
        ValFilter::And(fs) | ValFilter::Or(fs) => {
            fs.iter().try_for_each(|f| check_val(schema, parent, f))
        }
    }
}

fn check_exp(
    schema: &ResourceSchema,
    parent: Option<&'static Attribute>,
    e: &AttrExp,
) -> Result<(), ScimError> {
    let (path, op) = match e {
        AttrExp::Present(p) => (p, None),
        AttrExp::Comparison(p, op, _) => (p, Some(op)),
    };
    let leaf = match parent {
        Some(parent) => sub_in_value_filter(parent, path)?,
        None => {
            let r = path::resolve_attribute(schema, path).map_err(as_filter_error)?;
            r.sub.unwrap_or(r.attr)
        }
    };
    let Some(op) = op else { return Ok(()) };
    let compared = compared_attribute(leaf);
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let refuse = match compared.kind {
        AttributeType::Boolean | AttributeType::Binary => ordering || substring,
        AttributeType::Complex => true,
        AttributeType::Integer | AttributeType::Decimal => substring,
        _ => false,
    };
    if refuse {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "`{op}` cannot compare the {:?} attribute `{path}`",
                compared.kind
            ),
        ));
    }
    Ok(())
}

/// Inside `emails[...]`, paths name sub-attributes of `emails`. A client may
/// also spell them in full (`emails.type`), which we accept.
fn sub_in_value_filter(
    parent: &'static Attribute,
    path: &AttrPath,
) -> Result<&'static Attribute, ScimError> {
    let name = match &path.sub_attr {
        Some(sub) if path.name.eq_ignore_ascii_case(parent.name) => sub.as_str(),
        None => path.name.as_str(),
        Some(_) => "",
    };
    parent.sub_attribute(name).ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "`{}` is not a sub-attribute of `{}`",
                excerpt(&path.to_string()),
                parent.name
            ),
        )
    })
}

fn as_filter_error(mut e: ScimError) -> ScimError {
    e.scim_type = Some(ScimType::InvalidFilter);
    e
}

/// A complex attribute compared without a sub-attribute is compared on
/// `value`.
fn compared_attribute(attr: &'static Attribute) -> &'static Attribute {
    if attr.kind == AttributeType::Complex {
        attr.sub_attribute("value").unwrap_or(attr)
    } else {
        attr
    }
}

/// The attribute expressions in a filter, value filters' included: what
/// evaluating it over one resource costs, in comparisons.
pub fn terms(filter: &Filter) -> usize {
    fn val(f: &ValFilter) -> usize {
        match f {
            ValFilter::Attr(_) => 1,
            ValFilter::Not(f) => val(f),
            ValFilter::And(fs) | ValFilter::Or(fs) => fs.iter().map(val).sum(),
        }
    }
    match filter {
        Filter::Attr(_) => 1,
        Filter::ValuePath(vp) => val(&vp.filter),
        Filter::Not(f) => terms(f),
        Filter::And(fs) | Filter::Or(fs) => fs.iter().map(terms).sum(),
    }
}

/// Evaluates a checked filter over one canonical resource.
pub fn matches(schema: &ResourceSchema, filter: &Filter, resource: &Object) -> bool {
    matches_in(schema, filter, resource, Literals::AsSent)
}

/// [`matches`] for a filter that went through [`fold_literals`]: the
/// literals compared ignoring case are not folded again for every
/// resource, which for a long literal over a directory scan was
/// O(resources × literal) in time and allocation.
pub fn matches_folded(schema: &ResourceSchema, filter: &Filter, resource: &Object) -> bool {
    matches_in(schema, filter, resource, Literals::Folded)
}

/// Whether a filter's string literals are as the client sent them or
/// folded already (for the attributes that [`folds`] says compare folded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literals {
    AsSent,
    Folded,
}

/// Whether strings of `attr` compare case-folded (and so a literal
/// compared with them can be folded once). Date-times are compared as
/// instants first, on the text as sent.
fn folds(attr: &Attribute) -> bool {
    !attr.case_exact && attr.kind != AttributeType::DateTime
}

/// Folds, once, every string literal that is compared with a
/// case-insensitive attribute; evaluate the result with [`matches_folded`].
/// Literals of attributes the schema does not know are left alone.
pub fn fold_literals(schema: &ResourceSchema, filter: &mut Filter) {
    fn fold_exp(e: &mut AttrExp, leaf: Option<&'static Attribute>) {
        if let (AttrExp::Comparison(_, _, CompValue::Str(s)), Some(leaf)) = (e, leaf)
            && folds(compared_attribute(leaf))
        {
            *s = fold(s).into_owned();
        }
    }
    fn fold_val(parent: &'static Attribute, f: &mut ValFilter) {
        match f {
            ValFilter::Attr(e) => {
                let leaf = sub_in_value_filter(parent, exp_path(e)).ok();
                fold_exp(e, leaf);
            }
            ValFilter::Not(f) => fold_val(parent, f),
            ValFilter::And(fs) | ValFilter::Or(fs) => {
                fs.iter_mut().for_each(|f| fold_val(parent, f))
            }
        }
    }
    match filter {
        Filter::Attr(e) => {
            let leaf = path::resolve_attribute(schema, exp_path(e))
                .ok()
                .map(|r| r.sub.unwrap_or(r.attr));
            fold_exp(e, leaf);
        }
        Filter::ValuePath(vp) => {
            if let Ok(r) = path::resolve_attribute(schema, &vp.attr) {
                fold_val(r.attr, &mut vp.filter);
            }
        }
        Filter::Not(f) => fold_literals(schema, f),
        Filter::And(fs) | Filter::Or(fs) => fs.iter_mut().for_each(|f| fold_literals(schema, f)),
    }
}

fn matches_in(schema: &ResourceSchema, filter: &Filter, resource: &Object, lit: Literals) -> bool {
    match filter {
        Filter::Attr(e) => {
            let Ok(r) = path::resolve_attribute(schema, exp_path(e)) else {
                return false;
            };
            judge(e, r.sub.unwrap_or(r.attr), leaves(resource, r), lit)
        }
        Filter::ValuePath(vp) => {
            let Ok(Target::Attribute(r)) = path::resolve(schema, &vp.attr) else {
                return false;
            };
            elements(resource, &r).any(|el| matches_val_in(r.attr, &vp.filter, el, lit))
        }
        Filter::Not(f) => !matches_in(schema, f, resource, lit),
        Filter::And(fs) => fs.iter().all(|f| matches_in(schema, f, resource, lit)),
        Filter::Or(fs) => fs.iter().any(|f| matches_in(schema, f, resource, lit)),
    }
}

/// Evaluates a `[...]` filter over one element of a complex attribute.
pub fn matches_val(parent: &'static Attribute, f: &ValFilter, element: &Value) -> bool {
    matches_val_in(parent, f, element, Literals::AsSent)
}

fn matches_val_in(
    parent: &'static Attribute,
    f: &ValFilter,
    element: &Value,
    lit: Literals,
) -> bool {
    match f {
        ValFilter::Attr(e) => {
            let Ok(sub) = sub_in_value_filter(parent, exp_path(e)) else {
                return false;
            };
            let v = element.as_object().and_then(|o| o.get(sub.name));
            judge(e, sub, v.into_iter(), lit)
        }
        ValFilter::Not(f) => !matches_val_in(parent, f, element, lit),
        ValFilter::And(fs) => fs.iter().all(|f| matches_val_in(parent, f, element, lit)),
        ValFilter::Or(fs) => fs.iter().any(|f| matches_val_in(parent, f, element, lit)),
    }
}

fn exp_path(e: &AttrExp) -> &AttrPath {
    match e {
        AttrExp::Present(p) | AttrExp::Comparison(p, _, _) => p,
    }
}

/// The container object an attribute lives in.
pub fn container(resource: &Object, c: Container) -> Option<&Object> {
    match c {
        Container::Root => Some(resource),
        Container::Extension(ext) => resource.get(ext.id).and_then(Value::as_object),
    }
}

/// The values of a multi-valued attribute, or the one value of a single one.
fn elements<'a>(resource: &'a Object, r: &Resolved) -> impl Iterator<Item = &'a Value> + use<'a> {
    let v = container(resource, r.container).and_then(|c| c.get(r.attr.name));
    let items: &'a [Value] = match v {
        Some(Value::Array(a)) => a,
        Some(v) => std::slice::from_ref(v),
        None => &[],
    };
    items.iter()
}

/// Every leaf value a path reaches, flattening multi-valued attributes.
fn leaves(resource: &Object, r: Resolved) -> impl Iterator<Item = &Value> {
    elements(resource, &r).filter_map(move |el| match r.sub {
        Some(sub) => el.as_object().and_then(|o| o.get(sub.name)),
        None => Some(el),
    })
}

/// A filter with every attribute path resolved once, for evaluating over
/// many resources: resolving a path (a case-insensitive search of the
/// schema) per term per resource was most of a long filter's cost.
/// Evaluates exactly as [`matches_folded`]; build it from a filter that went
/// through [`fold_literals`].
#[derive(Debug)]
pub struct Prepared<'f> {
    root: Node<'f>,
}

#[derive(Debug)]
enum Node<'f> {
    /// A comparison or presence test; `None` when the path names nothing
    /// of this schema (which never matches).
    Attr(&'f AttrExp, Option<Resolved>),
    ValuePath(Option<(Resolved, ValNode<'f>)>),
    Not(Box<Node<'f>>),
    And(Vec<Node<'f>>),
    Or(Vec<Node<'f>>),
}

#[derive(Debug)]
enum ValNode<'f> {
    Attr(&'f AttrExp, Option<&'static Attribute>),
    Not(Box<ValNode<'f>>),
    And(Vec<ValNode<'f>>),
    Or(Vec<ValNode<'f>>),
}

impl<'f> Prepared<'f> {
    /// Resolves every path of a filter whose literals are folded.
    pub fn folded(schema: &ResourceSchema, filter: &'f Filter) -> Self {
        fn val<'f>(parent: &'static Attribute, f: &'f ValFilter) -> ValNode<'f> {
            match f {
                ValFilter::Attr(e) => {
                    ValNode::Attr(e, sub_in_value_filter(parent, exp_path(e)).ok())
                }
                ValFilter::Not(f) => ValNode::Not(Box::new(val(parent, f))),
                ValFilter::And(fs) => ValNode::And(fs.iter().map(|f| val(parent, f)).collect()),
                ValFilter::Or(fs) => ValNode::Or(fs.iter().map(|f| val(parent, f)).collect()),
            }
        }
        fn node<'f>(schema: &ResourceSchema, f: &'f Filter) -> Node<'f> {
            match f {
                Filter::Attr(e) => Node::Attr(e, path::resolve_attribute(schema, exp_path(e)).ok()),
                Filter::ValuePath(vp) => Node::ValuePath(match path::resolve(schema, &vp.attr) {
                    Ok(Target::Attribute(r)) => Some((r, val(r.attr, &vp.filter))),
                    _ => None,
                }),
                Filter::Not(f) => Node::Not(Box::new(node(schema, f))),
                Filter::And(fs) => Node::And(fs.iter().map(|f| node(schema, f)).collect()),
                Filter::Or(fs) => Node::Or(fs.iter().map(|f| node(schema, f)).collect()),
            }
        }
        Prepared {
            root: node(schema, filter),
        }
    }

    /// The top-level keys of a resource that evaluating the filter reads
    /// (an attribute's name, or an extension's URN): a caller holding
    /// resources as text may parse only these.
    pub fn top_level_keys(&self) -> Vec<&'static str> {
        fn key(r: &Resolved) -> &'static str {
            match r.container {
                Container::Root => r.attr.name,
                Container::Extension(ext) => ext.id,
            }
        }
        fn walk(n: &Node<'_>, out: &mut Vec<&'static str>) {
            match n {
                Node::Attr(_, Some(r)) | Node::ValuePath(Some((r, _))) => out.push(key(r)),
                Node::Attr(_, None) | Node::ValuePath(None) => {}
                Node::Not(n) => walk(n, out),
                Node::And(ns) | Node::Or(ns) => ns.iter().for_each(|n| walk(n, out)),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the filter matches one canonical resource.
    pub fn matches(&self, resource: &Object) -> bool {
        fn val(n: &ValNode<'_>, element: &Value) -> bool {
            match n {
                ValNode::Attr(e, Some(sub)) => {
                    let v = element.as_object().and_then(|o| o.get(sub.name));
                    judge(e, sub, v.into_iter(), Literals::Folded)
                }
                ValNode::Attr(_, None) => false,
                ValNode::Not(n) => !val(n, element),
                ValNode::And(ns) => ns.iter().all(|n| val(n, element)),
                ValNode::Or(ns) => ns.iter().any(|n| val(n, element)),
            }
        }
        fn node(n: &Node<'_>, res: &Object) -> bool {
            match n {
                Node::Attr(e, Some(r)) => judge(
                    e,
                    r.sub.unwrap_or(r.attr),
                    leaves(res, *r),
                    Literals::Folded,
                ),
                Node::Attr(_, None) | Node::ValuePath(None) => false,
                Node::ValuePath(Some((r, f))) => elements(res, r).any(|el| val(f, el)),
                Node::Not(n) => !node(n, res),
                Node::And(ns) => ns.iter().all(|n| node(n, res)),
                Node::Or(ns) => ns.iter().any(|n| node(n, res)),
            }
        }
        node(&self.root, resource)
    }
}

fn judge<'v>(
    e: &AttrExp,
    attr: &'static Attribute,
    values: impl Iterator<Item = &'v Value>,
    lit: Literals,
) -> bool {
    match e {
        AttrExp::Present(_) => values.into_iter().any(is_present),
        AttrExp::Comparison(_, op, expected) => {
            let attr = compared_attribute(attr);
            // Borrowed, not cloned: a filter of many terms over a resource
            // of many values would copy them all once per term.
            let mut present = values
                .filter_map(|v| {
                    if v.is_object() {
                        v.get("value")
                    } else {
                        Some(v)
                    }
                })
                .filter(|v| !v.is_null());
            if matches!(expected, CompValue::Null) {
                return match op {
                    CompareOp::Eq => present.next().is_none(),
                    CompareOp::Ne => present.next().is_some(),
                    _ => false,
                };
            }
            match op {
                CompareOp::Ne => {
                    !present.any(|v| compare_in(attr, &CompareOp::Eq, v, expected, lit))
                }
                op => present.any(|v| compare_in(attr, op, v, expected, lit)),
            }
        }
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        _ => true,
    }
}

/// Compares one actual value with a filter literal under `op`.
pub fn compare(attr: &Attribute, op: &CompareOp, actual: &Value, expected: &CompValue) -> bool {
    compare_in(attr, op, actual, expected, Literals::AsSent)
}

fn compare_in(
    attr: &Attribute,
    op: &CompareOp,
    actual: &Value,
    expected: &CompValue,
    lit: Literals,
) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::Str(b)) => {
            if attr.kind == AttributeType::DateTime
                && let (Ok(a), Ok(b)) = (a.parse::<ScimDateTime>(), b.parse::<ScimDateTime>())
            {
                return a.xsd_partial_cmp(&b).is_some_and(|o| ordering_holds(op, o));
            }
            if lit == Literals::Folded && folds(attr) {
                return compare_folded(op, &fold(a), b);
            }
            compare_strings(attr.case_exact, op, a, b)
        }
        (Value::Bool(a), CompValue::True) => eq_only(op, *a),
        (Value::Bool(a), CompValue::False) => eq_only(op, !*a),
        (Value::Number(a), CompValue::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => ordering_holds(op, a.cmp(&b)),
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| ordering_holds(op, o)),
                _ => false,
            },
        },
        _ => false,
    }
}

fn eq_only(op: &CompareOp, equal: bool) -> bool {
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        _ => false,
    }
}

fn ordering_holds(op: &CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// String comparison honouring `caseExact`. Case folding is Unicode
/// lowercasing, so `ÉMILE` equals `émile` when the attribute is not case-exact.
pub fn compare_strings(case_exact: bool, op: &CompareOp, a: &str, b: &str) -> bool {
    let (a, b) = if case_exact {
        (std::borrow::Cow::Borrowed(a), std::borrow::Cow::Borrowed(b))
    } else {
        (fold(a), fold(b))
    };
    compare_folded(op, &a, &b)
}

/// Compares two strings already in the same case form.
fn compare_folded(op: &CompareOp, a: &str, b: &str) -> bool {
    match op {
        // Setting up the substring search reads the whole needle; a needle
        // longer than the value cannot occur in it.
        CompareOp::Co => b.len() <= a.len() && a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        op => ordering_holds(op, a.cmp(b)),
    }
}

/// Lowercases only when needed, to keep the common ASCII-lowercase case free.
pub fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(|c| c.is_uppercase()) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests;
