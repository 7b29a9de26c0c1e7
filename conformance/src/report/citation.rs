//! A check's reference text as links: `RFC 7644 §3.12, §7` cites two
//! sections of RFC 7644, each a link to its anchor on rfc-editor.org.

/// A piece of a reference: its text, and the URL it cites when it names
/// an RFC section (or a whole RFC). The pieces' texts, joined, are the
/// reference unchanged, so nothing a reader wrote is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cited<'a> {
    pub text: &'a str,
    pub url: Option<String>,
}

const RFC_EDITOR: &str = "https://www.rfc-editor.org/rfc/rfc";

/// Splits a reference into pieces and links every RFC section in it.
///
/// `RFC n` opens a citation; each `§x.y` after it links to
/// `https://www.rfc-editor.org/rfc/rfcn#section-x.y` (the anchors the RFC
/// Editor's HTML renderings carry for every numbered section). A `;` or any
/// other word ends it, so `IDP-WIRE.md §2.4` or `Okta guide (… §1.7)` stay
/// text: they are not RFCs. An `RFC n` followed by no section links to the
/// RFC itself.
pub fn cite<'a>(reference: &'a str) -> Vec<Cited<'a>> {
    let mut pieces = Vec::new();
    // Text not yet emitted starts here.
    let mut plain_from = 0;
    // The RFC being cited, and where its `RFC n` stands while no section
    // has claimed it as the start of its link.
    let mut rfc: Option<&str> = None;
    let mut unclaimed: Option<(usize, usize)> = None;
    let link = |pieces: &mut Vec<Cited<'a>>, plain_from: &mut usize, at: usize, end: usize, url| {
        if *plain_from < at {
            pieces.push(Cited {
                text: &reference[*plain_from..at],
                url: None,
            });
        }
        pieces.push(Cited {
            text: &reference[at..end],
            url: Some(url),
        });
        *plain_from = end;
    };
    let mut i = 0;
    while i < reference.len() {
        let rest = &reference[i..];
        let at_word_start = reference[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if at_word_start && let Some(number) = rfc_number(rest) {
            if let (Some((a, b)), Some(n)) = (unclaimed.take(), rfc) {
                link(
                    &mut pieces,
                    &mut plain_from,
                    a,
                    b,
                    format!("{RFC_EDITOR}{n}"),
                );
            }
            let end = i + "RFC ".len() + number.len();
            rfc = Some(number);
            unclaimed = Some((i, end));
            i = end;
            continue;
        }
        if let Some(section) = rest.strip_prefix('§').and_then(section_number) {
            let end = i + '§'.len_utf8() + section.len();
            if let Some(n) = rfc {
                let start = unclaimed.take().map_or(i, |(a, _)| a);
                link(
                    &mut pieces,
                    &mut plain_from,
                    start,
                    end,
                    format!("{RFC_EDITOR}{n}#section-{section}"),
                );
            }
            i = end;
            continue;
        }
        let c = rest.chars().next().expect("i is within the text");
        if c == ';' || c.is_alphanumeric() {
            // Another document or a new clause: what follows cites no RFC
            // until one is named again.
            if let (Some((a, b)), Some(n)) = (unclaimed.take(), rfc) {
                link(
                    &mut pieces,
                    &mut plain_from,
                    a,
                    b,
                    format!("{RFC_EDITOR}{n}"),
                );
            }
            rfc = None;
            // Skip the whole word, so `RFC` inside `XRFC 1` is not a citation.
            i += rest
                .find(|ch: char| !ch.is_alphanumeric())
                .unwrap_or(rest.len())
                .max(c.len_utf8());
            continue;
        }
        i += c.len_utf8();
    }
    if let (Some((a, b)), Some(n)) = (unclaimed, rfc) {
        link(
            &mut pieces,
            &mut plain_from,
            a,
            b,
            format!("{RFC_EDITOR}{n}"),
        );
    }
    if plain_from < reference.len() {
        pieces.push(Cited {
            text: &reference[plain_from..],
            url: None,
        });
    }
    pieces
}

/// The digits of `RFC 1234` at the start of `s`, ending at a word boundary.
fn rfc_number(s: &str) -> Option<&str> {
    let digits = s.strip_prefix("RFC ")?;
    let len = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let after = digits[len..].chars().next();
    (len > 0 && after.is_none_or(|c| !c.is_alphanumeric())).then_some(&digits[..len])
}

