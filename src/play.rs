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
use idpsim_reference_sp::{Config, Embedded, Quirk};
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::idp::Idp;
use idpsim_simulator::namespace::Namespace;
use idpsim_simulator::player::{self, Player, ScenarioReport, StepReport};
use idpsim_simulator::profile::Profile;
use idpsim_simulator::saml::sign_in::{SigningIdp, SpEndpoints};
use idpsim_simulator::saml::{SamlDefaults, Shape, SigAlg, SigningKey};
use idpsim_simulator::scenario::{self, NeedKind, Scenario};
use idpsim_simulator::{reconcile, record};

#[derive(Debug, clap::Args)]
#[command(after_help = "EXAMPLES:
  idpsim play scenarios/*.yaml                          # against the embedded reference SP
  idpsim play scenarios/okta-jml.yaml --target https://sp.example.com/scim/v2 --token $TOKEN
  idpsim play scenarios/entra-groups.yaml --profile entra-2020 --record fixtures/

With --target, each file runs under its own run prefix (idpsim-<8 hex>-) on
every userName, externalId and group name it creates; counts, reconcile and
resets see only that prefix, so files and other users of the target never
meet. Files that set up the embedded SP (`target:`) are refused with --target.

Exit status: 0 when every expectation held, 1 when one failed, 2 for usage errors.")]
pub struct PlayArgs {
    /// Scenario files (YAML); see scenarios/README.md for the format.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// Play every scenario as this IdP instead of the one it names.
    #[arg(long, value_name = "PROFILE", value_parser = crate::profile_arg::parser(), ignore_case = true)]
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
    /// The --target holds nothing but this run's objects: names get no run
    /// prefix, and counts, reconcile and resets (through --reset-url when
    /// given) cover everything on it. Plays one file.
    #[arg(long, requires = "target")]
    dedicated_target: bool,
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
    /// a reset lists and deletes everything. `play` uses it with
    /// --dedicated-target only: on a shared target a reset deletes only
    /// what the file's run prefix names.
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
    /// Most real seconds one Retry-After wait takes. The IdP waits the
    /// full Retry-After (Okta, IDP-ENGINES O29); idpsim counts it in full
    /// on a virtual clock and sleeps at most this long. 0 makes every
    /// wait virtual.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    max_retry_after: u64,
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
    _embedded: Option<Embedded>,
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
    if let Some(owner) = &s.target.primary_owner {
        config.tenant.primary_owner = Some(owner.clone());
    }
    for q in &s.target.quirks {
        config
            .quirks
            .insert(q.parse::<Quirk>().map_err(anyhow::Error::msg)?);
    }
    let sp = Embedded::start(config)
        .await
        .context("cannot start the embedded reference SP")?;
    Ok(Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
        reset_url: Some(sp.reset_url()),
        saml: Some(SpEndpoints {
            login_url: sp.login_url(),
            whoami_url: sp.whoami_url(),
        }),
        exempt: sp
            .primary_owner()
            .map(str::to_owned)
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
    c.max_retry_after = Duration::from_secs(args.max_retry_after);
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
    if let Some(why) = sharing_refusal(&args) {
        eprintln!("error: {why}");
        return Ok(ExitCode::from(2));
    }
    // What a file needs of its target is checked for all files before the
    // first request: a file that cannot pass says so up front, and a run
    // that exits 0 has played every file it was given.
    let mut refusals = Vec::new();
    let mut refused_files = 0;
    for (file, s) in &scenarios {
        let found = refusals_of(file, s, &args.target);
        refused_files += usize::from(!found.is_empty());
        refusals.extend(found);
    }
    if !refusals.is_empty() {
        for r in &refusals {
            eprintln!("error: {r}");
        }
        let why = if args.target.target.is_some() {
            "need what --target does not give; play them without --target, or leave them out"
        } else {
            "cannot be played as written"
        };
        eprintln!(
            "error: nothing was played: {refused_files} of {} files {why}",
            scenarios.len()
        );
        return Ok(ExitCode::from(2));
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

/// Why the files cannot share the target as asked: several files would
/// see each other's objects on a dedicated target, and a reset control
/// resets everything on a shared one.
fn sharing_refusal(args: &PlayArgs) -> Option<String> {
    if args.dedicated_target && args.files.len() > 1 {
        return Some(format!(
            "--dedicated-target plays one file ({} given): files on one target without \
             their run prefixes count, reconcile and reset each other's objects",
            args.files.len()
        ));
    }
    if args.target.reset_url.is_some() && args.target.target.is_some() && !args.dedicated_target {
        return Some(
            "--reset-url resets the whole target, and play gives each file on a target its \
             own run prefix so that nothing else is touched; add --dedicated-target if the \
             target is this run's alone"
                .into(),
        );
    }
    None
}

/// Why `s` cannot be played as asked, one line per reason, each naming the
/// file, the place and the key: needs a `--target` does not meet, and quirk
/// names the embedded SP does not know.
fn refusals_of(file: &str, s: &Scenario, args: &TargetArgs) -> Vec<String> {
    let mut out = Vec::new();
    for need in &s.needs {
        let at = format!("{file}:{}:{}: {}", need.line, need.column, need.key);
        match need.kind {
            NeedKind::EmbeddedTarget if args.target.is_some() => out.push(format!(
                "{at} needs the embedded reference SP, which --target replaces"
            )),
            NeedKind::SamlEndpoints if args.target.is_some() && args.sp_login.is_none() => {
                out.push(format!(
                    "{at} signs in over SAML; with --target give --sp-login and --sp-whoami"
                ));
            }
            _ => {}
        }
    }
    if args.target.is_none() {
        let quirks = s.needs.iter().find(|n| n.key == "target.quirks");
        for q in &s.target.quirks {
            if let Err(e) = q.parse::<Quirk>() {
                let (line, column) = quirks.map_or((1, 1), |n| (n.line, n.column));
                out.push(format!("{file}:{line}:{column}: target.quirks: {e}"));
            }
        }
    }
    out
}

/// The SAML app `login` steps sign in through: the profile's freshly
/// configured app, with its NameID format set to emailAddress, the format
/// the reference SP's metadata (and most SPs') asks for, as an admin
/// following the SP's setup guide would set it. Left at Okta's default
/// (unspecified), Okta answers such an SP with an error (S12).
fn login_app(profile: &Profile) -> SamlDefaults {
    SamlDefaults {
        name_id_format: idpsim_simulator::saml::defaults::EMAIL,
        ..profile.saml
    }
}

async fn play_one(args: &PlayArgs, file: &str, s: &Scenario) -> anyhow::Result<ScenarioReport> {
    let profile = profile_of(args.profile.as_deref().unwrap_or(&s.idp))?;
    let seed = args.seed.unwrap_or(s.seed);
    let shape = Shape::for_profile(profile);
    let target = target_for(&args.target, s, &shape).await?;
    let client = client(&args.target, &target)?;
    if args.record.is_some() {
        client.record_all().await;
    }
    let mut idp = Idp::new(player::build_directory(s, seed), profile, client);
    idp.reset_url = target.reset_url.clone();
    let mut player = Player::new(idp);
    // A fresh embedded SP per file needs no prefix (and recordings of it
    // keep the names the file wrote); a URL may be shared.
    if args.target.target.is_some() && !args.dedicated_target {
        player = player.namespaced(Namespace::fresh());
    }
    player.exempt = target.exempt.clone();
    player.record = args.record.is_some();
    if let Some(sp) = target.saml.clone() {
        let key = SigningKey::from_pem(&Material::fixtures().idp_signing)?;
        player.saml = Some((
            sp,
            SigningIdp {
                shape: shape.clone(),
                key: Arc::new(key),
                sign: profile.saml.sign,
                alg: SigAlg::RsaSha256,
                app: login_app(profile),
            },
        ));
    }
    eprintln!(
        "▶ {} ({file}) as {} against {}",
        s.name, profile.name, target.base_url
    );
    if let Some(ns) = player.namespace() {
        eprintln!(
            "  run prefix {}: every name this file creates starts with it, and only such names are counted, reconciled or reset",
            ns.prefix()
        );
    }
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
    if args.target.is_some()
        || (t.seat_limit.is_none() && t.quirks.is_empty() && t.primary_owner.is_none())
    {
        return None;
    }
    let mut v = serde_json::json!({"seat_limit": t.seat_limit, "quirks": t.quirks});
    // Only when set, so that fixtures recorded before it existed stay as they are.
    if let Some(owner) = &t.primary_owner {
        v["primary_owner"] = owner.clone().into();
    }
    Some(v)
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
    let profile = profile_of(&s.idp)?;
    let target = target_for(&args.target, &s, &Shape::for_profile(profile)).await?;
    let client = client(&args.target, &target)?;
    let idp = Idp::new(
        player::build_directory(&s, args.seed.unwrap_or(s.seed)),
        profile,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(target: Option<&str>, sp_login: bool) -> TargetArgs {
        TargetArgs {
            target: target.map(str::to_owned),
            token: None,
            reset_url: None,
            exempt: vec![],
            concurrency: 1,
            timeout: 1,
            max_retry_after: 0,
            sp_login: sp_login.then(|| "http://sp/login".into()),
            sp_whoami: sp_login.then(|| "http://sp/whoami".into()),
        }
    }

    /// Given the SAML endpoints, a file that signs in plays against a
    /// target; its `target:` settings are still refused there, and without
    /// `--target` nothing is refused.
    #[test]
    fn saml_endpoints_meet_the_login_need_and_nothing_meets_the_embedded_one() {
        let s = scenario::parse(
            "f.yaml",
            "name: x\ntarget: { seat_limit: 3 }\nsteps:\n  - login: { user: a }\n",
        )
        .unwrap();
        let url = Some("http://t/scim/v2");
        assert_eq!(
            refusals_of("f.yaml", &s, &args(url, true)),
            vec![
                "f.yaml:2:23: target.seat_limit needs the embedded reference SP, which --target replaces"
            ]
        );
        assert_eq!(refusals_of("f.yaml", &s, &args(url, false)).len(), 2);
        assert!(refusals_of("f.yaml", &s, &args(None, false)).is_empty());
    }
}
