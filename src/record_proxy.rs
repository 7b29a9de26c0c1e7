//! `idpsim record-proxy`: a recording reverse proxy between a real IdP's
//! provisioning job and a SCIM server; what passes through becomes a
//! fixture that `idpsim replay` sends to any other server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use idpsim_certs::Material;
use idpsim_simulator::fixtures::proxy::{self, ProxyConfig};
use idpsim_simulator::fixtures::redact::Secrets;

#[derive(Debug, clap::Args)]
#[command(after_help = "EXAMPLES:
  idpsim record-proxy --listen 127.0.0.1:8443 --upstream https://scim.internal.example/scim/v2 --out captures/
      then point the IdP's SCIM connector (through your tunnel) at the proxy, and press Ctrl-C when done
  idpsim record-proxy --listen 127.0.0.1:8443 --upstream http://127.0.0.1:8080/scim/v2 --out captures/ \\
      --tls --certs my-certs/ --redact employeeSsn --har captures/capture.har
  idpsim replay captures/okta-20261201T101500Z.json --target http://127.0.0.1:9000/scim/v2 --token t

Requests and answers are forwarded unchanged, streaming; each exchange is kept
(bodies up to --max-body) and written as the same normalised fixture `play --record`
writes: <idp>-<start time>.json in --out, named after the IdP recognised from the
traffic (okta, okta-aiw, entra, entra-2020, google, unknown). Authorization,
cookies and any header, body field or query parameter whose name contains a
secret pattern (password, secret, token, api-key, apikey, credential, private,
and each --redact) are redacted. The file is rewritten every few seconds while
traffic comes, and once more on Ctrl-C.")]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The SCIM server's URL; each request's path and query are appended to it.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Folder for the fixtures.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also redact headers, body fields and query parameters whose name contains this (repeatable).
    #[arg(long, value_name = "PATTERN")]
    redact: Vec<String>,
    /// Serve HTTPS with the TLS leaf from --certs (or the TEST-ONLY fixtures).
    #[arg(long)]
    tls: bool,
    /// Directory written by `idpsim certs init`.
    #[arg(long, value_name = "DIR")]
    certs: Option<PathBuf>,
    /// Seconds the upstream has to answer.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Bytes of each body kept for the fixture (the whole body is forwarded).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    max_body: usize,
    /// Also write every exchange as HTTP Archive 1.2.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.upstream.starts_with("http://") || args.upstream.starts_with("https://")) {
        anyhow::bail!("--upstream {:?}: expected an http(s) URL", args.upstream);
    }
    let mut config = ProxyConfig::new(args.listen, &args.upstream, args.out.clone());
    config.secrets = Secrets::with(&args.redact);
    config.timeout = Duration::from_secs(args.timeout.max(1));
    config.max_body = args.max_body;
    config.har = args.har.clone();
    if args.tls {
        let material = match &args.certs {
            Some(dir) => Material::load(dir, "")
                .with_context(|| format!("cannot read TLS material from {}", dir.display()))?,
            None => Material::fixtures(),
        };
        config.tls = Some(
            proxy::tls(&material.tls.cert_pem, &material.tls.key_pem)
                .map_err(anyhow::Error::msg)?,
        );
    }
    let scheme = if args.tls { "https" } else { "http" };
    let p = proxy::spawn(config)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    crate::out(&format!("{scheme}://{}", p.addr()));
    eprintln!(
        "recording proxy on {scheme}://{} for {}; fixtures go to {}",
        p.addr(),
        args.upstream,
        args.out.display()
    );
    eprintln!("press Ctrl-C to stop");
    let mut written = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(3));
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                let n = p.captured();
                if n != written {
                    p.write().context("cannot write the fixture")?;
                    written = n;
                }
            }
        }
    }
    let n = p.captured();
    match p.shutdown().await.context("cannot write the fixture")? {
        Some(path) => eprintln!("recorded {n} exchanges in {}", path.display()),
        None => eprintln!("nothing passed through; no fixture written"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
