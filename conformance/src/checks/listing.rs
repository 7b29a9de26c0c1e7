//! Lists, filters, sorting and paging (SCIM-CHECKS.md §5 E, F, G, H, I).

use idpsim_simulator::idp::encode;
use serde_json::{Value, json};

use crate::check::rule_of;
use crate::check::{CheckResult, Finding, RuleExt};
use crate::ctx::{Ctx, LIST, Reply, USER, clip, expect_before, expect_eq};

async fn filter(c: &Ctx, endpoint: &str, f: &str) -> Result<Reply, Finding> {
    let r = c.get(&format!("/{endpoint}?filter={}", encode(f))).await?;
    r.expect_status(200, &format!("GET /{endpoint}?filter={f}"))?;
    Ok(r)
}

fn ids(r: &Reply) -> Vec<String> {
    let mut v: Vec<String> = r.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

fn expect_ids(r: &Reply, want: &[&str], what: &str) -> Result<(), Finding> {
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    let got = ids(r);
    if got == want {
        Ok(())
    } else {
        Err(Finding::fail(
            rule_of(what),
            format!("{what}: {want:?}"),
            format!("{got:?}"),
        ))
    }
}

pub async fn excluded_attributes(c: Ctx) -> CheckResult {
    let a = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({a: "Guide"})).await?;
    // Absent after the exclusion proves nothing unless present before it.
    let full = c.read_before(&format!("/Users/{id}")).await?;
    expect_before(&full.json[a], &json!("Guide"), a)?;
    let r = c
        .get(&format!("/Users/{id}?excludedAttributes={a},id"))
        .await?;
    r.expect_status(200, &format!("GET with excludedAttributes={a},id"))?;
    if r.json.get(a).is_some() {
        return Err(Finding::fail("excluded", format!("no {a}"), clip(&r.text)));
    }
    expect_eq(
        &r.json["id"],
        &json!(id),
        "id (returned always, never excluded)",
    )?;
    Ok(vec![])
}

pub async fn list_shape(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    let r = c.get("/Users?count=5").await?;
    r.expect_status(200, "GET /Users")?;
    expect_eq(&r.json["schemas"], &json!([LIST]), "schemas")?;
    if !r.json["totalResults"].is_u64() || !r.json["Resources"].is_array() {
        return Err(Finding::fail(
            "shape",
            "integer totalResults and a Resources array",
            clip(&r.text),
        ));
    }
    Ok(vec![])
}

pub async fn deleted_not_listed(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c.create_user(json!({"userName": name})).await?;
    let f = format!("userName eq \"{name}\"");
    // Not listed after DELETE proves nothing of a user never listed.
    let r = filter(&c, "Users", &f)
        .await
        .map_err(Finding::before_change)?;
    expect_before(
        &r.json["totalResults"],
        &json!(1),
        "totalResults for the user",
    )?;
    c.send(
        idpsim_simulator::client::Method::DELETE,
        &format!("/Users/{id}"),
        None,
    )
    .await?;
    let r = filter(&c, "Users", &f).await?;
    expect_eq(
        &r.json["totalResults"],
        &json!(0),
        "totalResults for a deleted user",
    )
    .rule("not-listed")?;
    Ok(vec![])
}

pub async fn string_operators(c: Ctx) -> CheckResult {
    let t = c.strings(1, &["title"])?[0];
    let stem = c.name("ops");
    let (a, _) = c.create_user(json!({"userName": format!("{stem}-alpha@example.com"), t: format!("{stem} Tour Guide")})).await?;
    let (b, _) = c
        .create_user(
            json!({"userName": format!("{stem}-beta@example.com"), t: format!("{stem} Pilot")}),
        )
        .await?;
    expect_ids(
        &filter(&c, "Users", &format!("{t} co \"{stem} tour\"")).await?,
        &[&a],
        "co",
    )?;
    expect_ids(
        &filter(&c, "Users", &format!("userName sw \"{stem}-b\"")).await?,
        &[&b],
        "sw",
    )?;
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("userName sw \"{stem}\" and {t} ew \"pilot\""),
        )
        .await?,
        &[&b],
        "ew",
    )?;
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("userName sw \"{stem}\" and {t} ne \"{stem} pilot\""),
        )
        .await?,
        &[&a],
        "ne",
    )?;
    Ok(vec![])
}

pub async fn presence(c: Ctx) -> CheckResult {
    let n = c.strings(1, &["nickName"])?[0];
    let stem = c.name("pr");
    let (a, _) = c
        .create_user(json!({"userName": format!("{stem}-a@example.com"), n: "Nick"}))
        .await?;
    c.create_user(json!({"userName": format!("{stem}-b@example.com")}))
        .await?;
    expect_ids(
        &filter(&c, "Users", &format!("userName sw \"{stem}\" and {n} pr")).await?,
        &[&a],
        &format!("{n} pr"),
    )?;
    Ok(vec![])
}

pub async fn logic(c: Ctx) -> CheckResult {
    let s = c.strings(2, &["title", "nickName"])?;
    let (t, n) = (s[0], s[1]);
    let stem = c.name("logic");
    let (a, _) = c
        .create_user(json!({"userName": format!("{stem}-a@example.com"), t: "x", n: "n"}))
        .await?;
    let (b, _) = c
        .create_user(json!({"userName": format!("{stem}-b@example.com"), t: "y"}))
        .await?;
    let (_c3, _) = c
        .create_user(json!({"userName": format!("{stem}-c@example.com"), t: "z"}))
        .await?;
    let p = format!("userName sw \"{stem}\"");
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("{p} and ({t} eq \"x\" or {t} eq \"y\")"),
        )
        .await?,
        &[&a, &b],
        "and/or with grouping",
    )?;
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("{p} and not ({t} eq \"z\") and not ({n} pr)"),
        )
        .await?,
        &[&b],
        "not",
    )?;
    Ok(vec![])
}

