//! `idpsim certs init`: a fresh set of signing and TLS material.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_certs::Material;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write an IdP signing key and certificate (RSA-2048), an SP encryption
    /// key and certificate, and a local CA with a TLS leaf for 127.0.0.1.
    ///
    /// Private keys are written mode 0600; existing files are never
    /// overwritten without --force.
    Init {
        /// Where to write the PEM files.
        #[arg(default_value = "idpsim-certs")]
        dir: PathBuf,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// Prefix for every file name (the committed fixtures use TEST-ONLY-).
        #[arg(long, default_value = "")]
        prefix: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Init { dir, force, prefix } => {
            let m = Material::generate().context("cannot generate key material")?;
            let written = match m.save(&dir, &prefix, force) {
                Ok(w) => w,
                Err(e @ idpsim_certs::CertError::Exists(_)) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
            };
            for p in written {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
