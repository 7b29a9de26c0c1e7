//! A small, strict XML tree for SAML messages.
//!
//! The ACS must see exactly what the signature covers, so the tree keeps
//! what exclusive canonicalization needs (prefixes, namespace declarations,
//! every text node) and refuses what it cannot judge: a DOCTYPE (and with it
//! every entity but the five predefined ones), processing instructions,
//! unbound prefixes, documents nested deeper or wider than any SAML
//! response needs. Comments are dropped, as canonicalization without
//! comments drops them, and the text on either side of one stays joined, so
//! `victim@corp<!---->.attacker` reads as the whole string.

use std::collections::BTreeMap;
use std::rc::Rc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("a DOCTYPE is not allowed in a SAML message")]
    Doctype,
    #[error("processing instructions are not allowed in a SAML message")]
    ProcessingInstruction,
    #[error("undefined entity &{0};")]
    Entity(String),
    #[error("prefix `{0}` is not bound to a namespace")]
    UnboundPrefix(String),
    #[error("the document nests deeper than {MAX_DEPTH} elements")]
    TooDeep,
    #[error("the document has more than {MAX_ELEMENTS} elements")]
    TooManyElements,
    #[error("not well-formed XML: {0}")]
    Syntax(String),
    #[error("no root element")]
    Empty,
}

/// A qualified name with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// `""` when unprefixed.
    pub prefix: String,
    pub local: String,
    /// `""` when in no namespace.
    pub ns: String,
}

impl Name {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
    fn qname(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: Name,
    pub value: String,
}

#[derive(Debug, Clone)]
pub enum Child {
    Element(Element),
    Text(String),
}

/// Namespaces in scope: prefix (`""` for the default) to URI.
pub type Scope = Rc<BTreeMap<String, String>>;

#[derive(Debug, Clone)]
pub struct Element {
    pub name: Name,
    pub attrs: Vec<Attr>,
    pub children: Vec<Child>,
    /// Every namespace in scope here, declarations of ancestors included.
    pub scope: Scope,
}

impl Element {
    /// An unprefixed attribute's value.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.ns.is_empty() && a.name.local == local)
            .map(|a| a.value.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
    }

    /// Child elements with this name.
    pub fn all<'a, 'n>(
        &'a self,
        ns: &'n str,
        local: &'n str,
    ) -> impl Iterator<Item = &'a Element> + 'n
    where
        'a: 'n,
    {
        self.elements().filter(move |e| e.name.is(ns, local))
    }

    /// The only child element with this name; `Err` names how many there were.
    pub fn one<'a>(&'a self, ns: &str, local: &str) -> Result<&'a Element, usize> {
        let mut it = self.all(ns, local);
        match (it.next(), it.next()) {
            (Some(e), None) => Ok(e),
            (None, _) => Err(0),
            (Some(_), Some(_)) => Err(2 + it.count()),
        }
    }

    /// All text below this element, joined.
    pub fn text(&self) -> String {
        let mut s = String::new();
        self.collect_text(&mut s);
        s
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Visits this element and every descendant, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Element)) {
        f(self);
        for e in self.elements() {
            e.walk(f);
        }
    }

    /// Counts this element and descendants with this name.
    pub fn count(&self, ns: &str, local: &str) -> usize {
        let mut n = 0;
        self.walk(&mut |e| n += usize::from(e.name.is(ns, local)));
        n
    }

    pub(crate) fn qname(&self) -> String {
        self.name.qname()
    }
}

