//! A decoded message → the schema's view of it, in one pass: a serde `Serializer` that walks the
//! crate's types alongside the compiled table (`schema.rs`) and builds the view through a
//! [`Sink`] — serde_json values in Rust (`json_view.rs`), Python objects in the binding — so no
//! intermediate value is built and renamed. Element names as the XSD spells them, a choice as the
//! chosen element itself, absent optional elements left out, binary values in their XSD lexical
//! form (hexBinary as upper-case hex, base64Binary as base64).
//!
//! Hand-written because no library maps the crate's types to schema names.

use serde::ser::{self, Impossible, Serialize};

use base64::Engine as _;

use super::schema::{schema, Binary, Node};

/// Builds the view's values. Keys are schema names, each with its number in
/// [`Schema::names`](super::schema::Schema::names) so that a binding can intern them.
pub trait Sink {
    type Value;
    type Map;
    type Error: std::fmt::Display;
    fn map(&self) -> Result<Self::Map, Self::Error>;
    fn insert(&self, map: &mut Self::Map, id: usize, key: &'static str, value: Self::Value) -> Result<(), Self::Error>;
    fn finish(&self, map: Self::Map) -> Self::Value;
    fn list(&self, items: Vec<Self::Value>) -> Result<Self::Value, Self::Error>;
    fn boolean(&self, v: bool) -> Result<Self::Value, Self::Error>;
    fn uint(&self, v: u64) -> Result<Self::Value, Self::Error>;
    fn int(&self, v: i64) -> Result<Self::Value, Self::Error>;
    fn text(&self, v: &str) -> Result<Self::Value, Self::Error>;
    /// An enumeration value, which is a schema name.
    fn name(&self, _id: usize, name: &'static str) -> Result<Self::Value, Self::Error> {
        self.text(name)
    }
}

/// A value that does not fit the table (a table out of step with the crate) or a sink's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ViewError(pub String);

impl ser::Error for ViewError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ViewError(msg.to_string())
    }
}

fn sink_error(e: impl std::fmt::Display) -> ViewError {
    ViewError(e.to_string())
}

/// The view of `value` (of the table's type `ty`, e.g. `dc::Document`).
pub fn to_view<K: Sink, T: Serialize>(sink: &K, value: &T, ty: &str) -> Result<K::Value, ViewError> {
    let def = schema().def(ty).ok_or_else(|| ViewError(format!("no schema names for type {ty}")))?;
    match value.serialize(Out { sink, node: Node::Def(def), mode: Mode::Value })? {
        Piece::Value(v) => Ok(v),
        _ => Err(ViewError(format!("{ty} gave no value"))),
    }
}

/// What one serialized value becomes in its parent.
pub enum Piece<V> {
    Value(V),
    /// An optional element not present, or an element occurring zero times.
    Absent,
    /// A choice: the chosen element, which the parent struct takes as its own element.
    Entry(usize, &'static str, V),
    Byte(u8),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Value,
    /// The value of a struct member that is a schema choice.
    Choice,
    /// One byte of a binary value.
    Byte,
}

struct Out<'s, K> {
    sink: &'s K,
    node: Node,
    mode: Mode,
}

impl<'s, K: Sink> Out<'s, K> {
    fn value(&self, r: Result<K::Value, K::Error>) -> Result<Piece<K::Value>, ViewError> {
        r.map(Piece::Value).map_err(sink_error)
    }

    fn unexpected<T>(&self, what: &str) -> Result<T, ViewError> {
        Err(ViewError(format!("{what} where the table has {:?}", self.node)))
    }

    /// The enum of this node and the schema name of its variant `variant`.
    fn variant(&self, variant: &str, index: u32) -> Result<(usize, &'static str, Option<Node>), ViewError> {
        let Node::Def(d) = self.node else { return self.unexpected("an enum value") };
        let def = &schema().defs[d];
        let i = match def.members.get(index as usize) {
            Some(m) if same_place(m.rust, variant) => index as usize,
            _ => def.member_by_rust(variant, index as usize).ok_or_else(|| ViewError(format!("{}: no variant {variant}", def.name)))?,
        };
        let m = &def.members[i];
        Ok((m.id, m.schema, m.ty))
    }
}

