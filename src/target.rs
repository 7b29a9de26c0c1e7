//! `idpsim target`: the reference SP as a standalone server.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_reference_sp::{Config, ProvisioningMode, Quirk};

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
  not-found-on-empty-list         a filter with no match answers 404
  racy-member-patch               concurrent group PATCHes lose each other's members

EXAMPLES:
  idpsim target --port 8080 --token secret
  curl -H 'Authorization: Bearer secret' http://127.0.0.1:8080/scim/v2/Users"
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
