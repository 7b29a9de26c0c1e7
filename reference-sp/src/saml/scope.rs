//! Namespace scope at a cost proportional to the declarations made.
//!
//! The tree used to give every element that declared a namespace its own
//! copy of the whole in-scope map. A root declaring thousands of prefixes
//! over thousands of children that each declare one more made that copy
//! per child: one 518 KB request took the SP to 9.1 GB. Two structures
//! replace it, each costing O(declarations) in total:
//!
//! - [`Resolver`], used while parsing: one binding stack per prefix, pushed
//!   by a start tag and popped by its end tag, so resolving a name is one
//!   hash lookup whatever the depth.
//! - [`Scope`], kept in the tree: a persistent chain with one link per
//!   element that declares something, holding only that element's
//!   declarations and sharing its ancestors' links. Canonicalization reads
//!   it only at its apex (for `InclusiveNamespaces`), where a walk of at
//!   most `MAX_DEPTH` links of at most `MAX_ELEMENT_NAMESPACES` entries is
//!   cheap.

use std::collections::HashMap;
use std::rc::Rc;

use super::dom::XML_NS;

/// One namespace declaration: prefix (`""` for the default) and URI (`""`
/// undeclares the default namespace).
pub type Decl = (Rc<str>, Rc<str>);

#[derive(Debug)]
struct Link {
    decls: Vec<Decl>,
    parent: Scope,
}

/// The namespaces in scope at an element: its own declarations, then its
/// ancestors'.
#[derive(Debug, Clone, Default)]
pub struct Scope(Option<Rc<Link>>);

impl Scope {
    /// A scope that adds `decls` (already checked, no prefix twice) to
    /// `parent`; `parent` itself when there are none.
    pub fn child(parent: &Scope, decls: Vec<Decl>) -> Scope {
        if decls.is_empty() {
            parent.clone()
        } else {
            Scope(Some(Rc::new(Link {
                decls,
                parent: parent.clone(),
            })))
        }
    }

    /// The URI `prefix` is bound to (`""` for an undeclared default), or
    /// `None` when it is not in scope. `xml` is always bound.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        let mut at = self.0.as_deref();
        while let Some(link) = at {
            if let Some((_, uri)) = link.decls.iter().find(|(p, _)| &**p == prefix) {
                return Some(uri);
            }
            at = link.parent.0.as_deref();
        }
        (prefix == "xml").then_some(XML_NS)
    }

    /// Every prefix in scope (`""` for the default namespace), innermost
    /// first, each once.
    pub fn prefixes(&self) -> Vec<Rc<str>> {
        let mut out: Vec<Rc<str>> = Vec::new();
        let mut at = self.0.as_deref();
        while let Some(link) = at {
            for (p, _) in &link.decls {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
            at = link.parent.0.as_deref();
        }
        out
    }

    /// The declarations of the link itself (the element that made it).
    pub fn own(&self) -> &[Decl] {
        self.0.as_deref().map_or(&[], |l| &l.decls)
    }
}

/// Prefix bindings while parsing: for each prefix, the stack of URIs its
/// open elements declared, innermost last.
#[derive(Debug, Default)]
pub struct Resolver {
    bound: HashMap<Rc<str>, Vec<Rc<str>>>,
}

impl Resolver {
    /// Binds `decls` for an element being opened.
    pub fn push(&mut self, decls: &[Decl]) {
        for (p, u) in decls {
            self.bound.entry(p.clone()).or_default().push(u.clone());
        }
    }

    /// Unbinds what [`Resolver::push`] bound for an element being closed.
    pub fn pop(&mut self, decls: &[Decl]) {
        for (p, _) in decls {
            if let Some(stack) = self.bound.get_mut(p) {
                stack.pop();
            }
        }
    }

    /// The prefix and the URI it is bound to here, both shared, or `None`
    /// when it is unbound.
    pub fn get(&self, prefix: &str) -> Option<(&Rc<str>, &Rc<str>)> {
        let (p, stack) = self.bound.get_key_value(prefix)?;
        Some((p, stack.last()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(p: &str, u: &str) -> Decl {
        (Rc::from(p), Rc::from(u))
    }

    #[test]
    fn inner_declarations_shadow_outer_ones_and_unwind() {
        let root = Scope::child(
            &Scope::default(),
            vec![decl("a", "urn:1"), decl("", "urn:d")],
        );
        let inner = Scope::child(&root, vec![decl("a", "urn:2")]);
        let same = Scope::child(&inner, vec![]);
        assert_eq!(same.get("a"), Some("urn:2"));
        assert_eq!(same.get(""), Some("urn:d"));
        assert_eq!(same.get("xml"), Some(XML_NS));
        assert_eq!(same.get("b"), None);
        assert!(same.own().len() == 1 && root.own().len() == 2);

        let mut r = Resolver::default();
        r.push(root.own());
        r.push(inner.own());
        assert_eq!(r.get("a").map(|(_, u)| &**u), Some("urn:2"));
        r.pop(inner.own());
        assert_eq!(r.get("a").map(|(_, u)| &**u), Some("urn:1"));
        r.pop(root.own());
        assert_eq!(r.get("a"), None);
    }
}
