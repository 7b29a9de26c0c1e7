//! `idpsim load`: goose load runs, thresholds, and merging shard summaries.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use goose::config::GooseConfiguration;
use idpsim_load::{LoadPlan, RunKind, Shard, Summary, Threshold, Verdict};
use idpsim_reference_sp::{Config, Embedded};
use idpsim_simulator::client::{Auth, ClientConfig, Faults, RetryPolicy};
use idpsim_simulator::profile::Profile;

/// Every run shares its work (or, for churn, its event rate) among
/// `--goose-users`; a test plan's changing user count has nothing to share
/// by, so goose's `--test-plan` is refused where clap parses it.
fn refuse_test_plan(_: &str) -> Result<goose::test_plan::TestPlan, String> {
    Err("idpsim load shares each run's work among --goose-users; \
         start them with --increase-rate or --increase-time instead of a test plan"
        .into())
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "RUNS:
  bulk-sync  push a seeded directory of --users and --groups through the profile:
             every user (lookup, then create) shared out among goose users, then
             every group with its members; events `okta join`, `okta push group`
  reset      sync the directory (unmeasured), then reset the target (its reset
             control, or enumerate and delete), then a full re-sync; all timed
  churn      sync, then joiners, movers and leavers at --rate events/s for
             goose's --run-time (default 30s)
  import     sync, then list every user and group page by page, as the profile imports;
             with --lookups, look every user up by userName instead (one
             GET /Users?filter=userName eq \"…\" each, answers checked)
  merge      merge shard summaries (histograms) and judge --threshold on the whole

THRESHOLDS (goose's --threshold syntax, judged by idpsim on the run's histograms;
any failure exits 1 naming the rule and the figure):
  error-rate<1%   p95<200ms   p99<1s for okta join   p95<50ms for POST /Users
  rps>=500 (requests/s)       eps>=100 (lifecycle events/s)
Rates are per second with requests in flight; each phase also shows its wall
time, which includes goose's start-up and its half-second end-of-phase poll.

GOOSE USERS (-u): all start at once unless --increase-rate or --increase-time
ramps them; each has an equal share of the work. --test-plan is not supported.

THREADS: the embedded reference SP runs on a thread of its own, and the load
run's runtime gets one worker per remaining core (at least one), so client and
server do not take turns on a core; against --target it gets one per core.
TOKIO_WORKER_THREADS=N sets the number of workers. One worker runs everything
on one thread (tokio's current-thread scheduler), which costs the least CPU
per request: use it, as you would `wrk -t1`, when the target shares the
machine.

After every unsharded run the directory is reconciled against the target; an
orphaned, missing or drifted object fails the run and is listed.

EXAMPLES:
  idpsim load bulk-sync --users 2000 --groups 20 --threshold 'error-rate<1%' --threshold 'p95<250ms for okta join'
  idpsim load bulk-sync --users 100000 --groups 1000 -u 16 --report-file out/bulk.html --summary out/bulk.json
  idpsim load churn --rate 50 -t 60s --target https://sp.example.com/scim/v2 --token \"$T\"
  idpsim load bulk-sync --users 100000 --shard 0/4 --summary s0.json   # one of four processes
  idpsim load merge s0.json s1.json s2.json s3.json --threshold 'p99<1s'",
    mut_arg("users", |a| a.long("goose-users")),
    mut_arg("test_plan", |a| a.hide(true).value_parser(refuse_test_plan))
)]
pub struct Args {
    /// bulk-sync, reset, churn, import, or merge.
    #[arg(value_enum)]
    run: Run,
    /// For merge: the summary files written by --summary.
    #[arg(value_name = "SUMMARY")]
    files: Vec<PathBuf>,
    /// SCIM base URL; without it an embedded reference SP is started.
    #[arg(long, value_name = "URL", env = "IDPSIM_TARGET_URL")]
    target: Option<String>,
    /// Bearer token for --target.
    #[arg(long, env = "IDPSIM_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// URL of the target's own reset control (POST), for the reset run.
    #[arg(long, value_name = "URL")]
    reset_url: Option<String>,
    /// userName of an account the IdP does not manage (repeatable).
    #[arg(long, value_name = "USER")]
    exempt: Vec<String>,
    /// IdP profile whose requests the run sends.
    #[arg(long, default_value = "okta", value_parser = crate::profile_arg::parser(), ignore_case = true)]
    profile: String,
    /// Users in the seeded directory (goose's concurrent users are -u / --goose-users).
    #[arg(long = "users", id = "directory_users", default_value_t = 1000)]
    directory_users: usize,
    /// Groups in the seeded directory.
    #[arg(long = "groups", default_value_t = 10)]
    directory_groups: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// This process's slice of the directory, i/n (0-based).
    #[arg(long, default_value = "0/1")]
    shard: Shard,
    /// Churn: lifecycle events per second, all goose users together.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Write the run's summary (histograms, for `idpsim load merge`) here.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Fault injection: chance (0 to 1) that a request is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    fault_duplicate: f64,
    /// Fault injection: chance (0 to 1) that an answer is lost after the target acted.
    #[arg(long, default_value_t = 0.0)]
    fault_drop_response: f64,
    /// Seconds one SCIM request may take.
    #[arg(long = "request-timeout", default_value_t = 60)]
    request_timeout: u64,
    /// Sharded group pushes wait this many seconds for members another shard creates.
    #[arg(long, default_value_t = 600)]
    member_wait: u64,
    /// Import: read the whole listing this many times (a scheduled import
    /// repeats; a benchmark wants more requests than one pass makes).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    import_rounds: u32,
    /// Import: instead of reading pages, look every user up by userName
    /// (`GET /Users?filter=userName eq "…"`, what Okta sends before each
    /// create), each answer checked: 200 and exactly that one user.
    #[arg(long)]
    lookups: bool,
    /// Import --lookups: write the lookups' paths here, one a line, for
    /// another client to send the same requests (load/bench/client-cpu.sh).
    #[arg(long, value_name = "FILE", requires = "lookups")]
    write_lookups: Option<PathBuf>,
    /// After the reconcile, fetch the same listing again without reading it
    /// and print both times: what the reconcile's own parsing and comparing
    /// cost (load/bench/scale.sh uses it).
    #[arg(long)]
    measure_listing: bool,
    #[command(flatten)]
    goose: GooseConfiguration,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Run {
    BulkSync,
    Reset,
    Churn,
    Import,
    Merge,
}

/// Workers for the load run's runtime, when it should not have tokio's
/// default of one per core: `TOKIO_WORKER_THREADS` when set, else, with the
/// embedded SP, one per core it leaves. The embedded SP's thread keeps a
/// core busy on its own; a third thread on a two-core machine made the
/// client's workers and the SP take turns, and one fewer worker carried
/// 14% more requests/s (load/README.md, "Where a request's time goes").
/// One worker is tokio's current-thread scheduler (see `main`).
pub fn client_threads(args: &Args) -> Option<usize> {
    let embedded = args.target.is_none() && !matches!(args.run, Run::Merge);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let from_env = std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0);
    workers(embedded, from_env, cores)
}

fn workers(embedded: bool, from_env: Option<usize>, cores: usize) -> Option<usize> {
    from_env.or_else(|| embedded.then(|| cores.saturating_sub(1).max(1)))
}

fn thresholds(rules: &[String]) -> anyhow::Result<Vec<Threshold>> {
    rules
        .iter()
        .map(|r| r.parse::<Threshold>().map_err(anyhow::Error::msg))
        .collect()
}

/// Prints the figures and the verdicts; `true` when every rule passed.
fn report(s: &Summary, verdicts: &[Verdict]) -> bool {
    let req = s.all_requests();
    eprintln!(
        "{} {} ({}): {:.1} s, {} requests ({:.0}/s, p95 {:.1} ms, p99 {:.1} ms, {:.2}% errors)",
        s.profile,
        s.run,
        s.shards.join(", "),
        s.seconds(),
        req.ok + req.failed,
        (req.ok + req.failed) as f64 / s.busy_seconds(),
        req.percentile_ms(95.0).unwrap_or(0.0),
        req.percentile_ms(99.0).unwrap_or(0.0),
        req.error_rate()
    );
    for p in &s.phases {
        let cpu = p
            .user_cpu_seconds
            .map(|c| format!(", {c:.2} s user CPU here"))
            .unwrap_or_default();
        eprintln!(
            "  phase {:<14} {:.1} s ({:.1} s with requests in flight{cpu})",
            p.name,
            p.seconds,
            p.busy()
        );
    }
    for (name, h) in &s.events {
        eprintln!(
            "  event {:<22} {:>8} ({} failed)  p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms",
            name,
            h.ok + h.failed,
            h.failed,
            h.percentile_ms(50.0).unwrap_or(0.0),
            h.percentile_ms(95.0).unwrap_or(0.0),
            h.percentile_ms(99.0).unwrap_or(0.0),
        );
    }
    for (name, n) in &s.idle {
        eprintln!("  idle  {name:<22} {n:>8} (found nothing to do; not counted as events)");
    }
    for (what, n) in &s.objects {
        eprintln!("  {what}: {n}");
    }
    if let Some(kib) = s.peak_rss_kib {
        eprintln!("  peak RSS: {} MiB", kib / 1024);
    }
    let mut ok = true;
    for v in verdicts {
        let mark = if v.passed { "PASS" } else { "FAIL" };
        eprintln!("  threshold {mark}: {} (observed {})", v.rule, v.observed);
        ok &= v.passed;
    }
    ok
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = thresholds(&args.goose.threshold)?;
    let kind = match args.run {
        Run::Merge => return merge(&args, &rules),
        Run::BulkSync => RunKind::BulkSync,
        Run::Reset => RunKind::Reset,
        Run::Churn => RunKind::Churn,
        Run::Import => RunKind::Import,
    };
    anyhow::ensure!(
        args.files.is_empty(),
        "only `idpsim load merge` takes files"
    );
    let profile = Profile::by_name(&args.profile).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown profile {:?}; known profiles: {}",
            args.profile,
            Profile::names().join(", ")
        )
    })?;
    for (name, p) in [
        ("--fault-duplicate", args.fault_duplicate),
        ("--fault-drop-response", args.fault_drop_response),
    ] {
        anyhow::ensure!((0.0..=1.0).contains(&p), "{name} is a chance from 0 to 1");
    }
    anyhow::ensure!(args.rate > 0.0, "--rate must be above 0");
    anyhow::ensure!(
        !args.lookups || kind == RunKind::Import,
        "--lookups is for import"
    );
    if kind != RunKind::Churn {
        anyhow::ensure!(
            args.goose.run_time.is_none(),
            "{} ends when its work is done; --run-time is for churn",
            kind.name()
        );
    }
    anyhow::ensure!(
        args.shard.count == 1 || args.target.is_some(),
        "--shard {} needs a --target that every shard pushes to (an embedded reference SP is one process's own)",
        args.shard
    );
    let mut embedded = None;
    let (base_url, token, reset_url, mut exempt) = match &args.target {
        Some(url) => (
            url.trim_end_matches('/').to_owned(),
            args.token.clone(),
            args.reset_url.clone(),
            Vec::new(),
        ),
        None => {
            let sp = Embedded::start_on_own_thread(Config::default())
                .context("cannot start the embedded reference SP")?;
            let t = (
                sp.base_url().to_owned(),
                Some(sp.token().to_owned()),
                Some(sp.reset_url()),
                sp.primary_owner().map(str::to_owned).into_iter().collect(),
            );
            embedded = Some(sp);
            t
        }
    };
    exempt.extend(args.exempt.iter().cloned());
    let mut client = ClientConfig::new(&base_url, token.map(Auth::Bearer).unwrap_or_default());
    client.timeout = Duration::from_secs(args.request_timeout.max(1));
    // A load run rides out brief failures with a policy of its own, not
    // the profile's error handling.
    client.retry = RetryPolicy::load();
    client.concurrency = 1;
    // Evidence of failures is reported per event; keep only a few exchanges.
    client.keep_exchanges = 64;
    client.faults = Faults {
        duplicate: args.fault_duplicate,
        drop_response: args.fault_drop_response,
        seed: args.seed,
        ..Faults::default()
    };
    let plan = LoadPlan {
        kind,
        profile,
        users: args.directory_users,
        groups: args.directory_groups,
        seed: args.seed,
        shard: args.shard,
        client,
        reset_url,
        exempt,
        goose: args.goose.clone(),
        churn_rate: args.rate,
        import_rounds: args.import_rounds as usize,
        lookups: args.lookups,
        lookups_file: args.write_lookups.clone(),
        // Unsharded, a member this process did not push failed to join:
        // one lookup, no waiting.
        measure_listing: args.measure_listing,
        member_wait: if args.shard.count > 1 {
            Duration::from_secs(args.member_wait)
        } else {
            Duration::ZERO
        },
    };
    eprintln!(
        "{} {} against {base_url}: {} users, {} groups, shard {}",
        profile.name,
        kind.name(),
        plan.users,
        plan.groups,
        plan.shard
    );
    let outcome = idpsim_load::run(&plan).await.map_err(anyhow::Error::msg)?;
    let mut summary = outcome.summary;
    summary.peak_rss_kib = peak_rss_kib();
    if let Some(path) = &args.summary {
        std::fs::write(path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("  summary written to {}", path.display());
    }
    let verdicts: Vec<Verdict> = rules.iter().map(|r| r.judge(&summary)).collect();
    let mut ok = report(&summary, &verdicts);
    for f in &outcome.failures {
        eprintln!("  event failed: {f}");
    }
    match &outcome.drift {
        Some(d) if d.is_clean() => eprintln!(
            "  reconcile: clean ({} users, {} groups compared in {:.1} s)",
            d.users_compared, d.groups_compared, outcome.reconcile_seconds
        ),
        Some(d) => {
            ok = false;
            eprintln!(
                "  reconcile FAILED: the target does not hold the directory ({:.1} s)",
                outcome.reconcile_seconds
            );
            for f in d.findings().iter().take(50) {
                eprintln!("    {f}");
            }
        }
        None => eprintln!(
            "  reconcile: skipped for shard {} (reconcile once all shards are done)",
            plan.shard
        ),
    }
    if let Some(l) = outcome.listing_seconds {
        eprintln!(
            "  listing alone: {l:.1} s (the reconcile took {:.2}× that)",
            outcome.reconcile_seconds / l.max(1e-9)
        );
    }
    if let Some(sp) = embedded {
        sp.shutdown().await;
    }
    crate::out(if ok { "PASSED" } else { "FAILED" });
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn merge(args: &Args, rules: &[Threshold]) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(!args.files.is_empty(), "merge needs summary files");
    let mut all = Summary::default();
    for f in &args.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        let s: Summary = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an idpsim load summary", f.display()))?;
        all.merge(&s)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
    }
    if let Some(path) = &args.summary {
        std::fs::write(path, serde_json::to_string_pretty(&all)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let verdicts: Vec<Verdict> = rules.iter().map(|r| r.judge(&all)).collect();
    let ok = report(&all, &verdicts);
    crate::out(if ok { "PASSED" } else { "FAILED" });
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::workers;

    #[test]
    fn the_embedded_sp_keeps_a_core_of_its_own() {
        assert_eq!(workers(true, None, 2), Some(1));
        assert_eq!(workers(true, None, 8), Some(7));
        assert_eq!(workers(true, None, 1), Some(1), "never no worker");
        assert_eq!(
            workers(false, None, 8),
            None,
            "a remote target: one per core"
        );
        assert_eq!(
            workers(true, Some(3), 8),
            Some(3),
            "TOKIO_WORKER_THREADS decides"
        );
        assert_eq!(workers(false, Some(1), 8), Some(1));
    }
}
