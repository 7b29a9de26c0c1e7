//! Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>), over the tree of [`dom`].
//!
//! Only what SAML signatures use is here: an element subtree as the node
//! set, optionally minus one enveloped `Signature`, with an
//! `InclusiveNamespaces` prefix list. That is the whole of what the ACS
//! accepts; every other canonicalization is refused before this runs.
//!
//! The cost is linear in the subtree plus the output, and the output is
//! capped: exclusive c14n re-declares a namespace on every element that
//! uses it below one that does not, so a long URI used by thousands of
//! siblings renders thousands of times. Output streams to a sink (a digest)
//! rather than into one string, and past `limit` bytes the canonicalization
//! stops with [`C14nError::TooLarge`].
//!
//! [`dom`]: super::dom

use std::collections::{HashMap, HashSet};

use super::dom::{Child, Element};

/// Bytes buffered before they go to the sink.
const FLUSH: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("the canonical form is larger than {0} bytes")]
    TooLarge(usize),
}

/// Writes the canonical bytes of `apex` and its subtree to `sink`, leaving
/// out `skip` (compared by address: the one `Signature` element being
/// verified). `inclusive` is the `InclusiveNamespaces` prefix list
/// (`#default` for the default namespace).
pub fn canonicalize(
    apex: &Element,
    skip: Option<&Element>,
    inclusive: &[&str],
    limit: usize,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), C14nError> {
    canonicalize_with(apex, skip, inclusive, limit, Broken::default(), sink)
}

/// Canonicalization bugs a quirky SP has; none for the strict ACS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Broken {
    /// Text is written without escaping (`c14n-no-escape`).
    pub no_escape: bool,
    /// Whitespace-only text is dropped (`strip-whitespace`).
    pub strip_whitespace: bool,
    /// The enveloped-signature transform drops every Signature child of
    /// the apex, not only the one verified (`any-signature-position`).
    pub drop_all_signatures: bool,
}

/// [`canonicalize`] with a quirky SP's bugs.
pub fn canonicalize_with(
    apex: &Element,
    skip: Option<&Element>,
    inclusive: &[&str],
    limit: usize,
    broken: Broken,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), C14nError> {
    let mut c = C14n {
        broken,
        out: Writer {
            buf: Vec::new(),
            sink,
            written: 0,
            limit,
        },
        skip,
        inclusive: inclusive
            .iter()
            .map(|p| if *p == "#default" { "" } else { *p })
            .filter(|p| *p != "xml")
            .collect(),
        rendered: HashMap::new(),
    };
    c.element(apex, true)?;
    c.out.flush();
    Ok(())
}

struct Writer<'s> {
    buf: Vec<u8>,
    sink: &'s mut dyn FnMut(&[u8]),
    written: usize,
    limit: usize,
}

impl Writer<'_> {
    fn push(&mut self, s: &str) -> Result<(), C14nError> {
        self.written += s.len();
        if self.written > self.limit {
            return Err(C14nError::TooLarge(self.limit));
        }
        self.buf.extend_from_slice(s.as_bytes());
        if self.buf.len() >= FLUSH {
            self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            (self.sink)(&self.buf);
            self.buf.clear();
        }
    }

    /// Writes `s` with each byte `escape` names replaced.
    fn escaped(
        &mut self,
        s: &str,
        escape: fn(u8) -> Option<&'static str>,
    ) -> Result<(), C14nError> {
        let mut from = 0;
        for (i, b) in s.bytes().enumerate() {
            if let Some(rep) = escape(b) {
                self.push(&s[from..i])?;
                self.push(rep)?;
                from = i + 1;
            }
        }
        self.push(&s[from..])
    }
}

fn text_escape(b: u8) -> Option<&'static str> {
    match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    }
}

fn attr_escape(b: u8) -> Option<&'static str> {
    match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'"' => Some("&quot;"),
        b'\t' => Some("&#x9;"),
        b'\n' => Some("&#xA;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    }
}

struct C14n<'a, 's> {
    broken: Broken,
    out: Writer<'s>,
    skip: Option<&'a Element>,
    /// The prefix list, `""` standing for `#default`.
    inclusive: HashSet<&'a str>,
    /// What the output ancestors declared: prefix to URI. Each element
    /// records what it changed and restores it on the way out, so the map
    /// is never copied.
    rendered: HashMap<&'a str, &'a str>,
}

