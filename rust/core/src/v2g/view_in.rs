//! The schema's view of a message → the crate's typed message, in one pass: a serde `Deserializer`
//! driven by the compiled table (`schema.rs`) that reads the view through a [`Source`] —
//! serde_json values in Rust (`json_view.rs`), Python objects in the binding — renaming elements
//! to the crate's members, a chosen element back into its choice, hex or base64 back into bytes. A view
//! that does not fit the schema is refused with the element path where it stops fitting.
//!
//! Hand-written because no library maps schema names to the crate's types.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::de::value::{SeqDeserializer, U64Deserializer};
use serde::de::{self, DeserializeSeed, Visitor};

use super::names::Kind;
use super::schema::{schema, Binary, Def, Node};

/// A view's values as the deserializer reads them.
pub trait Source: Sized {
    fn is_null(&self) -> bool;
    fn boolean(&self) -> Option<bool>;
    fn uint(&self) -> Option<u64>;
    fn int(&self) -> Option<i64>;
    fn text(&self) -> Option<Cow<'_, str>>;
    fn items(&self) -> Option<Vec<Self>>;
    /// Calls `f` with each entry of a dict; `None` when this is not a dict.
    fn entries(&self, f: &mut dyn FnMut(&str, Self) -> Result<()>) -> Option<Result<()>>;
    /// The value as an error message shows it.
    fn describe(&self) -> String;
}

/// A message that does not fit the schema, with the element path where it stops fitting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ShapeError {
    pub path: String,
    pub reason: String,
}

impl de::Error for ShapeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ShapeError { path: String::new(), reason: msg.to_string() }
    }
}

type Result<T> = std::result::Result<T, ShapeError>;

/// Where in the message we are: a chain of element names, formatted only for an error.
#[derive(Clone, Copy)]
pub struct At<'a> {
    parent: Option<&'a At<'a>>,
    name: &'a str,
}

impl At<'_> {
    pub const ROOT: At<'static> = At { parent: None, name: "" };

    fn child<'b>(&'b self, name: &'b str) -> At<'b> {
        At { parent: Some(self), name }
    }

    fn fail<T>(&self, reason: impl Into<String>) -> Result<T> {
        Err(ShapeError { path: self.to_string(), reason: reason.into() })
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.parent {
            Some(parent) => write!(f, "{parent}/{}", self.name),
            None => Ok(()),
        }
    }
}

/// The crate's value of the table's type `ty` (e.g. `dc::Document`) from its view.
pub fn from_view<T: de::DeserializeOwned, S: Source>(view: S, ty: &str) -> Result<T> {
    let Some(def) = schema().def(ty) else { return At::ROOT.fail(format!("no schema names for type {ty}")) };
    T::deserialize(In { src: Some(view), node: Node::Def(def), chosen: None, path: At::ROOT })
}

struct In<'a, S> {
    /// `None`: the element is absent.
    src: Option<S>,
    node: Node,
    /// For a struct member that is a schema choice: the variant whose element is present.
    chosen: Option<usize>,
    path: At<'a>,
}

fn int_name(min: i64) -> &'static str {
    match min {
        -128 => "i8",
        -32768 => "i16",
        -2147483648 => "i32",
        _ => "i64",
    }
}

fn uint_name(max: u64) -> &'static str {
    match max {
        255 => "u8",
        65535 => "u16",
        4294967295 => "u32",
        _ => "u64",
    }
}

