//! Group events on the wire: push (lookup, then create or link), member
//! changes, rename and delete, each in the profile's shape.

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::body::{GROUP, group_body};
use super::wire::id_of;
use super::{EventError, Wire};
use crate::client::{Method, Request};
use crate::profile::{FullPush, GroupLookup, MemberStyle, RenameStyle};

impl Wire {
    /// Group create: look up by name, then create or link; Okta follows a
    /// create with its name-sync PATCH. Returns the target id.
    pub async fn create_group(&self, name: &str, idp_id: &str) -> Result<String, EventError> {
        let p = self.profile;
        let found = match p.group_lookup {
            GroupLookup::Filter => self.existence_check("Groups", "displayName", name).await?,
            GroupLookup::ListAll => self.find_group_in_listing(name).await?,
        };
        if let Some(found) = found {
            return found
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    EventError::Protocol(format!("the group found for {name:?} has no id"))
                });
        }
        let body = group_body(p, name, idp_id);
        let what = format!("create group {name:?}");
        let r = match self
            .call(
                self.request(Method::POST, "/Groups".into(), Some(body)),
                &what,
            )
            .await
        {
            Ok(r) => r,
            Err(EventError::Rejected { status: 409, .. }) if p.links_after_conflict => {
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
        if p.put_after_group_create {
            self.put_group_body(&id, name, &[], &what).await?;
        }
        Ok(id)
    }

    /// A create answered 409: the object is there (a duplicate delivery or
    /// a lost answer retried), so look it up and link to it.
    pub(crate) async fn link_after_conflict(
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
        self.put_group_body(id, name, members, &what).await
    }

    async fn put_group_body(
        &self,
        id: &str,
        name: &str,
        members: &[(String, String)],
        what: &str,
    ) -> Result<(), EventError> {
        let body = json!({"schemas": [GROUP], "id": id, "displayName": name, "members": member_list(members)});
        self.call(
            self.request(Method::PUT, format!("/Groups/{id}"), Some(body)),
            what,
        )
        .await?;
        Ok(())
    }

    /// The whole membership at once, replacing the target's (a "Push now"
    /// of a pushed group, IDP-ENGINES O22; AIW by PUT, O24). Returns
    /// whether the profile has such a push.
    pub async fn push_members_now(
        &self,
        gid: &str,
        name: &str,
        all: &[(String, String)],
        form: Option<FullPush>,
    ) -> Result<bool, EventError> {
        let p = self.profile;
        let Some(form) = form.or(p.full_push) else {
            return Ok(false);
        };
        let what =
            format!("push the whole membership of group {name:?} in one replace (IDP-ENGINES O22)");
        let op = match form {
            FullPush::PutGroup => {
                self.put_group(gid, name, all).await?;
                return Ok(true);
            }
            FullPush::ReplacePath => {
                json!({"op": p.op("replace"), "path": "members", "value": member_list(all)})
            }
            FullPush::ReplacePathless => {
                json!({"op": p.op("replace"), "value": {"members": member_list(all)}})
            }
        };
        self.call(self.patch(format!("/Groups/{gid}"), vec![op]), &what)
            .await?;
        if p.rename == RenameStyle::OktaPathless {
            self.okta_name_sync(gid, name).await?;
        }
        Ok(true)
    }

    /// Removals and additions to one group in one event: one PATCH,
    /// removals first, where the profile sends them so (Okta, IDP-ENGINES
    /// O21); else the removals, then the additions.
    pub async fn change_members(
        &self,
        gid: &str,
        name: &str,
        removed: &[(String, String)],
        added: &[(String, String)],
        all: &[(String, String)],
    ) -> Result<(), EventError> {
        let p = self.profile;
        let mixed = p.mixed_member_patch
            && p.members == MemberStyle::OktaPatch
            && !removed.is_empty()
            && !added.is_empty()
            && removed.len() + added.len() <= p.member_batch.max(1);
        if !mixed {
            self.remove_members(gid, name, removed, all).await?;
            return self.add_members(gid, name, added, all).await;
        }
        let mut ops: Vec<Value> = removed
            .iter()
            .map(|(id, _)| json!({"op": p.op("remove"), "path": format!("members[value eq \"{id}\"]")}))
            .collect();
        ops.push(json!({"op": p.op("add"), "path": "members", "value": member_list(added)}));
        self.call(
            self.patch(format!("/Groups/{gid}"), ops),
            format!("change the members of group {name:?}"),
        )
        .await?;
        if p.rename == RenameStyle::OktaPathless {
            self.okta_name_sync(gid, name).await?;
        }
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
                    let op =
                        json!({"op": p.op("add"), "path": "members", "value": member_list(chunk)});
                    self.call(self.patch(format!("/Groups/{gid}"), vec![op]), &what)
                        .await?;
                    self.okta_name_sync(gid, name).await?;
                }
            }
            MemberStyle::EntraValueList | MemberStyle::FilterPath | MemberStyle::ValueList => {
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
            MemberStyle::EntraValueList | MemberStyle::ValueList => {
                let reqs: Vec<Request> = removed
                    .chunks(p.member_batch.max(1))
                    .map(|c| {
                        let value: Vec<Value> = c
                            .iter()
                            .map(|(id, _)| {
                                if p.members == MemberStyle::EntraValueList {
                                    json!({"$ref": null, "value": id})
                                } else {
                                    json!({"value": id})
                                }
                            })
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
            let fan = crate::plan::next_set();
            for (chunk, r) in (0u32..).zip(reqs) {
                let w = self.clone();
                let what = what.to_owned();
                set.spawn(crate::plan::scope(fan, chunk + 1, async move {
                    w.call(r, what).await.map(|_| ())
                }));
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
}

/// Members as Okta lists them: `{value, display}`.
fn member_list(members: &[(String, String)]) -> Vec<Value> {
    members
        .iter()
        .map(|(id, un)| json!({"value": id, "display": un}))
        .collect()
}
