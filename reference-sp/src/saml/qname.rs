//! Which names a namespace-aware document may use (Namespaces in XML 1.0,
//! §3 and §4): an element or attribute name is a `QName`, that is an
//! `NCName` or `NCName:NCName`. quick-xml hands names over as raw bytes, so
//! without this check `<:saml2:AttributeValue>` would read as a local name
//! `saml2:AttributeValue` in no namespace: a parser differential, since
//! every conforming processor refuses that document.

/// XML 1.0 (fifth edition) `NameStartChar`, without `:`.
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 `NameChar`, without `:`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// `NCName`: a non-empty XML name with no colon.
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Splits a `QName` into prefix (`""` when unprefixed) and local part, or
/// `None` when the name is not a `QName`.
pub fn split(qname: &str) -> Option<(&str, &str)> {
    match qname.split_once(':') {
        None => is_ncname(qname).then_some(("", qname)),
        Some((p, l)) => (is_ncname(p) && is_ncname(l)).then_some((p, l)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qnames_are_ncname_or_two_ncnames() {
        assert_eq!(split("saml2:Assertion"), Some(("saml2", "Assertion")));
        assert_eq!(split("Assertion"), Some(("", "Assertion")));
        assert_eq!(split("_a-b.c\u{B7}1"), Some(("", "_a-b.c\u{B7}1")));
        assert_eq!(split("é:ü"), Some(("é", "ü")));
        for bad in [
            ":saml2:AttributeValue",
            ":a",
            "a:",
            "a:b:c",
            "",
            ":",
            "1a",
            "a:1b",
            "-a",
            "a b",
            "a\u{0}",
        ] {
            assert_eq!(split(bad), None, "{bad:?}");
        }
    }
}
