//! The exact request sequence of every profile for every lifecycle event,
//! pinned in golden files (`tests/golden/wire-<profile>.json`; regenerate
//! with `IDPSIM_UPDATE_GOLDEN=1`), plus the IDP-WIRE.md facts asserted one
//! by one, so that a change of wire shape breaks a test.
//!
//! Okta's and the RFC client's sequences are recorded against a fake that
//! never finds anyone (`fake_scim.rs`), and so are those of the profiles
//! added with issue 17 (google, onelogin, jumpcloud, ping), which begin
//! with the admin's Test Connection where the profile has one. Entra reads before it writes, so
//! its sequences are recorded against the reference SP, as the client sent
//! them, ids replaced by `{idN}`: what Entra sends depends on what it
//! reads (IDP-ENGINES §7).

use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::cycles::Kind;
use idpsim_simulator::directory::Directory;
use idpsim_simulator::idp::{Field, Idp};
use idpsim_simulator::profile::{ConnectionTest, FullPush, Profile};
use idpsim_simulator::record::normalize_str;
use indexmap::IndexMap;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::fake_scim::FakeScim;

const KEPT_HEADERS: &[&str] = &["accept", "accept-charset", "content-type", "user-agent"];

/// Runs every event once and returns the transcript of what reached the
/// wire; with `setup`, the admin's Test Connection comes first.
async fn transcript(profile: &'static Profile, setup: bool) -> Vec<Value> {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(FakeScim::default())
        .mount(&server)
        .await;
    transcript_on(&server, profile, setup).await
}

async fn transcript_on(server: &MockServer, profile: &'static Profile, setup: bool) -> Vec<Value> {
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
    if (setup && profile.connection_test != ConnectionTest::None)
        || profile.connection_test == ConnectionTest::Paging
    {
        idp.test_connection().await.unwrap();
    }
    if profile.connection_test == ConnectionTest::Paging {
        idp.test_group_connection().await.unwrap();
    }
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
    if profile.mixed_member_patch {
        idp.change_members(
            "Engineering",
            std::slice::from_ref(&a),
            std::slice::from_ref(&b),
        )
        .await
        .unwrap();
    }
    if profile.full_push.is_some() {
        idp.push_now("Engineering", None).await.unwrap();
    }
    if profile.full_push == Some(FullPush::ReplacePath) {
        idp.push_now("Engineering", Some(FullPush::ReplacePathless))
            .await
            .unwrap();
    }
    idp.rename_group("Engineering", "Platform").await.unwrap();
    idp.delete_group("Platform").await.unwrap();
    idp.delete_user(&a).await.unwrap();
    idp.wire.list_all("Users", 100).await.unwrap();
    // A reset on a target without its own reset control: list and delete.
    idp.reset(&[]).await.unwrap();
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

/// Entra's events, each provisioning on demand (read, compare, write), then
/// the hard delete in a cycle, against the reference SP. Entra never
/// imports, so unlike the others the transcript ends without a listing.
async fn entra_transcript(profile: &'static Profile) -> Vec<Value> {
    let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config::default())
        .await
        .unwrap();
    let mut config = ClientConfig::new(sp.base_url(), Auth::Bearer(sp.token().into()));
    config.concurrency = 1;
    let client = ScimClient::new(config).unwrap();
    client.record_all().await;
    let mut dir = Directory::new(1);
    let mut boss = dir.new_user("bob.boss@example.com");
    boss.department = Some("R&D".into());
    dir.add_user(boss);
    let mut alice = dir.new_user("alice.ames@example.com");
    alice.title = Some("Engineer".into());
    alice.manager = Some("bob.boss@example.com".into());
    dir.add_user(alice);
    let mut idp = Idp::new(dir, profile, client.clone());
    let a = "alice.ames@example.com".to_owned();
    let b = "bob.boss@example.com".to_owned();
    idp.test_connection().await.unwrap();
    // Alice before her manager: the reference waits for him, until the
    // next cycle.
    idp.join(&a).await.unwrap();
    idp.join(&b).await.unwrap();
    idp.cycle(Kind::Incremental, None).await.unwrap();
    {
        let u = idp.dir.user_mut(&a).unwrap();
        u.title = Some("Staff Engineer".into());
        u.given_name = "Alicia".into();
        u.email = "alicia@example.com".into();
        u.department = Some("Platform".into());
    }
    idp.update(
        &a,
        &[
            Field::Title,
            Field::GivenName,
            Field::Email,
            Field::Department,
        ],
    )
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
    idp.engine.as_mut().unwrap().hard_delete(&a);
    idp.cycle(Kind::Incremental, None).await.unwrap();
    let (exchanges, _) = client.take().await;
    let mut ids = IndexMap::new();
    exchanges
        .iter()
        .map(|x| {
            let headers: serde_json::Map<String, Value> = x
                .request_headers
                .iter()
                .filter(|(k, _)| KEPT_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
                .map(|(k, v)| (k.to_ascii_lowercase(), Value::from(v.as_str())))
                .collect();
            let path = x.url.strip_prefix(sp.base_url()).unwrap();
            let target = normalize_str(&format!("{:?} {path}", x.method), "\u{0}", &mut ids);
            let mut line = json!({"request": target, "headers": headers});
            if let Some(b) = x.request_json() {
                let mut b = b;
                normalize(&mut b, &mut ids);
                line["body"] = b;
            }
            line
        })
        .collect()
}

fn normalize(v: &mut Value, ids: &mut IndexMap<String, usize>) {
    match v {
        Value::String(s) => *s = normalize_str(s, "\u{0}", ids),
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| normalize(x, ids)),
        _ => {}
    }
}

