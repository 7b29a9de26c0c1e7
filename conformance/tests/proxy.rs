//! A proxy in front of the reference SP that breaks exactly one behaviour:
//! it may answer a request itself, rewrite it, or change the answer.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// A request as the hooks see it; `path` is below the origin (`/scim/v2/Users`).
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Req {
    pub fn is(&self, method: &str, path_suffix: &str) -> bool {
        self.method == method && self.path.ends_with(path_suffix)
    }
    pub fn has_auth(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    }
}

/// An answer as the hooks see it.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Resp {
    pub fn json(status: u16, body: Value) -> Resp {
        Resp {
            status,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body,
        }
    }
}

/// The three hooks; each defaults to doing nothing.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub intercept: fn(&Req) -> Option<Resp>,
    pub rewrite: fn(&mut Req),
    pub mutate: fn(&Req, &mut Resp),
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            intercept: |_| None,
            rewrite: |_| {},
            mutate: |_, _| {},
        }
    }
}

/// Starts the proxy; returns its origin.
pub async fn start(upstream_origin: String, hooks: Hooks) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request| {
        let client = client.clone();
        let upstream = upstream_origin.clone();
        async move { handle(client, upstream, hooks, req).await }
    });
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

async fn handle(client: reqwest::Client, upstream: String, hooks: Hooks, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut r = Req {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .filter(|(k, _)| *k != "host" && *k != "content-length")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    };
    let answer = match (hooks.intercept)(&r) {
        Some(a) => a,
        None => {
            (hooks.rewrite)(&mut r);
            let url = match &r.query {
                Some(q) => format!("{upstream}{}?{q}", r.path),
                None => format!("{upstream}{}", r.path),
            };
            let mut rb = client.request(r.method.parse().unwrap(), url);
            for (k, v) in &r.headers {
                rb = rb.header(k, v);
            }
            if !r.body.is_null() {
                rb = rb.body(r.body.to_string());
            }
            let up = rb.send().await.unwrap();
            let status = up.status().as_u16();
            let headers = up
                .headers()
                .iter()
                .filter(|(k, _)| *k != "content-length" && *k != "transfer-encoding")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            let text = up.text().await.unwrap_or_default();
            let mut resp = Resp {
                status,
                headers,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
            };
            (hooks.mutate)(&r, &mut resp);
            resp
        }
    };
    let mut out = Response::new(if answer.body.is_null() {
        Body::empty()
    } else {
        Body::from(answer.body.to_string())
    });
    *out.status_mut() = StatusCode::from_u16(answer.status).unwrap();
    for (k, v) in answer.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            out.headers_mut().append(k, v);
        }
    }
    out
}
