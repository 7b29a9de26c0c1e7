//! The SCIM service of one tenant: what a request may change and what it
//! answers, over the [`Store`]. The HTTP layer only translates.
//!
//! Every write takes the store's write lock for its whole read-modify-write,
//! so concurrent PATCHes to one group are applied one after the other and
//! none loses a member (Entra sends them in parallel, IDP-WIRE.md §2.9).

use std::collections::HashSet;
use std::sync::Arc;

use idpsim_scim::error::excerpt;
use idpsim_scim::filter;
use idpsim_scim::message::{ListResponse, SearchRequest, SortOrder};
use idpsim_scim::patch::{self, OpKind, PatchOperation, PatchRequest};
use idpsim_scim::path::{self, Resolved};
use idpsim_scim::projection::Projection;
use idpsim_scim::resource::{self, Object};
use idpsim_scim::schema::ResourceSchema;
use idpsim_scim::sort;
use idpsim_scim::{Filter, PatchPath, ScimError, ScimType};
use indexmap::IndexMap;
use parking_lot::{Mutex, RwLock};
use scim_v2::filter::{AttrExp, CompValue, CompareOp, ValFilter};
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{self, Audit};
use crate::config::{Config, ProvisioningMode, Quirk, Role, SeatTier};
use crate::membership;
use crate::store::{Kind, MemberSet, Membership, Origin, Record, Store};

/// A resource ready to answer with.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Object,
    /// The weak entity tag, unless the `no-etag` quirk is on.
    pub etag: Option<String>,
    pub location: String,
}

/// A parsed list query (RFC 7644 §3.4.2).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort: Option<(Resolved, SortOrder)>,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    pub projection: Projection,
}

impl ListQuery {
    /// Parses the raw request against a resource type.
    pub fn parse(
        schema: &ResourceSchema,
        req: &SearchRequest,
        max_results: usize,
    ) -> Result<Self, ScimError> {
        let filter = match req
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(f) => {
                let f = filter::parse(f)?;
                filter::check(schema, &f)?;
                Some(f)
            }
            None => None,
        };
        let sort = match req
            .sort_by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => {
                let p = path::parse_attr_path(s)?;
                let r = path::resolve_attribute(schema, &p)?;
                Some((r, req.sort_order.unwrap_or_default()))
            }
            None => None,
        };
        Ok(ListQuery {
            filter,
            sort,
            // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
            start_index: req.start_index.unwrap_or(1).max(1) as usize,
            count: req
                .count
                .map_or(max_results, |c| c.clamp(0, max_results as i64) as usize),
            projection: Projection::parse(
                schema,
                req.attributes.as_deref(),
                req.excluded_attributes.as_deref(),
            )?,
        })
    }
}

/// One account as the tenant's admin sees it, with the role and seat tier
/// that its groups map to.
#[derive(Debug, Serialize)]
pub struct Member {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub active: bool,
    pub origin: Origin,
    pub role: Role,
    pub tier: SeatTier,
    pub groups: Vec<String>,
}

/// Who is making a change, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Scim,
    Admin,
    Jit,
}

impl Actor {
    fn as_str(self) -> &'static str {
        match self {
            Actor::Scim => "scim",
            Actor::Admin => "admin",
            Actor::Jit => "jit",
        }
    }
}

/// One tenant.
#[derive(Debug)]
pub struct Tenant {
    store: RwLock<Store>,
    audit: Mutex<Audit>,
    mode: RwLock<ProvisioningMode>,
    config: Config,
    base_url: String,
    owner: Option<Arc<str>>,
}

fn schema_of(kind: Kind) -> &'static ResourceSchema {
    match kind {
        Kind::User => ResourceSchema::user(),
        Kind::Group => ResourceSchema::group(),
        Kind::ServiceAccount => ResourceSchema::service_account(),
    }
}

fn not_found(kind: Kind, id: &str) -> ScimError {
    ScimError::not_found(format!(
        "no {} with id {:?}",
        kind.resource_type(),
        excerpt(id)
    ))
}

fn forbidden(detail: impl Into<String>) -> ScimError {
    ScimError::status(403, detail)
}

fn etag_of(version: u64) -> String {
    format!("W/\"{version}\"")
}

