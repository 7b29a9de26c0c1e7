//! The `idpsim` command line: argument parsing, wiring and exit codes only.
//! Exit codes: 0 success, 1 a check or threshold failed, 2 usage or
//! configuration error.

mod certs;
mod conform;
mod conform_saml;
mod har;
mod load;
mod play;
mod profile_arg;
mod record_proxy;
mod replay;
mod saml;
mod serve;
mod target;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// glibc's malloc spent a sixth of a load run's cycles (perf); mimalloc's
// thread-local free lists suit the many small, short-lived allocations of
// HTTP and JSON on both sides of a run. Built without transparent huge
// pages (`no_thp`): mimalloc asked for them on every region it mapped, so
// each first touch had the kernel zero 2 MiB, a fifth of a replay's samples
// (perf, 10,000-user fixture) and a peak RSS of 480 MiB against 337 MiB.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Simulated Okta and Microsoft Entra ID, for proving that a SCIM server or
/// SAML service provider works with real identity providers.
#[derive(Debug, Parser)]
#[command(name = "idpsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the reference SCIM service provider standalone on 127.0.0.1.
    ///
    /// It prints its SCIM base URL on the first line of standard output and
    /// serves until interrupted. Point any SCIM client at it, or use it to
    /// see what a fully conformant server answers.
    Target(target::Args),
    /// Play scenario files: the simulated IdP sends each step to the target
    /// exactly as Okta or Entra would, and checks the expectations.
    Play(play::PlayArgs),
    /// Run the conformance suites (RFC 7643/7644, Okta, Entra) against a
    /// SCIM server and write reports.
    Conform(Box<conform::Args>),
    /// Run the simulated IdP's SAML side: metadata, SSO (Redirect and POST),
    /// a login page listing the directory's users, IdP-initiated login.
    Serve(serve::Args),
    /// SAML as an IdP: `idpsim saml response` prints one signed response.
    Saml(saml::Args),
    /// Make signing and TLS material (idpsim certs init [DIR]).
    Certs(certs::Args),
    /// Replay recorded fixtures against a target and compare every answer
    /// with the recorded one.
    Replay(replay::Args),
    /// A recording reverse proxy between a real IdP and a SCIM server: what
    /// passes through is written as a fixture `replay` can send anywhere.
    RecordProxy(record_proxy::Args),
    /// Compare a scenario's directory with what the target lists: orphaned,
    /// missing and drifted accounts and memberships.
    Reconcile(play::ReconcileArgs),
    /// Load runs with goose: bulk sync, directory reset, churn, import;
    /// thresholds that exit 1; merging sharded runs.
    Load(Box<load::Args>),
}

/// Writes a line to stdout; a closed pipe (`idpsim … | head`) is not an
/// error worth a panic, so it is ignored, as ripgrep does.
pub fn out(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDPSIM_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // One request at a time needs one thread, and on one thread tasks run
    // in the order they were woken: the same scenario records the same
    // fixture on every run (the shipped fixtures rely on it).
    let mut builder = match &cli.command {
        Command::Play(args) if args.one_at_a_time() => {
            tokio::runtime::Builder::new_current_thread()
        }
        // One worker is the current-thread scheduler: goose's users and
        // its controller on one thread, with no hand-off between threads
        // per request.
        Command::Load(args) => match load::client_threads(args) {
            Some(1) => tokio::runtime::Builder::new_current_thread(),
            Some(n) => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(n);
                b
            }
            None => tokio::runtime::Builder::new_multi_thread(),
        },
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Target(args) => target::run(args).await,
            Command::Play(args) => play::play(args).await,
            Command::Conform(args) => conform::run(*args).await,
            Command::Certs(args) => certs::run(args),
            Command::Saml(args) => saml::run(args),
            Command::Serve(args) => serve::run(args).await,
            Command::Replay(args) => replay::run(args).await,
            Command::RecordProxy(args) => record_proxy::run(args).await,
            Command::Reconcile(args) => play::reconcile(args).await,
            Command::Load(args) => load::run(*args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
