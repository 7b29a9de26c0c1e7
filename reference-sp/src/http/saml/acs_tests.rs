//! The ACS verifies off the reactor: while hostile posts are being
//! verified, every other endpoint still answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use super::super::{App, router};
use super::SamlSide;
use crate::Config;
use crate::saml::{Gate, SamlConfig, SessionStore, TrustedKey, Validator, VerifyPool};
use crate::tenant::Tenant;

/// A reference SP on its own runtime with a single worker thread, so work
/// done on its reactor would stop everything else it serves. Its ACS
/// verifies on a pool of `slots` whose jobs wait at `gate`.
fn start(slots: usize, gate: Arc<Gate>) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let origin = format!("http://{addr}");
        let side = SamlSide {
            validator: Validator {
                config: SamlConfig::new(
                    "https://idp.example/".into(),
                    "https://idp.example/sso".into(),
                    vec![TrustedKey(vec![0; 270])],
                ),
                sp_entity_id: format!("{origin}/saml/metadata"),
                acs_url: format!("{origin}/saml/acs"),
            },
            store: SessionStore::default(),
            acs: url::Url::parse(&format!("{origin}/saml/acs")).unwrap(),
            pool: VerifyPool::gated(slots, gate),
            broken: Default::default(),
        };
        let app = App {
            tenant: Arc::new(Tenant::new(Config::default(), format!("{origin}/scim/v2"))),
            token: Arc::from("token"),
            saml: Some(Arc::new(side)),
            in_flight: Arc::default(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(idpsim_server::run(listener, router(app), stopped));
        // The server stops when the runtime is dropped.
        std::mem::forget(stop);
        addr
    });
    (rt, addr)
}

/// The campaign's CPU body: 10,000 attributes on one element.
fn attribute_bomb() -> String {
    let attrs: String = (0..10_000).map(|i| format!(" a{i}=\"\"")).collect();
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0"><x{attrs}/></samlp:Response>"#
    );
    base64::engine::general_purpose::STANDARD.encode(xml)
}

#[test]
fn metadata_answers_while_hostile_acs_posts_are_in_flight() {
    let slots = 2;
    let gate = Arc::new(Gate::default());
    let (_server, addr) = start(slots, gate.clone());
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Only a guard against hanging forever should the reactor be blocked;
    // nothing below depends on how long anything takes.
    let scenario = async {
        let http = reqwest::Client::new();
        let acs = format!("http://{addr}/saml/acs");
        let body = attribute_bomb();
        let post = |http: reqwest::Client| {
            let (acs, body) = (acs.clone(), body.clone());
            async move {
                let r = http
                    .post(acs)
                    .form(&[("SAMLResponse", body)])
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let retry = r.headers().get("retry-after").cloned();
                (status, retry, r.text().await.unwrap())
            }
        };
        let hostile: Vec<_> = (0..slots)
            .map(|_| tokio::spawn(post(http.clone())))
            .collect();
        // Event: every slot's verification has started and is held.
        while gate.waiting() < slots {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (status, retry, _) = post(http.clone()).await;
        assert_eq!(status, 503, "a full pool refuses at once");
        assert_eq!(retry.as_ref().map(|v| v.to_str().unwrap()), Some("1"));

        let md = http
            .get(format!("http://{addr}/saml/metadata"))
            .send()
            .await
            .unwrap();
        assert_eq!(md.status(), 200);
        assert!(
            md.text()
                .await
                .unwrap()
                .contains("AssertionConsumerService")
        );
        assert!(
            hostile.iter().all(|h| !h.is_finished()),
            "metadata answered while every hostile post was still being verified"
        );

        gate.open();
        for h in hostile {
            let (status, _, text) = h.await.unwrap();
            assert_eq!(status, 403, "{text}");
            assert!(text.contains("more than 64 attributes"), "{text}");
        }
    };
    client
        .block_on(async { tokio::time::timeout(Duration::from_secs(120), scenario).await })
        .expect("the SP kept answering");
}