impl Tenant {
    /// A tenant whose resources live under `base_url` (for `meta.location`).
    pub fn new(config: Config, base_url: String) -> Self {
        let mut store = Store::new(!config.has(Quirk::CaseSensitiveUsername));
        store.duplicate_names = config.has(Quirk::NoUniqueness);
        let mut audit = Audit::default();
        let owner = config.tenant.primary_owner.clone().map(|name| {
            let body = resource::normalize(
                ResourceSchema::user(),
                json!({"schemas": [idpsim_scim::urn::USER], "userName": name, "active": true,
                       "displayName": "Primary Owner"}),
            )
            .expect("the owner's user name is a valid userName");
            let (id, _) = insert_new(&mut store, Kind::User, body, Origin::Scim);
            audit.record(
                "user.created",
                "admin",
                Some(&id),
                Some(&name),
                Some("primary owner".into()),
            );
            id
        });
        Tenant {
            store: RwLock::new(store),
            audit: Mutex::new(audit),
            mode: RwLock::new(config.tenant.provisioning),
            config,
            base_url,
            owner,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn record(
        &self,
        action: &'static str,
        actor: Actor,
        id: &str,
        name: &str,
        detail: Option<String>,
    ) {
        self.audit
            .lock()
            .record(action, actor.as_str(), Some(id), Some(name), detail);
    }

    fn is_owner(&self, id: &str) -> bool {
        self.owner.as_deref() == Some(id)
    }

    fn render(
        &self,
        store: &Store,
        kind: Kind,
        id: &str,
        rec: &Record,
        projection: &Projection,
    ) -> Rendered {
        self.render_body(store, kind, id, rec, rec.object(), projection)
    }

    /// `render` of a body already at hand (as `rec` stores it), which saves
    /// parsing the stored JSON back.
    fn render_body(
        &self,
        store: &Store,
        kind: Kind,
        id: &str,
        rec: &Record,
        mut body: Object,
        projection: &Projection,
    ) -> Rendered {
        let schema = schema_of(kind);
        let location = format!("{}/{}/{id}", self.base_url, kind.endpoint());
        let no_etag = self.config.has(Quirk::NoEtag);
        if let Some(Value::Object(meta)) = body.get_mut("meta") {
            meta.insert("location".into(), location.clone().into());
            if no_etag {
                meta.remove("version");
            }
        }
        if kind == Kind::User && self.config.has(Quirk::DropsManager) {
            for (k, v) in body.iter_mut() {
                if k.eq_ignore_ascii_case(idpsim_scim::urn::ENTERPRISE_USER)
                    && let Value::Object(ext) = v
                {
                    ext.retain(|a, _| !a.eq_ignore_ascii_case("manager"));
                }
            }
        }
        match kind {
            Kind::User if !projection.excludes_root(schema, "groups") => {
                if let Some(groups) = store.member_of.get(id).filter(|g| !g.is_empty()) {
                    let list: Vec<Value> = groups
                        .iter()
                        .filter_map(|g| {
                            let grec = store.groups.get(g)?;
                            Some(json!({"value": &**g, "$ref": format!("{}/Groups/{g}", self.base_url),
                                        "display": grec.name(), "type": "direct"}))
                        })
                        .collect();
                    body.insert("groups".into(), Value::Array(list));
                }
            }
            Kind::Group
                if !projection.excludes_root(schema, "members") && !rec.members.is_empty() =>
            {
                body.insert("members".into(), Value::Array(self.member_list(store, rec)));
            }
            _ => {}
        }
        projection.apply(schema, &mut body);
        Rendered {
            body,
            etag: (!no_etag).then(|| etag_of(rec.version)),
            location,
        }
    }

    fn member_list(&self, store: &Store, rec: &Record) -> Vec<Value> {
        rec.members
            .iter()
            .map(|(m, ms)| {
                let k = ms.kind;
                // The client's display when it gave one, else the member's
                // own name.
                let display = match &ms.display {
                    Some(d) => Some(d.to_string()),
                    None => store.collection(k).get(m).map(|r| r.display().to_owned()),
                };
                let mut v = json!({"value": &**m, "$ref": format!("{}/{}/{m}", self.base_url, k.endpoint()),
                                   "type": k.resource_type()});
                if let Some(d) = display {
                    v["display"] = d.into();
                }
                v
            })
            .collect()
    }

    fn visible<'s>(&self, store: &'s Store, kind: Kind, id: &str) -> Result<&'s Record, ScimError> {
        match store.collection(kind).get(id) {
            Some(r) if r.origin == Origin::Scim => Ok(r),
            _ => Err(not_found(kind, id)),
        }
    }

    /// `GET /{type}/{id}`.
    pub fn get(
        &self,
        kind: Kind,
        id: &str,
        projection: &Projection,
    ) -> Result<Rendered, ScimError> {
        let store = self.store.read();
        let rec = self.visible(&store, kind, id)?;
        Ok(self.render(&store, kind, id, rec, projection))
    }

    /// `POST /{type}`.
    pub fn create(&self, kind: Kind, input: Value, actor: Actor) -> Result<Rendered, ScimError> {
        let schema = schema_of(kind);
        let mut body = resource::normalize(schema, input)?;
        self.keep_only_declared(kind, &mut body);
        let members = body.remove("members");
        let mut store = self.store.write();
        let name = body
            .get(kind.name_attr())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        valid_name(kind, &name)?;
        if !self.config.has(Quirk::NoUniqueness) && store.find_name(kind, &name).is_some() {
            return Err(name_taken(kind, &name));
        }
        if kind == Kind::User && body.get("active").and_then(Value::as_bool).unwrap_or(true) {
            self.check_seat(&store)?;
        }
        let members = match members {
            Some(m) => resolve_members(&store, &m, None)?,
            None => IndexMap::new(),
        };
        check_member_count(members.len())?;
        let origin = match actor {
            Actor::Jit => Origin::Jit,
            _ => Origin::Scim,
        };
        let (id, body) = insert_new(&mut store, kind, body, origin);
        let added = members.len();
        if kind == Kind::Group {
            store.set_members(&id, members);
        }
        let what = match kind {
            Kind::User => "user.created",
            Kind::Group => "group.created",
            Kind::ServiceAccount => "serviceAccount.created",
        };
        self.record(
            what,
            actor,
            &id,
            &name,
            (added > 0).then(|| format!("{added} members")),
        );
        if kind == Kind::User && self.config.has(Quirk::RacyCreate) {
            return Err(name_taken(kind, &name));
        }
        let rec = store.collection(kind).get(&id).expect("just inserted");
        Ok(self.render_body(&store, kind, &id, rec, body, &Projection::Default))
    }

    fn check_seat(&self, store: &Store) -> Result<(), ScimError> {
        match self.config.tenant.seat_limit {
            Some(limit) if store.active_users >= limit => Err(forbidden(format!(
                "seat limit reached: the tenant has {limit} seats and all are in use; deactivate or remove a user first"
            ))),
            _ => Ok(()),
        }
    }

    fn check_if_match(&self, rec: &Record, if_match: Option<&str>) -> Result<(), ScimError> {
        if self.config.has(Quirk::NoEtag) {
            return Ok(());
        }
        let Some(wanted) = if_match else {
            return Ok(());
        };
        let current = etag_of(rec.version);
        let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
        let ok = wanted
            .split(',')
            .any(|t| t.trim() == "*" || strip(t) == strip(&current));
        if ok {
            Ok(())
        } else {
            Err(ScimError::status(
                412,
                format!("If-Match {wanted} does not match the current version {current}"),
            ))
        }
    }

    /// `PUT /{type}/{id}`: the body replaces every client-writable attribute.
    pub fn replace(
        &self,
        kind: Kind,
        id: &str,
        input: Value,
        if_match: Option<&str>,
    ) -> Result<Rendered, ScimError> {
        let schema = schema_of(kind);
        let mut body = resource::normalize(schema, input)?;
        let mut store = self.store.write();
        let rec = self.visible(&store, kind, id)?;
        self.check_if_match(rec, if_match)?;
        idpsim_scim::immutable::keep_on_replace(schema, &rec.object(), &mut body)?;
        self.commit(&mut store, kind, id, body, Actor::Scim)?;
        let rec = store.collection(kind).get(id).expect("present");
        Ok(self.render(&store, kind, id, rec, &Projection::Default))
    }