async fn golden(profile: &'static Profile) -> Vec<Value> {
    golden_of(profile, false).await
}

/// [`golden`] with the profile's Test Connection first: the profiles
/// added with issue 17 pin their setup requests too.
async fn golden_from_setup(profile: &'static Profile) -> Vec<Value> {
    golden_of(profile, true).await
}

async fn golden_of(profile: &'static Profile, setup: bool) -> Vec<Value> {
    let got = if profile.reads_before_write {
        entra_transcript(profile).await
    } else {
        transcript(profile, setup).await
    };
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
    // O1: the connection test on save pages two users, then (Push Groups
    // on) groups by 100.
    assert_eq!(t[0]["request"], "GET /scim/Users?startIndex=1&count=2");
    assert_eq!(t[1]["request"], "GET /scim/Groups?startIndex=1&count=100");
    let first = &t[2];
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
    // O21: a removal and an addition in one event travel in one PATCH,
    // removal first, as the reference's membership example sends them.
    assert!(
        gpatches.iter().any(|p| ops(p)
            == &vec![
                json!({"op": "remove", "path": "members[value eq \"u1\"]"}),
                json!({"op": "add", "path": "members", "value": [{"value": "u2", "display": "alice.ames@example.com"}]}),
            ]),
        "no mixed remove+add PATCH"
    );
    // O22: "Push now" sends the whole membership by replace, with a path,
    // and in the pathless form captured in keycloak-scim-server#100.
    assert!(gpatches.iter().any(|p| ops(p)[0] == json!({"op": "replace", "path": "members", "value": [{"value": "u2", "display": "alice.ames@example.com"}]})));
    assert!(gpatches.iter().any(|p| ops(p)[0] == json!({"op": "replace", "value": {"members": [{"value": "u2", "display": "alice.ames@example.com"}]}})));
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
    // O24: the group POST is followed at once by a PUT with empty members.
    let r = requests(&t);
    let post = r.iter().position(|x| *x == "POST /scim/Groups").unwrap();
    assert_eq!(r[post + 1], "PUT /scim/Groups/g3");
    assert_eq!(t[post + 1]["body"]["members"], json!([]));
    assert_eq!(t[post + 1]["body"]["displayName"], "Engineering");
    // O22 for AIW: "Push now" is a GET and a PUT of every member (the
    // last PUT is the rename's).
    let gputs = find(&t, "PUT /scim/Groups/g3");
    assert_eq!(
        gputs[gputs.len() - 2]["body"]["members"],
        json!([{"value": "u1", "display": "bob.boss@example.com"}])
    );
    let puts = find(&t, "PUT /scim/Users/u2");
    assert!(puts.iter().any(|p| p["body"]["active"] == false));
    let gputs = find(&t, "PUT /scim/Groups/g3");
    assert!(gputs.iter().any(|p| p["body"]["members"] == json!([{"value": "u2", "display": "alice.ames@example.com"}, {"value": "u1", "display": "bob.boss@example.com"}])));
}

const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
const DEPARTMENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

