//! `--har FILE`: every SCIM exchange of a run as HTTP Archive 1.2, secrets
//! redacted, for a browser's developer tools or a HAR viewer.

use std::path::{Path, PathBuf};

use anyhow::Context;
use idpsim_simulator::client::{self, Exchange};
use idpsim_simulator::fixtures::har;
use idpsim_simulator::fixtures::redact::Secrets;

/// Starts keeping every exchange when a HAR file was asked for.
pub fn start(path: &Option<PathBuf>) {
    if path.is_some() {
        client::tap_all();
    }
}

/// Writes what was kept since [`start`].
pub fn finish(path: &Option<PathBuf>) -> anyhow::Result<()> {
    match path {
        Some(p) => write(p, &client::take_tapped(), &Secrets::default()),
        None => Ok(()),
    }
}

pub fn write(path: &Path, exchanges: &[Exchange], secrets: &Secrets) -> anyhow::Result<()> {
    let log = har::log(exchanges, secrets);
    std::fs::write(path, serde_json::to_string_pretty(&log)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {} ({} exchanges)", path.display(), exchanges.len());
    Ok(())
}
