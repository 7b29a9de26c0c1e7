use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn create_read_replace_delete_user() {
    let sp = Sp::start().await;
    let r = sp
        .post(
            "/Users",
            json!({"schemas": [USER], "USERNAME": "Bjensen@Example.com", "id": "mine", "externalId": "Ext-1",
                   "name": {"givenName": "Barbara"}, "password": "s3cret", "groups": [{"value": "x"}],
                   "meta": {"created": "1999-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    assert_ne!(id, "mine");
    assert_eq!(r.body["userName"], "Bjensen@Example.com");
    assert_eq!(r.body["externalId"], "Ext-1");
    assert!(
        r.body.get("password").is_none(),
        "password is returned never"
    );
    assert!(r.body.get("groups").is_none());
    assert_ne!(r.body["meta"]["created"], "1999-01-01T00:00:00Z");
    let loc = r.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(r.body["meta"]["location"], loc);
    assert_eq!(
        r.headers["etag"].to_str().unwrap(),
        r.body["meta"]["version"]
    );

    let g = sp.get(&format!("/Users/{id}")).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["name"]["givenName"], "Barbara");

    let p = sp
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], "userName": "bjensen@example.com", "title": "Guide"})),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["title"], "Guide");
    assert!(
        p.body.get("name").is_none(),
        "PUT clears omitted attributes"
    );
    assert_eq!(p.body["meta"]["created"], g.body["meta"]["created"]);
    assert_ne!(p.body["meta"]["version"], g.body["meta"]["version"]);

    sp.send(
        Method::PUT,
        "/Users/nope",
        Some(json!({"schemas": [USER], "userName": "z"})),
    )
    .await
    .assert_error(404, None);
    assert_eq!(
        sp.send(Method::DELETE, &format!("/Users/{id}"), None)
            .await
            .status,
        204
    );
    sp.get(&format!("/Users/{id}"))
        .await
        .assert_error(404, None);
    sp.send(Method::DELETE, &format!("/Users/{id}"), None)
        .await
        .assert_error(404, None);
    // The name is free again.
    sp.user("bjensen@example.com").await;
}

