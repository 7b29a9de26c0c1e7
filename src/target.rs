//! `idpsim target`: the reference SP as a standalone server.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_reference_sp::saml::{SamlConfig, SamlQuirk};
use idpsim_reference_sp::{Config, ProvisioningMode, Quirk};
use idpsim_simulator::saml::Shape;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "QUIRKS (each breaks one behaviour on purpose, to see a check fail):
  no-etag                         no ETag / meta.version, If-Match ignored
  case-sensitive-username         userName lookups and uniqueness are case-sensitive
  ignore-filtered-member-removal  remove members[value eq \"x\"] does nothing
  list-ignores-paging             lists ignore startIndex and count
  plain-text-errors               errors are text/plain, not SCIM JSON
  soft-delete                     DELETE only deactivates
  literal-member-removal          remove path=members with a value list empties the group
  not-found-on-empty-filter       a filter with no match answers 404
  racy-member-patch               concurrent group PATCHes lose each other's members
  overloaded                      more than one request in flight is answered 500
  no-uniqueness                   userName and group displayName are not unique
  drops-manager                   users are read without the enterprise manager
  leaks-members                   group reads return members despite excludedAttributes
  racy-create                     a user create stores the user and answers 409
  first-op-only                   a PATCH applies only its first operation
  no-replace-members              replace of a group's members answers 400
  page-cap-50                     list pages hold at most 50 resources

SAML:
  The SP side is always on: /saml/metadata, /saml/login (sends an AuthnRequest by
  HTTP-Redirect), /saml/acs (strict validation), /whoami and /saml/logout. It trusts
  the IdP of --saml-idp-metadata, or else the TEST-ONLY fixture key as idpsim's Okta
  app (http://www.okta.com/exkidpsim0000000000), which `idpsim play` signs with.

EXAMPLES:
  idpsim target --port 8080 --token secret
  curl -H 'Authorization: Bearer secret' http://127.0.0.1:8080/scim/v2/Users

  # a browser sign-in through the simulated IdP's login page:
  idpsim serve --port 7000 --sp-entity-id http://127.0.0.1:8080/saml/metadata \\
      --acs http://127.0.0.1:8080/saml/acs --users 20 &
  idpsim target --port 8080 --provisioning jit --saml-idp-metadata http://127.0.0.1:7000/metadata
  open http://127.0.0.1:8080/saml/login"
)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0, env = "IDPSIM_TARGET_PORT")]
    port: u16,
    /// Bearer token clients must send; generated and printed when omitted.
    #[arg(long, env = "IDPSIM_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Break one behaviour on purpose (repeatable); see QUIRKS below.
    #[arg(long = "quirk", value_name = "QUIRK", value_parser = parse_quirk)]
    quirks: Vec<Quirk>,
    /// Most active accounts the tenant may hold.
    #[arg(long, default_value_t = 1_000_000, conflicts_with = "no_seat_limit")]
    seat_limit: usize,
    /// Allow any number of active accounts.
    #[arg(long)]
    no_seat_limit: bool,
    /// userName of the Primary Owner, who cannot be deleted or deactivated over SCIM.
    #[arg(
        long,
        default_value = "owner@idpsim.test",
        conflicts_with = "no_primary_owner"
    )]
    primary_owner: String,
    /// Run without a Primary Owner.
    #[arg(long)]
    no_primary_owner: bool,
    /// How accounts arrive: over SCIM, or just in time at first sign-in.
    #[arg(long, value_enum, default_value_t = Mode::Scim)]
    provisioning: Mode,
    /// Largest page a list returns (filter.maxResults).
    #[arg(long, default_value_t = 1000)]
    max_results: usize,
    /// The IdP to trust for SAML sign-in: its metadata, as a file or an http(s) URL.
    #[arg(long, value_name = "FILE|URL")]
    saml_idp_metadata: Option<String>,
    /// Accept IdP-initiated (unsolicited) responses.
    #[arg(long)]
    saml_allow_idp_initiated: bool,
    /// Refuse responses whose assertion is not itself signed.
    #[arg(long)]
    saml_require_signed_assertion: bool,
    /// Clock skew tolerated on every SAML time window, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    saml_clock_skew: u64,
    /// Break one SAML check on purpose (repeatable); `idpsim conform --saml
    /// --list` shows which cases each one fails.
    #[arg(long = "saml-quirk", value_name = "QUIRK", value_parser = parse_saml_quirk)]
    saml_quirks: Vec<SamlQuirk>,
}

