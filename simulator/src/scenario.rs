//! Scenario files: YAML that drives the simulated IdP step by step, with
//! expectations on the target's state. Unknown keys are errors, and every
//! parse error names file, line and column. `scenarios/README.md` documents
//! each field.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_saphyr::Spanned;

/// Scenario files larger than this are refused before parsing; the biggest
/// shipped one is a few kilobytes, and generated directories are described,
/// not listed.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A parsed scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The IdP profile: the name of one in [`crate::profile::Profile::ALL`].
    #[serde(default = "default_idp")]
    pub idp: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub directory: DirectorySpec,
    /// Settings of the embedded reference SP; a scenario that has any
    /// needs that SP, and is refused with `--target` (see [`Self::needs`]).
    #[serde(default)]
    pub target: TargetSpec,
    #[serde(default)]
    pub faults: Option<FaultSpec>,
    pub steps: Vec<Step>,
    /// What the scenario needs of its target beyond SCIM, each with the
    /// place in the file that asks for it; filled by [`parse`].
    #[serde(skip)]
    pub needs: Vec<Need>,
    /// Line and column of each step, for messages about a step.
    #[serde(skip)]
    step_places: Vec<(u64, u64)>,
}

impl Scenario {
    /// Line and column of step `index` (from 0), when the file was parsed.
    pub fn step_place(&self, index: usize) -> Option<(u64, u64)> {
        self.step_places.get(index).copied()
    }
}

/// Something a scenario needs of its target beyond SCIM, and where the
/// file asks for it: checked before anything is sent, so that a file that
/// cannot pass against a target says so up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub kind: NeedKind,
    /// The key that asks: `target.seat_limit`, `step 3 (login)` (numbered
    /// from 1, as reports number steps).
    pub key: String,
    pub line: u64,
    pub column: u64,
}

#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedKind {
    /// A `target:` setting: only the embedded reference SP can be set up
    /// from a scenario (a seat limit, a Primary Owner, quirks).
    EmbeddedTarget,
    /// A SAML sign-in: the target's login and whoami endpoints.
    SamlEndpoints,
}