/// `3.5.2` of `3.5.2, …`: digits separated by single dots, no trailing dot.
fn section_number(s: &str) -> Option<&str> {
    let mut end = 0;
    let mut last_was_digit = false;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            last_was_digit = true;
            end = i + 1;
        } else if c == '.' && last_was_digit {
            last_was_digit = false;
        } else {
            break;
        }
    }
    (end > 0).then_some(&s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(reference: &str) -> Vec<(&str, Option<String>)> {
        cite(reference)
            .into_iter()
            .map(|c| (c.text, c.url))
            .collect()
    }

    fn url(rfc: u32, section: &str) -> Option<String> {
        Some(format!(
            "https://www.rfc-editor.org/rfc/rfc{rfc}#section-{section}"
        ))
    }

    #[test]
    fn one_section_links_to_its_anchor() {
        assert_eq!(
            links("RFC 7644 §3.5.2"),
            vec![("RFC 7644 §3.5.2", url(7644, "3.5.2"))]
        );
    }

    #[test]
    fn later_sections_of_the_same_rfc_link_on_their_own() {
        assert_eq!(
            links("RFC 7644 §3.12, §7"),
            vec![
                ("RFC 7644 §3.12", url(7644, "3.12")),
                (", ", None),
                ("§7", url(7644, "7")),
            ]
        );
    }

    #[test]
    fn a_semicolon_starts_another_citation() {
        assert_eq!(
            links("RFC 7644 §4; RFC 7643 §5"),
            vec![
                ("RFC 7644 §4", url(7644, "4")),
                ("; ", None),
                ("RFC 7643 §5", url(7643, "5")),
            ]
        );
    }

    #[test]
    fn sections_of_other_documents_stay_text() {
        assert_eq!(
            links("RFC 7644 §3.4.2.2; IDP-WIRE.md §2.4"),
            vec![
                ("RFC 7644 §3.4.2.2", url(7644, "3.4.2.2")),
                ("; IDP-WIRE.md §2.4", None),
            ]
        );
        assert_eq!(
            links("Okta SCIM 2.0 guide (IDP-WIRE.md §1.7)"),
            vec![("Okta SCIM 2.0 guide (IDP-WIRE.md §1.7)", None)]
        );
        assert_eq!(links("IDP-WIRE.md §2.9"), vec![("IDP-WIRE.md §2.9", None)]);
    }

    #[test]
    fn an_rfc_without_a_section_links_to_the_rfc() {
        assert_eq!(
            links("RFC 7643 and IDP-WIRE.md"),
            vec![
                (
                    "RFC 7643",
                    Some("https://www.rfc-editor.org/rfc/rfc7643".into())
                ),
                (" and IDP-WIRE.md", None),
            ]
        );
        assert_eq!(
            links("see RFC 7644"),
            vec![
                ("see ", None),
                (
                    "RFC 7644",
                    Some("https://www.rfc-editor.org/rfc/rfc7644".into())
                )
            ]
        );
    }

    #[test]
    fn a_trailing_dot_is_not_part_of_the_section() {
        assert_eq!(
            links("RFC 7643 §2.3.8."),
            vec![("RFC 7643 §2.3.8", url(7643, "2.3.8")), (".", None)]
        );
    }

    #[test]
    fn rfc_inside_a_word_is_not_a_citation() {
        assert_eq!(links("XRFC 12 §3"), vec![("XRFC 12 §3", None)]);
        assert_eq!(links("RFC 12x §3"), vec![("RFC 12x §3", None)]);
    }

    /// Every reference in the registry is kept whole, and each `RFC` in it
    /// becomes at least one link to rfc-editor.org.
    #[test]
    fn every_registry_reference_is_kept_and_its_rfcs_linked() {
        for c in crate::checks::all() {
            let pieces = cite(c.reference);
            let joined: String = pieces.iter().map(|p| p.text).collect();
            assert_eq!(joined, c.reference, "{}", c.id);
            let linked = pieces.iter().filter(|p| p.url.is_some()).count();
            assert!(
                linked >= c.reference.matches("RFC ").count(),
                "{}: {pieces:?}",
                c.id
            );
            for p in pieces.iter().filter_map(|p| p.url.as_deref()) {
                assert!(
                    p.starts_with("https://www.rfc-editor.org/rfc/rfc764"),
                    "{p}"
                );
            }
        }
    }
}
