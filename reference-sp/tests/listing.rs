use serde_json::{Value, json};

use crate::common::*;

fn names(v: &Value) -> Vec<String> {
    v["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn seeded() -> Sp {
    let sp = Sp::with(idpsim_reference_sp::Config {
        tenant: idpsim_reference_sp::TenantRules {
            primary_owner: None,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    for (n, title, ext) in [
        ("carol@x", "Zeta", "E3"),
        ("alice@x", "alpha", "E1"),
        ("Bob@x", "Beta", "E2"),
        ("dave@x", "", "E4"),
    ] {
        let mut b = json!({"schemas": [USER], "userName": n, "externalId": ext,
                           "emails": [{"value": n, "type": "work"}]});
        if !title.is_empty() {
            b["title"] = title.into();
        }
        assert_eq!(sp.post("/Users", b).await.status, 201);
    }
    sp
}

#[tokio::test]
async fn filters_over_http() {
    let sp = seeded().await;
    let q = |f: &str| {
        let f = f.replace(' ', "%20").replace('"', "%22");
        format!("/Users?filter={f}")
    };
    assert_eq!(
        names(&sp.get(&q(r#"userName eq "ALICE@X""#)).await.body),
        ["alice@x"]
    );
    assert_eq!(
        names(&sp.get(&q(r#"externalId eq "E2""#)).await.body),
        ["Bob@x"]
    );
    assert_eq!(
        names(&sp.get(&q(r#"externalId eq "e2""#)).await.body),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&sp.get(&q(r#"title pr and not (title sw "z")"#)).await.body),
        ["alice@x", "Bob@x"]
    );
    assert_eq!(
        names(
            &sp.get(&q(r#"userName eq "alice@x" or userName eq "dave@x""#))
                .await
                .body
        ),
        ["alice@x", "dave@x"]
    );
    assert_eq!(
        names(
            &sp.get(&q(r#"emails[type eq "work" and value co "car"]"#))
                .await
                .body
        ),
        ["carol@x"]
    );
    // Entra encodes spaces as '+'.
    let r = sp.get("/Users?filter=userName+eq+%22bob@x%22").await;
    assert_eq!(names(&r.body), ["Bob@x"]);
    // No match is 200 with an empty list, never 404.
    let r = sp.get(&q(r#"userName eq "nobody""#)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 0);
}

#[tokio::test]
async fn sort_and_paging() {
    let sp = seeded().await;
    let r = sp.get("/Users?sortBy=title").await;
    assert_eq!(
        names(&r.body),
        ["alice@x", "Bob@x", "carol@x", "dave@x"],
        "case-insensitive, missing last"
    );
    let r = sp.get("/Users?sortBy=title&sortOrder=descending").await;
    assert_eq!(names(&r.body), ["dave@x", "carol@x", "Bob@x", "alice@x"]);
    let r = sp.get("/Users?sortBy=userName&startIndex=2&count=2").await;
    assert_eq!(names(&r.body), ["Bob@x", "carol@x"]);
    assert_eq!(r.body["startIndex"], 2);
    assert_eq!(r.body["itemsPerPage"], 2);
    assert_eq!(r.body["totalResults"], 4);
    let r = sp.get("/Users?startIndex=0&count=-5").await;
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["itemsPerPage"], 0);
    assert_eq!(r.body["totalResults"], 4);
    let mut seen = Vec::new();
    for start in (1..=4).step_by(3) {
        seen.extend(names(
            &sp.get(&format!("/Users?startIndex={start}&count=3"))
                .await
                .body,
        ));
    }
    assert_eq!(seen.len(), 4);
}

#[tokio::test]
async fn projection() {
    let sp = seeded().await;
    let r = sp
        .get("/Users?filter=userName%20eq%20%22alice@x%22&attributes=emails.value")
        .await;
    let u = &r.body["Resources"][0];
    assert!(u.get("id").is_some(), "id is returned always");
    assert!(u.get("userName").is_none());
    assert_eq!(u["emails"][0], json!({"value": "alice@x"}));
    let r = sp.get("/Users?excludedAttributes=emails,id").await;
    let u = &r.body["Resources"][0];
    assert!(u.get("emails").is_none() && u.get("id").is_some());
}

#[tokio::test]
async fn search_endpoints() {
    let sp = seeded().await;
    let g = sp.group("alpha-team", &[]).await;
    let r = sp
        .post("/Users/.search", json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                       "filter": "title pr", "sortBy": "userName", "attributes": ["userName"], "count": 2}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(names(&r.body), ["alice@x", "Bob@x"]);
    assert_eq!(r.body["totalResults"], 3);
    let r = sp
        .post(
            "/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                 "filter": "displayName sw \"alpha\" or userName eq \"bob@x\""}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], 2);
    assert!(r.text.contains(&g));
}

#[tokio::test]
async fn group_lookups_by_member() {
    let sp = seeded().await;
    let a = sp.user("m@x").await;
    let g = sp.group("Has M", &[&a]).await;
    sp.group("Without", &[]).await;
    for f in [
        format!("members%5Bvalue%20eq%20%22{a}%22%5D"),
        format!("members.value%20eq%20%22{a}%22"),
    ] {
        let r = sp.get(&format!("/Groups?filter={f}")).await;
        assert_eq!(r.body["totalResults"], 1, "{}", r.text);
        assert_eq!(r.body["Resources"][0]["id"], g);
    }
    let r = sp
        .get("/Groups?filter=displayName%20eq%20%22has%20m%22&excludedAttributes=members")
        .await;
    assert_eq!(r.body["Resources"][0]["id"], g);
    assert!(r.body["Resources"][0].get("members").is_none());
}
