//! The reference service provider: an in-memory SCIM 2.0 server modelled on
//! an enterprise SaaS tenant. It is idpsim's default target when no
//! `--target` is given, and the fixture of idpsim's own tests.
//!
//! It must stay independent of the harness (it never uses `simulator` or
//! `conformance`): a target that shares the judge's code proves nothing.
//!
//! # Layout
//!
//! - [`config`]: token, limits, tenant rules and [`Quirk`]s, the named
//!   switches that each break one behaviour on purpose.
//! - [`account_key`]: the one rule for when two `userName`s are the same
//!   account, shared by SCIM uniqueness and SAML sign-in.
//! - [`store`]: records, creation order and the O(1) indexes.
//! - [`tenant`]: SCIM semantics over the store: uniqueness, the Primary
//!   Owner, seats, membership, ETags, listing with index plans.
//! - [`audit`]: the bounded log of identity events.
//! - [`saml`]: the SAML service provider: a strict ACS with its own
//!   parser, exclusive c14n and signature verifier, sessions, `/whoami`.
//! - `http`: routes, authentication, limits, error bodies.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config::default()).await?;
//! println!("SCIM base URL {} with bearer token {}", sp.base_url(), sp.token());
//! sp.shutdown().await;
//! # Ok(()) }
//! ```

pub mod account_key;
pub mod audit;
pub mod bulk;
pub mod config;
mod embedded;
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod membership;
mod minimal_schema;
pub mod saml;
pub mod store;
pub mod tenant;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

pub use config::{Config, GroupRule, Limits, ProvisioningMode, Quirk, Role, SeatTier, TenantRules};
pub use embedded::Embedded;
pub use http::SCIM_PREFIX;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running reference SP.
#[derive(Debug)]
pub struct Handle {
    addr: SocketAddr,
    base_url: String,
    token: String,
    tenant: Arc<tenant::Tenant>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Handle {
    /// The SCIM base URL, e.g. `http://127.0.0.1:41234/scim/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The server's origin, e.g. `http://127.0.0.1:41234`; admin endpoints
    /// live under `/admin` there.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The bearer token clients must send.
    pub fn token(&self) -> &str {
        &self.token
    }
    /// The tenant, for tests that inspect state directly.
    pub fn tenant(&self) -> &Arc<tenant::Tenant> {
        &self.tenant
    }
    /// Stops accepting connections and waits for in-flight requests.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    fn stop_now(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts a reference SP on 127.0.0.1 (a free port unless `config.port`
/// names one) and returns once it accepts connections.
pub async fn spawn(config: Config) -> std::io::Result<Handle> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port))).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}{SCIM_PREFIX}");
    let token = config
        .token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let origin = format!("http://{addr}");
    let acs_url = format!("{origin}/saml/acs");
    let acs = url::Url::parse(&acs_url).map_err(std::io::Error::other)?;
    let saml = config.saml.clone().map(|c| {
        Arc::new(http::saml::SamlSide {
            validator: saml::Validator {
                sp_entity_id: c
                    .sp_entity_id
                    .clone()
                    .unwrap_or_else(|| format!("{origin}/saml/metadata")),
                acs_url,
                config: c,
            },
            store: saml::SessionStore::default(),
            acs,
            pool: saml::VerifyPool::default(),
            broken: Default::default(),
        })
    });
    let tenant = Arc::new(tenant::Tenant::new(config, base_url.clone()));
    let app = http::App {
        tenant: tenant.clone(),
        token: Arc::from(token.as_str()),
        saml,
        in_flight: Arc::default(),
    };
    let router = http::router(app);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(idpsim_server::run(listener, router, stopped));
    Ok(Handle {
        addr,
        base_url,
        token,
        tenant,
        stop: Some(stop),
        task: Some(task),
    })
}
