//! A small, strict XML tree for SAML messages.
//!
//! The ACS must see exactly what the signature covers, so the tree keeps
//! what exclusive canonicalization needs (prefixes, namespace declarations,
//! every text node) and refuses what it cannot judge: a DOCTYPE (and with it
//! every entity but the five predefined ones), processing instructions,
//! names that are not QNames, unbound prefixes, documents nested deeper or
//! wider than any SAML response needs. Comments are dropped, as
//! canonicalization without comments drops them, and the text on either
//! side of one stays joined, so `victim@corp<!---->.attacker` reads as the
//! whole string.
//!
//! Every cost is linear in the input: namespace scope is kept per
//! declaration (see [`super::scope`]), namespace URIs are shared rather
//! than copied into each name that uses them, and the per-element counts
//! are capped so no check can grow with the square of a start tag.

use std::rc::Rc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::qname;
use super::scope::{Decl, Resolver, Scope};

pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Bound to `xmlns` by definition; no declaration may name it.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";
/// A SAML response nests about 8 deep (Response, Assertion,
/// AttributeStatement, Attribute, AttributeValue, and a few below in
/// signatures); 64 leaves room for any extension.
pub const MAX_DEPTH: usize = 64;
/// A response with a few hundred group values has about a thousand
/// elements; 20,000 leaves room for the largest directory groups.
pub const MAX_ELEMENTS: usize = 20_000;
/// Attributes on one element, namespace declarations not counted. The
/// widest SAML element (`SubjectConfirmationData`) has 6 in the schema.
pub const MAX_ATTRIBUTES: usize = 64;
/// Namespace declarations on one element. IdPs declare at most a handful
/// (Okta: `saml2p`, `saml2`, `xs`, `xsi`, `ds`, `ec`).
pub const MAX_ELEMENT_NAMESPACES: usize = 64;
/// Namespace declarations in the whole document. Okta declares `xs` and
/// `xsi` on every `AttributeValue`, so this is two per element allowed.
pub const MAX_NAMESPACES: usize = 2 * MAX_ELEMENTS;

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
    #[error("`{0}` is not a qualified name (Namespaces in XML 1.0 §4)")]
    NotQName(String),
    #[error("reserved namespace misused: {0}")]
    ReservedNamespace(String),
    #[error("the document nests deeper than {MAX_DEPTH} elements")]
    TooDeep,
    #[error("the document has more than {MAX_ELEMENTS} elements")]
    TooManyElements,
    #[error("an element has more than {MAX_ATTRIBUTES} attributes")]
    TooManyAttributes,
    #[error("an element declares more than {MAX_ELEMENT_NAMESPACES} namespaces")]
    TooManyElementNamespaces,
    #[error("the document declares more than {MAX_NAMESPACES} namespaces")]
    TooManyNamespaces,
    #[error("not well-formed XML: {0}")]
    Syntax(String),
    #[error("no root element")]
    Empty,
}

/// A qualified name with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// `""` when unprefixed.
    pub prefix: Rc<str>,
    pub local: String,
    /// `""` when in no namespace. Shared with the declaration, so a long
    /// URI used by thousands of names is held once.
    pub ns: Rc<str>,
}

impl Name {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        *self.ns == *ns && self.local == local
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

#[derive(Debug, Clone)]
pub struct Element {
    pub name: Name,
    pub attrs: Vec<Attr>,
    pub children: Vec<Child>,
    /// Every namespace in scope here, declarations of ancestors included.
    pub scope: Scope,
    /// Whether `scope`'s first link holds this element's own declarations
    /// (otherwise it is an ancestor's).
    declares: bool,
    /// A comment before any other child, kept only when parsing for the
    /// `comments-truncate-text` quirk (see [`Leniency`]).
    pub lead_comment: Option<String>,
}

impl Element {
    /// An unprefixed attribute's value.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.ns.is_empty() && a.name.local == local)
            .map(|a| a.value.as_str())
    }

