//! What the ServiceProviderConfig says of password changes (RFC 7643 §5,
//! `changePassword.supported`) against what a change does (SCIM-CHECKS.md
//! §5 B14, R02): a server that says it supports them accepts a new
//! `password` by PUT, and by PATCH when it supports PATCH, and still never
//! returns it (RFC 7643 §4.1.1).

use idpsim_simulator::client::Method;
use serde_json::json;

use crate::check::{Capability, CheckResult, Finding};
use crate::ctx::{Ctx, Reply, USER, clip};

fn no_password(r: &Reply, secret: &str, what: &str) -> Result<(), Finding> {
    if r.text.contains(secret) || r.json.get("password").is_some() {
        return Err(Finding::fail(
            "no-password",
            format!("{what}: no password in the answer"),
            clip(&r.text),
        ));
    }
    Ok(())
}

pub async fn change_password(c: Ctx) -> CheckResult {
    let name = c.user_name();
    let (id, _) = c
        .create_user(json!({"userName": name, "password": "Idpsim-First-1!"}))
        .await?;
    let path = format!("/Users/{id}");
    let secret = "Idpsim-Second-2!";
    let r = c
        .send(
            Method::PUT,
            &path,
            Some(json!({"schemas": [USER], "userName": name, "password": secret})),
        )
        .await?;
    if r.status != 200 {
        return Err(Finding::fail(
            "put-change-accepted",
            "PUT /Users/{id} with a new password: HTTP 200",
            format!("HTTP {}: {}", r.status, clip(&r.text)),
        ));
    }
    no_password(&r, secret, "PUT /Users/{id}")?;
    if c.caps.gate(Capability::Patch).is_ok() {
        let secret = "Idpsim-Third-3!";
        let r = c
            .patch(
                &path,
                json!([{"op": "replace", "path": "password", "value": secret}]),
            )
            .await?;
        if r.status != 200 && r.status != 204 {
            return Err(Finding::fail(
                "patch-change-accepted",
                "PATCH replace password: HTTP 200 or 204",
                format!("HTTP {}: {}", r.status, clip(&r.text)),
            ));
        }
        no_password(&r, secret, "PATCH replace password")?;
    }
    Ok(vec![])
}