    /// `PATCH /{type}/{id}`.
    pub fn patch(
        &self,
        kind: Kind,
        id: &str,
        req: PatchRequest,
        if_match: Option<&str>,
    ) -> Result<Rendered, ScimError> {
        let mut store = self.store.write();
        self.patch_in(&mut store, kind, id, req, if_match)?;
        let rec = store.collection(kind).get(id).expect("present");
        Ok(self.render(&store, kind, id, rec, &Projection::Default))
    }

    /// `PATCH` answered with `Prefer: return=minimal`: the entity tag only,
    /// so a group of many members is not rendered for a 204.
    pub fn patch_minimal(
        &self,
        kind: Kind,
        id: &str,
        req: PatchRequest,
        if_match: Option<&str>,
    ) -> Result<Option<String>, ScimError> {
        let mut store = self.store.write();
        self.patch_in(&mut store, kind, id, req, if_match)?;
        let rec = store.collection(kind).get(id).expect("present");
        Ok((!self.config.has(Quirk::NoEtag)).then(|| etag_of(rec.version)))
    }

    fn patch_in(
        &self,
        store: &mut Store,
        kind: Kind,
        id: &str,
        req: PatchRequest,
        if_match: Option<&str>,
    ) -> Result<(), ScimError> {
        self.check_patch_supported()?;
        let schema = schema_of(kind);
        let ops = self.quirk_ops(req.operations)?;
        let rec = self.visible(store, kind, id)?;
        self.check_if_match(rec, if_match)?;
        // Members are kept apart from a group's body: a change that leaves
        // them alone (Okta's name sync after every member PATCH, a rename)
        // need not rebuild, re-check and re-store every one of them, and
        // the usual member changes are applied to the id set directly.
        if kind == Kind::Group
            && let Some(split) = membership::split(&ops, touches_members)?
        {
            let next = patch::apply(schema, &rec.object(), &split.body)?;
            let members = if split.members.is_empty() {
                Members::Kept
            } else {
                match membership::apply(store, &rec.members, split.members, |store, listed| {
                    resolve_members(store, listed, Some(id))
                })? {
                    membership::Outcome::Set(m) => Members::Given(m),
                    membership::Outcome::Delta(d) => Members::Delta(d),
                }
            };
            return self.commit_with(store, kind, id, next, members, Actor::Scim);
        }
        let current = with_members(kind, rec);
        let next = patch::apply(schema, &current, &ops)?;
        self.commit(store, kind, id, next, Actor::Scim)
    }

    /// The first half of a PATCH under the `racy-member-patch` quirk: a
    /// snapshot read without holding the lock across the change.
    pub fn snapshot(&self, kind: Kind, id: &str) -> Result<Object, ScimError> {
        let store = self.store.read();
        Ok(with_members(kind, self.visible(&store, kind, id)?))
    }

    /// The second half: the change applied to a stale snapshot and written
    /// over whatever happened meanwhile.
    pub fn patch_snapshot(
        &self,
        kind: Kind,
        id: &str,
        snapshot: Object,
        req: PatchRequest,
    ) -> Result<Rendered, ScimError> {
        self.check_patch_supported()?;
        let next = patch::apply(schema_of(kind), &snapshot, &self.quirk_ops(req.operations)?)?;
        let mut store = self.store.write();
        self.visible(&store, kind, id)?;
        self.commit(&mut store, kind, id, next, Actor::Scim)?;
        let rec = store.collection(kind).get(id).expect("present");
        Ok(self.render(&store, kind, id, rec, &Projection::Default))
    }

    /// Under `minimal-schema`, drops what that server does not have from a
    /// body about to be stored: every write passes here or through
    /// `commit_with`.
    fn keep_only_declared(&self, kind: Kind, body: &mut Object) {
        if kind == Kind::User && self.config.has(Quirk::MinimalSchema) {
            crate::minimal_schema::strip(body);
        }
    }

    /// Under `no-patch`, refuses every PATCH (RFC 7644 §3.12: 501 for an
    /// operation the server does not support).
    fn check_patch_supported(&self) -> Result<(), ScimError> {
        if self.config.has(Quirk::NoPatch) {
            return Err(ScimError::status(501, "this server does not support PATCH"));
        }
        Ok(())
    }

