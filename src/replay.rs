//! `idpsim replay`: fixtures sent again to a target (the embedded reference
//! SP by default), each answer compared with the recorded one.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use idpsim_reference_sp::{Config, Quirk};
use idpsim_simulator::client::Auth;
use idpsim_simulator::fixtures::compare::Ignore;
use idpsim_simulator::fixtures::redact::Secrets;
use idpsim_simulator::fixtures::{self, Fixture, Outcome, Target};
use serde_json::Value;

#[derive(Debug, clap::Args)]
#[command(after_help = "EXAMPLES:
  idpsim replay scenarios/fixtures/                      # every shipped fixture, embedded reference SP
  idpsim replay capture.okta.json --target https://sp.example.com/scim/v2 --token $TOKEN
  idpsim replay scenarios/fixtures/okta-push-groups.okta.json --quirk ignore-filtered-member-removal
  idpsim replay fixtures/ --target http://127.0.0.1:8080/scim/v2 --token t --update
  idpsim replay capture.har --har replayed.har            # a HAR from another tool, and one out

Each exchange prints ok or differs, with what was expected and what came back
at which JSON path. Placeholders ({base}, {idN}, {etag}, {time}) take the
target's own values, learned from its answers as the replay goes.

Exit status: 0 when every answer was as recorded, 1 when one differed, 2 for
usage errors and fixtures that cannot be replayed (nothing is sent then).")]
pub struct Args {
    /// Fixture files (JSON from `--record` or `record-proxy`, or HAR 1.2), or folders of them.
    #[arg(required = true, value_name = "FIXTURE")]
    fixtures: Vec<PathBuf>,
    /// SCIM base URL of the server to replay against; without it a fresh
    /// embedded reference SP is started for each fixture.
    #[arg(long, value_name = "URL", env = "IDPSIM_TARGET_URL")]
    target: Option<String>,
    /// Bearer token for --target.
    #[arg(long, env = "IDPSIM_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// URL that empties the target's directory on POST, for fixtures whose
    /// scenario resets it.
    #[arg(long, value_name = "URL")]
    reset_url: Option<String>,
    /// Leave this path out of comparisons (repeatable): `meta.location`,
    /// `Resources.name`, `header:etag`. Case-insensitive; covers what is below it.
    #[arg(long, value_name = "PATH")]
    ignore: Vec<String>,
    /// Rewrite each fixture from the target's answers (for a reference implementation).
    #[arg(long)]
    update: bool,
    /// Break one behaviour of the embedded reference SP (repeatable), to see
    /// which fixtures notice.
    #[arg(long = "quirk", value_name = "QUIRK", conflicts_with = "target")]
    quirks: Vec<String>,
    /// Seconds one request may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Requests in flight at once. Exchanges that touch the same resource,
    /// lists of everything and recorded errors keep their recorded order;
    /// 1 sends everything in order, one at a time (as --update does).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Write every exchange of the replay as HTTP Archive 1.2 (secrets redacted).
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    /// Print only exchanges that differ.
    #[arg(long, short)]
    quiet: bool,
}

/// Fixture files named directly or found in the folders named.
fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = fixtures::load::files_in(p)
                .with_context(|| format!("cannot list {}", p.display()))?;
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// A target for one fixture: the URL given, or a fresh embedded SP set up
/// as the fixture was recorded (seat limit, quirks, primary owner) plus
/// `--quirk`.
async fn target_for(
    args: &Args,
    f: &Fixture,
) -> anyhow::Result<(Target, Option<idpsim_reference_sp::Handle>)> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    if let Some(url) = &args.target {
        let mut t = Target::new(url, args.token.as_deref());
        t.reset_url = args.reset_url.clone();
        t.timeout = timeout;
        return Ok((t, None));
    }
    let mut config = Config::default();
    if let Some(Value::Object(t)) = &f.target {
        if let Some(n) = t.get("seat_limit").and_then(Value::as_u64) {
            config.tenant.seat_limit = Some(n as usize);
        }
        if let Some(owner) = t.get("primary_owner").and_then(Value::as_str) {
            config.tenant.primary_owner = Some(owner.to_owned());
        }
        for q in t
            .get("quirks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(q) = q.as_str() {
                config
                    .quirks
                    .insert(q.parse::<Quirk>().map_err(anyhow::Error::msg)?);
            }
        }
    }
    for q in &args.quirks {
        config
            .quirks
            .insert(q.parse::<Quirk>().map_err(anyhow::Error::msg)?);
    }
    let sp = idpsim_reference_sp::spawn(config)
        .await
        .context("cannot start the embedded reference SP")?;
    let t = Target {
        base_url: sp.base_url().to_owned(),
        auth: Auth::Bearer(sp.token().to_owned()),
        reset_url: Some(format!("{}/admin/reset", sp.origin())),
        timeout,
    };
    Ok((t, Some(sp)))
}

fn print(o: &Outcome, quiet: bool) {
    if o.ok() {
        if !quiet {
            eprintln!("  ok       {:>4}. {} {}", o.number, o.method, o.url);
        }
        for n in &o.notes {
            if !quiet {
                eprintln!("                 {n}");
            }
        }
        return;
    }
    eprintln!("  differs  {:>4}. {} {}", o.number, o.method, o.url);
    for d in &o.differences {
        eprintln!("                 {}", d.path);
        eprintln!("                   expected: {}", d.expected);
        eprintln!("                   got:      {}", d.got);
    }
    for n in &o.notes {
        eprintln!("                 {n}");
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Every fixture is read and checked first: a bad fifth file should not
    // cost four replays, and nothing is sent for a fixture that cannot be
    // replayed as written.
    let mut loaded = Vec::new();
    for p in expand(&args.fixtures)? {
        match fixtures::load(&p) {
            Ok(f) => loaded.push(f),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if loaded.is_empty() {
        eprintln!("error: no fixtures found in {:?}", args.fixtures);
        return Ok(ExitCode::from(2));
    }
    for q in &args.quirks {
        q.parse::<Quirk>().map_err(anyhow::Error::msg)?;
    }
    let opts = fixtures::Options {
        ignore: Ignore::new(&args.ignore),
        update: args.update,
        secrets: Secrets::default(),
        concurrency: args.concurrency,
        keep_exchanges: args.har.is_some(),
    };
    let (mut passed, mut failed) = (0, 0);
    let mut sent = Vec::new();
    for f in &loaded {
        let (target, _sp) = target_for(&args, f).await?;
        eprintln!(
            "▶ {} ({}, {} exchanges) against {}",
            f.file.display(),
            if f.idp.is_empty() { "?" } else { &f.idp },
            f.exchanges().count(),
            target.base_url
        );
        let quiet = args.quiet;
        let report = match fixtures::replay(f, &target, &opts, |o| print(o, quiet)).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        };
        if args.har.is_some() {
            sent.extend(report.exchanges.iter().cloned());
        }
        let n = report.outcomes.len();
        if report.passed() {
            passed += 1;
            eprintln!("  PASSED: {n} of {n} exchanges as recorded\n");
        } else {
            failed += 1;
            eprintln!("  FAILED: {} of {n} exchanges differ\n", report.differing());
        }
        if let Some(updated) = &report.updated {
            std::fs::write(&f.file, serde_json::to_string_pretty(updated)? + "\n")
                .with_context(|| format!("cannot write {}", f.file.display()))?;
            eprintln!("  updated {}", f.file.display());
        }
    }
    if let Some(p) = &args.har {
        crate::har::write(p, &sent, &opts.secrets)?;
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
