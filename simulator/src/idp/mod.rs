//! The simulated IdP: lifecycle events turned into a profile's exact
//! request sequences, reading answers as it goes (lookup, then create or
//! link), and learning the target's ids into the directory.
//!
//! - [`wire`]: request building and calls (headers, filter encoding, the
//!   existence check);
//! - [`body`]: body shapes (user and group creates, the PUT overlay);
//! - `users`, `groups`: each event's requests on the wire;
//! - `listing`: import-style paging and idpsim's own concurrent reads;
//! - `sync`: the full sync and the directory reset.

mod body;
mod connection;
mod groups;
mod listing;
mod reads;
pub mod reset;
mod sync;
mod users;
mod wire;

pub(crate) use body::group_body;
pub use body::user_body;
pub(crate) use listing::read_page;
pub use listing::{Imported, PageSink};
pub use sync::Progress;
pub use wire::{Wire, encode};

use std::sync::Arc;

use rand::{RngExt, SeedableRng};

use crate::client::{ClientError, ScimClient};
use crate::cycles::{CycleReport, Engine, Kind};
use crate::directory::{Directory, User};
use crate::profile::Profile;

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

/// The IdP: a directory and the wire it speaks.
#[derive(Debug)]
pub struct Idp {
    pub dir: Directory,
    pub wire: Wire,
    /// Where the target's own "reset directory" control lives, if it has one.
    pub reset_url: Option<String>,
    /// The provisioning job of an IdP that works in cycles (Entra). Its
    /// events are then provisioning on demand: the same read, compare and
    /// write as a cycle, for the objects the event touched, at once.
    pub engine: Option<Engine>,
}

impl Idp {
    pub fn new(dir: Directory, profile: &'static Profile, client: ScimClient) -> Self {
        Idp {
            dir,
            wire: Wire { profile, client },
            reset_url: None,
            engine: profile
                .cycles
                .map(|rules| Engine::new(rules, profile.matching)),
        }
    }

    /// The named objects through the engine, now.
    async fn on_demand(&mut self, users: &[&str], groups: &[&str]) -> Result<(), EventError> {
        let Idp {
            dir, wire, engine, ..
        } = self;
        let engine = engine.as_mut().expect("callers check for an engine");
        let users: Vec<String> = users.iter().map(|s| (*s).to_owned()).collect();
        let groups: Vec<String> = groups.iter().map(|s| (*s).to_owned()).collect();
        engine
            .on_demand(dir, wire, &users, &groups)
            .await
            .map(|_| ())
    }

    /// The admin's "Provision on demand" for one user: read, compare and
    /// write now, between cycles, in the shapes on-demand sends, which
    /// ignore `aadOptscim062020` (E27). Events are processed at once too,
    /// but as the job's own cycle would, with the job's flags.
    pub async fn provision_on_demand(
        &mut self,
        user_name: &str,
    ) -> Result<CycleReport, EventError> {
        self.user(user_name)?;
        let Idp {
            dir, wire, engine, ..
        } = self;
        let engine = engine.as_mut().ok_or_else(|| {
            EventError::Protocol(format!(
                "the {} profile has no provisioning job to provision on demand; entra and entra-2020 do",
                wire.profile.name
            ))
        })?;
        let on_demand = Wire {
            profile: wire.profile.on_demand.unwrap_or(wire.profile),
            client: wire.client.clone(),
        };
        engine.changed_user(user_name);
        engine
            .on_demand(dir, &on_demand, &[user_name.to_owned()], &[])
            .await
    }

    /// Runs one provisioning cycle (profiles that work in cycles).
    pub async fn cycle(
        &mut self,
        kind: Kind,
        progress: Option<Arc<Progress>>,
    ) -> Result<CycleReport, EventError> {
        let Idp {
            dir, wire, engine, ..
        } = self;
        let engine = engine.as_mut().ok_or_else(|| {
            EventError::Protocol(format!(
                "the {} profile does not work in provisioning cycles; cycle steps need entra or entra-2020",
                wire.profile.name
            ))
        })?;
        Ok(engine.cycle(kind, dir, wire, progress).await)
    }

    /// The admin's Test Connection, in the profile's form.
    pub async fn test_connection(&self) -> Result<String, EventError> {
        // Random as Entra's is, yet the same in two runs of one scenario.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x7e57 ^ self.wire.client.sent());
        let guid = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        self.wire.test_connection(&guid.to_string()).await
    }

    /// The group variant of the connection test (Okta with Push Groups, O1).
    pub async fn test_group_connection(&self) -> Result<String, EventError> {
        self.wire.test_group_connection().await
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
        if let Some(e) = &mut self.engine {
            e.assign(user_name);
            return self.on_demand(&[user_name], &[]).await;
        }
        let id = self.wire.join(&u, self.manager_id(&u).as_deref()).await?;
        self.dir.user_mut(user_name).expect("present").target_id = Some(id);
        Ok(())
    }

