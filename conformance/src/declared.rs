//! What the server declares about its resources: the attributes of its
//! User and Group schemas (`/Schemas`, RFC 7643 §7) and the User resource
//! type's extensions (`schemaExtensions` in `/ResourceTypes`, §6), read once
//! at discovery. Checks gate on it: one that needs an attribute the server
//! does not declare is skipped with that reason while planning, or uses
//! another attribute the server does declare.
//!
//! Where discovery cannot read a document, the RFC's own schemas stand in
//! for it (what every check assumed before it read them), and the run says
//! so once ([`Declared::assumed`]).

use serde_json::Value;

use crate::check::Uses;
use crate::ctx::{ENTERPRISE, GROUP, USER};

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// One attribute as the server declares it. A characteristic the server
/// leaves out takes its RFC 7643 §2.2 default; one it spells in a way the
/// RFC does not know is `None`, and such an attribute is never picked to
/// stand in for another.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub kind: Option<Kind>,
    pub multi_valued: bool,
    pub mutability: Option<Mutability>,
    pub returned: Option<Returned>,
    pub case_exact: bool,
    /// `uniqueness` other than `none`.
    pub unique: bool,
    /// The server lists `canonicalValues`, so it may refuse other values.
    pub canonical_values: bool,
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// Reads one RFC 7643 §7 attribute definition; `None` without a name.
    pub fn from_json(v: &Value) -> Option<Attribute> {
        let name = v["name"].as_str()?.to_owned();
        let word = |key: &str, default: &str| -> String {
            v[key].as_str().unwrap_or(default).to_ascii_lowercase()
        };
        let kind = match word("type", "string").as_str() {
            "string" => Some(Kind::String),
            "boolean" => Some(Kind::Boolean),
            "decimal" => Some(Kind::Decimal),
            "integer" => Some(Kind::Integer),
            "datetime" => Some(Kind::DateTime),
            "binary" => Some(Kind::Binary),
            "reference" => Some(Kind::Reference),
            "complex" => Some(Kind::Complex),
            _ => None,
        };
        let mutability = match word("mutability", "readWrite").as_str() {
            "readonly" => Some(Mutability::ReadOnly),
            "readwrite" => Some(Mutability::ReadWrite),
            "immutable" => Some(Mutability::Immutable),
            "writeonly" => Some(Mutability::WriteOnly),
            _ => None,
        };
        let returned = match word("returned", "default").as_str() {
            "always" => Some(Returned::Always),
            "never" => Some(Returned::Never),
            "default" => Some(Returned::Default),
            "request" => Some(Returned::Request),
            _ => None,
        };
        Some(Attribute {
            name,
            kind,
            multi_valued: v["multiValued"].as_bool().unwrap_or(false),
            mutability,
            returned,
            case_exact: v["caseExact"].as_bool().unwrap_or(false),
            unique: !matches!(word("uniqueness", "none").as_str(), "none"),
            canonical_values: v["canonicalValues"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            sub_attributes: attributes_of(&v["subAttributes"]),
        })
    }

    /// A plain string: one the checks can set to any text, read back
    /// without asking for it, change by PUT and PATCH, and match
    /// case-insensitively in filters.
    pub fn is_plain_string(&self) -> bool {
        self.kind == Some(Kind::String)
            && !self.multi_valued
            && self.mutability == Some(Mutability::ReadWrite)
            && matches!(self.returned, Some(Returned::Default | Returned::Always))
            && !self.case_exact
            && !self.unique
            && !self.canonical_values
    }

    /// The sub-attribute called `name` (case-insensitive, RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        find(&self.sub_attributes, name)
    }
}

fn attributes_of(v: &Value) -> Vec<Attribute> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Attribute::from_json)
        .collect()
}

