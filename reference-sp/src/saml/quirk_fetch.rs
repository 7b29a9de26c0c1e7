//! The `dereference-urls` quirk: what an SP that resolves external
//! entities, RetrievalMethods and XSLT `document()` calls does with the
//! URLs a message names. Only loopback http URLs are fetched, so a test
//! of the quirk never reaches past the machine.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// GETs every `http://127.0.0.1:PORT/...` URL in `xml`, ignoring answers.
pub fn fetch_named_urls(xml: &[u8]) {
    let text = String::from_utf8_lossy(xml);
    for (i, _) in text.match_indices("http://127.0.0.1:") {
        let rest = &text[i + "http://".len()..];
        let end = rest
            .find(|c: char| c == '"' || c == '\'' || c == '<' || c.is_whitespace())
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let (host, path) = url.split_once('/').map_or((url, ""), |(h, p)| (h, p));
        let Ok(addr) = host.parse::<SocketAddr>() else {
            continue;
        };
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
            let _ = s.write_all(request.as_bytes());
            let mut sink = [0u8; 512];
            let _ = s.read(&mut sink);
        }
    }
}
