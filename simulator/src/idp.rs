//! The simulated IdP: lifecycle events turned into a profile's exact
//! request sequences, reading answers as it goes (lookup, then create or
//! link), and learning the target's ids into the directory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use crate::client::{ClientError, Method, Request, Response, ScimClient};
use crate::directory::{Directory, User};
use crate::profile::{ActiveStyle, MemberStyle, Profile, RenameStyle, UpdateStyle, UserShape};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Why an event did not go through.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EventError {
    #[error("{what}: {source}")]
    Transport { what: String, source: ClientError },
    #[error("{what}: the target answered {status}: {body}")]
    Rejected {
        what: String,
        status: u16,
        body: String,
    },
    #[error("{0}")]
    Protocol(String),
    #[error("{0}")]
    NotInDirectory(String),
}

/// A profile attribute that changed, for profile-update events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    UserName,
    GivenName,
    FamilyName,
    DisplayName,
    Email,
    Title,
    Department,
    EmployeeNumber,
}

/// Percent-encodes a query value: unreserved characters stay, all else
/// (including `@`, as Okta sends `%40`) becomes `%XX`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Request building shared by every event: headers and query encoding are
/// profile facts.
#[derive(Debug, Clone)]
pub struct Wire {
    pub profile: &'static Profile,
    pub client: ScimClient,
}

impl Wire {
    fn headers(&self, with_body: bool) -> Vec<(String, String)> {
        let p = self.profile;
        let mut h = Vec::new();
        if let Some(a) = p.accept {
            h.push(("Accept".into(), a.into()));
        }
        if p.accept_charset {
            h.push(("Accept-Charset".into(), "utf-8".into()));
        }
        if with_body {
            h.push(("Content-Type".into(), p.content_type.into()));
        }
        if let Some(ua) = p.user_agent {
            h.push(("User-Agent".into(), ua.into()));
        }
        h
    }

    pub fn request(&self, method: Method, path: String, body: Option<Value>) -> Request {
        Request {
            method,
            headers: self.headers(body.is_some()),
            path,
            body,
        }
    }

    /// `filter=attr eq "value"` in this profile's encoding.
    pub fn eq_filter(&self, attr: &str, value: &str) -> String {
        let sp = self.profile.filter_space;
        format!("filter={attr}{sp}eq{sp}%22{}%22", encode(value))
    }

    async fn call(&self, req: Request, what: impl Into<String>) -> Result<Response, EventError> {
        self.call_lazy(req, || what.into()).await
    }