fn requests(t: &[Value]) -> Vec<&str> {
    t.iter().map(|r| r["request"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn entra_legacy() {
    let t = golden(&idpsim_simulator::profile::ENTRA).await;
    let r = requests(&t);
    // E1: Test Connection asks for a random GUID as userName, `+` for spaces.
    assert!(
        r[0].starts_with("GET /Users?filter=userName+eq+%22") && !r[0].contains("%40"),
        "{}",
        r[0]
    );
    // E2: the lookup has no paging parameters.
    assert_eq!(
        r[1],
        "GET /Users?filter=userName+eq+%22alice.ames%40example.com%22"
    );
    // E4: no User-Agent, and no SCIM Accept on GETs (IDP-WIRE.md §2.2).
    assert!(t[1]["headers"].get("user-agent").is_none(), "{}", t[1]);
    assert!(t[1]["headers"].get("accept").is_none(), "{}", t[1]);
    // E6: the create carries meta and roles: [] (and no manager, E7).
    let create = &t[2]["body"];
    assert_eq!(create["externalId"], "alice.ames");
    assert_eq!(create["meta"], json!({"resourceType": "User"}));
    assert_eq!(create["roles"], json!([]));
    // E6: Alice has no department or employee number, and Entra never
    // sends an empty value (known-issues, "Null attribute can't be
    // provisioned"): no extension object at all, not `{}`. The schemas
    // still name the extension, as the default mapping's create does.
    assert_eq!(
        create["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ])
    );
    assert!(
        create
            .get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .is_none(),
        "an empty enterprise extension object: {create}"
    );
    // Bob has a department: his create carries it in the extension.
    assert_eq!(
        t[4]["body"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"department": "R&D"})
    );
    // E7: Alice joined before her manager; the reference is resolved once
    // he is in the target, by a PATCH with the plain id on the URN path.
    assert_eq!(
        &r[3..6],
        [
            "GET /Users?filter=userName+eq+%22bob.boss%40example.com%22",
            "POST /Users",
            "PATCH /Users/{id1}"
        ]
    );
    assert_eq!(
        ops(&t[5])[0],
        json!({"op": "Add", "path": MANAGER, "value": "{id2}"})
    );
    // E8: an update reads first (by the cached id) and PATCHes only what
    // differs: Replace where the target has a value, Add where it has
    // none, both in one PATCH (E10: capitalised, one op per attribute).
    assert_eq!(&r[6..8], ["GET /Users/{id1}", "PATCH /Users/{id1}"]);
    let update = ops(&t[7]);
    assert!(update.contains(&json!({"op": "Replace", "path": "title", "value": "Staff Engineer"})));
    assert!(update.contains(&json!({"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alicia@example.com"})));
    assert!(update.contains(&json!({"op": "Add", "path": DEPARTMENT, "value": "Platform"})));
    assert!(
        !update
            .iter()
            .any(|o| o["path"] == "userName" || o["path"] == "displayName"),
        "unchanged attributes are not sent: {update:?}"
    );
    // E13, E14: disable and re-enable, each after a read.
    assert_eq!(
        &r[8..12],
        [
            "GET /Users/{id1}",
            "PATCH /Users/{id1}",
            "GET /Users/{id1}",
            "PATCH /Users/{id1}"
        ]
    );
    assert_eq!(
        ops(&t[9])[0],
        json!({"op": "Replace", "path": "active", "value": "False"})
    );
    assert_eq!(
        ops(&t[11])[0],
        json!({"op": "Replace", "path": "active", "value": "True"})
    );
    // E16, E18: the group lookup excludes members; the create carries the
    // ADSCIM schema, externalId and meta, and no members.
    assert_eq!(
        r[12],
        "GET /Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22"
    );
    assert_eq!(
        t[13]["body"]["schemas"][1],
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
    );
    assert!(t[13]["body"].get("members").is_none());
    // E19: members by Add with a value list.
    assert_eq!(
        ops(&t[14])[0],
        json!({"op": "Add", "path": "members", "value": [{"$ref": null, "value": "{id1}"}]})
    );
    // E17: a linked group is read by id, without its members, before each
    // change; E20: removal by value list; E24: rename by Replace.
    assert_eq!(r[15], "GET /Groups/{id3}?excludedAttributes=members");
    assert_eq!(
        ops(&t[18])[0],
        json!({"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "{id1}"}]})
    );
    assert_eq!(
        ops(&t[20])[0],
        json!({"op": "Replace", "path": "displayName", "value": "Platform"})
    );
    // E25: group delete.
    assert_eq!(r[21], "DELETE /Groups/{id3}");
    // E15: deleting the user disables it (a soft delete); the DELETE comes
    // with the hard delete, in a cycle.
    assert_eq!(
        &r[22..],
        [
            "GET /Users/{id1}",
            "PATCH /Users/{id1}",
            "DELETE /Users/{id1}"
        ]
    );
    assert_eq!(
        ops(&t[23])[0],
        json!({"op": "Replace", "path": "active", "value": "False"})
    );
    // E26: Entra never imports or lists.
    assert!(!r.iter().any(|x| x.contains("startIndex")), "{r:?}");
}

#[tokio::test]
async fn entra_2020() {
    let t = golden(&idpsim_simulator::profile::ENTRA_2020).await;
    let r = requests(&t);
    assert_eq!(&r[6..8], ["GET /Users/{id1}", "PATCH /Users/{id1}"]);
    let update = ops(&t[7]);
    // E8, E11, E31: typed paths and additions stay separate, lower case;
    // replaced simple attributes go into one pathless replace.
    assert!(update.contains(&json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "alicia@example.com"})));
    assert!(update.contains(&json!({"op": "add", "path": DEPARTMENT, "value": "Platform"})));
    assert!(update.contains(&json!({"op": "replace", "value": {"title": "Staff Engineer", "name.givenName": "Alicia", "name.formatted": "Alicia Ames"}})));
    assert_eq!(
        ops(&t[5])[0],
        json!({"op": "add", "path": MANAGER, "value": "{id2}"})
    );
    // E13 with the flag: a JSON boolean.
    assert_eq!(
        ops(&t[9])[0],
        json!({"op": "replace", "path": "active", "value": false})
    );
    // E21: removal by filter path.
    assert_eq!(
        ops(&t[18])[0],
        json!({"op": "remove", "path": "members[value eq \"{id1}\"]"})
    );
    assert_eq!(
        &r[22..],
        [
            "GET /Users/{id1}",
            "PATCH /Users/{id1}",
            "DELETE /Users/{id1}"
        ]
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

fn before<'a>(r: &[&'a str], what: &str) -> Vec<&'a str> {
    r.iter()
        .take_while(|x| !x.starts_with(what))
        .copied()
        .collect()
}

/// Google Workspace (IDP-WIRE.md §3): its own User-Agent and plain
/// `application/json` on every write (pond/scimitar#142), the setup probe
/// `count=1` (authn.sh), the lookup with `%20` and `startIndex` without
/// `count` (grokability/snipe-it#12642).
#[tokio::test]
async fn google() {
    let t = golden_from_setup(&idpsim_simulator::profile::GOOGLE).await;
    let r = requests(&t);
    assert_eq!(r[0], "GET /scim/Users?count=1");
    assert_eq!(
        r[1],
        "GET /scim/Users?filter=userName%20eq%20%22bob.boss%40example.com%22&startIndex=1"
    );
    for x in &t {
        assert_eq!(
            x["headers"]["user-agent"], "Google-Auto-Provisioning",
            "{x}"
        );
        if x.get("body").is_some() {
            assert_eq!(x["headers"]["content-type"], "application/json", "{x}");
        }
    }
    // No source for the rest: the RFC client's PATCH per attribute.
    let update = find(&t, "PATCH /scim/Users/u2")[0];
    assert!(
        ops(update)
            .contains(&json!({"op": "replace", "path": "name.givenName", "value": "Alicia"}))
    );
    assert_eq!(find(&t, "DELETE /scim/Users/u2").len(), 1);
}

/// OneLogin (IDP-WIRE.md §4, goauthentik/authentik#11249): an empty
/// User-Agent and no Accept, `+` in filters and a trailing `&`, bodies from
/// the SCIM JSON template with `active` a string, updates and
/// (de)activation by PUT with no read first.
#[tokio::test]
async fn onelogin() {
    let t = golden_from_setup(&idpsim_simulator::profile::ONELOGIN).await;
    let r = requests(&t);
    assert_eq!(
        r[0],
        "GET /scim/Users?filter=userName+eq+%22bob.boss%40example.com%22&"
    );
    for x in &t {
        assert_eq!(x["headers"]["user-agent"], "", "{x}");
        assert!(x["headers"].get("accept").is_none(), "{x}");
    }
    let create = find(&t, "POST /scim/Users")[1];
    assert_eq!(create["headers"]["content-type"], "application/scim+json");
    assert_eq!(create["body"]["active"], "true");
    assert_eq!(create["body"]["name"]["formatted"], "Alice Ames");
    assert!(create["body"].get("externalId").is_none(), "{create}");
    assert!(
        !r.iter().any(|x| x.starts_with("GET /scim/Users/")),
        "OneLogin PUTs without reading: {r:?}"
    );
    assert!(
        !r.iter().any(|x| x.starts_with("PATCH /scim/Users")),
        "{r:?}"
    );
    let puts = find(&t, "PUT /scim/Users/u2");
    assert_eq!(puts.len(), 3, "update, deactivate, reactivate: {r:?}");
    assert_eq!(puts[0]["body"]["title"], "Staff Engineer");
    assert_eq!(puts[0]["body"]["name"]["givenName"], "Alicia");
    assert_eq!(puts[1]["body"]["active"], "false");
    assert_eq!(puts[2]["body"]["active"], "true");
}

/// JumpCloud (IDP-WIRE.md §5): activation creates a test user and a test
/// group and deletes both (JumpCloud's custom SCIM integration doc);
/// members go as a value list on `path: "members"` both ways (uni-moni).
#[tokio::test]
async fn jumpcloud() {
    let t = golden_from_setup(&idpsim_simulator::profile::JUMPCLOUD).await;
    let r = requests(&t);
    assert_eq!(
        &r[..4],
        [
            "POST /scim/Users",
            "POST /scim/Groups",
            "DELETE /scim/Groups/g2",
            "DELETE /scim/Users/u1"
        ]
    );
    assert_eq!(t[0]["body"]["userName"], "jumpcloud-test-user@idpsim.test");
    assert!(t[0]["headers"].get("user-agent").is_none(), "{}", t[0]);
    let gpatches = find(&t, "PATCH /scim/Groups/");
    assert!(
        gpatches
            .iter()
            .any(|p| ops(p)[0]
                == json!({"op": "remove", "path": "members", "value": [{"value": "u4"}]})),
        "{gpatches:?}"
    );
}

/// JumpCloud deactivates the test user where the SP does not DELETE users.
#[tokio::test]
async fn jumpcloud_deactivates_the_test_user_a_target_will_not_delete() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("DELETE"))
        .and(wiremock::matchers::path_regex("^/scim/Users/"))
        .respond_with(wiremock::ResponseTemplate::new(405))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(FakeScim::default())
        .mount(&server)
        .await;
    let config = ClientConfig::new(&format!("{}/scim", server.uri()), Auth::None);
    let idp = Idp::new(
        Directory::new(1),
        &idpsim_simulator::profile::JUMPCLOUD,
        ScimClient::new(config).unwrap(),
    );
    let said = idp.test_connection().await.unwrap();
    assert!(said.contains("deactivated"), "{said}");
    let got = server.received_requests().await.unwrap();
    let last = got.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.url.path()),
        ("PATCH", "/scim/Users/u1")
    );
    let body: Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(
        body["Operations"][0],
        json!({"op": "replace", "path": "active", "value": false})
    );
}

