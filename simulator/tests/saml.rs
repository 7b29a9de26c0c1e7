//! Signed responses verify with xmlsec1 (an independent XML-DSig
//! implementation), in every shape, signing mode and algorithm, and stop
//! verifying when a signed byte changes.

use std::process::Command;

use idpsim_certs::Material;
use idpsim_simulator::saml::{
    Attributes, GroupsClaim, Login, SamlDefaults, Shape, SigAlg, SignMode, Validity, response,
};

/// A sign-in through `shape`'s IdP with an app that has attribute
/// statements and a groups claim configured, so that every element is
/// written.
fn login_for(shape: &Shape) -> Login {
    Login {
        app: SamlDefaults {
            attributes: Attributes::Profile,
            groups: GroupsClaim::Names,
            ..SamlDefaults::for_shape(shape)
        },
        ..fresh(shape)
    }
}

/// A sign-in through a freshly configured app of `shape`'s IdP.
fn fresh(shape: &Shape) -> Login {
    let now = time::OffsetDateTime::now_utc();
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
        now,
        authn_instant: now,
        seed: 7,
        name_id_format: None,
        extra_attributes: vec![],
        app: SamlDefaults::for_shape(shape),
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
            for (mode, login) in [SignMode::Assertion, SignMode::Response, SignMode::Both]
                .into_iter()
                .flat_map(|m| [(m, login_for(&shape)), (m, fresh(&shape))])
            {
                let signed = response(&shape, &login, &key, mode, alg);
                if alg == SigAlg::RsaSha1 && !cfg!(feature = "legacy-sha1") {
                    let err = signed.unwrap_err().to_string();
                    assert!(err.contains("--features legacy-sha1"), "{err}");
                    continue;
                }
                let xml = signed.unwrap();
                let what = format!("{shape:?} {mode:?} {alg:?} {:?}", login.app);
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
            &login_for(&shape),
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
        &login_for(&okta),
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
        &login_for(&entra),
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
    // S12: Entra honours a NameIDPolicy of its four formats; Okta keeps
    // its configured format (callers answer such a request with an error).
    let mut persistent = login_for(&entra);
    persistent.name_id_format = Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into());
    let p = response(
        &entra,
        &persistent,
        &key,
        SignMode::Assertion,
        SigAlg::RsaSha256,
    )
    .unwrap();
    assert!(
        p.contains("Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">4b7a2e8c-1111"),
        "Entra honours NameIDPolicy persistent"
    );
    persistent.app = login_for(&okta).app;
    let p = response(
        &okta,
        &persistent,
        &key,
        SignMode::Assertion,
        SigAlg::RsaSha256,
    )
    .unwrap();
    assert!(
        p.contains("nameid-format:unspecified\">jane.o'neil@example.com<"),
        "Okta does not bend its NameID to the request (S12)"
    );
    let mut many = login_for(&entra);
    many.groups = (0..151).map(|i| format!("g{i}")).collect();
    let e = response(&entra, &many, &key, SignMode::Assertion, SigAlg::RsaSha256).unwrap();
    assert!(
        e.contains("groups.link") && !e.contains("claims/groups\""),
        "the 150-group cap"
    );
}

fn attr<'a>(xml: &'a str, element: &str, name: &str) -> &'a str {
    let at = xml
        .find(&format!("{element} "))
        .unwrap_or_else(|| panic!("no {element}"));
    let rest = &xml[at..];
    let i = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &rest[i..i + rest[i..].find('"').unwrap()]
}

fn minutes_between(from: &str, to: &str) -> i64 {
    use time::format_description::well_known::Rfc3339;
    let p = |s: &str| time::OffsetDateTime::parse(s, &Rfc3339).unwrap();
    (p(to) - p(from)).whole_minutes()
}

