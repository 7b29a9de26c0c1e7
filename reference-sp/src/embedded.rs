//! The reference SP as the target a command or a test starts for itself when
//! it is given none: `idpsim play`, `conform`, `load` and the conformance
//! suite's own `cargo test` all start it here, so they agree on where it
//! lives (SCIM base, reset, SAML login) and on how it stops.

use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::{Config, Handle, spawn};

/// A running reference SP and the addresses a client needs.
#[derive(Debug)]
pub struct Embedded {
    base_url: String,
    token: String,
    origin: String,
    primary_owner: Option<String>,
    running: Running,
}

/// Where the server's tasks run.
#[derive(Debug)]
enum Running {
    /// On the caller's runtime.
    Here(Handle),
    /// On a thread with a single-threaded runtime of its own, so that a load
    /// generator on the caller's runtime cannot starve it (and its CPU shows
    /// apart in a profile). Dropping `stop` stops the server.
    Thread {
        stop: oneshot::Sender<()>,
        thread: JoinHandle<()>,
    },
}

impl Embedded {
    /// Starts the server on the caller's runtime.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        let primary_owner = config.tenant.primary_owner.clone();
        let sp = spawn(config).await?;
        Ok(Embedded {
            base_url: sp.base_url().to_owned(),
            token: sp.token().to_owned(),
            origin: sp.origin(),
            primary_owner,
            running: Running::Here(sp),
        })
    }

    /// Starts the server on a thread of its own and returns once it accepts
    /// connections. Callable with or without a runtime.
    pub fn start_on_own_thread(config: Config) -> std::io::Result<Self> {
        let primary_owner = config.tenant.primary_owner.clone();
        let (ready, started) =
            std::sync::mpsc::channel::<std::io::Result<(String, String, String)>>();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("reference-sp".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match spawn(config).await {
                        Ok(sp) => {
                            let _ = ready.send(Ok((
                                sp.base_url().to_owned(),
                                sp.token().to_owned(),
                                sp.origin(),
                            )));
                            let _ = stopped.await;
                            sp.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                        }
                    }
                });
            })?;
        let (base_url, token, origin) = started.recv().map_err(|_| {
            std::io::Error::other("the reference SP's thread ended before it started")
        })??;
        Ok(Embedded {
            base_url,
            token,
            origin,
            primary_owner,
            running: Running::Thread { stop, thread },
        })
    }

    /// The SCIM base URL, e.g. `http://127.0.0.1:41234/scim/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bearer token clients must send.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The server's origin, e.g. `http://127.0.0.1:41234`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The admin endpoint that empties the tenant (the Primary Owner stays).
    pub fn reset_url(&self) -> String {
        format!("{}/admin/reset", self.origin)
    }

    /// Where a browser starts an SP-initiated SAML login.
    pub fn login_url(&self) -> String {
        format!("{}/saml/login", self.origin)
    }

    /// Where a browser session shows who it is signed in as.
    pub fn whoami_url(&self) -> String {
        format!("{}/whoami", self.origin)
    }

    /// The account a reset keeps and a client must not delete.
    pub fn primary_owner(&self) -> Option<&str> {
        self.primary_owner.as_deref()
    }

    /// The reference SP's own handle, when it runs on the caller's runtime
    /// (tests that inspect the tenant directly).
    pub fn handle(&self) -> Option<&Handle> {
        match &self.running {
            Running::Here(h) => Some(h),
            Running::Thread { .. } => None,
        }
    }

    /// Stops accepting connections and waits for in-flight requests (and
    /// for the server's thread, when it has one).
    pub async fn shutdown(self) {
        match self.running {
            Running::Here(h) => h.shutdown().await,
            Running::Thread { stop, thread } => {
                drop(stop);
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn users_status(sp: &Embedded) -> u16 {
        let url = format!("{}/Users", sp.base_url());
        get_status(&url, sp.token()).await.expect("an answer")
    }

    /// A minimal HTTP/1.1 GET over a TCP stream: the crate has no HTTP client
    /// dependency, and one status line is all these tests read.
    async fn get_status(url: &str, token: &str) -> std::io::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut s = tokio::net::TcpStream::connect(host).await?;
        s.write_all(
            format!(
                "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
        let mut head = vec![0u8; 12];
        s.read_exact(&mut head).await?;
        let text = String::from_utf8_lossy(&head);
        text[9..12].parse().map_err(std::io::Error::other)
    }

    #[tokio::test]
    async fn on_the_callers_runtime_it_serves_and_stops() {
        let sp = Embedded::start(Config::default()).await.unwrap();
        assert_eq!(users_status(&sp).await, 200);
        assert!(sp.handle().is_some());
        assert_eq!(sp.reset_url(), format!("{}/admin/reset", sp.origin()));
        let base = sp.base_url().to_owned();
        let token = sp.token().to_owned();
        sp.shutdown().await;
        assert!(get_status(&format!("{base}/Users"), &token).await.is_err());
    }

    #[tokio::test]
    async fn on_its_own_thread_it_serves_and_stops() {
        let config = Config::default();
        let owner = config.tenant.primary_owner.clone();
        let sp = Embedded::start_on_own_thread(config).unwrap();
        assert_eq!(users_status(&sp).await, 200);
        assert!(sp.handle().is_none());
        assert_eq!(sp.primary_owner(), owner.as_deref());
        let base = sp.base_url().to_owned();
        let token = sp.token().to_owned();
        sp.shutdown().await;
        assert!(get_status(&format!("{base}/Users"), &token).await.is_err());
    }
}
