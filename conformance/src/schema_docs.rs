//! What a server's `/ResourceTypes` and `/Schemas` say (RFC 7643 §6, §7),
//! read from the raw JSON discovery kept, for the checks whose subject is
//! something the server declares of itself: a required schema extension,
//! an immutable attribute, canonical values. Also a builder of the
//! smallest resource those declarations accept, for resource types the
//! checks know nothing else about.
//!
//! Everything here reads plain JSON and RFC 7643 names; nothing comes from
//! the reference SP's own schema tables.

use serde_json::{Map, Value, json};

use crate::discovery::Capabilities;

/// One entry of `/ResourceTypes`.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub name: String,
    /// As declared: `/Users` or `Users` (RFC 7643 §6 allows either form
    /// of "relative to the base URL").
    pub endpoint: String,
    /// The core schema's URN.
    pub schema: String,
    /// `schemaExtensions`: each URN and whether it is `required`.
    pub extensions: Vec<(String, bool)>,
}

impl ResourceType {
    /// The endpoint as a path below the base URL (`/Users`).
    pub fn path(&self) -> String {
        format!("/{}", self.endpoint.trim_start_matches('/'))
    }
}

/// The resource types the server declares, in its order; empty when
/// `/ResourceTypes` could not be read.
pub fn resource_types(caps: &Capabilities) -> Vec<ResourceType> {
    resources(caps.resource_types_doc.as_ref())
        .filter_map(|t| {
            Some(ResourceType {
                name: t["name"].as_str()?.to_owned(),
                endpoint: t["endpoint"].as_str()?.to_owned(),
                schema: t["schema"].as_str()?.to_owned(),
                extensions: t["schemaExtensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| Some((e["schema"].as_str()?.to_owned(), e["required"] == true)))
                    .collect(),
            })
        })
        .collect()
}

/// The schema whose `id` is `urn` (compared ignoring case, as URNs'
/// namespace-specific parts of SCIM are in practice), from `/Schemas`.
pub fn schema<'c>(caps: &'c Capabilities, urn: &str) -> Option<&'c Value> {
    resources(caps.schemas_doc.as_ref()).find(|s| {
        s["id"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(urn))
    })
}

fn resources(doc: Option<&Value>) -> impl Iterator<Item = &Value> {
    doc.and_then(|d| d["Resources"].as_array())
        .into_iter()
        .flatten()
}

/// A schema's attribute definitions.
pub fn attributes(schema: &Value) -> &[Value] {
    schema["attributes"].as_array().map_or(&[], Vec::as_slice)
}

