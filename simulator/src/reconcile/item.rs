//! What the reconcile reads of a listed resource: only the fields it
//! compares, strings borrowed from the page where JSON lets them be. A
//! field of an unexpected type is kept as what it is (a drift to report),
//! never a reason to refuse the page, as a tree of the whole page would
//! not have refused it either.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// One compared value. `Missing` and `Null` differ only for `active`,
/// which a target may leave out (meaning true) but not send as null.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Loose<'a> {
    #[default]
    Missing,
    Null,
    Bool(bool),
    Str(Cow<'a, str>),
    /// A number, array or object where a string or bool was expected:
    /// rare, and reported as it came.
    Other(Value),
}

impl Loose<'_> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// As the target sent it, for a drift report.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Loose::Missing | Loose::Null => Value::Null,
            Loose::Bool(b) => Value::Bool(*b),
            Loose::Str(s) => Value::String(s.as_ref().to_owned()),
            Loose::Other(v) => v.clone(),
        }
    }

    /// Whether this is the directory's optional string (`None` is null).
    pub(crate) fn is_str(&self, expected: Option<&str>) -> bool {
        match (self, expected) {
            (Loose::Missing | Loose::Null, None) => true,
            (Loose::Str(s), Some(e)) => s == e,
            _ => false,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LooseVisitor<'a> {
    type Value = Loose<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Loose::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Loose::Other(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Loose::Other(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Loose::Other(n.into()))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Loose::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Loose::Other)
    }
}

/// An object read as `T`; anything else is `None` (as looking a field up
/// in a non-object finds nothing).
#[derive(Debug)]
pub(crate) struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Shaped::<Obj<T>>(PhantomData))
    }
}

/// An array of `T`; anything else is empty.
#[derive(Debug)]
pub(crate) struct Arr<T>(pub Vec<T>);

impl<T> Default for Arr<T> {
    fn default() -> Self {
        Arr(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Shaped::<Arr<T>>(PhantomData))
    }
}

/// The visitor of [`Obj`] and [`Arr`]: the one shape is read, any other
/// skipped.
struct Shaped<S>(PhantomData<S>);

/// What [`Shaped`] builds from the shape it wants.
trait Shape<'de>: Default {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        skip_map(map).map(|()| Self::default())
    }
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        skip_seq(seq).map(|()| Self::default())
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Obj<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Arr<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(t) = seq.next_element()? {
            out.push(t);
        }
        Ok(Arr(out))
    }
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de, S: Shape<'de>> Visitor<'de> for Shaped<S> {
    type Value = S;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_none<E>(self) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, _: bool) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S, A::Error> {
        S::from_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S, A::Error> {
        S::from_map(map)
    }
}

/// A listed user, as far as the reconcile compares it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct UserItem<'a> {
    #[serde(borrow)]
    pub id: Loose<'a>,
    #[serde(borrow, rename = "userName")]
    pub user_name: Loose<'a>,
    #[serde(borrow)]
    pub active: Loose<'a>,
    #[serde(borrow)]
    pub name: Obj<NameItem<'a>>,
    #[serde(borrow, rename = "displayName")]
    pub display_name: Loose<'a>,
    #[serde(borrow)]
    pub emails: Emails<'a>,
    #[serde(borrow)]
    pub title: Loose<'a>,
    #[serde(
        borrow,
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    )]
    pub enterprise: Obj<EnterpriseItem<'a>>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct NameItem<'a> {
    #[serde(borrow, rename = "givenName")]
    pub given_name: Loose<'a>,
    #[serde(borrow, rename = "familyName")]
    pub family_name: Loose<'a>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct EmailItem<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Loose<'a>,
    #[serde(borrow)]
    pub value: Loose<'a>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct EnterpriseItem<'a> {
    #[serde(borrow)]
    pub department: Loose<'a>,
    #[serde(borrow, rename = "employeeNumber")]
    pub employee_number: Loose<'a>,
}

impl UserItem<'_> {
    /// The work email's value, else the first email's.
    pub(crate) fn work_email(&self) -> &Loose<'_> {
        static MISSING: Loose<'static> = Loose::Missing;
        let e = &self.emails;
        e.work.as_ref().or(e.first.as_ref()).unwrap_or(&MISSING)
    }
}

/// A user's `emails` as far as the reconcile compares them: the value of
/// the first of type `work`, and of the first of all (kept while no work
/// one has come), not a list of every one.
#[derive(Debug, Default)]
pub(crate) struct Emails<'a> {
    work: Option<Loose<'a>>,
    /// Missing when the first element is not an object or has no value.
    first: Option<Loose<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Emails<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Shaped::<Emails<'a>>(PhantomData))
    }
}

impl<'de: 'a, 'a> Shape<'de> for Emails<'a> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Emails::default();
        while out.work.is_none() {
            let Some(e) = seq.next_element::<Obj<EmailItem<'a>>>()? else {
                return Ok(out);
            };
            let e = e.0.unwrap_or_default();
            if e.kind.as_str() == Some("work") {
                out.work = Some(e.value);
            } else if out.first.is_none() {
                out.first = Some(e.value);
            }
        }
        skip_seq(seq).map(|()| out)
    }
}

/// A listed group, as far as the reconcile compares it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct GroupItem<'a> {
    #[serde(borrow)]
    pub id: Loose<'a>,
    #[serde(borrow, rename = "displayName")]
    pub display_name: Loose<'a>,
    #[serde(borrow)]
    pub members: Arr<Obj<MemberItem<'a>>>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct MemberItem<'a> {
    #[serde(borrow)]
    pub value: Loose<'a>,
}

/// A ListResponse page of `T`.
#[derive(Debug, serde::Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct Page<'a, T> {
    #[serde(borrow, default, rename = "totalResults")]
    pub total: Loose<'a>,
    #[serde(default, rename = "Resources")]
    pub resources: Arr<Obj<T>>,
}

impl<'a, T> Page<'a, T> {
    pub(crate) fn total(&self) -> Option<usize> {
        match &self.total {
            Loose::Other(v) => v.as_u64().map(|n| n as usize),
            _ => None,
        }
    }
}
