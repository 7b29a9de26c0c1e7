//! A namespace on a shared target: listings, counts, reconcile and resets
//! see only the names that carry its prefix, and leave everything else on
//! the target as it was.

use idpsim_reference_sp::{Config, Handle, Quirk};
use idpsim_simulator::client::{Auth, ClientConfig, Exchange, ScimClient};
use idpsim_simulator::directory::Directory;
use idpsim_simulator::idp::Idp;
use idpsim_simulator::namespace::Namespace;
use idpsim_simulator::profile::{ENTRA, OKTA};
use idpsim_simulator::reconcile::reconcile_in;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A target whose pages hold at most 50, so that a few hundred objects
/// take several pages.
async fn target(quirk: Option<Quirk>) -> Handle {
    let mut config = Config::default();
    config.limits.max_results = 50;
    if let Some(q) = quirk {
        config.quirks.insert(q);
    }
    idpsim_reference_sp::spawn(config).await.unwrap()
}

fn client(sp: &Handle) -> ScimClient {
    ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap()
}

async fn create(sp: &Handle, endpoint: &str, body: Value) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/{endpoint}", sp.base_url()))
        .bearer_auth(sp.token())
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn users(sp: &Handle, prefix: &str, n: usize) {
    for i in 0..n {
        create(
            sp,
            "Users",
            json!({"schemas": [USER], "userName": format!("{prefix}u{i}@x.test")}),
        )
        .await;
    }
}

/// Requests whose query filters by the prefix: each is a scan on a target
/// without an index on names.
fn filtered(exchanges: &[Exchange]) -> usize {
    exchanges
        .iter()
        .filter(|x| x.url.contains("%20sw%20"))
        .count()
}

/// Few of ours among many: the target filters, in pages as large as it
/// grants (3 pages of 50 for 120, not 12 of 10).
#[tokio::test]
async fn a_small_namespace_is_read_through_the_targets_filter() {
    let sp = target(None).await;
    let ns = Namespace::new("idpsim-00000001-");
    users(&sp, "", 260).await;
    users(&sp, ns.prefix(), 120).await;
    users(&sp, "idpsim-00000002-", 5).await;
    let c = client(&sp);
    c.record_all().await;
    let wire = Idp::new(Directory::new(1), &OKTA, c).wire;
    let ours = ns.list(&wire, "Users").await.unwrap();
    let (exchanges, _) = wire.client.take().await;
    assert_eq!(ours.len(), 120);
    assert!(
        ours.iter()
            .all(|u| ns.holds(u["userName"].as_str().unwrap()))
    );
    assert_eq!(filtered(&exchanges), 3, "pages of 50");
    assert_eq!(exchanges.len(), 4, "and one to learn the target's size");
}

/// Most of the target is ours: reading everything unfiltered costs no
/// scan at all, and still only our names come back.
#[tokio::test]
async fn a_namespace_that_is_most_of_the_target_is_read_unfiltered() {
    let sp = target(None).await;
    let ns = Namespace::new("idpsim-00000001-");
    users(&sp, ns.prefix(), 150).await;
    users(&sp, "", 20).await;
    let c = client(&sp);
    c.record_all().await;
    let wire = Idp::new(Directory::new(1), &OKTA, c).wire;
    let ours = ns.list(&wire, "Users").await.unwrap();
    let (exchanges, _) = wire.client.take().await;
    assert_eq!(ours.len(), 150);
    assert_eq!(filtered(&exchanges), 1, "only the first page filters");
}

/// A target that answers a filter it cannot match with 404 is read
/// unfiltered; nothing of someone else's is counted.
#[tokio::test]
async fn a_target_that_refuses_the_filter_is_read_unfiltered() {
    let sp = target(Some(Quirk::NotFoundOnEmptyList)).await;
    users(&sp, "", 70).await;
    let ns = Namespace::new("idpsim-00000001-");
    let wire = Idp::new(Directory::new(1), &OKTA, client(&sp)).wire;
    assert!(ns.list(&wire, "Users").await.unwrap().is_empty());
    users(&sp, ns.prefix(), 3).await;
    assert_eq!(ns.list(&wire, "Users").await.unwrap().len(), 3);
}

/// A file's run on a target that already holds objects named as the
/// file's are, and another run's: the sync, reconcile and reset of this
/// run touch none of them.
#[tokio::test]
async fn a_namespaced_run_reconciles_and_resets_only_its_own_objects() {
    let sp = target(None).await;
    let theirs = create(
        &sp,
        "Users",
        json!({"schemas": [USER], "userName": "ann@x.test"}),
    )
    .await;
    create(
        &sp,
        "Groups",
        json!({"schemas": [GROUP], "displayName": "team", "members": [{"value": theirs}]}),
    )
    .await;
    let other = Namespace::new("idpsim-00000002-");
    users(&sp, other.prefix(), 2).await;
    create(
        &sp,
        "Groups",
        json!({"schemas": [GROUP], "displayName": other.name("team")}),
    )
    .await;

    let ns = Namespace::new("idpsim-00000001-");
    let mut dir = Directory::new(3);
    for n in ["ann@x.test", "bo@x.test"] {
        let u = dir.new_user(n);
        dir.add_user(u);
    }
    dir.add_group("team").members.insert("ann@x.test".into());
    ns.directory(&mut dir);
    let mut idp = Idp::new(dir, &ENTRA, client(&sp));
    idp.full_sync(Default::default()).await.unwrap();
    let drift = reconcile_in(&idp.wire, &idp.dir, &[], Some(&ns), &Default::default())
        .await
        .unwrap();
    assert!(drift.is_clean(), "{:?}", drift.findings());
    assert_eq!((drift.users_compared, drift.groups_compared), (2, 1));

    let before = everything(&sp).await;
    let deleted = ns.reset(&mut idp).await.unwrap();
    assert_eq!(deleted, 3, "2 users and 1 group");
    let after = everything(&sp).await;
    let ours = |r: &&Value| {
        ns.holds(
            r["userName"]
                .as_str()
                .or(r["displayName"].as_str())
                .unwrap(),
        )
    };
    assert_eq!(
        after,
        before
            .iter()
            .filter(|r| !ours(r))
            .cloned()
            .collect::<Vec<_>>(),
        "the reset took ours and nothing else"
    );
    assert!(ns.list(&idp.wire, "Users").await.unwrap().is_empty());
    assert_eq!(other.list(&idp.wire, "Users").await.unwrap().len(), 2);
}

/// Every user and group, each in full.
async fn everything(sp: &Handle) -> Vec<Value> {
    let mut out = Vec::new();
    for endpoint in ["Users", "Groups"] {
        let mut start = 1;
        loop {
            let page: Value = reqwest::Client::new()
                .get(format!(
                    "{}/{endpoint}?startIndex={start}&count=50",
                    sp.base_url()
                ))
                .bearer_auth(sp.token())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let items = page["Resources"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                break;
            }
            start += items.len();
            out.extend(items);
        }
    }
    out
}
