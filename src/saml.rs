//! `idpsim saml response`: one signed SAML response, for scripts and other
//! test suites.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_certs::Material;
use idpsim_simulator::directory::User;
use idpsim_simulator::profile as scim;
use idpsim_simulator::saml::{GroupFilter, Login, Shape, SigAlg, SignMode, idp_metadata, response};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Profile {
    Okta,
    Entra,
    /// Google Workspace: Okta's shape, the closest idpsim has (the
    /// `google` SCIM profile's doc says what differs).
    Google,
    /// OneLogin: Okta's shape, the closest idpsim has.
    Onelogin,
    /// JumpCloud: Okta's shape, the closest idpsim has.
    Jumpcloud,
    /// PingFederate / PingOne: Okta's shape, the closest idpsim has.
    Ping,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Sign {
    Assertion,
    Response,
    Both,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Alg {
    RsaSha256,
    RsaSha512,
    /// Legacy SHA-1, for SPs that still require it; only in a build with
    /// `--features legacy-sha1` (OpenSSL signs it).
    RsaSha1,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Xml,
    Base64,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print one signed SAML response shaped like Okta's or Entra ID's.
    ///
    /// Without --certs it signs with the committed TEST-ONLY fixture key
    /// (certs/fixtures), which is public: fine for tests, worthless as proof.
    Response {
        /// The user signing in (userName / email).
        #[arg(long)]
        user: String,
        /// The SP's entity ID (the Audience).
        #[arg(long)]
        sp_entity_id: String,
        /// The SP's assertion consumer service URL.
        #[arg(long)]
        acs: String,
        /// The AuthnRequest ID this answers (omit for IdP-initiated).
        #[arg(long)]
        in_response_to: Option<String>,
        #[arg(long, value_enum, default_value_t = Profile::Okta)]
        profile: Profile,
        #[arg(long, value_enum, default_value_t = Sign::Assertion)]
        sign: Sign,
        #[arg(long, value_enum, default_value_t = Alg::RsaSha256)]
        alg: Alg,
        #[arg(long, value_enum, default_value_t = Format::Xml)]
        format: Format,
        /// A group the user is in (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Which groups go into the assertion: all, starts-with:P, ends-with:S,
        /// equals:G, contains:X or regex:R (Okta's and Entra's filters).
        #[arg(long, default_value = "all", value_parser = GroupFilter::parse)]
        group_filter: GroupFilter,
        /// Directory written by `idpsim certs init` holding idp-signing.{key,crt}.pem.
        #[arg(long, value_name = "DIR")]
        certs: Option<PathBuf>,
    },
    /// Print the IdP metadata: signing certificate, SSO endpoints for
    /// HTTP-Redirect and HTTP-POST, NameID formats.
    Metadata {
        #[arg(long, default_value = "http://www.okta.com/exkidpsim0000000000")]
        entity_id: String,
        #[arg(long, default_value = "http://127.0.0.1:8443/sso/saml")]
        sso_url: String,
        /// Directory written by `idpsim certs init`.
        #[arg(long, value_name = "DIR")]
        certs: Option<PathBuf>,
    },
}

/// The key material in `certs`, or the TEST-ONLY fixtures with a note.
pub(crate) fn material(certs: &Option<PathBuf>) -> anyhow::Result<Material> {
    match certs {
        Some(dir) => Material::load(dir, "")
            .with_context(|| format!("cannot read key material in {}", dir.display())),
        None => {
            eprintln!(
                "note: using the TEST-ONLY fixture key (public); pass --certs DIR for your own"
            );
            Ok(Material::fixtures())
        }
    }
}

impl Profile {
    /// The response shape and the IdP entity ID of this profile.
    pub(crate) fn shape(self) -> (Shape, String) {
        let shape = match self {
            Profile::Okta => Shape::idpsim_okta(),
            Profile::Entra => Shape::idpsim_entra(),
            // The SCIM profile's sign-in shape, so the two never disagree.
            Profile::Google => Shape::for_profile(&scim::GOOGLE),
            Profile::Onelogin => Shape::for_profile(&scim::ONELOGIN),
            Profile::Jumpcloud => Shape::for_profile(&scim::JUMPCLOUD),
            Profile::Ping => Shape::for_profile(&scim::PING),
        };
        let issuer = shape.issuer();
        (shape, issuer)
    }
}

impl Sign {
    pub(crate) fn mode(self) -> SignMode {
        match self {
            Sign::Assertion => SignMode::Assertion,
            Sign::Response => SignMode::Response,
            Sign::Both => SignMode::Both,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (
        user,
        sp_entity_id,
        acs,
        in_response_to,
        profile,
        sign,
        alg,
        format,
        groups,
        group_filter,
        certs,
    ) = match args.command {
        Command::Metadata {
            entity_id,
            sso_url,
            certs,
        } => {
            let m = material(&certs)?;
            crate::out(
                &idp_metadata(&entity_id, &sso_url, &m.idp_signing.cert_pem)
                    .map_err(anyhow::Error::msg)?,
            );
            return Ok(ExitCode::SUCCESS);
        }
        Command::Response {
            user,
            sp_entity_id,
            acs,
            in_response_to,
            profile,
            sign,
            alg,
            format,
            groups,
            group_filter,
            certs,
        } => (
            user,
            sp_entity_id,
            acs,
            in_response_to,
            profile,
            sign,
            alg,
            format,
            groups,
            group_filter,
            certs,
        ),
    };
    let material = material(&certs)?;
    let u = User::new(&user, String::new());
    let login = Login {
        user_name: user.clone(),
        given_name: u.given_name.clone(),
        family_name: u.family_name.clone(),
        display_name: u.display_name.clone(),
        email: user.clone(),
        object_id: uuid::Uuid::new_v4().to_string(),
        groups: group_filter.apply(&groups),
        sp_entity_id,
        acs_url: acs,
        in_response_to,
        now: time::OffsetDateTime::now_utc(),
        name_id_format: None,
        extra_attributes: vec![],
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    };
    let (shape, _) = profile.shape();
    let mode = sign.mode();
    let alg = match alg {
        Alg::RsaSha256 => SigAlg::RsaSha256,
        Alg::RsaSha512 => SigAlg::RsaSha512,
        Alg::RsaSha1 => SigAlg::RsaSha1,
    };
    let xml = response(&shape, &login, &material.idp_signing, mode, alg)?;
    match format {
        Format::Xml => crate::out(&xml),
        Format::Base64 => {
            use base64::Engine;
            crate::out(&base64::engine::general_purpose::STANDARD.encode(xml))
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Trust in the IdP that `shape` names, signing with the TEST-ONLY fixture
/// key: what the embedded target and `idpsim target` trust by default. The
/// SSO URL is nominal: the player answers AuthnRequests itself.
pub(crate) fn fixture_trust(
    shape: &Shape,
) -> anyhow::Result<idpsim_reference_sp::saml::SamlConfig> {
    let key =
        idpsim_reference_sp::saml::key_from_cert_pem(&Material::fixtures().idp_signing.cert_pem)
            .map_err(anyhow::Error::msg)?;
    Ok(idpsim_reference_sp::saml::SamlConfig::new(
        shape.issuer(),
        "http://127.0.0.1/idpsim-player/sso".into(),
        vec![key],
    ))
}
