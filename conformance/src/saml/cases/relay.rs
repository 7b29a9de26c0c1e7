//! RelayState open redirects: RelayState is not covered by any signature,
//! so an SP that redirects to it after sign-in must keep the browser on its
//! own origin (crewjam/saml README; SAML Bindings §3.5.3).

use super::super::case::{Case, Expect, Forge, Script, Who};
use super::case;

fn relay(f: &Forge<'_>, rs: &str) -> Result<Script, String> {
    Ok(Script::doc(&f.genuine(Who::User)?).relay(rs))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.relay.absolute-url",
            "RelayState https://evil.example/",
            "SAML.md §3.3 (RelayState open redirect)",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "https://evil.example/"),
        ),
        case(
            "saml.relay.scheme-relative",
            "RelayState //evil.example/",
            "SAML.md §3.3 (RelayState open redirect)",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "//evil.example/"),
        ),
        case(
            "saml.relay.backslash",
            "RelayState /\\evil.example/ (browsers read \\ as /)",
            "WHATWG URL §4.4",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "/\\evil.example/"),
        ),
        case(
            "saml.relay.tab",
            "RelayState /<TAB>/evil.example/ (browsers drop tabs)",
            "WHATWG URL §4.4",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "/\t/evil.example/"),
        ),
        case(
            "saml.relay.javascript",
            "RelayState javascript:alert(document.domain)",
            "SAML.md §3.3 (RelayState javascript:)",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "javascript:alert(document.domain)"),
        ),
        case(
            "saml.relay.userinfo",
            "RelayState https://sp@evil.example/",
            "WHATWG URL §4.4",
            Expect::NoOpenRedirect,
            &["open-redirect"],
            |f| relay(f, "https://sp@evil.example/"),
        ),
    ]
}
