//! One-pass parse-and-validate of OCPP payloads: each official schema is compiled into a small
//! tree of nodes, and a payload is checked while it is pull-parsed (jiter), without building a
//! `serde_json::Value`.
//!
//! This path only ever answers "proven valid" or "not proven". Anything it cannot prove (an
//! invalid payload, a duplicate key, a number past i64/f64 precision, a schema keyword it does not
//! model) goes to the `jsonschema` validator, which stays the authority and reports every
//! violation with its pointer. So the fast path must never accept what `jsonschema` rejects; the
//! differential tests (Python `test_onepass_differential.py`) hold it to that.
//!
//! Written by hand because no library validates JSON Schema while streaming; it covers exactly
//! the keywords the OCPP 2.0.1/2.1 schemas use.

use std::collections::HashMap;

use jiter::{Jiter, NumberAny, NumberInt, Peek};
use serde_json::Value;

/// Largest integer that f64 represents exactly; beyond it comparisons go to the full validator.
const EXACT_F64: i64 = 1 << 53;

type NodeId = usize;

#[derive(Debug)]
enum Node {
    /// Any JSON value (no type keyword, e.g. extra members of `customData`).
    Any,
    Object { props: Vec<(Box<str>, NodeId)>, required: u128, additional: bool },
    Array { items: NodeId, min: Option<u64>, max: Option<u64> },
    String { max_len: Option<u64>, min_len: Option<u64>, allowed: Option<Vec<Box<str>>>, date_time: bool },
    Number { integer: bool, min: Option<f64>, max: Option<f64> },
    Boolean,
    /// Placeholder while a `$ref` cycle is being compiled.
    Pending,
}

/// A schema compiled for the one-pass check.
#[derive(Debug)]
pub struct OnePass {
    nodes: Vec<Node>,
}

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &["description", "javaType", "$schema", "$id", "comment", "definitions", "default", "title"];

impl OnePass {
    /// Compiles a schema; `None` when it uses a keyword this path does not model (then every
    /// payload of that action takes the full validator).
    pub fn compile(schema: &Value) -> Option<Self> {
        let mut c = Compiler { root: schema, nodes: Vec::new(), refs: HashMap::new() };
        c.node(schema)?;
        Some(OnePass { nodes: c.nodes })
    }

    /// True only when `payload` (JSON text) is proven valid against the schema.
    pub fn proves_valid(&self, payload: &[u8]) -> bool {
        let mut j = Jiter::new(payload);
        let Ok(peek) = j.peek() else { return false };
        self.check(&mut j, 0, peek, 0).is_some() && j.finish().is_ok()
    }

    /// Validates the value at the parser's position (already peeked) against node `id`.
    pub(crate) fn check(&self, j: &mut Jiter<'_>, id: NodeId, peek: Peek, depth: u32) -> Option<()> {
        if depth > 64 {
            return None;
        }
        match &self.nodes[id] {
            Node::Any => j.known_skip(peek).ok(),
            Node::Boolean => {
                if !matches!(peek, Peek::True | Peek::False) {
                    return None;
                }
                j.known_bool(peek).ok().map(drop)
            }
            Node::String { max_len, min_len, allowed, date_time } => {
                if peek != Peek::String {
                    return None;
                }
                let s = j.known_str().ok()?;
                // Lengths count characters; characters are only counted when the byte length (an
                // upper bound of the count) does not settle it.
                let chars = || s.chars().count() as u64;
                if max_len.is_some_and(|m| s.len() as u64 > m && chars() > m) || min_len.is_some_and(|m| chars() < m) {
                    return None;
                }
                if let Some(allowed) = allowed {
                    if !allowed.iter().any(|a| **a == *s) {
                        return None;
                    }
                }
                if *date_time && !super::rfc3339::is_date_time(s) {
                    return None;
                }
                Some(())
            }
            Node::Number { integer, min, max } => {
                if !peek.is_num() {
                    return None;
                }
                let v = match j.known_number(peek).ok()? {
                    NumberAny::Int(NumberInt::Int(i)) if (-EXACT_F64..=EXACT_F64).contains(&i) => i as f64,
                    NumberAny::Float(f) if f.is_finite() && f.abs() <= EXACT_F64 as f64 => {
                        // Draft 6: a number with a zero fractional part is an integer.
                        if *integer && f.fract() != 0.0 {
                            return None;
                        }
                        f
                    }
                    _ => return None,
                };
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    return None;
                }
                Some(())
            }
            Node::Array { items, min, max } => {
                if peek != Peek::Array {
                    return None;
                }
                let mut count = 0u64;
                let mut next = j.known_array().ok()?;
                while let Some(p) = next {
                    self.check(j, *items, p, depth + 1)?;
                    count += 1;
                    next = j.array_step().ok()?;
                }
                if min.is_some_and(|m| count < m) || max.is_some_and(|m| count > m) {
                    return None;
                }
                Some(())
            }
            Node::Object { props, required, additional } => {
                if peek != Peek::Object {
                    return None;
                }
                let mut seen: u128 = 0;
                let mut key = j.known_object().ok()?.map(|k| find(props, k));
                while let Some(found) = key {
                    let p = j.peek().ok()?;
                    match found {
                        Some(i) => {
                            let bit = 1u128 << i;
                            if seen & bit != 0 {
                                return None; // duplicate key: the full validator decides
                            }
                            seen |= bit;
                            self.check(j, props[i].1, p, depth + 1)?;
                        }
                        None if *additional => j.known_skip(p).ok()?,
                        None => return None,
                    }
                    key = j.next_key().ok()?.map(|k| find(props, k));
                }
                (seen & required == *required).then_some(())
            }
            Node::Pending => None,
        }
    }
}

