//! Between the crate's serde view of a message (Rust names: `DCChargeLoopReq`,
//! `ev_present_voltage`, a choice as `{"choice": {"Variant": …}}`) and the schema's view that
//! hilbench gives Python and external tools (`{"DC_ChargeLoopReq": {"EVPresentVoltage": …,
//! "Scheduled_DC_CLReqControlMode": …}}`): element names as the XSD spells them, a choice as the
//! chosen element itself, absent optional elements left out, binary values as upper-case hex.
//!
//! Hand-written because no library maps the crate's types to schema names; the names themselves
//! come from the crate's generated doc comments (`names.rs`), so nothing here knows a message.

use serde_json::{Map, Value};

use super::names::{types, Kind, TypeDef};

/// A message that does not fit the schema, with the element path where it stops fitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub path: String,
    pub reason: String,
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
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}/{}", self.name)
        } else {
            Ok(())
        }
    }
}

fn fail<T>(path: At<'_>, reason: impl Into<String>) -> Result<T> {
    Err(ShapeError { path: path.to_string(), reason: reason.into() })
}

fn wrapped<'a>(ty: &'a str, wrapper: &str) -> Option<&'a str> {
    ty.strip_prefix(wrapper).and_then(|t| t.strip_prefix('<')).and_then(|t| t.strip_suffix('>'))
}

fn typedef<'a>(ty: &str, path: At<'_>) -> Result<&'a TypeDef> {
    match types().get(ty) {
        Some(def) => Ok(def),
        None => fail(path, format!("no schema names for type {ty}")),
    }
}

fn is_choice(schema_name: &str) -> bool {
    schema_name.starts_with("choice of")
}

