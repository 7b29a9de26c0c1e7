//! Capability discovery from `/ServiceProviderConfig`, with the user's
//! `--force` and `--skip` on top, and what the server's schemas declare.

use std::collections::HashSet;

use serde_json::Value;

use crate::check::{Capability, Check};
use crate::declared::Declared;

/// What the target says it supports, and what the user overrode.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    pub advertised: HashSet<Capability>,
    pub forced: HashSet<Capability>,
    pub skipped: HashSet<Capability>,
    /// The raw document, when it could be read.
    pub document: Option<Value>,
    /// Why discovery failed, if it did.
    pub problem: Option<String>,
    /// What `/Schemas` and `/ResourceTypes` declare (the RFC's schemas
    /// until discovery has read them).
    pub declared: Declared,
    /// `GET /Schemas` and `GET /ResourceTypes` as answered (ListResponse
    /// JSON), for the checks whose subject is what the server declares: a
    /// required extension, an immutable attribute, canonical values.
    /// `None` when unreadable; those checks then assume RFC 7643's schemas.
    pub schemas_doc: Option<Value>,
    pub resource_types_doc: Option<Value>,
}

impl Capabilities {
    /// Reads the document's `{feature: {supported: bool}}` entries.
    pub fn from_document(doc: Value) -> Self {
        let mut advertised = HashSet::new();
        for c in Capability::ALL {
            if doc
                .get(c.name())
                .and_then(|f| f.get("supported"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                advertised.insert(*c);
            }
        }
        Capabilities {
            advertised,
            document: Some(doc),
            ..Default::default()
        }
    }

    /// Whether `check`, which needs `c`, runs. One that replays what an
    /// IdP sends whatever the server advertises runs unless the user
    /// skipped the feature: not advertising PATCH does not stop Okta
    /// sending it.
    pub fn gate_check(&self, check: &Check, c: Capability) -> Result<(), String> {
        if check.sent_regardless() && !self.skipped.contains(&c) {
            return Ok(());
        }
        self.gate(c)
    }

    /// Whether checks gated on `c` run, and if not, why.
    pub fn gate(&self, c: Capability) -> Result<(), String> {
        if self.skipped.contains(&c) {
            return Err(format!("{} skipped by --skip", c.name()));
        }
        if self.forced.contains(&c) || self.advertised.contains(&c) {
            return Ok(());
        }
        Err(match &self.problem {
            Some(p) => format!("{} is not known to be supported: {p}", c.name()),
            None => format!(
                "the ServiceProviderConfig does not advertise {}.supported",
                c.name()
            ),
        })
    }
}
