//! The sign-in client against a hostile SP: an answer of any size costs
//! the harness at most its read limit, proved by counting the bytes the SP
//! managed to hand over before the client stopped reading.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use idpsim_certs::Material;
use idpsim_simulator::directory::{Directory, User};
use idpsim_simulator::saml::response::SigningKey;
use idpsim_simulator::saml::sign_in::{self, SigningIdp, SpEndpoints, Verdict};
use idpsim_simulator::saml::{SamlDefaults, Shape, SigAlg, SignMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the hostile SP sends as a body where the client expects a page
/// or a small JSON object.
const HUGE: usize = 256 * 1024 * 1024;
/// Far above the client's limits plus what loopback socket buffers hold,
/// far below `HUGE`.
const BOUND: usize = 48 * 1024 * 1024;

#[derive(Clone, Copy)]
enum Acs {
    /// Refuses with a huge page.
    RefusesHugely,
    /// Accepts; `/whoami` then answers hugely.
    Accepts,
}

struct HostileSp {
    origin: String,
    /// Bytes of huge bodies written to the client so far.
    written: Arc<AtomicUsize>,
    /// One message per huge body, once its connection is done.
    done: mpsc::UnboundedReceiver<()>,
}

async fn read_request(s: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut line = head.lines().next()?.split(' ');
    let (method, path) = (line.next()?.to_owned(), line.next()?.to_owned());
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    s.read_exact(&mut body).await.ok()?;
    Some((method, path))
}

async fn huge(mut s: TcpStream, status: &str, written: &AtomicUsize) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {HUGE}\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < HUGE {
        match s.write(&chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                sent += n;
                written.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

fn authn_request(acs: &str) -> String {
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_hostile1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="{acs}"><saml:Issuer>https://hostile.example/sp</saml:Issuer></samlp:AuthnRequest>"#
    );
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap())
}

async fn hostile_sp(acs: Acs) -> HostileSp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let (tx, done) = mpsc::unbounded_channel();
    let (o, w) = (origin.clone(), written.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (o, w, tx) = (o.clone(), w.clone(), tx.clone());
            tokio::spawn(async move {
                let Some((method, path)) = read_request(&mut s).await else {
                    return;
                };
                let short = |status: &str, extra: String| {
                    format!(
                        "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                };
                match (method.as_str(), path.as_str(), acs) {
                    ("GET", "/login", _) => {
                        let to = reqwest::Url::parse_with_params(
                            &format!("{o}/idp"),
                            &[("SAMLRequest", authn_request(&format!("{o}/acs")))],
                        )
                        .unwrap();
                        let r = short(
                            "303 See Other",
                            format!("Location: {to}\r\nSet-Cookie: b=1; Path=/\r\n"),
                        );
                        let _ = s.write_all(r.as_bytes()).await;
                    }
                    ("POST", "/acs", Acs::Accepts) => {
                        let r = short("303 See Other", "Location: /whoami\r\n".into());
                        let _ = s.write_all(r.as_bytes()).await;
                    }
                    ("POST", "/acs", Acs::RefusesHugely) => {
                        huge(s, "403 Forbidden", &w).await;
                        let _ = tx.send(());
                    }
                    ("GET", "/whoami", _) => {
                        huge(s, "200 OK", &w).await;
                        let _ = tx.send(());
                    }
                    _ => {
                        let _ = s
                            .write_all(short("404 Not Found", String::new()).as_bytes())
                            .await;
                    }
                }
            });
        }
    });
    HostileSp {
        origin,
        written,
        done,
    }
}

async fn sign_in_at(sp: &HostileSp) -> Verdict {
    let mut dir = Directory::new(1);
    dir.add_user(User::new("jane@example.com", "00u1".into()));
    let idp = SigningIdp {
        shape: Shape::Okta {
            app_key: "exkidpsim0000000000".into(),
        },
        key: Arc::new(SigningKey::from_pem(&Material::fixtures().idp_signing).unwrap()),
        sign: SignMode::Assertion,
        alg: SigAlg::RsaSha256,
        app: SamlDefaults::OKTA,
    };
    let endpoints = SpEndpoints {
        login_url: format!("{}/login", sp.origin),
        whoami_url: format!("{}/whoami", sp.origin),
    };
    sign_in::sp_initiated(
        &sign_in::browser(),
        &endpoints,
        &idp,
        &dir,
        "jane@example.com",
    )
    .await
    .unwrap()
}

