//! Attribute paths (RFC 7644 §3.10) resolved against a resource schema.

use scim_v2::filter::{AttrPath, PatchPath};

use crate::error::{ScimError, ScimType, excerpt};
use crate::schema::{Attribute, Container, ResourceSchema, Schema};

/// An attribute path after resolution: where it lives, which attribute, and
/// which sub-attribute if any. Names are the schema's canonical spelling.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    pub container: Container,
    pub attr: &'static Attribute,
    pub sub: Option<&'static Attribute>,
}

/// What a path names: one attribute (maybe a sub-attribute), or a whole
/// schema extension (`urn:…:enterprise:2.0:User`).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Attribute(Resolved),
    Extension(&'static Schema),
}

/// Resolves a parsed attribute path. A full extension URN parses as
/// `uri = "urn:…:2.0"`, `name = "User"`, so the joined form is tried as an
/// extension first.
pub fn resolve(schema: &ResourceSchema, path: &AttrPath) -> Result<Target, ScimError> {
    if let Some(uri) = &path.uri
        && path.sub_attr.is_none()
        && let Some(ext) = schema.extension(&format!("{uri}:{}", path.name))
    {
        return Ok(Target::Extension(ext));
    }
    let (container, attr) = schema
        .resolve(path.uri.as_deref(), &path.name)
        .ok_or_else(|| unknown(schema, path))?;
    let sub = match &path.sub_attr {
        None => None,
        Some(s) => Some(attr.sub_attribute(s).ok_or_else(|| unknown(schema, path))?),
    };
    Ok(Target::Attribute(Resolved {
        container,
        attr,
        sub,
    }))
}

/// Resolves a path that must name an attribute, not a whole extension.
pub fn resolve_attribute(schema: &ResourceSchema, path: &AttrPath) -> Result<Resolved, ScimError> {
    match resolve(schema, path)? {
        Target::Attribute(r) => Ok(r),
        Target::Extension(ext) => Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "`{}` names the whole extension {}; name one of its attributes",
                excerpt(&path.to_string()),
                ext.id
            ),
        )),
    }
}

fn unknown(schema: &ResourceSchema, path: &AttrPath) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidPath,
        format!(
            "`{}` is not an attribute of the {} resource type",
            excerpt(&path.to_string()),
            schema.name
        ),
    )
}

/// Parses a comma-separated `attributes` / `excludedAttributes` list
/// (RFC 7644 §3.4.2.5).
pub fn parse_attribute_list(schema: &ResourceSchema, list: &str) -> Result<Vec<Target>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let path = parse_attr_path(item)?;
            resolve(schema, &path)
        })
        .collect()
}

/// Parses one attribute path (no filter) with the `scim_v2` grammar.
pub fn parse_attr_path(s: &str) -> Result<AttrPath, ScimError> {
    match s.parse::<PatchPath>() {
        Ok(PatchPath::Attr(p)) => Ok(p),
        Ok(PatchPath::Value(_)) => Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "`{}` is a value filter where an attribute path was expected",
                excerpt(s)
            ),
        )),
        Err(e) => Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "`{}` is not an attribute path: {}",
                excerpt(s),
                crate::filter::describe_parse_error(s, &e)
            ),
        )),
    }
}