    /// [`Self::call`] with the description made only when it is needed: a
    /// bulk sync sends a hundred thousand requests that all succeed.
    async fn call_lazy(
        &self,
        req: Request,
        what: impl FnOnce() -> String,
    ) -> Result<Response, EventError> {
        let r = match self.client.send(&req).await {
            Ok(r) => r,
            Err(source) => {
                return Err(EventError::Transport {
                    what: what(),
                    source,
                });
            }
        };
        if r.status >= 400 {
            return Err(EventError::Rejected {
                what: what(),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        Ok(r)
    }

    fn patch(&self, path: String, ops: Vec<Value>) -> Request {
        self.request(
            Method::PATCH,
            path,
            Some(json!({"schemas": [PATCH_OP], "Operations": ops})),
        )
    }

    /// The existence check before a create: `Some(resource)` when found.
    /// A 404 with an error body counts as "not found", as Okta accepts.
    pub async fn lookup(
        &self,
        endpoint: &str,
        attr: &str,
        value: &str,
    ) -> Result<Option<Value>, EventError> {
        let mut path = format!("/{endpoint}?");
        if endpoint == "Groups" && self.profile.exclude_members {
            path.push_str("excludedAttributes=members&");
        }
        path.push_str(&self.eq_filter(attr, value));
        if self.profile.paging_on_lookup {
            path.push_str("&startIndex=1&count=100");
        }
        let req = self.request(Method::GET, path, None);
        let what = || format!("look up {endpoint} {attr} {value:?}");
        let r = match self.call_lazy(req, &what).await {
            Ok(r) => r,
            Err(EventError::Rejected { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let body = r.json().ok_or_else(|| {
            EventError::Protocol(format!(
                "{}: the answer is not JSON: {}",
                what(),
                shorten(&r.text())
            ))
        })?;
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                EventError::Protocol(format!(
                    "{}: the ListResponse has no integer totalResults: {}",
                    what(),
                    shorten(&body.to_string())
                ))
            })?;
        if total == 0 {
            return Ok(None);
        }
        Ok(body
            .get("Resources")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .cloned())
    }
}

fn shorten(s: &str) -> String {
    if s.len() > 600 {
        let mut end = 600;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

fn id_of(r: &Response, what: impl FnOnce() -> String) -> Result<String, EventError> {
    r.id().filter(|s| !s.is_empty()).ok_or_else(|| {
        EventError::Protocol(format!(
            "{}: the answer carries no id: {}",
            what(),
            shorten(&r.text())
        ))
    })
}

/// The last `n` characters of `s` (whole characters: an id need not be
/// ASCII).
fn last_chars(s: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let start = s.char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i);
    &s[start..]
}

/// The create body of a user in the profile's shape.
pub fn user_body(p: &Profile, u: &User, manager_id: Option<&str>) -> Value {
    let mut ent = Map::new();
    if let Some(d) = &u.department {
        ent.insert("department".into(), d.clone().into());
    }
    if let Some(n) = &u.employee_number {
        ent.insert("employeeNumber".into(), n.clone().into());
    }
    let mut b = json!({
        "schemas": [USER],
        "userName": u.user_name,
        "name": {"givenName": u.given_name, "familyName": u.family_name},
        "emails": [{"primary": true, "value": u.email, "type": "work"}],
        "displayName": u.display_name,
        "active": u.active,
    });
    let o = b.as_object_mut().expect("object");
    if let Some(t) = &u.title {
        o.insert("title".into(), t.clone().into());
    }
    match p.user_shape {
        UserShape::Okta => {
            o.insert("locale".into(), "en-US".into());
            o.insert("externalId".into(), u.idp_id.clone().into());
            o.insert("groups".into(), json!([]));
            // Okta always sends a meaningless placeholder (IDP-WIRE.md §1.4).
            o.insert(
                "password".into(),
                format!("{}Aa1!", last_chars(&u.idp_id, 8)).into(),
            );
        }
        UserShape::Entra => {
            o.insert("externalId".into(), u.mail_nickname().into());
            o.insert("meta".into(), json!({"resourceType": "User"}));
            o["name"]["formatted"] = format!("{} {}", u.given_name, u.family_name).into();
            o.insert("preferredLanguage".into(), "en-US".into());
            o.insert("roles".into(), json!([]));
            o.insert("schemas".into(), json!([USER, ENTERPRISE]));
            o.insert(ENTERPRISE.into(), Value::Object(ent.clone()));
            return b;
        }
        UserShape::Rfc => {
            o.insert("externalId".into(), u.idp_id.clone().into());
            if let Some(m) = manager_id {
                ent.insert("manager".into(), json!({"value": m}));
            }
        }
    }
    if !ent.is_empty() {
        o.insert("schemas".into(), json!([USER, ENTERPRISE]));
        o.insert(ENTERPRISE.into(), Value::Object(ent));
    }
    b
}

/// Overlays the IdP's view of a user on the target's resource, for GET+PUT.
fn overlay(p: &Profile, current: &Value, u: &User) -> Value {
    let mut b = current.clone();
    let fresh = user_body(p, u, None);
    if let (Some(o), Some(f)) = (b.as_object_mut(), fresh.as_object()) {
        for k in [
            "userName",
            "name",
            "emails",
            "displayName",
            "active",
            "title",
        ] {
            if let Some(v) = f.get(k) {
                o.insert(k.into(), v.clone());
            }
        }
        if let Some(ent) = f.get(ENTERPRISE) {
            let slot = o.entry(ENTERPRISE).or_insert_with(|| json!({}));
            if let (Some(s), Some(e)) = (slot.as_object_mut(), ent.as_object()) {
                for (k, v) in e {
                    s.insert(k.clone(), v.clone());
                }
            }
            let schemas = o.entry("schemas").or_insert_with(|| json!([USER]));
            if let Some(list) = schemas.as_array_mut()
                && !list.iter().any(|s| s == ENTERPRISE)
            {
                list.push(ENTERPRISE.into());
            }
        }
        // Okta echoes `groups: []` and `meta` back on every PUT.
        if p.user_shape == UserShape::Okta {
            o.insert("groups".into(), json!([]));
        }
    }
    b
}

impl Wire {
    /// Join: look the user up, then create, or link and push the profile.
    /// Returns the target id. A 409 on create (a duplicate or a lost answer
    /// retried) is resolved by looking the user up again and linking.
    pub async fn join(&self, u: &User, manager_id: Option<&str>) -> Result<String, EventError> {
        if let Some(found) = self.lookup("Users", "userName", &u.user_name).await? {
            let id = found
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if id.is_empty() {
                return Err(EventError::Protocol(format!(
                    "the user found for {:?} has no id",
                    u.user_name
                )));
            }
            self.push_profile(&id, u, &ALL_FIELDS).await?;
            return Ok(id);
        }
        let req = self.request(
            Method::POST,
            "/Users".into(),
            Some(user_body(self.profile, u, manager_id)),
        );
        let what = || format!("create user {:?}", u.user_name);
        let r = match self.call_lazy(req, what).await {
            Ok(r) => r,
            Err(EventError::Rejected { status: 409, .. }) => {
                return self
                    .link_after_conflict("Users", "userName", &u.user_name, &what())
                    .await;
            }
            Err(e) => return Err(e),
        };
        let id = id_of(&r, what)?;
        // Entra sets the manager in a reference-resolution PATCH after the create (§2.6).
        if self.profile.user_shape == UserShape::Entra
            && let Some(m) = manager_id
        {
            let op = json!({"op": self.profile.op("add"), "path": format!("{ENTERPRISE}:manager"), "value": m});
            self.call(
                self.patch(format!("/Users/{id}"), vec![op]),
                format!("set the manager of {:?}", u.user_name),
            )
            .await?;
        }
        Ok(id)
    }

    /// Sends a profile change the way the profile does.
    pub async fn push_profile(
        &self,
        id: &str,
        u: &User,
        changed: &[Field],
    ) -> Result<(), EventError> {
        let p = self.profile;
        let what = format!("update user {:?}", u.user_name);
        match p.update {
            UpdateStyle::GetPut => {
                let got = self
                    .call(
                        self.request(Method::GET, format!("/Users/{id}"), None),
                        &what,
                    )
                    .await?;
                let current = got
                    .json()
                    .ok_or_else(|| EventError::Protocol(format!("{what}: GET answered no JSON")))?;
                let body = overlay(p, &current, u);
                self.call(
                    self.request(Method::PUT, format!("/Users/{id}"), Some(body)),
                    &what,
                )
                .await?;
            }
            UpdateStyle::PatchPerAttribute | UpdateStyle::PatchMerged => {
                let mut ops = Vec::new();
                let mut merged = Map::new();
                for f in changed {
                    let (path, value) = match f {
                        Field::UserName => {
                            ("userName".to_owned(), Value::from(u.user_name.clone()))
                        }
                        Field::GivenName => ("name.givenName".into(), u.given_name.clone().into()),
                        Field::FamilyName => {
                            ("name.familyName".into(), u.family_name.clone().into())
                        }
                        Field::DisplayName => ("displayName".into(), u.display_name.clone().into()),
                        Field::Email => {
                            ops.push(json!({"op": p.op("replace"), "path": "emails[type eq \"work\"].value", "value": u.email}));
                            continue;
                        }
                        Field::Title => (
                            "title".into(),
                            u.title.clone().map(Value::from).unwrap_or(Value::Null),
                        ),
                        Field::Department => (
                            format!("{ENTERPRISE}:department"),
                            u.department.clone().map(Value::from).unwrap_or(Value::Null),
                        ),
                        Field::EmployeeNumber => (
                            format!("{ENTERPRISE}:employeeNumber"),
                            u.employee_number
                                .clone()
                                .map(Value::from)
                                .unwrap_or(Value::Null),
                        ),
                    };
                    // Entra never sends nulls (§2.4): an emptied attribute is left out.
                    if value.is_null() {
                        continue;
                    }
                    if p.update == UpdateStyle::PatchMerged {
                        merged.insert(path, value);
                    } else {
                        ops.push(json!({"op": p.op("replace"), "path": path, "value": value}));
                    }
                }
                if !merged.is_empty() {
                    ops.push(json!({"op": p.op("replace"), "value": merged}));
                }
                if !ops.is_empty() {
                    self.call(self.patch(format!("/Users/{id}"), ops), &what)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Deactivation (`active = false`) or reactivation.
    pub async fn set_active(&self, id: &str, u: &User, active: bool) -> Result<(), EventError> {
        let p = self.profile;
        let what = format!(
            "{} user {:?}",
            if active { "reactivate" } else { "deactivate" },
            u.user_name
        );
        match p.active {
            ActiveStyle::PathlessPatch => {
                let op = json!({"op": p.op("replace"), "value": {"active": active}});
                self.call(self.patch(format!("/Users/{id}"), vec![op]), &what)
                    .await?;
                if active && p.push_profile_on_reactivate {
                    self.push_profile(id, u, &ALL_FIELDS).await?;
                }
            }
            ActiveStyle::PathPatch => {
                let op =
                    json!({"op": p.op("replace"), "path": "active", "value": p.boolean(active)});
                self.call(self.patch(format!("/Users/{id}"), vec![op]), &what)
                    .await?;
            }
            ActiveStyle::GetPut => {
                let mut u = u.clone();
                u.active = active;
                let got = self
                    .call(
                        self.request(Method::GET, format!("/Users/{id}"), None),
                        &what,
                    )
                    .await?;
                let current = got
                    .json()
                    .ok_or_else(|| EventError::Protocol(format!("{what}: GET answered no JSON")))?;
                self.call(
                    self.request(
                        Method::PUT,
                        format!("/Users/{id}"),
                        Some(overlay(p, &current, &u)),
                    ),
                    &what,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Hard delete; `Ok(false)` when the profile never sends one.
    pub async fn delete_user(&self, id: &str, user_name: &str) -> Result<bool, EventError> {
        if !self.profile.deletes_users {
            return Ok(false);
        }
        let req = self.request(Method::DELETE, format!("/Users/{id}"), None);
        self.call(req, format!("delete user {user_name:?}")).await?;
        Ok(true)
    }

    /// Group create: look up by name, then create or link; Okta follows a
    /// create with its name-sync PATCH. Returns the target id.
    pub async fn create_group(&self, name: &str, idp_id: &str) -> Result<String, EventError> {
        let p = self.profile;
        if let Some(found) = self.lookup("Groups", "displayName", name).await? {
            return found
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    EventError::Protocol(format!("the group found for {name:?} has no id"))
                });
        }
        let mut schemas = vec![Value::from(GROUP)];
        if let Some(extra) = p.group_extra_schema {
            schemas.push(extra.into());
        }
        let mut body = json!({"schemas": schemas, "displayName": name});
        if p.group_create_empty_members {
            body["members"] = json!([]);
        }
        if p.user_shape == UserShape::Entra {
            body["externalId"] = idp_id.into();
            body["meta"] = json!({"resourceType": "Group"});
        }
        let what = format!("create group {name:?}");
        let r = match self
            .call(
                self.request(Method::POST, "/Groups".into(), Some(body)),
                &what,
            )
            .await
        {
            Ok(r) => r,
            Err(EventError::Rejected { status: 409, .. }) => {
                return self
                    .link_after_conflict("Groups", "displayName", name, &what)
                    .await;
            }
            Err(e) => return Err(e),
        };
        let id = id_of(&r, || what.clone())?;
        if p.rename == RenameStyle::OktaPathless {
            self.okta_name_sync(&id, name).await?;
        }
        Ok(id)
    }

    /// A create answered 409: the object is there (a duplicate delivery or
    /// a lost answer retried), so look it up and link to it.
    async fn link_after_conflict(
        &self,
        endpoint: &str,
        attr: &str,
        value: &str,
        what: &str,
    ) -> Result<String, EventError> {
        let found = self.lookup(endpoint, attr, value).await?.ok_or_else(|| {
            EventError::Protocol(format!("{what}: 409 conflict, yet a lookup finds nothing"))
        })?;
        found
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| EventError::Protocol(format!("{what}: the object found has no id")))
    }

    async fn okta_name_sync(&self, id: &str, name: &str) -> Result<(), EventError> {
        let op =
            json!({"op": self.profile.op("replace"), "value": {"id": id, "displayName": name}});
        self.call(
            self.patch(format!("/Groups/{id}"), vec![op]),
            format!("sync the name of group {name:?}"),
        )
        .await?;
        Ok(())
    }

    /// PUT of a whole group (Okta AIW): GET, then PUT with every member.
    async fn put_group(
        &self,
        id: &str,
        name: &str,
        members: &[(String, String)],
    ) -> Result<(), EventError> {
        let what = format!("replace group {name:?}");
        let get = self.request(Method::GET, format!("/Groups/{id}"), None);
        self.call(get, &what).await?;
        let list: Vec<Value> = members
            .iter()
            .map(|(mid, un)| json!({"value": mid, "display": un}))
            .collect();
        let body = json!({"schemas": [GROUP], "id": id, "displayName": name, "members": list});
        self.call(
            self.request(Method::PUT, format!("/Groups/{id}"), Some(body)),
            &what,
        )
        .await?;
        Ok(())
    }

    /// Adds members (target id, userName). `all` is the group's full member
    /// list after the change, for PUT-style profiles.
    pub async fn add_members(
        &self,
        gid: &str,
        name: &str,
        added: &[(String, String)],
        all: &[(String, String)],
    ) -> Result<(), EventError> {
        if added.is_empty() {
            return Ok(());
        }
        let p = self.profile;
        let what = format!("add members to group {name:?}");
        match p.members {
            MemberStyle::PutGroup => return self.put_group(gid, name, all).await,
            MemberStyle::OktaPatch => {
                for chunk in added.chunks(p.member_batch.max(1)) {
                    let value: Vec<Value> = chunk
                        .iter()
                        .map(|(id, un)| json!({"value": id, "display": un}))
                        .collect();
                    let op = json!({"op": p.op("add"), "path": "members", "value": value});
                    self.call(self.patch(format!("/Groups/{gid}"), vec![op]), &what)
                        .await?;
                    self.okta_name_sync(gid, name).await?;
                }
            }
            MemberStyle::EntraValueList | MemberStyle::FilterPath => {
                let value_of = |chunk: &[(String, String)]| -> Vec<Value> {
                    chunk
                        .iter()
                        .map(|(id, _)| {
                            if p.members == MemberStyle::EntraValueList {
                                json!({"$ref": null, "value": id})
                            } else {
                                json!({"value": id})
                            }
                        })
                        .collect()
                };
                let reqs: Vec<Request> = added
                    .chunks(p.member_batch.max(1))
                    .map(|c| {
                        self.patch(
                            format!("/Groups/{gid}"),
                            vec![
                                json!({"op": p.op("add"), "path": "members", "value": value_of(c)}),
                            ],
                        )
                    })
                    .collect();
                self.send_all(reqs, &what).await?;
            }
        }
        Ok(())
    }

    /// Removes members (target id, userName).
    pub async fn remove_members(
        &self,
        gid: &str,
        name: &str,
        removed: &[(String, String)],
        all: &[(String, String)],
    ) -> Result<(), EventError> {
        if removed.is_empty() {
            return Ok(());
        }
        let p = self.profile;
        let what = format!("remove members from group {name:?}");
        match p.members {
            MemberStyle::PutGroup => return self.put_group(gid, name, all).await,
            MemberStyle::EntraValueList => {
                let reqs: Vec<Request> = removed
                    .chunks(p.member_batch.max(1))
                    .map(|c| {
                        let value: Vec<Value> = c
                            .iter()
                            .map(|(id, _)| json!({"$ref": null, "value": id}))
                            .collect();
                        self.patch(
                            format!("/Groups/{gid}"),
                            vec![json!({"op": p.op("remove"), "path": "members", "value": value})],
                        )
                    })
                    .collect();
                self.send_all(reqs, &what).await?;
            }
            MemberStyle::OktaPatch | MemberStyle::FilterPath => {
                for chunk in removed.chunks(p.member_batch.max(1)) {
                    let ops: Vec<Value> = chunk
                        .iter()
                        .map(|(id, _)| json!({"op": p.op("remove"), "path": format!("members[value eq \"{id}\"]")}))
                        .collect();
                    self.call(self.patch(format!("/Groups/{gid}"), ops), &what)
                        .await?;
                    if p.rename == RenameStyle::OktaPathless {
                        self.okta_name_sync(gid, name).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends requests for one group, in parallel when the profile does so.
    async fn send_all(&self, reqs: Vec<Request>, what: &str) -> Result<(), EventError> {
        if self.profile.parallel_member_patches && reqs.len() > 1 {
            let mut set = JoinSet::new();
            for r in reqs {
                let w = self.clone();
                let what = what.to_owned();
                set.spawn(async move { w.call(r, what).await.map(|_| ()) });
            }
            let mut first_err = None;
            while let Some(res) = set.join_next().await {
                if let Ok(Err(e)) = res {
                    first_err.get_or_insert(e);
                }
            }
            return first_err.map_or(Ok(()), Err);
        }
        for r in reqs {
            self.call(r, what).await?;
        }
        Ok(())
    }

    pub async fn rename_group(
        &self,
        gid: &str,
        to: &str,
        members: &[(String, String)],
    ) -> Result<(), EventError> {
        match self.profile.rename {
            RenameStyle::OktaPathless => self.okta_name_sync(gid, to).await,
            RenameStyle::PutGroup => self.put_group(gid, to, members).await,
            RenameStyle::PathReplace => {
                let op =
                    json!({"op": self.profile.op("replace"), "path": "displayName", "value": to});
                self.call(
                    self.patch(format!("/Groups/{gid}"), vec![op]),
                    format!("rename group to {to:?}"),
                )
                .await?;
                Ok(())
            }
        }
    }

    pub async fn delete_group(&self, gid: &str, name: &str) -> Result<(), EventError> {
        self.call(
            self.request(Method::DELETE, format!("/Groups/{gid}"), None),
            format!("delete group {name:?}"),
        )
        .await?;
        Ok(())
    }

    /// One page of an endpoint's listing, `count` from `start`, as an
    /// import asks for it; an error status is an error.
    pub async fn list_page(
        &self,
        endpoint: &str,
        start: usize,
        count: usize,
    ) -> Result<Response, EventError> {
        let path = format!("/{endpoint}?startIndex={start}&count={count}");
        self.call_lazy(self.request(Method::GET, path, None), || {
            format!("list {endpoint} from {start}")
        })
        .await
    }

    /// Lists every resource of an endpoint in pages of `page`, the way an
    /// import does, until `startIndex` passes `totalResults`.
    pub async fn list_all(&self, endpoint: &str, page: usize) -> Result<Vec<Value>, EventError> {
        let mut out = Vec::new();
        let mut start = 1usize;
        loop {
            let r = self.list_page(endpoint, start, page).await?;
            let (total, items) = read_page(endpoint, start, &r)?;
            let n = items.len();
            out.extend(items);
            start += n;
            if n == 0 || start > total {
                break;
            }
            too_many(endpoint, out.len())?;
        }
        Ok(out)
    }

    /// Every resource of an endpoint, with up to `in_flight` pages asked for
    /// at once. For idpsim's own reads (the reconcile), which no IdP makes:
    /// one page at a time, the client parsing while the target waited and
    /// the other way round, a 100k-user reconcile took longer than the
    /// users phase it checked. The first page gives the total and the page
    /// size the target grants; a target whose pages then do not add up (the
    /// total changes, a page comes back short) is read again one page at a
    /// time.
    pub async fn list_all_at_once(
        &self,
        endpoint: &str,
        page: usize,
        in_flight: usize,
    ) -> Result<Vec<Value>, EventError> {
        let first = self.list_page(endpoint, 1, page).await?;
        let (total, mut out) = read_page(endpoint, 1, &first)?;
        let step = out.len();
        if step == 0 || step >= total {
            return Ok(out);
        }
        too_many(endpoint, total)?;
        // Page i (from 0) starts after the first page and i pages more. Only
        // what arrives is held, so a target claiming millions costs nothing
        // before it sends them.
        let count = (total - step).div_ceil(step);
        let start_of = move |i: usize| 1 + step * (i + 1);
        let mut pages: Vec<(usize, Vec<Value>)> = Vec::new();
        let mut set = JoinSet::new();
        let mut next = 0;
        loop {
            while set.len() < in_flight.max(1) && next < count {
                let (wire, endpoint, i) = (self.clone(), endpoint.to_owned(), next);
                set.spawn(async move {
                    let start = start_of(i);
                    let r = wire.list_page(&endpoint, start, step).await?;
                    read_page(&endpoint, start, &r).map(|p| (i, p))
                });
                next += 1;
            }
            let Some(done) = set.join_next().await else {
                break;
            };
            let (i, (t, items)) = done.map_err(|e| {
                EventError::Protocol(format!("list {endpoint}: a page's task failed: {e}"))
            })??;
            if t != total || items.len() != step.min(total + 1 - start_of(i)) {
                // The pages still in flight are not waited for.
                drop(set);
                return self.list_all(endpoint, page).await;
            }
            pages.push((i, items));
        }
        pages.sort_unstable_by_key(|(i, _)| *i);
        out.extend(pages.into_iter().flat_map(|(_, items)| items));
        Ok(out)
    }
}

/// A list page's `totalResults` and its resources.
pub(crate) fn read_page(
    endpoint: &str,
    start: usize,
    r: &Response,
) -> Result<(usize, Vec<Value>), EventError> {
    let what = || format!("list {endpoint} from {start}");
    let mut body = r
        .json()
        .ok_or_else(|| EventError::Protocol(format!("{}: the answer is not JSON", what())))?;
    let total = body
        .get("totalResults")
        .and_then(Value::as_u64)
        .ok_or_else(|| EventError::Protocol(format!("{}: no integer totalResults", what())))?
        as usize;
    // Taken, not cloned: the reconcile of a 100k directory reads every page.
    let items = match body.get_mut("Resources").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok((total, items))
}

/// A bound on what one listing holds in memory.
fn too_many(endpoint: &str, n: usize) -> Result<(), EventError> {
    if n > 10_000_000 {
        return Err(EventError::Protocol(format!(
            "list {endpoint}: more than 10 million resources; stopping"
        )));
    }
    Ok(())
}

const ALL_FIELDS: [Field; 8] = [
    Field::UserName,
    Field::GivenName,
    Field::FamilyName,
    Field::DisplayName,
    Field::Email,
    Field::Title,
    Field::Department,
    Field::EmployeeNumber,
];

/// Progress of a long event, for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub failed: AtomicUsize,
}

/// Runs `tasks` (each naming an object and yielding its target id) at most
/// `width` at a time, counting progress. Returns what succeeded; the first
/// failure is kept in `first_err` and the rest still run.
async fn run_bounded<F>(
    tasks: impl Iterator<Item = F>,
    width: usize,
    progress: &Progress,
    first_err: &mut Option<EventError>,
) -> Result<Vec<(String, String)>, EventError>
where
    F: Future<Output = (String, Result<String, EventError>)> + Send + 'static,
{
    let mut set = JoinSet::new();
    let mut tasks = tasks;
    let mut learned = Vec::new();
    loop {
        while set.len() < width {
            let Some(t) = tasks.next() else { break };
            set.spawn(t);
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        let (name, r) =
            done.map_err(|e| EventError::Protocol(format!("a sync task failed: {e}")))?;
        progress.done.fetch_add(1, Ordering::Relaxed);
        match r {
            Ok(id) => learned.push((name, id)),
            Err(e) => {
                progress.failed.fetch_add(1, Ordering::Relaxed);
                first_err.get_or_insert(e);
            }
        }
    }
    Ok(learned)
}

/// The IdP: a directory and the wire it speaks.
#[derive(Debug)]
pub struct Idp {
    pub dir: Directory,
    pub wire: Wire,
    /// Where the target's own "reset directory" control lives, if it has one.
    pub reset_url: Option<String>,
}

impl Idp {
    pub fn new(dir: Directory, profile: &'static Profile, client: ScimClient) -> Self {
        Idp {
            dir,
            wire: Wire { profile, client },
            reset_url: None,
        }
    }

    fn user(&self, user_name: &str) -> Result<User, EventError> {
        self.dir.user(user_name).cloned().ok_or_else(|| {
            EventError::NotInDirectory(format!("no user {user_name:?} in the directory"))
        })
    }

    fn linked(&self, user_name: &str) -> Result<(User, String), EventError> {
        let u = self.user(user_name)?;
        let id = u.target_id.clone().ok_or_else(|| {
            EventError::NotInDirectory(format!(
                "user {user_name:?} has not been provisioned to the target yet"
            ))
        })?;
        Ok((u, id))
    }

    fn manager_id(&self, u: &User) -> Option<String> {
        u.manager
            .as_deref()
            .and_then(|m| self.dir.user(m))
            .and_then(|m| m.target_id.clone())
    }

    pub async fn join(&mut self, user_name: &str) -> Result<(), EventError> {
        let u = self.user(user_name)?;
        let id = self.wire.join(&u, self.manager_id(&u).as_deref()).await?;
        self.dir.user_mut(user_name).expect("present").target_id = Some(id);
        Ok(())
    }

    pub async fn update(&mut self, user_name: &str, changed: &[Field]) -> Result<(), EventError> {
        let (u, id) = self.linked(user_name)?;
        self.wire.push_profile(&id, &u, changed).await
    }

    pub async fn set_active(&mut self, user_name: &str, active: bool) -> Result<(), EventError> {
        self.dir
            .user_mut(user_name)
            .ok_or_else(|| EventError::NotInDirectory(format!("no user {user_name:?}")))?
            .active = active;
        let (u, id) = self.linked(user_name)?;
        self.wire.set_active(&id, &u, active).await
    }

    /// Deletes a user in the IdP; sends DELETE if the profile does.
    /// Returns whether a request was sent.
    pub async fn delete_user(&mut self, user_name: &str) -> Result<bool, EventError> {
        let u = self.user(user_name)?;
        let sent = match &u.target_id {
            Some(id) => self.wire.delete_user(id, user_name).await?,
            None => false,
        };
        self.dir.remove_user(user_name);
        Ok(sent)
    }

    fn member_pairs(&self, names: &[String]) -> Vec<(String, String)> {
        names
            .iter()
            .filter_map(|n| {
                self.dir
                    .user(n)
                    .and_then(|u| u.target_id.clone().map(|id| (id, u.user_name.clone())))
            })
            .collect()
    }

    fn group_linked(&self, name: &str) -> Result<(String, Vec<String>), EventError> {
        let g = self.dir.group(name).ok_or_else(|| {
            EventError::NotInDirectory(format!("no group {name:?} in the directory"))
        })?;
        let id = g.target_id.clone().ok_or_else(|| {
            EventError::NotInDirectory(format!("group {name:?} has not been pushed yet"))
        })?;
        Ok((id, g.members.iter().cloned().collect()))
    }

    /// Pushes a group (create or link) with its current members.
    pub async fn push_group(&mut self, name: &str) -> Result<(), EventError> {
        let idp_id = self.dir.add_group(name).idp_id.clone();
        let id = self.wire.create_group(name, &idp_id).await?;
        self.dir.group_mut(name).expect("present").target_id = Some(id.clone());
        let members: Vec<String> = self
            .dir
            .group(name)
            .expect("present")
            .members
            .iter()
            .cloned()
            .collect();
        let pairs = self.member_pairs(&members);
        self.wire.add_members(&id, name, &pairs, &pairs).await
    }

    pub async fn add_members(&mut self, name: &str, users: &[String]) -> Result<(), EventError> {
        for u in users {
            self.user(u)?;
        }
        let g = self
            .dir
            .group_mut(name)
            .ok_or_else(|| EventError::NotInDirectory(format!("no group {name:?}")))?;
        let new: Vec<String> = users
            .iter()
            .filter(|u| !g.members.contains(*u))
            .cloned()
            .collect();
        for u in &new {
            g.members.insert(u.clone());
        }
        let (id, all) = self.group_linked(name)?;
        let (added, all) = (self.member_pairs(&new), self.member_pairs(&all));
        self.wire.add_members(&id, name, &added, &all).await
    }

    pub async fn remove_members(&mut self, name: &str, users: &[String]) -> Result<(), EventError> {
        let g = self
            .dir
            .group_mut(name)
            .ok_or_else(|| EventError::NotInDirectory(format!("no group {name:?}")))?;
        let gone: Vec<String> = users
            .iter()
            .filter(|u| g.members.shift_remove(*u))
            .cloned()
            .collect();
        let (id, all) = self.group_linked(name)?;
        let (removed, all) = (self.member_pairs(&gone), self.member_pairs(&all));
        self.wire.remove_members(&id, name, &removed, &all).await
    }

    pub async fn rename_group(&mut self, from: &str, to: &str) -> Result<(), EventError> {
        let (id, all) = self.group_linked(from)?;
        self.dir.rename_group(from, to);
        let pairs = self.member_pairs(&all);
        self.wire.rename_group(&id, to, &pairs).await
    }

    pub async fn delete_group(&mut self, name: &str) -> Result<(), EventError> {
        let (id, _) = self.group_linked(name)?;
        self.wire.delete_group(&id, name).await?;
        self.dir.remove_group(name);
        Ok(())
    }

    /// Full sync: every user joins (in parallel, bounded by the client),
    /// then every group is pushed with its members. Failures are counted in
    /// `progress` and the first is returned after everything was tried.
    pub async fn full_sync(&mut self, progress: Arc<Progress>) -> Result<(), EventError> {
        let users: Vec<User> = self.dir.users().filter(|u| u.active).cloned().collect();
        progress
            .total
            .store(users.len() + self.dir.group_count(), Ordering::Relaxed);
        let width = self.wire.client.config().concurrency.max(1) * 2;
        let mut first_err: Option<EventError> = None;
        let joins = users.into_iter().map(|u| {
            let wire = self.wire.clone();
            let manager = self.manager_id(&u);
            async move {
                let r = wire.join(&u, manager.as_deref()).await;
                (u.user_name, r)
            }
        });
        for (name, id) in run_bounded(joins, width, &progress, &mut first_err).await? {
            if let Some(u) = self.dir.user_mut(&name) {
                u.target_id = Some(id);
            }
        }
        let groups: Vec<(String, String, Vec<String>)> = self
            .dir
            .groups()
            .map(|g| {
                (
                    g.name.clone(),
                    g.idp_id.clone(),
                    g.members.iter().cloned().collect(),
                )
            })
            .collect();
        let pushes = groups.into_iter().map(|(name, idp_id, members)| {
            let wire = self.wire.clone();
            let pairs = self.member_pairs(&members);
            async move {
                let r = async {
                    let id = wire.create_group(&name, &idp_id).await?;
                    wire.add_members(&id, &name, &pairs, &pairs).await?;
                    Ok::<String, EventError>(id)
                }
                .await;
                (name, r)
            }
        });
        for (name, id) in run_bounded(pushes, width, &progress, &mut first_err).await? {
            if let Some(g) = self.dir.group_mut(&name) {
                g.target_id = Some(id);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Directory reset on the target: its own reset control when there is
    /// one, else every user and group listed and deleted. The IdP then
    /// forgets what it had learned.
    pub async fn reset(&mut self) -> Result<usize, EventError> {
        let deleted = if let Some(url) = &self.reset_url {
            let transport = |e: reqwest::Error| EventError::Transport {
                what: "reset the target".into(),
                source: ClientError::Transport(e.to_string()),
            };
            let config = self.wire.client.config();
            // The target's own control: the SCIM client's timeout and
            // credentials, whatever their scheme.
            let client = reqwest::Client::builder()
                .timeout(config.timeout)
                .build()
                .map_err(transport)?;
            let rb = match &config.auth {
                crate::client::Auth::None => client.post(url),
                crate::client::Auth::Bearer(t) => client.post(url).bearer_auth(t),
                crate::client::Auth::Basic { user, password } => {
                    client.post(url).basic_auth(user, Some(password))
                }
                crate::client::Auth::Header { name, value } => {
                    client.post(url).header(name.as_str(), value.as_str())
                }
            };
            let r = rb.send().await.map_err(transport)?;
            let status = r.status().as_u16();
            // The answer is two counts; a larger one is not a reset answer.
            let text = crate::capped::read(r, 64 * 1024)
                .await
                .map_err(transport)?
                .text();
            if status >= 400 {
                return Err(EventError::Rejected {
                    what: "reset the target".into(),
                    status,
                    body: shorten(&text),
                });
            }
            let v: Value = serde_json::from_str(&text).unwrap_or_default();
            (v["usersDeleted"].as_u64().unwrap_or(0) + v["groupsDeleted"].as_u64().unwrap_or(0))
                as usize
        } else {
            let mut n = 0;
            for g in self.wire.list_all("Groups", 100).await? {
                if let Some(id) = g.get("id").and_then(Value::as_str) {
                    self.wire
                        .delete_group(id, g["displayName"].as_str().unwrap_or(id))
                        .await?;
                    n += 1;
                }
            }
            for u in self.wire.list_all("Users", 100).await? {
                if let Some(id) = u.get("id").and_then(Value::as_str) {
                    let req = self
                        .wire
                        .request(Method::DELETE, format!("/Users/{id}"), None);
                    // A user the target refuses to delete (a tenant owner) stays.
                    if self
                        .wire
                        .client
                        .send(&req)
                        .await
                        .map(|r| r.status < 400)
                        .unwrap_or(false)
                    {
                        n += 1;
                    }
                }
            }
            n
        };
        self.dir.forget_target_ids();
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::OKTA;

    #[test]
    fn a_non_ascii_idp_id_makes_a_body_not_a_panic() {
        // Byte len - 8 falls inside 日: slicing by bytes panicked here.
        let u = User::new("a@x.test", "0000日本語".into());
        let body = user_body(&OKTA, &u, None);
        assert_eq!(body["password"], "0000日本語Aa1!");
        let u = User::new("a@x.test", "00u日本語ab12345".into());
        assert_eq!(user_body(&OKTA, &u, None)["password"], "語ab12345Aa1!");
        assert_eq!(last_chars("abc", 0), "");
    }
}