    /// The quirks that change how PATCH operations are read.
    fn quirk_ops(&self, mut ops: Vec<PatchOperation>) -> Result<Vec<PatchOperation>, ScimError> {
        let is_members = |p: &Option<String>| {
            p.as_deref()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("members"))
        };
        if self.config.has(Quirk::NoReplaceMembers)
            && ops.iter().any(|op| {
                op.op == OpKind::Replace
                    && (is_members(&op.path)
                        || (op.path.is_none()
                            && op
                                .value
                                .as_ref()
                                .and_then(Value::as_object)
                                .is_some_and(|o| {
                                    o.keys().any(|k| k.eq_ignore_ascii_case("members"))
                                })))
            })
        {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "patch-REPLACE-operation not supported for group.members",
            ));
        }
        if self.config.has(Quirk::FirstOpOnly) {
            ops.truncate(1);
        }
        Ok(ops.into_iter()
            .filter(|op| {
                !(self.config.has(Quirk::IgnoreFilteredMemberRemoval)
                    && op.op == OpKind::Remove
                    && matches!(op.path.as_deref().map(str::parse::<PatchPath>),
                        Some(Ok(PatchPath::Value(vp))) if vp.attr.name.eq_ignore_ascii_case("members")))
            })
            .map(|mut op| {
                if self.config.has(Quirk::LiteralMemberRemoval) && op.op == OpKind::Remove && is_members(&op.path) {
                    op.value = None;
                }
                op
            })
            .collect())
    }

    /// Stores a new body for an existing resource after the checks every
    /// write shares: uniqueness, the owner rule, seats and membership.
    fn commit(
        &self,
        store: &mut Store,
        kind: Kind,
        id: &str,
        body: Object,
        actor: Actor,
    ) -> Result<(), ScimError> {
        self.commit_with(store, kind, id, body, Members::InBody, actor)
    }

    fn commit_with(
        &self,
        store: &mut Store,
        kind: Kind,
        id: &str,
        mut body: Object,
        members: Members,
        actor: Actor,
    ) -> Result<(), ScimError> {
        body.remove("meta");
        self.keep_only_declared(kind, &mut body);
        let rec = store.collection(kind).get(id).expect("caller checked");
        let name = body
            .get(kind.name_attr())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        valid_name(kind, &name)?;
        if let Some(holder) = store.find_name(kind, &name)
            && &**holder != id
            && !self.config.has(Quirk::NoUniqueness)
        {
            return Err(name_taken(kind, &name));
        }
        let was_active = rec.active();
        let now_active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
        if kind == Kind::User && was_active && !now_active && self.is_owner(id) {
            return Err(forbidden(
                "the Primary Owner cannot be deactivated over SCIM",
            ));
        }
        if kind == Kind::User && !was_active && now_active {
            self.check_seat(store)?;
        }
        let listed = body.remove("members");
        let members = match (members, listed) {
            (Members::Kept, _) => None,
            (Members::Delta(d), _) => Some(MemberUpdate::Delta(d)),
            (Members::Given(m), _) => Some(MemberUpdate::Set(m)),
            (Members::InBody, Some(m)) => {
                Some(MemberUpdate::Set(resolve_members(store, &m, Some(id))?))
            }
            (Members::InBody, None) => Some(MemberUpdate::Set(IndexMap::new())),
        };
        let (added, removed) = match &members {
            None => (0, 0),
            Some(MemberUpdate::Set(m)) => (
                m.keys().filter(|k| !rec.members.contains_key(*k)).count(),
                rec.members.keys().filter(|k| !m.contains_key(*k)).count(),
            ),
            Some(MemberUpdate::Delta(d)) => (d.added.len(), d.removed.len()),
        };
        if members.is_some() {
            check_member_count(rec.members.len() + added - removed)?;
        }
        // Keep what the server owns: id and meta.
        body.insert("id".into(), id.into());
        let mut old_cmp = rec.object();
        let old_meta = old_cmp.get("meta").cloned().unwrap_or_default();
        old_cmp.remove("meta");
        let members = members.filter(|_| kind == Kind::Group);
        let (added, removed) = if members.is_some() {
            (added, removed)
        } else {
            (0, 0)
        };
        let changed = old_cmp != body || added + removed > 0;
        if !changed {
            // RFC 7644 §3.5.2.1: a no-op leaves meta (and the version) alone.
            return Ok(());
        }
        let version = store.tick();
        let mut meta = old_meta;
        meta["lastModified"] = audit::now_rfc3339().into();
        meta["version"] = etag_of(version).into();
        body.insert("meta".into(), meta);
        store.set_body(kind, id, body, version);
        match members {
            Some(MemberUpdate::Set(m)) => store.set_members(id, m),
            Some(MemberUpdate::Delta(d)) => store.change_members(id, d.added, &d.removed),
            None => {}
        }
        let action = match (kind, was_active, now_active) {
            (Kind::User, true, false) => "user.deactivated",
            (Kind::User, false, true) => "user.reactivated",
            (Kind::User, _, _) => "user.updated",
            (Kind::Group, _, _) => "group.updated",
            (Kind::ServiceAccount, _, _) => "serviceAccount.updated",
        };
        let detail =
            (added + removed > 0).then(|| format!("{added} members added, {removed} removed"));
        self.record(action, actor, id, &name, detail);
        Ok(())
    }

    /// `DELETE /{type}/{id}`.
    pub fn delete(&self, kind: Kind, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        let mut store = self.store.write();
        let rec = self.visible(&store, kind, id)?;
        self.check_if_match(rec, if_match)?;
        if self.is_owner(id) {
            return Err(forbidden("the Primary Owner cannot be deleted over SCIM"));
        }
        let name = rec.name().to_owned();
        if self.config.has(Quirk::SoftDelete) {
            if kind == Kind::User && rec.active() {
                let mut body = rec.object();
                body.insert("active".into(), false.into());
                let version = store.tick();
                store.set_body(kind, id, body, version);
            }
            self.record(
                "user.deactivated",
                Actor::Scim,
                id,
                &name,
                Some("soft delete".into()),
            );
            return Ok(());
        }
        store.remove(kind, id);
        let action = match kind {
            Kind::User => "user.deleted",
            Kind::Group => "group.deleted",
            Kind::ServiceAccount => "serviceAccount.deleted",
        };
        self.record(action, Actor::Scim, id, &name, None);
        Ok(())
    }

    /// `list`, when an index answers `q` with a few small candidates and
    /// no sort; `None` otherwise. Such a lookup (every IdP's check before a
    /// create) costs less than handing it to a blocking thread and back, so
    /// it runs where it is asked; scans and big pages do not.
    pub fn list_if_small(
        &self,
        kind: Kind,
        q: &ListQuery,
    ) -> Option<Result<ListResponse<Item>, ScimError>> {
        const CANDIDATES: usize = 16;
        const MEMBERS: usize = 1000;
        let (Some(f), None) = (&q.filter, &q.sort) else {
            return None;
        };
        let store = self.store.read();
        let ids = plan(&store, kind, f).filter(|ids| ids.len() <= CANDIDATES)?;
        // What rendering grows with: a group's members, a user's groups.
        let derived = |id: &Arc<str>| match kind {
            Kind::Group => store.groups.get(id).map_or(0, |r| r.members.len()),
            Kind::User => store.member_of.get(id).map_or(0, Vec::len),
            Kind::ServiceAccount => 0,
        };
        let excluded = match kind {
            Kind::Group => "members",
            Kind::User | Kind::ServiceAccount => "groups",
        };
        let small = q.projection.excludes_root(schema_of(kind), excluded)
            || ids.iter().map(derived).sum::<usize>() <= MEMBERS;
        small.then(|| self.list_in(&store, kind, q))
    }

    /// `GET /{type}` and `POST /{type}/.search`.
    pub fn list(&self, kind: Kind, q: &ListQuery) -> Result<ListResponse<Item>, ScimError> {
        self.list_in(&self.store.read(), kind, q)
    }

    fn list_in(
        &self,
        store: &Store,
        kind: Kind,
        q: &ListQuery,
    ) -> Result<ListResponse<Item>, ScimError> {
        let schema = schema_of(kind);
        let coll = store.collection(kind);
        let paging = !self.config.has(Quirk::ListIgnoresPaging);
        let (skip, take) = if paging {
            let take = if self.config.has(Quirk::PageCap) {
                q.count.min(crate::config::PAGE_CAP)
            } else {
                q.count
            };
            (q.start_index - 1, take)
        } else {
            (0, usize::MAX)
        };
        let page_ids: Vec<Arc<str>>;
        let total: usize;
        if q.filter.is_none() && q.sort.is_none() {
            total = coll.visible_len();
            page_ids = coll.ordered_from(skip).take(take).cloned().collect();
        } else {
            let mut ids = self.matching(store, kind, q.filter.as_ref())?;
            if let Some((by, order)) = &q.sort {
                let mut keyed: Vec<(sort::SortKey, Arc<str>)> = ids
                    .into_iter()
                    .map(|id| (sort::key(&coll.get(&id).expect("listed").object(), by), id))
                    .collect();
                keyed.sort_by(|a, b| sort::ascending(&a.0, &b.0));
                if *order == SortOrder::Descending {
                    keyed.reverse();
                }
                ids = keyed.into_iter().map(|(_, id)| id).collect();
            }
            total = ids.len();
            page_ids = ids.into_iter().skip(skip).take(take).collect();
        }
        if total == 0 && q.filter.is_some() && self.config.has(Quirk::NotFoundOnEmptyList) {
            return Err(ScimError::not_found("no resource matches the filter"));
        }
        let mut page = Page::default();
        for id in &page_ids {
            let Some(r) = coll.get(id) else { continue };
            if !page.push(self, store, kind, id, r, &q.projection) {
                break;
            }
        }
        let start = if paging { q.start_index } else { 1 };
        let _ = schema;
        Ok(ListResponse::new(page.items, total as u64, start as u64))
    }

    /// Ids of visible resources matching `filter`, in creation order.
    fn matching(
        &self,
        store: &Store,
        kind: Kind,
        f: Option<&Filter>,
    ) -> Result<Vec<Arc<str>>, ScimError> {
        let coll = store.collection(kind);
        let Some(f) = f else {
            return Ok(coll.ordered().cloned().collect());
        };
        let schema = schema_of(kind);
        // Folded once here rather than per resource; the index plan below
        // reads the filter as sent (the case-sensitive-username quirk
        // looks names up exactly).
        let mut folded = f.clone();
        filter::fold_literals(schema, &mut folded);
        let prepared = filter::Prepared::folded(schema, &folded);
        let keys = prepared.top_level_keys();
        let derived = match kind {
            Kind::User => mentions(f, "groups"),
            Kind::Group => mentions(f, "members"),
            Kind::ServiceAccount => false,
        };
        let test = |id: &Arc<str>| -> bool {
            let Some(rec) = coll.get(id) else {
                return false;
            };
            if rec.origin != Origin::Scim {
                return false;
            }
            let obj = if derived {
                self.render(store, kind, id, rec, &Projection::Default).body
            } else {
                rec.object_with(&keys)
            };
            prepared.matches(&obj)
        };
        let planned = plan(store, kind, f);
        let candidates = planned.as_ref().map_or(coll.visible_len(), Vec::len);
        let rendered = if derived {
            let each = |id: &Arc<str>| match kind {
                Kind::Group => coll.get(id).map_or(0, |r| r.members.len()),
                Kind::User => store.member_of.get(id).map_or(0, Vec::len),
                Kind::ServiceAccount => 0,
            };
            match &planned {
                Some(ids) => ids.iter().map(each).sum(),
                None => coll.ordered().map(each).sum(),
            }
        } else {
            0
        };
        check_filter_work(filter::terms(f), candidates, rendered)?;
        Ok(match planned {
            Some(mut ids) => {
                ids.sort_by_key(|id| coll.slot(id));
                ids.dedup();
                ids.retain(|id| test(id));
                ids
            }
            None => coll.ordered().filter(|id| test(id)).cloned().collect(),
        })
    }

    /// `POST /.search` at the root: users, groups, then service accounts. A filter naming an
    /// attribute one type lacks simply matches nothing of that type
    /// (RFC 7644 §3.4.2.1).
    pub fn search_root(&self, req: &SearchRequest) -> Result<ListResponse<Item>, ScimError> {
        let max = self.config.limits.max_results;
        let f = match req
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(raw) => Some(filter::parse(raw)?),
            None => None,
        };
        let kinds = [Kind::User, Kind::Group, Kind::ServiceAccount];
        if let Some(f) = &f {
            let errors: Vec<ScimError> = kinds
                .iter()
                .filter_map(|k| filter::check(schema_of(*k), f).err())
                .collect();
            if errors.len() == kinds.len() {
                return Err(errors.into_iter().next().expect("one per kind"));
            }
        }
        let store = self.store.read();
        // Match first, render only the page: a root search over 100k
        // resources holds 100k ids, not 100k rendered bodies.
        let mut matched: Vec<(Kind, Projection, Vec<Arc<str>>)> = Vec::new();
        for kind in kinds {
            let schema = schema_of(kind);
            // Keep the listed attributes this type has; the rest name
            // nothing here (RFC 7644 §3.4.2.1).
            let keep = |list: Option<&str>| {
                list.map(|l| {
                    l.split(',')
                        .filter(|a| path::parse_attribute_list(schema, a).is_ok())
                        .collect::<Vec<_>>()
                        .join(",")
                })
            };
            let (attrs, excluded) = (
                keep(req.attributes.as_deref()),
                keep(req.excluded_attributes.as_deref()),
            );
            let projection = match (attrs.as_deref(), req.attributes.is_some()) {
                (Some(""), true) => Projection::parse(schema, Some("id"), None)?,
                _ => Projection::parse(schema, attrs.as_deref(), excluded.as_deref())?,
            };
            let ids = self.matching(&store, kind, f.as_ref())?;
            matched.push((kind, projection, ids));
        }
        let start = req.start_index.unwrap_or(1).max(1) as usize;
        let count = req.count.map_or(max, |c| c.clamp(0, max as i64) as usize);
        let total: usize = matched.iter().map(|(_, _, ids)| ids.len()).sum();
        let mut page = Page::default();
        let wanted = matched
            .iter()
            .flat_map(|(kind, projection, ids)| ids.iter().map(move |id| (*kind, projection, id)))
            .skip(start - 1)
            .take(count);
        for (kind, projection, id) in wanted {
            let Some(rec) = store.collection(kind).get(id) else {
                continue;
            };
            if !page.push(self, &store, kind, id, rec, projection) {
                break;
            }
        }
        Ok(ListResponse::new(page.items, total as u64, start as u64))
    }

    /// Deletes every user, group and service account except the Primary Owner.
    pub fn reset(&self) -> Value {
        let mut store = self.store.write();
        let groups: Vec<Arc<str>> = store.groups.records.keys().cloned().collect();
        let accounts: Vec<Arc<str>> = store.service_accounts.records.keys().cloned().collect();
        let users: Vec<Arc<str>> = store
            .users
            .records
            .keys()
            .filter(|id| !self.is_owner(id))
            .cloned()
            .collect();
        for g in &groups {
            store.remove(Kind::Group, g);
        }
        for u in &users {
            store.remove(Kind::User, u);
        }
        for a in &accounts {
            store.remove(Kind::ServiceAccount, a);
        }
        drop(store);
        self.audit.lock().record(
            "directory.reset",
            "admin",
            None,
            None,
            Some(format!(
                "{} users and {} groups deleted",
                users.len(),
                groups.len()
            )),
        );
        json!({"usersDeleted": users.len(), "groupsDeleted": groups.len(),
               "serviceAccountsDeleted": accounts.len()})
    }

    /// Records a just-in-time sign-in: creates the account if it is new.
    /// Such accounts are invisible over SCIM.
    pub fn jit_sign_in(&self, user_name: &str) -> Result<(String, bool), ScimError> {
        if *self.mode.read() == ProvisioningMode::Scim {
            return Err(forbidden(
                "the tenant provisions over SCIM; just-in-time accounts are off",
            ));
        }
        if let Some(id) = self.store.read().find_name(Kind::User, user_name) {
            return Ok((id.to_string(), false));
        }
        let r = self.create(
            Kind::User,
            json!({"schemas": [idpsim_scim::urn::USER], "userName": user_name, "active": true}),
            Actor::Jit,
        )?;
        let id = r
            .body
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok((id, true))
    }

    pub fn provisioning(&self) -> ProvisioningMode {
        *self.mode.read()
    }

    /// Switches the provisioning mode. Switching to SCIM removes every
    /// account that SCIM did not create (but the Primary Owner).
    pub fn set_provisioning(&self, mode: ProvisioningMode) -> Value {
        let mut removed = 0;
        {
            let mut m = self.mode.write();
            *m = mode;
            if mode == ProvisioningMode::Scim {
                let mut store = self.store.write();
                let jit: Vec<Arc<str>> = store
                    .users
                    .records
                    .iter()
                    .filter(|(id, r)| r.origin == Origin::Jit && !self.is_owner(id))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in &jit {
                    store.remove(Kind::User, id);
                }
                removed = jit.len();
            }
        }
        self.audit.lock().record(
            "provisioning.changed",
            "admin",
            None,
            None,
            Some(format!(
                "mode {mode:?}; {removed} non-SCIM accounts removed"
            )),
        );
        json!({"mode": mode, "removed": removed})
    }

    /// Every account with the role and tier its groups map to.
    pub fn members(&self) -> Vec<Member> {
        let store = self.store.read();
        let mut out: Vec<Member> = store
            .users
            .records
            .iter()
            .map(|(id, rec)| self.member(&store, id, rec))
            .collect();
        out.sort_by(|a, b| a.user_name.cmp(&b.user_name));
        out
    }

    /// One account, as [`members`](Self::members) describes it.
    pub fn account(&self, id: &str) -> Option<Member> {
        let store = self.store.read();
        let rec = store.users.get(id)?;
        Some(self.member(&store, id, rec))
    }

    /// The IDs of every account (SCIM or JIT) whose `userName` has this
    /// account key ([`crate::account_key`]): one, or none; more only when
    /// the `case-sensitive-username` quirk let look-alikes in.
    pub fn accounts_keyed(&self, key: &str) -> Vec<String> {
        let store = self.store.read();
        store
            .users_keyed(key)
            .iter()
            .map(|id| id.to_string())
            .collect()
    }

    fn member(&self, store: &Store, id: &str, rec: &Record) -> Member {
        let groups: Vec<String> = store
            .member_of
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|g| store.groups.get(g).map(|r| r.name().to_owned()))
            .collect();
        let mut role = Role::User;
        let mut tier = SeatTier::Standard;
        for g in &groups {
            let folded = g.to_lowercase();
            if let Some(rule) = self
                .config
                .tenant
                .group_rules
                .iter()
                .find(|r| folded.starts_with(&r.prefix.to_lowercase()))
            {
                role = role.max(rule.role);
                tier = tier.max(rule.tier);
            }
        }
        if self.is_owner(id) {
            role = Role::Owner;
        }
        Member {
            id: id.to_string(),
            user_name: rec.name().to_owned(),
            active: rec.active(),
            origin: rec.origin,
            role,
            tier,
            groups,
        }
    }

    /// Records a sign-in event in the audit log.
    pub fn audit_event(&self, action: &'static str, user_name: Option<&str>, detail: &str) {
        self.audit
            .lock()
            .record(action, "saml", None, user_name, Some(detail.to_owned()));
    }

    pub fn audit_page(&self, after: u64, limit: usize) -> audit::Page {
        self.audit.lock().page(after, limit)
    }

    /// Number of (users, groups) visible over SCIM.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.store.read();
        (s.users.visible_len(), s.groups.visible_len())
    }
}

