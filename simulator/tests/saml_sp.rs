//! The reference SP's ACS against the simulator's responses: every
//! positive shape of SAML.md §4 it is configured for signs in, and the
//! §3.3 attacks the issue names are refused, each for its own reason.

use std::process::Command;

use idpsim_certs::{KeyAndCert, Material};
use idpsim_reference_sp::saml::{SamlConfig, key_from_cert_pem};
use idpsim_reference_sp::{Config, ProvisioningMode};
use idpsim_simulator::saml::authn_request;
use idpsim_simulator::saml::{Attributes, Login, SamlDefaults, Shape, SigAlg, SignMode, response};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use time::OffsetDateTime;

const OKTA_KEY: &str = "exkidpsim0000000000";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn okta() -> Shape {
    Shape::Okta {
        app_key: OKTA_KEY.into(),
    }
}
fn entra() -> Shape {
    Shape::Entra {
        tenant: TENANT.into(),
    }
}
fn issuer(shape: &Shape) -> String {
    match shape {
        Shape::Okta { app_key } => format!("http://www.okta.com/{app_key}"),
        Shape::Entra { tenant } => format!("https://sts.windows.net/{tenant}/"),
    }
}

struct Sp {
    sp: idpsim_reference_sp::Handle,
    http: reqwest::Client,
    shape: Shape,
}

struct Outcome {
    status: u16,
    body: String,
    session: Option<String>,
    location: Option<String>,
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

impl Sp {
    async fn start(shape: Shape, tweak: impl FnOnce(&mut SamlConfig, &mut Config)) -> Sp {
        let key = key_from_cert_pem(&Material::fixtures().idp_signing.cert_pem).unwrap();
        let mut saml = SamlConfig::new(
            issuer(&shape),
            "http://127.0.0.1:9/sso/saml".into(),
            vec![key],
        );
        let mut config = Config::default();
        tweak(&mut saml, &mut config);
        config.saml = Some(saml);
        let sp = idpsim_reference_sp::spawn(config).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Sp { sp, http, shape }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sp.origin())
    }

