//! What a check body works with: a recording SCIM client against the
//! target, unique names for what it creates, and a cleanup list undone in
//! reverse order whatever the verdict.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use idpsim_simulator::client::{Method, Request, Response, ScimClient};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::check::{Finding, rule_of};
use crate::discovery::Capabilities;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The context of one check run.
#[derive(Clone)]
pub struct Ctx {
    pub client: ScimClient,
    /// The same target without credentials, for the checks about them.
    pub anon: ScimClient,
    pub caps: Arc<Capabilities>,
    prefix: Arc<str>,
    cleanup: Arc<Mutex<Vec<String>>>,
    /// Whether the last request this context sent went without
    /// credentials: the runner shows the exchange an assertion judged
    /// first, and that is the newest of whichever client sent last.
    last_anonymous: Arc<std::sync::atomic::AtomicBool>,
}

/// A response with its JSON, for assertions.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub json: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Fails unless the status is `want`.
    pub fn expect_status(&self, want: u16, what: &str) -> Result<&Self, Finding> {
        if self.status == want {
            Ok(self)
        } else {
            Err(Finding::fail(
                "status",
                format!("{what}: HTTP {want}"),
                format!("HTTP {}: {}", self.status, clip(&self.text)),
            ))
        }
    }

    /// Fails unless a PATCH succeeded: 200 with the resource, or 204
    /// (RFC 7644 §3.5.2 allows both).
    pub fn expect_patch_ok(&self, what: &str) -> Result<&Self, Finding> {
        if self.status == 204 {
            Ok(self)
        } else {
            self.expect_status(200, what)
        }
    }

    /// The `id` of the resource in the body.
    pub fn id(&self, what: &str) -> Result<String, Finding> {
        self.json
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                Finding::fail(
                    "id",
                    format!("{what}: a non-empty string `id`"),
                    clip(&self.text),
                )
            })
    }
}