/// One resource of a list page, written out as JSON as soon as it is
/// rendered, so that a page holds text rather than a tree per resource.
pub type Item = Box<serde_json::value::RawValue>;

/// The most members (for groups) and groups (for users) one list page
/// renders: the page ends early past it (RFC 7644 §3.4.2.4 lets a page hold
/// fewer than `count`; `itemsPerPage` says how many). A page of 1,000
/// groups of 100 members fits; 1,000 groups of 20,000 would be 2 GB.
pub const PAGE_DERIVED: usize = 100_000;

/// A list page being filled.
#[derive(Default)]
struct Page {
    items: Vec<Item>,
    derived: usize,
}

impl Page {
    /// Renders and adds one resource; `false` when it would take the page
    /// past [`PAGE_DERIVED`] (the first resource is always added).
    fn push(
        &mut self,
        tenant: &Tenant,
        store: &Store,
        kind: Kind,
        id: &str,
        rec: &Record,
        projection: &Projection,
    ) -> bool {
        let derived = match kind {
            Kind::Group if !projection.excludes_root(schema_of(kind), "members") => {
                rec.members.len()
            }
            Kind::User if !projection.excludes_root(schema_of(kind), "groups") => {
                store.member_of.get(id).map_or(0, Vec::len)
            }
            _ => 0,
        };
        if !self.items.is_empty() && self.derived + derived > PAGE_DERIVED {
            return false;
        }
        self.derived += derived;
        let body = tenant.render(store, kind, id, rec, projection).body;
        self.items
            .push(serde_json::value::to_raw_value(&body).expect("JSON values serialise"));
        true
    }
}

