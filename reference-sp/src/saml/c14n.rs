//! Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>), over the tree of [`dom`].
//!
//! Only what SAML signatures use is here: an element subtree as the node
//! set, optionally minus one enveloped `Signature`, with an
//! `InclusiveNamespaces` prefix list. That is the whole of what the ACS
//! accepts; every other canonicalization is refused before this runs.

use std::collections::BTreeMap;

use super::dom::{Child, Element};

/// Canonical bytes of `apex` and its subtree, leaving out `skip` (compared
/// by address: the one `Signature` element being verified).
pub fn canonicalize(apex: &Element, skip: Option<&Element>, inclusive: &[String]) -> String {
    let mut out = String::new();
    element(apex, skip, inclusive, &BTreeMap::new(), &mut out);
    out
}

fn element(
    e: &Element,
    skip: Option<&Element>,
    inclusive: &[String],
    rendered: &BTreeMap<String, String>,
    out: &mut String,
) {
    // Visibly utilized prefixes, plus the inclusive list, then only those
    // whose binding differs from what an output ancestor already rendered.
    let mut wanted: Vec<&str> = vec![e.name.prefix.as_str()];
    for a in &e.attrs {
        if !a.name.prefix.is_empty() && a.name.prefix != "xml" {
            wanted.push(&a.name.prefix);
        }
    }
    for p in inclusive {
        let p = if p == "#default" { "" } else { p.as_str() };
        if e.scope.contains_key(p) || p.is_empty() {
            wanted.push(p);
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut mine = rendered.clone();
    let mut decls: Vec<(&str, &str)> = Vec::new();
    for p in wanted {
        let uri = e.scope.get(p).map_or("", String::as_str);
        let before = rendered.get(p).map_or("", String::as_str);
        let differs = match rendered.get(p) {
            Some(_) => before != uri,
            // An empty default namespace needs no declaration unless an
            // output ancestor declared a non-empty one.
            None => !uri.is_empty(),
        };
        if differs {
            decls.push((p, uri));
            mine.insert(p.to_owned(), uri.to_owned());
        }
    }
    out.push('<');
    out.push_str(&e.qname());
    for (p, uri) in &decls {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
    }
    let mut attrs: Vec<_> = e.attrs.iter().collect();
    attrs.sort_by(|a, b| (&a.name.ns, &a.name.local).cmp(&(&b.name.ns, &b.name.local)));
    for a in attrs {
        out.push(' ');
        if !a.name.prefix.is_empty() {
            out.push_str(&a.name.prefix);
            out.push(':');
        }
        out.push_str(&a.name.local);
        out.push_str("=\"");
        escape_attr(&a.value, out);
        out.push('"');
    }
    out.push('>');
    for c in &e.children {
        match c {
            Child::Text(t) => escape_text(t, out),
            Child::Element(child) => {
                if skip.is_some_and(|s| std::ptr::eq(s, child)) {
                    continue;
                }
                element(child, skip, inclusive, &mine, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(&e.qname());
    out.push('>');
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::dom::parse;
    use super::*;

    #[test]
    fn renders_only_used_namespaces_sorted() {
        let doc = parse(
            br#"<r:root xmlns:r="urn:r" xmlns:u="urn:unused" xmlns:x="urn:x"><x:a b="2" x:c="3" a="1"/><d xmlns=""/></r:root>"#,
        )
        .unwrap();
        let a = doc.elements().next().unwrap();
        assert_eq!(
            canonicalize(a, None, &[]),
            r#"<x:a xmlns:x="urn:x" a="1" b="2" x:c="3"></x:a>"#
        );
        assert_eq!(
            canonicalize(&doc, None, &[]),
            r#"<r:root xmlns:r="urn:r"><x:a xmlns:x="urn:x" a="1" b="2" x:c="3"></x:a><d></d></r:root>"#
        );
        assert_eq!(
            canonicalize(&doc, None, &["u".into()]),
            r#"<r:root xmlns:r="urn:r" xmlns:u="urn:unused"><x:a xmlns:x="urn:x" a="1" b="2" x:c="3"></x:a><d></d></r:root>"#
        );
    }

    #[test]
    fn default_namespace_and_escapes() {
        let doc = parse(
            b"<root xmlns=\"urn:d\"><a t=\"&#9;&quot;&lt;\">x &amp; y &gt; &#13;</a><b xmlns=\"\"/></root>",
        )
        .unwrap();
        assert_eq!(
            canonicalize(&doc, None, &[]),
            "<root xmlns=\"urn:d\"><a t=\"&#x9;&quot;&lt;\">x &amp; y &gt; &#xD;</a><b xmlns=\"\"></b></root>"
        );
    }

    #[test]
    fn skips_the_enveloped_element() {
        let doc = parse(br#"<r ID="1"><s>sig</s><t>kept</t></r>"#).unwrap();
        let s = doc.elements().next().unwrap();
        assert_eq!(
            canonicalize(&doc, Some(s), &[]),
            r#"<r ID="1"><t>kept</t></r>"#
        );
    }
}
