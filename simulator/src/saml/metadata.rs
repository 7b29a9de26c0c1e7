//! IdP metadata (SAML Metadata §2.4.3): the signing certificate, the SSO
//! endpoints for HTTP-Redirect and HTTP-POST, and the NameID formats.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::xml::Element;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The metadata document for an IdP with this entity ID and SSO URL.
pub fn idp_metadata(entity_id: &str, sso_url: &str, cert_pem: &str) -> Result<String, String> {
    let b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    // Round-trip through base64 to refuse anything that is not a certificate body.
    let der = B64
        .decode(b64.trim())
        .map_err(|e| format!("the certificate is not PEM: {e}"))?;
    let cert = B64.encode(der);
    let mut desc = Element::new("md:IDPSSODescriptor")
        .attr("WantAuthnRequestsSigned", "false")
        .attr(
            "protocolSupportEnumeration",
            "urn:oasis:names:tc:SAML:2.0:protocol",
        )
        .child(
            Element::new("md:KeyDescriptor")
                .attr("use", "signing")
                .child(
                    Element::new("ds:KeyInfo").ns("ds", DSIG).child(
                        Element::new("ds:X509Data")
                            .child(Element::new("ds:X509Certificate").text(cert)),
                    ),
                ),
        );
    for f in [
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    ] {
        desc = desc.child(Element::new("md:NameIDFormat").text(f));
    }
    for b in ["HTTP-Redirect", "HTTP-POST"] {
        desc = desc.child(
            Element::new("md:SingleSignOnService")
                .attr(
                    "Binding",
                    format!("urn:oasis:names:tc:SAML:2.0:bindings:{b}"),
                )
                .attr("Location", sso_url),
        );
    }
    let doc = Element::new("md:EntityDescriptor")
        .ns("md", MD)
        .attr("entityID", entity_id)
        .child(desc);
    Ok(doc.to_xml())
}
