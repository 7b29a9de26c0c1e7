//! Headless Debian Chromium driven over WebDriver, for the tests that
//! look at a page: chromedriver on a free port, a fresh profile per
//! session, and flags that keep Chromium from reaching out (no component
//! downloads, no sync, no QUIC). Nothing here downloads a browser: both
//! come from Debian's `chromium` and `chromium-driver`, which
//! `scripts/test` installs. Included with `#[path]` by `tests/browser.rs`
//! and by `conformance/tests/html_report.rs`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A WebDriver session with headless Chromium; chromedriver is killed and
/// the profile removed when it is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Ends the session (Chromium quits), then drops the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and opens a session of a `width`×`height` window
/// with a profile of its own, named after `name` and this process.
pub async fn launch(name: &str, (width, height): (u32, u32)) -> Browser {
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (Debian packages chromium and chromium-driver; scripts/test installs them)");
    let profile = std::env::temp_dir().join(format!("idpsim-{name}-{}", std::process::id()));
    let mut listening = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            listening = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--window-size={width},{height}"));
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": args}),
    );
    let session = if listening {
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| e.to_string())
    } else {
        Err(format!(
            "chromedriver did not listen on port {port} within 10 s"
        ))
    };
    match session {
        Ok(client) => Browser {
            client,
            driver,
            profile,
        },
        Err(e) => {
            let mut driver = driver;
            let _ = driver.kill();
            let _ = driver.wait();
            let _ = std::fs::remove_dir_all(&profile);
            panic!(
                "WebDriver session with headless Chromium (Debian package chromium at /usr/bin/chromium): {e}"
            );
        }
    }
}