    /// The namespace declarations on this element's own start tag.
    pub fn declarations(&self) -> &[Decl] {
        if self.declares { self.scope.own() } else { &[] }
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

    /// The first child node's text: a leading comment's (when kept) or
    /// the first text node's. What a library reading `firstChild` gets;
    /// only the `comments-truncate-text` quirk reads it.
    pub fn first_text(&self) -> String {
        if let Some(c) = &self.lead_comment {
            return c.clone();
        }
        match self.children.first() {
            Some(Child::Text(t)) => t.clone(),
            _ => String::new(),
        }
    }

    /// Visits this element and every descendant, mutably.
    pub(crate) fn walk_mut(&mut self, f: &mut impl FnMut(&mut Element)) {
        f(self);
        for c in &mut self.children {
            if let Child::Element(e) = c {
                e.walk_mut(f);
            }
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

fn syntax(e: &dyn std::fmt::Display) -> XmlError {
    XmlError::Syntax(e.to_string())
}

fn utf8(b: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(b).map_err(|e| syntax(&e))
}

/// Line-end normalization (XML 1.0 §2.11).
fn lines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// What a quirky SP's parser lets through; all off for the strict ACS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Leniency {
    /// A DOCTYPE is skipped and its internal general entities expanded
    /// (once, not recursively).
    pub doctype: bool,
    /// A name that is not a QName is read as a local name in no namespace.
    pub names: bool,
    /// Comments and CDATA sections split text nodes, and a leading comment
    /// is kept ([`Element::first_text`]).
    pub keep_comments: bool,
}

/// Parses a document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, XmlError> {
    parse_with(xml, Leniency::default())
}

/// The internal general entities of a DOCTYPE: `<!ENTITY name "value">`.
fn entities(doctype: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for decl in doctype.split("<!ENTITY").skip(1) {
        let decl = decl.trim_start();
        if decl.starts_with('%') {
            continue;
        }
        let mut parts = decl.splitn(2, char::is_whitespace);
        let (Some(name), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'')
            && let Some(end) = rest[1..].find(q)
        {
            out.insert(name.to_owned(), rest[1..1 + end].to_owned());
        }
    }
    out
}

/// [`parse`] with a quirky SP's leniency.
pub fn parse_with(xml: &[u8], lenient: Leniency) -> Result<Element, XmlError> {
    let mut declared = std::collections::HashMap::new();
    let mut after_comment = false;
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let mut p = Parser {
        lenient_names: lenient.names,
        stack: Vec::new(),
        resolver: Resolver::default(),
        none: Rc::from(""),
        xml: Rc::from(XML_NS),
        xml_prefix: Rc::from("xml"),
        namespaces: 0,
    };
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    let mut buf = Vec::new();
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| syntax(&e))?;
        match ev {
            Event::DocType(d) if lenient.doctype => {
                declared = entities(&String::from_utf8_lossy(&d));
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::PI(_) => return Err(XmlError::ProcessingInstruction),
            Event::Comment(c) if lenient.keep_comments => {
                if let Some(top) = p.stack.last_mut()
                    && top.children.is_empty()
                    && top.lead_comment.is_none()
                {
                    top.lead_comment = Some(String::from_utf8_lossy(&c).into_owned());
                }
                after_comment = true;
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Start(s) => {
                if root.is_some() {
                    return Err(XmlError::Syntax("content after the root element".into()));
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements);
                }
                if p.stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                let e = p.start(&s)?;
                p.stack.push(e);
            }
            Event::End(_) => {
                let done = p.stack.pop().ok_or(XmlError::Empty)?;
                p.resolver.pop(done.declarations());
                match p.stack.last_mut() {
                    Some(parent) => parent.children.push(Child::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let raw = t.decode().map_err(|e| syntax(&e))?;
                if std::mem::take(&mut after_comment) {
                    split_text(&mut p.stack, &lines(&raw));
                } else {
                    push_text(&mut p.stack, &lines(&raw))?;
                }
            }
            Event::CData(t) => {
                let raw = t.decode().map_err(|e| syntax(&e))?;
                if lenient.keep_comments {
                    split_text(&mut p.stack, &lines(&raw));
                    after_comment = true;
                } else {
                    push_text(&mut p.stack, &lines(&raw))?;
                }
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
                            other => match declared.get(other) {
                                Some(v) => {
                                    let v = v.clone();
                                    push_text(&mut p.stack, &v)?;
                                    buf.clear();
                                    continue;
                                }
                                None => return Err(XmlError::Entity(other.to_owned())),
                            },
                        }
                    }
                };
                push_text(&mut p.stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Empty(_) => unreachable!("empty elements are expanded"),
            Event::Eof => break,
        }
        buf.clear();
    }
    if !p.stack.is_empty() {
        return Err(XmlError::Syntax("unexpected end of document".into()));
    }
    root.ok_or(XmlError::Empty)
}

/// Starts a new text node (a quirky parser's split at a comment or CDATA).
fn split_text(stack: &mut [Element], t: &str) {
    if let Some(e) = stack.last_mut() {
        e.children.push(Child::Text(t.to_owned()));
    }
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

struct Parser {
    lenient_names: bool,
    /// Open elements, outermost first.
    stack: Vec<Element>,
    resolver: Resolver,
    /// Shared empty string: the namespace of unqualified names.
    none: Rc<str>,
    xml: Rc<str>,
    xml_prefix: Rc<str>,
    /// Declarations seen so far in the document.
    namespaces: usize,
}

impl Parser {
    /// The element a start tag opens, its declarations bound.
    fn start(&mut self, s: &BytesStart<'_>) -> Result<Element, XmlError> {
        let mut decls: Vec<Decl> = Vec::new();
        let mut raw_attrs: Vec<(String, String)> = Vec::new();
        for a in s.attributes().with_checks(true) {
            let a = a.map_err(|e| syntax(&e))?;
            let key = utf8(a.key.as_ref())?;
            let declared = if key == "xmlns" {
                Some("")
            } else {
                key.strip_prefix("xmlns:")
            };
            if declared.is_some() {
                if decls.len() == MAX_ELEMENT_NAMESPACES {
                    return Err(XmlError::TooManyElementNamespaces);
                }
                self.namespaces += 1;
                if self.namespaces > MAX_NAMESPACES {
                    return Err(XmlError::TooManyNamespaces);
                }
            } else if raw_attrs.len() == MAX_ATTRIBUTES {
                return Err(XmlError::TooManyAttributes);
            }
            let value = attr_value(utf8(&a.value)?)?;
            match declared {
                Some(prefix) => decls.push(declaration(key, prefix, value)?),
                None => raw_attrs.push((key.to_owned(), value)),
            }
        }
        self.resolver.push(&decls);
        let parent = self
            .stack
            .last()
            .map(|p| p.scope.clone())
            .unwrap_or_default();
        let declares = !decls.is_empty();
        let scope = Scope::child(&parent, decls);

        let qname = utf8(s.name().into_inner())?;
        let name = self.name(qname, true)?;
        let mut attrs = Vec::with_capacity(raw_attrs.len());
        for (key, value) in raw_attrs {
            attrs.push(Attr {
                name: self.name(&key, false)?,
                value,
            });
        }
        // Two attributes may not share an expanded name (Namespaces in XML
        // §6.3), even under different prefixes. Sorting keeps the check
        // O(n log n) on the (capped) attribute count.
        let mut keys: Vec<(&str, &str)> = attrs
            .iter()
            .map(|a| (&*a.name.ns, a.name.local.as_str()))
            .collect();
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(XmlError::Syntax(format!(
                "attribute {{{}}}{} appears twice",
                w[0].0, w[0].1
            )));
        }
        Ok(Element {
            name,
            attrs,
            children: Vec::new(),
            scope,
            declares,
            lead_comment: None,
        })
    }

    /// Resolves an element name (`element`: unprefixed names take the
    /// default namespace) or an attribute name (they take none).
    fn name(&self, qname: &str, element: bool) -> Result<Name, XmlError> {
        let Some((prefix, local)) = qname::split(qname) else {
            if self.lenient_names {
                return Ok(Name {
                    prefix: self.none.clone(),
                    local: qname.to_owned(),
                    ns: self.none.clone(),
                });
            }
            return Err(XmlError::NotQName(qname.into()));
        };
        let (prefix, ns) = match prefix {
            "" if element => (
                self.none.clone(),
                self.resolver
                    .get("")
                    .map_or_else(|| self.none.clone(), |(_, u)| u.clone()),
            ),
            "" => (self.none.clone(), self.none.clone()),
            "xml" => (self.xml_prefix.clone(), self.xml.clone()),
            "xmlns" => {
                return Err(XmlError::ReservedNamespace(format!(
                    "`{qname}` uses the xmlns prefix"
                )));
            }
            p => self
                .resolver
                .get(p)
                .map(|(p, u)| (p.clone(), u.clone()))
                .ok_or_else(|| XmlError::UnboundPrefix(p.to_owned()))?,
        };
        Ok(Name {
            prefix,
            local: local.to_owned(),
            ns,
        })
    }
}

/// Checks one `xmlns` or `xmlns:prefix` attribute (Namespaces in XML §3).
fn declaration(key: &str, prefix: &str, uri: String) -> Result<Decl, XmlError> {
    if !prefix.is_empty() && !qname::is_ncname(prefix) {
        return Err(XmlError::NotQName(key.to_owned()));
    }
    let reserved = |why: &str| Err(XmlError::ReservedNamespace(format!("{key}: {why}")));
    if prefix == "xmlns" {
        return reserved("the xmlns prefix cannot be declared");
    }
    if (prefix == "xml") != (uri == XML_NS) {
        return reserved("the xml prefix and its namespace belong only to each other");
    }
    if uri == XMLNS_NS {
        return reserved("the xmlns namespace cannot be bound");
    }
    if !prefix.is_empty() && uri.is_empty() {
        return Err(XmlError::Syntax(format!("{key} cannot be undeclared")));
    }
    Ok((Rc::from(prefix), Rc::from(uri)))
}

/// Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace
/// becomes a space, character references stay.
fn attr_value(literal: &str) -> Result<String, XmlError> {
    let literal = literal
        .replace("\r\n", " ")
        .replace(['\t', '\n', '\r'], " ");
    unescape(&literal)
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

    /// Issue 14, finding 7: a name that is not a QName must not parse as a
    /// local name in no namespace.
    #[test]
    fn refuses_names_that_are_not_qnames() {
        for (doc, bad) in [
            (
                r#"<r xmlns:saml2="urn:a"><:saml2:AttributeValue>x</:saml2:AttributeValue></r>"#,
                ":saml2:AttributeValue",
            ),
            (r#"<r xmlns:a="urn:a"><a:b:c/></r>"#, "a:b:c"),
            ("<r><a:/></r>", "a:"),
            (r#"<r :x="1"/>"#, ":x"),
            (r#"<r xmlns:a="urn:a" a:x:y="1"/>"#, "a:x:y"),
            (r#"<r xmlns:1a="urn:a"/>"#, "xmlns:1a"),
        ] {
            assert_eq!(
                parse(doc.as_bytes()).unwrap_err(),
                XmlError::NotQName(bad.into()),
                "{doc}"
            );
        }
    }

    #[test]
    fn refuses_misused_reserved_namespaces() {
        for doc in [
            r#"<r xmlns:xmlns="urn:a"/>"#,
            r#"<r xmlns:xml="urn:a"/>"#,
            r#"<r xmlns:a="http://www.w3.org/XML/1998/namespace"/>"#,
            r#"<r xmlns="http://www.w3.org/2000/xmlns/"/>"#,
            r#"<xmlns:r/>"#,
        ] {
            assert!(
                matches!(parse(doc.as_bytes()), Err(XmlError::ReservedNamespace(_))),
                "{doc}: {:?}",
                parse(doc.as_bytes())
            );
        }
        let e = parse(br#"<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>"#)
            .unwrap();
        assert_eq!(&*e.attrs[0].name.ns, XML_NS);
    }

    /// Issue 14, finding 2: 10,000 attributes took 17.9 s to refuse (a
    /// quadratic duplicate check). The count is capped, so the check never
    /// sees more than the cap.
    #[test]
    fn caps_attributes_per_element() {
        let one = |n: usize| {
            let attrs: String = (0..n).map(|i| format!(" a{i}=\"\"")).collect();
            format!("<r{attrs}/>")
        };
        assert_eq!(
            parse(one(MAX_ATTRIBUTES).as_bytes()).unwrap().attrs.len(),
            MAX_ATTRIBUTES
        );
        assert_eq!(
            parse(one(MAX_ATTRIBUTES + 1).as_bytes()).unwrap_err(),
            XmlError::TooManyAttributes
        );
        assert_eq!(
            parse(one(10_000).as_bytes()).unwrap_err(),
            XmlError::TooManyAttributes
        );
    }

    /// Issue 14, finding 1: a root declaring thousands of prefixes over
    /// thousands of children declaring one more each took the SP to 9.1 GB,
    /// the scope map copied per child. Declarations are capped per element
    /// and per document, and an element that declares nothing shares its
    /// parent's scope instead of copying it.
    #[test]
    fn caps_namespace_declarations_and_shares_scope() {
        let decls = |n: usize, tag: &str| {
            (0..n)
                .map(|i| format!(" xmlns:{tag}{i}=\"urn:{i}\""))
                .collect::<String>()
        };
        let root = decls(MAX_ELEMENT_NAMESPACES + 1, "p");
        assert_eq!(
            parse(format!("<r{root}/>").as_bytes()).unwrap_err(),
            XmlError::TooManyElementNamespaces
        );
        let bomb = format!(
            "<r{}>{}</r>",
            decls(7_800, "p"),
            "<c xmlns:q=\"urn:q\"/>".repeat(9_600)
        );
        assert_eq!(
            parse(bomb.as_bytes()).unwrap_err(),
            XmlError::TooManyElementNamespaces
        );
        // Two declarations on each of the most elements allowed, plus one.
        let kids = format!("<c{}/>", decls(2, "q")).repeat(MAX_ELEMENTS - 1);
        let full = format!("<r{}>{kids}</r>", decls(2, "p"));
        assert!(parse(full.as_bytes()).is_ok());
        let over = format!("<r{}>{kids}</r>", decls(3, "p"));
        assert_eq!(
            parse(over.as_bytes()).unwrap_err(),
            XmlError::TooManyNamespaces
        );

        let doc = parse(br#"<r xmlns:p="urn:p"><p:a><b xmlns:q="urn:q"/></p:a></r>"#).unwrap();
        let a = doc.elements().next().unwrap();
        let b = a.elements().next().unwrap();
        assert!(a.declarations().is_empty());
        assert_eq!(doc.declarations().len(), 1);
        assert_eq!(b.declarations().len(), 1);
        assert_eq!(b.scope.get("p"), Some("urn:p"));
        assert_eq!(b.scope.get("q"), Some("urn:q"));
        assert_eq!(a.scope.get("q"), None);
        // The URI is held once, however many names use it.
        assert!(Rc::ptr_eq(&a.name.ns, &doc.declarations()[0].1));
    }
}
