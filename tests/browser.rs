//! End to end in a real browser: headless Debian Chromium, driven over
//! WebDriver, opens the reference SP, is sent to `idpsim serve`'s login
//! page, picks a user, and lands back signed in, with `/whoami` showing
//! the user and the groups SCIM gave them. The login page's screenshot is
//! kept at `target/saml-login-page.png` for CI.

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use idpsim_certs::Material;
use idpsim_reference_sp::saml::{SamlConfig, key_from_cert_pem};
use idpsim_reference_sp::{Config, spawn};
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::directory::{Directory, Generate};
use idpsim_simulator::idp::{Idp, Progress};
use idpsim_simulator::profile::OKTA;
use idpsim_simulator::saml::server::{self, IdpConfig, ServiceProvider};
use idpsim_simulator::saml::{GroupFilter, SamlDefaults, Shape, SigAlg};
use serde_json::Value;

#[path = "support/chromium.rs"]
mod chromium;

use chromium::free_port;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_through_the_idp_login_page() {
    sign_in_through("127.0.0.1", Some("target/saml-login-page.png")).await;
}

/// The IdP on another site than the SP (`localhost` against `127.0.0.1`),
/// as Okta and Entra always are: its POST to the ACS is cross-site, so the
/// cookie that binds the AuthnRequest to this browser must not be
/// `SameSite=Lax` (Chromium would keep it back and the SP would refuse the
/// answer as solicited by another browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_through_an_idp_on_another_site() {
    sign_in_through("localhost", None).await;
}

/// SP-initiated sign-in in headless Chromium, with the browser sent to
/// the IdP at `idp_host`; the login page is saved to `shot` if given.
async fn sign_in_through(idp_host: &str, shot: Option<&str>) {
    let fixtures = Material::fixtures();
    let app_key = "exkidpsim0000000000".to_owned();
    let idp_entity = format!("http://www.okta.com/{app_key}");

    // The SP's port is fixed first, so the IdP can be told where its ACS is.
    let sp_port = free_port();
    let sp_origin = format!("http://127.0.0.1:{sp_port}");
    let dir = Directory::generate(&Generate {
        seed: 11,
        users: 6,
        groups: 3,
        domain: "example.com".into(),
    });
    // Okta's fresh app, its Name ID format set to the emailAddress the
    // SP's metadata asks for, as an admin following its guide would (S12).
    let app = SamlDefaults {
        name_id_format: idpsim_simulator::saml::defaults::EMAIL,
        ..OKTA.saml
    };
    let idp = server::spawn(
        IdpConfig {
            shape: Shape::Okta { app_key },
            entity_id: idp_entity.clone(),
            signing: fixtures.idp_signing.clone(),
            sign: app.sign,
            alg: SigAlg::RsaSha256,
            group_filter: GroupFilter::All,
            app,
            session_age: time::Duration::ZERO,
            sp: ServiceProvider {
                entity_id: format!("{sp_origin}/saml/metadata"),
                acs_url: format!("{sp_origin}/saml/acs"),
                attributes: vec![],
            },
            port: 0,
            other_sps: vec![],
            tls: None,
        },
        dir.clone(),
    )
    .await
    .unwrap();
    let idp_base = idp.base_url.replacen("127.0.0.1", idp_host, 1);
    let saml = SamlConfig::new(
        idp_entity,
        format!("{idp_base}/sso/saml"),
        vec![key_from_cert_pem(&fixtures.idp_signing.cert_pem).unwrap()],
    );
    let sp = spawn(Config {
        port: sp_port,
        saml: Some(saml),
        ..Config::default()
    })
    .await
    .unwrap();

    // Provision the directory the way Okta would, so the SP knows the
    // users and their groups.
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().to_owned()),
    ))
    .unwrap();
    let mut okta = Idp::new(dir.clone(), &OKTA, client);
    okta.full_sync(Arc::new(Progress::default())).await.unwrap();
    let user = dir
        .users()
        .find(|u| !dir.groups_of(&u.user_name).is_empty())
        .expect("a generated user with groups")
        .clone();
    let groups = dir.groups_of(&user.user_name);

    let chrome = chromium::launch(&format!("browser-{idp_host}"), (1200, 900)).await;
    let browser = &chrome.client;

    let outcome = async {
        browser.goto(&format!("{sp_origin}/saml/login")).await?;
        // The SP redirected to the IdP's login page.
        let search = browser.find(Locator::Css("input#q")).await?;
        let url = browser.current_url().await?;
        assert!(
            url.as_str().starts_with(&idp_base),
            "expected the IdP's login page, at {url}"
        );
        if let Some(shot) = shot {
            let png = browser.screenshot().await?;
            let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(shot);
            std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
            std::fs::write(&shot, png).unwrap();
        }

        search.send_keys(&user.user_name).await?;
        let button = browser
            .find(Locator::XPath(&format!(
                "//span[text()='{}']/preceding-sibling::button",
                user.user_name
            )))
            .await?;
        button.click().await?;
        // The auto-submitting form posts to the ACS, which redirects to /whoami.
        for _ in 0..150 {
            if browser.current_url().await?.path() == "/whoami" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let text = browser.find(Locator::Css("body")).await?.text().await?;
        Ok::<String, fantoccini::error::CmdError>(text)
    }
    .await;
    chrome.close().await;
    let text = outcome.expect("the browser flow");
    let me: Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(me["signedIn"], true, "{me}");
    assert_eq!(me["userName"], user.user_name.as_str());
    let mut got: Vec<String> = me["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = groups.clone();
    want.sort();
    assert_eq!(got, want);
    drop(idp);
    sp.shutdown().await;
}