fn find<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A schema extension the User resource type lists in `schemaExtensions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub schema: String,
    pub required: bool,
    /// Its attributes, from `/Schemas` (empty when not served there).
    pub attributes: Vec<Attribute>,
}

/// The plain string attributes of the RFC 7643 §4.1 User schema a check
/// may set, in the order checks take them unless they say otherwise:
/// `title` and `nickName` first, the attributes the checks were written
/// with, then two that carry no format either.
pub const PLAIN_STRINGS: &[&str] = &["title", "nickName", "userType", "displayName"];

/// What the server declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The User schema's attributes (not the common `id`, `externalId`, `meta`).
    pub user: Vec<Attribute>,
    pub group: Vec<Attribute>,
    /// The User resource type's schema extensions.
    pub user_extensions: Vec<Extension>,
    /// What discovery could not read and what was assumed instead, one
    /// line each; a run reports them once.
    pub assumed: Vec<String>,
}

/// Before discovery, and for a context built by hand: the RFC's schemas.
impl Default for Declared {
    fn default() -> Self {
        Declared::rfc()
    }
}

impl Declared {
    /// RFC 7643's core User (§4.1) and Group (§4.2) schemas and the
    /// enterprise extension (§4.3) on the User resource type.
    pub fn rfc() -> Declared {
        Declared {
            user: rfc_user(),
            group: rfc_group(),
            user_extensions: vec![Extension {
                schema: ENTERPRISE.to_owned(),
                required: false,
                attributes: rfc_enterprise(),
            }],
            assumed: Vec::new(),
        }
    }

    /// Builds the view from what discovery read: the `/ResourceTypes`
    /// list and the schema documents (from the `/Schemas` list or one by
    /// one), or why each could not be read. What is missing is assumed
    /// from the RFC and noted.
    pub fn read(resource_types: Result<Vec<Value>, String>, schemas: &[Value]) -> Declared {
        let mut assumed = Vec::new();
        let schema = |urn: &str| {
            schemas.iter().find(|s| {
                s["id"]
                    .as_str()
                    .is_some_and(|id| id.eq_ignore_ascii_case(urn))
            })
        };
        let mut core = |urn: &str, label: &str, rfc: fn() -> Vec<Attribute>| match schema(urn) {
            Some(s) => attributes_of(&s["attributes"]),
            None => {
                assumed.push(format!(
                    "the server's {label} schema ({urn}) could not be read from /Schemas: checks assume RFC 7643's"
                ));
                rfc()
            }
        };
        let user = core(USER, "User", rfc_user);
        let group = core(GROUP, "Group", rfc_group);
        let user_type = match &resource_types {
            Ok(types) => types
                .iter()
                .find(|t| {
                    t["schema"]
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(USER))
                        || t["name"].as_str() == Some("User")
                })
                .ok_or_else(|| "/ResourceTypes lists no User resource type".to_owned()),
            Err(e) => Err(e.clone()),
        };
        let user_extensions = match user_type {
            Ok(t) => t["schemaExtensions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    let urn = e["schema"].as_str()?;
                    let attributes = match schema(urn) {
                        Some(s) => attributes_of(&s["attributes"]),
                        None if urn.eq_ignore_ascii_case(ENTERPRISE) => {
                            assumed.push(format!(
                                "the enterprise extension's schema ({ENTERPRISE}) could not be read from /Schemas: checks assume RFC 7643's"
                            ));
                            rfc_enterprise()
                        }
                        None => Vec::new(),
                    };
                    Some(Extension {
                        schema: urn.to_owned(),
                        required: e["required"].as_bool().unwrap_or(false),
                        attributes,
                    })
                })
                .collect(),
            Err(why) => {
                assumed.push(format!(
                    "the User resource type could not be read ({why}): checks assume it declares the enterprise extension"
                ));
                let attributes = schema(ENTERPRISE)
                    .map(|s| attributes_of(&s["attributes"]))
                    .unwrap_or_else(rfc_enterprise);
                vec![Extension {
                    schema: ENTERPRISE.to_owned(),
                    required: false,
                    attributes,
                }]
            }
        };
        Declared {
            user,
            group,
            user_extensions,
            assumed,
        }
    }

    /// The extension of the User resource type whose URN is `urn`.
    pub fn extension(&self, urn: &str) -> Option<&Extension> {
        self.user_extensions
            .iter()
            .find(|e| e.schema.eq_ignore_ascii_case(urn))
    }

    /// A User attribute by path: `title`, `name.givenName`, or an
    /// extension's `urn:…:User:department` (RFC 7644 §3.10).
    pub fn user_attribute(&self, path: &str) -> Option<&Attribute> {
        let is_urn = path
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        let (attrs, rest) = if is_urn {
            // The attribute follows the URN's last colon; the URN itself
            // holds dots (`2.0`), so split there before looking at dots.
            let (urn, rest) = path.rsplit_once(':')?;
            (&self.extension(urn)?.attributes, rest)
        } else {
            (&self.user, path)
        };
        let mut parts = rest.split('.');
        let top = find(attrs, parts.next()?)?;
        match parts.next() {
            None => Some(top),
            Some(sub) => top.sub_attribute(sub),
        }
    }

    /// The plain string User attributes the server declares, in
    /// [`PLAIN_STRINGS`] order.
    pub fn plain_strings(&self) -> Vec<&'static str> {
        PLAIN_STRINGS
            .iter()
            .copied()
            .filter(|n| find(&self.user, n).is_some_and(Attribute::is_plain_string))
            .collect()
    }

    /// A plain string attribute of a declared User extension, as
    /// (URN, attribute): the enterprise `department`, else its
    /// `employeeNumber`, else the first plain one of any extension.
    pub fn extension_string(&self) -> Option<(String, String)> {
        let plain = |urn: &str, name: &str| {
            self.extension(urn)
                .and_then(|e| find(&e.attributes, name))
                .filter(|a| a.is_plain_string())
                .map(|a| (urn.to_owned(), a.name.clone()))
        };
        plain(ENTERPRISE, "department")
            .or_else(|| plain(ENTERPRISE, "employeeNumber"))
            .or_else(|| {
                self.user_extensions.iter().find_map(|e| {
                    e.attributes
                        .iter()
                        .find(|a| a.is_plain_string())
                        .map(|a| (e.schema.clone(), a.name.clone()))
                })
            })
    }

    /// Why a check that relies on `u` cannot run against this server, if
    /// it cannot.
    pub fn lacks(&self, u: Uses) -> Option<String> {
        match u {
            Uses::Attribute(path) => self.user_attribute(path).is_none().then(|| {
                format!("the server's User schema does not declare `{path}`")
            }),
            Uses::Strings(n) => {
                let have = self.plain_strings();
                (have.len() < n).then(|| {
                    format!(
                        "the server's User schema declares {} of the {n} plain string attributes this check sets (writable, returned by default, single-valued, not case-exact; looked for {})",
                        if have.is_empty() {
                            "none".to_owned()
                        } else {
                            have.join(", ")
                        },
                        PLAIN_STRINGS
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            }
            Uses::ExtensionString => self.extension_string().is_none().then(|| {
                match self.extension(ENTERPRISE) {
                    None => format!(
                        "the server's User resource type does not declare the enterprise extension ({ENTERPRISE}) in schemaExtensions, nor another with a plain string attribute"
                    ),
                    Some(_) => format!(
                        "the enterprise extension ({ENTERPRISE}) the server declares has neither `department` nor `employeeNumber` as a plain string, nor does another extension have one"
                    ),
                }
            }),
        }
    }
}

// RFC 7643's schemas, stand-ins for documents discovery could not read.
// Only what decides whether a check can use an attribute is spelt out.

fn string(name: &str) -> Attribute {
    Attribute {
        name: name.to_owned(),
        kind: Some(Kind::String),
        multi_valued: false,
        mutability: Some(Mutability::ReadWrite),
        returned: Some(Returned::Default),
        case_exact: false,
        unique: false,
        canonical_values: false,
        sub_attributes: Vec::new(),
    }
}

fn typed(name: &str, kind: Kind) -> Attribute {
    Attribute {
        kind: Some(kind),
        ..string(name)
    }
}

fn complex(name: &str, multi_valued: bool, subs: &[&str]) -> Attribute {
    Attribute {
        kind: Some(Kind::Complex),
        multi_valued,
        sub_attributes: subs.iter().map(|s| string(s)).collect(),
        ..string(name)
    }
}

/// The usual sub-attributes of RFC 7643 §2.4 multi-valued attributes.
const MULTI: &[&str] = &["value", "display", "type", "primary"];

fn rfc_user() -> Vec<Attribute> {
    let mut v = vec![
        Attribute {
            unique: true,
            ..string("userName")
        },
        complex(
            "name",
            false,
            &[
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
            ],
        ),
        string("displayName"),
        string("nickName"),
        typed("profileUrl", Kind::Reference),
        string("title"),
        string("userType"),
        string("preferredLanguage"),
        string("locale"),
        string("timezone"),
        typed("active", Kind::Boolean),
        Attribute {
            mutability: Some(Mutability::WriteOnly),
            returned: Some(Returned::Never),
            ..string("password")
        },
        Attribute {
            mutability: Some(Mutability::ReadOnly),
            ..complex("groups", true, &["value", "$ref", "display", "type"])
        },
        complex(
            "addresses",
            true,
            &[
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
                "primary",
            ],
        ),
    ];
    for multi in [
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        v.push(complex(multi, true, MULTI));
    }
    v
}

fn rfc_group() -> Vec<Attribute> {
    vec![
        string("displayName"),
        complex("members", true, &["value", "$ref", "type", "display"]),
    ]
}

fn rfc_enterprise() -> Vec<Attribute> {
    vec![
        string("employeeNumber"),
        string("costCenter"),
        string("organization"),
        string("division"),
        string("department"),
        complex("manager", false, &["value", "$ref", "displayName"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user_schema(attrs: Value) -> Value {
        json!({"id": USER, "attributes": attrs})
    }

    fn user_type(extensions: Value) -> Result<Vec<Value>, String> {
        Ok(vec![json!({
            "name": "User", "endpoint": "/Users", "schema": USER, "schemaExtensions": extensions
        })])
    }

    /// What the server declares is what counts, sub-attributes and
    /// extensions included; undeclared attributes are not assumed.
    #[test]
    fn reads_attributes_sub_attributes_and_extensions() {
        let d = Declared::read(
            user_type(json!([{"schema": "urn:example:ext", "required": true}])),
            &[
                user_schema(json!([
                    {"name": "userName", "type": "string", "uniqueness": "server", "required": true},
                    {"name": "name", "type": "complex", "subAttributes": [{"name": "givenName", "type": "string"}]},
                    {"name": "displayName", "type": "string"},
                    {"name": "password", "type": "string", "mutability": "writeOnly", "returned": "never"}
                ])),
                json!({"id": GROUP, "attributes": [{"name": "displayName"}]}),
                json!({"id": "urn:example:ext", "attributes": [{"name": "costCentre", "type": "string"}]}),
            ],
        );
        assert!(d.assumed.is_empty(), "{:?}", d.assumed);
        assert!(d.user_attribute("NAME.givenname").is_some());
        assert!(d.user_attribute("name.familyName").is_none());
        assert!(d.user_attribute("title").is_none());
        assert!(d.user_attribute("password").is_some());
        assert!(d.extension(ENTERPRISE).is_none());
        assert_eq!(
            d.extension("urn:example:ext").map(|e| e.required),
            Some(true)
        );
        assert!(d.user_attribute("urn:example:ext:costCentre").is_some());
        assert_eq!(d.plain_strings(), vec!["displayName"]);
        assert_eq!(
            d.extension_string(),
            Some(("urn:example:ext".into(), "costCentre".into()))
        );
    }

    /// Only attributes a check can really set and read back stand in for
    /// `title`: not read-only, write-only, returned on request only,
    /// case-exact, unique, multi-valued or limited to canonical values.
    #[test]
    fn plain_strings_are_writable_returned_and_free() {
        let d = Declared::read(
            user_type(json!([])),
            &[user_schema(json!([
                {"name": "title", "mutability": "readOnly"},
                {"name": "nickName", "returned": "request"},
                {"name": "userType", "canonicalValues": ["Employee"]},
                {"name": "displayName", "caseExact": true}
            ]))],
        );
        assert!(d.plain_strings().is_empty());
        let why = d.lacks(Uses::Strings(1)).unwrap();
        assert!(why.contains("declares none of the 1 plain string"), "{why}");
        let d = Declared::read(
            user_type(json!([])),
            &[user_schema(
                json!([{"name": "NICKNAME"}, {"name": "title"}]),
            )],
        );
        assert_eq!(d.plain_strings(), vec!["title", "nickName"]);
        assert_eq!(d.lacks(Uses::Strings(2)), None);
    }

    #[test]
    fn the_reasons_name_what_is_not_declared() {
        let d = Declared::read(
            user_type(json!([])),
            &[user_schema(json!([{"name": "userName"}]))],
        );
        assert_eq!(
            d.lacks(Uses::Attribute("password")).as_deref(),
            Some("the server's User schema does not declare `password`")
        );
        assert!(
            d.lacks(Uses::ExtensionString)
                .unwrap()
                .contains("does not declare the enterprise extension")
        );
    }

    /// What discovery could not read is assumed from the RFC, as every
    /// check did before, and said.
    #[test]
    fn what_cannot_be_read_is_assumed_and_said() {
        let d = Declared::read(Err("GET /ResourceTypes answered HTTP 404".into()), &[]);
        assert_eq!((d.user.clone(), d.group.clone()), (rfc_user(), rfc_group()));
        assert!(d.extension(ENTERPRISE).is_some());
        assert_eq!(d.assumed.len(), 3, "{:?}", d.assumed);
        assert!(d.assumed[2].contains("HTTP 404"), "{:?}", d.assumed);
        assert_eq!(d.lacks(Uses::Attribute("password")), None);
        assert_eq!(d.lacks(Uses::Strings(2)), None);
        assert_eq!(d.lacks(Uses::ExtensionString), None);
    }
}
