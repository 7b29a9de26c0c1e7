use serde_json::{Value, json};

use crate::check::{CheckResult, Finding};
use crate::ctx::{Ctx, GROUP, USER, clip, expect_eq};
use crate::discovery::Capabilities;

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub async fn bulk_id(c: Ctx) -> CheckResult {
    let user = c.user_name();
    let group = c.name("bulk-group");
    let r = c
        .post(
            "/Bulk",
            json!({"schemas": [BULK], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"schemas": [USER], "userName": user}},
                {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP], "displayName": group,
                    "members": [{"type": "User", "value": "bulkId:u"}]}}
            ]}),
        )
        .await?;
    r.expect_status(200, "POST /Bulk")?;
    let ops = r.json["Operations"].as_array().cloned().unwrap_or_default();
    let location = |bid: &str| -> Option<String> {
        ops.iter()
            .find(|o| o["bulkId"] == bid)
            .and_then(|o| o["location"].as_str())
            .map(str::to_owned)
    };
    let (Some(ul), Some(gl)) = (location("u"), location("g")) else {
        return Err(Finding::fail(
            "bulk-locations",
            "a location for bulkIds u and g",
            clip(&r.text),
        ));
    };
    let uid = ul.rsplit('/').next().unwrap_or_default().to_owned();
    let gid = gl.rsplit('/').next().unwrap_or_default().to_owned();
    c.created(format!("/Users/{uid}")).await;
    c.created(format!("/Groups/{gid}")).await;
    expect_eq(
        &json!(c.member_ids(&gid).await?),
        &json!([uid]),
        "members of the bulk-created group",
    )?;
    Ok(vec![])
}

/// Above this many, one request past `maxOperations` is too large to send.
const MAX_OPERATIONS_SENDABLE: u64 = 10_000;

/// RFC 7644 §3.7.4 lets a server omit the limit; 1000 is the reference
/// SP's and a common one.
fn max_operations_of(caps: &Capabilities) -> u64 {
    caps.document
        .as_ref()
        .and_then(|d| d["bulk"]["maxOperations"].as_u64())
        .unwrap_or(1000)
}

pub fn max_operations_gate(caps: &Capabilities) -> Result<(), String> {
    let max = max_operations_of(caps);
    if max > MAX_OPERATIONS_SENDABLE {
        Err(format!("maxOperations is {max}; too many to send"))
    } else {
        Ok(())
    }
}

pub async fn max_operations(c: Ctx) -> CheckResult {
    let max = max_operations_of(&c.caps);
    let ops: Vec<Value> = (0..=max)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/idpsim-none-{i}")}))
        .collect();
    let r = c
        .post("/Bulk", json!({"schemas": [BULK], "Operations": ops}))
        .await?;
    r.expect_status(
        413,
        &format!(
            "a Bulk request of {} operations (maxOperations {max})",
            max + 1
        ),
    )?;
    Ok(vec![])
}
