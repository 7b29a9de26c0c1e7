//! The okta and entra suites' replays: each IdP's exact request sequence
//! for one lifecycle event, sent by the simulator's profile, judged by what
//! that IdP needs back and by the state the target is left in.

use idpsim_simulator::directory::User;
use idpsim_simulator::idp::{EventError, Field, Wire};
use idpsim_simulator::profile::{ENTRA, ENTRA_2020, OKTA, OKTA_AIW, Profile};
use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, expect_before, expect_eq};

/// A lifecycle event to replay.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    Join,
    LinkExisting,
    Update,
    Deactivate,
    Reactivate,
    PushGroup,
    AddMember,
    RemoveMember,
    RenameGroup,
    DeleteGroup,
    DeleteUser,
    Import,
}

fn fail(e: EventError) -> Finding {
    Finding::fail(
        "idp-requests",
        "the IdP's requests to succeed",
        e.to_string(),
    )
}

/// The profile string the replays push and judge: `title`, which both
/// IdPs map by default, else `displayName` where the server does not
/// declare `title` (an admin maps no attribute the application lacks).
fn pushed(c: &Ctx) -> Option<(Field, &'static str)> {
    if c.declares("title") {
        Some((Field::Title, "title"))
    } else if c.declares("displayName") {
        Some((Field::DisplayName, "displayName"))
    } else {
        None
    }
}

fn set(u: &mut User, field: Field, value: &str) {
    match field {
        Field::Title => u.title = Some(value.into()),
        _ => u.display_name = value.into(),
    }
}

async fn joined(c: &Ctx, w: &Wire, given: &str) -> Result<(User, String), Finding> {
    let name = c.user_name();
    let mut u = User::new(&name, format!("00u{}", c.name("okta").replace('-', "")));
    u.given_name = given.into();
    if c.declares("title") {
        u.title = Some("Engineer".into());
    }
    let id = w.join(&u, None).await.map_err(fail)?;
    c.created(format!("/Users/{id}")).await;
    u.target_id = Some(id.clone());
    Ok((u, id))
}

async fn active_before(c: &Ctx, id: &str, want: bool) -> Result<(), Finding> {
    let r = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&r.json["active"], &json!(want), "active")
}

async fn user_json(c: &Ctx, id: &str) -> Result<Value, Finding> {
    let r = c.get(&format!("/Users/{id}")).await?;
    r.expect_status(200, "GET /Users/{id}")?;
    Ok(r.json)
}

async fn group(
    c: &Ctx,
    w: &Wire,
    members: &[(String, String)],
) -> Result<(String, String), Finding> {
    let name = c.name("group");
    let gid = w.create_group(&name, "00gidpsim").await.map_err(fail)?;
    c.created(format!("/Groups/{gid}")).await;
    w.add_members(&gid, &name, members, members)
        .await
        .map_err(fail)?;
    Ok((gid, name))
}

