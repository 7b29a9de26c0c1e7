//! One HTTP/1.1 connection of a client's own, outside its pool, for a load
//! run's many alike requests that the caller times and checks itself
//! (`idpsim load import --lookups`). What it leaves out is what cost most
//! per request on the recorded path: building the URL and headers from
//! strings, the exchange record, and the pool's checkout (a hashed lookup
//! and a clone of the connector per request).

use std::pin::Pin;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use super::{AuthHeader, ClientError, Response, ScimClient, read_answer, with_causes};

type Io = <HttpsConnector<HttpConnector> as Service<http::Uri>>::Response;

/// The connection's I/O, driven by whoever sends on it: polled beside each
/// request rather than in a task of its own, so that a request does not
/// wake a second task (and, on a runtime of several workers, maybe a
/// second thread) to write it and again to read the answer.
type Driver = Pin<Box<hyper::client::conn::http1::Connection<Io, Full<Bytes>>>>;

/// A connection made on first use and made again when the target closes
/// it. One request at a time; a clone makes a connection of its own.
pub struct Connection {
    client: ScimClient,
    /// The target's origin, to connect to.
    origin: http::Uri,
    open: Option<(SendRequest<Full<Bytes>>, Driver)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("origin", &self.origin)
            .field("open", &self.open.is_some())
            .finish()
    }
}

impl Clone for Connection {
    fn clone(&self) -> Self {
        Connection {
            client: self.client.clone(),
            origin: self.origin.clone(),
            open: None,
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
            open: None,
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
                self.open = None;
                Err(ClientError::Timeout(timeout))
            }
            Ok(r) => r,
        }
    }

    async fn exchange(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<Response, ClientError> {
        if self.open.as_ref().is_none_or(|(s, _)| s.is_closed()) {
            self.open = Some(self.connect().await?);
        }
        let (outcome, ended) = {
            let (sender, driver) = self.open.as_mut().expect("set above");
            let answer = async {
                std::future::poll_fn(|cx| sender.poll_ready(cx))
                    .await
                    .map_err(|e| ClientError::Transport(with_causes(&e)))?;
                let r = sender
                    .send_request(request)
                    .await
                    .map_err(|e| ClientError::Transport(with_causes(&e)))?;
                read_answer(r).await
            };
            let answer = std::pin::pin!(answer);
            drive(answer, driver.as_mut()).await
        };
        if ended.is_some() {
            self.open = None;
        }
        let outcome = outcome.unwrap_or_else(|end| {
            // The I/O ended before the answer came: the target closed.
            Err(ClientError::Transport(match end {
                Ok(()) => "the target closed the connection".into(),
                Err(e) => with_causes(&e),
            }))
        });
        let (parts, body) = match outcome {
            Ok(a) => a,
            Err(e) => {
                self.open = None;
                return Err(e);
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

    async fn connect(&self) -> Result<(SendRequest<Full<Bytes>>, Driver), ClientError> {
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
        Ok((sender, Box::pin(connection)))
    }
}

/// Polls the answer and the connection's I/O together until the answer is
/// in: `Ok` with it, and the I/O's end if it ended too (a target that
/// closes after answering); `Err` with the I/O's end if it ended first.
async fn drive<A, C>(
    mut answer: Pin<&mut A>,
    mut driver: Pin<&mut C>,
) -> (Result<A::Output, C::Output>, Option<()>)
where
    A: std::future::Future,
    C: std::future::Future,
{
    let mut ended: Option<C::Output> = None;
    std::future::poll_fn(|cx| {
        // The I/O first: it writes the request and reads the answer, which
        // the answer's future then finds ready.
        if ended.is_none()
            && let std::task::Poll::Ready(end) = driver.as_mut().poll(cx)
        {
            ended = Some(end);
        }
        if let std::task::Poll::Ready(a) = answer.as_mut().poll(cx) {
            let closed = ended.take().map(|_| ());
            return std::task::Poll::Ready((Ok(a), closed));
        }
        match ended.take() {
            Some(end) => std::task::Poll::Ready((Err(end), Some(()))),
            None => std::task::Poll::Pending,
        }
    })
    .await
}
