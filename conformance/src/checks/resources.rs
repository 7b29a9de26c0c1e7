use idpsim_simulator::client::Method;
use serde_json::json;

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, ERROR, USER, clip, expect_before, expect_eq};

pub async fn no_token(c: Ctx) -> CheckResult {
    c.get_anonymously("/Users?count=1")
        .await?
        .expect_status(401, "GET /Users without credentials")?;
    Ok(vec![])
}

pub async fn error_body(c: Ctx) -> CheckResult {
    let r = c.get("/Users/idpsim-no-such-id").await?;
    r.expect_status(404, "GET /Users/{unknown}")?;
    expect_eq(&r.json["schemas"], &json!([ERROR]), "schemas")?;
    expect_eq(&r.json["status"], &json!("404"), "status")?;
    Ok(vec![])
}

pub async fn create_201(c: Ctx) -> CheckResult {
    let name = c.user_name();
    // Not `create_user`: this POST is the subject, not a precondition.
    let r = c
        .post("/Users", json!({"schemas": [USER], "userName": name}))
        .await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(201, "POST /Users")?;
    r.id("POST /Users")?;
    expect_eq(&r.json["userName"], &json!(name), "userName")?;
    expect_eq(
        &r.json["meta"]["resourceType"],
        &json!("User"),
        "meta.resourceType",
    )?;
    Ok(vec![])
}

pub async fn create_location(c: Ctx) -> CheckResult {
    let (id, r) = c.create_user(json!({})).await?;
    let loc = r
        .header("location")
        .ok_or_else(|| Finding::fail("location-header", "a Location header", "none"))?;
    expect_eq(&json!(loc), &r.json["meta"]["location"], "Location")?;
    if !loc.ends_with(&format!("/Users/{id}")) {
        return Err(Finding::fail(
            "location-path",
            format!("a Location ending in /Users/{id}"),
            loc.to_owned(),
        ));
    }
    Ok(vec![])
}

pub async fn client_id_ignored(c: Ctx) -> CheckResult {
    let (id, _) = c
        .create_user(json!({"id": "idpsim-client-chosen-id"}))
        .await?;
    if id == "idpsim-client-chosen-id" {
        return Err(Finding::fail(
            "server-id",
            "a server-assigned id",
            "the id the client sent",
        ));
    }
    Ok(vec![])
}

pub async fn password_never_returned(c: Ctx) -> CheckResult {
    let (id, r) = c
        .create_user(json!({"password": "Idpsim-Secret-1!"}))
        .await?;
    let g = c.get(&format!("/Users/{id}")).await?;
    for (what, body) in [("POST answer", &r.json), ("GET answer", &g.json)] {
        if body.get("password").is_some() {
            return Err(Finding::fail(
                "no-password",
                format!("no password in the {what}"),
                "a password attribute",
            ));
        }
    }
    Ok(vec![])
}

pub async fn duplicate_409(c: Ctx) -> CheckResult {
    let name = c.user_name();
    c.create_user(json!({"userName": name})).await?;
    let r = c
        .post("/Users", json!({"schemas": [USER], "userName": name}))
        .await?;
    if r.status == 201
        && let Ok(id) = r.id("")
    {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(409, "a second POST with the same userName")?;
    expect_eq(&r.json["scimType"], &json!("uniqueness"), "scimType")?;
    Ok(vec![])
}

pub async fn case_variant_409(c: Ctx) -> CheckResult {
    let name = c.user_name();
    c.create_user(json!({"userName": name})).await?;
    let r = c
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": name.to_uppercase()}),
        )
        .await?;
    if r.status == 201
        && let Ok(id) = r.id("")
    {
        c.created(format!("/Users/{id}")).await;
    }
    r.expect_status(
        409,
        "POST with an upper-case variant of an existing userName",
    )?;
    Ok(vec![])
}

pub async fn unknown_404(c: Ctx) -> CheckResult {
    c.get("/Users/idpsim-no-such-user")
        .await?
        .expect_status(404, "GET /Users/{unknown}")?;
    c.get("/Groups/idpsim-no-such-group")
        .await?
        .expect_status(404, "GET /Groups/{unknown}")?;
    Ok(vec![])
}

pub async fn attributes_projection(c: Ctx) -> CheckResult {
    let s = c.strings(1, &["title", "displayName"])?;
    let (asked, other) = (s[0], s.get(1).copied());
    let mut body = json!({asked: "Guide"});
    if let Some(o) = other {
        body[o] = "D".into();
    }
    let (id, _) = c.create_user(body).await?;
    // What must be left out has to be there to be left out.
    if let Some(o) = other {
        let full = c.read_before(&format!("/Users/{id}")).await?;
        expect_before(&full.json[o], &json!("D"), o)?;
    }
    let r = c.get(&format!("/Users/{id}?attributes={asked}")).await?;
    r.expect_status(200, &format!("GET with attributes={asked}"))?;
    expect_eq(&r.json[asked], &json!("Guide"), asked)?;
    expect_eq(&r.json["id"], &json!(id), "id (returned always)")?;
    for absent in other.into_iter().chain(["userName"]) {
        if r.json.get(absent).is_some() {
            return Err(Finding::fail(
                "only-asked",
                format!("no {absent} when only {asked} is asked for"),
                clip(&r.text),
            ));
        }
    }
    Ok(vec![])
}

pub async fn delete_then_404(c: Ctx) -> CheckResult {
    let (id, _) = c.create_user(json!({})).await?;
    // A 404 after DELETE says nothing of a resource GET never found.
    c.read_before(&format!("/Users/{id}")).await?;
    c.send(Method::DELETE, &format!("/Users/{id}"), None)
        .await?
        .expect_status(204, "DELETE /Users/{id}")?;
    c.get(&format!("/Users/{id}"))
        .await?
        .expect_status(404, "GET after DELETE")?;
    Ok(vec![])
}

pub async fn user_groups_derived(c: Ctx) -> CheckResult {
    let (uid, _) = c.create_user(json!({})).await?;
    let (gid, _) = c.create_group(&[&uid]).await?;
    let r = c.get(&format!("/Users/{uid}")).await?;
    let listed = r.json["groups"]
        .as_array()
        .is_some_and(|g| g.iter().any(|x| x["value"] == gid.as_str()));
    if !listed {
        return Err(Finding::fail(
            "groups-listed",
            format!("groups containing {gid}"),
            clip(&r.json["groups"].to_string()),
        ));
    }
    Ok(vec![])
}
