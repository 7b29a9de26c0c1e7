//! Signed responses verify with xmlsec1 (an independent XML-DSig
//! implementation), in every shape, signing mode and algorithm, and stop
//! verifying when a signed byte changes.

use std::process::Command;

use idpsim_certs::Material;
use idpsim_simulator::saml::{Login, Shape, SigAlg, SignMode, response};

fn login() -> Login {
    Login {
        user_name: "jane.o'neil@example.com".into(),
        given_name: "Jane & <Co>".into(),
        family_name: "O\"Neil".into(),
        display_name: "Jane O'Neil".into(),
        email: "jane.o'neil@example.com".into(),
        object_id: "4b7a2e8c-1111-4a3b-9c1d-2e3f4a5b6c7d".into(),
        groups: vec!["eng".into(), "idpsim-admins".into()],
        sp_entity_id: "https://sp.example.com/saml".into(),
        acs_url: "https://sp.example.com/saml/acs?x=1&y=2".into(),
        in_response_to: Some("_req-1".into()),
        now: time::OffsetDateTime::now_utc(),
        seed: 7,
        name_id_format: None,
        extra_attributes: vec![],
    }
}

fn shapes() -> [Shape; 2] {
    [
        Shape::Okta {
            app_key: "exkidpsim0000000000".into(),
        },
        Shape::Entra {
            tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        },
    ]
}

/// Runs xmlsec1 on `xml`; `node` picks the Assertion's signature by ID.
fn xmlsec1(xml: &str, node: Option<&str>) -> bool {
    let dir = std::env::temp_dir().join(format!(
        "idpsim-saml-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("response.xml");
    let cert = dir.join("idp.crt");
    std::fs::write(&doc, xml).unwrap();
    std::fs::write(&cert, Material::fixtures().idp_signing.cert_pem).unwrap();
    let mut cmd = Command::new("xmlsec1");
    cmd.args([
        "--verify",
        "--enabled-reference-uris",
        "empty,same-doc",
        "--enabled-key-data",
        "raw-x509-cert",
        "--pubkey-cert-pem",
    ])
    .arg(&cert)
    .args([
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
    ]);
    if let Some(id) = node {
        cmd.args(["--node-id", id]);
    }
    let out = cmd
        .arg(&doc)
        .output()
        .expect("xmlsec1 runs (Debian package xmlsec1; scripts/test installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success()
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn assertion_id(xml: &str) -> String {
    let at = xml.find("Assertion").unwrap();
    let rest = &xml[at..];
    let i = rest.find("ID=\"").unwrap() + 4;
    rest[i..i + rest[i..].find('"').unwrap()].to_owned()
}

#[test]
fn every_shape_mode_and_algorithm_verifies() {
    let key = Material::fixtures().idp_signing;
    for shape in shapes() {
        for alg in [SigAlg::RsaSha256, SigAlg::RsaSha512, SigAlg::RsaSha1] {
            for mode in [SignMode::Assertion, SignMode::Response, SignMode::Both] {
                let signed = response(&shape, &login(), &key, mode, alg);
                if alg == SigAlg::RsaSha1 && !cfg!(feature = "legacy-sha1") {
                    let err = signed.unwrap_err().to_string();
                    assert!(err.contains("--features legacy-sha1"), "{err}");
                    continue;
                }
                let xml = signed.unwrap();
                let what = format!("{shape:?} {mode:?} {alg:?}");
                match mode {
                    SignMode::Assertion => {
                        assert!(xmlsec1(&xml, Some(&assertion_id(&xml))), "{what}\n{xml}")
                    }
                    SignMode::Response => assert!(xmlsec1(&xml, None), "{what}\n{xml}"),
                    SignMode::Both => {
                        assert!(xmlsec1(&xml, None), "response signature, {what}");
                        assert!(
                            xmlsec1(&xml, Some(&assertion_id(&xml))),
                            "assertion signature, {what}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_changed_byte_breaks_the_signature() {
    let key = Material::fixtures().idp_signing;
    for shape in shapes() {
        let xml = response(
            &shape,
            &login(),
            &key,
            SignMode::Assertion,
            SigAlg::RsaSha256,
        )
        .unwrap();
        let id = assertion_id(&xml);
        assert!(xmlsec1(&xml, Some(&id)));
        let forged = xml.replacen("jane.o'neil@example.com", "admin@example.com", 1);
        assert!(
            !xmlsec1(&forged, Some(&id)),
            "{shape:?}: a changed NameID must not verify"
        );
    }
}

#[test]
fn shapes_follow_each_idp() {
    let key = Material::fixtures().idp_signing;
    let [okta, entra] = shapes();
    let o = response(
        &okta,
        &login(),
        &key,
        SignMode::Assertion,
        SigAlg::RsaSha256,
    )
    .unwrap();
    assert!(o.starts_with("<saml2p:Response xmlns:saml2p="));
    assert!(o.contains(
        "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">http://www.okta.com/exkidpsim"
    ));
    assert!(o.contains("<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"xs\">"));
    assert!(
        o.find("<saml2:AuthnStatement").unwrap() < o.find("<saml2:AttributeStatement").unwrap()
    );
    assert!(assertion_id(&o).starts_with("id") && assertion_id(&o).len() == 28);
    assert!(
        o.contains("Jane &amp; &lt;Co&gt;")
            && o.contains("O\"Neil")
            && o.contains("acs?x=1&amp;y=2")
    );
    let e = response(
        &entra,
        &login(),
        &key,
        SignMode::Assertion,
        SigAlg::RsaSha256,
    )
    .unwrap();
    assert!(e.starts_with("<samlp:Response xmlns:samlp="));
    assert!(e.contains("<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\""));
    assert!(e.contains("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"));
    assert!(e.find("<AttributeStatement").unwrap() < e.find("<AuthnStatement").unwrap());
    assert!(assertion_id(&e).starts_with('_'));
    let mut persistent = login();
    persistent.name_id_format = Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into());
    let p = response(
        &okta,
        &persistent,
        &key,
        SignMode::Assertion,
        SigAlg::RsaSha256,
    )
    .unwrap();
    assert!(
        p.contains("Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">4b7a2e8c-1111"),
        "NameIDPolicy honoured"
    );
    let mut many = login();
    many.groups = (0..151).map(|i| format!("g{i}")).collect();
    let e = response(&entra, &many, &key, SignMode::Assertion, SigAlg::RsaSha256).unwrap();
    assert!(
        e.contains("groups.link") && !e.contains("claims/groups\""),
        "the 150-group cap"
    );
}
