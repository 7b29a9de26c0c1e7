//! Making text inert in HTML, and cutting it to a size: whatever a target
//! answers reaches the page only through [`push`] (or [`esc`]), in element
//! content or a double-quoted attribute.

use std::fmt::Write as _;

/// Appends `s` to `out` as HTML text, safe in element content and in
/// quoted attributes. Control characters other than newline and tab, and
/// the bidirectional overrides that can make text read differently from
/// what it is, are shown as `\u{…}` escapes instead.
pub fn push(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// [`push`] into a new string.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push(&mut out, s);
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` bytes of `s`, cut at a character boundary, and whether
/// anything was cut.
pub fn clip(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// [`push`] of at most `max` bytes of `s`, with a note of how much there
/// was when it was cut.
pub fn push_clipped(out: &mut String, s: &str, max: usize) {
    let (shown, cut) = clip(s, max);
    push(out, shown);
    if cut {
        let _ = write!(
            out,
            "<span class=\"cut\">… cut: {} of {} bytes shown</span>",
            shown.len(),
            s.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_become_text() {
        assert_eq!(
            esc(r#"</script><img src=x onerror="alert('x')">&amp;"#),
            "&lt;/script&gt;&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;"
        );
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_obeyed() {
        assert_eq!(esc("a\u{0}b\u{202e}c\nd\te"), "a\\u{0}b\\u{202e}c\nd\te");
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("héllo", 2), ("h", true));
        assert_eq!(clip("héllo", 3), ("hé", true));
        assert_eq!(clip("héllo", 64), ("héllo", false));
        let mut out = String::new();
        push_clipped(&mut out, "<<<<", 2);
        assert_eq!(
            out,
            "&lt;&lt;<span class=\"cut\">… cut: 2 of 4 bytes shown</span>"
        );
    }
}
