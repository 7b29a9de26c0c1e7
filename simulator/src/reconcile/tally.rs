//! The reconcile's running count: every listed resource is compared with
//! the directory as its page arrives and then dropped. What stays is a map
//! of target ids to directory positions (the members of groups name users
//! by id), a count of holders per directory user and group, the drift
//! found, and the few target objects the directory does not have.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::item::{GroupItem, Loose, Page, UserItem};
use super::{AttributeDrift, Deprovisioned, Drift, Duplicate, MembershipDrift};
use crate::directory::{Directory, Group, User};
use crate::idp::{EventError, PageSink};

/// A position's holder count, with the top bit set once the holder the
/// IdP linked (its known target id) was among them.
const LINKED: u32 = 1 << 31;

/// Where a target user's id points: its directory user and its place in
/// the listing (duplicates are reported in listing order).
#[derive(Clone, Copy)]
struct Held {
    pos: u32,
    seq: u32,
}

/// Target users whose name the directory does not have: orphans, retained
/// inactive accounts, exempt owners. Few, so kept whole.
struct Other {
    /// The first holder's userName as the target spells it.
    shown: String,
    first_inactive: bool,
    ids: Vec<String>,
}

/// Target groups by lower-cased name: few enough to keep every holder.
struct GroupHolders {
    shown: String,
    ids: Vec<String>,
}

#[derive(Default)]
struct Users {
    held: Vec<u32>,
    ids: HashMap<Box<str>, Held>,
    /// Drift of a position's first holder, of its linked holder: only
    /// non-empty ones are kept.
    first: HashMap<u32, Vec<AttributeDrift>>,
    linked: HashMap<u32, Vec<AttributeDrift>>,
    /// The first holder's userName where it differs (in case) from the
    /// directory's.
    shown: HashMap<u32, String>,
    /// Holders the id map cannot hold (no string id, or an id already
    /// taken): `(position, seq, id)`.
    stray: Vec<(u32, u32, String)>,
    others: HashMap<String, Other>,
    /// Ids of `others`, to their lower-cased names.
    other_ids: HashMap<String, String>,
    seq: u32,
}

#[derive(Default)]
struct Groups {
    held: Vec<u32>,
    first: HashMap<u32, MembershipDrift>,
    linked: HashMap<u32, MembershipDrift>,
    holders: HashMap<String, GroupHolders>,
}

/// A member as compared: a directory user by position, anyone else by
/// lower-cased name. A group's members are compared as a sorted list
/// without repeats: a hundred thousand members went into sets of hashed
/// members at twice the cost.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Member {
    At(u32),
    Named(String),
}

pub struct Tally<'d> {
    dir: &'d Directory,
    exempt: HashSet<String>,
    deletes_users: bool,
    deprovisioned: &'d Deprovisioned,
    /// Lower-cased group name to the directory groups that carry it.
    group_keys: HashMap<String, Vec<u32>>,
    users: Users,
    groups: Groups,
}

