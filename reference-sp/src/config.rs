//! How one reference SP instance behaves: its token, limits, tenant rules
//! and the quirks that break it on purpose.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One deliberate defect, or a departure a real server may make. Each
/// changes exactly one behaviour so that a conformance check can be shown
/// to fail against it, or to gate on it rather than fail.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quirk {
    /// No `ETag` header, no `meta.version`, `If-Match` ignored, while the
    /// ServiceProviderConfig still claims ETag support.
    NoEtag,
    /// `userName` lookups and uniqueness compare case-sensitively.
    CaseSensitiveUsername,
    /// `remove` with a `members[value eq "…"]` path answers success and
    /// removes nothing.
    IgnoreFilteredMemberRemoval,
    /// Lists return every match, ignoring `startIndex` and `count`.
    ListIgnoresPaging,
    /// Errors come back as `text/plain` instead of SCIM error JSON.
    PlainTextErrors,
    /// DELETE only deactivates: the resource stays readable and listed.
    SoftDelete,
    /// `remove` with `path: "members"` and a value list empties the group,
    /// as an RFC-literal server does to Entra's legacy shape.
    LiteralMemberRemoval,
    /// A filter that matches nothing answers 404 instead of an empty list:
    /// Entra's Test Connection fails and its job is quarantined.
    NotFoundOnEmptyList,
    /// Group PATCHes read the group, wait, then write what they read plus
    /// their change: concurrent PATCHes lose each other's members, the
    /// read-modify-write race Entra's parallel PATCHes expose.
    RacyMemberPatch,
    /// More than [`OVERLOADED_ABOVE`] requests in flight at once are
    /// answered 500: a server that fails only under concurrent load.
    Overloaded,
    /// The User schema served by `/Schemas` has no `title`, `nickName` or
    /// `password`, the User resource type no enterprise extension, and the
    /// server keeps none of them: what a client sends of them is dropped.
    /// A server that implements less of RFC 7643, which the conformance
    /// checks must gate on rather than fail.
    MinimalSchema,
    /// The ServiceProviderConfig says `patch.supported: false` and every
    /// PATCH, in Bulk too, answers 501 (RFC 7644 §3.12): a server without
    /// PATCH, which Okta and Entra send all the same.
    NoPatch,
    /// `userName` and group `displayName` are not unique: a create or a
    /// rename onto a taken name makes or keeps a second holder, and an `eq`
    /// lookup lists them all. A server without a uniqueness constraint,
    /// where a create delivered twice leaves two copies.
    NoUniqueness,
    /// Users are read without the enterprise extension's `manager`, though
    /// a PATCH stores it: Entra re-sends the manager every cycle.
    DropsManager,
    /// Group reads return `members` although `excludedAttributes=members`
    /// (or `attributes`) asked otherwise: Entra answers with `replace
    /// members` PATCHes.
    LeaksMembers,
    /// A user create stores the user and answers 409 uniqueness, as when a
    /// concurrent request (a retry, a second worker) won the race.
    RacyCreate,
    /// A PATCH applies only its first operation and answers success: the
    /// rest of Okta's one-PATCH remove-and-add is lost (IDP-ENGINES O21).
    FirstOpOnly,
    /// `replace` of a group's `members` (with the path, or pathless with
    /// `members` in the value) answers 400: Okta's full membership push
    /// fails (IDP-ENGINES O22; scim-for-keycloak#144).
    NoReplaceMembers,
    /// List pages hold at most [`PAGE_CAP`] resources, whatever `count`
    /// asked: Okta's import, which steps `startIndex` by 100, skips the
    /// rest of every page (IDP-ENGINES O27).
    PageCap,
}

/// The largest page the `page-cap-50` quirk serves.
pub const PAGE_CAP: usize = 50;

/// How many requests the `overloaded` quirk serves at once. One, so that a
/// client sending one request at a time never meets it and two clients at
/// once almost always do.
pub const OVERLOADED_ABOVE: usize = 1;

