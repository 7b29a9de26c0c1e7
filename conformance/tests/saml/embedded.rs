//! The reference SP with its SAML side on, trusting the TEST-ONLY fixture
//! key as idpsim's Okta app, with the run's two accounts provisioned.

use std::time::Duration;

use idpsim_certs::Material;
use idpsim_conformance::saml::{Setup, SpTarget, Success};
use idpsim_reference_sp::saml::{SamlConfig, SamlQuirk, key_from_cert_pem};
use idpsim_reference_sp::{Config, Handle, Quirk};
use idpsim_simulator::saml::{Shape, SignMode};

pub const USER: &str = "idpsim-user@example.com";
pub const ATTACKER: &str = "idpsim-attacker@example.com";

/// A reference SP breaking `saml` (SAML quirks) and `scim` (SCIM quirks).
pub async fn start(saml: &[SamlQuirk], scim: &[Quirk]) -> Handle {
    let shape = Shape::idpsim_okta();
    let key = key_from_cert_pem(&Material::fixtures().idp_signing.cert_pem).unwrap();
    let mut c = SamlConfig::new(
        shape.issuer(),
        "http://127.0.0.1:9/sso/saml".into(),
        vec![key],
    );
    c.quirks = saml.iter().copied().collect();
    let mut config = Config::default();
    config.quirks.extend(scim.iter().copied());
    config.saml = Some(c);
    let sp = idpsim_reference_sp::spawn(config).await.unwrap();
    let http = reqwest::Client::new();
    for u in [USER, ATTACKER] {
        let r = http
            .post(format!("{}/Users", sp.base_url()))
            .bearer_auth(sp.token())
            .json(&serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": u, "active": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "provisioning {u}");
    }
    sp
}

pub fn target(sp: &Handle) -> SpTarget {
    SpTarget {
        login_url: Some(format!("{}/saml/login", sp.origin())),
        acs_url: None,
        idp_initiated: false,
        entity_id: None,
        success: Success::Whoami(format!("{}/whoami", sp.origin())),
        requires_signed_assertion: false,
        timeout: Duration::from_secs(10),
    }
}

pub fn setup() -> Setup {
    let m = Material::fixtures();
    Setup {
        shape: Shape::idpsim_okta(),
        sign: SignMode::Assertion,
        idp_key: m.idp_signing.clone(),
        attacker_key: m.sp_encryption.clone(),
        user: USER.into(),
        attacker: ATTACKER.into(),
    }
}