/// `s` lower-cased, without a copy when it already is (ASCII).
fn lowered(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

impl<'d> Tally<'d> {
    pub fn new(
        dir: &'d Directory,
        exempt: &[String],
        deletes_users: bool,
        deprovisioned: &'d Deprovisioned,
    ) -> Self {
        let mut group_keys: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, g) in dir.groups().enumerate() {
            group_keys
                .entry(g.name.to_lowercase())
                .or_default()
                .push(i as u32);
        }
        Tally {
            dir,
            exempt: exempt.iter().map(|e| e.to_lowercase()).collect(),
            deletes_users,
            deprovisioned,
            group_keys,
            users: Users {
                held: vec![0; dir.user_count()],
                // Every listed user the directory holds lands here: one
                // allocation, not a growing table rehashed as it fills.
                ids: HashMap::with_capacity(dir.user_count()),
                ..Users::default()
            },
            groups: Groups {
                held: vec![0; dir.group_count()],
                ..Groups::default()
            },
        }
    }

    pub(crate) fn user(&mut self, t: &UserItem<'_>) {
        let us = &mut self.users;
        let seq = us.seq;
        us.seq += 1;
        let name = t.user_name.as_str().unwrap_or_default();
        let key = lowered(name);
        let id = t.id.as_str();
        let Some(pos) = self.dir.user_index(&key) else {
            let other = us.others.entry(key.into_owned()).or_insert_with(|| Other {
                shown: name.to_owned(),
                first_inactive: t.active == Loose::Bool(false),
                ids: Vec::new(),
            });
            other.ids.push(id.unwrap_or("?").to_owned());
            if let Some(id) = id {
                us.other_ids.insert(id.to_owned(), name.to_lowercase());
            }
            return;
        };
        let u = self
            .dir
            .user_at(pos)
            .expect("a position the directory gave");
        let pos = pos as u32;
        match id.map(|id| us.ids.entry(id.into())) {
            Some(Entry::Vacant(e)) => {
                e.insert(Held { pos, seq });
            }
            Some(Entry::Occupied(e)) => us.stray.push((pos, seq, e.key().to_string())),
            None => us.stray.push((pos, seq, "?".to_owned())),
        }
        let held = &mut us.held[pos as usize];
        let first = *held & !LINKED == 0;
        let linked = *held & LINKED == 0 && id.is_some() && id == u.target_id.as_deref();
        *held = (*held & LINKED | (*held & !LINKED).saturating_add(1).min(!LINKED))
            | if linked { LINKED } else { 0 };
        if first && name != u.user_name {
            us.shown.insert(pos, name.to_owned());
        }
        if first || linked {
            let drift = if self.deprovisioned.disabled.contains(key.as_ref()) {
                disabled_drift(u, t)
            } else {
                attribute_drift(u, t)
            };
            if !drift.is_empty() {
                if linked {
                    us.linked.insert(pos, drift.clone());
                }
                if first {
                    us.first.insert(pos, drift);
                }
            }
        }
    }

    pub(crate) fn group(&mut self, t: &GroupItem<'_>) {
        let name = t.display_name.as_str().unwrap_or_default();
        let key = name.to_lowercase();
        let id = t.id.as_str();
        let holders = self
            .groups
            .holders
            .entry(key.clone())
            .or_insert_with(|| GroupHolders {
                shown: name.to_owned(),
                ids: Vec::new(),
            });
        holders.ids.push(id.unwrap_or("?").to_owned());
        let Some(positions) = self.group_keys.get(&key) else {
            return;
        };
        let mut actual: Option<Vec<Member>> = None;
        for &pos in positions {
            let g = self
                .dir
                .group_at(pos as usize)
                .expect("a directory position");
            let held = &mut self.groups.held[pos as usize];
            let first = *held & !LINKED == 0;
            let linked = *held & LINKED == 0 && id.is_some() && id == g.target_id.as_deref();
            *held = (*held & LINKED | (*held & !LINKED).saturating_add(1).min(!LINKED))
                | if linked { LINKED } else { 0 };
            if !(first || linked) {
                continue;
            }
            let actual = actual.get_or_insert_with(|| self.members_of(t));
            if let Some(drift) = self.membership_drift(g, actual) {
                if linked {
                    self.groups.linked.insert(pos, drift.clone());
                }
                if first {
                    self.groups.first.insert(pos, drift);
                }
            }
        }
    }

    fn member(&self, lower_name: Cow<'_, str>) -> Member {
        match self.dir.user_index(&lower_name) {
            Some(pos) => Member::At(pos as u32),
            None => Member::Named(lower_name.into_owned()),
        }
    }

    /// The members a listed group names, sorted, each once.
    fn members_of(&self, t: &GroupItem<'_>) -> Vec<Member> {
        let us = &self.users;
        let mut members = Vec::with_capacity(t.members.0.len());
        members.extend(
            t.members
                .0
                .iter()
                .filter_map(|m| m.0.as_ref().and_then(|m| m.value.as_str()))
                .map(|id| match us.ids.get(id) {
                    Some(h) => Member::At(h.pos),
                    None => match us.other_ids.get(id) {
                        Some(name) => self.member(Cow::Borrowed(name)),
                        None => self.member(Cow::Owned(format!("id:{id}").to_lowercase())),
                    },
                }),
        );
        members.sort_unstable();
        members.dedup();
        members
    }

    fn membership_drift(&self, g: &Group, actual: &[Member]) -> Option<MembershipDrift> {
        let name = |m: &Member| match m {
            Member::At(pos) => self
                .dir
                .user_at(*pos as usize)
                .map(|u| u.user_name.to_lowercase())
                .unwrap_or_default(),
            Member::Named(n) => n.clone(),
        };
        // Out-of-scope users belong in no group, on either side: Entra
        // stopped managing them, memberships included.
        let disabled = &self.deprovisioned.disabled;
        let mut expected = Vec::with_capacity(g.members.len());
        expected.extend(
            g.members
                .iter()
                .map(|m| lowered(m))
                .filter(|m| disabled.is_empty() || !disabled.contains(m.as_ref()))
                .map(|m| self.member(m)),
        );
        expected.sort_unstable();
        // Two names of the directory may be one name lower-cased.
        expected.dedup();
        let scoped: Vec<Member>;
        let actual = if disabled.is_empty() {
            actual
        } else {
            scoped = actual
                .iter()
                .filter(|m| !disabled.contains(&name(m)))
                .cloned()
                .collect();
            &scoped
        };
        if expected == actual {
            return None;
        }
        let minus = |a: &[Member], b: &[Member]| -> Vec<String> {
            let mut out: Vec<String> = a
                .iter()
                .filter(|m| b.binary_search(m).is_err())
                .map(name)
                .collect();
            out.sort();
            out
        };
        Some(MembershipDrift {
            group: g.name.clone(),
            missing: minus(&expected, actual),
            extra: minus(actual, &expected),
        })
    }

    /// The drift: every directory object against the holder it is compared
    /// with (the only one, or among several the linked one), then what the
    /// target holds that the directory does not.
    pub fn finish(mut self) -> Drift {
        let dir = self.dir;
        let mut drift = Drift::default();
        let us = &mut self.users;
        let mut duplicated: HashMap<u32, Vec<(u32, String)>> = HashMap::new();
        for (i, u) in dir.users().enumerate() {
            let pos = i as u32;
            let held = us.held[i];
            let count = held & !LINKED;
            let found = match count {
                0 => {
                    // Never provisioned, or gone: either is what an
                    // out-of-scope user may be.
                    if !self
                        .deprovisioned
                        .disabled
                        .contains(&u.user_name.to_lowercase())
                    {
                        drift.missing_users.push(u.user_name.clone());
                    }
                    continue;
                }
                1 => us.first.remove(&pos),
                _ => {
                    duplicated.insert(pos, Vec::new());
                    if held & LINKED == 0 {
                        continue;
                    }
                    us.linked.remove(&pos)
                }
            };
            drift.users_compared += 1;
            drift.attributes.extend(found.unwrap_or_default());
        }
        if !duplicated.is_empty() {
            for (id, h) in &us.ids {
                if let Some(ids) = duplicated.get_mut(&h.pos) {
                    ids.push((h.seq, id.to_string()));
                }
            }
            for (pos, seq, id) in us.stray.drain(..) {
                if let Some(ids) = duplicated.get_mut(&pos) {
                    ids.push((seq, id));
                }
            }
        }
        for (pos, mut ids) in duplicated {
            let name = us.shown.remove(&pos).unwrap_or_else(|| {
                dir.user_at(pos as usize)
                    .map(|u| u.user_name.clone())
                    .unwrap_or_default()
            });
            if self.exempt.contains(&name.to_lowercase()) {
                continue;
            }
            ids.sort_unstable_by_key(|(seq, _)| *seq);
            drift.duplicate_users.push(Duplicate {
                name,
                ids: ids.into_iter().map(|(_, id)| id).collect(),
            });
        }
        for (key, other) in us.others.drain() {
            if self.exempt.contains(&key) {
                continue;
            }
            if other.ids.len() > 1 {
                drift.duplicate_users.push(Duplicate {
                    name: other.shown.clone(),
                    ids: other.ids,
                });
            }
            // An IdP that never deletes (Okta) leaves deactivated accounts
            // behind by design; for one that deletes, any leftover is drift.
            let released = self.deprovisioned.released.contains(&key);
            if other.first_inactive && (!self.deletes_users || released) {
                drift.retained_inactive.push(other.shown);
            } else {
                drift.orphaned_users.push(other.shown);
            }
        }
        drift.duplicate_users.sort_by(|a, b| a.name.cmp(&b.name));

        let gs = &mut self.groups;
        for (i, g) in dir.groups().enumerate() {
            if self.deprovisioned.groups.contains(&g.name.to_lowercase()) {
                continue;
            }
            let pos = i as u32;
            let held = gs.held[i];
            let found = match held & !LINKED {
                0 => {
                    drift.missing_groups.push(g.name.clone());
                    continue;
                }
                1 => gs.first.remove(&pos),
                _ if held & LINKED == 0 => continue,
                _ => gs.linked.remove(&pos),
            };
            drift.groups_compared += 1;
            drift.memberships.extend(found);
        }
        for (key, h) in gs.holders.drain() {
            if h.ids.len() > 1 {
                drift.duplicate_groups.push(Duplicate {
                    name: h.shown.clone(),
                    ids: h.ids,
                });
            }
            if !self.group_keys.contains_key(&key) {
                drift.orphaned_groups.push(h.shown);
            }
        }
        drift.duplicate_groups.sort_by(|a, b| a.name.cmp(&b.name));
        drift.orphaned_users.sort();
        drift.retained_inactive.sort();
        drift.orphaned_groups.sort();
        drift
    }
}

