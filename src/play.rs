//! `idpsim play` and `idpsim reconcile`: scenario playback against a target,
//! the embedded reference SP by default.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use idpsim_certs::Material;
use idpsim_reference_sp::{Config, Quirk};
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::idp::Idp;
use idpsim_simulator::player::{self, Player, ScenarioReport, StepReport};
use idpsim_simulator::profile::Profile;
use idpsim_simulator::saml::sign_in::{SigningIdp, SpEndpoints};
use idpsim_simulator::saml::{Shape, SigAlg, SignMode, SigningKey};
use idpsim_simulator::scenario::{self, Scenario};
use idpsim_simulator::{reconcile, record};

#[derive(Debug, clap::Args)]
#[command(after_help = "EXAMPLES:
  idpsim play scenarios/*.yaml                          # against the embedded reference SP
  idpsim play scenarios/okta-jml.yaml --target https://sp.example.com/scim/v2 --token $TOKEN
  idpsim play scenarios/entra-groups.yaml --profile entra-2020 --record fixtures/

Exit status: 0 when every expectation held, 1 when one failed, 2 for usage errors.")]
pub struct PlayArgs {
    /// Scenario files (YAML); see scenarios/README.md for the format.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// Play every scenario as this IdP instead of the one it names.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Write every exchange as JSON fixtures (one file per scenario) here.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Seed for generated directories and faults (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Print every exchange of failed steps in full, not only the last few.
    #[arg(long)]
    verbose: bool,
    /// Write every SCIM exchange as HTTP Archive 1.2 (secrets redacted).
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
}

impl PlayArgs {
    /// `--concurrency 1`: requests go one at a time.
    pub fn one_at_a_time(&self) -> bool {
        self.target.concurrency <= 1
    }
}

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// SCIM base URL of the server under test; without it the embedded
    /// reference SP is started for each scenario.
    #[arg(long, value_name = "URL", env = "IDPSIM_TARGET_URL")]
    target: Option<String>,
    /// Bearer token for --target.
    #[arg(long, env = "IDPSIM_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// URL the target's own "reset directory" control answers POST on; without it
    /// a reset lists and deletes everything.
    #[arg(long, value_name = "URL")]
    reset_url: Option<String>,
    /// userName of an account the IdP does not manage (a tenant owner); repeatable.
    #[arg(long, value_name = "USER")]
    exempt: Vec<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds one request may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// For `login` steps: the target's SAML login start (answers with a
    /// redirect carrying an AuthnRequest). The target must trust the
    /// TEST-ONLY IdP certificate in certs/fixtures.
    #[arg(long, value_name = "URL", requires = "sp_whoami")]
    sp_login: Option<String>,
    /// For `login` steps: answers 200 with JSON naming the signed-in user.
    #[arg(long, value_name = "URL", requires = "sp_login")]
    sp_whoami: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// A scenario whose directory (generated and written-out users and groups)
    /// is compared with the target.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    #[arg(long)]
    seed: Option<u64>,
}

/// A target for one scenario: a URL, or an embedded reference SP kept alive.
struct Target {
    base_url: String,
    token: Option<String>,
    reset_url: Option<String>,
    exempt: Vec<String>,
    saml: Option<SpEndpoints>,
    _embedded: Option<idpsim_reference_sp::Handle>,
}

async fn target_for(args: &TargetArgs, s: &Scenario, shape: &Shape) -> anyhow::Result<Target> {
    if let Some(url) = &args.target {
        return Ok(Target {
            base_url: url.trim_end_matches('/').to_owned(),
            token: args.token.clone(),
            reset_url: args.reset_url.clone(),
            exempt: args.exempt.clone(),
            saml: args.sp_login.clone().zip(args.sp_whoami.clone()).map(
                |(login_url, whoami_url)| SpEndpoints {
                    login_url,
                    whoami_url,
                },
            ),
            _embedded: None,
        });
    }
    let mut config = Config {
        saml: Some(crate::saml::fixture_trust(shape)?),
        ..Config::default()
    };
    if let Some(n) = s.target.seat_limit {
        config.tenant.seat_limit = Some(n);
    }
    for q in &s.target.quirks {
        config
            .quirks
            .insert(q.parse::<Quirk>().map_err(anyhow::Error::msg)?);
    }
    let owner = config.tenant.primary_owner.clone();
    let sp = idpsim_reference_sp::spawn(config)
        .await
        .context("cannot start the embedded reference SP")?;
    Ok(Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
        reset_url: Some(format!("{}/admin/reset", sp.origin())),
        saml: Some(SpEndpoints {
            login_url: format!("{}/saml/login", sp.origin()),
            whoami_url: format!("{}/whoami", sp.origin()),
        }),
        exempt: owner
            .into_iter()
            .chain(args.exempt.iter().cloned())
            .collect(),
        _embedded: Some(sp),
    })
}

fn client(args: &TargetArgs, t: &Target) -> anyhow::Result<ScimClient> {
    let auth = t.token.clone().map(Auth::Bearer).unwrap_or_default();
    let mut c = ClientConfig::new(&t.base_url, auth);
    c.concurrency = args.concurrency.max(1);
    c.timeout = Duration::from_secs(args.timeout.max(1));
    ScimClient::new(c).map_err(anyhow::Error::msg)
}

fn profile_of(name: &str) -> anyhow::Result<&'static Profile> {
    Profile::by_name(name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown profile {name:?}; known profiles: {}",
            Profile::names().join(", ")
        )
    })
}

fn print_step(r: &StepReport, verbose: bool) {
    let mark = if r.passed { "✓" } else { "✗" };
    if r.requests > 1 {
        eprintln!(
            "  {mark} {:>2}. {} ({} requests, p95 {:.1} ms, {} ms)",
            r.index, r.step, r.requests, r.p95_ms, r.millis
        );
    } else {
        eprintln!(
            "  {mark} {:>2}. {} ({} requests, {} ms)",
            r.index, r.step, r.requests, r.millis
        );
    }
    for n in &r.notes {
        eprintln!("        {n}");
    }
    if let Some(f) = &r.failure {
        eprintln!("        FAILED: {f}");
        let shown = if verbose { r.exchanges.len() } else { 3 };
        for x in r.exchanges.iter().rev().take(shown).rev() {
            let status = x
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| x.error.clone().unwrap_or_default());
            eprintln!("        > {:?} {}", x.method, x.url);
            if let Some(b) = &x.request_body {
                eprintln!("          {}", clip(&b.get()));
            }
            eprintln!("        < {status}");
            if let Some(b) = &x.response_body {
                eprintln!("          {}", clip(&b.get()));
            }
        }
    }
}

fn clip(s: &str) -> String {
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

pub async fn play(args: PlayArgs) -> anyhow::Result<ExitCode> {
    // Read every file first: a typo in the fifth file should not cost four runs.
    let mut scenarios = Vec::new();
    for f in &args.files {
        match scenario::load(f) {
            Ok(s) => scenarios.push((f.display().to_string(), s)),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if let Some(p) = &args.profile {
        profile_of(p)?;
    }
    if let Some(dir) = &args.record {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    crate::har::start(&args.har);
    let (mut passed, mut failed) = (0, 0);
    for (file, s) in &scenarios {
        let report = play_one(&args, file, s).await?;
        if report.passed {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    crate::har::finish(&args.har)?;
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn play_one(args: &PlayArgs, file: &str, s: &Scenario) -> anyhow::Result<ScenarioReport> {
    let profile = profile_of(args.profile.as_deref().unwrap_or(&s.idp))?;
    let seed = args.seed.unwrap_or(s.seed);
    let shape = Shape::for_profile(profile.name);
    let target = target_for(&args.target, s, &shape).await?;
    let client = client(&args.target, &target)?;
    if args.record.is_some() {
        client.record_all().await;
    }
    let mut idp = Idp::new(player::build_directory(s, seed), profile, client);
    idp.reset_url = target.reset_url.clone();
    let mut player = Player::new(idp);
    player.exempt = target.exempt.clone();
    player.record = args.record.is_some();
    if let Some(sp) = target.saml.clone() {
        let key = SigningKey::from_pem(&Material::fixtures().idp_signing)?;
        player.saml = Some((
            sp,
            SigningIdp {
                shape: shape.clone(),
                key: Arc::new(key),
                sign: SignMode::Assertion,
                alg: SigAlg::RsaSha256,
            },
        ));
    }
    eprintln!(
        "▶ {} ({file}) as {} against {}",
        s.name, profile.name, target.base_url
    );
    let bar = progress_bar(player.progress.clone());
    let verbose = args.verbose;
    let report = player.run(file, s, |r| print_step(r, verbose)).await;
    if let Some(b) = bar {
        b.abort();
    }
    let verdict = if report.passed { "PASSED" } else { "FAILED" };
    let steps_failed = report.steps.iter().filter(|r| !r.passed).count();
    eprintln!(
        "  {verdict}: {} of {} steps passed\n",
        report.steps.len() - steps_failed,
        report.steps.len()
    );
    if let Some(dir) = &args.record {
        let stem = std::path::Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario");
        let path = dir.join(format!("{stem}.{}.json", profile.name));
        let fixture = record::fixture_with(
            &report,
            &target.base_url,
            &record::Options {
                target: embedded_settings(&args.target, s),
                reset_by_control: target.reset_url.is_some(),
                ..Default::default()
            },
        );
        std::fs::write(&path, serde_json::to_string_pretty(&fixture)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("  recorded {}", path.display());
    }
    Ok(report)
}

/// The embedded target's settings, for a replay to start it the same way.
fn embedded_settings(args: &TargetArgs, s: &Scenario) -> Option<serde_json::Value> {
    let t = &s.target;
    (args.target.is_none() && (t.seat_limit.is_some() || !t.quirks.is_empty()))
        .then(|| serde_json::json!({"seat_limit": t.seat_limit, "quirks": t.quirks}))
}

/// A progress bar for long steps, on a terminal only.
fn progress_bar(
    p: std::sync::Arc<idpsim_simulator::idp::Progress>,
) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(tokio::spawn(async move {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "    {bar:40} {pos}/{len} objects, {per_sec}, eta {eta}",
            )
            .expect("valid template"),
        );
        loop {
            let total = p.total.load(Ordering::Relaxed) as u64;
            if total > 200 {
                if bar.is_hidden() {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_length(total);
                bar.set_position(p.done.load(Ordering::Relaxed) as u64);
            } else if !bar.is_hidden() {
                bar.finish_and_clear();
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }))
}

pub async fn reconcile(args: ReconcileArgs) -> anyhow::Result<ExitCode> {
    let s = match scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if args.target.target.is_none() {
        bail!("reconcile needs --target (an embedded reference SP starts empty)");
    }
    let target = target_for(&args.target, &s, &Shape::for_profile(&s.idp)).await?;
    let client = client(&args.target, &target)?;
    let idp = Idp::new(
        player::build_directory(&s, args.seed.unwrap_or(s.seed)),
        profile_of(&s.idp)?,
        client,
    );
    let drift = reconcile::reconcile(&idp.wire, &idp.dir, &target.exempt)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string_pretty(&drift)?);
    for f in drift.findings() {
        eprintln!("  {f}");
    }
    eprintln!(
        "compared {} users and {} groups: {}",
        drift.users_compared,
        drift.groups_compared,
        if drift.is_clean() {
            "no drift"
        } else {
            "DRIFT"
        }
    );
    Ok(if drift.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
