//! One HTTP/1.1 connection of a client's own, outside its pool, for a load
//! run's many alike GETs that the caller times and checks itself
//! (`idpsim load import --lookups`).
//!
//! A lookup is a few hundred bytes each way, so what a request costs here
//! is bookkeeping, not I/O: on hyper's client that was a header map built
//! and encoded per request, a dispatcher task per connection and a body
//! stream collected into a buffer, together most of the load side's CPU
//! per lookup. Here the request's head is written once
//! ([`RequestHead`]), each request is one write of its path and that head,
//! the answer's head is parsed by `httparse` in place and its body is a
//! slice of the read buffer. Only what a GET's answer needs is read:
//! `Content-Length`, chunked transfer coding, `Connection: close` and
//! `Retry-After`, each bounded.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower_service::Service;

use super::{AuthHeader, ClientError, MAX_RESPONSE_BYTES, Response, ScimClient, with_causes};

type Io = TokioIo<<HttpsConnector<HttpConnector> as Service<http::Uri>>::Response>;

/// The most an answer's head may take: far more than any SCIM server
/// sends, and a bound on what a target that never ends its head costs.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header fields read from a head.
const MAX_HEADERS: usize = 64;
/// What each read asks the socket for at least.
const READ_CHUNK: usize = 16 * 1024;

/// A connection made on first use and made again when the target closes
/// it. One request at a time; a clone makes a connection of its own.
///
/// Small on purpose (what it dials with is shared, the open stream is
/// boxed): a load run's sender moves its connection in and out of its
/// session, and the futures that hold it, on every request.
pub struct Connection {
    dial: Arc<Dial>,
    /// Boxed: an open TLS stream is over a kilobyte.
    open: Option<Box<Open>>,
    /// The request being written, kept to reuse its allocation.
    out: Vec<u8>,
}

/// What every connection of a client is made and authenticated with.
struct Dial {
    connector: HttpsConnector<HttpConnector>,
    /// The target's origin, to connect to.
    origin: http::Uri,
    timeout: std::time::Duration,
    auth_header: Arc<AuthHeader>,
}

struct Open {
    io: Io,
    /// What was read and not yet consumed; an answer's body is split off
    /// it, so a buffer is reused once the caller drops the body.
    buf: BytesMut,
    /// Whether a request has been answered on it: a reused connection the
    /// target closed while idle is made again and the request sent once
    /// more, which a GET allows (RFC 9110 §9.2.2).
    used: bool,
}

/// Everything of a GET after its request line: `Host`, the caller's
/// headers and the client's credentials, written once. Its `Debug` does not
/// show it, since it holds the credentials.
#[derive(Clone)]
pub struct RequestHead(Bytes);

impl std::fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestHead({} bytes)", self.0.len())
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("origin", &self.dial.origin)
            .field("open", &self.open.is_some())
            .finish()
    }
}

impl Clone for Connection {
    fn clone(&self) -> Self {
        Connection {
            dial: self.dial.clone(),
            open: None,
            out: Vec::new(),
        }
    }
}