static MISSING: Loose<'static> = Loose::Missing;

/// An out-of-scope user: Entra wrote `active` last and nothing since, so
/// only that is expected of it (false, as a bool or as Entra's string).
fn disabled_drift(u: &User, t: &UserItem<'_>) -> Vec<AttributeDrift> {
    let off = match &t.active {
        Loose::Bool(b) => !b,
        Loose::Str(s) => s == "False" || s == "false",
        _ => false,
    };
    if off {
        return Vec::new();
    }
    let actual = match &t.active {
        Loose::Missing => serde_json::Value::Bool(true),
        other => other.to_value(),
    };
    vec![AttributeDrift {
        user: u.user_name.clone(),
        attribute: "active",
        expected: false.into(),
        actual,
    }]
}

/// The attributes of `u` the target holds otherwise, in a fixed order.
fn attribute_drift(u: &User, t: &UserItem<'_>) -> Vec<AttributeDrift> {
    let mut out = Vec::new();
    let mut differs = |attribute: &'static str, expected: serde_json::Value, actual| {
        out.push(AttributeDrift {
            user: u.user_name.clone(),
            attribute,
            expected,
            actual,
        })
    };
    let active_same = match &t.active {
        Loose::Missing => u.active,
        Loose::Bool(b) => *b == u.active,
        _ => false,
    };
    if !active_same {
        let actual = match &t.active {
            Loose::Missing => serde_json::Value::Bool(true),
            other => other.to_value(),
        };
        differs("active", u.active.into(), actual);
    }
    let name = t.name.0.as_ref();
    let ent = t.enterprise.0.as_ref();
    let strings: [(&'static str, Option<&str>, &Loose<'_>); 7] = [
        (
            "name.givenName",
            Some(&u.given_name),
            name.map_or(&MISSING, |n| &n.given_name),
        ),
        (
            "name.familyName",
            Some(&u.family_name),
            name.map_or(&MISSING, |n| &n.family_name),
        ),
        ("displayName", Some(&u.display_name), &t.display_name),
        (
            "emails[type eq \"work\"].value",
            Some(&u.email),
            t.work_email(),
        ),
        ("title", u.title.as_deref(), &t.title),
        (
            "department",
            u.department.as_deref(),
            ent.map_or(&MISSING, |e| &e.department),
        ),
        (
            "employeeNumber",
            u.employee_number.as_deref(),
            ent.map_or(&MISSING, |e| &e.employee_number),
        ),
    ];
    for (attribute, expected, actual) in strings {
        if !actual.is_str(expected) {
            differs(
                attribute,
                expected.map_or(serde_json::Value::Null, Into::into),
                actual.to_value(),
            );
        }
    }
    out
}