fn unhex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some((0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits")).collect())
}

impl<'de, S: Source> de::Deserializer<'de> for In<'_, S> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let path = self.path;
        if let Node::Opt(inner) = self.node {
            if self.chosen.is_none() && self.src.as_ref().is_none_or(Source::is_null) {
                return visitor.visit_none();
            }
            return visitor.visit_some(In { node: *inner, ..self });
        }
        if let Node::List(item) = self.node {
            let Some(src) = self.src else { return visitor.visit_seq(Items { items: Vec::<S>::new().into_iter(), node: *item, path }) };
            let Some(items) = src.items() else { return path.fail("expected a list") };
            return visitor.visit_seq(Items { items: items.into_iter(), node: *item, path });
        }
        if let Node::Def(d) = self.node {
            let def = &schema().defs[d];
            if def.kind == Kind::Enum {
                return enumeration(def, self.src, self.chosen, path, visitor);
            }
        }
        let Some(src) = self.src else { return path.fail("missing") };
        match self.node {
            Node::Bool => match src.boolean() {
                Some(b) => visitor.visit_bool(b),
                None => path.fail(format!("{} is not a bool", src.describe())),
            },
            Node::Uint(max) => match src.uint() {
                Some(v) if v <= max => visitor.visit_u64(v),
                _ => path.fail(format!("{} is not a {}", src.describe(), uint_name(max))),
            },
            Node::Int(min, max) => match src.int() {
                Some(v) if (min..=max).contains(&v) => visitor.visit_i64(v),
                _ => path.fail(format!("{} is not a {}", src.describe(), int_name(min))),
            },
            Node::Str => match src.text() {
                Some(s) => visitor.visit_str(&s),
                None => path.fail(format!("{} is not text", src.describe())),
            },
            Node::Bytes(Binary::Hex) => match src.text().as_deref().and_then(unhex) {
                Some(bytes) => visitor.visit_seq(SeqDeserializer::<_, ShapeError>::new(bytes.into_iter())),
                None => path.fail(format!("{} is not an even number of hex digits (xs:hexBinary)", src.describe())),
            },
            Node::Bytes(Binary::Base64) => match src.text().and_then(|t| STANDARD.decode(t.as_bytes()).ok()) {
                Some(bytes) => visitor.visit_seq(SeqDeserializer::<_, ShapeError>::new(bytes.into_iter())),
                None => path.fail(format!("{} is not base64 (xs:base64Binary)", src.describe())),
            },
            Node::Def(d) => {
                let def = &schema().defs[d];
                if def.kind == Kind::Unit {
                    let mut any = false;
                    return match src.entries(&mut |_, _| {
                        any = true;
                        Ok(())
                    }) {
                        Some(Ok(())) if !any => visitor.visit_unit(),
                        _ => path.fail("an element without content is written as {}"),
                    };
                }
                visitor.visit_map(Members::new(def, &src, path)?)
            }
            Node::Opt(_) | Node::List(_) => unreachable!("handled above"),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// An enum value: a string (a variant without content), a dict of one entry (a variant and its
/// content), or — for a choice — the variant the parent struct found among its elements.
fn enumeration<'de, V: Visitor<'de>, S: Source>(def: &'static Def, src: Option<S>, chosen: Option<usize>, path: At<'_>, visitor: V)
    -> Result<V::Value> {
    if let Some(variant) = chosen {
        return visitor.visit_enum(Variant { def, variant, content: src, path });
    }
    let Some(src) = src else {
        return match def.members.iter().any(|m| m.ty.is_some()) {
            true => path.fail(format!("missing one of {}", def.schema_names())),
            false => path.fail("missing"),
        };
    };
    let find = |name: &str| def.members.iter().position(|m| m.schema == name);
    if let Some(name) = src.text() {
        return match find(&name) {
            Some(variant) => visitor.visit_enum(Variant::<S> { def, variant, content: None, path }),
            None => path.fail(format!("{name:?} is not one of {}", def.schema_names())),
        };
    }
    let mut one: Option<(usize, S)> = None;
    let mut count = 0;
    let mut unknown: Option<String> = None;
    let walked = src.entries(&mut |k, v| {
        count += 1;
        match find(k) {
            Some(i) => one = Some((i, v)),
            None => unknown = Some(k.to_string()),
        }
        Ok(())
    });
    match (walked, one, unknown) {
        (Some(Ok(())), _, Some(name)) => path.fail(format!("{name:?} is not one of {}", def.schema_names())),
        (Some(Ok(())), Some((variant, content)), None) if count == 1 => visitor.visit_enum(Variant { def, variant, content: Some(content), path }),
        _ => path.fail(format!("expected one of {}", def.schema_names())),
    }
}

struct Variant<'a, S> {
    def: &'static Def,
    variant: usize,
    content: Option<S>,
    path: At<'a>,
}

impl<'de, 'a, S: Source> de::EnumAccess<'de> for Variant<'a, S> {
    type Error = ShapeError;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self)> {
        Ok((seed.deserialize(U64Deserializer::new(self.variant as u64))?, self))
    }
}

impl<'de, S: Source> de::VariantAccess<'de> for Variant<'_, S> {
    type Error = ShapeError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let m = &self.def.members[self.variant];
        let Some(node) = m.ty else { return self.path.fail(format!("{} has no content", m.schema)) };
        seed.deserialize(In { src: self.content, node, chosen: None, path: self.path.child(m.schema) })
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        self.path.fail("a tuple variant is not in the schema")
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value> {
        self.path.fail("a struct variant is not in the schema")
    }
}

struct Items<'a, S> {
    items: std::vec::IntoIter<S>,
    node: Node,
    path: At<'a>,
}

impl<'de, S: Source> de::SeqAccess<'de> for Items<'_, S> {
    type Error = ShapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.items.next() {
            Some(item) => seed.deserialize(In { src: Some(item), node: self.node, chosen: None, path: self.path }).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A struct's members in declaration order, each with the element the view has for it (for a
/// choice, the element of the chosen variant). Members and variants are named to serde by their
/// position, which serde's derive accepts and which spares it comparing names: the table lists
/// them in declaration order (generated from the crate's source), which the vectors and the
/// round-trip tests confirm for every type.
struct Members<'a, S> {
    def: &'static Def,
    slots: Vec<(Option<S>, Option<usize>)>,
    next: usize,
    path: At<'a>,
}

impl<'a, S: Source> Members<'a, S> {
    fn new(def: &'static Def, src: &S, path: At<'a>) -> Result<Self> {
        let mut slots: Vec<(Option<S>, Option<usize>)> = (0..def.members.len()).map(|_| (None, None)).collect();
        let mut hint = 0;
        let walked = src.entries(&mut |key, value| {
            let Some(e) = def.element(key, hint) else { return path.child(key).fail("not an element of this type") };
            hint = e + 1;
            let (m, variant) = (def.elements[e].member, def.elements[e].variant);
            let slot = &mut slots[m];
            if variant.is_some() && slot.1.is_some() {
                let choice = &schema().defs[def.members[m].choice.expect("a choice")];
                return path.fail(format!("more than one of {}", choice.schema_names()));
            }
            *slot = (Some(value), variant);
            Ok(())
        });
        match walked {
            Some(Ok(())) => Ok(Members { def, slots, next: 0, path }),
            Some(Err(e)) => Err(e),
            None => path.fail("expected an element (a dict)"),
        }
    }
}

impl<'de, S: Source> de::MapAccess<'de> for Members<'_, S> {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.def.members.get(self.next) {
            Some(_) => seed.deserialize(U64Deserializer::new(self.next as u64)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let m = &self.def.members[self.next];
        let (src, chosen) = std::mem::take(&mut self.slots[self.next]);
        self.next += 1;
        let Some(node) = m.ty else { return self.path.fail(format!("{} has no type", m.schema)) };
        if m.choice.is_some() {
            return seed.deserialize(In { src, node, chosen, path: self.path });
        }
        seed.deserialize(In { src, node, chosen: None, path: self.path.child(m.schema) })
    }
}
