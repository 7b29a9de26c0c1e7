//! Canonical `type` values (RFC 7643 §2.4, §4.1.2, §7): a value a schema
//! names as canonical is one a client may use (RFC 7643 §7: "suggested
//! canonical values that MAY be used"), and a server may narrow what it
//! accepts only down to those (§2.3.1), so it accepts them and keeps them.
//!
//! RFC 7643 defines canonical types for emails, phoneNumbers, ims, photos
//! and addresses; `entitlements`, `roles` and `x509Certificates` have none
//! (§4.1.2: "This value has no canonical types"), so there is nothing to
//! check there. `groups.type` is read-only.

use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, USER, clip};
use crate::discovery::Capabilities;
use crate::schema_docs::{attribute, canonical_values, schema, sub_attribute};

/// RFC 7643 §8.7.1's canonical values of each multi-valued attribute's
/// `type`.
const RFC: &[(&str, &[&str])] = &[
    ("emails", &["work", "home", "other"]),
    (
        "phoneNumbers",
        &["work", "home", "mobile", "fax", "pager", "other"],
    ),
    (
        "ims",
        &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
    ),
    ("photos", &["photo", "thumbnail"]),
    ("addresses", &["work", "home", "other"]),
];

/// The attributes and types to try: those of the five the server's User
/// schema declares with a `type`, with the canonical values it declares
/// (which may narrow the RFC's, §2.3.1), else the RFC's. Without a
/// readable `/Schemas`, the RFC's schema.
fn to_try(caps: &Capabilities) -> Vec<(&'static str, Vec<String>)> {
    let rfc = |vs: &[&str]| vs.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    let Some(user) = schema(caps, USER) else {
        return RFC.iter().map(|(a, vs)| (*a, rfc(vs))).collect();
    };
    RFC.iter()
        .filter_map(|(a, vs)| {
            let attr = attribute(user, a)?;
            let declared = canonical_values(sub_attribute(attr, "type")?);
            Some((
                *a,
                if declared.is_empty() {
                    rfc(vs)
                } else {
                    declared
                },
            ))
        })
        .collect()
}

pub fn gate(caps: &Capabilities) -> Result<(), String> {
    if to_try(caps).is_empty() {
        Err("the server's User schema declares none of emails, phoneNumbers, ims, photos, addresses with a type sub-attribute".into())
    } else {
        Ok(())
    }
}

/// One element of `attr` with this `type` and a value of the right form.
fn element(attr: &str, ty: &str, n: usize, stem: &str) -> Value {
    match attr {
        "emails" => json!({"value": format!("{stem}-{n}@example.com"), "type": ty}),
        "phoneNumbers" => json!({"value": format!("tel:+1-201-555-{:04}", 100 + n), "type": ty}),
        "photos" => json!({"value": format!("https://example.com/{stem}/{n}.png"), "type": ty}),
        "addresses" => json!({"locality": format!("Town {n}"), "country": "SE", "type": ty}),
        _ => json!({"value": format!("{stem}-{n}"), "type": ty}),
    }
}

pub async fn canonical_types(c: Ctx) -> CheckResult {
    let stem = c.name("canon");
    let wanted = to_try(&c.caps);
    let mut body = json!({"schemas": [USER], "userName": format!("{stem}@example.com")});
    let mut n = 0;
    for (attr, types) in &wanted {
        let list: Vec<Value> = types
            .iter()
            .map(|t| {
                n += 1;
                element(attr, t, n, &stem)
            })
            .collect();
        body[*attr] = Value::Array(list);
    }
    // The create is the subject: the values are what is judged.
    let r = c.post("/Users", body).await?;
    if let Ok(id) = r.id("") {
        c.created(format!("/Users/{id}")).await;
    }
    if r.status != 201 {
        return Err(Finding::fail(
            "accepted",
            "POST /Users with one value of each canonical type: HTTP 201",
            format!("HTTP {}: {}", r.status, clip(&r.text)),
        ));
    }
    let id = r.id("POST /Users")?;
    let g = c.get(&format!("/Users/{id}")).await?;
    g.expect_status(200, "GET /Users/{id}")?;
    for (attr, types) in &wanted {
        let kept: Vec<&str> = g.json[*attr]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["type"].as_str())
            .collect();
        // `type` is not caseExact (RFC 7643 §8.7.1): the case may change.
        if let Some(lost) = types
            .iter()
            .find(|t| !kept.iter().any(|k| k.eq_ignore_ascii_case(t)))
        {
            return Err(Finding::fail(
                "type-kept",
                format!("{attr} with type {lost:?} after GET (all of {types:?})"),
                clip(&g.json[*attr].to_string()),
            ));
        }
    }
    Ok(vec![])
}
