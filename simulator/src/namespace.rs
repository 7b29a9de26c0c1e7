//! A run prefix on every name a scenario creates, so that files played
//! against one shared target never see, count, reconcile or reset each
//! other's objects, nor objects the target had before. `idpsim conform`
//! names what it creates the same way.
//!
//! The directory is renamed once ([`Directory::namespace`]) and each step
//! on its way to the player ([`Namespace::step`]); reads that judge the
//! target list only the names that carry the prefix.

use serde_json::Value;

use crate::client::Method;
use crate::directory::Directory;
use crate::idp::{EventError, Idp, Wire, encode, read_page};
use crate::scenario::{
    ChangeMembersStep, ExpectFailure, Expectation, GroupStep, LoginStep, MembersStep, MoveStep,
    NestStep, PushNowStep, RenameStep, SetManagerStep, Step, UpdateStep,
};

/// One file's run prefix: `idpsim-<8 hex>-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    prefix: String,
}

/// Pages of an unfiltered listing when the profile names none, as the
/// rest of idpsim's reads use.
const DEFAULT_PAGE: usize = 100;

/// Page size asked for with the prefix filter: the target grants less if
/// it caps pages (its `filter.maxResults`), and each page may cost it a
/// scan, so fewer pages are better.
const FILTERED_PAGE: usize = 1000;

/// Listings stop past this many resources, as [`Wire::list_all`] does.
const MAX_LISTED: usize = 10_000_000;