fn default_idp() -> String {
    "entra".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySpec {
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    pub users: usize,
    #[serde(default)]
    pub groups: usize,
    #[serde(default = "default_domain")]
    pub domain: String,
}

fn default_domain() -> String {
    "example.com".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    #[serde(rename = "userName")]
    pub user_name: String,
    /// "Given Family".
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// The manager's userName.
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// How the embedded reference SP is set up for a scenario. Every setting
/// here is one only that SP honours.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    #[serde(default)]
    pub seat_limit: Option<usize>,
    #[serde(default)]
    pub quirks: Vec<String>,
    /// The tenant's Primary Owner, whom the scenario relies on (a reset
    /// keeps them); the embedded SP's default owner is `owner@idpsim.test`.
    #[serde(default)]
    pub primary_owner: Option<String>,
}

impl TargetSpec {
    /// The keys set to something, in the order the struct declares them.
    fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.seat_limit.is_some() {
            keys.push("seat_limit");
        }
        if !self.quirks.is_empty() {
            keys.push("quirks");
        }
        if self.primary_owner.is_some() {
            keys.push("primary_owner");
        }
        keys
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Chance (0 to 1) that a request is delivered twice.
    #[serde(default)]
    pub duplicate: f64,
    /// Chance (0 to 1) that an answer is lost after the target handled the request.
    #[serde(default)]
    pub drop_response: f64,
    #[serde(default)]
    pub delay_ms: u64,
    /// Requests wait a random time below this before leaving, so that
    /// concurrent ones arrive out of order.
    #[serde(default)]
    pub reorder_ms: u64,
    #[serde(default)]
    pub seed: u64,
}

/// One step; each is a map with exactly one key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// `sync: all`: every active user joins, every group is pushed.
    Sync(SyncScope),
    /// A joiner: the user is assigned and provisioned.
    Join(String),
    /// A profile change: `{user, set: {title: …, department: …}}`.
    Update(UpdateStep),
    /// A mover: `{user, from: group, to: group}`.
    Move(MoveStep),
    /// A leaver: the user is deactivated.
    Leave(String),
    Reactivate(String),
    /// A hard delete in the IdP (sent only by profiles that send deletes).
    Delete(String),
    CreateGroup(GroupStep),
    RenameGroup(RenameStep),
    AddMembers(MembersStep),
    RemoveMembers(MembersStep),
    /// Users leave and join one group in one event:
    /// `change_members: {group: G, remove: [a], add: [b]}`. Okta sends both
    /// in one PATCH (IDP-ENGINES O21).
    ChangeMembers(ChangeMembersStep),
    /// The admin's "Push now" on a pushed group: its whole membership at
    /// once, replacing the target's (O22, O24): `push_now: {group: G}`,
    /// optionally `form: replace | replace_pathless | put`.
    PushNow(PushNowStep),
    DeleteGroup(String),
    /// `import: all`: list every user and group the way the IdP imports.
    Import(SyncScope),
    /// Directory reset on the target; `resync: true` pushes everything again.
    Reset(ResetStep),
    /// Compare the directory with the target; fails on any drift unless
    /// `expect: drift`.
    Reconcile(ReconcileStep),
    Expect(Expectation),
    /// The inner step must fail with a message containing `contains`.
    ExpectFailure(ExpectFailure),
    /// `wait: 250ms` or `wait: 2s`.
    Wait(String),
    /// Turns fault injection on (or off with zeros) from here on.
    Faults(FaultSpec),
    /// A raw request, with an optional expected status.
    Request(RawRequest),
    /// A SAML sign-in at the target's login URL:
    /// `login: {user: U, expect: accepted|rejected, within: 5s}`.
    Login(LoginStep),
    /// The admin's Test Connection in the profile's form: `test_connection: {}`.
    TestConnection(TestConnectionStep),
    /// One provisioning cycle: `cycle: initial` or `cycle: incremental`.
    Cycle(crate::cycles::Kind),
    /// That many incremental cycles on the virtual clock: `cycles: 3`.
    Cycles(u32),
    /// A hard delete (a purge) in the IdP; the next cycle sends DELETE if
    /// the IdP still manages the user.
    HardDelete(String),
    /// A manager change; the next cycle resolves the reference.
    SetManager(SetManagerStep),
    /// The user is unassigned from the application; the next cycle
    /// disables it, and it is no longer managed.
    Unassign(String),
    /// The user leaves the scoping filter; the next cycle disables it.
    ScopeOut(String),
    /// The manager is cleared in the directory; Entra sends nothing (E12).
    ClearManager(String),
    /// A group is assigned to the application: its direct members are in
    /// scope whatever their own assignment; nested groups' are not.
    AssignGroup(String),
    /// The group's assignment is removed: the members it alone kept in
    /// scope are disabled by the next cycle.
    UnassignGroup(String),
    /// A group becomes a member of another in the directory:
    /// `nest_group: { group: G, member: C }`.
    NestGroup(NestStep),
    /// The admin's "Provision on demand" for one user, now, in the shapes
    /// on-demand sends (without `aadOptscim062020`, E27).
    ProvisionOnDemand(String),
    /// Matching attributes, in precedence order, from here on:
    /// `matching: [userName, externalId]`.
    Matching(Vec<String>),
    /// A share of the directory's users change, in the directory only; the
    /// next cycle sends the difference:
    /// `update_many: { users: 1%, set: { title: … } }`.
    UpdateMany(UpdateManyStep),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateManyStep {
    /// `1%` of the directory, or a number of users; the first ones, in
    /// directory order.
    pub users: String,
    pub set: BTreeMap<Settable, String>,
}

impl UpdateManyStep {
    /// How many users of a directory of `total` change.
    pub fn count(&self, total: usize) -> Result<usize, String> {
        let s = self.users.trim();
        let bad = || format!("{s:?} is neither a share such as 1% nor a number of users");
        let n = match s.strip_suffix('%') {
            Some(p) => {
                let p: f64 = p.trim().parse().map_err(|_| bad())?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(bad());
                }
                (total as f64 * p / 100.0).round() as usize
            }
            None => s.parse().map_err(|_| bad())?,
        };
        Ok(n.min(total))
    }
}