pub fn clip(s: &str) -> String {
    if s.len() > 500 {
        let mut end = 500;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

/// Fails as a precondition unless `got == want`: what a check removes,
/// excludes or replaces must be there before it judges the effect, or a
/// pass would prove nothing (a server that never stored `title` "removes"
/// it perfectly).
pub fn expect_before(got: &Value, want: &Value, what: &str) -> Result<(), Finding> {
    expect_eq(got, want, what).map_err(Finding::before_change)
}

/// Fails unless `got == want`.
pub fn expect_eq(got: &Value, want: &Value, what: &str) -> Result<(), Finding> {
    if got == want {
        Ok(())
    } else {
        Err(Finding::fail(
            rule_of(what),
            format!("{what} = {want}"),
            format!("{what} = {got}"),
        ))
    }
}

impl Ctx {
    pub fn new(
        client: ScimClient,
        anon: ScimClient,
        caps: Arc<Capabilities>,
        prefix: &str,
    ) -> Self {
        Ctx {
            client,
            anon,
            caps,
            prefix: Arc::from(prefix),
            cleanup: Arc::new(Mutex::new(Vec::new())),
            last_anonymous: Arc::default(),
        }
    }

    /// A name no other check or run uses: `<prefix>-<n>-<stem>`.
    pub fn name(&self, stem: &str) -> String {
        // One counter for the whole process: checks run in parallel with one
        // prefix, and two of them must never pick the same name.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}-{stem}", self.prefix)
    }

    /// `n` or more plain string User attributes the server declares (see
    /// [`crate::declared::PLAIN_STRINGS`]), those named in `prefer` first:
    /// a check written for `title` and `nickName` keeps them where the
    /// server has them and takes others where it has not. Planning skips
    /// a check whose [`crate::check::Uses::Strings`] the server cannot
    /// meet, so this fails only for a check run by hand.
    pub fn strings(&self, n: usize, prefer: &[&str]) -> Result<Vec<&'static str>, Finding> {
        let mut have = self.caps.declared.plain_strings();
        have.sort_by_key(|a| {
            prefer
                .iter()
                .position(|p| p.eq_ignore_ascii_case(a))
                .unwrap_or(prefer.len())
        });
        if have.len() < n {
            return Err(Finding::fail(
                "declared",
                format!("{n} plain string attributes in the server's User schema"),
                format!("{have:?}"),
            )
            .precondition());
        }
        Ok(have)
    }

    /// An extension's plain string attribute, as (URN, name).
    pub fn extension_string(&self) -> Result<(String, String), Finding> {
        self.caps.declared.extension_string().ok_or_else(|| {
            Finding::fail(
                "declared",
                "a User schema extension with a plain string attribute",
                "none declared",
            )
            .precondition()
        })
    }

    /// Whether PATCH is advertised (or forced): a check about something
    /// else that needs a modification makes it by PUT otherwise.
    pub fn patch_advertised(&self) -> bool {
        self.caps.gate(crate::check::Capability::Patch).is_ok()
    }

    /// Whether the server declares this User attribute (a path, as in
    /// [`crate::declared::Declared::user_attribute`]).
    pub fn declares(&self, path: &str) -> bool {
        self.caps.declared.user_attribute(path).is_some()
    }

    /// GET of a resource whose state a check is about to change: a
    /// failure is a precondition's.
    pub async fn read_before(&self, path: &str) -> Result<Reply, Finding> {
        let r = self.get(path).await.map_err(Finding::before_change)?;
        r.expect_status(200, &format!("GET {path}"))
            .map_err(Finding::before_change)?;
        Ok(r)
    }

    /// A unique userName on the reserved `example.com` domain.
    pub fn user_name(&self) -> String {
        format!("{}@example.com", self.name("user"))
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, Finding> {
        let mut headers = vec![("Accept".to_owned(), "application/scim+json".to_owned())];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/scim+json".into()));
        }
        let req = Request {
            method,
            path: path.to_owned(),
            headers,
            body,
        };
        self.send_request(&req).await
    }

    pub async fn send_request(&self, req: &Request) -> Result<Reply, Finding> {
        self.send_with(&self.client, req).await
    }

    /// A GET without credentials.
    pub async fn get_anonymously(&self, path: &str) -> Result<Reply, Finding> {
        let req = Request {
            method: Method::GET,
            path: path.to_owned(),
            headers: vec![],
            body: None,
        };
        self.send_with(&self.anon, &req).await
    }

    /// Whether the last request went through [`Ctx::anon`] (replays send
    /// through [`Ctx::client`] directly, which this counts as not).
    pub fn last_was_anonymous(&self) -> bool {
        self.last_anonymous.load(Ordering::Relaxed)
    }

    async fn send_with(&self, client: &ScimClient, req: &Request) -> Result<Reply, Finding> {
        let sent = client.send(req).await;
        let anonymous = std::ptr::eq(client, &self.anon);
        self.last_anonymous.store(anonymous, Ordering::Relaxed);
        let r: Response = sent.map_err(|e| {
            Finding::fail(
                "answer",
                format!("an answer to {:?} {}", req.method, req.path),
                e.to_string(),
            )
        })?;
        Ok(Reply {
            status: r.status,
            json: r.json().unwrap_or(Value::Null),
            text: r.text().into_owned(),
            headers: r.headers,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Reply, Finding> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Reply, Finding> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, ops: Value) -> Result<Reply, Finding> {
        self.send(
            Method::PATCH,
            path,
            Some(json!({"schemas": [PATCH_OP], "Operations": ops})),
        )
        .await
    }

    /// A PATCH that must succeed (200 or 204).
    pub async fn patch_ok(&self, path: &str, ops: Value, what: &str) -> Result<(), Finding> {
        self.patch(path, ops).await?.expect_patch_ok(what)?;
        Ok(())
    }

    /// Remembers a resource path to delete when the check ends.
    pub async fn created(&self, path: String) {
        self.cleanup.lock().await.push(path);
    }

    /// Creates a user from `body` (with `schemas` and a unique `userName`
    /// filled in when absent) and registers it for cleanup.
    pub async fn create_user(&self, mut body: Value) -> Result<(String, Reply), Finding> {
        if body.get("schemas").is_none() {
            body["schemas"] = json!([USER]);
        }
        if body.get("userName").is_none() {
            body["userName"] = self.user_name().into();
        }
        // Setting the stage: a failure here is a precondition's, not the
        // failure of what the check is about.
        let r = self
            .post("/Users", body)
            .await
            .map_err(Finding::precondition)?;
        r.expect_status(201, "POST /Users (setup)")
            .map_err(Finding::precondition)?;
        let id = r.id("POST /Users (setup)").map_err(Finding::precondition)?;
        self.created(format!("/Users/{id}")).await;
        Ok((id, r))
    }

    /// Creates a group (unique name unless given) with these member ids.
    pub async fn create_group(&self, members: &[&str]) -> Result<(String, Reply), Finding> {
        let list: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": self.name("group"), "members": list}),
            )
            .await
            .map_err(Finding::precondition)?;
        r.expect_status(201, "POST /Groups (setup)")
            .map_err(Finding::precondition)?;
        let id = r
            .id("POST /Groups (setup)")
            .map_err(Finding::precondition)?;
        self.created(format!("/Groups/{id}")).await;
        Ok((id, r))
    }

    /// Deletes what the check created, newest first; returns what could not
    /// be deleted.
    pub async fn clean_up(&self) -> Vec<String> {
        let paths: Vec<String> = std::mem::take(&mut *self.cleanup.lock().await);
        let mut left = Vec::new();
        for p in paths.into_iter().rev() {
            match self.send(Method::DELETE, &p, None).await {
                Ok(r) if r.status == 204 || r.status == 200 || r.status == 404 => {}
                Ok(r) => left.push(format!("{p}: HTTP {}", r.status)),
                Err(_) => left.push(format!("{p}: no answer")),
            }
        }
        left
    }

    /// Fails as a precondition unless the group's members are exactly
    /// `want`: a removal proves nothing of a member never held.
    pub async fn members_before(&self, group: &str, want: &[&str]) -> Result<(), Finding> {
        let got = self
            .member_ids(group)
            .await
            .map_err(Finding::before_change)?;
        let mut want: Vec<&str> = want.to_vec();
        want.sort_unstable();
        expect_before(&json!(got), &json!(want), "members")
    }

    /// Members of a group by id, read with GET.
    pub async fn member_ids(&self, group: &str) -> Result<Vec<String>, Finding> {
        let r = self.get(&format!("/Groups/{group}")).await?;
        r.expect_status(200, "GET /Groups/{id}")?;
        let mut ids: Vec<String> = r.json["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        Ok(ids)
    }
}
