//! RFC 7643 schemas as data: attribute characteristics that the filter
//! evaluator, the PATCH engine, projection and the `/Schemas` endpoint all
//! read from one place.

mod attribute;
mod tables;

pub use attribute::{Attribute, AttributeType, Mutability, Returned, Uniqueness};
pub use tables::{COMMON, ENTERPRISE_USER, GROUP, SERVICE_ACCOUNT, USER};

use serde_json::{Value, json};

/// One schema: a URN and its attributes.
#[derive(Debug)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

impl Schema {
    /// The attribute called `name`, compared case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(self.attributes, name)
    }

    /// The RFC 7643 §7 representation served at `/Schemas/{id}`.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": [crate::urn::SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(Attribute::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base_url}/Schemas/{}", self.id),
            }
        })
    }
}

/// Finds an attribute by name, ignoring ASCII case.
pub(crate) fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A resource type's full shape: the common attributes (`id`, `externalId`,
/// `meta`), its core schema and its extensions.
#[derive(Debug)]
pub struct ResourceSchema {
    /// Resource type name, as in `meta.resourceType` (`User`, `Group`).
    pub name: &'static str,
    /// The endpoint, relative to the base URL (`/Users`).
    pub endpoint: &'static str,
    pub core: &'static Schema,
    /// Extensions and whether each is required.
    pub extensions: &'static [(&'static Schema, bool)],
}

/// Where an attribute lives in a resource's JSON.
#[derive(Debug, Clone, Copy)]
pub enum Container {
    /// At the top level: the common and core-schema attributes.
    Root,
    /// Inside the object keyed by this extension URN.
    Extension(&'static Schema),
}

// Schemas are `const` statics with one identity each; equality is identity.
impl PartialEq for Container {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Container::Root, Container::Root) => true,
            (Container::Extension(a), Container::Extension(b)) => a.id == b.id,
            _ => false,
        }
    }
}
impl Eq for Container {}

impl ResourceSchema {
    /// The User resource type with the Enterprise User extension.
    pub fn user() -> &'static ResourceSchema {
        &USER_TYPE
    }

    /// The Group resource type.
    pub fn group() -> &'static ResourceSchema {
        &GROUP_TYPE
    }

    /// The reference SP's ServiceAccount resource type: the User schema
    /// with the service-account extension required.
    pub fn service_account() -> &'static ResourceSchema {
        &SERVICE_ACCOUNT_TYPE
    }

    /// A top-level attribute of the core schema or the common attributes.
    pub fn root_attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(COMMON, name).or_else(|| self.core.attribute(name))
    }

    /// The extension whose URN is `urn`, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .map(|(s, _)| *s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves a URN prefix (or none) plus an attribute name to where the
    /// attribute lives. A URN equal to the core schema's id means the top level.
    pub fn resolve(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(Container, &'static Attribute)> {
        match urn {
            None => self.root_attribute(name).map(|a| (Container::Root, a)),
            Some(u) if u.eq_ignore_ascii_case(self.core.id) => {
                self.root_attribute(name).map(|a| (Container::Root, a))
            }
            Some(u) => {
                let ext = self.extension(u)?;
                ext.attribute(name).map(|a| (Container::Extension(ext), a))
            }
        }
    }

    /// Every schema URN this resource type may list in `schemas`.
    pub fn schema_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.core.id).chain(self.extensions.iter().map(|(s, _)| s.id))
    }

    /// The RFC 7643 §6 ResourceType document.
    pub fn resource_type_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": [crate::urn::RESOURCE_TYPE],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.core.description,
            "schema": self.core.id,
            "schemaExtensions": self.extensions.iter().map(|(s, required)| json!({
                "schema": s.id, "required": required
            })).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", self.name),
            }
        })
    }
}

// Statics, not consts: code compares attribute definitions by address, which
// only holds for one instance of each table.
static USER_TYPE: ResourceSchema = ResourceSchema {
    name: "User",
    endpoint: "/Users",
    core: &USER,
    extensions: &[(&ENTERPRISE_USER, false)],
};
static GROUP_TYPE: ResourceSchema = ResourceSchema {
    name: "Group",
    endpoint: "/Groups",
    core: &GROUP,
    extensions: &[],
};

static SERVICE_ACCOUNT_TYPE: ResourceSchema = ResourceSchema {
    name: "ServiceAccount",
    endpoint: "/ServiceAccounts",
    core: &USER,
    extensions: &[(&SERVICE_ACCOUNT, true)],
};

/// Every schema this crate knows, in the order `/Schemas` lists them.
pub static ALL: &[&Schema] = &[&USER, &GROUP, &ENTERPRISE_USER, &SERVICE_ACCOUNT];
