use idpsim_reference_sp::{Config, Handle, spawn};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method};
use serde_json::{Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

pub struct Sp {
    pub handle: Handle,
    pub client: Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts a SCIM error body with this status (and scimType, if given).
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.body["schemas"][0], ERROR, "{}", self.text);
        assert_eq!(self.body["status"], status.to_string(), "{}", self.text);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            self.text
        );
        if let Some(t) = scim_type {
            assert_eq!(self.body["scimType"], t, "{}", self.text);
        }
        let ct = self.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("application/scim+json"), "{ct}");
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("an id").to_owned()
    }
}

impl Sp {
    pub async fn start() -> Sp {
        Self::with(Config::default()).await
    }
    pub async fn with(config: Config) -> Sp {
        let handle = spawn(config).await.expect("spawn reference SP");
        Sp {
            handle,
            client: Client::new(),
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.raw(
            method,
            path,
            body.map(|b| b.to_string()),
            Some(self.handle.token()),
            &[],
        )
        .await
    }
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        let mut rb = self.client.request(method, url);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let mut has_ct = false;
        for (k, v) in headers {
            has_ct |= k.eq_ignore_ascii_case("content-type");
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            if !has_ct {
                rb = rb.header("content-type", "application/scim+json");
            }
            rb = rb.body(b);
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, ops: Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            Some(json!({"schemas": [PATCH], "Operations": ops})),
        )
        .await
    }
    pub async fn user(&self, name: &str) -> String {
        let r = self
            .post(
                "/Users",
                json!({"schemas": [USER], "userName": name, "active": true}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.id()
    }
    pub async fn group(&self, name: &str, members: &[&str]) -> String {
        let m: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let r = self
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": name, "members": m}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.id()
    }
    pub async fn member_ids(&self, group: &str) -> Vec<String> {
        let r = self.get(&format!("/Groups/{group}")).await;
        let mut ids: Vec<String> = r.body["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }
}