/// PingFederate (IDP-WIRE.md §6, Ping's SCIM Provisioner docs): groups are
/// found by listing `/Groups`, never by a filter; user updates and the
/// Disable action are PUTs.
#[tokio::test]
async fn ping() {
    let t = golden_from_setup(&idpsim_simulator::profile::PING).await;
    let r = requests(&t);
    assert_eq!(
        before(&r, "POST /scim/Groups").last(),
        Some(&"GET /scim/Groups")
    );
    assert!(
        !r.iter().any(|x| x.starts_with("GET /scim/Groups?filter")),
        "{r:?}"
    );
    assert!(
        !r.iter().any(|x| x.starts_with("GET /scim/Users/")),
        "{r:?}"
    );
    assert!(
        !r.iter().any(|x| x.starts_with("PATCH /scim/Users")),
        "{r:?}"
    );
    let puts = find(&t, "PUT /scim/Users/u2");
    assert_eq!(puts.len(), 3, "{r:?}");
    assert_eq!(puts[0]["body"]["title"], "Staff Engineer");
    assert_eq!(puts[1]["body"]["active"], false);
    assert!(
        find(&t, "PATCH /scim/Groups/g3")
            .iter()
            .any(|p| ops(p)[0]
                == json!({"op": "add", "path": "members", "value": [{"value": "u1"}]}))
    );
}
