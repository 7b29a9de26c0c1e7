//! `idpsim conform --saml`: the SAML cases against a service provider, the
//! embedded reference SP (SAML on, trusting idpsim's IdP) by default.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use idpsim_certs::Material;
use idpsim_conformance::report;
use idpsim_conformance::saml::case::Kind;
use idpsim_conformance::saml::{self, Options, Setup, SpTarget, Success, cases};
use idpsim_reference_sp::saml::SamlQuirk;

use crate::saml::{Profile, Sign};

/// The SAML flags of `idpsim conform`.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "SAML (with --saml)")]
pub struct SamlArgs {
    /// Run the SAML service-provider cases instead of the SCIM suites.
    #[arg(long)]
    pub saml: bool,
    /// Where a browser starts an SP-initiated login (the SP redirects or
    /// posts an AuthnRequest from there).
    #[arg(long, value_name = "URL")]
    pub sp_login: Option<String>,
    /// The SP's assertion consumer service (needed with --idp-initiated).
    #[arg(long, value_name = "URL")]
    pub acs: Option<String>,
    /// Post unsolicited responses to --acs instead of starting logins.
    #[arg(long)]
    pub idp_initiated: bool,
    /// A page naming the signed-in user (the default success oracle).
    #[arg(long, value_name = "URL")]
    pub sp_whoami: Option<String>,
    /// Success is the ACS answering this status.
    #[arg(long, value_name = "CODE")]
    pub success_status: Option<u16>,
    /// Success is the ACS redirecting to a URL matching this.
    #[arg(long, value_name = "REGEX")]
    pub success_redirect: Option<String>,
    /// Success is the ACS setting this cookie.
    #[arg(long, value_name = "NAME")]
    pub success_cookie: Option<String>,
    /// The SP requires signed assertions (WantAssertionsSigned): a
    /// response signed only at the Response is then not expected to sign in.
    #[arg(long)]
    pub sp_requires_signed_assertions: bool,
    /// The SP's entity ID (the Audience); by default the AuthnRequest's Issuer.
    #[arg(long, value_name = "ID")]
    pub sp_entity_id: Option<String>,
    /// A user the SP knows: who the canary signs in.
    #[arg(long, value_name = "NAME", default_value = "idpsim-user@example.com")]
    pub user: String,
    /// A second real account, the attacker's own.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "idpsim-attacker@example.com"
    )]
    pub attacker: String,
    /// Whose response shape to send.
    #[arg(long, value_enum, default_value_t = Profile::Okta)]
    pub profile: Profile,
    /// What the genuine responses sign.
    #[arg(long, value_enum, default_value_t = Sign::Assertion)]
    pub sign: Sign,
    /// Directory of `idpsim certs init` with the IdP key the SP trusts
    /// (default: the TEST-ONLY fixture key, as `idpsim saml metadata`).
    #[arg(long, value_name = "DIR")]
    pub certs: Option<PathBuf>,
    /// Case kinds beyond the standard ones: `resource` (bombs, oversize).
    #[arg(long, value_name = "KIND")]
    pub include: Vec<String>,
    /// The canary sign-in runs again after this many cases.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub canary_every: usize,
    /// Break the embedded reference SP's SAML side on purpose (repeatable).
    #[arg(long = "saml-quirk", value_name = "QUIRK", value_parser = parse_quirk)]
    pub saml_quirks: Vec<SamlQuirk>,
}

fn parse_quirk(s: &str) -> Result<SamlQuirk, String> {
    s.parse()
}

fn success(a: &SamlArgs) -> anyhow::Result<Option<Success>> {
    let picked = [
        a.sp_whoami.is_some(),
        a.success_status.is_some(),
        a.success_redirect.is_some(),
        a.success_cookie.is_some(),
    ];
    if picked.iter().filter(|p| **p).count() > 1 {
        bail!("give one of --sp-whoami, --success-status, --success-redirect, --success-cookie");
    }
    Ok(if let Some(u) = &a.sp_whoami {
        Some(Success::Whoami(u.clone()))
    } else if let Some(s) = a.success_status {
        Some(Success::Status(s))
    } else if let Some(r) = &a.success_redirect {
        Some(Success::Redirect(
            regex::Regex::new(r).with_context(|| format!("--success-redirect {r:?}"))?,
        ))
    } else {
        a.success_cookie.clone().map(Success::Cookie)
    })
}