impl Connection {
    pub(super) fn new(client: &ScimClient) -> Connection {
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
            dial: Arc::new(Dial {
                connector: client.connector.clone(),
                origin,
                timeout: client.config.timeout,
                auth_header: client.auth_header.clone(),
            }),
            open: None,
            out: Vec::new(),
        }
    }

    /// The head of every GET this connection's client sends with
    /// `headers`: `Host` (the base URL's authority), those headers, then
    /// the credentials. An error when the credentials do not make a valid
    /// header (not shown: they are a credential).
    pub fn head(&self, headers: &http::HeaderMap) -> Result<RequestHead, ClientError> {
        let mut out = Vec::with_capacity(256);
        if let Some(authority) = self.dial.origin.authority() {
            put_field(&mut out, "host", authority.as_str().as_bytes());
        }
        for (name, value) in headers {
            if name != http::header::HOST {
                put_field(&mut out, name.as_str(), value.as_bytes());
            }
        }
        match &*self.dial.auth_header {
            AuthHeader::None => {}
            AuthHeader::Ready(name, value) => put_field(&mut out, name.as_str(), value.as_bytes()),
            AuthHeader::Invalid(name, _) => {
                return Err(ClientError::Transport(format!(
                    "cannot build the request: the credentials do not make a valid {name} header"
                )));
            }
        }
        out.extend_from_slice(b"\r\n");
        Ok(RequestHead(out.into()))
    }

    /// A GET of `path_and_query` (origin-form: `/scim/v2/Users?…`, as an
    /// `http::Uri` has checked it) with `head`, sent within the client's
    /// timeout and not recorded: no exchange, no injected faults, no retry
    /// (but once on a fresh connection when a reused one turns out closed),
    /// and no answer header kept but `Retry-After`.
    pub async fn get(
        &mut self,
        path_and_query: &http::uri::PathAndQuery,
        head: &RequestHead,
    ) -> Result<Response, ClientError> {
        self.out.clear();
        self.out.extend_from_slice(b"GET ");
        self.out
            .extend_from_slice(path_and_query.as_str().as_bytes());
        self.out.extend_from_slice(b" HTTP/1.1\r\n");
        self.out.extend_from_slice(&head.0);
        let timeout = self.dial.timeout;
        match tokio::time::timeout(timeout, self.exchange()).await {
            Err(_) => {
                // The answer may still come on this connection: not reused.
                self.open = None;
                Err(ClientError::Timeout(timeout))
            }
            Ok(r) => r,
        }
    }

    async fn exchange(&mut self) -> Result<Response, ClientError> {
        loop {
            let mut open = match self.open.take() {
                Some(o) => o,
                // Boxed: connecting is rare, and its future is large.
                None => Box::pin(self.dial.connect()).await?,
            };
            let reused = open.used;
            match send(&mut open, &self.out).await {
                Ok(Some(answer)) => {
                    if answer.reusable {
                        open.used = true;
                        self.open = Some(open);
                    }
                    return Ok(answer.response);
                }
                // Closed before a byte of the answer came.
                Ok(None) if reused => continue,
                Ok(None) => {
                    return Err(ClientError::Transport(
                        "the target closed the connection without answering".into(),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Dial {
    async fn connect(&self) -> Result<Box<Open>, ClientError> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| ClientError::Connect(with_causes(&*e)))?;
        let io = connector
            .call(self.origin.clone())
            .await
            .map_err(|e| ClientError::Connect(with_causes(&*e)))?;
        Ok(Box::new(Open {
            io: TokioIo::new(io),
            buf: BytesMut::with_capacity(READ_CHUNK),
            used: false,
        }))
    }
}

fn put_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// An answer read off a connection, and whether the connection may carry
/// the next request.
struct Answer {
    response: Response,
    reusable: bool,
}

/// How an answer's body ends (RFC 9112 §6.3).
pub(crate) enum Framing {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

/// Writes `request` and reads its answer. `None` when the connection ended
/// before any byte of an answer.
async fn send(open: &mut Open, request: &[u8]) -> Result<Option<Answer>, ClientError> {
    let io_error = |e: std::io::Error| ClientError::Transport(with_causes(&e));
    open.buf.clear();
    if let Err(e) = open.io.write_all(request).await {
        // A reused connection the target had closed: sent again on a new one.
        return if open.used && is_reset(&e) {
            Ok(None)
        } else {
            Err(io_error(e))
        };
    }
    open.io.flush().await.map_err(io_error)?;
    let (status, framing, close, retry_after) = loop {
        match parse_head(&open.buf)? {
            Some((len, head)) => {
                open.buf.advance(len);
                // An interim answer (100 Continue and the like) is
                // followed by the real one.
                if (100..200).contains(&head.0) && head.0 != 101 {
                    continue;
                }
                break head;
            }
            None if open.buf.len() >= MAX_HEAD_BYTES => {
                return Err(ClientError::Transport(format!(
                    "the answer's head is longer than {MAX_HEAD_BYTES} bytes"
                )));
            }
            None => {
                let started = !open.buf.is_empty();
                match fill(open).await {
                    Ok(true) => {}
                    Ok(false) if started => {
                        return Err(ClientError::Transport(
                            "the target closed the connection within the answer's head".into(),
                        ));
                    }
                    Ok(false) => return Ok(None),
                    Err(e) if !started && open.used && is_reset(&e) => return Ok(None),
                    Err(e) => return Err(io_error(e)),
                }
            }
        }
    };
    let (body, reusable) = match framing {
        Framing::None => (Bytes::new(), !close && status != 101),
        Framing::Length(n) => {
            open.buf.reserve(n.saturating_sub(open.buf.len()));
            while open.buf.len() < n {
                if !fill(open).await.map_err(io_error)? {
                    return Err(ClientError::Transport(format!(
                        "the target closed the connection after {} of the body's {n} bytes",
                        open.buf.len()
                    )));
                }
            }
            (open.buf.split_to(n).freeze(), !close)
        }
        Framing::Chunked => (read_chunked(open).await?, !close),
        Framing::UntilClose => {
            while fill(open).await.map_err(io_error)? {
                if open.buf.len() > MAX_RESPONSE_BYTES {
                    return Err(too_long());
                }
            }
            (open.buf.split().freeze(), false)
        }
    };
    Ok(Some(Answer {
        response: Response {
            status,
            headers: Vec::new(),
            retry_after,
            body,
        },
        reusable,
    }))
}

/// What a head says: status, framing, whether the target closes after it,
/// and `Retry-After` in seconds.
pub(crate) type Head = (u16, Framing, bool, Option<u64>);

/// The answer's head at the start of `buf` and its length, or `None` when
/// more must be read.
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(usize, Head)>, ClientError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut answer = httparse::Response::new(&mut fields);
    let len = match answer.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(ClientError::Transport(format!(
                "the answer has more than {MAX_HEADERS} header fields"
            )));
        }
        Err(e) => {
            return Err(ClientError::Transport(format!(
                "the answer is not HTTP/1.1: {e}"
            )));
        }
    };
    let status = answer.code.unwrap_or_default();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut close = answer.version == Some(0);
    let mut retry_after = None;
    for field in answer.headers.iter() {
        let value = field.value;
        if field.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| bad_field("Content-Length", value))?;
            if length.is_some_and(|m| m != n) {
                return Err(bad_field("Content-Length", value));
            }
            length = Some(n);
        } else if field.name.eq_ignore_ascii_case("transfer-encoding") {
            // Only the last coding decides whether the body is chunked.
            chunked = value
                .rsplit(|b| *b == b',')
                .next()
                .is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if field.name.eq_ignore_ascii_case("connection") {
            close |= value
                .split(|b| *b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"));
        } else if field.name.eq_ignore_ascii_case("retry-after") {
            retry_after = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
        }
    }
    let framing = if status < 200 || status == 204 || status == 304 {
        Framing::None
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        if n > MAX_RESPONSE_BYTES {
            return Err(too_long());
        }
        Framing::Length(n)
    } else {
        Framing::UntilClose
    };
    Ok(Some((len, (status, framing, close, retry_after))))
}

/// A chunked body, its chunks joined, its trailer fields read and dropped.
async fn read_chunked(open: &mut Open) -> Result<Bytes, ClientError> {
    let mut body = BytesMut::new();
    loop {
        let (len, size) = loop {
            match httparse::parse_chunk_size(&open.buf) {
                Ok(httparse::Status::Complete(c)) => break c,
                Ok(httparse::Status::Partial) if open.buf.len() < MAX_HEAD_BYTES => {
                    need_more(open, "a chunk's size").await?;
                }
                _ => {
                    return Err(ClientError::Transport(
                        "the answer's chunked body is malformed".into(),
                    ));
                }
            }
        };
        open.buf.advance(len);
        let size = usize::try_from(size)
            .ok()
            .filter(|s| body.len().saturating_add(*s) <= MAX_RESPONSE_BYTES)
            .ok_or_else(too_long)?;
        if size == 0 {
            break;
        }
        while open.buf.len() < size + 2 {
            need_more(open, "a chunk").await?;
        }
        if &open.buf[size..size + 2] != b"\r\n" {
            return Err(ClientError::Transport(
                "the answer's chunked body is malformed: a chunk does not end in CRLF".into(),
            ));
        }
        body.extend_from_slice(&open.buf[..size]);
        open.buf.advance(size + 2);
    }
    // The trailer section, up to its empty line. The fields' array is
    // dropped before any await, so that it is not part of the future.
    loop {
        let parsed = {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            match httparse::parse_headers(&open.buf, &mut fields) {
                Ok(httparse::Status::Complete((len, _))) => Some(len),
                Ok(httparse::Status::Partial) if open.buf.len() < MAX_HEAD_BYTES => None,
                _ => {
                    return Err(ClientError::Transport(
                        "the answer's chunked body has a malformed trailer".into(),
                    ));
                }
            }
        };
        match parsed {
            Some(len) => {
                open.buf.advance(len);
                return Ok(body.freeze());
            }
            None => need_more(open, "the trailer").await?,
        }
    }
}

/// Reads more, failing when the target closes in the middle of `what`.
async fn need_more(open: &mut Open, what: &str) -> Result<(), ClientError> {
    match fill(open).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ClientError::Transport(format!(
            "the target closed the connection within {what}"
        ))),
        Err(e) => Err(ClientError::Transport(with_causes(&e))),
    }
}