    async fn add_user(&self, user_name: &str) -> String {
        let r = self
            .http
            .post(format!("{}/Users", self.sp.base_url()))
            .bearer_auth(self.sp.token())
            .json(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Starts SP-initiated login: (browser cookie, request ID).
    async fn start_login(&self) -> (String, String) {
        let r = self.http.get(self.url("/saml/login")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let browser = cookie_value(&r, "idpsim_sp_browser").unwrap();
        let to = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        let req = to
            .query_pairs()
            .find(|(k, _)| k == "SAMLRequest")
            .unwrap()
            .1
            .into_owned();
        let parsed = authn_request::from_redirect(&req).unwrap();
        assert_eq!(
            parsed.acs_url.as_deref(),
            Some(self.url("/saml/acs").as_str())
        );
        (browser, parsed.id)
    }

    fn login(&self, user: &str, in_response_to: Option<String>) -> Login {
        let now = OffsetDateTime::now_utc();
        Login {
            user_name: user.into(),
            given_name: "Given".into(),
            family_name: "Family".into(),
            display_name: "Given Family".into(),
            email: user.into(),
            object_id: "4b7a2e8c-1111-4a3b-9c1d-2e3f4a5b6c7d".into(),
            groups: vec![],
            sp_entity_id: self.url("/saml/metadata"),
            acs_url: self.url("/saml/acs"),
            in_response_to,
            now,
            authn_instant: now,
            seed: rand_seed(),
            name_id_format: None,
            extra_attributes: vec![],
            // Attribute statements configured, as the SP tests mutate them.
            app: SamlDefaults {
                attributes: Attributes::Profile,
                ..SamlDefaults::for_shape(&self.shape)
            },
        }
    }

    fn sign(&self, l: &Login, mode: SignMode, alg: SigAlg) -> String {
        response(&self.shape, l, &Material::fixtures().idp_signing, mode, alg).unwrap()
    }

    async fn post(&self, xml: &str, browser: Option<&str>) -> Outcome {
        self.post_relaying(xml, browser, "/whoami").await
    }

    async fn post_relaying(&self, xml: &str, browser: Option<&str>, relay: &str) -> Outcome {
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml);
        let mut req = self
            .http
            .post(self.url("/saml/acs"))
            .form(&[("SAMLResponse", b64.as_str()), ("RelayState", relay)]);
        if let Some(b) = browser {
            req = req.header("cookie", format!("idpsim_sp_browser={b}"));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let session = cookie_value(&r, "idpsim_sp_session");
        let location = r
            .headers()
            .get("location")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = r.text().await.unwrap();
        Outcome {
            status,
            body,
            session,
            location,
        }
    }

    async fn whoami(&self, session: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url("/whoami"))
            .header("cookie", format!("idpsim_sp_session={session}"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// A full SP-initiated sign-in with a response made by `make`.
    async fn sign_in(&self, user: &str, make: impl FnOnce(&Login) -> String) -> Outcome {
        let (browser, id) = self.start_login().await;
        let xml = make(&self.login(user, Some(id)));
        self.post(&xml, Some(&browser)).await
    }
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[track_caller]
fn accepted(o: &Outcome) -> String {
    assert_eq!(o.status, 303, "expected sign-in, got: {}", o.body);
    o.session.clone().expect("a session cookie")
}

#[track_caller]
fn refused(o: &Outcome, reason: &str) {
    assert_eq!(
        o.status, 403,
        "expected refusal ({reason}), got: {}",
        o.body
    );
    assert!(o.session.is_none());
    let text = o
        .body
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        text.to_lowercase().contains(&reason.to_lowercase()),
        "refused, but not for {reason:?}: {}",
        o.body
    );
}

#[tokio::test]
async fn every_shape_mode_and_algorithm_signs_in() {
    for shape in [okta(), entra()] {
        let sp = Sp::start(shape.clone(), |_, _| {}).await;
        sp.add_user("jane@example.com").await;
        for mode in [SignMode::Assertion, SignMode::Response, SignMode::Both] {
            for alg in [SigAlg::RsaSha256, SigAlg::RsaSha512] {
                let o = sp
                    .sign_in("jane@example.com", |l| sp.sign(l, mode, alg))
                    .await;
                let session = accepted(&o);
                let (status, me) = sp.whoami(&session).await;
                assert_eq!(status, 200, "{shape:?} {mode:?} {alg:?}");
                assert_eq!(me["userName"], "jane@example.com");
            }
        }
    }
}

/// A freshly configured app's response (IDP-ENGINES S4, S13): Okta's signs
/// Response and Assertion and carries no AttributeStatement at all. The
/// reference SP, like an SP set up from its own metadata (NameID format
/// emailAddress), keys the account on the NameID and needs no `email`
/// attribute, so it signs the user in; Entra's fresh app likewise.
#[tokio::test]
async fn a_fresh_apps_response_without_attributes_signs_in() {
    for shape in [okta(), entra()] {
        let sp = Sp::start(shape.clone(), |_, _| {}).await;
        sp.add_user("jane@example.com").await;
        let app = SamlDefaults {
            name_id_format: idpsim_simulator::saml::defaults::EMAIL,
            ..SamlDefaults::for_shape(&shape)
        };
        let o = sp
            .sign_in("jane@example.com", |l| {
                let fresh = Login { app, ..l.clone() };
                let xml = sp.sign(&fresh, app.sign, SigAlg::RsaSha256);
                if matches!(shape, Shape::Okta { .. }) {
                    assert!(!xml.contains("AttributeStatement"), "{xml}");
                }
                xml
            })
            .await;
        let (status, me) = sp.whoami(&accepted(&o)).await;
        assert_eq!(status, 200, "{shape:?}");
        assert_eq!(me["userName"], "jane@example.com");
    }
}

#[tokio::test]
async fn special_characters_and_comments_keep_the_whole_signed_value() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("o'neil&co<x>@example.com").await;
    let o = sp
        .sign_in("o'neil&co<x>@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    let (_, me) = sp.whoami(&accepted(&o)).await;
    assert_eq!(me["userName"], "o'neil&co<x>@example.com");

    // N-21: a comment inside a signed NameID leaves the signature valid;
    // the SP must read the full value, so this is the attacker's own
    // account (which does not exist), never the victim's.
    sp.add_user("victim@corp.example").await;
    let o = sp
        .sign_in("victim@corp.example.attacker.test", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256).replacen(
                "victim@corp.example.attacker",
                "victim@corp.example<!---->.attacker",
                1,
            )
        })
        .await;
    refused(&o, "no account for \"victim@corp.example.attacker.test\"");
}

#[tokio::test]
async fn a_tampered_name_id_is_refused() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    sp.add_user("admin@example.com").await;
    for mode in [SignMode::Assertion, SignMode::Response, SignMode::Both] {
        let o = sp
            .sign_in("jane@example.com", |l| {
                sp.sign(l, mode, SigAlg::RsaSha256)
                    .replace(">jane@example.com<", ">admin@example.com<")
            })
            .await;
        refused(&o, "digest mismatch");
    }
}

#[tokio::test]
async fn an_attackers_key_with_its_own_certificate_in_keyinfo_is_refused() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let attacker: KeyAndCert = Material::fixtures().sp_encryption;
    let o = sp
        .sign_in("jane@example.com", |l| {
            response(
                &sp.shape,
                l,
                &attacker,
                SignMode::Assertion,
                SigAlg::RsaSha256,
            )
            .unwrap()
        })
        .await;
    assert!(o.body.contains("Sign-in refused"));
    refused(&o, "does not verify with any trusted IdP key");
}

#[tokio::test]
async fn unsigned_and_misplaced_signatures_are_refused() {
    let sp = Sp::start(entra(), |s, _| s.require_signed_assertion = true).await;
    sp.add_user("jane@example.com").await;
    // N-01: every signature stripped.
    let o = sp
        .sign_in("jane@example.com", |l| {
            strip_signatures(&sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256))
        })
        .await;
    refused(&o, "neither the response nor the assertion is signed");
    // N-03: response signed only, while this SP requires signed assertions.
    let o = sp
        .sign_in("jane@example.com", |l| {
            sp.sign(l, SignMode::Response, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "requires signed assertions");
}

fn strip_signatures(xml: &str) -> String {
    let mut out = xml.to_owned();
    while let Some(a) = out
        .find("<Signature ")
        .or_else(|| out.find("<ds:Signature "))
    {
        let close = if out[a..].starts_with("<ds:") {
            "</ds:Signature>"
        } else {
            "</Signature>"
        };
        let b = a + out[a..].find(close).unwrap() + close.len();
        out.replace_range(a..b, "");
    }
    out
}

#[tokio::test]
async fn time_windows_are_enforced() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    // N-43: issued 20 minutes ago; Okta's window is ±5 minutes.
    let o = sp
        .sign_in("jane@example.com", |l| {
            let mut l = l.clone();
            l.now -= time::Duration::minutes(20);
            sp.sign(&l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "expired");
    // N-44: issued 10 minutes in the future.
    let o = sp
        .sign_in("jane@example.com", |l| {
            let mut l = l.clone();
            l.now += time::Duration::minutes(10);
            sp.sign(&l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "not valid before");
    // Within the skew: 30 s ahead of the SP's clock is accepted.
    let o = sp
        .sign_in("jane@example.com", |l| {
            let mut l = l.clone();
            l.now += time::Duration::seconds(30);
            sp.sign(&l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    accepted(&o);
}

#[tokio::test]
async fn addressing_is_enforced() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    // N-50: another SP's audience, correctly signed.
    let o = sp
        .sign_in("jane@example.com", |l| {
            let mut l = l.clone();
            l.sp_entity_id = "https://other-sp.example/saml".into();
            sp.sign(&l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "not addressed to this SP");
    // N-52: the Response's Destination (outside the assertion's signature)
    // names another endpoint.
    let o = sp
        .sign_in("jane@example.com", |l| {
            let acs = sp.url("/saml/acs");
            let xml = sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256);
            let at = xml.find("Destination=\"").unwrap();
            let mut out = xml.clone();
            out.replace_range(
                at..at + "Destination=\"".len() + acs.len(),
                "Destination=\"https://evil.example/acs",
            );
            out
        })
        .await;
    refused(&o, "Destination");
    // N-51: the signed Recipient names another ACS (re-signed by xmlsec1,
    // so only the Recipient is wrong).
    let o = sp
        .sign_in("jane@example.com", |l| {
            let acs = sp.url("/saml/acs");
            let xml = sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256);
            let forged = xml.replacen(
                &format!("Recipient=\"{acs}\""),
                "Recipient=\"https://evil.example/acs\"",
                1,
            );
            assert_ne!(forged, xml);
            resign_with_xmlsec1(&forged)
        })
        .await;
    refused(&o, "Recipient");
    // N-53: a response from another IdP entity, signed with the trusted key.
    let other = Sp::start(entra(), |_, _| {}).await;
    other.add_user("jane@example.com").await;
    let o = other
        .sign_in("jane@example.com", |l| {
            response(
                &okta(),
                l,
                &Material::fixtures().idp_signing,
                SignMode::Assertion,
                SigAlg::RsaSha256,
            )
            .unwrap()
        })
        .await;
    refused(&o, "is not the configured IdP");
}

#[tokio::test]
async fn in_response_to_solicitation_and_replay_are_enforced() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let (browser, _) = sp.start_login().await;
    // N-54: an ID the SP never issued.
    let xml = sp.sign(
        &sp.login("jane@example.com", Some("_never-issued".into())),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    refused(&sp.post(&xml, Some(&browser)).await, "InResponseTo");
    // N-54: an ID issued to another browser.
    let (_, theirs) = sp.start_login().await;
    let xml = sp.sign(
        &sp.login("jane@example.com", Some(theirs)),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    refused(&sp.post(&xml, Some(&browser)).await, "InResponseTo");
    // N-55: unsolicited, and this SP is SP-initiated only.
    let xml = sp.sign(
        &sp.login("jane@example.com", None),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    refused(&sp.post(&xml, None).await, "unsolicited");
    // N-56: the answer to a request, posted twice.
    let (browser, id) = sp.start_login().await;
    let xml = sp.sign(
        &sp.login("jane@example.com", Some(id)),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    accepted(&sp.post(&xml, Some(&browser)).await);
    refused(&sp.post(&xml, Some(&browser)).await, "InResponseTo");
}

#[tokio::test]
async fn idp_initiated_is_accepted_when_enabled_and_never_twice() {
    let sp = Sp::start(entra(), |s, _| s.allow_idp_initiated = true).await;
    sp.add_user("jane@example.com").await;
    let xml = sp.sign(
        &sp.login("jane@example.com", None),
        SignMode::Both,
        SigAlg::RsaSha256,
    );
    accepted(&sp.post(&xml, None).await);
    // N-56: the same assertion again, from a new cookie jar.
    refused(&sp.post(&xml, None).await, "replay");
}

#[tokio::test]
async fn doctypes_and_second_assertions_are_refused() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    sp.add_user("admin@example.com").await;
    // N-24 / N-38: any DOCTYPE.
    let o = sp
        .sign_in("jane@example.com", |l| {
            format!(
                "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/hostname\">]>{}",
                sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
            )
        })
        .await;
    refused(&o, "DOCTYPE");
    // N-18: the genuine signed assertion plus an edited unsigned copy, in
    // either order.
    for before in [true, false] {
        let o = sp
            .sign_in("jane@example.com", |l| {
                let xml = sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256);
                let a = xml.find("<saml2:Assertion").unwrap();
                let b = xml.find("</saml2:Assertion>").unwrap() + "</saml2:Assertion>".len();
                let evil = strip_signatures(&xml[a..b])
                    .replace("jane@example.com", "admin@example.com")
                    .replacen("ID=\"id", "ID=\"evil", 1);
                let mut out = xml.clone();
                out.insert_str(if before { a } else { b }, &evil);
                out
            })
            .await;
        refused(&o, "exactly one plain saml:Assertion");
    }
    // N-09 / N-05: the assertion's signature moved under the Response
    // (where its Reference names the wrong element), or after the Subject.
    for (to, reason) in [
        ("<saml2p:Status", "Reference URI"),
        ("<saml2:Conditions", "must follow its Issuer"),
    ] {
        let o = sp
            .sign_in("jane@example.com", |l| {
                let xml = sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256);
                let a = xml.find("<ds:Signature").unwrap();
                let b = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
                let sig = xml[a..b].to_owned();
                let mut out = xml.clone();
                out.replace_range(a..b, "");
                let at = out.find(to).unwrap();
                out.insert_str(at, &sig);
                out
            })
            .await;
        refused(&o, reason);
    }
}

#[tokio::test]
async fn deprovisioned_users_cannot_sign_in_and_their_sessions_end() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    let id = sp.add_user("leaver@example.com").await;
    let o = sp
        .sign_in("leaver@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    let session = accepted(&o);
    assert_eq!(sp.whoami(&session).await.0, 200);
    let r = sp
        .http
        .patch(format!("{}/Users/{id}", sp.sp.base_url()))
        .bearer_auth(sp.sp.token())
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = sp.whoami(&session).await;
    assert_eq!(status, 401);
    assert!(body["reason"].as_str().unwrap().contains("deactivated"));
    let o = sp
        .sign_in("leaver@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "deactivated");
    // Never provisioned at all.
    let o = sp
        .sign_in("stranger@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "provisions over SCIM");
}

#[tokio::test]
async fn just_in_time_accounts_respect_the_seat_limit() {
    let sp = Sp::start(okta(), |_, c| {
        c.tenant.provisioning = ProvisioningMode::Jit;
        // The Primary Owner holds one seat.
        c.tenant.seat_limit = Some(2);
    })
    .await;
    let o = sp
        .sign_in("first@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    let (_, me) = sp.whoami(&accepted(&o)).await;
    assert_eq!(me["userName"], "first@example.com");
    let o = sp
        .sign_in("second@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    refused(&o, "seat");
}

#[tokio::test]
async fn sp_metadata_and_login_start() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    let md = sp
        .http
        .get(sp.url("/saml/metadata"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains(&format!("entityID=\"{}\"", sp.url("/saml/metadata"))));
    assert!(md.contains(&format!("Location=\"{}\"", sp.url("/saml/acs"))));
    let r = sp.http.get(sp.url("/whoami")).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

/// Re-signs the assertion of an Okta-shaped response with xmlsec1 and the
/// TEST-ONLY IdP key: a semantic defect under a valid signature, made by
/// an independent signer.
fn resign_with_xmlsec1(xml: &str) -> String {
    let blank = |s: &str, tag: &str| {
        let open = format!("<ds:{tag}>");
        let close = format!("</ds:{tag}>");
        let a = s.find(&open).unwrap() + open.len();
        let b = s.find(&close).unwrap();
        let mut out = s.to_owned();
        out.replace_range(a..b, "");
        out
    };
    let template = blank(&blank(xml, "DigestValue"), "SignatureValue");
    let dir = std::env::temp_dir().join(format!(
        "idpsim-resign-{}-{}",
        std::process::id(),
        rand_seed()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let m = Material::fixtures().idp_signing;
    std::fs::write(dir.join("in.xml"), template).unwrap();
    std::fs::write(dir.join("key.pem"), m.key_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--sign", "--privkey-pem", "key.pem", "--id-attr:ID"])
        .arg("urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        .args(["--output", "out.xml", "in.xml"])
        .current_dir(&dir)
        .output()
        .expect("xmlsec1 runs (Debian package xmlsec1; scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = std::fs::read_to_string(dir.join("out.xml")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    signed
}

#[tokio::test]
async fn an_idp_error_response_is_shown_not_crashed_on() {
    use idpsim_simulator::saml::{Envelope, Failure, SubStatus, TopStatus, error_response};
    let sp = Sp::start(entra(), |_, _| {}).await;
    let (browser, id) = sp.start_login().await;
    let acs = sp.url("/saml/acs");
    let xml = error_response(
        &sp.shape,
        &Envelope {
            id: "_err1",
            issue_instant: "2026-01-01T00:00:00Z",
            destination: &acs,
            in_response_to: Some(&id),
        },
        &Failure {
            top: TopStatus::Requester,
            sub: Some(SubStatus::InvalidNameIdPolicy),
            message: "AADSTS: no such format",
        },
    );
    refused(
        &sp.post(&xml, Some(&browser)).await,
        "status:Requester / urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy: AADSTS: no such format",
    );
}

#[cfg(feature = "legacy-sha1")]
#[tokio::test]
async fn a_sha1_signature_is_refused_by_policy() {
    // N-31: valid, but SHA-1; this SP accepts SHA-256 and SHA-512 only.
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let o = sp
        .sign_in("jane@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha1)
        })
        .await;
    refused(
        &o,
        "unsupported algorithm http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    );
}

/// Finding 5: one account key for SCIM uniqueness and SAML sign-in. A
/// NameID that SCIM would refuse as a userName (edge whitespace, a
/// compatibility look-alike) signs in as nobody, where it once signed in
/// as the account it imitates.
#[tokio::test]
async fn look_alike_name_ids_sign_in_as_nobody() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("alice@example.com").await;
    sp.add_user("kate@example.com").await;
    for name_id in [
        "alice@example.com ",
        " alice@example.com",
        "alice@example.com\u{3000}",
        "alice@example.com\t",
        "alice@exa\u{200B}mple.com",
        "\u{212A}ate@example.com",
        "\u{FF41}lice@example.com",
    ] {
        let o = sp
            .sign_in(name_id, |l| {
                sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
            })
            .await;
        refused(&o, "names no account");
    }
    // Case alone is no look-alike: Okta and Entra compare userName
    // ignoring case, and so does the account key.
    let o = sp
        .sign_in("Alice@Example.COM", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    let (_, me) = sp.whoami(&accepted(&o)).await;
    assert_eq!(me["userName"], "alice@example.com");
}

/// When SCIM let two accounts share a key (the case-sensitive-username
/// quirk), a NameID with that key is refused rather than given either.
#[tokio::test]
async fn a_name_id_matching_two_accounts_is_refused() {
    let sp = Sp::start(okta(), |_, c| {
        c.quirks
            .insert(idpsim_reference_sp::Quirk::CaseSensitiveUsername);
    })
    .await;
    sp.add_user("Admin@example.com").await;
    sp.add_user("admin@example.com").await;
    for name_id in [
        "admin@example.com",
        "Admin@example.com",
        "ADMIN@example.com",
    ] {
        let o = sp
            .sign_in(name_id, |l| {
                sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
            })
            .await;
        refused(&o, "matches 2 accounts");
    }
}

/// Finding 6: RelayState is followed only to a path on the SP's own
/// origin, judged by WHATWG URL parsing as a browser does it.
#[tokio::test]
async fn relay_state_never_leaves_the_sp() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let origin = reqwest::Url::parse(&sp.url("/")).unwrap();
    for (relay, want) in [
        ("/\t/evil.example/", "/whoami"),
        ("/\n/evil.example/", "/whoami"),
        ("/\r/evil.example/", "/whoami"),
        ("/\\evil.example/", "/whoami"),
        ("\\/evil.example/", "/whoami"),
        ("//evil.example/", "/whoami"),
        ("///evil.example/", "/whoami"),
        ("https://evil.example/", "/whoami"),
        ("javascript:alert(1)", "/whoami"),
        (" /whoami", "/whoami"),
        ("/whoami?tab=1#top", "/whoami?tab=1#top"),
        ("/%09/evil.example/", "/%09/evil.example/"),
        ("/a/../b", "/b"),
        ("/caf\u{e9}", "/caf%C3%A9"),
    ] {
        let (browser, id) = sp.start_login().await;
        let xml = sp.sign(
            &sp.login("jane@example.com", Some(id)),
            SignMode::Assertion,
            SigAlg::RsaSha256,
        );
        let o = sp.post_relaying(&xml, Some(&browser), relay).await;
        accepted(&o);
        let location = o.location.expect("a redirect");
        assert_eq!(location, want, "RelayState {relay:?}");
        let to = origin.join(&location).unwrap();
        assert_eq!(to.origin(), origin.origin(), "RelayState {relay:?} -> {to}");
    }
}

/// Finding 4: a flood of unauthenticated login starts takes nothing a real
/// user needs. 10,001 starts fill the 10,000 outstanding-request slots the
/// SP once had (a real login then got 503 for ten minutes); a user then
/// signs in, and signs in again while another flood runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_locks_nobody_out() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    // `n` login starts from 32 workers; (redirected to the IdP, anything else).
    let flood = |n: usize| {
        let http = sp.http.clone();
        let url = sp.url("/saml/login");
        async move {
            let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut workers = tokio::task::JoinSet::new();
            for _ in 0..32 {
                let (http, url, next) = (http.clone(), url.clone(), next.clone());
                workers.spawn(async move {
                    let (mut started, mut other) = (0, 0);
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                        match http.get(&url).send().await.map(|r| r.status().as_u16()) {
                            Ok(303) => started += 1,
                            _ => other += 1,
                        }
                    }
                    (started, other)
                });
            }
            let (mut started, mut other) = (0, 0);
            while let Some(r) = workers.join_next().await {
                let (s, o) = r.unwrap();
                started += s;
                other += o;
            }
            (started, other)
        }
    };
    assert_eq!(flood(10_001).await, (10_001, 0));
    let o = sp
        .sign_in("jane@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    accepted(&o);
    let running = tokio::spawn(flood(5_000));
    let o = sp
        .sign_in("jane@example.com", |l| {
            sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256)
        })
        .await;
    accepted(&o);
    assert_eq!(running.await.unwrap(), (5_000, 0));
}

/// A request answers once, whatever answers it: a second, fresh assertion
/// for the same request ID is refused.
#[tokio::test]
async fn a_request_is_answered_once_even_by_a_fresh_assertion() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let (browser, id) = sp.start_login().await;
    let first = sp.sign(
        &sp.login("jane@example.com", Some(id.clone())),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    let second = sp.sign(
        &sp.login("jane@example.com", Some(id)),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    assert_ne!(first, second);
    accepted(&sp.post(&first, Some(&browser)).await);
    refused(&sp.post(&second, Some(&browser)).await, "InResponseTo");
}

/// The browser-binding cookie must come back on the IdP's cross-site POST
/// to the ACS, so it is `SameSite=None; Secure` (127.0.0.1 is a secure
/// context); the session cookie stays `Lax`.
#[tokio::test]
async fn the_binding_cookie_survives_a_cross_site_post() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let r = sp.http.get(sp.url("/saml/login")).send().await.unwrap();
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let binding = set
        .iter()
        .find(|c| c.starts_with("idpsim_sp_browser="))
        .expect("a binding cookie");
    let attributes: Vec<String> = binding
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for want in ["samesite=none", "secure", "httponly"] {
        assert!(attributes.iter().any(|a| a == want), "{binding}");
    }
    // Over http, a copy without SameSite for a browser that refuses a
    // Secure cookie from http://127.0.0.1; it alone binds the request.
    let compat = set
        .iter()
        .find(|c| c.starts_with("idpsim_sp_browser_compat="))
        .expect("a compat copy over http");
    assert!(
        !compat.to_ascii_lowercase().contains("samesite"),
        "{compat}"
    );
    let (browser, id) = sp.start_login().await;
    let xml = sp.sign(
        &sp.login("jane@example.com", Some(id)),
        SignMode::Assertion,
        SigAlg::RsaSha256,
    );
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml);
    let r = sp
        .http
        .post(sp.url("/saml/acs"))
        .header("cookie", format!("idpsim_sp_browser_compat={browser}"))
        .form(&[("SAMLResponse", b64.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(cookie_value(&r, "idpsim_sp_session").is_some());
}

/// The audit log keeps an excerpt of what a refused response said, not
/// all of it: `StatusMessage` is read before any signature check.
#[tokio::test]
async fn a_refusal_is_audited_as_a_bounded_excerpt() {
    use idpsim_simulator::saml::{Envelope, Failure, TopStatus, error_response};
    let sp = Sp::start(entra(), |_, _| {}).await;
    let (browser, id) = sp.start_login().await;
    let acs = sp.url("/saml/acs");
    let message = "A".repeat(300 * 1024);
    let xml = error_response(
        &sp.shape,
        &Envelope {
            id: "_err1",
            issue_instant: "2026-01-01T00:00:00Z",
            destination: &acs,
            in_response_to: Some(&id),
        },
        &Failure {
            top: TopStatus::Responder,
            sub: None,
            message: &message,
        },
    );
    refused(&sp.post(&xml, Some(&browser)).await, "status:Responder");
    let page: Value = sp
        .http
        .get(sp.url("/admin/audit?after=0&limit=10000"))
        .bearer_auth(sp.sp.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refusal = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "saml.refused")
        .expect("the refusal is audited");
    let detail = refusal["detail"].as_str().unwrap();
    assert!(detail.contains("status:Responder"), "{detail}");
    assert!(
        detail.len() <= idpsim_reference_sp::audit::MAX_TEXT_BYTES + 32,
        "{} bytes audited",
        detail.len()
    );
}

/// Issue 14, finding 3: a fresh, correctly signed response valid until the
/// last second of year 9999 panicked the ACS on `NotOnOrAfter + skew`
/// ("resulting value is out of range") and dropped the connection. It is
/// an ordinary sign-in: no time arithmetic on request values may overflow.
#[tokio::test]
async fn an_assertion_valid_until_year_9999_signs_in_without_a_panic() {
    let sp = Sp::start(okta(), |_, _| {}).await;
    sp.add_user("jane@example.com").await;
    let o = sp
        .sign_in("jane@example.com", |l| {
            let xml = sp.sign(l, SignMode::Assertion, SigAlg::RsaSha256);
            let mut out = String::new();
            let mut rest = xml.as_str();
            let mut changed = 0;
            while let Some(at) = rest.find("NotOnOrAfter=\"") {
                let value = at + "NotOnOrAfter=\"".len();
                let end = value + rest[value..].find('"').unwrap();
                out.push_str(&rest[..value]);
                out.push_str("9999-12-31T23:59:59Z");
                rest = &rest[end..];
                changed += 1;
            }
            out.push_str(rest);
            assert!(changed >= 2, "SubjectConfirmationData and Conditions");
            resign_with_xmlsec1(&out)
        })
        .await;
    let session = accepted(&o);
    assert_eq!(sp.whoami(&session).await.0, 200);
}
