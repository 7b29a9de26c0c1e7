//! The in-memory directory: records, creation order and the indexes that
//! make lookups O(1). It knows nothing of HTTP or of SCIM requests; the
//! [`crate::tenant`] layer decides what may change and calls in here.
//!
//! Group membership is held once, as each group's member set, plus the
//! reverse index `member_of`; a user's `groups` attribute is derived from it
//! when the user is rendered, so the two directions cannot disagree.

mod order;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use idpsim_scim::resource::Object;
use indexmap::IndexMap;
use serde_json::Value;

use order::Order;

/// Users, groups, or service accounts (non-human accounts: the User
/// schema with the tenant's service-account extension required; they sign
/// in with no one, hold no seat and belong to no group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Group,
    ServiceAccount,
}

impl Kind {
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::ServiceAccount => "ServiceAccount",
        }
    }
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
            Kind::ServiceAccount => "ServiceAccounts",
        }
    }
    /// The attribute whose value is unique within the kind.
    pub fn name_attr(self) -> &'static str {
        match self {
            Kind::User | Kind::ServiceAccount => "userName",
            Kind::Group => "displayName",
        }
    }
}

/// One member of a group: its kind, and the `display` the client gave it
/// when it added the member (RFC 7643 §2.4), if any. Without one, a listing
/// shows the member's own name as it is at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub kind: Kind,
    pub display: Option<Box<str>>,
}

/// A group's members, in the order they were added.
pub type MemberSet = IndexMap<Arc<str>, Membership>;

/// How an account came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Provisioned over SCIM: visible over SCIM.
    Scim,
    /// Created by a just-in-time SAML sign-in: invisible over SCIM.
    Jit,
}

/// One stored resource.
///
/// The body is kept as compact JSON text rather than a `serde_json::Map`:
/// a parsed user is a tree of small B-tree nodes and strings, about 3 KB,
/// while its text is about 400 bytes, and 100k users must fit in well under
/// 300 MB. The fields every index, membership listing and seat count needs
/// are kept beside it so that they never cost a parse.
#[derive(Debug)]
pub struct Record {
    /// Canonical SCIM JSON including `id` and `meta` (without
    /// `meta.location`, which depends on the base URL), and without a
    /// user's derived `groups` or a group's `members`.
    json: Box<str>,
    pub version: u64,
    pub origin: Origin,
    /// Slot in the creation order, for SCIM-visible records.
    slot: Option<usize>,
    /// `userName` or group `displayName`.
    name: Box<str>,
    /// A user's `displayName`, when set.
    display: Option<Box<str>>,
    external: Option<Box<str>>,
    active: bool,
    /// A group's members, in the order they were added.
    pub members: MemberSet,
}

impl Record {
    fn new(kind: Kind, body: &Object, version: u64, origin: Origin) -> Self {
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(Box::from);
        Record {
            json: serde_json::to_string(body)
                .expect("JSON values serialise")
                .into_boxed_str(),
            version,
            origin,
            slot: None,
            name: text(kind.name_attr()).unwrap_or_default(),
            display: if kind == Kind::User {
                text("displayName")
            } else {
                None
            },
            external: text("externalId"),
            active: body.get("active").and_then(Value::as_bool).unwrap_or(true),
            members: IndexMap::new(),
        }
    }

