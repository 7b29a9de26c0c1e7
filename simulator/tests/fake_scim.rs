//! A wiremock responder that answers like a minimal SCIM server: lookups
//! find nothing, creates get sequential ids, reads echo a plausible
//! resource. Enough for the simulator to walk every event's full sequence.

use std::sync::Mutex;

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

#[derive(Default)]
pub struct FakeScim {
    next: Mutex<u32>,
}

fn scim(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/scim+json")
}

impl Respond for FakeScim {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().trim_start_matches("/scim");
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", [_]) => scim(
                200,
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                       "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}),
            ),
            ("POST", [kind]) => {
                let mut n = self.next.lock().unwrap();
                *n += 1;
                let prefix = if *kind == "Groups" { "g" } else { "u" };
                let mut b = body.clone();
                b["id"] = format!("{prefix}{n}").into();
                scim(201, b)
            }
            ("GET", ["Users", id]) => scim(
                200,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id,
                       "userName": "from-target@example.com", "active": true,
                       "meta": {"resourceType": "User"}}),
            ),
            ("GET", ["Groups", id]) => scim(
                200,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": id,
                       "displayName": "from-target", "meta": {"resourceType": "Group"}}),
            ),
            ("PUT", [_, id]) => {
                let mut b = body.clone();
                b["id"] = (*id).into();
                scim(200, b)
            }
            ("PATCH", [_, id]) => scim(200, json!({"id": id})),
            ("DELETE", _) => ResponseTemplate::new(204),
            _ => scim(404, json!({"status": "404", "detail": "not in the fake"})),
        }
    }
}
