//! The running IdP: AuthnRequest in (Redirect and POST), login page,
//! signed response out to the configured ACS only.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idpsim_certs::Material;
use idpsim_simulator::directory::Directory;
use idpsim_simulator::saml::server::{IdpConfig, ServiceProvider, spawn};
use idpsim_simulator::saml::{GroupFilter, SamlDefaults, Shape, SigAlg, SignMode};

fn request(id: &str, acs: &str) -> String {
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="{acs}"><saml:Issuer>https://sp.example</saml:Issuer></samlp:AuthnRequest>"#
    )
}

fn deflate(s: &str) -> String {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(s.as_bytes()).unwrap();
    B64.encode(e.finish().unwrap())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

async fn idp() -> idpsim_simulator::saml::server::IdpHandle {
    idp_shaped(Shape::Okta {
        app_key: "exkidpsim0000000000".into(),
    })
    .await
}

async fn idp_shaped(shape: Shape) -> idpsim_simulator::saml::server::IdpHandle {
    let mut dir = Directory::new(1);
    let u = dir.new_user("ann.lee@example.com");
    dir.add_user(u);
    let u = dir.new_user("bo.kim@example.com");
    dir.add_user(u);
    dir.add_group("app-eng")
        .members
        .insert("ann.lee@example.com".into());
    let fresh = SamlDefaults::for_shape(&shape);
    let config = IdpConfig {
        entity_id: shape.issuer(),
        shape,
        signing: Material::fixtures().idp_signing,
        sign: SignMode::Assertion,
        alg: SigAlg::RsaSha256,
        group_filter: GroupFilter::parse("starts-with:app-").unwrap(),
        // The groups claim on, as `--group-filter` turns it on.
        app: SamlDefaults {
            groups: fresh.groups_when_on,
            ..fresh
        },
        session_age: time::Duration::ZERO,
        sp: ServiceProvider {
            entity_id: "https://sp.example".into(),
            acs_url: "https://sp.example/acs".into(),
            attributes: vec![],
        },
        port: 0,
        other_sps: vec![],
        tls: None,
    };
    spawn(config, dir).await.unwrap()
}

#[tokio::test]
async fn redirect_login_posts_a_signed_response_to_the_acs() {
    let idp = idp().await;
    let c = reqwest::Client::new();
    let url = format!(
        "{}/sso/saml?SAMLRequest={}&RelayState={}",
        idp.base_url,
        enc(&deflate(&request("_req-9", "https://sp.example/acs"))),
        enc("<back & forth>")
    );
    let page = c.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("ann.lee@example.com")
            && page.contains("bo.kim@example.com")
            && page.contains("app-eng")
    );
    assert!(
        page.contains("&lt;back &amp; forth&gt;") && !page.contains("<back"),
        "RelayState is escaped"
    );
    let form = [
        ("user", "ann.lee@example.com"),
        ("request_id", "_req-9"),
        ("relay_state", "<back & forth>"),
    ];
    let done = c
        .post(format!("{}/sso/login", idp.base_url))
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        done.contains("action=\"https://sp.example/acs\"")
            && done.contains("onload=\"document.forms[0].submit()\"")
    );
    assert_eq!(
        input(&done, "RelayState").as_deref(),
        Some("&lt;back &amp; forth&gt;")
    );
    let xml =
        String::from_utf8(B64.decode(input(&done, "SAMLResponse").unwrap()).unwrap()).unwrap();
    assert!(
        xml.contains("InResponseTo=\"_req-9\"")
            && xml.contains(">app-eng<")
            && xml.contains(">ann.lee@example.com<")
    );
}

