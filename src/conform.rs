//! `idpsim conform`: the conformance suites against a target, the embedded
//! reference SP by default, with reports for people and CI.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use idpsim_conformance::check::{Capability, Suite};
use idpsim_conformance::{checks, report, runner};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "REPORTS (repeatable): junit:PATH  json:PATH  html:PATH  md:PATH

EXAMPLES:
  idpsim conform                                           # against the embedded reference SP
  idpsim conform --target https://sp.example.com/scim/v2 --token $TOKEN --suite rfc,entra \\
                 --report junit:conformance.xml --report html:conformance.html
  idpsim conform --list
  idpsim conform --saml                                    # SAML cases against the embedded reference SP
  idpsim conform --saml --sp-login http://127.0.0.1:3000/login --sp-whoami http://127.0.0.1:3000/whoami \\
                 --user alice@example.com --attacker mallory@example.com

Exit status: 0 when no check failed, 1 when one did, 2 for usage errors."
)]
pub struct Args {
    /// SCIM base URL of the server under test; without it an embedded reference SP is used.
    #[arg(long, value_name = "URL", env = "IDPSIM_TARGET_URL")]
    target: Option<String>,
    /// Bearer token for --target.
    #[arg(long, env = "IDPSIM_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Suites to run, comma-separated: rfc, okta, entra.
    #[arg(long, value_delimiter = ',', default_value = "rfc,okta,entra")]
    suite: Vec<String>,
    /// Reports to write, as FORMAT:PATH.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    reports: Vec<String>,
    /// Run checks for a feature the target does not advertise (patch, bulk, filter, sort, etag).
    #[arg(long, value_name = "FEATURE")]
    force: Vec<String>,
    /// Skip checks that need this feature.
    #[arg(long, value_name = "FEATURE")]
    skip: Vec<String>,
    /// Run only checks whose id contains this.
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Checks in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds one check may take.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Seconds the whole run may take.
    #[arg(long, default_value_t = 300)]
    deadline: u64,
    /// List the checks and exit.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    saml: crate::conform_saml::SamlArgs,
    /// Write every SCIM exchange as HTTP Archive 1.2 (secrets redacted).
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
}

fn feature(s: &str) -> anyhow::Result<Capability> {
    Capability::parse(s).with_context(|| {
        let known: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
        format!("unknown feature {s:?}; known: {}", known.join(", "))
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut opts = runner::Options {
        concurrency: args.concurrency.max(1),
        check_timeout: Duration::from_secs(args.timeout.max(1)),
        deadline: Duration::from_secs(args.deadline.max(1)),
        only: args.only.clone(),
        ..Default::default()
    };
    opts.suites = args
        .suite
        .iter()
        .map(|s| {
            Suite::parse(s).with_context(|| format!("unknown suite {s:?}; known: rfc, okta, entra"))
        })
        .collect::<anyhow::Result<_>>()?;
    opts.force = args
        .force
        .iter()
        .map(|f| feature(f))
        .collect::<anyhow::Result<_>>()?;
    opts.skip = args
        .skip
        .iter()
        .map(|f| feature(f))
        .collect::<anyhow::Result<_>>()?;
    let mut outputs = Vec::new();
    for r in &args.reports {
        let Some((format, path)) = r.split_once(':') else {
            bail!("--report {r:?}: expected FORMAT:PATH")
        };
        if !["junit", "json", "html", "md"].contains(&format) {
            bail!("--report {r:?}: unknown format {format:?}; known: junit, json, html, md");
        }
        outputs.push((format.to_owned(), PathBuf::from(path)));
    }
    if args.saml.saml {
        return crate::conform_saml::run(
            &args.saml,
            args.only.clone(),
            args.list,
            args.timeout,
            outputs,
        )
        .await;
    }
    let all = checks::all();
    if args.list {
        for c in &all {
            println!(
                "{:<52} {:<7} {:<6} {}",
                c.id,
                format!("{:?}", c.level).to_uppercase(),
                c.suite.name(),
                c.reference
            );
        }
        crate::out(&format!("{} checks", all.len()));
        return Ok(ExitCode::SUCCESS);
    }
    let (target, _embedded) = match &args.target {
        Some(url) => (
            runner::Target {
                base_url: url.trim_end_matches('/').to_owned(),
                token: args.token.clone(),
            },
            None,
        ),
        None => {
            let sp = idpsim_reference_sp::Embedded::start(idpsim_reference_sp::Config::default())
                .await
                .context("cannot start the embedded reference SP")?;
            (
                runner::Target {
                    base_url: sp.base_url().to_owned(),
                    token: Some(sp.token().to_owned()),
                },
                Some(sp),
            )
        }
    };
    crate::har::start(&args.har);
    let report = runner::run(&all, &target, &opts).await;
    crate::har::finish(&args.har)?;
    print!(
        "{}",
        report::console(&report, std::io::stdout().is_terminal())
    );
    for (format, path) in outputs {
        let text = match format.as_str() {
            "junit" => report::junit(&report),
            "json" => report::json(&report),
            "html" => report::html(&report),
            _ => report::markdown(&report),
        };
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