/// The crate's serde value of type `ty` → the schema's view.
pub fn to_schema(value: &Value, ty: &str, path: At<'_>) -> Result<Value> {
    if let Some(inner) = wrapped(ty, "Option").or_else(|| wrapped(ty, "Box")) {
        return if value.is_null() { Ok(Value::Null) } else { to_schema(value, inner, path) };
    }
    if let Some(inner) = wrapped(ty, "Vec") {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        return items.iter().map(|v| to_schema(v, inner, path)).collect::<Result<Vec<_>>>().map(Value::Array);
    }
    if ty == "bytes" {
        let bytes = value.as_array().map(Vec::as_slice).unwrap_or_default();
        let hex: String = bytes.iter().map(|b| format!("{:02X}", b.as_u64().unwrap_or(0))).collect();
        return Ok(Value::String(hex));
    }
    if !ty.contains("::") {
        return Ok(value.clone()); // bool, integers, String
    }
    let def = typedef(ty, path)?;
    match def.kind {
        Kind::Unit => Ok(Value::Object(Map::new())),
        Kind::Enum => enum_to_schema(value, def, path).map(|(name, content)| match content {
            Some(content) => Value::Object(Map::from_iter([(name, content)])),
            None => Value::String(name),
        }),
        Kind::Struct => {
            let object = value.as_object().cloned().unwrap_or_default();
            let mut out = Map::new();
            for (rust, schema, member_ty) in &def.members {
                let member_ty = member_ty.as_deref().unwrap_or_default();
                let v = object.get(rust).unwrap_or(&Value::Null);
                if v.is_null() {
                    continue; // an absent optional element
                }
                if is_choice(schema) {
                    let choice_ty = wrapped(member_ty, "Option").unwrap_or(member_ty);
                    let (name, content) = enum_to_schema(v, typedef(choice_ty, path)?, path)?;
                    out.insert(name, content.unwrap_or_else(|| Value::Object(Map::new())));
                } else {
                    let converted = to_schema(v, member_ty, path.child(schema))?;
                    if !converted.as_array().is_some_and(Vec::is_empty) {
                        out.insert(schema.clone(), converted); // an element occurring zero times is absent
                    }
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// An enum value: (schema name of the variant, its content if it has one).
fn enum_to_schema(value: &Value, def: &TypeDef, path: At<'_>) -> Result<(String, Option<Value>)> {
    let (variant, content) = match value {
        Value::String(s) => (s.as_str(), None),
        Value::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().expect("one entry");
            (k.as_str(), Some(v))
        }
        _ => return fail(path, format!("not an enum value: {value}")),
    };
    let Some((_, schema, member_ty)) = def.members.iter().find(|(rust, _, _)| rust == variant) else {
        return fail(path, format!("unknown variant {variant}"));
    };
    let content = match (content, member_ty) {
        (Some(c), Some(t)) => Some(to_schema(c, t, path.child(schema))?),
        _ => None,
    };
    Ok((schema.clone(), content))
}

/// The schema's view of a value of type `ty` → the crate's serde value.
pub fn from_schema(value: &Value, ty: &str, path: At<'_>) -> Result<Value> {
    if let Some(inner) = wrapped(ty, "Option").or_else(|| wrapped(ty, "Box")) {
        return if value.is_null() { Ok(Value::Null) } else { from_schema(value, inner, path) };
    }
    if let Some(inner) = wrapped(ty, "Vec") {
        let Some(items) = value.as_array() else { return fail(path, "expected a list") };
        return items.iter().map(|v| from_schema(v, inner, path)).collect::<Result<Vec<_>>>().map(Value::Array);
    }
    if ty == "bytes" {
        let Some(hex) = value.as_str() else { return fail(path, "expected hex text") };
        if hex.len() % 2 != 0 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return fail(path, format!("{hex:?} is not an even number of hex digits"));
        }
        let bytes = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"));
        return Ok(Value::Array(bytes.map(Value::from).collect()));
    }
    if !ty.contains("::") {
        return primitive(value, ty, path);
    }
    let def = typedef(ty, path)?;
    match def.kind {
        Kind::Unit => match value {
            Value::Object(o) if o.is_empty() => Ok(Value::Null),
            _ => fail(path, "an element without content is written as {}"),
        },
        Kind::Enum => {
            let (name, content) = match value {
                Value::String(s) => (s.as_str(), None),
                Value::Object(o) if o.len() == 1 => {
                    let (k, v) = o.iter().next().expect("one entry");
                    (k.as_str(), Some(v))
                }
                _ => return fail(path, format!("expected one of {}", names(def))),
            };
            enum_from_schema(name, content, def, path)
        }
        Kind::Struct => {
            let Some(object) = value.as_object() else { return fail(path, "expected an element (a dict)") };
            let mut used = 0;
            let mut out = Map::new();
            for (rust, schema, member_ty) in &def.members {
                let member_ty = member_ty.as_deref().unwrap_or_default();
                let optional = member_ty.starts_with("Option<");
                if is_choice(schema) {
                    let choice_ty = wrapped(member_ty, "Option").unwrap_or(member_ty);
                    let choice = typedef(choice_ty, path)?;
                    let present: Vec<&String> = choice.members.iter().map(|m| &m.1).filter(|n| object.contains_key(*n)).collect();
                    match present.as_slice() {
                        [one] => {
                            used += 1;
                            out.insert(rust.clone(), enum_from_schema(one, object.get(*one), choice, path)?);
                        }
                        [] if optional => {
                            out.insert(rust.clone(), Value::Null);
                        }
                        [] => return fail(path, format!("missing one of {}", names(choice))),
                        _ => return fail(path, format!("more than one of {}", names(choice))),
                    }
                    continue;
                }
                match object.get(schema) {
                    Some(v) => {
                        used += 1;
                        out.insert(rust.clone(), from_schema(v, member_ty, path.child(schema))?);
                    }
                    None if optional => {
                        out.insert(rust.clone(), Value::Null);
                    }
                    None if member_ty.starts_with("Vec<") => {
                        out.insert(rust.clone(), Value::Array(vec![]));
                    }
                    None => return fail(path.child(schema), "missing"),
                }
            }
            if used < object.len() {
                let known: Vec<&str> = def.members.iter().map(|m| m.1.as_str()).collect();
                let choices: Vec<String> = def.members.iter().filter(|m| is_choice(&m.1))
                    .filter_map(|m| types().get(wrapped(m.2.as_deref().unwrap_or_default(), "Option").unwrap_or(m.2.as_deref().unwrap_or_default())))
                    .flat_map(|c| c.members.iter().map(|x| x.1.clone())).collect();
                if let Some(k) = object.keys().find(|k| !known.contains(&k.as_str()) && !choices.contains(k)) {
                    return fail(path.child(k), "not an element of this type");
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn enum_from_schema(name: &str, content: Option<&Value>, def: &TypeDef, path: At<'_>) -> Result<Value> {
    let Some((rust, schema, member_ty)) = def.members.iter().find(|m| m.1 == name) else {
        return fail(path, format!("{name:?} is not one of {}", names(def)));
    };
    Ok(match member_ty {
        Some(t) => Value::Object(Map::from_iter([(
            rust.clone(),
            from_schema(content.unwrap_or(&Value::Null), t, path.child(schema))?,
        )])),
        None => Value::String(rust.clone()),
    })
}

fn primitive(value: &Value, ty: &str, path: At<'_>) -> Result<Value> {
    let ok = match ty {
        "bool" => value.is_boolean(),
        "String" => value.is_string(),
        "u8" | "u16" | "u32" | "u64" => value.as_u64().is_some_and(|v| match ty {
            "u8" => v <= u8::MAX as u64,
            "u16" => v <= u16::MAX as u64,
            "u32" => v <= u32::MAX as u64,
            _ => true,
        }),
        "i8" | "i16" | "i32" | "i64" => value.as_i64().is_some_and(|v| match ty {
            "i8" => i8::try_from(v).is_ok(),
            "i16" => i16::try_from(v).is_ok(),
            "i32" => i32::try_from(v).is_ok(),
            _ => true,
        }),
        _ => false,
    };
    if ok { Ok(value.clone()) } else { fail(path, format!("{value} is not a {ty}")) }
}

fn names(def: &TypeDef) -> String {
    def.members.iter().map(|m| m.1.as_str()).collect::<Vec<_>>().join(", ")
}
