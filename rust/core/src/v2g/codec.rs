//! ISO 15118-20 EXI through the `iso15118` crate's schema-informed codec, with messages in the
//! schema's own names (`shape.rs`): `decode(exi, namespace)` → `{"DC_ChargeLoopReq": {...}}` and
//! `encode` back. A decoding error names the root element, the EXI error and where in the stream
//! (the bit range) decoding stopped making sense.

use iso15118::app_protocol::{SupportedAppProtocolReq, SupportedAppProtocolRes};
use iso15118::exi::{Decoder, ExiDocument, ExiError};
use iso15118::iso20;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::names::types;
use super::shape::{from_schema, to_schema, At, ShapeError};

pub const APP_PROTOCOL: &str = "urn:iso:15118:2:2010:AppProtocol";
pub const COMMON: &str = "urn:iso:std:iso:15118:-20:CommonMessages";
pub const AC: &str = "urn:iso:std:iso:15118:-20:AC";
pub const DC: &str = "urn:iso:std:iso:15118:-20:DC";
pub const NAMESPACES: [&str; 4] = [APP_PROTOCOL, COMMON, AC, DC];

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum V2gError {
    #[error("unknown namespace {0:?} (known: {known})", known = NAMESPACES.join(", "))]
    UnknownNamespace(String),
    #[error("EXI ({namespace}): {error} while decoding {element}, between bits {bit_from} and {bit_to} of {bits}")]
    Decode { namespace: String, element: String, error: String, bit_from: usize, bit_to: usize, bits: usize },
    #[error("{path}: {reason}")]
    Shape { path: String, reason: String },
    #[error("EXI ({namespace}): cannot encode {element}: {error}")]
    Encode { namespace: String, element: String, error: String },
}

impl From<ShapeError> for V2gError {
    fn from(e: ShapeError) -> Self {
        V2gError::Shape { path: e.path, reason: e.reason }
    }
}

/// The crate's type of a namespace's documents (its `Document` enum), in `schema_names.json`.
fn document_type(namespace: &str) -> Result<&'static str, V2gError> {
    Ok(match namespace {
        APP_PROTOCOL => "app::Document",
        COMMON => "messages::Document",
        AC => "ac::Document",
        DC => "dc::Document",
        other => return Err(V2gError::UnknownNamespace(other.to_string())),
    })
}

/// `exi` (an EXI body, without the V2GTP header) → `{"<root element>": {...}}`.
pub fn decode(exi: &[u8], namespace: &str) -> Result<Value, V2gError> {
    let ty = document_type(namespace)?;
    let raw = match namespace {
        APP_PROTOCOL => match SupportedAppProtocolReq::from_bytes(exi) {
            Ok(req) => wrap("Req", &req),
            Err(first) => match SupportedAppProtocolRes::from_bytes(exi) {
                Ok(res) => wrap("Res", &res),
                Err(_) => return Err(located::<SupportedAppProtocolReq>(exi, first, namespace, 1, "supportedAppProtocol")),
            },
        },
        COMMON => decoded::<iso20::messages::Document>(exi, namespace, iso20::messages::DOCUMENT_WIDTH)?,
        AC => decoded::<iso20::ac::Document>(exi, namespace, iso20::ac::DOCUMENT_WIDTH)?,
        _ => decoded::<iso20::dc::Document>(exi, namespace, iso20::dc::DOCUMENT_WIDTH)?,
    };
    Ok(to_schema(&raw, ty, At::ROOT)?)
}

/// `{"<root element>": {...}}` → the EXI body.
pub fn encode(message: &Value, namespace: &str) -> Result<Vec<u8>, V2gError> {
    let ty = document_type(namespace)?;
    let element = match message.as_object() {
        Some(o) if o.len() == 1 => o.keys().next().cloned().unwrap_or_default(),
        _ => return Err(V2gError::Shape { path: String::new(), reason: "a message is a dict with one key, its root element".into() }),
    };
    let raw = from_schema(message, ty, At::ROOT)?;
    let fail = |error: String| V2gError::Encode { namespace: namespace.into(), element: element.clone(), error };
    let typed = |raw: Value| -> Result<Vec<u8>, V2gError> {
        match namespace {
            APP_PROTOCOL => {
                let (variant, body) = raw.as_object().and_then(|o| o.iter().next()).map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
                if variant == "Req" {
                    to_vec::<SupportedAppProtocolReq>(body)
                } else {
                    to_vec::<SupportedAppProtocolRes>(body)
                }
            }
            COMMON => to_vec::<iso20::messages::Document>(raw),
            AC => to_vec::<iso20::ac::Document>(raw),
            _ => to_vec::<iso20::dc::Document>(raw),
        }
        .map_err(fail)
    };
    typed(raw)
}

fn wrap<T: Serialize>(variant: &str, value: &T) -> Value {
    Value::Object(Map::from_iter([(variant.to_string(), serde_json::to_value(value).expect("serialisable"))]))
}

fn to_vec<T: DeserializeOwned + ExiDocument>(raw: Value) -> Result<Vec<u8>, String> {
    let doc: T = serde_json::from_value(raw).map_err(|e| e.to_string())?;
    doc.to_vec().map_err(|e| e.to_string())
}

fn decoded<T: ExiDocument + Serialize>(exi: &[u8], namespace: &str, width: u32) -> Result<Value, V2gError> {
    match T::from_bytes(exi) {
        Ok(doc) => Ok(serde_json::to_value(&doc).expect("serialisable")),
        Err(e) => Err(located::<T>(exi, e, namespace, width, "")),
    }
}

/// Where decoding failed. The crate's decoder does not report its position, so the bit range
/// is found from the outside: the shortest prefix of `exi` that fails the same way ends in the
/// byte where the stream stops making sense (a truncation is at the end; trailing data starts
/// where the shortest decodable prefix ends). The root element comes from the document's
/// event code.
fn located<T: ExiDocument>(exi: &[u8], error: ExiError, namespace: &str, width: u32, fallback: &str) -> V2gError {
    let bits = exi.len() * 8;
    let (bit_from, bit_to) = match error {
        ExiError::UnexpectedEnd => (bits, bits),
        ExiError::TrailingData => {
            let end = (1..=exi.len()).find(|&l| T::from_bytes(&exi[..l]).is_ok()).unwrap_or(exi.len());
            (end * 8, end * 8)
        }
        _ => {
            let at = (1..=exi.len()).find(|&l| T::from_bytes(&exi[..l]).err() == Some(error)).unwrap_or(exi.len());
            ((at - 1) * 8, at * 8)
        }
    };
    V2gError::Decode {
        namespace: namespace.into(),
        element: root_element(exi, namespace, width).unwrap_or_else(|| if fallback.is_empty() { "the document".into() } else { fallback.into() }),
        error: error.to_string(),
        bit_from,
        bit_to,
        bits,
    }
}

/// The root element a document starts with, from its EXI header and document event code.
fn root_element(exi: &[u8], namespace: &str, width: u32) -> Option<String> {
    if namespace == APP_PROTOCOL {
        return None;
    }
    let mut d = Decoder::new(exi);
    d.read_header().ok()?;
    let code = d.event(width).ok()?;
    let ty = document_type(namespace).ok()?;
    types().get(ty)?.members.iter()
        .find(|m| m.2.as_deref().and_then(|t| types().get(t)).and_then(|t| t.document_code) == Some(code))
        .map(|m| m.1.clone())
}
