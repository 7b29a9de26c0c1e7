//! Identity look-alikes: the IdP vouches for a name that differs from the
//! user's only by invisible or compatibility characters. A correct SP
//! refuses, or signs in that name as its own account, never the user's.

use super::super::case::{Case, Expect, Forge, Script};
use super::case;

fn lookalike(f: &Forge<'_>, name: String) -> Result<Script, String> {
    let d = f.genuine_as(&name, f.id.sign)?;
    Ok(Script::doc(&d).vouched(&name))
}

/// The user's name with its first ASCII letter in fullwidth form.
fn fullwidth(name: &str) -> String {
    let mut done = false;
    name.chars()
        .map(|c| {
            if !done && c.is_ascii_alphabetic() {
                done = true;
                char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "saml.identity.trailing-space",
            "NameID is the user's name plus a trailing space",
            "issue 18 (identity look-alikes); RFC 7613 §3.2",
            Expect::RefuseOrVouched,
            &["normalize-name-id"],
            |f| lookalike(f, format!("{} ", f.user())),
        ),
        case(
            "saml.identity.leading-space",
            "NameID is the user's name after a leading space",
            "issue 18 (identity look-alikes)",
            Expect::RefuseOrVouched,
            &["normalize-name-id"],
            |f| lookalike(f, format!(" {}", f.user())),
        ),
        case(
            "saml.identity.no-break-space",
            "NameID is the user's name plus U+00A0",
            "issue 18 (identity look-alikes)",
            Expect::RefuseOrVouched,
            &["normalize-name-id"],
            |f| lookalike(f, format!("{}\u{a0}", f.user())),
        ),
        case(
            "saml.identity.fullwidth",
            "NameID with a fullwidth letter (NFKC maps it to the user's)",
            "issue 18 (Unicode compatibility forms); UAX #15",
            Expect::RefuseOrVouched,
            &["normalize-name-id"],
            |f| lookalike(f, fullwidth(f.user())),
        ),
        case(
            "saml.identity.zero-width-space",
            "NameID is the user's name with a zero-width space inside",
            "issue 18 (identity look-alikes); UTS #39",
            Expect::RefuseOrVouched,
            &["normalize-name-id"],
            |f| {
                let u = f.user();
                let mid = u.char_indices().nth(1).map_or(0, |(i, _)| i);
                lookalike(f, format!("{}\u{200b}{}", &u[..mid], &u[mid..]))
            },
        ),
    ]
}
