//! An XML writer whose output is its own Exclusive XML Canonicalization
//! (SAML.md §6.2): the builders declare each namespace where exclusive C14N
//! would render it, and this writer sorts and escapes exactly as C14N does.
//! So the bytes written for a signed element are the bytes that get hashed.

/// A node: an element or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element with its namespace declarations and attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// `saml2:Assertion` or `Assertion` (default namespace).
    pub name: String,
    /// (prefix or "" for the default namespace, URI).
    pub ns: Vec<(String, String)>,
    /// (namespace URI or "" for unqualified, qualified name, value).
    pub attrs: Vec<(String, String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Element {
            name: name.to_owned(),
            ns: Vec::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }
    pub fn ns(mut self, prefix: &str, uri: &str) -> Self {
        self.ns.push((prefix.to_owned(), uri.to_owned()));
        self
    }
    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs
            .push((String::new(), name.to_owned(), value.into()));
        self
    }
    /// A namespace-qualified attribute (`xsi:type`), sorted by its URI.
    pub fn qattr(mut self, uri: &str, name: &str, value: impl Into<String>) -> Self {
        self.attrs
            .push((uri.to_owned(), name.to_owned(), value.into()));
        self
    }
    pub fn child(mut self, e: Element) -> Self {
        self.children.push(Node::Element(e));
        self
    }
    pub fn text(mut self, t: impl Into<String>) -> Self {
        self.children.push(Node::Text(t.into()));
        self
    }
    /// Inserts `e` as the child at `index` (the Signature after Issuer).
    pub fn insert(&mut self, index: usize, e: Element) {
        self.children.insert(index, Node::Element(e));
    }

    /// The element written canonically.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        // C14N: namespace declarations sorted by prefix, the default first.
        let mut ns = self.ns.clone();
        ns.sort_by(|a, b| a.0.cmp(&b.0));
        for (prefix, uri) in &ns {
            if prefix.is_empty() {
                out.push_str(" xmlns=\"");
            } else {
                out.push_str(" xmlns:");
                out.push_str(prefix);
                out.push_str("=\"");
            }
            escape_attr(uri, out);
            out.push('"');
        }
        // C14N: attributes sorted by (namespace URI, local name), unqualified first.
        let mut attrs = self.attrs.clone();
        let local = |q: &str| q.rsplit(':').next().unwrap_or(q).to_owned();
        attrs.sort_by(|a, b| (a.0.as_str(), local(&a.1)).cmp(&(b.0.as_str(), local(&b.1))));
        for (_, name, value) in &attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_attr(value, out);
            out.push('"');
        }
        out.push('>');
        for c in &self.children {
            match c {
                Node::Element(e) => e.write(out),
                Node::Text(t) => escape_text(t, out),
            }
        }
        // C14N never writes empty-element tags.
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// C14N text escaping: `&`, `<`, `>` and CR; nothing else.
pub fn escape_text(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// C14N attribute escaping: `&`, `<`, `"`, TAB, LF, CR.
pub fn escape_attr(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
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
    use super::*;

    #[test]
    fn writes_canonical_form() {
        let e = Element::new("a:x")
            .attr("z", "1")
            .qattr("urn:q", "q:b", "2")
            .attr("b", "\"<&>\t")
            .ns("a", "urn:a")
            .ns("", "urn:d")
            .child(Element::new("y"))
            .text("1 < 2 & \"3\" > 0\r");
        assert_eq!(
            e.to_xml(),
            "<a:x xmlns=\"urn:d\" xmlns:a=\"urn:a\" b=\"&quot;&lt;&amp;>&#x9;\" z=\"1\" q:b=\"2\"><y></y>1 &lt; 2 &amp; \"3\" &gt; 0&#xD;</a:x>"
        );
    }
}