/// Where a commit finds a group's members.
enum Members {
    /// In the body (none listed: none).
    InBody,
    /// Untouched by the change: the stored ones stay.
    Kept,
    /// Worked out already, and checked (see [`membership`]).
    Given(MemberSet),
    /// Changes to the stored ones, checked.
    Delta(membership::Delta),
}

/// What a commit does to a group's member set.
enum MemberUpdate {
    Set(MemberSet),
    Delta(membership::Delta),
}

/// The most members one group may hold. A GET renders each member as a
/// JSON object of about a kilobyte, and a member change that the id-set
/// path cannot take goes through the JSON PATCH engine at a few kilobytes
/// a member; 20,000 keeps either well inside the 64 MiB one request may
/// cost. Raising it needs members rendered without a JSON tree each.
pub const MAX_MEMBERS: usize = 20_000;

/// The longest `display` a member keeps, in bytes. Members are kept apart
/// from the 64 KiB bound on a resource, so without a bound of their own
/// 20,000 members could hold a megabyte each; Okta sends a userName (an
/// address, at most 254 bytes).
pub const MAX_MEMBER_DISPLAY: usize = 1024;

/// The most work one filter may cost a request, in units of about an
/// eighth of a microsecond of this machine's CPU (benches/budget.rs): a
/// term tested on one resource is one unit, reading a scanned resource
/// [`FILTER_WORK_PER_RESOURCE`], and rendering a member or group for a
/// derived attribute (`members`, `groups`) eight. Two million keeps a
/// filter near the 250 ms one request may cost: a one-term scan of up to
/// 133,000 resources, 86 terms over 20,000. Past it: `400 tooMany`
/// (RFC 7644 §3.12: more than the server is willing to process); an `eq`
/// on an indexed attribute, or paging without a filter, still answers.
pub const MAX_FILTER_WORK: usize = 2_000_000;