pub async fn replay(c: Ctx, profile: &'static Profile, event: Event) -> CheckResult {
    let w = Wire {
        profile,
        client: c.client.clone(),
    };
    match event {
        Event::Join => {
            let (u, id) = joined(&c, &w, "Ann").await?;
            let got = user_json(&c, &id).await?;
            expect_eq(&got["userName"], &json!(u.user_name), "userName")?;
            expect_eq(&got["active"], &json!(true), "active")?;
            expect_eq(&got["name"]["givenName"], &json!("Ann"), "name.givenName")?;
            expect_eq(
                &got["externalId"],
                &json!(profile.external_id_of(&u)),
                "externalId",
            )?;
        }
        Event::LinkExisting => {
            let name = c.user_name();
            let (existing, _) = c.create_user(json!({"userName": name})).await?;
            let mut u = User::new(&name, "00uidpsimlink0000000".into());
            let pushed = pushed(&c);
            if let Some((field, _)) = pushed {
                set(&mut u, field, "Linked");
            }
            let id = w.join(&u, None).await.map_err(fail)?;
            expect_eq(
                &json!(id),
                &json!(existing),
                "the id the IdP linked to (no second account)",
            )?;
            // Every profile pushes the profile of a user it links (Okta by
            // GET + PUT, Entra by comparing and patching the difference).
            if let Some((_, attr)) = pushed {
                expect_eq(
                    &user_json(&c, &id).await?[attr],
                    &json!("Linked"),
                    &format!("{attr} pushed after linking"),
                )?;
            }
        }
        Event::Update => {
            let (mut u, id) = joined(&c, &w, "Ann").await?;
            let pushed = pushed(&c);
            let mut changed = vec![Field::GivenName];
            if let Some((field, _)) = pushed {
                set(&mut u, field, "Staff Engineer");
                changed.insert(0, field);
            }
            u.given_name = "Annie".into();
            w.push_profile(&id, &u, &changed).await.map_err(fail)?;
            let got = user_json(&c, &id).await?;
            if let Some((_, attr)) = pushed {
                expect_eq(&got[attr], &json!("Staff Engineer"), attr)?;
            }
            expect_eq(&got["name"]["givenName"], &json!("Annie"), "name.givenName")?;
        }
        Event::Deactivate | Event::Reactivate => {
            let (u, id) = joined(&c, &w, "Ann").await?;
            // Each change of `active` is judged from the state before it.
            active_before(&c, &id, true).await?;
            w.set_active(&id, &u, false).await.map_err(fail)?;
            let want = matches!(event, Event::Reactivate);
            if want {
                active_before(&c, &id, false).await?;
                w.set_active(&id, &u, true).await.map_err(fail)?;
            }
            expect_eq(&user_json(&c, &id).await?["active"], &json!(want), "active")?;
        }
        Event::PushGroup
        | Event::AddMember
        | Event::RemoveMember
        | Event::RenameGroup
        | Event::DeleteGroup => {
            let (a, aid) = joined(&c, &w, "Ann").await?;
            let (b, bid) = joined(&c, &w, "Bo").await?;
            let pa = (aid.clone(), a.user_name.clone());
            let pb = (bid.clone(), b.user_name.clone());
            let (gid, name) = group(&c, &w, std::slice::from_ref(&pa)).await?;
            let want: Vec<String> = match event {
                Event::PushGroup => vec![aid.clone()],
                Event::AddMember => {
                    w.add_members(
                        &gid,
                        &name,
                        std::slice::from_ref(&pb),
                        &[pa.clone(), pb.clone()],
                    )
                    .await
                    .map_err(fail)?;
                    vec![aid.clone(), bid.clone()]
                }
                Event::RemoveMember => {
                    w.add_members(
                        &gid,
                        &name,
                        std::slice::from_ref(&pb),
                        &[pa.clone(), pb.clone()],
                    )
                    .await
                    .map_err(fail)?;
                    // Removed proves nothing of a member never added.
                    c.members_before(&gid, &[&aid, &bid]).await?;
                    w.remove_members(
                        &gid,
                        &name,
                        std::slice::from_ref(&pa),
                        std::slice::from_ref(&pb),
                    )
                    .await
                    .map_err(fail)?;
                    vec![bid.clone()]
                }
                Event::RenameGroup => {
                    let to = c.name("renamed");
                    w.rename_group(&gid, &to, std::slice::from_ref(&pa))
                        .await
                        .map_err(fail)?;
                    let got = c.get(&format!("/Groups/{gid}")).await?;
                    expect_eq(&got.json["displayName"], &json!(to), "displayName")?;
                    vec![aid.clone()]
                }
                _ => {
                    // Gone proves nothing of a group GET never found.
                    c.read_before(&format!("/Groups/{gid}")).await?;
                    w.delete_group(&gid, &name).await.map_err(fail)?;
                    c.get(&format!("/Groups/{gid}"))
                        .await?
                        .expect_status(404, "GET of the deleted group")?;
                    return Ok(vec![]);
                }
            };
            let mut want = want;
            want.sort();
            expect_eq(&json!(c.member_ids(&gid).await?), &json!(want), "members")?;
        }
        Event::DeleteUser => {
            let (u, id) = joined(&c, &w, "Ann").await?;
            c.read_before(&format!("/Users/{id}")).await?;
            w.delete_user(&id, &u.user_name).await.map_err(fail)?;
            c.get(&format!("/Users/{id}"))
                .await?
                .expect_status(404, "GET of the deleted user")?;
        }
        Event::Import => {
            let (u, _) = joined(&c, &w, "Ann").await?;
            let all = w
                .list_all("Users", profile.import_page.unwrap_or(100))
                .await
                .map_err(fail)?;
            if !all.iter().any(|x| x["userName"] == json!(u.user_name)) {
                return Err(Finding::fail(
                    "imported",
                    format!("{} among the imported users", u.user_name),
                    format!("{} users, not it", all.len()),
                ));
            }
        }
    }
    Ok(vec![])
}

macro_rules! replays {
    ($($name:ident: $profile:ident, $event:ident;)*) => {
        $(pub async fn $name(c: Ctx) -> CheckResult { replay(c, &$profile, Event::$event).await })*
    };
}

replays! {
    okta_join: OKTA, Join;
    okta_link: OKTA, LinkExisting;
    okta_update: OKTA, Update;
    okta_deactivate: OKTA, Deactivate;
    okta_reactivate: OKTA, Reactivate;
    okta_push_group: OKTA, PushGroup;
    okta_add_member: OKTA, AddMember;
    okta_remove_member: OKTA, RemoveMember;
    okta_rename_group: OKTA, RenameGroup;
    okta_delete_group: OKTA, DeleteGroup;
    okta_import: OKTA, Import;
    aiw_join: OKTA_AIW, Join;
    aiw_update: OKTA_AIW, Update;
    aiw_deactivate: OKTA_AIW, Deactivate;
    aiw_reactivate: OKTA_AIW, Reactivate;
    aiw_push_group: OKTA_AIW, PushGroup;
    aiw_add_member: OKTA_AIW, AddMember;
    aiw_remove_member: OKTA_AIW, RemoveMember;
    aiw_rename_group: OKTA_AIW, RenameGroup;
    entra_join: ENTRA, Join;
    entra_link: ENTRA, LinkExisting;
    entra_update: ENTRA, Update;
    entra_deactivate: ENTRA, Deactivate;
    entra_reactivate: ENTRA, Reactivate;
    entra_push_group: ENTRA, PushGroup;
    entra_add_member: ENTRA, AddMember;
    entra_remove_member: ENTRA, RemoveMember;
    entra_rename_group: ENTRA, RenameGroup;
    entra_delete_group: ENTRA, DeleteGroup;
    entra_delete_user: ENTRA, DeleteUser;
    e2020_join: ENTRA_2020, Join;
    e2020_update: ENTRA_2020, Update;
    e2020_deactivate: ENTRA_2020, Deactivate;
    e2020_reactivate: ENTRA_2020, Reactivate;
    e2020_add_member: ENTRA_2020, AddMember;
    e2020_remove_member: ENTRA_2020, RemoveMember;
    e2020_rename_group: ENTRA_2020, RenameGroup;
    e2020_delete_user: ENTRA_2020, DeleteUser;
}