#[tokio::test]
async fn uniqueness_is_case_insensitive_and_409() {
    let sp = Sp::start().await;
    sp.user("dup@x.com").await;
    sp.post(
        "/Users",
        json!({"schemas": [USER], "userName": "DUP@X.COM"}),
    )
    .await
    .assert_error(409, Some("uniqueness"));
    let other = sp.user("other@x.com").await;
    let r = sp
        .patch(
            &format!("/Users/{other}"),
            json!([{"op": "replace", "path": "userName", "value": "Dup@x.com"}]),
        )
        .await;
    r.assert_error(409, Some("uniqueness"));
    sp.group("Eng", &[]).await;
    sp.post("/Groups", json!({"schemas": [GROUP], "displayName": "eng"}))
        .await
        .assert_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn etags_if_match_and_if_none_match() {
    let sp = Sp::start().await;
    let id = sp.user("e@x").await;
    let at = format!("/Users/{id}");
    let tag = sp.get(&at).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(tag.starts_with("W/\""));
    let r = sp
        .raw(
            Method::GET,
            &at,
            None,
            Some(sp.handle.token()),
            &[("if-none-match", &tag)],
        )
        .await;
    assert_eq!(r.status, 304);
    let body =
        json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "title", "value": "T"}]})
            .to_string();
    let r = sp
        .raw(
            Method::PATCH,
            &at,
            Some(body.clone()),
            Some(sp.handle.token()),
            &[("if-match", "W/\"999\"")],
        )
        .await;
    r.assert_error(412, None);
    let r = sp
        .raw(
            Method::PATCH,
            &at,
            Some(body.clone()),
            Some(sp.handle.token()),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sp
        .raw(
            Method::DELETE,
            &at,
            None,
            Some(sp.handle.token()),
            &[("if-match", &tag)],
        )
        .await;
    r.assert_error(412, None);
    let r = sp
        .raw(
            Method::GET,
            &at,
            None,
            Some(sp.handle.token()),
            &[("if-none-match", &tag)],
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn patch_noop_keeps_version_and_prefer_minimal_gives_204() {
    let sp = Sp::start().await;
    let id = sp.user("n@x").await;
    let at = format!("/Users/{id}");
    let a = sp
        .patch(&at, json!([{"op": "add", "path": "title", "value": "T"}]))
        .await;
    let b = sp
        .patch(&at, json!([{"op": "add", "path": "title", "value": "T"}]))
        .await;
    assert_eq!(a.body["meta"], b.body["meta"], "a no-op leaves meta alone");
    let body = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}).to_string();
    let r = sp
        .raw(
            Method::PATCH,
            &at,
            Some(body),
            Some(sp.handle.token()),
            &[("prefer", "return=minimal")],
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(sp.get(&at).await.body["active"], false);
}

#[tokio::test]
async fn membership_is_consistent_both_ways() {
    let sp = Sp::start().await;
    let (a, b, c) = (
        sp.user("a@x").await,
        sp.user("b@x").await,
        sp.user("c@x").await,
    );
    let g = sp.group("Team", &[&a, &b]).await;
    let u = sp.get(&format!("/Users/{a}")).await;
    assert_eq!(u.body["groups"][0]["value"], g);
    assert_eq!(u.body["groups"][0]["display"], "Team");
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": c}]}]),
    )
    .await;
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
    )
    .await;
    assert!(
        sp.get(&format!("/Users/{a}"))
            .await
            .body
            .get("groups")
            .is_none()
    );
    let mut want = vec![b.clone(), c.clone()];
    want.sort();
    assert_eq!(sp.member_ids(&g).await, want);
    // Okta's name sync and a rename leave the members as they are.
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "replace", "value": {"id": g, "displayName": "Team 2"}}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["displayName"], "Team 2");
    assert_eq!(r.body["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(sp.member_ids(&g).await, want);
    assert_eq!(
        sp.get(&format!("/Users/{b}")).await.body["groups"][0]["display"],
        "Team 2"
    );
    // Entra's legacy removal shape removes just the listed member.
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": b}]}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(sp.member_ids(&g).await, vec![c.clone()]);
    // Deleting a user drops it from its groups.
    sp.send(Method::DELETE, &format!("/Users/{c}"), None).await;
    assert!(sp.member_ids(&g).await.is_empty());
    // Members must exist.
    let r = sp
        .patch(
            &format!("/Groups/{g}"),
            json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    // excludedAttributes=members leaves members out.
    let r = sp
        .get(&format!("/Groups/{g}?excludedAttributes=members"))
        .await;
    assert!(r.body.get("members").is_none());
}

#[tokio::test]
async fn concurrent_member_patches_lose_nothing() {
    let sp = std::sync::Arc::new(Sp::start().await);
    let g = sp.group("Parallel", &[]).await;
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(sp.user(&format!("p{i}@x")).await);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let sp = sp.clone();
        let g = g.clone();
        tasks.push(tokio::spawn(async move {
            let r = sp.patch(&format!("/Groups/{g}"), json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}])).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut want = ids.clone();
    want.sort();
    assert_eq!(sp.member_ids(&g).await, want);
}

#[tokio::test]
async fn discovery_documents() {
    let sp = Sp::start().await;
    let spc = sp.get("/ServiceProviderConfig").await;
    assert_eq!(spc.body["bulk"]["maxOperations"], 1000);
    assert_eq!(spc.body["etag"]["supported"], true);
    // Passwords are set and changed by POST, PUT and PATCH (and never
    // returned), so the document says so.
    assert_eq!(spc.body["changePassword"]["supported"], true);
    let rts = sp.get("/ResourceTypes").await;
    assert_eq!(rts.body["totalResults"], 3);
    let schemas = sp.get("/Schemas").await;
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for rt in rts.body["Resources"].as_array().unwrap() {
        assert!(ids.contains(&rt["schema"].as_str().unwrap()));
        let one = sp
            .get(&format!("/ResourceTypes/{}", rt["id"].as_str().unwrap()))
            .await;
        assert_eq!(one.status, 200);
    }
    assert_eq!(
        sp.get(&format!("/Schemas/{USER}")).await.body["attributes"][0]["name"],
        "userName"
    );
    sp.get("/Schemas/urn:nope").await.assert_error(404, None);
    sp.get("/ResourceTypes/Widget")
        .await
        .assert_error(404, None);
}

/// A member's `display` sent by the client is what the group lists (RFC
/// 7643 §2.4: a client may set it when it adds the value), on POST, PUT and
/// PATCH add, and a later change elsewhere in the group keeps it; a member
/// added without one is shown by its own name.
#[tokio::test]
async fn a_member_display_the_client_sent_is_kept() {
    let sp = Sp::start().await;
    let (a, b, c) = (
        sp.user("ann@x").await,
        sp.user("bob@x").await,
        sp.user("cat@x").await,
    );
    let displays = |r: &Reply| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = r.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["value"].as_str().unwrap().to_owned(),
                    m["display"].as_str().unwrap_or("<none>").to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let want = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(i, d)| ((*i).to_owned(), (*d).to_owned()))
            .collect();
        v.sort();
        v
    };
    let r = sp
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "Shown",
                   "members": [{"value": a, "display": "Ann (Okta)"}, {"value": b}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let g = r.id();
    let at = format!("/Groups/{g}");
    let posted = want(&[(&a, "Ann (Okta)"), (&b, "bob@x")]);
    assert_eq!(displays(&r), posted, "POST answer");
    assert_eq!(displays(&sp.get(&at).await), posted, "GET after POST");

    let r = sp
        .patch(
            &at,
            json!([{"op": "add", "path": "members", "value": [{"value": c, "display": "Cat (Okta)"}]}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let patched = want(&[(&a, "Ann (Okta)"), (&b, "bob@x"), (&c, "Cat (Okta)")]);
    assert_eq!(displays(&sp.get(&at).await), patched, "GET after PATCH add");
    // A rename and a removal elsewhere leave the displays alone.
    sp.patch(
        &at,
        json!([{"op": "replace", "value": {"id": g, "displayName": "Shown 2"}},
               {"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
    )
    .await;
    assert_eq!(
        displays(&sp.get(&at).await),
        want(&[(&a, "Ann (Okta)"), (&c, "Cat (Okta)")]),
        "GET after rename and removal"
    );

    let r = sp
        .send(
            reqwest::Method::PUT,
            &at,
            Some(json!({"schemas": [GROUP], "displayName": "Shown",
                        "members": [{"value": a, "display": "Ann (AIW)"}, {"value": b, "display": "Bob (AIW)"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        displays(&sp.get(&at).await),
        want(&[(&a, "Ann (AIW)"), (&b, "Bob (AIW)")]),
        "GET after PUT"
    );
}

/// The ServiceAccount resource type: the User schema with the
/// service-account extension required (RFC 7643 §6) and its immutable
/// `credentialType` (RFC 7643 §7; RFC 7644 §3.5.1, §3.5.2). Its accounts
/// are not users: not in /Users, not in groups, no seat.
#[tokio::test]
async fn service_accounts_need_their_extension_and_keep_their_credential_type() {
    let sp = Sp::start().await;
    let ext = "urn:idpsim:scim:schemas:extension:serviceAccount:1.0:User";
    let rt = sp.get("/ResourceTypes/ServiceAccount").await;
    assert_eq!(rt.status, 200, "{}", rt.text);
    assert_eq!(rt.body["endpoint"], "/ServiceAccounts");
    assert_eq!(
        rt.body["schemaExtensions"],
        json!([{"schema": ext, "required": true}])
    );
    sp.post(
        "/ServiceAccounts",
        json!({"schemas": [USER], "userName": "robot@x"}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let r = sp
        .post(
            "/ServiceAccounts",
            json!({"schemas": [USER, ext], "userName": "robot@x",
                   ext: {"owner": "ann@x", "credentialType": "apiKey"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["schemas"], json!([USER, ext]));
    assert_eq!(r.body["meta"]["resourceType"], "ServiceAccount");
    let id = r.id();
    let at = format!("/ServiceAccounts/{id}");
    assert!(
        r.headers["location"].to_str().unwrap().ends_with(&at),
        "{:?}",
        r.headers
    );
    assert_eq!(sp.get(&at).await.status, 200);
    sp.get(&format!("/Users/{id}"))
        .await
        .assert_error(404, None);
    let listed = sp
        .get("/ServiceAccounts?filter=userName%20eq%20%22ROBOT@x%22")
        .await;
    assert_eq!(
        listed.body["Resources"][0]["id"],
        json!(id),
        "{}",
        listed.text
    );
    let users = sp.get("/Users?filter=userName%20eq%20%22robot@x%22").await;
    assert_eq!(users.body["totalResults"], 0, "{}", users.text);

    let put = |credential: Option<&str>, owner: &str| {
        let mut e = json!({"owner": owner});
        if let Some(c) = credential {
            e["credentialType"] = c.into();
        }
        json!({"schemas": [USER, ext], "userName": "robot@x", ext: e})
    };
    sp.send(Method::PUT, &at, Some(put(Some("certificate"), "ann@x")))
        .await
        .assert_error(400, Some("mutability"));
    let r = sp.send(Method::PUT, &at, Some(put(None, "bob@x"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body[ext],
        json!({"owner": "bob@x", "credentialType": "apiKey"})
    );
    let r = sp
        .send(Method::PUT, &at, Some(put(Some("apiKey"), "bob@x")))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    sp.patch(
        &at,
        json!([{"op": "replace", "path": format!("{ext}:credentialType"), "value": "oauthClient"}]),
    )
    .await
    .assert_error(400, Some("mutability"));
    sp.patch(
        &at,
        json!([{"op": "remove", "path": format!("{ext}:owner")}]),
    )
    .await
    .assert_error(400, Some("mutability"));
    assert_eq!(sp.get(&at).await.body[ext]["credentialType"], "apiKey");
    // Not a member of anything: members are users and groups.
    let g = sp.group("robots", &[]).await;
    sp.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let r = sp.send(Method::DELETE, &at, None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    sp.get(&at).await.assert_error(404, None);
}