/// Reads what the socket has into the buffer: `false` at its end.
async fn fill(open: &mut Open) -> std::io::Result<bool> {
    open.buf.reserve(READ_CHUNK);
    Ok(open.io.read_buf(&mut open.buf).await? > 0)
}

fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::ConnectionAborted
    )
}

fn bad_field(name: &str, value: &[u8]) -> ClientError {
    ClientError::Transport(format!(
        "the answer's {name} is not valid: {:?}",
        String::from_utf8_lossy(&value[..value.len().min(64)])
    ))
}

fn too_long() -> ClientError {
    ClientError::Transport(format!(
        "reading the response: the body is longer than {MAX_RESPONSE_BYTES} bytes"
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::{ClientError, Connection, MAX_HEAD_BYTES, RequestHead};
    use crate::client::{Auth, ClientConfig, ScimClient};

    /// What a scripted target does on a connection, in order.
    #[derive(Clone)]
    enum Step {
        /// Reads one request's head and keeps it.
        Read,
        /// Writes these bytes at once.
        Write(Vec<u8>),
        /// Writes these bytes one at a time, so every read sees a piece.
        Trickle(Vec<u8>),
        /// Keeps the connection open and says nothing.
        Hang,
    }

    /// A target on loopback that plays one script per connection, in the
    /// order connections come, and keeps every request head it read. A
    /// script's end closes its connection.
    struct Scripted {
        url: String,
        heads: Arc<Mutex<Vec<String>>>,
        accepted: Arc<Mutex<usize>>,
    }

    async fn scripted(scripts: Vec<Vec<Step>>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(0));
        let (h, a) = (heads.clone(), accepted.clone());
        tokio::spawn(async move {
            for script in scripts {
                let (stream, _) = listener.accept().await.unwrap();
                *a.lock().unwrap() += 1;
                tokio::spawn(play(stream, script, h.clone()));
            }
        });
        Scripted {
            url,
            heads,
            accepted,
        }
    }

    async fn play(mut stream: TcpStream, script: Vec<Step>, heads: Arc<Mutex<Vec<String>>>) {
        let mut pending = Vec::new();
        for step in script {
            match step {
                Step::Read => loop {
                    if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head: Vec<u8> = pending.drain(..end + 4).collect();
                        heads.lock().unwrap().push(String::from_utf8(head).unwrap());
                        break;
                    }
                    let mut chunk = [0u8; 1024];
                    let n = stream.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the client closed before its request ended");
                    pending.extend_from_slice(&chunk[..n]);
                },
                Step::Write(bytes) => stream.write_all(&bytes).await.unwrap(),
                Step::Trickle(bytes) => {
                    for b in bytes {
                        stream.write_all(&[b]).await.unwrap();
                        stream.flush().await.unwrap();
                        tokio::task::yield_now().await;
                    }
                }
                Step::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
        }
    }

    fn connection(url: &str, timeout: Duration) -> (Connection, RequestHead) {
        let mut config = ClientConfig::new(url, Auth::Bearer("s3cret-token".into()));
        config.timeout = timeout;
        let connection = ScimClient::new(config).unwrap().connection();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/scim+json"),
        );
        let head = connection.head(&headers).unwrap();
        (connection, head)
    }

    fn path(p: &'static str) -> http::uri::PathAndQuery {
        http::uri::PathAndQuery::from_static(p)
    }

    const OK: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 2\r\n\r\n{}";

    #[tokio::test]
    async fn a_request_is_written_once_whole_and_its_connection_kept() {
        let t = scripted(vec![vec![
            Step::Read,
            Step::Write(OK.to_vec()),
            Step::Read,
            Step::Write(OK.to_vec()),
        ]])
        .await;
        let (mut c, head) = connection(&t.url, Duration::from_secs(10));
        for _ in 0..2 {
            let r = c.get(&path("/scim/v2/Users?count=1"), &head).await.unwrap();
            assert_eq!((r.status, &r.body[..]), (200, &b"{}"[..]));
        }
        assert_eq!(*t.accepted.lock().unwrap(), 1, "one connection for both");
        let host = t
            .url
            .trim_start_matches("http://")
            .trim_end_matches("/scim/v2");
        assert_eq!(
            t.heads.lock().unwrap()[0],
            format!(
                "GET /scim/v2/Users?count=1 HTTP/1.1\r\nhost: {host}\r\naccept: application/scim+json\r\nauthorization: Bearer s3cret-token\r\n\r\n"
            )
        );
        assert!(!format!("{head:?}{c:?}").contains("s3cret"), "{head:?}");
    }

    #[tokio::test]
    async fn a_chunked_answer_read_a_byte_at_a_time_after_an_interim_one() {
        let answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: y\r\n\r\n";
        let t = scripted(vec![vec![
            Step::Read,
            Step::Trickle(answer.to_vec()),
            Step::Read,
            Step::Write(OK.to_vec()),
        ]])
        .await;
        let (mut c, head) = connection(&t.url, Duration::from_secs(10));
        let r = c.get(&path("/x"), &head).await.unwrap();
        assert_eq!(
            (r.status, r.retry_after, &r.body[..]),
            (429, Some(7), &b"{\"a\":1}"[..])
        );
        // The trailer was read to its end: the next answer starts clean.
        let r = c.get(&path("/x"), &head).await.unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &b"{}"[..]));
        assert_eq!(*t.accepted.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn a_connection_the_target_closed_is_made_again() {
        let close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";
        let t = scripted(vec![
            // Closed while idle after an answer that said nothing of it.
            vec![Step::Read, Step::Write(OK.to_vec())],
            // Closed as its answer said.
            vec![Step::Read, Step::Write(close.to_vec())],
            vec![Step::Read, Step::Write(OK.to_vec())],
        ])
        .await;
        let (mut c, head) = connection(&t.url, Duration::from_secs(10));
        for _ in 0..3 {
            let r = c.get(&path("/x"), &head).await.unwrap();
            assert_eq!(r.status, 200);
            // Let the idle close reach the client before it writes again.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(*t.accepted.lock().unwrap(), 3);
        assert_eq!(t.heads.lock().unwrap().len(), 3, "no request sent twice");
    }

    #[tokio::test]
    async fn a_body_without_length_ends_with_the_connection() {
        let t = scripted(vec![vec![
            Step::Read,
            Step::Write(b"HTTP/1.1 200 OK\r\n\r\n{\"until\":\"close\"}".to_vec()),
        ]])
        .await;
        let (mut c, head) = connection(&t.url, Duration::from_secs(10));
        let r = c.get(&path("/x"), &head).await.unwrap();
        assert_eq!(&r.body[..], br#"{"until":"close"}"#);
    }

    /// Each way a target can fail a request ends in an error that says
    /// what happened, never a hang or a panic.
    #[tokio::test]
    async fn a_broken_answer_is_an_error_that_names_it() {
        let long_head = {
            let mut h = b"HTTP/1.1 200 OK\r\nX-Padding: ".to_vec();
            h.resize(MAX_HEAD_BYTES + 1, b'a');
            h
        };
        let many_fields = {
            let mut h = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..=super::MAX_HEADERS {
                h.extend_from_slice(format!("X-{i}: a\r\n").as_bytes());
            }
            h.extend_from_slice(b"\r\n");
            h
        };
        let cases: Vec<(Vec<Step>, &str)> = vec![
            (
                vec![Step::Read, Step::Write(b"hello there\r\n\r\n".to_vec())],
                "not HTTP/1.1",
            ),
            (vec![Step::Read, Step::Write(long_head)], "head is longer"),
            (
                vec![Step::Read, Step::Write(many_fields)],
                "more than 64 header",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}".to_vec()),
                ],
                "after 2 of the body's 10 bytes",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n".to_vec()),
                ],
                "Content-Length is not valid",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n".to_vec()),
                ],
                "longer than",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX".to_vec(),
                    ),
                ],
                "does not end in CRLF",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
                    ),
                ],
                "chunked body is malformed",
            ),
            (
                vec![
                    Step::Read,
                    Step::Write(b"HTTP/1.1 200 OK\r\nConte".to_vec()),
                ],
                "within the answer's head",
            ),
            (vec![Step::Read], "closed the connection without answering"),
        ];
        for (script, expected) in cases {
            let t = scripted(vec![script]).await;
            let (mut c, head) = connection(&t.url, Duration::from_secs(10));
            let e = c.get(&path("/x"), &head).await.unwrap_err();
            assert!(
                matches!(&e, ClientError::Transport(m) if m.contains(expected)),
                "expected {expected:?}, got {e}"
            );
        }
    }

    #[tokio::test]
    async fn a_target_that_never_answers_times_out_and_is_not_reused() {
        let t = scripted(vec![
            vec![Step::Read, Step::Hang],
            vec![Step::Read, Step::Write(OK.to_vec())],
        ])
        .await;
        let (mut c, head) = connection(&t.url, Duration::from_millis(200));
        let e = c.get(&path("/x"), &head).await.unwrap_err();
        assert!(matches!(e, ClientError::Timeout(_)), "{e}");
        let r = c.get(&path("/x"), &head).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(*t.accepted.lock().unwrap(), 2);
    }

    /// The connection goes through the client's connector, TLS included: a
    /// certificate no root vouches for is refused at the handshake.
    #[tokio::test]
    async fn an_untrusted_https_target_is_a_connect_error() {
        let m = idpsim_certs::Material::fixtures();
        let tls = idpsim_server::tls_config(&m.tls.cert_pem, &m.tls.key_pem).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_stop, stopped) = tokio::sync::oneshot::channel();
        let router = axum::Router::new().route("/Users", axum::routing::get(|| async { "{}" }));
        tokio::spawn(idpsim_server::run_tls(listener, router, stopped, tls));
        let (mut c, head) = connection(&format!("https://{addr}"), Duration::from_secs(10));
        match c.get(&path("/Users"), &head).await {
            Err(ClientError::Connect(why)) => assert!(why.contains("certificate"), "{why}"),
            other => panic!("expected a connect error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn credentials_that_make_no_header_are_refused_without_showing_them() {
        let config = ClientConfig::new(
            "http://127.0.0.1:9/scim/v2",
            Auth::Bearer("bad\ntoken".into()),
        );
        let c = ScimClient::new(config).unwrap().connection();
        let e = c.head(&http::HeaderMap::new()).unwrap_err();
        assert!(!e.to_string().contains("bad"), "{e}");
    }

    /// A load run's sender moves its connection, and the future of each
    /// GET, on every request: both stay a few hundred bytes. The TLS
    /// stream (over a kilobyte) and a trailer's field array (two) once made
    /// the future 3.6 KB, copied per lookup.
    #[test]
    fn a_connection_and_its_get_stay_small_to_move() {
        let (mut c, head) = connection("http://127.0.0.1:9/scim/v2", Duration::from_secs(1));
        assert!(std::mem::size_of::<Connection>() <= 64);
        let p = path("/Users");
        let get = c.get(&p, &head);
        assert!(
            std::mem::size_of_val(&get) <= 512,
            "{}",
            std::mem::size_of_val(&get)
        );
    }
}