    /// The stored body, parsed.
    pub fn object(&self) -> Object {
        serde_json::from_str(&self.json).expect("stored JSON was written by serde_json")
    }
    /// The stored body with only `keys` parsed (those present), for
    /// testing a filter: the other attributes are skipped as text, which
    /// costs a fraction of building them (a filter scan of 100k users
    /// spent most of its time parsing attributes it never read).
    pub fn object_with(&self, keys: &[&str]) -> Object {
        let Ok(raw) =
            serde_json::from_str::<HashMap<&str, &serde_json::value::RawValue>>(&self.json)
        else {
            // A key with an escape cannot be borrowed; ours have none.
            let mut all = self.object();
            all.retain(|k, _| keys.contains(&k.as_str()));
            return all;
        };
        keys.iter()
            .filter_map(|k| {
                let v = raw.get(k)?;
                let v: Value = serde_json::from_str(v.get()).expect("stored JSON is valid");
                Some(((*k).to_owned(), v))
            })
            .collect()
    }
    /// `userName` or group `displayName`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What a membership listing shows: `displayName`, else the name.
    pub fn display(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.name)
    }
    pub fn external_id(&self) -> Option<&str> {
        self.external.as_deref()
    }
    /// Whether the account is active; absent `active` counts as active.
    pub fn active(&self) -> bool {
        self.active
    }
}

/// Records of one kind with their indexes.
#[derive(Debug, Default)]
pub struct Collection {
    pub records: HashMap<Arc<str>, Record>,
    order: Order,
    /// Name key -> holders. One holder per key, except for users under
    /// the `case-sensitive-username` quirk, where names that differ only
    /// in case share a key: sign-in must see that they collide.
    by_name: HashMap<String, Vec<Arc<str>>>,
    /// `externalId` is not unique (RFC 7643 §3.1), so each key holds a list;
    /// almost always of one, which a `Vec` stores far smaller than a set.
    by_external: HashMap<String, Vec<Arc<str>>>,
}

impl Collection {
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.get(id)
    }
    /// Every record filed under this name key.
    pub fn by_name(&self, key: &str) -> &[Arc<str>] {
        self.by_name.get(key).map_or(&[], Vec::as_slice)
    }
    pub fn by_external(&self, ext: &str) -> impl Iterator<Item = &Arc<str>> {
        self.by_external.get(ext).into_iter().flatten()
    }
    /// SCIM-visible ids in creation order.
    pub fn ordered(&self) -> impl Iterator<Item = &Arc<str>> {
        self.order.iter()
    }
    /// SCIM-visible ids from the `skip`-th on.
    pub fn ordered_from(&self, skip: usize) -> impl Iterator<Item = &Arc<str>> {
        self.order.iter_from(skip)
    }
    pub fn visible_len(&self) -> usize {
        self.order.len()
    }
    /// Creation-order position, for sorting index hits the way a scan would.
    pub fn slot(&self, id: &str) -> usize {
        self.records
            .get(id)
            .and_then(|r| r.slot)
            .unwrap_or(usize::MAX)
    }
}

/// The collections, the reverse membership index and the version clock.
#[derive(Debug, Default)]
pub struct Store {
    pub users: Collection,
    pub groups: Collection,
    pub service_accounts: Collection,
    /// Member id -> ids of the groups that list it directly. A user is in
    /// few groups, so a `Vec` beats a set in memory and is as fast.
    pub member_of: HashMap<Arc<str>, Vec<Arc<str>>>,
    /// Active accounts of either origin: the seats in use.
    pub active_users: usize,
    clock: u64,
    /// Whether `userName`s that share an account key collide (false
    /// under the `case-sensitive-username` quirk, where only identical
    /// names do).
    pub fold_user_names: bool,
    /// Whether a name may have several holders (the `no-uniqueness`
    /// quirk), so that lookups must list every one.
    pub duplicate_names: bool,
}

/// Case-folds a group's or a service account's unique name for its index.
pub fn fold_key(s: &str) -> String {
    s.to_lowercase()
}

impl Store {
    pub fn new(fold_user_names: bool) -> Self {
        Store {
            fold_user_names,
            ..Default::default()
        }
    }