impl Namespace {
    /// A prefix no other run uses (32 random bits: runs sharing a target
    /// at once are few).
    pub fn fresh() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Namespace {
            prefix: format!("idpsim-{}-", &id[..8]),
        }
    }

    /// A given prefix. It should be lower-case: the target may fold names.
    pub fn new(prefix: &str) -> Self {
        Namespace {
            prefix: prefix.to_owned(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `name` in the namespace.
    pub fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Whether a name the target holds is in the namespace (compared
    /// case-insensitively, as userNames are).
    pub fn holds(&self, name: &str) -> bool {
        name.get(..self.prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(&self.prefix))
    }

    /// `text` with the prefix taken out, for matching what a scenario wrote
    /// (`findings`, `contains`) against messages that name renamed objects.
    pub fn unprefixed(&self, text: &str) -> String {
        text.replace(&self.prefix, "")
    }

    /// Renames a directory into the namespace.
    pub fn directory(&self, dir: &mut Directory) {
        dir.namespace(&self.prefix);
    }

    /// `step` with every user and group it names in the namespace. Raw
    /// `request` steps are sent as written: a path is not a name.
    pub fn step(&self, step: &Step) -> Step {
        let n = |s: &String| self.name(s);
        let all = |v: &[String]| v.iter().map(n).collect::<Vec<_>>();
        match step {
            Step::Join(u) => Step::Join(n(u)),
            Step::Leave(u) => Step::Leave(n(u)),
            Step::Reactivate(u) => Step::Reactivate(n(u)),
            Step::Delete(u) => Step::Delete(n(u)),
            Step::DeleteGroup(g) => Step::DeleteGroup(n(g)),
            Step::Update(x) => Step::Update(UpdateStep {
                user: n(&x.user),
                set: x.set.clone(),
            }),
            Step::Move(x) => Step::Move(MoveStep {
                user: n(&x.user),
                from: n(&x.from),
                to: n(&x.to),
            }),
            Step::CreateGroup(x) => Step::CreateGroup(GroupStep {
                name: n(&x.name),
                members: all(&x.members),
            }),
            Step::RenameGroup(x) => Step::RenameGroup(RenameStep {
                from: n(&x.from),
                to: n(&x.to),
            }),
            Step::AddMembers(x) => Step::AddMembers(MembersStep {
                group: n(&x.group),
                users: all(&x.users),
            }),
            Step::RemoveMembers(x) => Step::RemoveMembers(MembersStep {
                group: n(&x.group),
                users: all(&x.users),
            }),
            Step::ChangeMembers(x) => Step::ChangeMembers(ChangeMembersStep {
                group: n(&x.group),
                add: all(&x.add),
                remove: all(&x.remove),
            }),
            Step::PushNow(x) => Step::PushNow(PushNowStep {
                group: n(&x.group),
                form: x.form,
            }),
            Step::Login(x) => Step::Login(LoginStep {
                user: n(&x.user),
                ..x.clone()
            }),
            Step::Expect(x) => Step::Expect(self.expectation(x)),
            Step::ExpectFailure(x) => Step::ExpectFailure(ExpectFailure {
                step: Box::new(self.step(&x.step)),
                contains: x.contains.clone(),
            }),
            Step::HardDelete(u) => Step::HardDelete(n(u)),
            Step::Unassign(u) => Step::Unassign(n(u)),
            Step::ScopeOut(u) => Step::ScopeOut(n(u)),
            Step::ProvisionOnDemand(u) => Step::ProvisionOnDemand(n(u)),
            Step::ClearManager(u) => Step::ClearManager(n(u)),
            Step::AssignGroup(g) => Step::AssignGroup(n(g)),
            Step::UnassignGroup(g) => Step::UnassignGroup(n(g)),
            Step::NestGroup(x) => Step::NestGroup(NestStep {
                group: n(&x.group),
                member: n(&x.member),
            }),
            Step::SetManager(x) => Step::SetManager(SetManagerStep {
                user: n(&x.user),
                manager: n(&x.manager),
            }),
            Step::TestConnection(_)
            | Step::Cycle(_)
            | Step::Cycles(_)
            | Step::Matching(_)
            | Step::UpdateMany(_)
            | Step::Sync(_)
            | Step::Import(_)
            | Step::Reset(_)
            | Step::Reconcile(_)
            | Step::Wait(_)
            | Step::Faults(_)
            | Step::Request(_) => step.clone(),
        }
    }

    /// Names, members, and the attribute values that are names: a user's
    /// `userName` and `externalId` (Entra's is the mail nickname, Okta's the
    /// IdP id, both renamed), a group's `displayName`.
    fn expectation(&self, x: &Expectation) -> Expectation {
        let mut x = x.clone();
        let group_only = x.user.is_none() && x.group.is_some();
        for (path, v) in x.attributes.iter_mut() {
            let is_name = matches!(path.as_str(), "userName" | "externalId")
                || (group_only && path == "displayName");
            if let (true, Value::String(s)) = (is_name, &v) {
                *v = Value::String(self.name(s));
            }
        }
        x.user = x.user.as_ref().map(|u| self.name(u));
        x.group = x.group.as_ref().map(|g| self.name(g));
        x.members = x
            .members
            .as_ref()
            .map(|m| m.iter().map(|u| self.name(u)).collect());
        x
    }

    /// Every resource of `endpoint` (`Users` or `Groups`) whose name is in
    /// the namespace. Each name is checked here whatever the target did
    /// with the filter, so a target that ignores it costs time, never a
    /// wrong answer.
    ///
    /// The target is asked to filter (`sw`, RFC 7644 §3.4.2.2) in pages as
    /// large as it grants: a target without an index on names scans for
    /// every page (the reference SP did: 100 pages of 100 from a 10k-user
    /// namespace took 112 s in a debug build, against 6.5 s to read every
    /// page unfiltered). When the namespace is at least half of what the
    /// target holds, everything is read unfiltered instead, several pages at
    /// once, as the reconcile reads a whole target; and a target that
    /// refuses the filter is read that way too.
    pub async fn list(&self, wire: &Wire, endpoint: &str) -> Result<Vec<Value>, EventError> {
        let attr = name_attr(endpoint);
        let filter = format!("filter={attr}%20sw%20%22{}%22", encode(&self.prefix));
        let first = self
            .filtered_page(wire, endpoint, &filter, 1, FILTERED_PAGE)
            .await?;
        let Some((total, mut out)) = first else {
            return self.everything(wire, endpoint).await;
        };
        let step = out.len();
        if step >= total {
            return Ok(self.only_ours(out, attr));
        }
        if step == 0 {
            // A total with no page to read it by.
            return self.everything(wire, endpoint).await;
        }
        let all = wire.list_page(endpoint, 1, 1).await?;
        let (all, _) = read_page(endpoint, 1, &all)?;
        if total.saturating_mul(2) >= all {
            return self.everything(wire, endpoint).await;
        }
        let mut start = 1 + step;
        while start <= total {
            let page = self
                .filtered_page(wire, endpoint, &filter, start, step)
                .await?;
            let Some((_, items)) = page else {
                return Err(EventError::Protocol(format!(
                    "list {endpoint} named {}…: the filter answered from 1 and failed from {start}",
                    self.prefix
                )));
            };
            if items.is_empty() {
                break;
            }
            start += items.len();
            out.extend(items);
            if out.len() > MAX_LISTED {
                return Err(EventError::Protocol(format!(
                    "list {endpoint}: more than {MAX_LISTED} resources; stopping"
                )));
            }
        }
        Ok(self.only_ours(out, attr))
    }

    /// One page of the filtered listing; `None` when the target refuses the
    /// filter (an error status).
    async fn filtered_page(
        &self,
        wire: &Wire,
        endpoint: &str,
        filter: &str,
        start: usize,
        count: usize,
    ) -> Result<Option<(usize, Vec<Value>)>, EventError> {
        let path = format!("/{endpoint}?{filter}&startIndex={start}&count={count}");
        let r = wire
            .client
            .send(&wire.request(Method::GET, path, None))
            .await
            .map_err(|source| EventError::Transport {
                what: format!("list {endpoint} named {}…", self.prefix),
                source,
            })?;
        if r.status >= 400 {
            return Ok(None);
        }
        read_page(endpoint, start, &r).map(Some)
    }

    /// Everything the target lists, then only the namespace's.
    async fn everything(&self, wire: &Wire, endpoint: &str) -> Result<Vec<Value>, EventError> {
        let page = wire.profile.import_page.unwrap_or(DEFAULT_PAGE);
        let all = wire
            .list_all_at_once(endpoint, page, crate::reconcile::PAGES_IN_FLIGHT)
            .await?;
        Ok(self.only_ours(all, name_attr(endpoint)))
    }

    fn only_ours(&self, mut all: Vec<Value>, attr: &str) -> Vec<Value> {
        all.retain(|r| {
            r.get(attr)
                .and_then(Value::as_str)
                .is_some_and(|n| self.holds(n))
        });
        all
    }

    /// A directory reset that deletes what is in the namespace and nothing
    /// else: groups, then users. The target's own reset control is never
    /// used, since it would delete other runs' objects too. Returns how
    /// many objects were deleted; the IdP forgets what it had learned.
    pub async fn reset(&self, idp: &mut Idp) -> Result<usize, EventError> {
        let groups = self.list(&idp.wire, "Groups").await?;
        let users = self.list(&idp.wire, "Users").await?;
        // Nothing outside the namespace is listed, so nothing is exempt.
        let doomed = crate::idp::reset::doomed(groups, users, &[]);
        let deleted = idp.wire.reset_all(&doomed).await;
        idp.forget_links();
        deleted
    }
}

/// The attribute that names a resource of `endpoint`.
fn name_attr(endpoint: &str) -> &'static str {
    if endpoint == "Groups" {
        "displayName"
    } else {
        "userName"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> Namespace {
        Namespace::new("idpsim-0a1b2c3d-")
    }

    fn step(yaml: &str) -> Step {
        let s = crate::scenario::parse("t.yaml", &format!("name: t\nsteps:\n  - {yaml}\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        s.steps[0].clone()
    }

    #[test]
    fn fresh_prefixes_differ_and_hold_case_insensitively() {
        let (a, b) = (Namespace::fresh(), Namespace::fresh());
        assert_ne!(a, b);
        assert!(a.prefix().starts_with("idpsim-") && a.prefix().len() == 16);
        assert!(ns().holds("IDPSIM-0A1B2C3D-x@y"));
        assert!(!ns().holds("idpsim-0a1b2c3e-x@y"));
        assert!(!ns().holds("x"));
        assert!(!ns().holds("idpsim-0a1b2c3d"), "a prefix without its dash");
    }

    /// Each step is shown as the player shows it, so this also pins what a
    /// namespaced run prints.
    #[test]
    fn every_name_a_step_carries_is_renamed() {
        let p = "idpsim-0a1b2c3d-";
        for (yaml, want) in [
            ("join: a@x", format!("join {p}a@x")),
            ("leave: a@x", format!("leave {p}a@x")),
            ("reactivate: a@x", format!("reactivate {p}a@x")),
            ("delete: a@x", format!("delete {p}a@x")),
            ("delete_group: g", format!("delete group {p}g")),
            (
                "update: { user: a@x, set: { title: T } }",
                format!("update {p}a@x (title)"),
            ),
            (
                "move: { user: a@x, from: g, to: h }",
                format!("move {p}a@x from {p}g to {p}h"),
            ),
            (
                "create_group: { name: g, members: [a@x] }",
                format!("create group {p}g"),
            ),
            (
                "rename_group: { from: g, to: h }",
                format!("rename group {p}g to {p}h"),
            ),
            (
                "login: { user: a@x }",
                format!("login {p}a@x (expect accepted)"),
            ),
            (
                "expect_failure: { step: { join: a@x }, contains: nope }",
                format!("expect failure of [join {p}a@x] containing \"nope\""),
            ),
            ("sync: all", "sync all".to_owned()),
            (
                "request: { method: GET, path: /Users }",
                "GET /Users".to_owned(),
            ),
        ] {
            assert_eq!(ns().step(&step(yaml)).to_string(), want, "{yaml}");
        }
        let Step::AddMembers(m) = ns().step(&step("add_members: { group: g, users: [a@x, b@x] }"))
        else {
            panic!()
        };
        assert_eq!(
            (m.group.as_str(), m.users),
            (
                "idpsim-0a1b2c3d-g",
                vec![format!("{p}a@x"), format!("{p}b@x")]
            )
        );
        let Step::CreateGroup(g) = ns().step(&step("create_group: { name: g, members: [a@x] }"))
        else {
            panic!()
        };
        assert_eq!(g.members, vec![format!("{p}a@x")]);
    }

    #[test]
    fn expectations_rename_names_and_the_attributes_that_are_names() {
        let Step::Expect(x) = ns().step(&step(
            "expect: { user: a@x, attributes: { externalId: a, userName: a@x, displayName: A, title: T } }",
        )) else {
            panic!()
        };
        assert_eq!(x.user.as_deref(), Some("idpsim-0a1b2c3d-a@x"));
        assert_eq!(x.attributes["externalId"], "idpsim-0a1b2c3d-a");
        assert_eq!(x.attributes["userName"], "idpsim-0a1b2c3d-a@x");
        assert_eq!(
            x.attributes["displayName"], "A",
            "a person's name is not a name"
        );
        assert_eq!(x.attributes["title"], "T");
        let Step::Expect(x) = ns().step(&step(
            "expect: { group: g, members: [a@x], attributes: { displayName: g } }",
        )) else {
            panic!()
        };
        assert_eq!(x.group.as_deref(), Some("idpsim-0a1b2c3d-g"));
        assert_eq!(x.members, Some(vec!["idpsim-0a1b2c3d-a@x".to_owned()]));
        assert_eq!(x.attributes["displayName"], "idpsim-0a1b2c3d-g");
        let Step::Expect(x) = ns().step(&step("expect: { users: 3, groups: 1 }")) else {
            panic!()
        };
        assert_eq!((x.users, x.groups), (Some(3), Some(1)));
    }
}
