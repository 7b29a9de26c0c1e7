//! What a check is: identity, reference, level, gate, tier, and a body that
//! judges the target by raw JSON against expected values it states itself.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::ctx::Ctx;
use crate::discovery::Capabilities;

/// RFC 2119 level, or an IdP's need: the strictness of a check. It alone
/// decides whether a failure fails or warns (in the runner), so a check
/// body only ever says whether the target did what it asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Must,
    Should,
    /// Behaviour the reference allows either way (a server MAY refuse);
    /// reported, never failed.
    May,
    /// What Okta or Entra needs of the server, beyond the RFC: the IdP
    /// breaks without it, so it binds like a MUST.
    Compat,
}

impl Level {
    /// Whether not meeting it is a failure (else a warning).
    pub fn binds(self) -> bool {
        matches!(self, Level::Must | Level::Compat)
    }
}

/// A feature a check needs, read from `/ServiceProviderConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Capability {
    Patch,
    Bulk,
    Filter,
    Sort,
    Etag,
}

impl Capability {
    pub const ALL: &[Capability] = &[
        Capability::Patch,
        Capability::Bulk,
        Capability::Filter,
        Capability::Sort,
        Capability::Etag,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Patch => "patch",
            Capability::Bulk => "bulk",
            Capability::Filter => "filter",
            Capability::Sort => "sort",
            Capability::Etag => "etag",
        }
    }

    pub fn parse(s: &str) -> Option<Capability> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(s))
    }
}

/// How much a check disturbs the target and how central it is; which
/// checks a user runs, not how strictly a failure is judged ([`Level`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Core,
    Optional,
    Edge,
    Destructive,
}

/// Which suite a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    Rfc,
    Okta,
    Entra,
}

impl Suite {
    pub const ALL: &[Suite] = &[Suite::Rfc, Suite::Okta, Suite::Entra];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Rfc => "rfc",
            Suite::Okta => "okta",
            Suite::Entra => "entra",
        }
    }

    pub fn parse(s: &str) -> Option<Suite> {
        match s.to_ascii_lowercase().as_str() {
            "rfc" => Some(Suite::Rfc),
            "okta" => Some(Suite::Okta),
            "entra" | "entra-2020" => Some(Suite::Entra),
            _ => None,
        }
    }
}

/// Why a check did not pass. There is no skip: whether a check applies is
/// decided before anything runs ([`Check::needs`], [`Check::gate`]), so a
/// harness can list it as skipped rather than pass it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Finding {
    /// The target did not do what the check asked; the runner makes it a
    /// fail or a warning by the check's [`Level`].
    Fail { expected: String, got: String },
}

impl Finding {
    pub fn fail(expected: impl Into<String>, got: impl Into<String>) -> Self {
        Finding::Fail {
            expected: expected.into(),
            got: got.into(),
        }
    }
}

/// What a check body returns: notes on a pass, or a finding.
pub type CheckResult = Result<Vec<String>, Finding>;

pub type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// A planning-time condition on the discovered configuration: `Err(why)`
/// skips the check.
pub type Gate = fn(&Capabilities) -> Result<(), String>;

/// One check.
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable id, `suite.area.name`.
    pub id: &'static str,
    pub title: &'static str,
    /// The RFC and section, or the IdP document.
    pub reference: &'static str,
    pub level: Level,
    pub needs: &'static [Capability],
    /// Beyond `needs`: whether the target's discovered configuration lets
    /// the check run, and if not, why. Decided while planning.
    pub gate: Option<Gate>,
    pub tier: Tier,
    pub suite: Suite,
    pub run: fn(Ctx) -> CheckFuture,
}

impl Check {
    /// The area: the id's middle part (`rfc7644.create.location` → `create`).
    pub fn area(&self) -> &'static str {
        self.id.split('.').nth(1).unwrap_or("other")
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}