/// Parses a document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, XmlError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let syntax = |e: &dyn std::fmt::Display| XmlError::Syntax(e.to_string());
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    let mut buf = Vec::new();
    let base: Scope = Rc::new(BTreeMap::from([("xml".to_owned(), XML_NS.to_owned())]));
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| syntax(&e))?;
        match ev {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::PI(_) => return Err(XmlError::ProcessingInstruction),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Start(s) => {
                if root.is_some() {
                    return Err(XmlError::Syntax("content after the root element".into()));
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements);
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                let parent = stack.last().map_or(&base, |p| &p.scope);
                stack.push(start(&s, parent)?);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or(XmlError::Empty)?;
                match stack.last_mut() {
                    Some(p) => p.children.push(Child::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let raw = t.decode().map_err(|e| syntax(&e))?;
                push_text(&mut stack, &raw.replace("\r\n", "\n").replace('\r', "\n"))?;
            }
            Event::CData(t) => {
                let raw = t.decode().map_err(|e| syntax(&e))?;
                push_text(&mut stack, &raw.replace("\r\n", "\n").replace('\r', "\n"))?;
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| syntax(&e))? {
                    Some(c) => c,
                    None => {
                        let name = r.decode().map_err(|e| syntax(&e))?;
                        match name.as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => return Err(XmlError::Entity(other.to_owned())),
                        }
                    }
                };
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Empty(_) => unreachable!("empty elements are expanded"),
            Event::Eof => break,
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax("unexpected end of document".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn push_text(stack: &mut [Element], t: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(e) => {
            if let Some(Child::Text(prev)) = e.children.last_mut() {
                prev.push_str(t);
            } else {
                e.children.push(Child::Text(t.to_owned()));
            }
            Ok(())
        }
        None if t.trim().is_empty() => Ok(()),
        None => Err(XmlError::Syntax("text outside the root element".into())),
    }
}

fn split(q: &str) -> (&str, &str) {
    q.split_once(':').unwrap_or(("", q))
}

fn start(s: &BytesStart<'_>, parent: &Scope) -> Result<Element, XmlError> {
    let syntax = |e: &dyn std::fmt::Display| XmlError::Syntax(e.to_string());
    let mut decls = Vec::new();
    let mut raw_attrs = Vec::new();
    for a in s.attributes().with_checks(true) {
        let a = a.map_err(|e| syntax(&e))?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|e| syntax(&e))?
            .to_owned();
        // Attribute-value normalization (XML 1.0 §3.3.3): literal
        // whitespace becomes a space, character references stay.
        let literal = std::str::from_utf8(&a.value).map_err(|e| syntax(&e))?;
        let literal = literal
            .replace("\r\n", " ")
            .replace(['\t', '\n', '\r'], " ");
        let value = unescape(&literal)?;
        if key == "xmlns" {
            decls.push((String::new(), value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(XmlError::Syntax(format!("xmlns:{p} cannot be undeclared")));
            }
            decls.push((p.to_owned(), value));
        } else {
            raw_attrs.push((key, value));
        }
    }
    let scope = if decls.is_empty() {
        parent.clone()
    } else {
        let mut m = (**parent).clone();
        for (p, u) in &decls {
            m.insert(p.clone(), u.clone());
        }
        Rc::new(m)
    };
    let qname = std::str::from_utf8(s.name().as_ref())
        .map_err(|e| syntax(&e))?
        .to_owned();
    let (prefix, local) = split(&qname);
    let ns = match scope.get(prefix) {
        Some(u) => u.clone(),
        None if prefix.is_empty() => String::new(),
        None => return Err(XmlError::UnboundPrefix(prefix.to_owned())),
    };
    let mut attrs = Vec::with_capacity(raw_attrs.len());
    for (k, value) in raw_attrs {
        let (p, l) = split(&k);
        let ns = if p.is_empty() {
            String::new()
        } else {
            scope
                .get(p)
                .cloned()
                .ok_or_else(|| XmlError::UnboundPrefix(p.to_owned()))?
        };
        if attrs
            .iter()
            .any(|a: &Attr| a.name.ns == ns && a.name.local == l)
        {
            return Err(XmlError::Syntax(format!("attribute {k} appears twice")));
        }
        attrs.push(Attr {
            name: Name {
                prefix: p.to_owned(),
                local: l.to_owned(),
                ns,
            },
            value,
        });
    }
    Ok(Element {
        name: Name {
            prefix: prefix.to_owned(),
            local: local.to_owned(),
            ns,
        },
        attrs,
        children: Vec::new(),
        scope,
    })
}

/// Resolves the predefined entities and character references; any other
/// entity is an error, since no DTD can have defined it.
fn unescape(s: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find(';')
            .ok_or_else(|| XmlError::Syntax("unterminated reference".into()))?;
        let name = &rest[i + 1..i + end];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            n if n.starts_with("#x") => char_ref(&n[2..], 16)?,
            n if n.starts_with('#') => char_ref(&n[1..], 10)?,
            n => return Err(XmlError::Entity(n.to_owned())),
        };
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    if rest.contains('<') {
        return Err(XmlError::Syntax("`<` in an attribute value".into()));
    }
    out.push_str(rest);
    Ok(out)
}

fn char_ref(digits: &str, radix: u32) -> Result<char, XmlError> {
    u32::from_str_radix(digits, radix)
        .ok()
        .and_then(char::from_u32)
        .filter(|c| *c != '\0')
        .ok_or_else(|| XmlError::Syntax(format!("bad character reference {digits}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_and_joins_text_across_comments() {
        let e = parse(
            br#"<a:r xmlns:a="urn:a" xmlns="urn:d" x="1&amp;&#x41;"><c>vic<!---->tim&lt;<![CDATA[&x]]></c></a:r>"#,
        )
        .unwrap();
        assert!(e.name.is("urn:a", "r"));
        assert_eq!(e.attr("x"), Some("1&A"));
        let c = e.one("urn:d", "c").unwrap();
        assert_eq!(c.text(), "victim<&x");
    }

    #[test]
    fn refuses_what_it_cannot_judge() {
        assert_eq!(
            parse(b"<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>").unwrap_err(),
            XmlError::Doctype
        );
        assert_eq!(
            parse(b"<r>&e;</r>").unwrap_err(),
            XmlError::Entity("e".into())
        );
        assert_eq!(
            parse(b"<p:r/>").unwrap_err(),
            XmlError::UnboundPrefix("p".into())
        );
        assert_eq!(
            parse(b"<r><?pi x?></r>").unwrap_err(),
            XmlError::ProcessingInstruction
        );
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(parse(deep.as_bytes()).unwrap_err(), XmlError::TooDeep);
        assert!(matches!(parse(b"<r><a></r>"), Err(XmlError::Syntax(_))));
        assert!(matches!(
            parse(b"<r a='1' a='2'/>"),
            Err(XmlError::Syntax(_))
        ));
        assert!(matches!(
            parse(b"<r xmlns:p='u' xmlns:q='u' p:a='1' q:a='2'/>"),
            Err(XmlError::Syntax(_))
        ));
    }
}