impl<'s, K: Sink> ser::Serializer for Out<'s, K> {
    type Ok = Piece<K::Value>;
    type Error = ViewError;
    type SerializeSeq = Seq<'s, K>;
    type SerializeTuple = Impossible<Self::Ok, ViewError>;
    type SerializeTupleStruct = Impossible<Self::Ok, ViewError>;
    type SerializeTupleVariant = Impossible<Self::Ok, ViewError>;
    type SerializeMap = Impossible<Self::Ok, ViewError>;
    type SerializeStruct = Struct<'s, K>;
    type SerializeStructVariant = Impossible<Self::Ok, ViewError>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, ViewError> {
        self.value(self.sink.boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, ViewError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, ViewError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, ViewError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, ViewError> {
        self.value(self.sink.int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, ViewError> {
        if self.mode == Mode::Byte {
            return Ok(Piece::Byte(v));
        }
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, ViewError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, ViewError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, ViewError> {
        self.value(self.sink.uint(v))
    }
    fn serialize_f32(self, _: f32) -> Result<Self::Ok, ViewError> {
        self.unexpected("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<Self::Ok, ViewError> {
        self.unexpected("a float")
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, ViewError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, ViewError> {
        self.value(self.sink.text(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, ViewError> {
        let Node::Bytes(form) = self.node else { return self.unexpected("binary") };
        self.value(self.sink.text(&lexical(form, v)))
    }
    fn serialize_none(self) -> Result<Self::Ok, ViewError> {
        Ok(Piece::Absent)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Self::Ok, ViewError> {
        let node = match self.node {
            Node::Opt(inner) => *inner,
            other => other,
        };
        value.serialize(Out { node, ..self })
    }
    fn serialize_unit(self) -> Result<Self::Ok, ViewError> {
        self.unexpected("()")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, ViewError> {
        self.sink.map().map(|m| Piece::Value(self.sink.finish(m))).map_err(sink_error)
    }
    fn serialize_unit_variant(self, _: &'static str, index: u32, variant: &'static str) -> Result<Self::Ok, ViewError> {
        let (id, name, _) = self.variant(variant, index)?;
        if self.mode == Mode::Choice {
            let empty = self.sink.map().map_err(sink_error)?;
            return Ok(Piece::Entry(id, name, self.sink.finish(empty)));
        }
        self.value(self.sink.name(id, name))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<Self::Ok, ViewError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, index: u32, variant: &'static str, value: &T)
        -> Result<Self::Ok, ViewError> {
        let (id, name, ty) = self.variant(variant, index)?;
        let Some(node) = ty else { return self.unexpected("content") };
        let content = match value.serialize(Out { sink: self.sink, node, mode: Mode::Value })? {
            Piece::Value(v) => v,
            _ => return self.unexpected("no content"),
        };
        if self.mode == Mode::Choice {
            return Ok(Piece::Entry(id, name, content));
        }
        let mut map = self.sink.map().map_err(sink_error)?;
        self.sink.insert(&mut map, id, name, content).map_err(sink_error)?;
        Ok(Piece::Value(self.sink.finish(map)))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, ViewError> {
        let (item, form) = match self.node {
            Node::List(inner) => (Some(*inner), Binary::Hex),
            Node::Bytes(form) => (None, form),
            _ => return self.unexpected("a sequence"),
        };
        Ok(Seq { sink: self.sink, item, form, items: Vec::with_capacity(len.unwrap_or(0)), bytes: Vec::new() })
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ViewError> {
        self.unexpected("a tuple")
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, ViewError> {
        self.unexpected("a tuple struct")
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, ViewError> {
        self.unexpected("a tuple variant")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ViewError> {
        self.unexpected("a map")
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, ViewError> {
        let Node::Def(d) = self.node else { return self.unexpected("a struct") };
        let map = self.sink.map().map_err(sink_error)?;
        Ok(Struct { sink: self.sink, def: d, next: 0, map })
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, ViewError> {
        self.unexpected("a struct variant")
    }
}

pub struct Seq<'s, K: Sink> {
    sink: &'s K,
    /// The items' node; `None` for binary.
    item: Option<Node>,
    form: Binary,
    items: Vec<K::Value>,
    bytes: Vec<u8>,
}

impl<K: Sink> ser::SerializeSeq for Seq<'_, K> {
    type Ok = Piece<K::Value>;
    type Error = ViewError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ViewError> {
        let (node, mode) = match self.item {
            Some(node) => (node, Mode::Value),
            None => (Node::Bytes(self.form), Mode::Byte),
        };
        match value.serialize(Out { sink: self.sink, node, mode })? {
            Piece::Value(v) => self.items.push(v),
            Piece::Byte(b) => self.bytes.push(b),
            _ => return Err(ViewError("an absent item in a list".into())),
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, ViewError> {
        if self.item.is_none() {
            return self.sink.text(&lexical(self.form, &self.bytes)).map(Piece::Value).map_err(sink_error);
        }
        if self.items.is_empty() {
            return Ok(Piece::Absent); // an element occurring zero times is absent
        }
        self.sink.list(self.items).map(Piece::Value).map_err(sink_error)
    }
}

pub struct Struct<'s, K: Sink> {
    sink: &'s K,
    def: usize,
    next: usize,
    map: K::Map,
}

impl<K: Sink> ser::SerializeStruct for Struct<'_, K> {
    type Ok = Piece<K::Value>;
    type Error = ViewError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), ViewError> {
        let def = &schema().defs[self.def];
        let i = match def.members.get(self.next) {
            Some(m) if same_place(m.rust, key) => self.next,
            _ => def.member_by_rust(key, self.next).ok_or_else(|| ViewError(format!("{}: no member {key}", def.name)))?,
        };
        self.next = i + 1;
        let m = &def.members[i];
        let Some(node) = m.ty else { return Err(ViewError(format!("{}.{key} has no type", def.name))) };
        let mode = if m.choice.is_some() { Mode::Choice } else { Mode::Value };
        match value.serialize(Out { sink: self.sink, node, mode })? {
            Piece::Value(v) => self.sink.insert(&mut self.map, m.id, m.schema, v).map_err(sink_error),
            Piece::Entry(id, name, v) => self.sink.insert(&mut self.map, id, name, v).map_err(sink_error),
            Piece::Absent => Ok(()),
            Piece::Byte(_) => Err(ViewError(format!("{}.{key}: a lone byte", def.name))),
        }
    }

    fn end(self) -> Result<Self::Ok, ViewError> {
        Ok(Piece::Value(self.sink.finish(self.map)))
    }
}

/// Whether the table's member at serde's position is the one serde names. serde's derive visits
/// members and numbers variants in declaration order, which is the table's order (generated from
/// the crate's source), so comparing lengths guards against a table out of step without a string
/// comparison per element; the recorded vectors and the round trip of every type hold the order.
fn same_place(table: &str, serde: &str) -> bool {
    table.len() == serde.len()
}

/// Binary in the lexical form of its XSD type.
pub fn lexical(form: Binary, bytes: &[u8]) -> String {
    match form {
        Binary::Hex => hex(bytes),
        Binary::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// Binary as upper-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