    pub fn collection(&self, kind: Kind) -> &Collection {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
            Kind::ServiceAccount => &self.service_accounts,
        }
    }

    fn collection_mut(&mut self, kind: Kind) -> &mut Collection {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
            Kind::ServiceAccount => &mut self.service_accounts,
        }
    }

    /// The index key of a unique name: a user's is its account key
    /// ([`crate::account_key`]), whatever the quirks.
    pub fn name_key(&self, kind: Kind, name: &str) -> String {
        match kind {
            Kind::User => crate::account_key::fold(name),
            // No one signs in as a service account: its name is unique
            // ignoring case, as userName's caseExact false asks.
            Kind::Group | Kind::ServiceAccount => fold_key(name),
        }
    }

    /// The next entity-tag value; one clock for all records so a tag is
    /// never reused, even across delete and re-create.
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The id holding `name`, if any, as SCIM uniqueness and lookups see
    /// it (only the identical name under `case-sensitive-username`).
    pub fn find_name(&self, kind: Kind, name: &str) -> Option<&Arc<str>> {
        let c = self.collection(kind);
        let mut holders = c.by_name(&self.name_key(kind, name)).iter();
        if kind == Kind::User && !self.fold_user_names {
            holders.find(|id| c.get(id).is_some_and(|r| r.name() == name))
        } else {
            holders.next()
        }
    }

    /// Every id an `eq` lookup of `name` finds: its one holder, or each
    /// copy when names may repeat.
    pub fn lookup_name(&self, kind: Kind, name: &str) -> Vec<Arc<str>> {
        if !self.duplicate_names {
            return self.find_name(kind, name).cloned().into_iter().collect();
        }
        let c = self.collection(kind);
        c.by_name(&self.name_key(kind, name))
            .iter()
            .filter(|id| {
                kind == Kind::Group
                    || self.fold_user_names
                    || c.get(id).is_some_and(|r| r.name() == name)
            })
            .cloned()
            .collect()
    }

    /// Every user whose `userName` has this account key, quirks or not.
    pub fn users_keyed(&self, key: &str) -> &[Arc<str>] {
        self.users.by_name(key)
    }

    /// Inserts a new record whose body already carries `id` and `meta`.
    pub fn insert(
        &mut self,
        kind: Kind,
        id: Arc<str>,
        body: &Object,
        version: u64,
        origin: Origin,
    ) {
        let mut record = Record::new(kind, body, version, origin);
        let name = self.name_key(kind, record.name());
        if kind == Kind::User && record.active() {
            self.active_users += 1;
        }
        let c = self.collection_mut(kind);
        if origin == Origin::Scim {
            record.slot = Some(c.order.push(id.clone()));
        }
        c.by_name.entry(name).or_default().push(id.clone());
        if let Some(e) = record.external_id() {
            c.by_external
                .entry(e.to_owned())
                .or_default()
                .push(id.clone());
        }
        c.records.insert(id, record);
    }

    /// Replaces a record's body, keeping indexes and the seat count right.
    pub fn set_body(&mut self, kind: Kind, id: &str, body: Object, version: u64) {
        let Some((key, old)) = self.collection(kind).records.get_key_value(id) else {
            return;
        };
        let key = key.clone();
        let mut new = Record::new(kind, &body, version, old.origin);
        let (old_name, new_name) = (
            self.name_key(kind, old.name()),
            self.name_key(kind, new.name()),
        );
        let old_ext = old.external.clone();
        let was_active = old.active();
        let c = self.collection_mut(kind);
        if old_name != new_name {
            remove_from_list(&mut c.by_name, &old_name, &key);
            c.by_name.entry(new_name).or_default().push(key.clone());
        }
        if old_ext != new.external {
            if let Some(e) = old_ext {
                remove_from_list(&mut c.by_external, &e, &key);
            }
            if let Some(e) = new.external_id() {
                c.by_external
                    .entry(e.to_owned())
                    .or_default()
                    .push(key.clone());
            }
        }
        let rec = c.records.get_mut(id).expect("present");
        new.slot = rec.slot;
        new.members = std::mem::take(&mut rec.members);
        *rec = new;
        let now_active = rec.active();
        if kind == Kind::User && was_active != now_active {
            if now_active {
                self.active_users += 1;
            } else {
                self.active_users -= 1;
            }
        }
    }

    /// Replaces a group's member set, keeping `member_of` in step.
    pub fn set_members(&mut self, group: &str, members: MemberSet) {
        let Some((gid, rec)) = self.groups.records.get_key_value(group) else {
            return;
        };
        let gid = gid.clone();
        let old: Vec<Arc<str>> = rec
            .members
            .keys()
            .filter(|m| !members.contains_key(*m))
            .cloned()
            .collect();
        let new: Vec<Arc<str>> = members
            .keys()
            .filter(|m| !rec.members.contains_key(*m))
            .cloned()
            .collect();
        for m in old {
            remove_from_list(&mut self.member_of, &m, &gid);
        }
        for m in new {
            self.member_of.entry(m).or_default().push(gid.clone());
        }
        self.groups.records.get_mut(group).expect("present").members = members;
    }

    /// Adds members that are not in the group and removes members that
    /// are, keeping `member_of` in step: O(added + removed), plus a pass
    /// over the members when any is removed (to keep their order).
    pub fn change_members(&mut self, group: &str, added: MemberSet, removed: &HashSet<Arc<str>>) {
        let Some((gid, _)) = self.groups.records.get_key_value(group) else {
            return;
        };
        let gid = gid.clone();
        for m in removed {
            remove_from_list(&mut self.member_of, m, &gid);
        }
        for m in added.keys() {
            self.member_of
                .entry(m.clone())
                .or_default()
                .push(gid.clone());
        }
        let rec = self.groups.records.get_mut(group).expect("present");
        // A few removals shift the entries after each (a memmove and an
        // index fix-up); more are swept in one pass, which hashes every
        // member. One member at a time is what IdPs send most.
        if removed.len() <= 8 {
            for m in removed {
                rec.members.shift_remove(m);
            }
        } else {
            rec.members.retain(|m, _| !removed.contains(m));
        }
        rec.members.extend(added);
    }

    /// Removes a record and every membership that names it.
    pub fn remove(&mut self, kind: Kind, id: &str) -> Option<Record> {
        if kind == Kind::Group {
            self.set_members(id, IndexMap::new());
        }
        // Drop it from every group that lists it.
        if let Some(groups) = self.member_of.remove(id) {
            for g in groups {
                if let Some(rec) = self.groups.records.get_mut(&*g) {
                    rec.members.shift_remove(id);
                }
            }
        }
        let name_key = {
            let rec = self.collection(kind).records.get(id)?;
            self.name_key(kind, rec.name())
        };
        let c = self.collection_mut(kind);
        let (key, rec) = c.records.remove_entry(id)?;
        remove_from_list(&mut c.by_name, &name_key, &key);
        if let Some(e) = rec.external_id() {
            remove_from_list(&mut c.by_external, e, &key);
        }
        if let Some(slot) = rec.slot
            && c.order.remove(slot)
        {
            for (id, slot) in c.order.compact() {
                if let Some(r) = c.records.get_mut(&id) {
                    r.slot = Some(slot);
                }
            }
        }
        if kind == Kind::User && rec.active() {
            self.active_users -= 1;
        }
        Some(rec)
    }
}

fn remove_from_list<K: std::hash::Hash + Eq + std::borrow::Borrow<str>>(
    map: &mut HashMap<K, Vec<Arc<str>>>,
    key: &str,
    id: &Arc<str>,
) {
    if let Some(list) = map.get_mut(key) {
        if let Some(pos) = list.iter().position(|x| x == id) {
            list.swap_remove(pos);
        }
        if list.is_empty() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_with_parses_only_what_is_asked() {
        let body = json!({"userName": "a", "name": {"givenName": "A"}, "emails": [{"value": "a@x"}],
                          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}});
        let rec = Record::new(Kind::User, body.as_object().unwrap(), 1, Origin::Scim);
        let part = rec.object_with(&[
            "emails",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "title",
        ]);
        assert_eq!(
            Value::Object(part),
            json!({"emails": [{"value": "a@x"}],
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}})
        );
        assert_eq!(Value::Object(rec.object()), body);
    }
}
