//! What Entra's provisioning engine needs of a target (IDP-ENGINES §2):
//! a Test Connection that finds nothing and says so with 200, reads that
//! return what Entra wrote (else it writes again every cycle), and `Add` on
//! a single-valued attribute that has a value replacing it.

use idpsim_simulator::cycles::compare;
use idpsim_simulator::directory::User;
use idpsim_simulator::idp::{EventError, Wire};
use idpsim_simulator::profile::ENTRA;
use serde_json::json;

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, clip, expect_eq};

fn entra(c: &Ctx) -> Wire {
    Wire {
        profile: &ENTRA,
        client: c.client.clone(),
    }
}

fn failed(e: EventError) -> Finding {
    Finding::fail("idp-requests", "Entra's requests to succeed", e.to_string())
}

/// Test Connection asks for a random GUID as userName and needs 200 with an
/// empty ListResponse; a 404 fails it, and during cycles quarantines the
/// job (E1, E5).
pub async fn test_connection(c: Ctx) -> CheckResult {
    let guid = uuid::Uuid::new_v4().to_string();
    match entra(&c).test_connection(&guid).await {
        Ok(_) => Ok(vec![]),
        Err(EventError::Rejected { status, body, .. }) => Err(Finding::fail(
            "status",
            "GET /Users?filter=userName eq \"<random GUID>\" answers 200 with an empty ListResponse",
            format!("{status}: {}", clip(&body)),
        )),
        Err(e) => Err(Finding::fail(
            "empty-list",
            "a ListResponse with totalResults 0",
            e.to_string(),
        )),
    }
}

/// Whether the server declares the attribute at a path of Entra's default
/// mapping: an admin maps only those (IDP-WIRE.md §2.5), so only those are
/// judged. `externalId` is common to every resource (RFC 7643 §3.1).
fn mapped(c: &Ctx, path: &str) -> bool {
    match path {
        "externalId" => true,
        p if p.starts_with("emails[") => c.declares("emails"),
        p => c.declares(p),
    }
}

/// Everything Entra writes, a GET returns unchanged: each attribute of the
/// default mapping, the enterprise extension and the manager, after the
/// create and after a PATCH. What does not come back, Entra writes again
/// every cycle (E8, E9). Narrowed, as an admin narrows Entra's mapping, to
/// what the server declares: `title`, the extension's `department`,
/// `employeeNumber` and `manager` are written only where declared, and
/// only declared attributes are judged.
pub async fn round_trip(c: Ctx) -> CheckResult {
    let w = entra(&c);
    let extension = |a: &str| c.declares(&format!("{}:{a}", compare::ENTERPRISE));
    let boss_id = if extension("manager") {
        let boss = User::new(&c.user_name(), "00uidpsimboss".into());
        let boss_id = w.join(&boss, None).await.map_err(failed)?;
        c.created(format!("/Users/{boss_id}")).await;
        Some(boss_id)
    } else {
        None
    };
    let mut u = User::new(&c.user_name(), "00uidpsimroundtrip".into());
    let set = |declared: bool, v: &str| declared.then(|| v.to_owned());
    u.title = set(c.declares("title"), "Engineer");
    u.department = set(extension("department"), "R&D");
    u.employee_number = set(extension("employeeNumber"), "700001");
    let id = w.join(&u, boss_id.as_deref()).await.map_err(failed)?;
    c.created(format!("/Users/{id}")).await;
    // A PATCH's values must come back as well as a create's.
    u.title = set(c.declares("title"), "Staff Engineer");
    u.department = set(extension("department"), "Platform");
    u.employee_number = set(extension("employeeNumber"), "700002");
    u.given_name = "Annie".into();
    u.display_name = "Annie Ames".into();
    u.email = format!("annie.{}", u.user_name);
    w.push_profile(&id, &u, &[]).await.map_err(failed)?;
    let got = c.get(&format!("/Users/{id}")).await?;
    got.expect_status(200, "GET /Users/{id}")?;
    let mut lost: Vec<String> = compare::diff(&ENTRA, &u, true, &got.json)
        .iter()
        .filter(|d| mapped(&c, &d.path))
        .map(|d| format!("{} written {}, read {}", d.path, d.value, d.read))
        .collect();
    if let Some(boss_id) = &boss_id
        && let Some(m) = compare::manager_change(Some(&got.json), boss_id)
    {
        lost.push(format!("{} written {}, read {}", m.path, m.value, m.read));
    }
    if !lost.is_empty() {
        return Err(Finding::fail(
            "round-trip",
            "every attribute Entra wrote read back unchanged",
            lost.join("; "),
        ));
    }
    Ok(vec![])
}

/// Entra sends `Add` where it read no value, so a value set meanwhile meets
/// an `Add`: on a single-valued attribute it replaces the value (RFC 7644
/// §3.5.2.1). On `title` where the server declares it, else on another
/// plain string attribute it does, as an admin maps Entra's `jobTitle`.
pub async fn add_replaces_single(c: Ctx) -> CheckResult {
    let attr = c.strings(1, &["title"])?[0];
    let (id, _) = c.create_user(json!({attr: "Engineer"})).await?;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "Add", "path": attr, "value": "Staff Engineer"}]),
        )
        .await?;
    r.expect_patch_ok("Entra's Add on a single-valued attribute that has a value")?;
    expect_eq(
        &c.get(&format!("/Users/{id}")).await?.json[attr],
        &json!("Staff Engineer"),
        attr,
    )?;
    Ok(vec![])
}
