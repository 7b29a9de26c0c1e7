//! `ScimClient::connection`: one connection reused for every request while
//! the target keeps it open, made again when the target closes it, each
//! request carrying the credentials and the caller's headers.

use std::sync::{Arc, Mutex};

use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A target answering `{}` to every request; with `close`, it closes each
/// connection after one answer. Returns its base URL, the connections it
/// accepted and the request heads it read.
async fn target(close: bool) -> (String, Arc<Mutex<usize>>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (a, h) = (accepted.clone(), heads.clone());
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            *a.lock().unwrap() += 1;
            let h = h.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head: Vec<u8> = buf.drain(..end + 4).collect();
                        h.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&head).into_owned());
                        let connection = if close { "close" } else { "keep-alive" };
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: {connection}\r\n\r\n{{}}"
                        );
                        s.write_all(answer.as_bytes()).await.unwrap();
                        if close {
                            return;
                        }
                    }
                }
            });
        }
    });
    (base, accepted, heads)
}

#[tokio::test]
async fn one_connection_while_open_and_a_new_one_once_closed() {
    for close in [false, true] {
        let (base, accepted, heads) = target(close).await;
        let client = ScimClient::new(ClientConfig::new(&base, Auth::Bearer("tok".into()))).unwrap();
        let mut conn = client.connection();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            "application/scim+json".parse().unwrap(),
        );
        let head = conn.head(&headers).unwrap();
        for i in 0..3 {
            let path: http::uri::PathAndQuery = format!("/scim/v2/Users?n={i}").parse().unwrap();
            let r = conn.get(&path, &head).await.unwrap();
            assert_eq!(
                (r.status, &r.body[..]),
                (200, &b"{}"[..]),
                "close {close}, request {i}"
            );
        }
        assert_eq!(
            *accepted.lock().unwrap(),
            if close { 3 } else { 1 },
            "close {close}"
        );
        let heads = heads.lock().unwrap();
        assert_eq!(heads.len(), 3);
        let host = base
            .trim_start_matches("http://")
            .trim_end_matches("/scim/v2");
        for (i, h) in heads.iter().enumerate() {
            let h = h.to_ascii_lowercase();
            assert!(
                h.starts_with(&format!("get /scim/v2/users?n={i} http/1.1\r\n")),
                "{h}"
            );
            assert!(h.contains("authorization: bearer tok\r\n"), "{h}");
            assert!(h.contains(&format!("host: {host}\r\n")), "{h}");
            assert!(h.contains("accept: application/scim+json\r\n"), "{h}");
        }
    }
}
