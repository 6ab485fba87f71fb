//! The name table (`names.rs`) compiled once into what the two view adapters walk: every type
//! string parsed into a [`Node`], every struct's members with their schema names, and each
//! schema name numbered so that a binding can keep one interned key per name.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::names::{types, Kind};

/// The shape of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Bool,
    /// An unsigned integer and its largest value.
    Uint(u64),
    /// A signed integer and its range.
    Int(i64, i64),
    Str,
    /// `Vec<u8>`: binary, shown in its XSD lexical form.
    Bytes(Binary),
    Opt(&'static Node),
    List(&'static Node),
    /// A struct, enum or element without content: an index into [`Schema::defs`].
    Def(usize),
}

/// The XSD type of a binary element, which decides how the view writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// xs:hexBinary (`SessionID`): upper-case hex.
    Hex,
    /// xs:base64Binary (certificates, challenges, digests, signatures): base64 with padding.
    Base64,
}

#[derive(Debug)]
pub struct Member {
    pub rust: &'static str,
    pub schema: &'static str,
    /// The number of `schema` in [`Schema::names`].
    pub id: usize,
    /// `None` for an enum variant without content.
    pub ty: Option<Node>,
    /// For a struct member that is a schema choice: the enum whose variants are its elements
    /// (the member's own schema name is then only a description).
    pub choice: Option<usize>,
}

#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    pub kind: Kind,
    pub members: Vec<Member>,
    /// A struct's elements in member order. A list: a struct has a handful of elements, and a
    /// view lists them in this order, so a scan from the last one found beats hashing.
    pub elements: Vec<Element>,
}

/// An element a struct's view can have: a member's, or one of a choice member's variants'.
#[derive(Debug, Clone, Copy)]
pub struct Element {
    pub schema: &'static str,
    pub member: usize,
    /// For a choice, the variant this element chooses.
    pub variant: Option<usize>,
}

impl Def {
    /// The member with the given Rust name, looked for from `hint` (serde visits members in order).
    pub fn member_by_rust(&self, rust: &str, hint: usize) -> Option<usize> {
        let n = self.members.len();
        (0..n).map(|i| (hint + i) % n).find(|&i| self.members[i].rust == rust)
    }

    /// The element named `schema`: its index in [`Def::elements`], looked for from `hint` on.
    pub fn element(&self, schema: &str, hint: usize) -> Option<usize> {
        let n = self.elements.len();
        (0..n).map(|i| (hint + i) % n).find(|&i| self.elements[i].schema == schema)
    }

    /// The schema names of the members, for an error message.
    pub fn schema_names(&self) -> String {
        self.members.iter().map(|m| m.schema).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug)]
pub struct Schema {
    pub defs: Vec<Def>,
    pub by_name: HashMap<&'static str, usize>,
    /// Every schema name once; [`Member::id`] indexes it.
    pub names: Vec<&'static str>,
}

impl Schema {
    pub fn def(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(compile)
}

fn leak(node: Node) -> &'static Node {
    Box::leak(Box::new(node))
}

fn wrapped<'a>(ty: &'a str, wrapper: &str) -> Option<&'a str> {
    ty.strip_prefix(wrapper).and_then(|t| t.strip_prefix('<')).and_then(|t| t.strip_suffix('>'))
}

fn parse(ty: &str, by_name: &HashMap<&'static str, usize>) -> Node {
    if let Some(inner) = wrapped(ty, "Option") {
        return Node::Opt(leak(parse(inner, by_name)));
    }
    if let Some(inner) = wrapped(ty, "Box") {
        return parse(inner, by_name);
    }
    if let Some(inner) = wrapped(ty, "Vec") {
        return Node::List(leak(parse(inner, by_name)));
    }
    match ty {
        "bool" => Node::Bool,
        "String" => Node::Str,
        "hexBinary" => Node::Bytes(Binary::Hex),
        "base64Binary" => Node::Bytes(Binary::Base64),
        "u8" => Node::Uint(u8::MAX.into()),
        "u16" => Node::Uint(u16::MAX.into()),
        "u32" => Node::Uint(u32::MAX.into()),
        "u64" => Node::Uint(u64::MAX),
        "i8" => Node::Int(i8::MIN.into(), i8::MAX.into()),
        "i16" => Node::Int(i16::MIN.into(), i16::MAX.into()),
        "i32" => Node::Int(i32::MIN.into(), i32::MAX.into()),
        "i64" => Node::Int(i64::MIN, i64::MAX),
        other => Node::Def(*by_name.get(other).unwrap_or_else(|| panic!("schema_names.json: no type {other}"))),
    }
}

fn compile() -> Schema {
    let table = types();
    let mut names_sorted: Vec<&'static str> = table.keys().map(String::as_str).collect();
    names_sorted.sort_unstable();
    let by_name: HashMap<&'static str, usize> = names_sorted.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut name_ids: HashMap<&'static str, usize> = HashMap::new();
    let mut names: Vec<&'static str> = Vec::new();
    let mut defs: Vec<Def> = names_sorted.iter().map(|name| {
        let t = &table[*name];
        let members = t.members.iter().map(|(rust, schema, ty)| {
            let id = *name_ids.entry(schema.as_str()).or_insert_with(|| {
                names.push(schema.as_str());
                names.len() - 1
            });
            let ty = ty.as_deref().map(|ty| parse(ty, &by_name));
            let choice = if schema.starts_with("choice of") {
                match ty {
                    Some(Node::Def(d)) => Some(d),
                    Some(Node::Opt(Node::Def(d))) => Some(*d),
                    _ => panic!("schema_names.json: the choice {name}.{rust} is not an enum"),
                }
            } else {
                None
            };
            Member { rust: rust.as_str(), schema: schema.as_str(), id, ty, choice }
        }).collect();
        Def { name, kind: t.kind, members, elements: Vec::new() }
    }).collect();
    // A struct's elements: its own members, and for a choice the elements it chooses between.
    for i in 0..defs.len() {
        let mut elements = Vec::new();
        for (m, member) in defs[i].members.iter().enumerate() {
            match member.choice {
                Some(c) => elements.extend(defs[c].members.iter().enumerate()
                    .map(|(v, variant)| Element { schema: variant.schema, member: m, variant: Some(v) })),
                None => elements.push(Element { schema: member.schema, member: m, variant: None }),
            }
        }
        defs[i].elements = elements;
    }
    Schema { defs, by_name, names }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_compiles_and_choices_are_enums() {
        let s = schema();
        let loop_req = &s.defs[s.def("dc::DCChargeLoopReq").unwrap()];
        assert!(loop_req.element("BPT_Dynamic_DC_CLReqControlMode", 0).is_some());
        assert!(loop_req.element("EVPresentVoltage", 3).is_some());
        assert!(loop_req.element("EVPresentVoltag", 0).is_none());
        for def in &s.defs {
            for m in &def.members {
                if let Some(c) = m.choice {
                    assert_eq!(s.defs[c].kind, Kind::Enum, "{}.{}", def.name, m.rust);
                }
                assert_eq!(s.names[m.id], m.schema);
            }
        }
    }
}