pub async fn value_path(c: Ctx) -> CheckResult {
    let stem = c.name("vp");
    let (a, _) = c
        .create_user(json!({"userName": format!("{stem}-a@example.com"), "emails": [{"value": format!("{stem}@work.example"), "type": "work"}]}))
        .await?;
    c.create_user(json!({"userName": format!("{stem}-b@example.com"), "emails": [{"value": format!("{stem}@home.example"), "type": "home"}]}))
        .await?;
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("emails[type eq \"work\" and value co \"{stem}\"]"),
        )
        .await?,
        &[&a],
        "emails[type eq work]",
    )?;
    expect_ids(
        &filter(
            &c,
            "Users",
            &format!("emails.value eq \"{stem}@work.example\""),
        )
        .await?,
        &[&a],
        "emails.value eq",
    )?;
    Ok(vec![])
}

pub async fn external_id_eq(c: Ctx) -> CheckResult {
    let ext = c.name("ext");
    let (a, _) = c.create_user(json!({"externalId": ext})).await?;
    expect_ids(
        &filter(&c, "Users", &format!("externalId eq \"{ext}\"")).await?,
        &[&a],
        "externalId eq",
    )?;
    Ok(vec![])
}

pub async fn group_display_name_eq(c: Ctx) -> CheckResult {
    let (gid, g) = c.create_group(&[]).await?;
    let name = g.json["displayName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    expect_ids(
        &filter(&c, "Groups", &format!("displayName eq \"{name}\"")).await?,
        &[&gid],
        "displayName eq",
    )?;
    Ok(vec![])
}

pub async fn urn_path(c: Ctx) -> CheckResult {
    let (urn, attr) = c.extension_string()?;
    let dept = c.name("dept");
    let (a, _) = c
        .create_user(json!({"schemas": [USER, urn], urn.clone(): {attr.clone(): dept}}))
        .await?;
    expect_ids(
        &filter(&c, "Users", &format!("{urn}:{attr} eq \"{dept}\"")).await?,
        &[&a],
        "URN-qualified filter",
    )?;
    Ok(vec![])
}

pub async fn last_modified_gt(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (a, _) = c.create_user(json!({"userName": name})).await?;
    let f = format!("userName eq \"{name}\" and meta.lastModified gt \"2000-01-01T00:00:00Z\"");
    expect_ids(
        &filter(&c, "Users", &f).await?,
        &[&a],
        "meta.lastModified gt 2000",
    )?;
    let f = format!("userName eq \"{name}\" and meta.lastModified gt \"2999-01-01T00:00:00Z\"");
    expect_ids(
        &filter(&c, "Users", &f).await?,
        &[],
        "meta.lastModified gt 2999",
    )?;
    Ok(vec![])
}

async fn sorted(c: &Ctx, order: &str) -> Result<(Vec<String>, Vec<String>), Finding> {
    let stem = c.name("sort");
    let mut made = Vec::new();
    for n in ["Bravo", "alpha", "Charlie"] {
        made.push(
            c.create_user(json!({"userName": format!("{stem}-{n}@example.com")}))
                .await?
                .0,
        );
    }
    let f = encode(&format!("userName sw \"{stem}\""));
    let r = c
        .get(&format!("/Users?filter={f}&sortBy=userName{order}"))
        .await?;
    r.expect_status(200, "a sorted list")?;
    let got: Vec<String> = r.json["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    Ok((made, got))
}

pub async fn sort_ascending(c: Ctx) -> CheckResult {
    let (made, got) = sorted(&c, "").await?;
    // Case-insensitive ascending: alpha, Bravo, Charlie.
    let want = vec![made[1].clone(), made[0].clone(), made[2].clone()];
    if got == want {
        Ok(vec![])
    } else {
        Err(Finding::fail(
            "order",
            format!("alpha, Bravo, Charlie: {want:?}"),
            format!("{got:?}"),
        ))
    }
}

pub async fn sort_descending(c: Ctx) -> CheckResult {
    let (made, got) = sorted(&c, "&sortOrder=descending").await?;
    let want = vec![made[2].clone(), made[0].clone(), made[1].clone()];
    if got == want {
        Ok(vec![])
    } else {
        Err(Finding::fail(
            "order",
            format!("Charlie, Bravo, alpha: {want:?}"),
            format!("{got:?}"),
        ))
    }
}

pub async fn start_index_below_one(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    let r = c.get("/Users?startIndex=0&count=1").await?;
    r.expect_status(200, "GET /Users?startIndex=0")?;
    expect_eq(&r.json["startIndex"], &json!(1), "startIndex")?;
    Ok(vec![])
}

pub async fn count_zero(c: Ctx) -> CheckResult {
    c.create_user(json!({})).await?;
    let r = c.get("/Users?count=0").await?;
    r.expect_status(200, "GET /Users?count=0")?;
    let n = r.json["Resources"].as_array().map_or(0, Vec::len);
    if n != 0 || r.json["totalResults"].as_u64().unwrap_or(0) == 0 {
        return Err(Finding::fail(
            "empty-page-with-total",
            "no resources and a positive totalResults",
            clip(&r.text),
        ));
    }
    let _ = Value::Null;
    Ok(vec![])
}