    pub async fn update(&mut self, user_name: &str, changed: &[Field]) -> Result<(), EventError> {
        // On demand, a user in scope that the target lacks is created.
        if self.engine.is_some() {
            self.user(user_name)?;
            let e = self.engine.as_mut().expect("checked");
            e.changed_user(user_name);
            return self.on_demand(&[user_name], &[]).await;
        }
        let (u, id) = self.linked(user_name)?;
        self.wire.push_profile(&id, &u, changed).await
    }

    pub async fn set_active(&mut self, user_name: &str, active: bool) -> Result<(), EventError> {
        self.dir
            .user_mut(user_name)
            .ok_or_else(|| EventError::NotInDirectory(format!("no user {user_name:?}")))?
            .active = active;
        if let Some(e) = &mut self.engine {
            if active {
                e.restore(user_name);
            } else {
                e.changed_user(user_name);
            }
            return self.on_demand(&[user_name], &[]).await;
        }
        let (u, id) = self.linked(user_name)?;
        self.wire.set_active(&id, &u, active).await
    }

    /// Deletes a user in the IdP; sends DELETE if the profile does, or,
    /// where a delete is first a soft delete (Entra), disables the user and
    /// leaves the DELETE to the hard delete. Returns whether a request was
    /// sent.
    pub async fn delete_user(&mut self, user_name: &str) -> Result<bool, EventError> {
        let u = self.user(user_name)?;
        if self.wire.profile.soft_deletes
            && let Some(e) = &mut self.engine
        {
            e.soft_delete(user_name);
            self.dir.user_mut(user_name).expect("present").active = false;
            if u.target_id.is_none() {
                return Ok(false);
            }
            let before = self.wire.client.sent();
            self.on_demand(&[user_name], &[]).await?;
            return Ok(self.wire.client.sent() > before);
        }
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
        if let Some(e) = &mut self.engine {
            e.changed_group(name);
            return self.on_demand(&[], &[name]).await;
        }
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
        if let Some(e) = &mut self.engine {
            e.changed_group(name);
            return self.on_demand(&[], &[name]).await;
        }
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
        if let Some(e) = &mut self.engine {
            e.changed_group(name);
            return self.on_demand(&[], &[name]).await;
        }
        let (removed, all) = (self.member_pairs(&gone), self.member_pairs(&all));
        self.wire.remove_members(&id, name, &removed, &all).await
    }

    /// A "Push now" of a pushed group: its whole membership at once, in the
    /// profile's form or the one given (IDP-ENGINES O22, O24).
    pub async fn push_now(
        &mut self,
        name: &str,
        form: Option<crate::profile::FullPush>,
    ) -> Result<(), EventError> {
        let (id, all) = self.group_linked(name)?;
        let pairs = self.member_pairs(&all);
        if self.engine.is_some() || !self.wire.push_members_now(&id, name, &pairs, form).await? {
            return Err(EventError::Protocol(format!(
                "the {} profile has no full membership push",
                self.wire.profile.name
            )));
        }
        Ok(())
    }

    /// Users leave and join one group in one event (IDP-ENGINES O21).
    pub async fn change_members(
        &mut self,
        name: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(), EventError> {
        for u in add {
            self.user(u)?;
        }
        let g = self
            .dir
            .group_mut(name)
            .ok_or_else(|| EventError::NotInDirectory(format!("no group {name:?}")))?;
        let gone: Vec<String> = remove
            .iter()
            .filter(|u| g.members.shift_remove(*u))
            .cloned()
            .collect();
        let new: Vec<String> = add
            .iter()
            .filter(|u| g.members.insert((*u).clone()))
            .cloned()
            .collect();
        let (id, all) = self.group_linked(name)?;
        if let Some(e) = &mut self.engine {
            e.changed_group(name);
            return self.on_demand(&[], &[name]).await;
        }
        let (removed, added, all) = (
            self.member_pairs(&gone),
            self.member_pairs(&new),
            self.member_pairs(&all),
        );
        self.wire
            .change_members(&id, name, &removed, &added, &all)
            .await
    }

    pub async fn rename_group(&mut self, from: &str, to: &str) -> Result<(), EventError> {
        let (id, all) = self.group_linked(from)?;
        self.dir.rename_group(from, to);
        if let Some(e) = &mut self.engine {
            e.renamed_group(from, to);
            return self.on_demand(&[], &[to]).await;
        }
        let pairs = self.member_pairs(&all);
        self.wire.rename_group(&id, to, &pairs).await
    }

    pub async fn delete_group(&mut self, name: &str) -> Result<(), EventError> {
        let (id, _) = self.group_linked(name)?;
        self.wire.delete_group(&id, name).await?;
        self.dir.remove_group(name);
        if let Some(e) = &mut self.engine {
            e.deleted_group(name);
        }
        Ok(())
    }
}
