//! The exact request sequence of every profile for every lifecycle event,
//! pinned in golden files (`tests/golden/wire-<profile>.json`; regenerate
//! with `IDPSIM_UPDATE_GOLDEN=1`), plus the IDP-WIRE.md facts asserted one
//! by one, so that a change of wire shape breaks a test.

use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::directory::Directory;
use idpsim_simulator::idp::{Field, Idp};
use idpsim_simulator::profile::Profile;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::fake_scim::FakeScim;

const KEPT_HEADERS: &[&str] = &["accept", "accept-charset", "content-type", "user-agent"];

/// Runs every event once and returns the transcript of what reached the wire.
async fn transcript(profile: &'static Profile) -> Vec<Value> {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(FakeScim::default())
        .mount(&server)
        .await;
    let mut config = ClientConfig::new(
        &format!("{}/scim", server.uri()),
        Auth::Bearer("t0ken".into()),
    );
    config.concurrency = 1;
    let mut dir = Directory::new(1);
    let mut boss = dir.new_user("bob.boss@example.com");
    boss.department = Some("R&D".into());
    dir.add_user(boss);
    let mut alice = dir.new_user("alice.ames@example.com");
    alice.title = Some("Engineer".into());
    alice.manager = Some("bob.boss@example.com".into());
    dir.add_user(alice);
    let mut idp = Idp::new(dir, profile, ScimClient::new(config).unwrap());
    let a = "alice.ames@example.com".to_owned();
    let b = "bob.boss@example.com".to_owned();
    idp.join(&b).await.unwrap();
    idp.join(&a).await.unwrap();
    {
        let u = idp.dir.user_mut(&a).unwrap();
        u.title = Some("Staff Engineer".into());
        u.given_name = "Alicia".into();
        u.email = "alicia@example.com".into();
    }
    idp.update(&a, &[Field::Title, Field::GivenName, Field::Email])
        .await
        .unwrap();
    idp.set_active(&a, false).await.unwrap();
    idp.set_active(&a, true).await.unwrap();
    idp.dir.add_group("Engineering").members.insert(a.clone());
    idp.push_group("Engineering").await.unwrap();
    idp.add_members("Engineering", std::slice::from_ref(&b))
        .await
        .unwrap();
    idp.remove_members("Engineering", std::slice::from_ref(&a))
        .await
        .unwrap();
    idp.rename_group("Engineering", "Platform").await.unwrap();
    idp.delete_group("Platform").await.unwrap();
    idp.delete_user(&a).await.unwrap();
    idp.wire.list_all("Users", 100).await.unwrap();
    // A reset on a target without its own reset control: list and delete.
    idp.reset().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .map(|r| {
            let headers: serde_json::Map<String, Value> = KEPT_HEADERS
                .iter()
                .filter_map(|h| {
                    r.headers
                        .get(*h)
                        .map(|v| (h.to_string(), Value::from(v.to_str().unwrap())))
                })
                .collect();
            let target = match r.url.query() {
                Some(q) => format!("{} {}?{q}", r.method, r.url.path()),
                None => format!("{} {}", r.method, r.url.path()),
            };
            let mut line = json!({"request": target, "headers": headers});
            if !r.body.is_empty() {
                line["body"] = serde_json::from_slice(&r.body).unwrap();
            }
            line
        })
        .collect()
}

async fn golden(profile: &'static Profile) -> Vec<Value> {
    let got = transcript(profile).await;
    let path = format!(
        "{}/tests/golden/wire-{}.json",
        env!("CARGO_MANIFEST_DIR"),
        profile.name
    );
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var_os("IDPSIM_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{path} is missing; run with IDPSIM_UPDATE_GOLDEN=1"));
    assert!(
        want == text,
        "the {} wire sequence changed; compare {path} with:\n{text}",
        profile.name
    );
    got
}

fn find<'a>(t: &'a [Value], request_prefix: &str) -> Vec<&'a Value> {
    t.iter()
        .filter(|r| r["request"].as_str().unwrap().starts_with(request_prefix))
        .collect()
}

fn ops(r: &Value) -> &Vec<Value> {
    r["body"]["Operations"].as_array().unwrap()
}

#[tokio::test]
async fn okta() {
    let t = golden(&idpsim_simulator::profile::OKTA).await;
    let first = &t[0];
    assert_eq!(
        first["request"],
        "GET /scim/Users?filter=userName%20eq%20%22bob.boss%40example.com%22&startIndex=1&count=100"
    );
    assert_eq!(first["headers"]["user-agent"], "Okta SCIM Client 1.0.0");
    assert_eq!(first["headers"]["accept"], "application/scim+json");
    assert_eq!(first["headers"]["accept-charset"], "utf-8");
    let create = find(&t, "POST /scim/Users")[0];
    assert_eq!(
        create["headers"]["content-type"],
        "application/scim+json; charset=utf-8"
    );
    assert_eq!(create["body"]["externalId"].as_str().unwrap().len(), 20);
    assert_eq!(create["body"]["groups"], json!([]));
    assert!(create["body"]["password"].is_string());
    // Profile updates are GET + PUT; (de)activation is a pathless PATCH.
    assert!(find(&t, "PUT /scim/Users/u2").len() >= 2);
    let patches = find(&t, "PATCH /scim/Users/u2");
    assert_eq!(
        ops(patches[0])[0],
        json!({"op": "replace", "value": {"active": false}})
    );
    assert_eq!(
        ops(patches[1])[0],
        json!({"op": "replace", "value": {"active": true}})
    );
    // Push Groups: create with members [], then a name-sync PATCH with the id inside.
    let gcreate = find(&t, "POST /scim/Groups")[0];
    assert_eq!(gcreate["body"]["members"], json!([]));
    let gpatches = find(&t, "PATCH /scim/Groups/g3");
    assert_eq!(
        ops(gpatches[0])[0],
        json!({"op": "replace", "value": {"id": "g3", "displayName": "Engineering"}})
    );
    assert!(gpatches.iter().any(|p| ops(p)[0] == json!({"op": "add", "path": "members", "value": [{"value": "u1", "display": "bob.boss@example.com"}]})));
    assert!(
        gpatches
            .iter()
            .any(|p| ops(p)[0] == json!({"op": "remove", "path": "members[value eq \"u2\"]"}))
    );
    assert_eq!(
        find(&t, "DELETE /scim/Users").len(),
        0,
        "Okta never deletes users"
    );
    assert_eq!(find(&t, "DELETE /scim/Groups/g3").len(), 1);
    assert_eq!(
        t.last().unwrap()["request"],
        "GET /scim/Users?startIndex=1&count=100"
    );
}