/// Waits for the SP to finish its huge answer (the client hung up, or it
/// all went), then says how much went.
async fn written_when_done(sp: &mut HostileSp) -> usize {
    tokio::time::timeout(Duration::from_secs(120), sp.done.recv())
        .await
        .expect("the huge answer ends")
        .unwrap();
    sp.written.load(Ordering::Relaxed)
}

#[tokio::test]
async fn a_huge_refusal_page_is_read_only_up_to_its_limit() {
    let mut sp = hostile_sp(Acs::RefusesHugely).await;
    let verdict = sign_in_at(&sp).await;
    let Verdict::Rejected { status, answer } = verdict else {
        panic!("a 403 is a refusal: {verdict:?}");
    };
    assert_eq!(status, 403);
    assert!(answer.len() <= 300);
    let written = written_when_done(&mut sp).await;
    assert!(
        written < BOUND,
        "the client read {written} bytes of a refusal page"
    );
}

#[tokio::test]
async fn a_huge_whoami_is_read_only_up_to_its_limit() {
    let mut sp = hostile_sp(Acs::Accepts).await;
    let verdict = sign_in_at(&sp).await;
    let Verdict::Rejected { answer, .. } = verdict else {
        panic!("a whoami that is not JSON is no sign-in: {verdict:?}");
    };
    assert!(answer.contains("more than 1048576 bytes"), "{answer}");
    let written = written_when_done(&mut sp).await;
    assert!(written < BOUND, "the client read {written} bytes of whoami");
}

/// S12 in a `login` step: the reference SP asks for an emailAddress NameID.
/// A fresh Okta app (unspecified) answers with an InvalidNameIDPolicy
/// Status, which the SP refuses; the app set to emailAddress, as `play`
/// sets it, signs the user in.
#[tokio::test]
async fn okta_answers_a_name_id_format_it_was_not_given_with_an_error() {
    use idpsim_reference_sp::saml::{SamlConfig, key_from_cert_pem};
    let key = key_from_cert_pem(&Material::fixtures().idp_signing.cert_pem).unwrap();
    let shape = Shape::idpsim_okta();
    let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config {
        saml: Some(SamlConfig::new(
            shape.issuer(),
            "http://127.0.0.1:9/sso".into(),
            vec![key],
        )),
        ..Default::default()
    })
    .await
    .unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}/Users", sp.base_url()))
        .bearer_auth(sp.token())
        .json(&serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "jane@example.com",
            "active": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let mut dir = Directory::new(1);
    dir.add_user(User::new("jane@example.com", "00u1".into()));
    let endpoints = SpEndpoints {
        login_url: format!("{}/saml/login", sp.origin()),
        whoami_url: format!("{}/whoami", sp.origin()),
    };
    let idp = |app: SamlDefaults| SigningIdp {
        shape: shape.clone(),
        key: Arc::new(SigningKey::from_pem(&Material::fixtures().idp_signing).unwrap()),
        sign: app.sign,
        alg: SigAlg::RsaSha256,
        app,
    };
    let http = sign_in::browser();
    let fresh = sign_in::sp_initiated(
        &http,
        &endpoints,
        &idp(SamlDefaults::OKTA),
        &dir,
        "jane@example.com",
    )
    .await
    .unwrap();
    match fresh {
        Verdict::Rejected { answer, .. } => {
            assert!(answer.contains("InvalidNameIDPolicy"), "{answer}")
        }
        accepted => panic!("a fresh Okta app must not answer emailAddress: {accepted:?}"),
    }
    let configured = SamlDefaults {
        name_id_format: idpsim_simulator::saml::defaults::EMAIL,
        ..SamlDefaults::OKTA
    };
    let v = sign_in::sp_initiated(
        &http,
        &endpoints,
        &idp(configured),
        &dir,
        "jane@example.com",
    )
    .await
    .unwrap();
    assert!(matches!(v, Verdict::Accepted { .. }), "{v:?}");
}
