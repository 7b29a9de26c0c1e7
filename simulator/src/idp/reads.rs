//! Read, compare, write on the wire (IDP-ENGINES E7, E8): what a profile
//! that reads before it writes (Entra) sends for a join, an update and a
//! (de)activation, one object at a time. The cycle engine strings the
//! same calls into cycles.

use serde_json::Value;

use super::body::user_body;
use super::wire::id_of;
use super::{EventError, Wire};
use crate::client::Method;
use crate::cycles::compare::{self, Change};
use crate::directory::User;
use crate::profile::ManagerStyle;

impl Wire {
    /// `POST /Users` in the profile's shape; the target id. A 409 is the
    /// caller's to handle.
    pub async fn create_user(
        &self,
        u: &User,
        manager_id: Option<&str>,
    ) -> Result<String, EventError> {
        let req = self.request(
            Method::POST,
            "/Users".into(),
            Some(user_body(self.profile, u, manager_id)),
        );
        let what = || format!("create user {:?}", u.user_name);
        let r = self.call_lazy(req, what).await?;
        id_of(&r, what)
    }

    /// Compares `u` (with `active` as Entra wants it) with the target's
    /// `resource` and PATCHes only what differs, `Add` where the target has
    /// nothing and `Replace` where it has another value (E8). Returns the
    /// changes written; none means no request.
    pub async fn write_difference(
        &self,
        id: &str,
        u: &User,
        active: bool,
        resource: &Value,
    ) -> Result<Vec<Change>, EventError> {
        let changes = compare::diff(self.profile, u, active, resource);
        if !changes.is_empty() {
            let ops = compare::operations(self.profile, &changes);
            self.call(
                self.patch(format!("/Users/{id}"), ops),
                format!("update user {:?}", u.user_name),
            )
            .await?;
        }
        Ok(changes)
    }

    /// The manager reference, PATCHed when the target's differs (E7).
    /// `resource` is what the target returned, `None` for a user just
    /// created (which has no manager).
    pub async fn write_manager(
        &self,
        id: &str,
        user_name: &str,
        manager_id: &str,
        resource: Option<&Value>,
    ) -> Result<Option<Change>, EventError> {
        let Some(c) = compare::manager_change(resource, manager_id) else {
            return Ok(None);
        };
        let ops = compare::operations(self.profile, std::slice::from_ref(&c));
        self.call(
            self.patch(format!("/Users/{id}"), ops),
            format!("set the manager of {user_name:?}"),
        )
        .await?;
        Ok(Some(c))
    }

    /// A join by reading first: the existence check, then a create (and
    /// the manager by a later PATCH), or the found user's difference.
    pub(crate) async fn join_by_reading(
        &self,
        u: &User,
        manager_id: Option<&str>,
    ) -> Result<String, EventError> {
        let found = self
            .existence_check("Users", "userName", &u.user_name)
            .await?;
        let Some(found) = found else {
            let id = self.create_user(u, manager_id).await?;
            if self.profile.manager == ManagerStyle::ReferencePatch
                && let Some(m) = manager_id
            {
                self.write_manager(&id, &u.user_name, m, None).await?;
            }
            return Ok(id);
        };
        let id = found
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                EventError::Protocol(format!("the user found for {:?} has no id", u.user_name))
            })?
            .to_owned();
        self.write_difference(&id, u, u.active, &found).await?;
        if self.profile.manager == ManagerStyle::ReferencePatch
            && let Some(m) = manager_id
        {
            self.write_manager(&id, &u.user_name, m, Some(&found))
                .await?;
        }
        Ok(id)
    }

    /// An update by reading first: `GET /Users/{id}`, then the difference.
    pub(crate) async fn update_by_reading(
        &self,
        id: &str,
        u: &User,
        active: bool,
    ) -> Result<Vec<Change>, EventError> {
        let current = self
            .read("Users", id)
            .await?
            .ok_or_else(|| EventError::Rejected {
                what: format!("read user {:?}", u.user_name),
                status: 404,
                body: "the target no longer has this user".into(),
            })?;
        self.write_difference(id, u, active, &current).await
    }
}
