//! `idpsim serve`: the simulated IdP's SAML side as a running service.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::saml::SigAlg;
use idpsim_simulator::saml::server::{IdpConfig, ServiceProvider, spawn};
use idpsim_simulator::saml::sp_config;

use crate::saml::{AppFlags, Profile, material};
use idpsim_simulator::{player, scenario};

#[derive(Debug, clap::Args)]
#[command(after_help = "EXAMPLE:
  idpsim serve --sp-entity-id https://sp.example.com --acs https://sp.example.com/saml/acs --users 50
  then point the SP at <base>/metadata, or open <base>/sso/idp-initiated in a browser.")]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, value_enum, default_value_t = Profile::Okta)]
    profile: Profile,
    /// The service provider's entity ID (the Audience).
    #[arg(long, required_unless_present = "config", requires = "acs")]
    sp_entity_id: Option<String>,
    /// The service provider's ACS URL; responses go only there.
    #[arg(long, requires = "sp_entity_id")]
    acs: Option<String>,
    /// Service providers and their attribute mappings from a YAML file; the
    /// first is the default, and with --sp-entity-id that SP comes first.
    /// Format (a list under `service_providers:`, each with `entity_id`, `acs`
    /// and `attributes: {SAML name: directory field}`) and a complete example:
    /// simulator/README.md, "idpsim serve --config".
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Users in a generated directory (ignored with --scenario).
    #[arg(long, default_value_t = 20)]
    users: usize,
    /// Groups in a generated directory.
    #[arg(long, default_value_t = 3)]
    groups: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Take the directory from a scenario file.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// The SAML app's settings; without them, a freshly configured app of
    /// the profile (okta: Response and Assertion signed, no attributes;
    /// entra: Assertion signed, its fixed claims; no groups for either).
    #[command(flatten)]
    app: AppFlags,
    /// Serve HTTPS with the TLS leaf for 127.0.0.1 from --certs (or the TEST-ONLY
    /// fixtures); clients must trust that set's CA (ca.crt.pem).
    #[arg(long)]
    tls: bool,
    /// Directory written by `idpsim certs init`; without it the TEST-ONLY fixture key signs.
    #[arg(long, value_name = "DIR")]
    certs: Option<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = match &args.scenario {
        Some(f) => match scenario::load(f) {
            Ok(s) => player::build_directory(&s, s.seed),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => Directory::generate(&Generate {
            seed: args.seed,
            users: args.users,
            groups: args.groups,
            domain: "example.com".into(),
        }),
    };
    let mut sps = Vec::new();
    if let (Some(entity_id), Some(acs_url)) = (&args.sp_entity_id, &args.acs) {
        sps.push(ServiceProvider {
            entity_id: entity_id.clone(),
            acs_url: acs_url.clone(),
            attributes: Vec::new(),
        });
    }
    if let Some(f) = &args.config {
        match sp_config::load(f) {
            Ok(more) => sps.extend(more),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut sps = sps.into_iter();
    let sp = sps
        .next()
        .context("no service provider: give --sp-entity-id and --acs, or --config")?;
    let other_sps: Vec<ServiceProvider> = sps.collect();
    let material = material(&args.certs)?;
    let (shape, entity_id) = args.profile.shape();
    let (app, group_filter) = args.app.apply(args.profile.defaults());
    let config = IdpConfig {
        shape,
        entity_id,
        signing: material.idp_signing.clone(),
        sign: app.sign,
        alg: SigAlg::RsaSha256,
        group_filter,
        app,
        session_age: args.app.session_age(),
        sp,
        other_sps,
        port: args.port,
        tls: args.tls.then(|| material.tls.clone()),
    };
    let users = dir.user_count();
    let idp = spawn(config, dir)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    crate::out(&idp.base_url);
    eprintln!(
        "simulated IdP listening on {} with {users} users",
        idp.base_url
    );
    if args.tls {
        eprintln!(
            "  TLS:           trust the CA in {}",
            args.certs
                .as_ref()
                .map(|d| d.join("ca.crt.pem").display().to_string())
                .unwrap_or_else(|| "certs/fixtures/TEST-ONLY-ca.crt.pem".into())
        );
    }
    eprintln!("  metadata:      {}/metadata", idp.base_url);
    eprintln!(
        "  SSO:           {}/sso/saml (HTTP-Redirect and HTTP-POST)",
        idp.base_url
    );
    eprintln!("  IdP-initiated: {}/sso/idp-initiated", idp.base_url);
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    Ok(ExitCode::SUCCESS)
}