/// The attribute called `name` (ignoring case, RFC 7643 §2.1).
pub fn attribute<'s>(schema: &'s Value, name: &str) -> Option<&'s Value> {
    attributes(schema).iter().find(|a| {
        a["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// The sub-attribute called `name` of a complex attribute.
pub fn sub_attribute<'a>(attr: &'a Value, name: &str) -> Option<&'a Value> {
    attributes_of(attr).iter().find(|a| {
        a["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// A characteristic with its RFC 7643 §2.2 default when left out.
pub fn characteristic<'a>(attr: &'a Value, key: &str) -> &'a str {
    attr[key].as_str().unwrap_or(match key {
        "type" => "string",
        "mutability" => "readWrite",
        "returned" => "default",
        "uniqueness" => "none",
        _ => "",
    })
}

pub fn is_multi_valued(attr: &Value) -> bool {
    attr["multiValued"] == true
}

pub fn is_required(attr: &Value) -> bool {
    attr["required"] == true
}

/// The `canonicalValues` the server declares for an attribute.
pub fn canonical_values(attr: &Value) -> Vec<String> {
    attr["canonicalValues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Where an attribute sits in a resource: at the top level (core schema)
/// or inside the object keyed by an extension's URN (RFC 7643 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Core,
    Extension(String),
}

/// Writes `value` for `name` at `place` into a resource body.
pub fn set(body: &mut Value, place: &Place, name: &str, value: Value) {
    match place {
        Place::Core => body[name] = value,
        Place::Extension(urn) => {
            if !body[urn.as_str()].is_object() {
                body[urn.as_str()] = json!({});
            }
            body[urn.as_str()][name] = value;
        }
    }
}

/// Reads `name` at `place` from a resource body (`Null` when absent).
pub fn get<'b>(body: &'b Value, place: &Place, name: &str) -> &'b Value {
    match place {
        Place::Core => &body[name],
        Place::Extension(urn) => &body[urn.as_str()][name],
    }
}

/// Why a resource could not be built from what the server declares.
pub type Unbuildable = String;

/// The smallest resource of `rt` its declarations accept: `schemas`, every
/// required attribute of the core schema and of each extension in `with`
/// (those extensions listed in `schemas`), each with a value of its type;
/// strings are unique per call (`unique` makes them, with the run prefix)
/// and `userName`s are addresses on the reserved `example.com` domain.
pub fn minimal_resource(
    caps: &Capabilities,
    rt: &ResourceType,
    with: &[&str],
    unique: &mut dyn FnMut(&str) -> String,
) -> Result<Value, Unbuildable> {
    let core = schema(caps, &rt.schema).ok_or_else(|| {
        format!(
            "/Schemas does not serve {}, the schema of {}",
            rt.schema, rt.name
        )
    })?;
    let mut body = json!({"schemas": [rt.schema]});
    fill_required(&mut body, core, &Place::Core, unique)?;
    for urn in with {
        let ext = schema(caps, urn).ok_or_else(|| format!("/Schemas does not serve {urn}"))?;
        body["schemas"]
            .as_array_mut()
            .expect("an array")
            .push(json!(urn));
        body[*urn] = json!({});
        fill_required(&mut body, ext, &Place::Extension((*urn).to_owned()), unique)?;
    }
    Ok(body)
}

fn fill_required(
    body: &mut Value,
    schema: &Value,
    place: &Place,
    unique: &mut dyn FnMut(&str) -> String,
) -> Result<(), Unbuildable> {
    for attr in attributes(schema).iter().filter(|a| is_required(a)) {
        let name = attr["name"].as_str().unwrap_or_default();
        // The server assigns these; a client does not send them.
        if characteristic(attr, "mutability") == "readOnly" {
            continue;
        }
        let v = value_for(attr, unique)?;
        let v = if is_multi_valued(attr) { json!([v]) } else { v };
        set(body, place, name, v);
    }
    Ok(())
}

/// A value of an attribute's declared type: a canonical value when the
/// server lists some, else one made up (unique, for strings).
pub fn value_for(
    attr: &Value,
    unique: &mut dyn FnMut(&str) -> String,
) -> Result<Value, Unbuildable> {
    let name = attr["name"].as_str().unwrap_or_default();
    if let Some(first) = canonical_values(attr).into_iter().next() {
        return Ok(json!(first));
    }
    Ok(match characteristic(attr, "type") {
        "string" if name.eq_ignore_ascii_case("userName") => {
            json!(format!("{}@example.com", unique(name)))
        }
        "string" => json!(unique(name)),
        "boolean" => json!(true),
        "integer" => json!(1),
        "decimal" => json!(1.5),
        "dateTime" => json!("2024-01-01T00:00:00Z"),
        "binary" => json!("aWRwc2lt"),
        "reference" => json!(format!("https://example.com/{}", unique(name))),
        "complex" => {
            let mut obj = Map::new();
            for sub in attributes_of(attr).iter().filter(|s| is_required(s)) {
                let n = sub["name"].as_str().unwrap_or_default().to_owned();
                obj.insert(n, value_for(sub, unique)?);
            }
            if obj.is_empty() {
                return Err(format!(
                    "the required complex attribute {name} declares no required sub-attribute to fill"
                ));
            }
            Value::Object(obj)
        }
        other => {
            return Err(format!(
                "{name} has a type this checker cannot fill: {other:?}"
            ));
        }
    })
}

fn attributes_of(attr: &Value) -> &[Value] {
    attr["subAttributes"].as_array().map_or(&[], Vec::as_slice)
}
