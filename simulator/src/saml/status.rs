//! Error responses: a Status with a top-level code, an optional second-level
//! code and a message, and no assertion (SAML Core §3.2.2.2).

use super::response::Shape;
use super::xml::Element;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// Top-level status codes an IdP fails with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopStatus {
    Requester,
    Responder,
}

/// Second-level codes seen from Okta and Entra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubStatus {
    AuthnFailed,
    RequestUnsupported,
    InvalidNameIdPolicy,
    NoPassive,
}

fn uri(s: &str) -> String {
    format!("urn:oasis:names:tc:SAML:2.0:status:{s}")
}

/// What an error response says.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    pub top: TopStatus,
    pub sub: Option<SubStatus>,
    /// Entra prefixes its messages with an `AADSTS` code; pass the whole message.
    pub message: &'a str,
}

/// Where an error response goes.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub id: &'a str,
    pub issue_instant: &'a str,
    pub destination: &'a str,
    pub in_response_to: Option<&'a str>,
}

/// An unsigned error Response in the profile's shape.
pub fn error_response(shape: &Shape, env: &Envelope<'_>, failure: &Failure<'_>) -> String {
    let Envelope {
        id,
        issue_instant,
        destination,
        in_response_to,
    } = *env;
    let Failure { top, sub, message } = *failure;
    let okta = matches!(shape, Shape::Okta { .. });
    let (p, a) = if okta {
        ("saml2p", "saml2")
    } else {
        ("samlp", "")
    };
    let q = |prefix: &str, name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}:{name}")
        }
    };
    let issuer = shape.issuer();
    let top = uri(match top {
        TopStatus::Requester => "Requester",
        TopStatus::Responder => "Responder",
    });
    let mut code = Element::new(&q(p, "StatusCode")).attr("Value", top);
    if let Some(s) = sub {
        code = code.child(Element::new(&q(p, "StatusCode")).attr(
            "Value",
            uri(match s {
                SubStatus::AuthnFailed => "AuthnFailed",
                SubStatus::RequestUnsupported => "RequestUnsupported",
                SubStatus::InvalidNameIdPolicy => "InvalidNameIDPolicy",
                SubStatus::NoPassive => "NoPassive",
            }),
        ));
    }
    let mut issuer_el = Element::new(&q(a, "Issuer")).ns(a, ASSERTION).text(issuer);
    if okta {
        issuer_el = issuer_el.attr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity");
    }
    let mut resp = Element::new(&q(p, "Response"))
        .ns(p, PROTOCOL)
        .attr("Destination", destination)
        .attr("ID", id)
        .attr("IssueInstant", issue_instant)
        .attr("Version", "2.0")
        .child(issuer_el)
        .child(
            Element::new(&q(p, "Status"))
                .child(code)
                .child(Element::new(&q(p, "StatusMessage")).text(message)),
        );
    if let Some(irt) = in_response_to {
        resp = resp.attr("InResponseTo", irt);
    }
    resp.to_xml()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_codes_and_no_assertion() {
        let x = error_response(
            &Shape::Entra { tenant: "t".into() },
            &Envelope {
                id: "_1",
                issue_instant: "2026-01-01T00:00:00.000Z",
                destination: "https://sp/acs",
                in_response_to: Some("_req"),
            },
            &Failure {
                top: TopStatus::Requester,
                sub: Some(SubStatus::RequestUnsupported),
                message: "AADSTS750054: SAMLRequest <missing>",
            },
        );
        assert!(x.contains("<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Requester\"><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported\"></samlp:StatusCode></samlp:StatusCode>"));
        assert!(x.contains(
            "<samlp:StatusMessage>AADSTS750054: SAMLRequest &lt;missing&gt;</samlp:StatusMessage>"
        ));
        assert!(!x.contains("Assertion"));
        assert!(x.contains("InResponseTo=\"_req\""));
    }
}