#[tokio::test]
async fn post_binding_and_refusals() {
    let idp = idp().await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/sso/saml", idp.base_url))
        .form(&[(
            "SAMLRequest",
            B64.encode(request("_p1", "https://sp.example/acs")),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let elsewhere = format!(
        "{}/sso/saml?SAMLRequest={}",
        idp.base_url,
        enc(&deflate(&request("_x", "https://evil.example/acs")))
    );
    assert_eq!(
        c.get(&elsewhere).send().await.unwrap().status(),
        400,
        "responses go only to the configured ACS"
    );
    let dtd = format!(
        "<!DOCTYPE x [<!ENTITY e \"boom\">]>{}",
        request("_d", "https://sp.example/acs")
    );
    let r = c
        .get(format!(
            "{}/sso/saml?SAMLRequest={}",
            idp.base_url,
            enc(&deflate(&dtd))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("DTD"));
    let md = c
        .get(format!("{}/metadata", idp.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("X509Certificate") && md.contains(&format!("{}/sso/saml", idp.base_url)));
    let ip = c
        .get(format!("{}/sso/idp-initiated", idp.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ip.status(), 200);
}

#[tokio::test]
async fn entra_refuses_an_unsupported_name_id_policy_with_an_error_response() {
    let x509 = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
    let req = request("_req-x", "https://sp.example/acs").replace(
        "</samlp:AuthnRequest>",
        &format!("<samlp:NameIDPolicy Format=\"{x509}\"/></samlp:AuthnRequest>"),
    );
    let c = reqwest::Client::new();
    let url = |base: &str| format!("{base}/sso/saml?SAMLRequest={}", enc(&deflate(&req)));
    let entra = idp_shaped(Shape::idpsim_entra()).await;
    let page = c
        .get(url(&entra.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let xml =
        String::from_utf8(B64.decode(input(&page, "SAMLResponse").unwrap()).unwrap()).unwrap();
    assert!(
        xml.contains("status:Requester") && xml.contains("status:InvalidNameIDPolicy"),
        "{xml}"
    );
    assert!(
        xml.contains("InResponseTo=\"_req-x\"") && !xml.contains("Assertion"),
        "{xml}"
    );
    assert!(page.contains("action=\"https://sp.example/acs\""));
}

/// S12: an Okta app answers a NameIDPolicy other than its configured
/// format (or unspecified) with an error Status, not a bent NameID.
#[tokio::test]
async fn okta_refuses_a_name_id_format_other_than_the_apps() {
    let asking = |format: &str| {
        request("_req-f", "https://sp.example/acs").replace(
            "</samlp:AuthnRequest>",
            &format!("<samlp:NameIDPolicy Format=\"{format}\"/></samlp:AuthnRequest>"),
        )
    };
    let c = reqwest::Client::new();
    let okta = idp().await;
    let get = |req: String| {
        let c = c.clone();
        let url = format!(
            "{}/sso/saml?SAMLRequest={}",
            okta.base_url,
            enc(&deflate(&req))
        );
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = get(asking(
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    ))
    .await;
    let xml =
        String::from_utf8(B64.decode(input(&page, "SAMLResponse").unwrap()).unwrap()).unwrap();
    assert!(
        xml.starts_with("<saml2p:Response")
            && xml.contains("status:Requester")
            && xml.contains("status:InvalidNameIDPolicy")
            && !xml.contains("Assertion"),
        "{xml}"
    );
    // Unspecified asks for nothing in particular: the login page.
    let page = get(asking(
        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    ))
    .await;
    assert!(page.contains("search users"), "{page}");
}

/// `idpsim serve --profile okta` with no other flags: Okta's fresh app
/// (S4 both signed, S13 no attributes, S14 no groups), and AuthnInstant
/// from the user's IdP session (S9): `--session-age` back-dates it, and a
/// second sign-in rides on the same session.
#[tokio::test]
async fn serve_follows_the_fresh_okta_app() {
    let mut dir = Directory::new(1);
    let u = dir.new_user("ann.lee@example.com");
    dir.add_user(u);
    dir.add_group("app-eng")
        .members
        .insert("ann.lee@example.com".into());
    let app = SamlDefaults::OKTA;
    let config = IdpConfig {
        entity_id: Shape::idpsim_okta().issuer(),
        shape: Shape::idpsim_okta(),
        signing: Material::fixtures().idp_signing,
        sign: app.sign,
        alg: SigAlg::RsaSha256,
        group_filter: GroupFilter::All,
        app,
        session_age: time::Duration::days(30),
        sp: ServiceProvider {
            entity_id: "https://sp.example".into(),
            acs_url: "https://sp.example/acs".into(),
            attributes: vec![],
        },
        other_sps: vec![],
        port: 0,
        tls: None,
    };
    let idp = spawn(config, dir).await.unwrap();
    let c = reqwest::Client::new();
    let sign_in = || async {
        let done = c
            .post(format!("{}/sso/login", idp.base_url))
            .form(&[("user", "ann.lee@example.com")])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        String::from_utf8(B64.decode(input(&done, "SAMLResponse").unwrap()).unwrap()).unwrap()
    };
    let first = sign_in().await;
    assert_eq!(first.matches("<ds:Signature ").count(), 2, "{first}");
    assert!(!first.contains("AttributeStatement") && !first.contains("app-eng"));
    let instant = |xml: &str| {
        let i = xml.find("AuthnInstant=\"").unwrap() + 14;
        xml[i..i + xml[i..].find('"').unwrap()].to_owned()
    };
    let issued = |xml: &str| {
        let i = xml.find("IssueInstant=\"").unwrap() + 14;
        xml[i..i + xml[i..].find('"').unwrap()].to_owned()
    };
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let age = parse(&issued(&first)) - parse(&instant(&first));
    assert!(
        age >= time::Duration::days(30)
            && age < time::Duration::days(30) + time::Duration::minutes(1),
        "{age}"
    );
    let second = sign_in().await;
    assert_eq!(instant(&second), instant(&first), "the same IdP session");
}

#[tokio::test]
async fn several_sps_each_get_their_own_acs_and_attribute_mapping() {
    use idpsim_simulator::saml::server::UserField;
    use idpsim_simulator::saml::sp_config;
    let mut dir = Directory::new(1);
    let mut u = dir.new_user("ann.lee@example.com");
    u.department = Some("R&D".into());
    dir.add_user(u);
    let sps = sp_config::parse(
        "idp.yaml",
        "service_providers:\n  - { entity_id: https://sp.example, acs: https://sp.example/acs }\n  - entity_id: https://two.example\n    acs: https://two.example/acs\n    attributes: { dept: department, login: user_name }\n",
    )
    .unwrap();
    let mut sps = sps.into_iter();
    let config = IdpConfig {
        entity_id: Shape::idpsim_okta().issuer(),
        shape: Shape::idpsim_okta(),
        signing: Material::fixtures().idp_signing,
        sign: SignMode::Assertion,
        alg: SigAlg::RsaSha256,
        group_filter: GroupFilter::All,
        app: SamlDefaults::OKTA,
        session_age: time::Duration::ZERO,
        sp: sps.next().unwrap(),
        other_sps: sps.collect(),
        port: 0,
        tls: None,
    };
    assert_eq!(
        config.other_sps[0].attributes[0],
        ("dept".to_owned(), UserField::Department)
    );
    let idp = spawn(config, dir).await.unwrap();
    let c = reqwest::Client::new();
    let req = request("_two", "https://two.example/acs")
        .replace("https://sp.example", "https://two.example");
    let page = c
        .get(format!(
            "{}/sso/saml?SAMLRequest={}",
            idp.base_url,
            enc(&deflate(&req))
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in to https://two.example"), "{page}");
    assert_eq!(input(&page, "sp").as_deref(), Some("https://two.example"));
    let done = c
        .post(format!("{}/sso/login", idp.base_url))
        .form(&[
            ("user", "ann.lee@example.com"),
            ("request_id", "_two"),
            ("sp", "https://two.example"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        done.contains("action=\"https://two.example/acs\""),
        "{done}"
    );
    let xml =
        String::from_utf8(B64.decode(input(&done, "SAMLResponse").unwrap()).unwrap()).unwrap();
    assert!(
        xml.contains("Name=\"dept\"") && xml.contains(">R&amp;D<"),
        "{xml}"
    );
    assert!(
        xml.contains("Name=\"login\"") && xml.contains("<saml2:Audience>https://two.example<"),
        "{xml}"
    );
    // A request from an SP nobody configured is refused.
    let stranger = request("_x", "https://evil.example/acs")
        .replace("https://sp.example<", "https://evil.example<");
    let r = c
        .get(format!(
            "{}/sso/saml?SAMLRequest={}",
            idp.base_url,
            enc(&deflate(&stranger))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("no service provider"));
}

/// Issue 14: `idpsim serve` had no time limit on reading a body, so a
/// client that sent headers and then trickled (or withheld) its form held
/// the connection and handler forever. It now gets a 503 after
/// `REQUEST_TIMEOUT`; the clock is paused, so the test takes no real time.
#[tokio::test(start_paused = true)]
async fn a_withheld_body_is_cut_off() {
    use idpsim_simulator::saml::server::REQUEST_TIMEOUT;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let idp = idp().await;
    let addr = idp.base_url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        b"POST /sso/saml HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nSAMLRequest=",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    // A guard in virtual time, far past the limit: without one, a server
    // that never answers would hang the test instead of failing it.
    let n = tokio::time::timeout(REQUEST_TIMEOUT * 100, slow.read(&mut buf))
        .await
        .expect("the IdP answered a withheld body")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("took longer than 30 s"), "{text}");
}