/// What reading one resource for a filter costs, in [`MAX_FILTER_WORK`]
/// units (about 1.7 µs: its stored text scanned, the attributes the filter
/// reads parsed).
pub const FILTER_WORK_PER_RESOURCE: usize = 14;

fn check_filter_work(terms: usize, candidates: usize, rendered: usize) -> Result<(), ScimError> {
    let work = terms
        .saturating_add(FILTER_WORK_PER_RESOURCE)
        .saturating_mul(candidates)
        .saturating_add(rendered.saturating_mul(8));
    if work > MAX_FILTER_WORK {
        return Err(ScimError::bad_request(
            ScimType::TooMany,
            format!(
                "a filter of {terms} terms over {candidates} resources is more than this server evaluates \
                 in one request; use fewer terms, or `eq` on an indexed attribute (id, externalId, \
                 userName, a group's displayName or members.value)"
            ),
        ));
    }
    Ok(())
}

/// The most groups that may list one user or group: a user renders its
/// `groups` as a GET renders a group's members, so the same bound holds.
pub const MAX_GROUPS_PER_MEMBER: usize = MAX_MEMBERS;

/// `400 invalidValue` past [`MAX_MEMBERS`]: the request is well-formed,
/// but the group it would make is larger than this server keeps.
fn check_member_count(n: usize) -> Result<(), ScimError> {
    if n > MAX_MEMBERS {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!("a group may hold at most {MAX_MEMBERS} members; this change would make {n}"),
        ));
    }
    Ok(())
}

/// Whether a PATCH operation can change a group's `members`: a path on
/// them, or a pathless value that lists them.
fn touches_members(op: &PatchOperation) -> bool {
    let is_members = |name: &str| {
        // A filter's values may hold anything; the URN prefix holds dots.
        let head = name.split('[').next().unwrap_or(name).trim();
        let attr = head.rsplit_once(':').map_or(head, |(_, a)| a);
        let attr = attr.split('.').next().unwrap_or(attr);
        attr.eq_ignore_ascii_case("members")
    };
    match op.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(path) => is_members(path),
        None => match &op.value {
            Some(Value::Object(fields)) => fields.keys().any(|k| is_members(k)),
            // Not an object: patch::apply refuses it, whatever it names.
            _ => false,
        },
    }
}

/// A record's body with a group's members spelled out, as PATCH sees it.
fn with_members(kind: Kind, rec: &Record) -> Object {
    let mut current = rec.object();
    if kind == Kind::Group && !rec.members.is_empty() {
        let members: Vec<Value> = rec
            .members
            .iter()
            .map(|(m, ms)| {
                let mut v = json!({"value": &**m, "type": ms.kind.resource_type()});
                if let Some(d) = &ms.display {
                    v["display"] = (**d).into();
                }
                v
            })
            .collect();
        current.insert("members".into(), Value::Array(members));
    }
    current
}

/// Gives a new resource its id and `meta` and stores it; returns the id and
/// the body as stored.
fn insert_new(
    store: &mut Store,
    kind: Kind,
    mut body: Object,
    origin: Origin,
) -> (Arc<str>, Object) {
    let id: Arc<str> = Arc::from(uuid::Uuid::new_v4().simple().to_string());
    let version = store.tick();
    let now = audit::now_rfc3339();
    body.insert("id".into(), (&*id).into());
    body.insert(
        "meta".into(),
        json!({"resourceType": kind.resource_type(), "created": now, "lastModified": now,
               "version": etag_of(version)}),
    );
    store.insert(kind, id.clone(), &body, version, origin);
    (id, body)
}

