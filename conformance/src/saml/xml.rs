//! A mutable XML tree for building attack responses: it keeps what a case
//! needs to plant (comments, CDATA, raw markup) and writes back exactly
//! what it read, so a case changes one thing and nothing else moves.
//!
//! [`canonical`] is exclusive (or inclusive) XML canonicalization over
//! this tree, written here rather than shared with the reference SP: the
//! judge must not reuse the evaluator of the thing it judges.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// A node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    El(El),
    Text(String),
    Comment(String),
    CData(String),
    /// Written as is: a processing instruction, an entity reference.
    Raw(String),
}

/// An element: its qualified name, its attributes in document order
/// (namespace declarations among them, as written) and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub kids: Vec<Node>,
}

impl El {
    pub fn new(name: &str) -> El {
        El {
            name: name.to_owned(),
            attrs: Vec::new(),
            kids: Vec::new(),
        }
    }

    /// The local part of the name.
    pub fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// The prefix of the name, `""` when unprefixed.
    pub fn prefix(&self) -> &str {
        self.name.split_once(':').map_or("", |(p, _)| p)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets an attribute, keeping its place if it exists.
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.attrs.push((name.to_owned(), value)),
        }
    }

    pub fn remove_attr(&mut self, name: &str) {
        self.attrs.retain(|(k, _)| k != name);
    }

    pub fn els(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|n| match n {
            Node::El(e) => Some(e),
            _ => None,
        })
    }

    /// Index in `kids` of the `nth` child element whose local name is
    /// `local`.
    pub fn kid_index(&self, local: &str, nth: usize) -> Option<usize> {
        self.kids
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n, Node::El(e) if e.local() == local))
            .nth(nth)
            .map(|(i, _)| i)
    }

    pub fn kid(&self, local: &str) -> Option<&El> {
        self.els().find(|e| e.local() == local)
    }

    pub fn kid_mut(&mut self, local: &str) -> Option<&mut El> {
        self.kids.iter_mut().find_map(|n| match n {
            Node::El(e) if e.local() == local => Some(e),
            _ => None,
        })
    }

    /// The element at `path` (child local names from here).
    pub fn at(&self, path: &[&str]) -> Option<&El> {
        path.iter().try_fold(self, |e, step| e.kid(step))
    }

    pub fn at_mut(&mut self, path: &[&str]) -> Option<&mut El> {
        let mut e = self;
        for step in path {
            e = e.kid_mut(step)?;
        }
        Some(e)
    }

    /// Removes and returns the first child element named `local`.
    pub fn take(&mut self, local: &str) -> Option<El> {
        let i = self.kid_index(local, 0)?;
        match self.kids.remove(i) {
            Node::El(e) => Some(e),
            _ => None,
        }
    }

    /// All text directly and below, joined (comments left out).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for k in &self.kids {
            match k {
                Node::Text(t) | Node::CData(t) => s.push_str(t),
                Node::El(e) => s.push_str(&e.text()),
                _ => {}
            }
        }
        s
    }

    /// Replaces the children with one text node.
    pub fn set_text(&mut self, t: impl Into<String>) {
        self.kids = vec![Node::Text(t.into())];
    }

    /// Visits every element below (not this one), mutably, depth first.
    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut El)) {
        for k in &mut self.kids {
            if let Node::El(e) = k {
                f(e);
                e.walk_mut(f);
            }
        }
    }

    /// The element written back: attributes as stored, never self-closed.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape(v, true, out);
            out.push('"');
        }
        out.push('>');
        for k in &self.kids {
            match k {
                Node::El(e) => e.write(out),
                Node::Text(t) => escape(t, false, out),
                Node::Comment(c) => {
                    out.push_str("<!--");
                    out.push_str(c);
                    out.push_str("-->");
                }
                Node::CData(c) => {
                    out.push_str("<![CDATA[");
                    out.push_str(c);
                    out.push_str("]]>");
                }
                Node::Raw(r) => out.push_str(r),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }

    pub fn to_xml(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

/// C14N escaping (text: `& < >` and CR; attributes also `"`, TAB, LF).
pub fn escape(s: &str, attr: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' if !attr => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#x9;"),
            '\n' if attr => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Parses a document (our own output or a small fixture) into its root.
pub fn parse(xml: &str) -> Result<El, String> {
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<El> = Vec::new();
    let mut root = None;
    let start = |s: &BytesStart<'_>| -> Result<El, String> {
        let mut e = El::new(&String::from_utf8_lossy(s.name().as_ref()));
        for a in s.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            e.attrs.push((
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                v.into_owned(),
            ));
        }
        Ok(e)
    };
    let push = |stack: &mut Vec<El>, n: Node| {
        if let Some(top) = stack.last_mut() {
            if let (Node::Text(t), Some(Node::Text(prev))) = (&n, top.kids.last_mut()) {
                prev.push_str(t);
                return;
            }
            top.kids.push(n);
        }
    };
    loop {
        match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(s) => stack.push(start(&s)?),
            Event::Empty(s) => {
                let e = start(&s)?;
                match stack.last_mut() {
                    Some(top) => top.kids.push(Node::El(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                let e = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(top) => top.kids.push(Node::El(e)),
                    None => root = Some(e),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| e.to_string())?.into_owned();
                push(&mut stack, Node::Text(s));
            }
            Event::GeneralRef(g) => {
                let name = g.decode().map_err(|e| e.to_string())?.into_owned();
                let c = match g.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c,
                    None => match name.as_str() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(format!("entity &{other};")),
                    },
                };
                push(&mut stack, Node::Text(c.to_string()));
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                push(&mut stack, Node::CData(s));
            }
            Event::Comment(c) => {
                let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                push(&mut stack, Node::Comment(s));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "no root element".into())
}

/// Which canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum C14n {
    /// Exclusive c14n with an `InclusiveNamespaces` prefix list.
    Exclusive(Vec<String>),
    /// Canonical XML 1.0 (every namespace in scope rendered at the apex).
    Inclusive,
}

type Scope = BTreeMap<String, String>;

fn declare(e: &El, scope: &mut Scope) {
    for (k, v) in &e.attrs {
        if k == "xmlns" {
            scope.insert(String::new(), v.clone());
        } else if let Some(p) = k.strip_prefix("xmlns:") {
            scope.insert(p.to_owned(), v.clone());
        }
    }
}

/// The canonical bytes of the element at `path` (indices into `kids`)
/// below `root`, leaving out the child at index `skip` of that element
/// (its enveloped signature).
pub fn canonical(root: &El, path: &[usize], skip: Option<usize>, mode: &C14n) -> String {
    let mut scope = Scope::new();
    let mut e = root;
    declare(e, &mut scope);
    for &i in path {
        match &e.kids[i] {
            Node::El(k) => e = k,
            _ => panic!("a path names elements only"),
        }
        declare(e, &mut scope);
    }
    let mut out = String::new();
    render(e, &scope, &Scope::new(), skip, mode, &mut out);
    out
}

fn render(
    e: &El,
    scope: &Scope,
    rendered: &Scope,
    skip: Option<usize>,
    mode: &C14n,
    out: &mut String,
) {
    let mut wanted: Vec<&str> = Vec::new();
    match mode {
        C14n::Inclusive => wanted.extend(scope.keys().map(String::as_str)),
        C14n::Exclusive(list) => {
            wanted.push(e.prefix());
            for (k, _) in &e.attrs {
                if let Some((p, _)) = k.split_once(':')
                    && p != "xmlns"
                    && p != "xml"
                {
                    wanted.push(p);
                }
            }
            for p in list {
                let p = if p == "#default" { "" } else { p.as_str() };
                if scope.contains_key(p) {
                    wanted.push(p);
                }
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut now = rendered.clone();
    let mut decls = Vec::new();
    for p in wanted {
        let uri = scope.get(p).map_or("", String::as_str);
        let differs = match rendered.get(p) {
            Some(before) => before != uri,
            None => !uri.is_empty(),
        };
        if differs {
            decls.push((p, uri));
            now.insert(p.to_owned(), uri.to_owned());
        }
    }
    out.push('<');
    out.push_str(&e.name);
    for (p, uri) in decls {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape(uri, true, out);
        out.push('"');
    }
    let mut attrs: Vec<(&str, &str, &str, &str)> = e
        .attrs
        .iter()
        .filter(|(k, _)| k != "xmlns" && !k.starts_with("xmlns:"))
        .map(|(k, v)| match k.split_once(':') {
            Some((p, local)) => {
                let ns = if p == "xml" {
                    "http://www.w3.org/XML/1998/namespace"
                } else {
                    scope.get(p).map_or("", String::as_str)
                };
                (ns, local, k.as_str(), v.as_str())
            }
            None => ("", k.as_str(), k.as_str(), v.as_str()),
        })
        .collect();
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape(v, true, out);
        out.push('"');
    }
    out.push('>');
    for (i, k) in e.kids.iter().enumerate() {
        if skip == Some(i) {
            continue;
        }
        match k {
            Node::El(child) => {
                let mut inner = scope.clone();
                declare(child, &mut inner);
                render(child, &inner, &now, None, mode, out);
            }
            Node::Text(t) | Node::CData(t) => escape(t, false, out),
            Node::Comment(_) => {}
            Node::Raw(r) => out.push_str(r),
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_wrote() {
        let doc = r#"<a:r xmlns:a="urn:a" x="1&amp;2"><a:b>t&lt;<!--c--><![CDATA[d]]></a:b><c></c></a:r>"#;
        let e = parse(doc).unwrap();
        assert_eq!(e.to_xml(), doc);
        assert_eq!(e.at(&["b"]).unwrap().text(), "t<d");
    }

    #[test]
    fn canonicalizes_a_subtree_with_its_inherited_namespaces() {
        let e = parse(r#"<p:r xmlns:p="urn:p" xmlns:q="urn:q"><q:s b="2" a="1"><!--x--><p:t>v</p:t><sig></sig></q:s></p:r>"#).unwrap();
        let ex = canonical(&e, &[0], Some(2), &C14n::Exclusive(vec![]));
        assert_eq!(
            ex,
            r#"<q:s xmlns:q="urn:q" a="1" b="2"><p:t xmlns:p="urn:p">v</p:t></q:s>"#
        );
        let inc = canonical(&e, &[0], Some(2), &C14n::Inclusive);
        assert_eq!(
            inc,
            r#"<q:s xmlns:p="urn:p" xmlns:q="urn:q" a="1" b="2"><p:t>v</p:t></q:s>"#
        );
    }
}