fn find(props: &[(Box<str>, NodeId)], key: &str) -> Option<usize> {
    props.iter().position(|(name, _)| **name == *key)
}

struct Compiler<'s> {
    root: &'s Value,
    nodes: Vec<Node>,
    refs: HashMap<&'s str, NodeId>,
}

impl<'s> Compiler<'s> {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(&mut self, schema: &'s Value) -> Option<NodeId> {
        let obj = schema.as_object()?;
        if let Some(r) = obj.get("$ref") {
            // Draft 6: siblings of $ref are ignored.
            return self.reference(r.as_str()?);
        }
        let id = self.push(Node::Pending);
        let known = |k: &str| {
            ANNOTATIONS.contains(&k)
                || matches!(
                    k,
                    "type" | "properties" | "required" | "additionalProperties" | "items" | "additionalItems"
                        | "minItems" | "maxItems" | "maxLength" | "minLength" | "enum" | "minimum"
                        | "maximum" | "format"
                )
        };
        if !obj.keys().all(|k| known(k)) {
            return None;
        }
        // `enum` constrains every type; it is modelled for strings only.
        if obj.contains_key("enum") && obj.get("type").and_then(Value::as_str) != Some("string") {
            return None;
        }
        let u = |k: &str| obj.get(k).map(|v| v.as_u64()).map_or(Some(None), |v| v.map(Some));
        let f = |k: &str| obj.get(k).map(|v| v.as_f64()).map_or(Some(None), |v| v.map(Some));
        let node = match obj.get("type").map(|t| t.as_str()) {
            None => (obj.len() == obj.keys().filter(|k| ANNOTATIONS.contains(&k.as_str())).count()).then_some(Node::Any)?,
            Some(Some("object")) => {
                let mut props: Vec<(Box<str>, NodeId)> = Vec::new();
                if let Some(p) = obj.get("properties") {
                    for (name, sub) in p.as_object()? {
                        let child = self.node(sub)?;
                        props.push((name.as_str().into(), child));
                    }
                }
                if props.len() > 128 {
                    return None;
                }
                let mut required = 0u128;
                for r in obj.get("required").map(|r| r.as_array()).unwrap_or(Some(&Vec::new()))? {
                    let name = r.as_str()?;
                    let i = props.iter().position(|(n, _)| **n == *name)?;
                    required |= 1 << i;
                }
                let additional = match obj.get("additionalProperties") {
                    None | Some(Value::Bool(true)) => true,
                    Some(Value::Bool(false)) => false,
                    Some(_) => return None,
                };
                Node::Object { props, required, additional }
            }
            Some(Some("array")) => {
                // additionalItems only matters when items is a list of schemas.
                let items = obj.get("items")?;
                if items.is_array() {
                    return None;
                }
                Node::Array { items: self.node(items)?, min: u("minItems")?, max: u("maxItems")? }
            }
            Some(Some("string")) => {
                let allowed = match obj.get("enum") {
                    None => None,
                    Some(e) => Some(e.as_array()?.iter().map(|v| v.as_str().map(Into::into)).collect::<Option<Vec<_>>>()?),
                };
                let date_time = match obj.get("format").map(Value::as_str) {
                    None => false,
                    Some(Some("date-time")) => true,
                    Some(_) => return None,
                };
                Node::String { max_len: u("maxLength")?, min_len: u("minLength")?, allowed, date_time }
            }
            Some(Some(t @ ("integer" | "number"))) => {
                if obj.contains_key("enum") || obj.contains_key("format") {
                    return None;
                }
                Node::Number { integer: t == "integer", min: f("minimum")?, max: f("maximum")? }
            }
            Some(Some("boolean")) => Node::Boolean,
            _ => return None,
        };
        self.nodes[id] = node;
        Some(id)
    }

    fn reference(&mut self, r: &'s str) -> Option<NodeId> {
        let name = r.strip_prefix("#/definitions/")?;
        if let Some(&id) = self.refs.get(name) {
            return Some(id);
        }
        let target = self.root.get("definitions")?.get(name)?;
        // Reserve the slot first so that recursive definitions terminate.
        let slot = self.push(Node::Pending);
        self.refs.insert(name, slot);
        let id = self.node(target)?;
        self.nodes.swap(slot, id);
        // `id` now holds Pending and nothing points at it: make it inert.
        self.nodes[id] = Node::Pending;
        Some(slot)
    }
}