impl<'a> C14n<'a, '_> {
    fn element(&mut self, e: &'a Element, apex: bool) -> Result<(), C14nError> {
        // Visibly utilized prefixes, plus the inclusive ones in scope; then
        // only those whose binding differs from what an output ancestor
        // rendered. Below the apex every element is output, so an inclusive
        // prefix's binding can only differ from the rendered one where the
        // element itself redeclares it: only its own declarations need a
        // look, and the cost stays linear whatever the list's length.
        let mut wanted: Vec<(&'a str, &'a str)> = vec![(&e.name.prefix, &e.name.ns)];
        for a in &e.attrs {
            if !a.name.prefix.is_empty() && &*a.name.prefix != "xml" {
                wanted.push((&a.name.prefix, &a.name.ns));
            }
        }
        if apex {
            for &p in &self.inclusive {
                match e.scope.get(p) {
                    Some(uri) => wanted.push((p, uri)),
                    None if p.is_empty() => wanted.push(("", "")),
                    None => {}
                }
            }
        } else {
            for (p, uri) in e.declarations() {
                if self.inclusive.contains(&**p) {
                    wanted.push((p, uri));
                }
            }
        }
        wanted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        wanted.dedup_by(|a, b| a.0 == b.0);
        let mut undo: Vec<(&'a str, Option<&'a str>)> = Vec::new();
        for &(p, uri) in &wanted {
            let differs = match self.rendered.get(p) {
                Some(before) => *before != uri,
                // An empty default namespace needs no declaration unless an
                // output ancestor declared a non-empty one.
                None => !uri.is_empty(),
            };
            if differs {
                undo.push((p, self.rendered.insert(p, uri)));
            }
        }

        self.out.push("<")?;
        self.qname(e)?;
        // `undo` is in `wanted`'s order: sorted by prefix, default first.
        for &(p, _) in &undo {
            let uri = self.rendered[p];
            if p.is_empty() {
                self.out.push(" xmlns=\"")?;
            } else {
                self.out.push(" xmlns:")?;
                self.out.push(p)?;
                self.out.push("=\"")?;
            }
            self.out.escaped(uri, attr_escape)?;
            self.out.push("\"")?;
        }
        let mut attrs: Vec<_> = e.attrs.iter().collect();
        attrs.sort_unstable_by(|a, b| {
            (&*a.name.ns, a.name.local.as_str()).cmp(&(&*b.name.ns, b.name.local.as_str()))
        });
        for a in attrs {
            self.out.push(" ")?;
            if !a.name.prefix.is_empty() {
                self.out.push(&a.name.prefix)?;
                self.out.push(":")?;
            }
            self.out.push(&a.name.local)?;
            self.out.push("=\"")?;
            self.out.escaped(&a.value, attr_escape)?;
            self.out.push("\"")?;
        }
        self.out.push(">")?;
        for c in &e.children {
            match c {
                Child::Text(t) if self.broken.strip_whitespace && t.trim().is_empty() => {}
                Child::Text(t) if self.broken.no_escape => self.out.push(t)?,
                Child::Text(t) => self.out.escaped(t, text_escape)?,
                Child::Element(child) => {
                    if self.skip.is_some_and(|s| std::ptr::eq(s, child)) {
                        continue;
                    }
                    if apex
                        && self.broken.drop_all_signatures
                        && child.name.is(super::signature::DSIG, "Signature")
                    {
                        continue;
                    }
                    self.element(child, false)?;
                }
            }
        }
        self.out.push("</")?;
        self.qname(e)?;
        self.out.push(">")?;
        for (p, before) in undo.into_iter().rev() {
            match before {
                Some(uri) => self.rendered.insert(p, uri),
                None => self.rendered.remove(p),
            };
        }
        Ok(())
    }

    fn qname(&mut self, e: &Element) -> Result<(), C14nError> {
        if !e.name.prefix.is_empty() {
            self.out.push(&e.name.prefix)?;
            self.out.push(":")?;
        }
        self.out.push(&e.name.local)
    }
}

