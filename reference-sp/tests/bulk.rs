use serde_json::{Value, json};

use crate::common::*;

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn statuses(v: &Value) -> Vec<String> {
    v["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn bulk_ids_resolve_forward_and_backward() {
    let sp = Sp::start().await;
    let r = sp
        .post("/Bulk", json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP], "displayName": "G",
                "members": [{"type": "User", "value": "bulkId:u"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"schemas": [USER], "userName": "bulk@x"}},
            {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"schemas": [PATCH],
                "Operations": [{"op": "add", "path": "title", "value": "T"}]}}
        ]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    let user = ops.iter().find(|o| o["bulkId"] == "u").unwrap();
    assert_eq!(user["status"], "201");
    let uid = user["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let group = ops.iter().find(|o| o["bulkId"] == "g").unwrap();
    assert_eq!(group["status"], "201");
    let gid = group["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(sp.member_ids(&gid).await, vec![uid.clone()]);
    assert_eq!(sp.get(&format!("/Users/{uid}")).await.body["title"], "T");
}

#[tokio::test]
async fn circular_references_fail_with_409() {
    let sp = Sp::start().await;
    let r = sp
        .post("/Bulk", json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}}
        ]}))
        .await;
    assert_eq!(statuses(&r.body), ["409", "409"]);
    assert_eq!(r.body["Operations"][0]["response"]["status"], "409");
}

#[tokio::test]
async fn fail_on_errors_and_per_operation_errors() {
    let sp = Sp::start().await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "data": {"schemas": [USER], "userName": "nobulkid@x"}},
        {"method": "POST", "path": "/Users", "bulkId": "1", "data": {"schemas": [USER]}},
        {"method": "POST", "path": "/Users", "bulkId": "2", "data": {"schemas": [USER], "userName": "ok@x"}},
        {"method": "DELETE", "path": "/Users/missing"}
    ]);
    let r = sp
        .post("/Bulk", json!({"schemas": [BULK], "Operations": ops}))
        .await;
    assert_eq!(statuses(&r.body), ["400", "400", "201", "404"]);
    assert_eq!(
        r.body["Operations"][1]["response"]["scimType"],
        "invalidValue"
    );
    let r = sp
        .post(
            "/Bulk",
            json!({"schemas": [BULK], "failOnErrors": 1, "Operations": ops}),
        )
        .await;
    assert_eq!(statuses(&r.body), ["400"]);
}

#[tokio::test]
async fn limits_are_enforced() {
    let sp = Sp::start().await;
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let r = sp
        .post("/Bulk", json!({"schemas": [BULK], "Operations": many}))
        .await;
    r.assert_error(413, None);
    assert!(r.body["detail"].as_str().unwrap().contains("maxOperations"));
    sp.post("/Bulk", json!({"Operations": []}))
        .await
        .assert_error(400, Some("invalidSyntax"));
}