/// Checks a `members` list: every value must be a visible user or group,
/// and a group may not contain itself.
fn resolve_members(
    store: &Store,
    members: &Value,
    group: Option<&str>,
) -> Result<MemberSet, ScimError> {
    let mut out = IndexMap::new();
    for m in members.as_array().into_iter().flatten() {
        let Some(value) = m.get("value").and_then(Value::as_str) else {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "every member needs a `value`",
            ));
        };
        if Some(value) == group {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                "a group cannot be a member of itself",
            ));
        }
        let wanted = m.get("type").and_then(Value::as_str);
        let find = |kind: Kind| {
            store
                .collection(kind)
                .records
                .get_key_value(value)
                .filter(|(_, r)| r.origin == Origin::Scim)
                .map(|(k, _)| (k.clone(), kind))
        };
        let hit = match wanted {
            Some(t) if t.eq_ignore_ascii_case("Group") => find(Kind::Group),
            Some(t) if t.eq_ignore_ascii_case("User") => find(Kind::User),
            _ => find(Kind::User).or_else(|| find(Kind::Group)),
        };
        let Some((id, kind)) = hit else {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!(
                    "member {:?} is not the id of a user or group",
                    excerpt(value)
                ),
            ));
        };
        let joins = group.is_none_or(|g| {
            store
                .groups
                .get(g)
                .is_none_or(|r| !r.members.contains_key(&*id))
        });
        if joins && store.member_of.get(&*id).map_or(0, Vec::len) >= MAX_GROUPS_PER_MEMBER {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!(
                    "{} {id} is in {MAX_GROUPS_PER_MEMBER} groups already, the most this server keeps",
                    kind.resource_type()
                ),
            ));
        }
        let display = match m.get("display") {
            Some(Value::String(d)) if d.len() > MAX_MEMBER_DISPLAY => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!(
                        "member {:?}: a display of {} bytes; at most {MAX_MEMBER_DISPLAY}",
                        excerpt(value),
                        d.len()
                    ),
                ));
            }
            Some(Value::String(d)) if !d.is_empty() => Some(Box::from(d.as_str())),
            _ => None,
        };
        out.insert(id, Membership { kind, display });
    }
    Ok(out)
}

/// The groups that list `member` directly.
fn groups_of(store: &Store, member: &str) -> Vec<Arc<str>> {
    store
        .member_of
        .get(member)
        .into_iter()
        .flatten()
        .cloned()
        .collect()
}

/// `400 invalidValue` for a `userName` that breaks the account-key rule.
fn valid_name(kind: Kind, name: &str) -> Result<(), ScimError> {
    if kind != Kind::User {
        return Ok(());
    }
    crate::account_key::validate(name).map_err(|why| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("userName {:?} {why}", clip(name)),
        )
    })
}

/// At most 256 bytes of a client's value, for an error message.
fn clip(s: &str) -> &str {
    let mut end = s.len().min(256);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `409 uniqueness` for a name another resource holds.
fn name_taken(kind: Kind, name: &str) -> ScimError {
    ScimError::uniqueness(format!(
        "a {} with {} {:?} already exists",
        kind.resource_type(),
        kind.name_attr(),
        excerpt(name)
    ))
}

/// Whether a filter names the top-level attribute `name` anywhere.
fn mentions(f: &Filter, name: &str) -> bool {
    let exp = |e: &AttrExp| match e {
        AttrExp::Present(p) | AttrExp::Comparison(p, _, _) => p.name.eq_ignore_ascii_case(name),
    };
    match f {
        Filter::Attr(e) => exp(e),
        Filter::ValuePath(vp) => vp.attr.name.eq_ignore_ascii_case(name),
        Filter::Not(f) => mentions(f, name),
        Filter::And(fs) | Filter::Or(fs) => fs.iter().any(|f| mentions(f, name)),
    }
}

/// Candidate ids from an index, when the filter pins an indexed attribute
/// with `eq`. `None` means "scan". The candidates are still run through the
/// whole filter.
fn plan(store: &Store, kind: Kind, f: &Filter) -> Option<Vec<Arc<str>>> {
    let core = schema_of(kind).core.id;
    let unqualified =
        |uri: &Option<String>| uri.as_deref().is_none_or(|u| u.eq_ignore_ascii_case(core));
    match f {
        Filter::Attr(AttrExp::Comparison(p, CompareOp::Eq, CompValue::Str(v)))
            if unqualified(&p.uri) =>
        {
            let coll = store.collection(kind);
            match (p.name.to_ascii_lowercase().as_str(), p.sub_attr.as_deref()) {
                ("id", None) => Some(
                    coll.records
                        .get_key_value(v.as_str())
                        .map(|(k, _)| k.clone())
                        .into_iter()
                        .collect(),
                ),
                ("externalid", None) => Some(coll.by_external(v).cloned().collect()),
                ("username", None) if kind != Kind::Group => Some(store.lookup_name(kind, v)),
                ("displayname", None) if kind == Kind::Group => Some(store.lookup_name(kind, v)),
                ("members", Some(s)) if kind == Kind::Group && s.eq_ignore_ascii_case("value") => {
                    Some(groups_of(store, v))
                }
                _ => None,
            }
        }
        Filter::ValuePath(vp)
            if kind == Kind::Group && vp.attr.name.eq_ignore_ascii_case("members") =>
        {
            match &*vp.filter {
                ValFilter::Attr(AttrExp::Comparison(p, CompareOp::Eq, CompValue::Str(v)))
                    if p.name.eq_ignore_ascii_case("value") =>
                {
                    Some(groups_of(store, v))
                }
                _ => None,
            }
        }
        Filter::And(fs) => fs
            .iter()
            .filter_map(|f| plan(store, kind, f))
            .min_by_key(Vec::len),
        Filter::Or(fs) => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for f in fs.iter() {
                for id in plan(store, kind, f)? {
                    if seen.insert(id.clone()) {
                        out.push(id);
                    }
                }
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idpsim_scim::patch::PatchRequest;

    fn op(v: Value) -> PatchOperation {
        PatchRequest::from_value(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [v]}),
        )
        .expect("a patch request")
        .operations
        .remove(0)
    }

    #[test]
    fn member_changes_are_told_from_the_rest() {
        let touching = [
            json!({"op": "add", "path": "members", "value": [{"value": "u1"}]}),
            json!({"op": "remove", "path": "Members[value eq \"a:b.c\"]"}),
            json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:members"}),
            json!({"op": "replace", "value": {"displayName": "x", "members": []}}),
        ];
        for v in touching {
            assert!(touches_members(&op(v.clone())), "{v}");
        }
        let not = [
            json!({"op": "replace", "path": "displayName", "value": "x"}),
            json!({"op": "replace", "value": {"id": "g1", "displayName": "x"}}),
            json!({"op": "replace", "path": "externalId", "value": "members"}),
        ];
        for v in not {
            assert!(!touches_members(&op(v.clone())), "{v}");
        }
    }
}