/// A page parsed as far as the tally reads it, or why it cannot be read.
fn parse<'b, T: Deserialize<'b> + Default>(
    endpoint: &str,
    start: usize,
    body: &'b [u8],
) -> Result<(usize, Page<'b, T>), EventError> {
    let what = || format!("list {endpoint} from {start}");
    let page: Page<'b, T> = serde_json::from_slice(body).map_err(|e| {
        EventError::Protocol(if e.is_data() {
            format!("{}: no integer totalResults", what())
        } else {
            format!("{}: the answer is not JSON", what())
        })
    })?;
    let total = page
        .total()
        .ok_or_else(|| EventError::Protocol(format!("{}: no integer totalResults", what())))?;
    Ok((total, page))
}

/// A page's total and item count, each item handed to `each` borrowed from
/// the body.
fn read<'b, T: Deserialize<'b> + Default>(
    endpoint: &str,
    start: usize,
    body: &'b [u8],
    mut each: impl FnMut(&T),
) -> Result<(usize, usize), EventError> {
    let (total, page) = parse::<T>(endpoint, start, body)?;
    let empty = T::default();
    for item in &page.resources.0 {
        each(item.0.as_ref().unwrap_or(&empty));
    }
    Ok((total, page.resources.0.len()))
}

impl PageSink for Tally<'_> {
    /// Read and compared at once, the strings borrowed from the body.
    fn page(
        &mut self,
        endpoint: &str,
        start: usize,
        body: &[u8],
    ) -> Result<(usize, usize), EventError> {
        if endpoint == "Groups" {
            read::<GroupItem>(endpoint, start, body, |g| self.group(g))
        } else {
            read::<UserItem>(endpoint, start, body, |u| self.user(u))
        }
    }

    fn restart(&mut self, endpoint: &str) {
        if endpoint == "Groups" {
            let n = self.dir.group_count();
            self.groups = Groups {
                held: vec![0; n],
                ..Groups::default()
            };
        } else {
            let n = self.dir.user_count();
            self.users = Users {
                held: vec![0; n],
                ..Users::default()
            };
        }
    }
}
