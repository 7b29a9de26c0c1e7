//! The directory reset, written once for `play` (a scenario's `reset` step)
//! and `load` (the reset phase): the target's own reset control when it has
//! one, else every object listed and deleted one by one.
//!
//! The rules, the same for both callers:
//! - the control is a `POST` with the SCIM client's timeout and credentials;
//!   its answer is two counts (`usersDeleted`, `groupsDeleted`), read capped;
//! - without a control, groups go first, then users; exempt accounts (a
//!   tenant owner) are never sent a `DELETE`;
//! - a `DELETE` answered 2xx deleted the object, 404 means someone else
//!   already had; anything else is a refusal with its evidence. A refusal
//!   does not stop the others: the reset deletes what it can, then says
//!   what it could not.

use std::collections::HashSet;

use serde_json::Value;

use super::wire::shorten;
use super::{EventError, Wire};
use crate::client::{Auth, ClientError, Method};

/// A resource kind a reset deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
}

/// One object a reset without a control deletes.
#[derive(Debug, Clone)]
pub struct Doomed {
    pub kind: Kind,
    pub id: String,
    /// `userName` or `displayName`, for messages.
    pub name: String,
}

/// What one `DELETE` came to, when it was not refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    Deleted,
    /// 404: the object was gone before the reset reached it.
    AlreadyGone,
}

/// What a reset control answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub groups: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.users + self.groups
    }
}

/// Objects listed from the target, in the order a reset deletes them:
/// groups, then users less `exempt` (compared case-insensitively, as
/// `userName` is). Listed resources without an `id` cannot be deleted and
/// are left out.
pub fn doomed(groups: Vec<Value>, users: Vec<Value>, exempt: &[String]) -> Vec<Doomed> {
    let exempt: HashSet<String> = exempt.iter().map(|e| e.to_lowercase()).collect();
    let one = |kind: Kind, attr: &str, r: &Value| {
        let id = r.get("id")?.as_str()?.to_owned();
        let name = r
            .get(attr)
            .and_then(Value::as_str)
            .unwrap_or(&id)
            .to_owned();
        Some(Doomed { kind, id, name })
    };
    let groups = groups
        .iter()
        .filter_map(|g| one(Kind::Group, "displayName", g));
    let users = users
        .iter()
        .filter_map(|u| one(Kind::User, "userName", u))
        .filter(|u| !exempt.contains(&u.name.to_lowercase()));
    groups.chain(users).collect()
}

impl Wire {
    /// The target's own reset control.
    pub async fn reset_control(&self, url: &str) -> Result<Counts, EventError> {
        let what = || "reset the target".to_owned();
        let transport = |e: reqwest::Error| EventError::Transport {
            what: what(),
            source: ClientError::Transport(e.to_string()),
        };
        let config = self.client.config();
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(transport)?;
        let rb = match &config.auth {
            Auth::None => client.post(url),
            Auth::Bearer(t) => client.post(url).bearer_auth(t),
            Auth::Basic { user, password } => client.post(url).basic_auth(user, Some(password)),
            Auth::Header { name, value } => client.post(url).header(name.as_str(), value.as_str()),
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
                what: what(),
                status,
                body: shorten(&text),
            });
        }
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        Ok(Counts {
            users: v["usersDeleted"].as_u64().unwrap_or(0),
            groups: v["groupsDeleted"].as_u64().unwrap_or(0),
        })
    }

    /// Everything a reset without a control deletes.
    pub async fn list_doomed(&self, exempt: &[String]) -> Result<Vec<Doomed>, EventError> {
        let groups = self.list_all("Groups", 100).await?;
        let users = self.list_all("Users", 100).await?;
        Ok(doomed(groups, users, exempt))
    }

    /// One `DELETE` of a reset. Whatever the profile: a reset is the
    /// harness clearing the target, not an IdP event.
    pub async fn reset_delete(&self, d: &Doomed) -> Result<Gone, EventError> {
        let (path, what) = match d.kind {
            Kind::User => (format!("/Users/{}", d.id), "user"),
            Kind::Group => (format!("/Groups/{}", d.id), "group"),
        };
        let what = || format!("delete {what} {:?}", d.name);
        let r = self
            .client
            .send(&self.request(Method::DELETE, path, None))
            .await
            .map_err(|source| EventError::Transport {
                what: what(),
                source,
            })?;
        match r.status {
            s if s < 400 => Ok(Gone::Deleted),
            404 => Ok(Gone::AlreadyGone),
            status => Err(EventError::Rejected {
                what: what(),
                status,
                body: shorten(&r.text()),
            }),
        }
    }

    /// A reset without a control, one object at a time: groups listed and
    /// deleted, then users (so that the users' listing no longer carries
    /// memberships of deleted groups).
    pub async fn reset_by_listing(&self, exempt: &[String]) -> Result<usize, EventError> {
        let groups = doomed(self.list_all("Groups", 100).await?, Vec::new(), exempt);
        let first = self.reset_all(&groups).await;
        let users = doomed(Vec::new(), self.list_all("Users", 100).await?, exempt);
        let second = self.reset_all(&users).await;
        match (first, second) {
            (Ok(a), Ok(b)) => Ok(a + b),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// Deletes `doomed` one after another; returns how many were deleted,
    /// or, when any was refused, the first refusal with the tally.
    pub async fn reset_all(&self, doomed: &[Doomed]) -> Result<usize, EventError> {
        let mut deleted = 0;
        let mut refused = Vec::new();
        for d in doomed {
            match self.reset_delete(d).await {
                Ok(Gone::Deleted) => deleted += 1,
                Ok(Gone::AlreadyGone) => {}
                Err(e) => refused.push(e),
            }
        }
        let n = refused.len();
        match refused.into_iter().next() {
            None => Ok(deleted),
            Some(first) => Err(tally(first, deleted, n)),
        }
    }
}

/// The first refusal of a reset, said with how the rest went, so that an
/// account the target protects is named with the way out.
fn tally(first: EventError, deleted: usize, refused: usize) -> EventError {
    let context = format!(
        "reset the target ({deleted} deleted, {refused} refused; an account the target must \
         keep, such as its owner, can be named with --exempt); first refusal: "
    );
    match first {
        EventError::Rejected { what, status, body } => EventError::Rejected {
            what: format!("{context}{what}"),
            status,
            body,
        },
        EventError::Transport { what, source } => EventError::Transport {
            what: format!("{context}{what}"),
            source,
        },
        other => EventError::Protocol(format!("{context}{other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_go_first_and_exempt_accounts_are_never_listed() {
        let d = doomed(
            vec![
                json!({"id": "g1", "displayName": "Eng"}),
                json!({"displayName": "no id"}),
            ],
            vec![
                json!({"id": "u1", "userName": "Owner@Example.com"}),
                json!({"id": "u2", "userName": "ann@example.com"}),
            ],
            &["owner@example.com".to_owned()],
        );
        let got: Vec<_> = d.iter().map(|d| (d.kind, d.id.as_str())).collect();
        assert_eq!(got, [(Kind::Group, "g1"), (Kind::User, "u2")]);
    }
}
