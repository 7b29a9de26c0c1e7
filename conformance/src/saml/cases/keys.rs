//! SAML.md §3.3 D: keys and certificates. Each response names the user
//! and is signed with a key that is not the IdP's; only the key the SP was
//! configured with may be trusted, never what KeyInfo says.

use super::super::case::{Case, Doc, Expect, Forge, Script, Who};
use super::super::sign::{KeyInfo, Signer};
use super::super::xml::{El, Node};
use super::case;

fn attacker_signed(f: &Forge<'_>, info: KeyInfo) -> Result<Script, String> {
    let mut d: Doc = f.genuine(Who::Attacker)?;
    d.name_id().set_text(f.user());
    d.spec.signer = Signer::Attacker;
    d.spec.key_info = info;
    d.resign()?;
    Ok(Script::doc(&d))
}

fn ds(f: &Forge<'_>, local: &str) -> El {
    El::new(&if f.okta() {
        format!("ds:{local}")
    } else {
        local.to_owned()
    })
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.keys.attacker-key-own-cert",
            "Signed with an attacker's key, its certificate in KeyInfo",
            "SAML.md N-27; CVE-2015-5372",
            Expect::Refuse,
            &["ignore-signature-value", "trust-key-info"],
            |f| attacker_signed(f, KeyInfo::AttackerCert),
        ),
        case(
            "saml.keys.attacker-key-idp-cert",
            "Signed with an attacker's key, the IdP's certificate in KeyInfo",
            "SAML.md N-27",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| attacker_signed(f, KeyInfo::TrustedCert),
        ),
        case(
            "saml.keys.cloned-cert",
            "Signed with an attacker's key in a certificate cloning the IdP's subject and serial",
            "SAML.md N-28; SAMLRaider \"clone certificate\"",
            Expect::Refuse,
            &["ignore-signature-value", "trust-key-info"],
            |f| attacker_signed(f, KeyInfo::ClonedCert),
        ),
        case(
            "saml.keys.attacker-key-no-key-info",
            "Signed with an attacker's key, no KeyInfo",
            "SAML.md N-27",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| attacker_signed(f, KeyInfo::None),
        ),
        case(
            "saml.keys.retrieval-method",
            "KeyInfo with a RetrievalMethod naming a URL (never fetched)",
            "SAML.md N-30; W3C XML Signature Best Practices",
            Expect::Refuse,
            &["ignore-signature-value", "dereference-urls"],
            |f| {
                let mut rm = ds(f, "RetrievalMethod");
                rm.set_attr("URI", f.canary("retrieval-method"));
                rm.set_attr(
                    "Type",
                    "http://www.w3.org/2000/09/xmldsig#rawX509Certificate",
                );
                attacker_signed(f, KeyInfo::Custom(vec![rm]))
            },
        ),
        case(
            "saml.keys.key-name",
            "Signed with an attacker's key, KeyInfo naming the IdP's key by KeyName",
            "SAML.md N-30",
            Expect::Refuse,
            &["ignore-signature-value"],
            |f| {
                let mut kn = ds(f, "KeyName");
                kn.kids.push(Node::Text("idpsim IdP signing".into()));
                attacker_signed(f, KeyInfo::Custom(vec![kn]))
            },
        ),
    ]
}
