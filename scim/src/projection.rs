//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the
//! `returned` characteristic (RFC 7643 §7).

use serde_json::Value;

use crate::error::{ScimError, ScimType};
use crate::path::{self, Target};
use crate::resource::Object;
use crate::schema::{Attribute, Container, ResourceSchema, Returned};

/// Which attributes a response carries.
#[derive(Debug, Clone, Default)]
pub enum Projection {
    /// Everything returned by default.
    #[default]
    Default,
    /// Only these (plus `returned: always`).
    Only(Vec<Target>),
    /// Everything by default except these (never the `always` ones).
    Except(Vec<Target>),
}

impl Projection {
    /// Builds a projection from the two query parameters. RFC 7644 §3.9
    /// makes them alternatives; both at once is a 400 rather than a guess.
    pub fn parse(
        schema: &ResourceSchema,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, ScimError> {
        match (
            attributes.filter(|s| !s.trim().is_empty()),
            excluded.filter(|s| !s.trim().is_empty()),
        ) {
            (Some(_), Some(_)) => Err(ScimError::bad_request(
                ScimType::InvalidSyntax,
                "`attributes` and `excludedAttributes` are mutually exclusive (RFC 7644 §3.9)",
            )),
            (Some(a), None) => Ok(Projection::Only(path::parse_attribute_list(schema, a)?)),
            (None, Some(e)) => Ok(Projection::Except(path::parse_attribute_list(schema, e)?)),
            (None, None) => Ok(Projection::Default),
        }
    }

    /// Whether `name` (a top-level attribute) was excluded outright; lets a
    /// server skip building an expensive attribute (a group's members).
    pub fn excludes_root(&self, schema: &ResourceSchema, name: &str) -> bool {
        let Some(attr) = schema.root_attribute(name) else {
            return false;
        };
        match self {
            Projection::Default => false,
            Projection::Except(ts) => ts.iter().any(|t| names_whole(t, Container::Root, attr)),
            Projection::Only(ts) => {
                attr.returned != Returned::Always
                    && !ts.iter().any(|t| touches(t, Container::Root, attr))
            }
        }
    }

    /// Applies the projection and the `returned` rules to a full resource.
    pub fn apply(&self, schema: &ResourceSchema, resource: &mut Object) {
        resource.retain(|key, value| {
            if key == "schemas" {
                return true;
            }
            if let Some(ext) = schema.extension(key) {
                let Value::Object(inner) = value else {
                    return false;
                };
                let container = Container::Extension(ext);
                if let Projection::Only(ts) = self
                    && ts
                        .iter()
                        .any(|t| matches!(t, Target::Extension(e) if std::ptr::eq(*e, ext)))
                {
                    return true;
                }
                if let Projection::Except(ts) = self
                    && ts
                        .iter()
                        .any(|t| matches!(t, Target::Extension(e) if std::ptr::eq(*e, ext)))
                {
                    return false;
                }
                inner.retain(|k, v| match ext.attribute(k) {
                    Some(a) => self.keep(container, a, v),
                    None => false,
                });
                return !inner.is_empty();
            }
            match schema.root_attribute(key) {
                Some(a) => self.keep(Container::Root, a, value),
                None => false,
            }
        });
    }

    fn keep(&self, container: Container, attr: &'static Attribute, value: &mut Value) -> bool {
        match attr.returned {
            Returned::Never => return false,
            Returned::Always => return true,
            _ => {}
        }
        match self {
            Projection::Default => attr.returned == Returned::Default,
            Projection::Except(ts) => {
                if ts.iter().any(|t| names_whole(t, container, attr)) {
                    return false;
                }
                let subs: Vec<&Attribute> = ts
                    .iter()
                    .filter_map(|t| sub_named(t, container, attr))
                    .collect();
                if !subs.is_empty() {
                    retain_subs(attr, value, |s| !subs.iter().any(|x| std::ptr::eq(*x, s)));
                }
                attr.returned == Returned::Default
            }
            Projection::Only(ts) => {
                if ts.iter().any(|t| names_whole(t, container, attr)) {
                    return true;
                }
                let subs: Vec<&Attribute> = ts
                    .iter()
                    .filter_map(|t| sub_named(t, container, attr))
                    .collect();
                if subs.is_empty() {
                    return false;
                }
                retain_subs(attr, value, |s| subs.iter().any(|x| std::ptr::eq(*x, s)));
                true
            }
        }
    }
}

fn names_whole(t: &Target, container: Container, attr: &Attribute) -> bool {
    matches!(t, Target::Attribute(r) if r.container == container && std::ptr::eq(r.attr, attr) && r.sub.is_none())
}

fn touches(t: &Target, container: Container, attr: &Attribute) -> bool {
    matches!(t, Target::Attribute(r) if r.container == container && std::ptr::eq(r.attr, attr))
}

fn sub_named(t: &Target, container: Container, attr: &Attribute) -> Option<&'static Attribute> {
    match t {
        Target::Attribute(r) if r.container == container && std::ptr::eq(r.attr, attr) => r.sub,
        _ => None,
    }
}

/// Keeps only the sub-attributes of `parent` that `keep` accepts, in a
/// single complex value or in every element of a multi-valued one.
fn retain_subs(parent: &Attribute, value: &mut Value, keep: impl Fn(&Attribute) -> bool) {
    let keep_key = |k: &String| parent.sub_attribute(k).is_some_and(&keep);
    match value {
        Value::Object(o) => o.retain(|k, _| keep_key(k)),
        Value::Array(items) => {
            for it in items.iter_mut() {
                if let Value::Object(o) = it {
                    o.retain(|k, _| keep_key(k));
                }
            }
            items.retain(|v| !matches!(v, Value::Object(o) if o.is_empty()));
        }
        _ => {}
    }
}