/// The canonical form as a string, without a limit (tests).
#[cfg(test)]
pub fn to_string(apex: &Element, skip: Option<&Element>, inclusive: &[&str]) -> String {
    let mut out = Vec::new();
    canonicalize(apex, skip, inclusive, usize::MAX, &mut |b| {
        out.extend_from_slice(b)
    })
    .expect("no limit");
    String::from_utf8(out).expect("canonical XML is UTF-8")
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
            to_string(a, None, &[]),
            r#"<x:a xmlns:x="urn:x" a="1" b="2" x:c="3"></x:a>"#
        );
        assert_eq!(
            to_string(&doc, None, &[]),
            r#"<r:root xmlns:r="urn:r"><x:a xmlns:x="urn:x" a="1" b="2" x:c="3"></x:a><d></d></r:root>"#
        );
        assert_eq!(
            to_string(&doc, None, &["u"]),
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
            to_string(&doc, None, &[]),
            "<root xmlns=\"urn:d\"><a t=\"&#x9;&quot;&lt;\">x &amp; y &gt; &#xD;</a><b xmlns=\"\"></b></root>"
        );
    }

    #[test]
    fn skips_the_enveloped_element() {
        let doc = parse(br#"<r ID="1"><s>sig</s><t>kept</t></r>"#).unwrap();
        let s = doc.elements().next().unwrap();
        assert_eq!(
            to_string(&doc, Some(s), &[]),
            r#"<r ID="1"><t>kept</t></r>"#
        );
    }

    #[test]
    fn inclusive_prefixes_render_at_the_apex_and_where_redeclared() {
        let doc = parse(
            br#"<r xmlns:a="urn:1" xmlns:b="urn:b" xml:lang="en"><s><t xmlns:a="urn:2"><u xmlns:a="urn:2"/></t></s></r>"#,
        )
        .unwrap();
        assert_eq!(
            to_string(&doc, None, &["a", "#default", "zz", "xml"]),
            r#"<r xmlns:a="urn:1" xml:lang="en"><s><t xmlns:a="urn:2"><u></u></t></s></r>"#
        );
        let s = doc.elements().next().unwrap();
        assert_eq!(
            to_string(s, None, &["a"]),
            r#"<s xmlns:a="urn:1"><t xmlns:a="urn:2"><u></u></t></s>"#
        );
    }

    #[test]
    fn stops_past_the_limit() {
        let doc = parse(br#"<r xmlns:p="urn:long"><p:e/><p:e/></r>"#).unwrap();
        let full = to_string(&doc, None, &[]);
        assert_eq!(
            full,
            r#"<r><p:e xmlns:p="urn:long"></p:e><p:e xmlns:p="urn:long"></p:e></r>"#
        );
        let mut seen = 0;
        let at = full.len() - 1;
        assert_eq!(
            canonicalize(&doc, None, &[], at, &mut |b| seen += b.len()),
            Err(C14nError::TooLarge(at))
        );
        assert!(seen <= at);
        assert_eq!(
            canonicalize(&doc, None, &[], full.len(), &mut |_| {}),
            Ok(())
        );
    }

    /// The linear canonicalizer against the one it replaced, which copied
    /// the rendered map per element and looked every inclusive prefix up in
    /// every element's full scope.
    #[test]
    fn agrees_with_the_naive_algorithm() {
        use std::collections::BTreeMap;
        fn naive(
            e: &Element,
            inclusive: &[&str],
            rendered: &BTreeMap<String, String>,
            out: &mut String,
        ) {
            let mut wanted: Vec<&str> = vec![&e.name.prefix];
            for a in &e.attrs {
                if !a.name.prefix.is_empty() && &*a.name.prefix != "xml" {
                    wanted.push(&a.name.prefix);
                }
            }
            for p in inclusive {
                let p = if *p == "#default" { "" } else { p };
                if e.scope.get(p).is_some() || p.is_empty() {
                    wanted.push(p);
                }
            }
            wanted.sort_unstable();
            wanted.dedup();
            let mut mine = rendered.clone();
            let mut decls = String::new();
            for p in wanted {
                let uri = e.scope.get(p).unwrap_or("");
                let differs = match rendered.get(p) {
                    Some(before) => before != uri,
                    None => !uri.is_empty(),
                };
                if differs {
                    if p.is_empty() {
                        decls.push_str(&format!(" xmlns=\"{uri}\""));
                    } else {
                        decls.push_str(&format!(" xmlns:{p}=\"{uri}\""));
                    }
                    mine.insert(p.to_owned(), uri.to_owned());
                }
            }
            let mut attrs: Vec<_> = e.attrs.iter().collect();
            attrs.sort_by(|a, b| (&a.name.ns, &a.name.local).cmp(&(&b.name.ns, &b.name.local)));
            out.push_str(&format!("<{}{decls}", e.qname()));
            for a in attrs {
                let q = if a.name.prefix.is_empty() {
                    a.name.local.clone()
                } else {
                    format!("{}:{}", a.name.prefix, a.name.local)
                };
                out.push_str(&format!(" {q}=\"{}\"", a.value));
            }
            out.push('>');
            for c in &e.children {
                match c {
                    Child::Text(t) => out.push_str(t),
                    Child::Element(k) => naive(k, inclusive, &mine, out),
                }
            }
            out.push_str(&format!("</{}>", e.qname()));
        }
        let doc = parse(
            br#"<r xmlns="urn:d" xmlns:a="urn:1" xmlns:c="urn:c"><a:x xmlns:b="urn:b" b:y="1" z="2"><z xmlns=""><a:w xmlns:a="urn:2" xmlns:c="urn:c2">t</a:w><v xmlns="urn:d"/></z></a:x><q xmlns:a="urn:1" xmlns:c="urn:c"><c:k c:n="1"/></q></r>"#,
        )
        .unwrap();
        let mut apexes = Vec::new();
        doc.walk(&mut |e| apexes.push(e));
        for apex in apexes {
            for inclusive in [
                &[][..],
                &["a"][..],
                &["#default"][..],
                &["a", "b", "c", "#default", "none"][..],
            ] {
                let mut want = String::new();
                naive(apex, inclusive, &BTreeMap::new(), &mut want);
                assert_eq!(
                    to_string(apex, None, inclusive),
                    want,
                    "{} {inclusive:?}",
                    apex.qname()
                );
            }
        }
    }
}
