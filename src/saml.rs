//! `idpsim saml response`: one signed SAML response, for scripts and other
//! test suites.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use idpsim_certs::Material;
use idpsim_simulator::directory::User;
use idpsim_simulator::profile as scim;
use idpsim_simulator::saml::defaults::{parse_age, parse_name_id_format};
use idpsim_simulator::saml::{
    Attributes, GroupFilter, GroupsClaim, Login, SamlDefaults, Shape, SigAlg, SignMode, Validity,
    idp_metadata, response,
};

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
enum AttributesArg {
    /// No attribute statements (a fresh Okta app).
    None,
    /// Okta: email, firstName, lastName; Entra: its fixed claim set.
    Profile,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GroupsClaimArg {
    Off,
    /// Group display names (Okta's group attribute statement).
    Names,
    /// Group object ids, GUIDs (Entra's groups claim).
    Ids,
}

/// The SAML app's settings. Every default is the profile's freshly
/// configured app (IDP-ENGINES.md §3, rows S4, S8, S9, S12–S14); each flag
/// overrides one.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct AppFlags {
    /// What is signed [default: okta both (Response and Assertion), entra
    /// assertion] (S4).
    #[arg(long, value_enum)]
    sign: Option<Sign>,
    /// Attribute statements besides the groups claim [default: okta none, a
    /// fresh Okta app has none; entra profile, its fixed claim set] (S13).
    #[arg(long, value_enum)]
    attributes: Option<AttributesArg>,
    /// The groups claim [default: off for both] (S14). --group-filter alone
    /// turns it on: names for okta, object ids for entra.
    #[arg(long, value_enum)]
    groups_claim: Option<GroupsClaimArg>,
    /// Which groups go into the groups claim: all, starts-with:P,
    /// ends-with:S, equals:G, contains:X or regex:R (Okta's and Entra's
    /// filters) [default: all, once the claim is on].
    #[arg(long, value_parser = GroupFilter::parse)]
    group_filter: Option<GroupFilter>,
    /// The app's NameID format: unspecified, email, persistent or transient
    /// [default: okta unspecified (the username), entra email (the UPN)]
    /// (S12). Okta answers a request asking another format with an error
    /// response, not a different NameID.
    #[arg(long, value_parser = parse_name_id_format)]
    name_id_format: Option<&'static str>,
    /// Validity window: okta (T-5..T+5 min), entra-protocol (T..T+70 min,
    /// Entra's protocol page) or entra-token-reference (T-5..T+55 min, its
    /// token-reference sample) [default: the profile's] (S8).
    #[arg(long, value_parser = Validity::parse)]
    validity: Option<Validity>,
    /// How long before the (first) sign-in the user's IdP session
    /// authenticated: AuthnInstant is that much older than IssueInstant
    /// (90s, 8h, 30d; 30d reproduces "Authentication statement is too
    /// old"). `serve` keeps each user's session, so later sign-ins keep
    /// its AuthnInstant (S9).
    #[arg(long, value_parser = parse_age, default_value = "0s")]
    session_age: time::Duration,
}

impl AppFlags {
    /// The profile's app with these flags applied, and the group filter.
    pub(crate) fn apply(&self, base: SamlDefaults) -> (SamlDefaults, GroupFilter) {
        let mut app = base;
        if let Some(s) = self.sign {
            app.sign = s.mode();
        }
        if let Some(a) = self.attributes {
            app.attributes = match a {
                AttributesArg::None => Attributes::None,
                AttributesArg::Profile => Attributes::Profile,
            };
        }
        app.groups = match (self.groups_claim, &self.group_filter) {
            (Some(GroupsClaimArg::Off), _) => GroupsClaim::Off,
            (Some(GroupsClaimArg::Names), _) => GroupsClaim::Names,
            (Some(GroupsClaimArg::Ids), _) => GroupsClaim::ObjectIds,
            // Configuring a filter is configuring the claim.
            (None, Some(_)) => app.groups_when_on,
            (None, None) => app.groups,
        };
        if let Some(f) = self.name_id_format {
            app.name_id_format = f;
        }
        if let Some(v) = self.validity {
            app.validity = v;
        }
        let filter = self.group_filter.clone().unwrap_or(GroupFilter::All);
        (app, filter)
    }

    pub(crate) fn session_age(&self) -> time::Duration {
        self.session_age
    }
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
    /// With no other flags it is what a freshly configured app of the
    /// profile sends: okta signs the Response and the Assertion and sends no
    /// attributes; entra signs the Assertion and sends its fixed claims;
    /// neither sends groups. Each setting has its flag below.
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
        #[command(flatten)]
        app: AppFlags,
        #[arg(long, value_enum, default_value_t = Alg::RsaSha256)]
        alg: Alg,
        #[arg(long, value_enum, default_value_t = Format::Xml)]
        format: Format,
        /// A group the user is in (repeatable); sent only when the groups
        /// claim is on (--groups-claim or --group-filter).
        #[arg(long = "group")]
        groups: Vec<String>,
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
    /// What a freshly configured app of this IdP sends.
    pub(crate) fn defaults(self) -> SamlDefaults {
        match self {
            Profile::Okta => SamlDefaults::OKTA,
            Profile::Entra => SamlDefaults::ENTRA,
            // Each SCIM profile's own app, so sign-ins and `saml response` agree.
            Profile::Google => scim::GOOGLE.saml,
            Profile::Onelogin => scim::ONELOGIN.saml,
            Profile::Jumpcloud => scim::JUMPCLOUD.saml,
            Profile::Ping => scim::PING.saml,
        }
    }

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
    let (user, sp_entity_id, acs, in_response_to, profile, app, alg, format, groups, certs) =
        match args.command {
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
                app,
                alg,
                format,
                groups,
                certs,
            } => (
                user,
                sp_entity_id,
                acs,
                in_response_to,
                profile,
                app,
                alg,
                format,
                groups,
                certs,
            ),
        };
    let material = material(&certs)?;
    let u = User::new(&user, String::new());
    let (app_settings, group_filter) = app.apply(profile.defaults());
    let now = time::OffsetDateTime::now_utc();
    let login = Login {
        user_name: user.clone(),
        given_name: u.given_name.clone(),
        family_name: u.family_name.clone(),
        display_name: u.display_name.clone(),
        email: user.clone(),
        object_id: uuid::Uuid::new_v4().to_string(),
        groups: app_settings.group_values_of_names(group_filter.apply(&groups)),
        sp_entity_id,
        acs_url: acs,
        in_response_to,
        now,
        authn_instant: now - app.session_age(),
        name_id_format: None,
        extra_attributes: vec![],
        app: app_settings,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    };
    let (shape, _) = profile.shape();
    let mode = app_settings.sign;
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