/// The cycles one `cycles` step may run: a quarantined job is disabled
/// after about 30 of them, a hard delete waits about 1,080; more is a typo.
pub const MAX_CYCLES: u32 = 100_000;

/// The attributes a `matching` step may name.
pub const MATCHING_ATTRIBUTES: &[&str] =
    &["userName", "externalId", "emails[type eq \"work\"].value"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestConnectionStep {
    /// Push Groups is on: Okta's test also pages `/Groups` (IDP-ENGINES O1).
    #[serde(default)]
    pub groups: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NestStep {
    pub group: String,
    /// The group nested in `group`.
    pub member: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetManagerStep {
    pub user: String,
    pub manager: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginStep {
    pub user: String,
    #[serde(default)]
    pub expect: LoginExpect,
    /// Try again until the expectation holds, for at most this long; the
    /// time it took (from the user's leave or delete event, if there was
    /// one) is reported.
    #[serde(default)]
    pub within: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginExpect {
    /// Signed in, as this user.
    #[default]
    Accepted,
    /// Not signed in.
    Rejected,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SyncScope {
    All,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateStep {
    pub user: String,
    /// Attributes to change, sent in the order of [`Settable`].
    pub set: BTreeMap<Settable, String>,
}

/// An attribute an `update` step may set. Keyed by this type, a misspelt
/// attribute is an error with its place when the file is read, not when
/// the step runs. Declared in the alphabetical order of the names, so the
/// order the changes are sent in is that of the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Settable {
    #[serde(rename = "department")]
    Department,
    #[serde(rename = "displayName")]
    DisplayName,
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "employeeNumber")]
    EmployeeNumber,
    #[serde(rename = "familyName")]
    FamilyName,
    #[serde(rename = "givenName")]
    GivenName,
    #[serde(rename = "title")]
    Title,
}

impl Settable {
    /// The name a scenario writes.
    pub fn name(self) -> &'static str {
        match self {
            Settable::Department => "department",
            Settable::DisplayName => "displayName",
            Settable::Email => "email",
            Settable::EmployeeNumber => "employeeNumber",
            Settable::FamilyName => "familyName",
            Settable::GivenName => "givenName",
            Settable::Title => "title",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveStep {
    pub user: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupStep {
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameStep {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembersStep {
    pub group: String,
    pub users: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeMembersStep {
    pub group: String,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushNowStep {
    pub group: String,
    /// The form of the push, when not the profile's.
    #[serde(default)]
    pub form: Option<PushForm>,
}

/// A full membership push's form, as a scenario names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushForm {
    Replace,
    ReplacePathless,
    Put,
}

impl PushForm {
    pub fn full_push(self) -> crate::profile::FullPush {
        use crate::profile::FullPush;
        match self {
            PushForm::Replace => FullPush::ReplacePath,
            PushForm::ReplacePathless => FullPush::ReplacePathless,
            PushForm::Put => FullPush::PutGroup,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetStep {
    #[serde(default)]
    pub resync: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileStep {
    #[serde(default)]
    pub expect: ReconcileOutcome,
    /// With `expect: drift`, each line must appear among the findings.
    #[serde(default)]
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReconcileOutcome {
    #[default]
    Clean,
    Drift,
}

/// An expectation on the target's state; name a user, a group, or counts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Whether the user or group exists in the target.
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub active: Option<bool>,
    /// Attribute path → expected value, read from the target's resource
    /// (`title`, `name.givenName`, `urn:…:enterprise:2.0:User:department`).
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// The group's members, by userName, in any order.
    #[serde(default)]
    pub members: Option<Vec<String>>,
    /// Users the target lists over SCIM.
    #[serde(default)]
    pub users: Option<u64>,
    /// Groups the target lists over SCIM.
    #[serde(default)]
    pub groups: Option<u64>,
    /// The user is inactive or gone in the target within this time of the
    /// last leave or delete of that user (`5s`); the time taken is reported.
    #[serde(default)]
    pub deprovisioned_within: Option<String>,
    /// The provisioning job is (or is not) in quarantine.
    #[serde(default)]
    pub quarantined: Option<bool>,
    /// The loops the last cycle found, each named by text it contains; `[]`
    /// for none (no attribute re-sent).
    #[serde(default)]
    pub loops: Option<Vec<String>>,
    /// How many operations are escrowed.
    #[serde(default)]
    pub escrowed: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFailure {
    pub step: Box<Step>,
    pub contains: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: String,
    /// Below the SCIM base URL: `/Users?filter=…`.
    pub path: String,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub status: Option<u16>,
}

/// A scenario that could not be read: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// Parses a scenario held in memory; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let mut scenario: Scenario = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        ScenarioError {
            file: file.to_owned(),
            line,
            column,
            message: first_line(&e.to_string()),
        }
    })?;
    let places = Places::of(text);
    scenario.step_places = places
        .steps
        .iter()
        .map(|p| (p.referenced.line(), p.referenced.column()))
        .collect();
    validate(&scenario).map_err(|(message, step)| {
        let (line, column) = step.and_then(|i| scenario.step_place(i)).unwrap_or((1, 1));
        ScenarioError {
            file: file.to_owned(),
            line,
            column,
            message,
        }
    })?;
    scenario.needs = needs(&scenario, &places);
    Ok(scenario)
}

/// Where things are in a file that has already parsed: read again with
/// every value kept as a place, so that the scenario's own types stay
/// plain.
#[derive(Debug, Default, Deserialize)]
struct Places {
    #[serde(default)]
    target: BTreeMap<String, Spanned<IgnoredAny>>,
    #[serde(default)]
    steps: Vec<Spanned<IgnoredAny>>,
}

impl Places {
    fn of(text: &str) -> Places {
        // The text parsed as a scenario a moment ago; should this second
        // reading still fail, messages fall back to 1:1.
        serde_saphyr::from_str(text).unwrap_or_default()
    }
}

/// What the scenario needs beyond SCIM, in file order.
fn needs(s: &Scenario, places: &Places) -> Vec<Need> {
    let mut out = Vec::new();
    for key in s.target.set_keys() {
        let (line, column) = places
            .target
            .get(key)
            .map_or((1, 1), |p| (p.referenced.line(), p.referenced.column()));
        out.push(Need {
            kind: NeedKind::EmbeddedTarget,
            key: format!("target.{key}"),
            line,
            column,
        });
    }
    for (i, step) in s.steps.iter().enumerate() {
        if signs_in(step) {
            let (line, column) = s.step_place(i).unwrap_or((1, 1));
            out.push(Need {
                kind: NeedKind::SamlEndpoints,
                key: format!("step {} (login)", i + 1),
                line,
                column,
            });
        }
    }
    out
}

fn signs_in(step: &Step) -> bool {
    match step {
        Step::Login(_) => true,
        Step::ExpectFailure(x) => signs_in(&x.step),
        _ => false,
    }
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let err = |message: String| ScenarioError {
        file: file.clone(),
        line: 1,
        column: 1,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read the file: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "the file is {} bytes; scenarios are limited to {MAX_FILE_BYTES}",
            meta.len()
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| err(format!("cannot read the file: {e}")))?;
    parse(&file, &text)
}

/// serde-saphyr renders a source snippet after the message; reports want
/// the message alone, with the position given separately.
fn first_line(s: &str) -> String {
    let msg = s.lines().next().unwrap_or(s).trim();
    // Drop a leading "error: " and a trailing " at line X column Y" if present.
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    // ... and a leading "line N column M: ", since the position is ours to print.
    let msg = match msg
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((pos, rest)) if pos.contains(" column ") => rest,
        _ => msg,
    };
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Checks that need the whole scenario; a failure names the step it is
/// about, if any.
fn validate(s: &Scenario) -> Result<(), (String, Option<usize>)> {
    if crate::profile::Profile::by_name(&s.idp).is_none() {
        return Err((
            format!(
                "unknown idp {:?}; expected one of {}",
                s.idp,
                crate::profile::Profile::names().join(", ")
            ),
            None,
        ));
    }
    if s.steps.is_empty() {
        return Err((
            "`steps` is empty; a scenario needs at least one step".into(),
            None,
        ));
    }
    for (i, step) in s.steps.iter().enumerate() {
        let at = |e: String| (format!("step {}: {e}", i + 1), Some(i));
        if let Step::Expect(e) = step
            && e.user.is_none()
            && e.group.is_none()
            && e.users.is_none()
            && e.groups.is_none()
            && e.quarantined.is_none()
            && e.loops.is_none()
            && e.escrowed.is_none()
        {
            return Err(at(
                "`expect` names no user, group or count (nor a job state) to check".into(),
            ));
        }
        if let Step::Cycles(n) = step
            && !(1..=MAX_CYCLES).contains(n)
        {
            return Err(at(format!(
                "`cycles` runs 1 to {MAX_CYCLES} cycles, not {n}"
            )));
        }
        if let Step::UpdateMany(m) = step {
            m.count(0).map_err(at)?;
        }
        if let Step::Matching(attrs) = step {
            if attrs.is_empty() {
                return Err(at("`matching` names no attribute".into()));
            }
            if let Some(a) = attrs
                .iter()
                .find(|a| !MATCHING_ATTRIBUTES.contains(&a.as_str()))
            {
                return Err(at(format!(
                    "cannot match on {a:?}; matching attributes: {}",
                    MATCHING_ATTRIBUTES.join(", ")
                )));
            }
        }
        if let Step::Wait(w) = step {
            parse_duration(w).map_err(at)?;
        }
        if let Step::Login(LoginStep {
            within: Some(w), ..
        }) = step
        {
            parse_duration(w).map_err(at)?;
        }
    }
    Ok(())
}

/// `250ms`, `2s`, `1m`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 250ms, 2s or 1m"))?;
    match unit {
        "ms" => Ok(std::time::Duration::from_millis(n)),
        "s" => Ok(std::time::Duration::from_secs(n)),
        // Minutes past u64 seconds overflowed: a panic while loading in a
        // debug build, a silently wrapped wait in a release one.
        "m" => n
            .checked_mul(60)
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| format!("{s:?} is longer than any wait can be")),
        _ => Err(format!("{s:?} is not a duration such as 250ms, 2s or 1m")),
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Sync(_) => write!(f, "sync all"),
            Step::Join(u) => write!(f, "join {u}"),
            Step::Update(u) => write!(
                f,
                "update {} ({})",
                u.user,
                u.set
                    .keys()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::Move(m) => write!(f, "move {} from {} to {}", m.user, m.from, m.to),
            Step::Leave(u) => write!(f, "leave {u}"),
            Step::Reactivate(u) => write!(f, "reactivate {u}"),
            Step::Delete(u) => write!(f, "delete {u}"),
            Step::CreateGroup(g) => write!(f, "create group {}", g.name),
            Step::RenameGroup(r) => write!(f, "rename group {} to {}", r.from, r.to),
            Step::AddMembers(m) => write!(f, "add {} members to {}", m.users.len(), m.group),
            Step::RemoveMembers(m) => {
                write!(f, "remove {} members from {}", m.users.len(), m.group)
            }
            Step::ChangeMembers(m) => write!(
                f,
                "remove {} and add {} members in {}",
                m.remove.len(),
                m.add.len(),
                m.group
            ),
            Step::PushNow(p) => write!(f, "push the whole membership of {} now", p.group),
            Step::DeleteGroup(g) => write!(f, "delete group {g}"),
            Step::Import(_) => write!(f, "import all"),
            Step::Login(l) => write!(
                f,
                "login {} (expect {})",
                l.user,
                match l.expect {
                    LoginExpect::Accepted => "accepted",
                    LoginExpect::Rejected => "rejected",
                }
            ),
            Step::Reset(r) => write!(
                f,
                "reset directory{}",
                if r.resync { " and re-sync" } else { "" }
            ),
            Step::Reconcile(r) => write!(f, "reconcile (expect {:?})", r.expect),
            Step::Expect(e) => {
                let mut parts = Vec::new();
                if let Some(u) = &e.user {
                    parts.push(format!("user {u}"));
                }
                if let Some(g) = &e.group {
                    parts.push(format!("group {g}"));
                }
                if let Some(x) = e.exists {
                    parts.push(if x { "exists".into() } else { "absent".into() });
                }
                if let Some(a) = e.active {
                    parts.push(format!("active={a}"));
                }
                if !e.attributes.is_empty() {
                    parts.push(format!("{} attributes", e.attributes.len()));
                }
                if let Some(m) = &e.members {
                    parts.push(format!("{} members", m.len()));
                }
                if let Some(n) = e.users {
                    parts.push(format!("{n} users"));
                }
                if let Some(n) = e.groups {
                    parts.push(format!("{n} groups"));
                }
                if let Some(d) = &e.deprovisioned_within {
                    parts.push(format!("deprovisioned within {d}"));
                }
                if let Some(q) = e.quarantined {
                    parts.push(if q {
                        "quarantined".into()
                    } else {
                        "not quarantined".into()
                    });
                }
                if let Some(l) = &e.loops {
                    parts.push(if l.is_empty() {
                        "no loops".into()
                    } else {
                        format!("{} loops", l.len())
                    });
                }
                if let Some(n) = e.escrowed {
                    parts.push(format!("{n} escrowed"));
                }
                write!(f, "expect {}", parts.join(", "))
            }
            Step::ExpectFailure(x) => write!(
                f,
                "expect failure of [{}] containing {:?}",
                x.step, x.contains
            ),
            Step::Wait(w) => write!(f, "wait {w}"),
            Step::Faults(x) => write!(
                f,
                "faults duplicate={} drop_response={}",
                x.duplicate, x.drop_response
            ),
            Step::Request(r) => write!(f, "{} {}", r.method, r.path),
            Step::TestConnection(_) => write!(f, "test connection"),
            Step::Cycle(k) => write!(
                f,
                "cycle {}",
                match k {
                    crate::cycles::Kind::Initial => "initial",
                    crate::cycles::Kind::Incremental => "incremental",
                }
            ),
            Step::Cycles(n) => write!(f, "{n} incremental cycles"),
            Step::HardDelete(u) => write!(f, "hard delete {u}"),
            Step::SetManager(m) => write!(f, "set the manager of {} to {}", m.user, m.manager),
            Step::Unassign(u) => write!(f, "unassign {u}"),
            Step::ScopeOut(u) => write!(f, "scope out {u}"),
            Step::ProvisionOnDemand(u) => write!(f, "provision {u} on demand"),
            Step::ClearManager(u) => write!(f, "clear the manager of {u}"),
            Step::AssignGroup(g) => write!(f, "assign group {g}"),
            Step::UnassignGroup(g) => write!(f, "unassign group {g}"),
            Step::NestGroup(n) => write!(f, "nest group {} in {}", n.member, n.group),
            Step::Matching(a) => write!(f, "match on {}", a.join(", then ")),
            Step::UpdateMany(m) => write!(
                f,
                "update {} users ({})",
                m.users,
                m.set
                    .keys()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
