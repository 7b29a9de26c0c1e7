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
    ChangePassword,
}

impl Capability {
    pub const ALL: &[Capability] = &[
        Capability::Patch,
        Capability::Bulk,
        Capability::Filter,
        Capability::Sort,
        Capability::Etag,
        Capability::ChangePassword,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Patch => "patch",
            Capability::Bulk => "bulk",
            Capability::Filter => "filter",
            Capability::Sort => "sort",
            Capability::Etag => "etag",
            Capability::ChangePassword => "changePassword",
        }
    }

    pub fn parse(s: &str) -> Option<Capability> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(s))
    }
}

/// What a check relies on the server's schemas to declare, beyond what
/// every SCIM server has (`userName`, `id`): read from `/Schemas` and
/// `/ResourceTypes` at discovery; planning skips the check, with the
/// reason, when the server does not declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    /// A User attribute by path: `password`, `name.givenName`, `emails`.
    Attribute(&'static str),
    /// This many distinct plain string User attributes, which the check
    /// sets, reads back and filters on: `title` and `nickName` where the
    /// server declares them, else others it does
    /// ([`crate::declared::PLAIN_STRINGS`]).
    Strings(usize),
    /// A plain string attribute of a User schema extension the server
    /// declares (the enterprise extension's `department` where it can).
    ExtensionString,
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
    /// A SAML service provider's ACS (`saml` module), run on its own.
    Saml,
}

impl Suite {
    pub const ALL: &[Suite] = &[Suite::Rfc, Suite::Okta, Suite::Entra];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Rfc => "rfc",
            Suite::Okta => "okta",
            Suite::Entra => "entra",
            Suite::Saml => "saml",
        }
    }

    pub fn parse(s: &str) -> Option<Suite> {
        match s.to_ascii_lowercase().as_str() {
            "rfc" => Some(Suite::Rfc),
            "okta" => Some(Suite::Okta),
            "entra" | "entra-2020" => Some(Suite::Entra),
            "saml" => Some(Suite::Saml),
            _ => None,
        }
    }
}

/// Why a check did not pass: the rule that failed, what it expected and
/// what came. There is no skip: whether a check applies is decided before
/// anything runs ([`Check::needs`], [`Check::gate`]), so a harness can list
/// it as skipped rather than pass it. Whether a failure fails or warns is
/// the runner's call, by the check's [`Level`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The assertion that failed, stable across runs (`status`,
    /// `first-op-kept`, `location-header`): what a proof asserts, and what
    /// a reader greps for.
    pub rule: String,
    pub expected: String,
    pub got: String,
    /// The step that failed only set the stage (creating the user a check
    /// is about): the behaviour the check judges was never reached.
    pub precondition: bool,
}

impl Finding {
    pub fn fail(
        rule: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Finding {
            rule: rule.into(),
            expected: expected.into(),
            got: got.into(),
            precondition: false,
        }
    }

    /// The same failure, as a failed precondition.
    pub fn precondition(mut self) -> Self {
        self.precondition = true;
        self
    }

    /// The same failure, as a failed precondition about the state a check
    /// was about to change (what it removes, excludes or replaces was not
    /// there to begin with).
    pub fn before_change(self) -> Self {
        Finding {
            expected: format!("{} before the check changes it", self.expected),
            ..self
        }
        .precondition()
    }
}

/// Renames the rule of a failure, for an assertion a generic helper made
/// (`expect_status` says `status`; the check knows it was the refusal).
pub trait RuleExt {
    fn rule(self, rule: &str) -> Self;
}

impl<T> RuleExt for Result<T, Finding> {
    fn rule(self, rule: &str) -> Self {
        self.map_err(|mut f| {
            f.rule = rule.to_owned();
            f
        })
    }
}

/// A rule id from a description: `title after PUT` → `title-after-put`.
/// Dots, `$` and case stay (`name.givenName`, `scimType`).
pub fn rule_of(what: &str) -> String {
    let mut out = String::new();
    for ch in what.chars() {
        if ch.is_alphanumeric() || ch == '.' || ch == '$' {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
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
    /// What the server's schemas must declare for the check to run.
    pub uses: &'static [Uses],
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

    /// Whether the check replays what an IdP sends whatever the server
    /// advertises (Okta and Entra PATCH even when `patch.supported` is
    /// false): such a check runs against a feature the server does not
    /// advertise, and its failure says so.
    pub fn sent_regardless(&self) -> bool {
        self.level == Level::Compat
    }

    /// Who sends this check's requests, for the message of a failure on a
    /// feature not advertised.
    pub fn sender(&self) -> &'static str {
        match self.suite {
            Suite::Rfc => "A SCIM client",
            Suite::Okta => "Okta",
            Suite::Entra => "Entra",
            Suite::Saml => "A SAML IdP",
        }
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}
