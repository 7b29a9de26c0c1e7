//! Expected against got, as a line diff with the changed words marked.

use std::borrow::Cow;

use similar::{ChangeTag, InlineChangeMode, InlineChangeOptions, TextDiff};

use super::escape;

/// How much of `expected` and of `got` is diffed: a finding quotes an
/// answer, and a hostile target chooses how long that answer is.
pub const SHOWN: usize = 4096;

/// JSON shorter than this stays on its line: `members = ["a","b"]` reads
/// better whole, with the changed part marked, than as five lines.
const INLINE_JSON: usize = 100;

/// Appends the diff of `expected` and `got` to `out`: lines only in
/// `expected` marked `−`, lines only in `got` marked `+`, lines both share
/// unmarked; within a changed pair, the differing words highlighted.
pub fn push(out: &mut String, expected: &str, got: &str) {
    let (expected, expected_cut) = escape::clip(expected, SHOWN);
    let (got, got_cut) = escape::clip(got, SHOWN);
    let old = lines(expected);
    let new = lines(got);
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    out.push_str(
        "<div class=\"diff\"><div class=\"key\"><span class=\"del\">− expected</span> \
         <span class=\"ins\">+ got</span></div>",
    );
    // Characters, cleaned up to readable runs: ids and JSON arrays have no
    // spaces to split words at, and `["b"]` against `["a","b"]` should
    // mark `"a",`, not the whole array.
    let mut inline = InlineChangeOptions::new();
    inline.mode(InlineChangeMode::Chars).semantic_cleanup(true);
    for op in diff.ops() {
        for change in diff.iter_inline_changes_with_options(op, inline) {
            let (class, sign) = match change.tag() {
                ChangeTag::Delete => ("del", '−'),
                ChangeTag::Insert => ("ins", '+'),
                ChangeTag::Equal => ("eq", ' '),
            };
            out.push_str("<div class=\"");
            out.push_str(class);
            out.push_str("\">");
            out.push(sign);
            out.push(' ');
            for (emphasized, part) in change.iter_strings_lossy() {
                let part = part.strip_suffix('\n').unwrap_or(&part);
                if emphasized && change.tag() != ChangeTag::Equal {
                    out.push_str("<mark>");
                    escape::push(out, part);
                    out.push_str("</mark>");
                } else {
                    escape::push(out, part);
                }
            }
            out.push_str("</div>");
        }
    }
    for (what, cut, text) in [("expected", expected_cut, expected), ("got", got_cut, got)] {
        if cut {
            out.push_str("<div class=\"cut\">");
            escape::push(
                out,
                &format!("{what} cut to its first {} bytes", text.len()),
            );
            out.push_str("</div>");
        }
    }
    out.push_str("</div>");
}

/// The text as lines to diff: a long JSON document in it (an answer
/// quoted after `HTTP 200: `) pretty-printed, so the diff points at the
/// member that differs rather than at one long line.
fn lines(text: &str) -> Cow<'_, str> {
    let Some(start) = text.find(['{', '[']) else {
        return Cow::Borrowed(text);
    };
    let (prefix, doc) = text.split_at(start);
    if doc.len() < INLINE_JSON {
        return Cow::Borrowed(text);
    }
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(value) => {
            let pretty = serde_json::to_string_pretty(&value).unwrap_or_else(|_| doc.to_owned());
            let prefix = prefix.trim_end();
            Cow::Owned(if prefix.is_empty() {
                pretty
            } else {
                format!("{prefix}\n{pretty}")
            })
        }
        Err(_) => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(expected: &str, got: &str) -> String {
        let mut out = String::new();
        push(&mut out, expected, got);
        out
    }

    #[test]
    fn a_changed_value_is_one_line_out_one_line_in_with_the_change_marked() {
        let html = diff("totalResults = 1", "totalResults = 0");
        assert!(
            html.contains("<div class=\"del\">− totalResults = <mark>1</mark></div>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"ins\">+ totalResults = <mark>0</mark></div>"),
            "{html}"
        );
    }

    /// Only the added member is marked (where the diff aligns it may put
    /// the quotes either side), not the whole array.
    #[test]
    fn an_added_member_is_what_is_marked() {
        let html = diff(r#"members = ["b2"]"#, r#"members = ["a1","b2"]"#);
        assert!(
            html.contains("<div class=\"del\">− members = [&quot;b2&quot;]</div>"),
            "{html}"
        );
        let marked: Vec<&str> = html
            .split("<mark>")
            .skip(1)
            .map(|m| m.split("</mark>").next().unwrap())
            .collect();
        assert!(
            marked == ["&quot;a1&quot;,"] || marked == ["a1&quot;,&quot;"],
            "{html}"
        );
    }

    #[test]
    fn shared_lines_are_kept_unmarked() {
        let html = diff("a\nb\nc", "a\nB\nc");
        let lines: Vec<&str> = html
            .split("<div class=\"")
            .skip(3)
            .map(|l| l.split('"').next().unwrap())
            .collect();
        assert_eq!(lines, ["eq", "del", "ins", "eq"], "{html}");
    }

    #[test]
    fn a_long_json_answer_is_diffed_member_by_member() {
        let got = format!(
            "HTTP 200: {}",
            serde_json::json!({"id": "1", "userName": "a", "title": "After", "meta": {"resourceType": "User", "location": "http://127.0.0.1/scim/v2/Users/1"}})
        );
        let html = diff("PATCH with a stale If-Match: HTTP 412", &got);
        assert!(
            html.contains("<div class=\"ins\">+ HTTP 200:</div>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"ins\">+   &quot;title&quot;: &quot;After&quot;,</div>"),
            "{html}"
        );
    }

    #[test]
    fn the_target_s_text_is_escaped_in_the_diff() {
        let html = diff("x", "</script><img src=x onerror=alert(1)>");
        assert!(
            !html.contains("<img") && !html.contains("</script>"),
            "{html}"
        );
        assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn long_sides_are_cut_and_say_so() {
        let got = "y".repeat(SHOWN * 10);
        let html = diff("x", &got);
        assert!(html.len() < SHOWN * 2, "{} bytes", html.len());
        assert!(html.contains("got cut to its first 4096 bytes"), "{html}");
    }
}
