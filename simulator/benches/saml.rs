//! Signed responses per second for the Okta shape (assertion signed,
//! RSA-2048, SHA-256), beside the raw RSA-2048 signature rate measured in
//! the same run: the response rate is the signature rate minus the cost
//! of writing, canonicalizing and digesting the XML, which should stay
//! small (goal: within 1.3x).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use idpsim_certs::Material;
use idpsim_simulator::saml::{
    Attributes, GroupsClaim, Login, SamlDefaults, Shape, SigAlg, SignMode, SigningKey,
    signed_response,
};
use std::hint::black_box;

fn login() -> Login {
    Login {
        user_name: "jane.smith@example.com".into(),
        given_name: "Jane".into(),
        family_name: "Smith".into(),
        display_name: "Jane Smith".into(),
        email: "jane.smith@example.com".into(),
        object_id: "00u1abcd2EFGH3ijk4l5".into(),
        groups: (0..10).map(|i| format!("group-{i:04}")).collect(),
        sp_entity_id: "https://sp.example.com/saml/metadata".into(),
        acs_url: "https://sp.example.com/saml/acs".into(),
        in_response_to: Some("_3f2a9c".into()),
        now: time::OffsetDateTime::now_utc(),
        authn_instant: time::OffsetDateTime::now_utc(),
        seed: 1,
        name_id_format: None,
        extra_attributes: vec![],
        // Attributes and ten groups written, as before the fresh-app
        // defaults, so that figures stay comparable.
        app: SamlDefaults {
            attributes: Attributes::Profile,
            groups: GroupsClaim::Names,
            ..SamlDefaults::OKTA
        },
    }
}

fn signing(c: &mut Criterion) {
    let key = Material::fixtures().idp_signing;
    let der: String = key
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der)
        .unwrap();
    let pair = RsaKeyPair::from_pkcs8(&der).unwrap();
    let rng = SystemRandom::new();
    // What the response signer signs: a SignedInfo-sized message.
    let message = vec![b'x'; 700];

    let mut g = c.benchmark_group("saml");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw-rsa2048-sha256-signature", |b| {
        let mut sig = vec![0; pair.public_modulus_len()];
        b.iter(|| {
            pair.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                .unwrap();
            black_box(&sig);
        })
    });
    let shape = Shape::idpsim_okta();
    let l = login();
    let parsed = SigningKey::from_pem(&key).unwrap();
    g.bench_function("okta-response-assertion-signed-rsa2048", |b| {
        b.iter(|| {
            black_box(
                signed_response(
                    &shape,
                    black_box(&l),
                    &parsed,
                    SignMode::Assertion,
                    SigAlg::RsaSha256,
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