impl Quirk {
    /// Every quirk with its name, in `--quirk` spelling.
    pub const ALL: &[(Quirk, &str)] = &[
        (Quirk::NoEtag, "no-etag"),
        (Quirk::CaseSensitiveUsername, "case-sensitive-username"),
        (
            Quirk::IgnoreFilteredMemberRemoval,
            "ignore-filtered-member-removal",
        ),
        (Quirk::ListIgnoresPaging, "list-ignores-paging"),
        (Quirk::PlainTextErrors, "plain-text-errors"),
        (Quirk::SoftDelete, "soft-delete"),
        (Quirk::LiteralMemberRemoval, "literal-member-removal"),
        (Quirk::NotFoundOnEmptyList, "not-found-on-empty-filter"),
        (Quirk::RacyMemberPatch, "racy-member-patch"),
        (Quirk::Overloaded, "overloaded"),
        (Quirk::MinimalSchema, "minimal-schema"),
        (Quirk::NoPatch, "no-patch"),
        (Quirk::NoUniqueness, "no-uniqueness"),
        (Quirk::DropsManager, "drops-manager"),
        (Quirk::LeaksMembers, "leaks-members"),
        (Quirk::RacyCreate, "racy-create"),
        (Quirk::FirstOpOnly, "first-op-only"),
        (Quirk::NoReplaceMembers, "no-replace-members"),
        (Quirk::PageCap, "page-cap-50"),
    ];

    /// Spellings that name a quirk by an earlier name.
    const FORMER: &[(Quirk, &str)] = &[(Quirk::NotFoundOnEmptyList, "not-found-on-empty-list")];

    /// The `--quirk` spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(q, _)| *q == self)
            .map(|(_, n)| *n)
            .expect("every quirk is listed")
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Quirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .chain(Self::FORMER)
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(q, _)| *q)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown quirk {s:?}; known quirks: {}", names.join(", "))
            })
    }
}

/// The role a group mapping grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
    Owner,
}

/// The seat tier a group mapping grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeatTier {
    Standard,
    Premium,
}

/// Maps groups whose `displayName` starts with `prefix` (ignoring case) to a
/// role and a seat tier, as an enterprise tenant's "group mappings" do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRule {
    pub prefix: String,
    pub role: Role,
    pub tier: SeatTier,
}

/// How users arrive in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningMode {
    /// Accounts appear when someone first signs in over SAML.
    Jit,
    /// Accounts come from SCIM only.
    Scim,
}

/// Tenant rules, modelled on an enterprise SaaS workspace.
#[derive(Debug, Clone)]
pub struct TenantRules {
    /// The Primary Owner's `userName`; `None` disables the rule. The owner
    /// cannot be deleted or deactivated over SCIM and survives a reset.
    pub primary_owner: Option<String>,
    /// The most active accounts the tenant may hold; `None` is unlimited.
    pub seat_limit: Option<usize>,
    /// Group-name rules, first match wins.
    pub group_rules: Vec<GroupRule>,
    pub provisioning: ProvisioningMode,
}

impl Default for TenantRules {
    fn default() -> Self {
        TenantRules {
            primary_owner: Some("owner@idpsim.test".into()),
            // Large enough for the 100k-user load runs, small enough that a
            // test can still reach it by configuration.
            seat_limit: Some(1_000_000),
            group_rules: vec![
                GroupRule {
                    prefix: "idpsim-admins".into(),
                    role: Role::Admin,
                    tier: SeatTier::Premium,
                },
                GroupRule {
                    prefix: "idpsim-premium".into(),
                    role: Role::User,
                    tier: SeatTier::Premium,
                },
            ],
            provisioning: ProvisioningMode::Scim,
        }
    }
}

/// Limits on what one request may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body. Bulk requests share it as `maxPayloadSize`
    /// (RFC 7644 §3.7.4), which the ServiceProviderConfig advertises.
    pub max_body_bytes: usize,
    /// `bulk.maxOperations`.
    pub max_bulk_operations: usize,
    /// `filter.maxResults`: the largest page, and the page size when the
    /// client names none.
    pub max_results: usize,
    /// Time one request may take before it is answered 503.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_bulk_operations: 1000,
            max_results: 1000,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Configuration of one instance.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The bearer token clients must present; `None` generates one.
    pub token: Option<String>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub limits: Limits,
    pub tenant: TenantRules,
    pub quirks: BTreeSet<Quirk>,
    /// The IdP to trust for SAML sign-in; `None` leaves SAML off.
    pub saml: Option<crate::saml::SamlConfig>,
}

impl Config {
    /// Adds a quirk (builder style, for tests).
    pub fn with_quirk(mut self, q: Quirk) -> Self {
        self.quirks.insert(q);
        self
    }

    pub fn has(&self, q: Quirk) -> bool {
        self.quirks.contains(&q)
    }
}
