//! One attribute definition (RFC 7643 §2.2 characteristics, §7 representation).

use serde_json::{Value, json};

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttributeType {
    fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }

    /// Whether values of this type are strings on the wire and so take part
    /// in `caseExact` and the string operators `co`, `sw`, `ew`.
    pub fn is_stringish(self) -> bool {
        matches!(
            self,
            AttributeType::String
                | AttributeType::Reference
                | AttributeType::Binary
                | AttributeType::DateTime
        )
    }
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

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// An attribute definition. Tables build these with the `const fn`
/// constructors below so that each row states only what differs from the
/// RFC 7643 §2.2 defaults.
#[derive(Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: AttributeType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// A single-valued, optional, case-insensitive, read-write attribute
    /// returned by default: the RFC 7643 §2.2 defaults.
    pub const fn new(name: &'static str, kind: AttributeType, description: &'static str) -> Self {
        Attribute {
            name,
            kind,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }

    pub const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttributeType::String, description)
    }

    pub const fn complex(
        name: &'static str,
        description: &'static str,
        sub_attributes: &'static [Attribute],
    ) -> Self {
        let mut a = Self::new(name, AttributeType::Complex, description);
        a.sub_attributes = sub_attributes;
        a
    }

    pub const fn reference(
        name: &'static str,
        description: &'static str,
        types: &'static [&'static str],
    ) -> Self {
        let mut a = Self::new(name, AttributeType::Reference, description);
        a.reference_types = types;
        a
    }

    pub const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub const fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    pub const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// The sub-attribute called `name`, ignoring case.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether a client may set this attribute at all.
    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }

    /// The RFC 7643 §7 attribute representation.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.kind.as_str(),
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "mutability": match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::Immutable => "immutable",
                Mutability::WriteOnly => "writeOnly",
            },
            "returned": match self.returned {
                Returned::Always => "always",
                Returned::Never => "never",
                Returned::Default => "default",
                Returned::Request => "request",
            },
        });
        let obj = v.as_object_mut().expect("json! object");
        if self.kind != AttributeType::Complex && self.kind != AttributeType::Boolean {
            obj.insert("caseExact".into(), self.case_exact.into());
            obj.insert(
                "uniqueness".into(),
                match self.uniqueness {
                    Uniqueness::None => "none",
                    Uniqueness::Server => "server",
                    Uniqueness::Global => "global",
                }
                .into(),
            );
        }
        if !self.canonical_values.is_empty() {
            obj.insert("canonicalValues".into(), self.canonical_values.into());
        }
        if !self.reference_types.is_empty() {
            obj.insert("referenceTypes".into(), self.reference_types.into());
        }
        if !self.sub_attributes.is_empty() {
            obj.insert(
                "subAttributes".into(),
                self.sub_attributes
                    .iter()
                    .map(Attribute::to_json)
                    .collect::<Vec<_>>()
                    .into(),
            );
        }
        v
    }
}