pub async fn run(
    a: &SamlArgs,
    only: Option<String>,
    list: bool,
    timeout: u64,
    outputs: Vec<(String, PathBuf)>,
) -> anyhow::Result<ExitCode> {
    let all = cases::all();
    if list {
        for c in &all {
            println!(
                "{:<48} {:<16} {:<9} {}\t{}\t[proof: {}]",
                c.id,
                format!("{:?}", c.expect),
                if c.kind == Kind::Resource {
                    "resource"
                } else {
                    "standard"
                },
                c.title,
                c.source,
                c.proof.join(", ")
            );
        }
        crate::out(&format!("{} cases", all.len()));
        return Ok(ExitCode::SUCCESS);
    }
    for k in &a.include {
        if k != "resource" {
            bail!("--include {k:?}: known kinds: resource");
        }
    }
    let material = match &a.certs {
        Some(dir) => Material::load(dir, "")
            .with_context(|| format!("cannot read key material in {}", dir.display()))?,
        None => Material::fixtures(),
    };
    let (shape, issuer) = a.profile.shape();
    let setup = Setup {
        shape: shape.clone(),
        sign: a.sign.mode(),
        idp_key: material.idp_signing.clone(),
        attacker_key: Material::fixtures().sp_encryption,
        user: a.user.clone(),
        attacker: a.attacker.clone(),
    };
    let external = a.sp_login.is_some() || a.acs.is_some();
    if !external && a.idp_initiated {
        bail!("--idp-initiated needs --acs (and --sp-entity-id)");
    }
    if external && !a.saml_quirks.is_empty() {
        bail!(
            "--saml-quirk breaks the embedded reference SP; it means nothing with --sp-login/--acs"
        );
    }
    let mut _embedded = None;
    let target = if external {
        SpTarget {
            login_url: a.sp_login.clone(),
            acs_url: a.acs.clone(),
            idp_initiated: a.idp_initiated,
            entity_id: a.sp_entity_id.clone(),
            requires_signed_assertion: a.sp_requires_signed_assertions,
            success: success(a)?.context("say how to tell a sign-in: --sp-whoami URL (or --success-status, --success-redirect, --success-cookie)")?,
            timeout: Duration::from_secs(timeout.max(1)),
        }
    } else {
        let key = idpsim_reference_sp::saml::key_from_cert_pem(&material.idp_signing.cert_pem)
            .map_err(anyhow::Error::msg)?;
        let mut c = idpsim_reference_sp::saml::SamlConfig::new(
            issuer,
            "http://127.0.0.1/idpsim-conform/sso".into(),
            vec![key],
        );
        c.quirks = a.saml_quirks.iter().copied().collect();
        let config = idpsim_reference_sp::Config {
            saml: Some(c),
            ..Default::default()
        };
        let sp = idpsim_reference_sp::spawn(config)
            .await
            .context("cannot start the embedded reference SP")?;
        let http = reqwest::Client::new();
        for u in [&a.user, &a.attacker] {
            let r = http
                .post(format!("{}/Users", sp.base_url()))
                .bearer_auth(sp.token())
                .json(&serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": u, "active": true}))
                .send()
                .await
                .context("cannot provision the embedded SP")?;
            if r.status() != 201 {
                bail!("the embedded SP refused to provision {u:?}: {}", r.status());
            }
        }
        let t = SpTarget {
            login_url: Some(format!("{}/saml/login", sp.origin())),
            acs_url: None,
            idp_initiated: false,
            entity_id: None,
            success: Success::Whoami(format!("{}/whoami", sp.origin())),
            requires_signed_assertion: false,
            timeout: Duration::from_secs(timeout.max(1)),
        };
        _embedded = Some(sp);
        t
    };
    let opts = Options {
        only,
        include_resource: a.include.iter().any(|k| k == "resource"),
        canary_every: a.canary_every.max(1),
        progress: std::io::stderr().is_terminal(),
        ..Options::default()
    };
    let r = saml::run(&all, target, &setup, &opts)
        .await
        .map_err(anyhow::Error::msg)?;
    print!("{}", report::console(&r, std::io::stdout().is_terminal()));
    for (format, path) in outputs {
        let text = match format.as_str() {
            "junit" => report::junit(&r),
            "json" => report::json(&r),
            "html" => report::html(&r),
            _ => report::markdown(&r),
        };
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