fn parse_saml_quirk(s: &str) -> Result<SamlQuirk, String> {
    s.parse()
}

/// The SAML trust configuration the flags describe.
async fn saml_config(args: &Args) -> anyhow::Result<SamlConfig> {
    let mut c = match &args.saml_idp_metadata {
        Some(src) if src.starts_with("http://") || src.starts_with("https://") => {
            let body = reqwest::get(src)
                .await
                .and_then(reqwest::Response::error_for_status)
                .with_context(|| format!("cannot fetch IdP metadata from {src}"))?
                .bytes()
                .await
                .with_context(|| format!("cannot read IdP metadata from {src}"))?;
            SamlConfig::from_idp_metadata(&body).map_err(anyhow::Error::msg)?
        }
        Some(path) => {
            let body = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            SamlConfig::from_idp_metadata(&body).map_err(|e| anyhow::anyhow!("{path}: {e}"))?
        }
        None => crate::saml::fixture_trust(&Shape::idpsim_okta())?,
    };
    c.allow_idp_initiated = args.saml_allow_idp_initiated;
    c.require_signed_assertion = args.saml_require_signed_assertion;
    c.clock_skew = std::time::Duration::from_secs(args.saml_clock_skew);
    c.quirks = args.saml_quirks.iter().copied().collect();
    Ok(c)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mode {
    Scim,
    Jit,
}

fn parse_quirk(s: &str) -> Result<Quirk, String> {
    s.parse()
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = Config {
        port: args.port,
        token: args.token.clone(),
        ..Config::default()
    };
    config.quirks.extend(args.quirks.iter().copied());
    config.tenant.seat_limit = (!args.no_seat_limit).then_some(args.seat_limit);
    config.tenant.primary_owner = (!args.no_primary_owner).then_some(args.primary_owner.clone());
    config.tenant.provisioning = match args.provisioning {
        Mode::Scim => ProvisioningMode::Scim,
        Mode::Jit => ProvisioningMode::Jit,
    };
    anyhow::ensure!(args.max_results > 0, "--max-results must be at least 1");
    config.limits.max_results = args.max_results;
    let saml = saml_config(&args).await?;
    let trusted = format!("{} (SSO {})", saml.idp_entity_id, saml.idp_sso_url);
    config.saml = Some(saml);
    let sp = idpsim_reference_sp::spawn(config)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    // The base URL alone on stdout, so `$(idpsim target ...)`-style scripts
    // can read it; everything for people goes to stderr.
    println!("{}", sp.base_url());
    let _ = std::io::stdout().flush();
    eprintln!("reference SP listening on {}", sp.base_url());
    if args.token.is_some() {
        eprintln!("  bearer token: the one given with --token");
    } else {
        eprintln!("  bearer token: {}", sp.token());
    }
    eprintln!(
        "  admin:        {}/admin/{{reset,audit,members,jit,provisioning}}",
        sp.origin()
    );
    eprintln!(
        "  SAML:         {o}/saml/login, {o}/saml/metadata, {o}/whoami; trusts {trusted}",
        o = sp.origin()
    );
    if !args.quirks.is_empty() {
        let names: Vec<String> = args.quirks.iter().map(ToString::to_string).collect();
        eprintln!("  quirks:       {}", names.join(", "));
    }
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sp.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