#[tokio::test]
async fn okta_aiw() {
    let t = golden(&idpsim_simulator::profile::OKTA_AIW).await;
    assert_eq!(
        find(&t, "PATCH /scim/Users").len(),
        0,
        "AIW apps never PATCH users"
    );
    assert_eq!(
        find(&t, "PATCH /scim/Groups").len(),
        0,
        "AIW apps never PATCH groups"
    );
    let puts = find(&t, "PUT /scim/Users/u2");
    assert!(puts.iter().any(|p| p["body"]["active"] == false));
    let gputs = find(&t, "PUT /scim/Groups/g3");
    assert!(gputs.iter().any(|p| p["body"]["members"] == json!([{"value": "u2", "display": "alice.ames@example.com"}, {"value": "u1", "display": "bob.boss@example.com"}])));
}

#[tokio::test]
async fn entra_legacy() {
    let t = golden(&idpsim_simulator::profile::ENTRA).await;
    assert_eq!(
        t[0]["request"],
        "GET /scim/Users?filter=userName+eq+%22bob.boss%40example.com%22"
    );
    // No User-Agent, and no SCIM Accept on GETs (IDP-WIRE.md §2.2): only the
    // HTTP client's generic `*/*`.
    assert!(t[0]["headers"].get("user-agent").is_none(), "{}", t[0]);
    assert!(
        t[0]["headers"].get("accept").is_none_or(|a| a == "*/*"),
        "{}",
        t[0]
    );
    let create = find(&t, "POST /scim/Users")[1];
    assert_eq!(create["body"]["externalId"], "alice.ames");
    assert_eq!(create["body"]["meta"], json!({"resourceType": "User"}));
    assert_eq!(create["body"]["roles"], json!([]));
    assert!(
        create["body"]
            .get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .is_some()
    );
    let user_patches = find(&t, "PATCH /scim/Users/u2");
    // Manager by a later PATCH, as a plain id on the URN path.
    assert_eq!(
        ops(user_patches[0])[0],
        json!({"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "u1"})
    );
    let update = ops(user_patches[1]);
    assert!(update.contains(&json!({"op": "Replace", "path": "title", "value": "Staff Engineer"})));
    assert!(update.contains(&json!({"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alicia@example.com"})));
    assert_eq!(
        ops(user_patches[2])[0],
        json!({"op": "Replace", "path": "active", "value": "False"})
    );
    assert_eq!(
        ops(user_patches[3])[0],
        json!({"op": "Replace", "path": "active", "value": "True"})
    );
    let lookup = find(&t, "GET /scim/Groups?")[0];
    assert_eq!(
        lookup["request"],
        "GET /scim/Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22"
    );
    let gcreate = find(&t, "POST /scim/Groups")[0];
    assert_eq!(
        gcreate["body"]["schemas"][1],
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
    );
    let gpatches = find(&t, "PATCH /scim/Groups/g3");
    assert!(gpatches.iter().any(|p| ops(p)[0]
        == json!({"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u2"}]})));
    assert!(
        gpatches
            .iter()
            .any(|p| ops(p)[0]
                == json!({"op": "Replace", "path": "displayName", "value": "Platform"}))
    );
    assert_eq!(
        find(&t, "DELETE /scim/Users/u2").len(),
        1,
        "Entra deletes on hard delete"
    );
}

#[tokio::test]
async fn entra_2020() {
    let t = golden(&idpsim_simulator::profile::ENTRA_2020).await;
    let user_patches = find(&t, "PATCH /scim/Users/u2");
    let update = ops(user_patches[1]);
    assert!(update.contains(&json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "alicia@example.com"})));
    assert!(update.contains(
        &json!({"op": "replace", "value": {"title": "Staff Engineer", "name.givenName": "Alicia"}})
    ));
    assert_eq!(
        ops(user_patches[2])[0],
        json!({"op": "replace", "path": "active", "value": false})
    );
    let gpatches = find(&t, "PATCH /scim/Groups/g3");
    assert!(
        gpatches
            .iter()
            .any(|p| ops(p)[0] == json!({"op": "remove", "path": "members[value eq \"u2\"]"}))
    );
}

#[tokio::test]
async fn rfc() {
    let t = golden(&idpsim_simulator::profile::RFC).await;
    let create = find(&t, "POST /scim/Users")[1];
    assert_eq!(
        create["body"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"],
        json!({"value": "u1"})
    );
    let user_patches = find(&t, "PATCH /scim/Users/u2");
    assert!(
        ops(user_patches[0])
            .contains(&json!({"op": "replace", "path": "name.givenName", "value": "Alicia"}))
    );
    assert_eq!(
        ops(user_patches[1])[0],
        json!({"op": "replace", "path": "active", "value": false})
    );
}
