//! The account key: the one rule that decides whether two `userName`s
//! name the same account. SCIM uniqueness, the `userName` index and SAML
//! sign-in all go through here, so a name the SCIM side keeps apart can
//! never sign in as someone else, and a NameID can only reach the account
//! the SCIM side would call by that name.
//!
//! The rule:
//! 1. A valid `userName` is non-empty, has no whitespace (Unicode
//!    `White_Space`) at either end, contains no control (`Cc`), format
//!    (`Cf`, e.g. zero-width and bidi marks), line- or paragraph-separator
//!    character, and is already in Unicode Normalization Form KC. Anything
//!    else is refused: at SCIM create, replace and patch with
//!    `400 invalidValue`, and as a SAML NameID.
//! 2. The key of a valid name is its full Unicode case folding, put back
//!    into NFKC (folding can leave a string that NFKC would change).
//!
//! Refusing non-NFKC names rather than normalising them is what keeps
//! look-alikes apart from the account they imitate: `Kate` spelt with
//! U+212A KELVIN SIGN, a full-width `ａｌｉｃｅ` or `alice` followed by
//! U+3000 never become `kate` or `alice`. Okta and Entra ID send `userName`
//! as an email address or UPN; ASCII and precomposed (NFC) letters such as
//! `josé@example.com` are NFKC already, so real names pass unchanged.

use std::borrow::Cow;
use std::fmt;

use icu_casemap::CaseMapper;
use icu_normalizer::ComposingNormalizerBorrowed;
use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;

/// Why a string cannot be a `userName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidUserName {
    #[error("is empty")]
    Empty,
    #[error("starts or ends with whitespace")]
    EdgeWhitespace,
    #[error("contains the invisible or control character {}", Codepoint(*.0))]
    Invisible(char),
    #[error(
        "is not in Unicode normalization form KC (it contains compatibility or decomposed characters)"
    )]
    NotNormalized,
}

/// `U+XXXX`, so an invisible character is visible in an error message.
struct Codepoint(char);

impl fmt::Display for Codepoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X}", u32::from(self.0))
    }
}

/// Whether `c` may not appear anywhere in a `userName`.
fn invisible(c: char) -> bool {
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Checks `name` against the rule and returns its key.
pub fn account_key(name: &str) -> Result<String, InvalidUserName> {
    validate(name)?;
    Ok(fold(name))
}

/// Checks `name` against the rule (step 1).
pub fn validate(name: &str) -> Result<(), InvalidUserName> {
    let (Some(first), Some(last)) = (name.chars().next(), name.chars().next_back()) else {
        return Err(InvalidUserName::Empty);
    };
    if first.is_whitespace() || last.is_whitespace() {
        return Err(InvalidUserName::EdgeWhitespace);
    }
    if let Some(c) = name.chars().find(|c| invisible(*c)) {
        return Err(InvalidUserName::Invisible(c));
    }
    if !ComposingNormalizerBorrowed::new_nfkc().is_normalized(name) {
        return Err(InvalidUserName::NotNormalized);
    }
    Ok(())
}

/// The key of any string (step 2, after NFKC): total, so an index can file
/// and look up names that never passed [`validate`] (a filter's value)
/// without failing; for a valid name it is [`account_key`]'s.
pub fn fold(name: &str) -> String {
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let normal = nfkc.normalize(name);
    let folded = CaseMapper::new().fold_string(&normal);
    match nfkc.normalize(&folded) {
        Cow::Borrowed(_) => folded.into_owned(),
        Cow::Owned(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_variants_share_a_key() {
        let k = account_key("alice@example.com").unwrap();
        assert_eq!(account_key("ALICE@Example.COM").unwrap(), k);
        // Full folding, not just lower-casing: ß folds to ss.
        assert_eq!(
            account_key("STRASSE@example.com").unwrap(),
            account_key("straße@example.com").unwrap()
        );
        assert_eq!(
            account_key("josé@example.com").unwrap(),
            account_key("JOSÉ@EXAMPLE.COM").unwrap()
        );
    }

    #[test]
    fn email_and_upn_shapes_are_valid() {
        for n in [
            "jane.doe@example.com",
            "o'neil&co<x>@example.com",
            "first+tag@sub.example.co.uk",
            "DOMAIN\\user",
            "Jane Doe",
            "josé@example.com",
            "用户@例子.中国",
            "00u1a2b3c4d5e6f7g8h9",
        ] {
            assert_eq!(validate(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn look_alikes_are_refused_not_folded_onto_the_account() {
        // U+212A KELVIN SIGN.
        assert_eq!(
            account_key("\u{212A}ate@example.com"),
            Err(InvalidUserName::NotNormalized)
        );
        // Full-width letters.
        assert_eq!(
            account_key("\u{FF41}lice@example.com"),
            Err(InvalidUserName::NotNormalized)
        );
        // Decomposed é (NFD).
        assert_eq!(
            account_key("jose\u{301}@example.com"),
            Err(InvalidUserName::NotNormalized)
        );
    }

    #[test]
    fn edges_and_invisibles_are_refused() {
        for (n, why) in [
            ("", InvalidUserName::Empty),
            ("alice@example.com ", InvalidUserName::EdgeWhitespace),
            (" alice@example.com", InvalidUserName::EdgeWhitespace),
            ("alice@example.com\u{3000}", InvalidUserName::EdgeWhitespace),
            ("alice@example.com\t", InvalidUserName::EdgeWhitespace),
            (
                "alice@exa\u{200B}mple.com",
                InvalidUserName::Invisible('\u{200B}'),
            ),
            (
                "alice@example.com\u{202E}",
                InvalidUserName::Invisible('\u{202E}'),
            ),
            (
                "ali\u{0}ce@example.com",
                InvalidUserName::Invisible('\u{0}'),
            ),
            (
                "alice\u{2028}x@example.com",
                InvalidUserName::Invisible('\u{2028}'),
            ),
            (
                "\u{FEFF}alice@example.com",
                InvalidUserName::Invisible('\u{FEFF}'),
            ),
        ] {
            assert_eq!(account_key(n), Err(why), "{n:?}");
        }
        assert!(
            InvalidUserName::Invisible('\u{200B}')
                .to_string()
                .contains("U+200B")
        );
    }

    #[test]
    fn fold_is_total_and_agrees_with_the_key_on_valid_names() {
        assert_eq!(fold("\u{212A}ate@example.com"), "kate@example.com");
        assert_eq!(fold("Alice"), account_key("alice").unwrap());
    }
}
