//! One HTTP/1.1 connection of a client's own, outside its pool, for a load
//! run's many alike requests that the caller times and checks itself
//! (`idpsim load import --lookups`). What it leaves out is what cost most
//! per request on the recorded path: building the URL and headers from
//! strings, the exchange record, and the pool's checkout (a hashed lookup
//! and a clone of the connector per request).

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use tower_service::Service;

use super::{AuthHeader, ClientError, MAX_RESPONSE_BYTES, Response, ScimClient, with_causes};

/// A connection made on first use and made again when the target closes
/// it. One request at a time; a clone makes a connection of its own.
#[derive(Debug)]
pub struct Connection {
    client: ScimClient,
    /// The target's origin, to connect to.
    origin: http::Uri,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Clone for Connection {
    fn clone(&self) -> Self {
        Connection {
            client: self.client.clone(),
            origin: self.origin.clone(),
            sender: None,
        }
    }
}

impl Connection {
    pub(super) fn new(client: ScimClient) -> Connection {
        let origin = client
            .config
            .base_url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| {
                let mut parts = http::uri::Parts::default();
                parts.scheme = u.scheme().cloned();
                parts.authority = u.authority().cloned();
                parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
                http::Uri::from_parts(parts).ok()
            })
            .unwrap_or_default();
        Connection {
            client,
            origin,
            sender: None,
        }
    }

    /// `Host` for requests on this connection: the base URL's authority.
    pub fn host(&self) -> Option<http::HeaderValue> {
        self.origin
            .authority()
            .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok())
    }

    /// A GET of `path_and_query` (origin-form: `/scim/v2/Users?…`) with
    /// `headers` (`Host` among them, see [`Self::host`]) and the client's
    /// credentials, sent once within the client's timeout and not recorded:
    /// no exchange, no injected faults, no retry, and no answer header
    /// kept but `Retry-After`.
    pub async fn get_unrecorded(
        &mut self,
        path_and_query: http::Uri,
        headers: &http::HeaderMap,
    ) -> Result<Response, ClientError> {
        let mut request = http::Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = path_and_query;
        *request.headers_mut() = headers.clone();
        match &*self.client.auth_header {
            AuthHeader::None => {}
            AuthHeader::Ready(name, value) => {
                request.headers_mut().insert(name, value.clone());
            }
            AuthHeader::Invalid(name, _) => {
                // The value is a credential: not shown.
                return Err(ClientError::Transport(format!(
                    "cannot build the request: the credentials do not make a valid {name} header"
                )));
            }
        }
        let timeout = self.client.config.timeout;
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Err(_) => {
                // The answer may still come on this connection: not reused.
                self.sender = None;
                Err(ClientError::Timeout(timeout))
            }
            Ok(r) => r,
        }
    }

    async fn exchange(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<Response, ClientError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.sender = Some(self.connect().await?);
        }
        let sender = self.sender.as_mut().expect("set above");
        if sender.ready().await.is_err() {
            // Closed between requests (keep-alive ended): once more, anew.
            let mut fresh = self.connect().await?;
            fresh
                .ready()
                .await
                .map_err(|e| ClientError::Transport(with_causes(&e)))?;
            self.sender = Some(fresh);
        }
        let sender = self.sender.as_mut().expect("set above");
        let r = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(ClientError::Transport(with_causes(&e)));
            }
        };
        let (parts, body) = r.into_parts();
        let body = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                self.sender = None;
                return Err(ClientError::Transport(format!(
                    "reading the response: {}",
                    with_causes(&*e)
                )));
            }
        };
        let retry_after = parts
            .headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        Ok(Response {
            status: parts.status.as_u16(),
            headers: Vec::new(),
            retry_after,
            body,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let mut connector = self.client.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| ClientError::Connect(with_causes(&*e)))?;
        let io = connector
            .call(self.origin.clone())
            .await
            .map_err(|e| ClientError::Connect(with_causes(&*e)))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| ClientError::Connect(with_causes(&e)))?;
        // The connection's own task drives its I/O; it ends when the sender
        // is dropped or the target closes.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }
}
