//! User events on the wire: join (lookup, then create or link), profile
//! update, (de)activation and hard delete, each in the profile's shape.

use serde_json::{Map, Value, json};

use super::body::{ENTERPRISE, overlay, user_body};
use super::wire::id_of;
use super::{ALL_FIELDS, EventError, Field, Wire};
use crate::client::Method;
use crate::directory::User;
use crate::profile::{ActiveStyle, ManagerStyle, UpdateStyle};

impl Wire {
    /// Join: look the user up, then create, or link and push the profile.
    /// Returns the target id. A profile that links after a conflict
    /// resolves a 409 on create (a duplicate or a lost answer retried) by
    /// looking the user up again; one that reads before it writes (Entra)
    /// sends only the difference and leaves a 409 to its next cycle.
    pub async fn join(&self, u: &User, manager_id: Option<&str>) -> Result<String, EventError> {
        if self.profile.reads_before_write {
            return self.join_by_reading(u, manager_id).await;
        }
        if let Some(found) = self
            .existence_check("Users", "userName", &u.user_name)
            .await?
        {
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
            Err(EventError::Rejected { status: 409, .. }) if self.profile.links_after_conflict => {
                return self
                    .link_after_conflict("Users", "userName", &u.user_name, &what())
                    .await;
            }
            Err(e) => return Err(e),
        };
        let id = id_of(&r, what)?;
        // Entra sets the manager in a reference-resolution PATCH after the create (§2.6).
        if self.profile.manager == ManagerStyle::ReferencePatch
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
        if p.reads_before_write {
            // What changed is whatever differs from what the target holds.
            let _ = changed;
            return self.update_by_reading(id, u, u.active).await.map(|_| ());
        }
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
            UpdateStyle::Put => self.put_user(id, u, &what).await?,
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
        if p.reads_before_write {
            return self.update_by_reading(id, u, active).await.map(|_| ());
        }
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
            ActiveStyle::Put => {
                let mut u = u.clone();
                u.active = active;
                self.put_user(id, &u, &what).await?;
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

    /// `PUT /Users/{id}` of the IdP's whole view, no read first.
    async fn put_user(&self, id: &str, u: &User, what: &str) -> Result<(), EventError> {
        let body = user_body(self.profile, u, None);
        self.call(
            self.request(Method::PUT, format!("/Users/{id}"), Some(body)),
            what,
        )
        .await?;
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
}
