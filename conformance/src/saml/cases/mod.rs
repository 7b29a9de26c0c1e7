//! The case registry: every SAML case, in the order they run.

mod accept;
mod addressing;
mod algorithms;
mod identity;
mod keys;
mod parser;
mod relay;
mod resource;
mod session;
mod signature;
mod structure;
mod time;
mod wrapping;

use super::case::{Case, Expect, Flow, Forge, Kind, Script};

/// Every case: the standard ones, then the resource ones.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    for part in [
        accept::cases(),
        signature::cases(),
        wrapping::cases(),
        parser::cases(),
        keys::cases(),
        algorithms::cases(),
        time::cases(),
        addressing::cases(),
        session::cases(),
        structure::cases(),
        identity::cases(),
        relay::cases(),
        resource::cases(),
    ] {
        v.extend(part);
    }
    v
}

/// A standard one-browser case.
pub(super) fn case(
    id: &'static str,
    title: &'static str,
    source: &'static str,
    expect: Expect,
    proof: &'static [&'static str],
    build: fn(&Forge<'_>) -> Result<Script, String>,
) -> Case {
    Case {
        id,
        title,
        source,
        expect,
        proof,
        kind: Kind::Standard,
        flow: Flow::Any,
        browsers: 1,
        build,
    }
}

/// A SAML timestamp `minutes` from now (millisecond precision, `Z`).
pub(super) fn at(minutes: i64) -> String {
    let t = ::time::OffsetDateTime::now_utc() + ::time::Duration::seconds(minutes * 60);
    let t = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    let s = t
        .format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    if s.contains('.') {
        s
    } else {
        s.replace('Z', ".000Z")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_named_by_area() {
        let all = super::all();
        let mut seen = HashSet::new();
        for c in &all {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(
                c.id.starts_with("saml.") && c.id.split('.').count() == 3,
                "{}",
                c.id
            );
            assert!(!c.proof.is_empty(), "{} has no proof", c.id);
        }
        assert!(all.len() >= 120, "{} cases", all.len());
    }
}