/// Each IdP's freshly configured app, field by field (IDP-ENGINES.md §3).
#[test]
fn fresh_apps_send_each_idps_defaults() {
    let key = Material::fixtures().idp_signing;
    let [okta, entra] = shapes();
    // S4: Okta signs the Response and the Assertion, Entra the Assertion.
    assert_eq!(SamlDefaults::OKTA.sign, SignMode::Both);
    assert_eq!(SamlDefaults::ENTRA.sign, SignMode::Assertion);
    let sign = |shape: &Shape, l: &Login| response(shape, l, &key, l.app.sign, SigAlg::RsaSha256);
    let o = sign(&okta, &fresh(&okta)).unwrap();
    assert_eq!(o.matches("<ds:Signature ").count(), 2, "{o}");
    let e = sign(&entra, &fresh(&entra)).unwrap();
    assert_eq!(e.matches("<Signature ").count(), 1, "{e}");
    assert!(
        e.find("<Signature ").unwrap() > e.find("<Assertion ").unwrap(),
        "Entra's one signature is the assertion's"
    );

    // S13: no attribute statement from a fresh Okta app (not even an empty
    // one, which the schema forbids); Entra's fixed claim set.
    assert!(!o.contains("AttributeStatement"), "{o}");
    for claim in [
        "identity/claims/tenantid",
        "identity/claims/objectidentifier",
        "identity/claims/identityprovider",
        "identity/claims/displayname",
        "claims/authnmethodsreferences",
        "claims/givenname",
        "claims/surname",
        "claims/emailaddress",
        "claims/name\"",
    ] {
        assert!(e.contains(claim), "Entra claim {claim}");
    }

    // S14: the user is in two groups, yet neither sends a groups claim
    // until it is configured; Entra's then carries object GUIDs.
    assert!(!o.contains("groups") && !e.contains("claims/groups"));
    let mut with_groups = fresh(&entra);
    with_groups.app.groups = GroupsClaim::ObjectIds;
    with_groups.groups = with_groups.app.group_values_of_names(vec!["eng".into()]);
    let g = sign(&entra, &with_groups).unwrap();
    let value = g
        .split("claims/groups\"><AttributeValue>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap();
    assert!(
        uuid::Uuid::parse_str(value).is_ok(),
        "a GUID, not a name: {value}"
    );

    // S9: AuthnInstant is when the IdP session authenticated, here 30 days
    // before the response; Okta's SessionIndex is `id<ms>.<digits>`,
    // Entra's the assertion ID.
    let mut old = fresh(&okta);
    old.authn_instant = old.now - time::Duration::days(30);
    let x = sign(&okta, &old).unwrap();
    assert_eq!(
        minutes_between(
            attr(&x, "saml2:AuthnStatement", "AuthnInstant"),
            attr(&x, "saml2:Assertion", "IssueInstant")
        ),
        30 * 24 * 60
    );
    let session = attr(&x, "saml2:AuthnStatement", "SessionIndex");
    let (ms, digits) = session.strip_prefix("id").unwrap().split_once('.').unwrap();
    assert_eq!(
        ms.parse::<i128>().unwrap(),
        old.now.unix_timestamp_nanos() / 1_000_000
    );
    assert!(digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(attr(&e, "AuthnStatement", "SessionIndex"), assertion_id(&e));

    // S12: Okta's NameID is the app's configured format, unspecified when
    // fresh, even when the request asked for emailAddress.
    let mut asks_email = fresh(&okta);
    asks_email.name_id_format =
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into());
    let n = sign(&okta, &asks_email).unwrap();
    assert!(n.contains("nameid-format:unspecified\">jane.o'neil@example.com</saml2:NameID>"));
    assert!(
        SamlDefaults::OKTA
            .answer_format(asks_email.name_id_format.as_deref())
            .is_err()
    );

    // S8: Okta T-5..T+5 min; Entra T..T+70 min per the protocol page by
    // default, T-5..T+55 min per the token reference when chosen.
    let window = |xml: &str, c: &str, a: &str| {
        let issued = attr(xml, a, "IssueInstant");
        (
            minutes_between(issued, attr(xml, c, "NotBefore")),
            minutes_between(issued, attr(xml, c, "NotOnOrAfter")),
        )
    };
    assert_eq!(window(&o, "saml2:Conditions", "saml2:Assertion"), (-5, 5));
    assert_eq!(window(&e, "Conditions", "Assertion"), (0, 70));
    let mut token_ref = fresh(&entra);
    token_ref.app.validity = Validity::ENTRA_TOKEN_REFERENCE;
    let t = sign(&entra, &token_ref).unwrap();
    assert_eq!(window(&t, "Conditions", "Assertion"), (-5, 55));
    assert_eq!(
        minutes_between(
            attr(&t, "Assertion", "IssueInstant"),
            attr(&t, "SubjectConfirmationData", "NotOnOrAfter")
        ),
        5
    );
}
