//! ISO 15118-20 EXI through the `iso15118` crate's schema-informed codec, with messages in the
//! schema's own names (`view_out.rs`, `view_in.rs`): `decode(exi, namespace)` → `{"DC_ChargeLoopReq": {...}}` and
//! `encode` back. A decoding error names the root element, the EXI error and where in the stream
//! (the bit range) decoding stopped making sense.

use iso15118::app_protocol::{SupportedAppProtocolReq, SupportedAppProtocolRes};
use iso15118::exi::{Decoder, ExiDocument, ExiError};
use iso15118::iso20;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json_view::JsonSink;
use super::names::types;
use super::view_in::{from_view, ShapeError, Source};
use super::view_out::{to_view, Sink, ViewError};

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

impl From<ViewError> for V2gError {
    fn from(e: ViewError) -> Self {
        V2gError::Shape { path: String::new(), reason: e.0 }
    }
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

/// A decoded document of one of the namespaces, as the crate's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    App(AppDocument),
    Common(iso20::messages::Document),
    Ac(iso20::ac::Document),
    Dc(iso20::dc::Document),
}

/// The supportedAppProtocol document, which the crate has as two separate types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AppDocument {
    Req(SupportedAppProtocolReq),
    Res(SupportedAppProtocolRes),
}

impl Document {
    /// `exi` (an EXI body, without the V2GTP header) of `namespace`.
    pub fn parse(exi: &[u8], namespace: &str) -> Result<Self, V2gError> {
        document_type(namespace)?;
        Ok(match namespace {
            APP_PROTOCOL => match SupportedAppProtocolReq::from_bytes(exi) {
                Ok(req) => Document::App(AppDocument::Req(req)),
                Err(first) => match SupportedAppProtocolRes::from_bytes(exi) {
                    Ok(res) => Document::App(AppDocument::Res(res)),
                    Err(_) => return Err(located::<SupportedAppProtocolReq>(exi, first, namespace, 1, "supportedAppProtocol")),
                },
            },
            COMMON => Document::Common(decoded(exi, namespace, iso20::messages::DOCUMENT_WIDTH)?),
            AC => Document::Ac(decoded(exi, namespace, iso20::ac::DOCUMENT_WIDTH)?),
            _ => Document::Dc(decoded(exi, namespace, iso20::dc::DOCUMENT_WIDTH)?),
        })
    }

    /// The schema's view, built by `sink`: `{"<root element>": {...}}`.
    pub fn view<K: Sink>(&self, sink: &K) -> Result<K::Value, V2gError> {
        Ok(match self {
            Document::App(d) => to_view(sink, d, "app::Document"),
            Document::Common(d) => to_view(sink, d, "messages::Document"),
            Document::Ac(d) => to_view(sink, d, "ac::Document"),
            Document::Dc(d) => to_view(sink, d, "dc::Document"),
        }?)
    }

    /// The document of `namespace` from the schema's view of it, read through `source`; also the
    /// root element's name.
    pub fn from_view<S: Source>(view: S, namespace: &str) -> Result<(Self, String), V2gError> {
        let ty = document_type(namespace)?;
        let mut roots = Vec::new();
        let walked = view.entries(&mut |key, _| {
            roots.push(key.to_string());
            Ok(())
        });
        let element = match (walked, roots.len()) {
            (Some(Ok(())), 1) => roots.remove(0),
            _ => return Err(V2gError::Shape { path: String::new(), reason: "a message is a dict with one key, its root element".into() }),
        };
        let doc = match namespace {
            APP_PROTOCOL => Document::App(from_view(view, ty)?),
            COMMON => Document::Common(from_view(view, ty)?),
            AC => Document::Ac(from_view(view, ty)?),
            _ => Document::Dc(from_view(view, ty)?),
        };
        Ok((doc, element))
    }

    /// The EXI body; an error names `element` (the root) and what the encoder refused.
    pub fn to_exi(&self, namespace: &str, element: &str) -> Result<Vec<u8>, V2gError> {
        let exi = match self {
            Document::App(AppDocument::Req(d)) => d.to_vec(),
            Document::App(AppDocument::Res(d)) => d.to_vec(),
            Document::Common(d) => d.to_vec(),
            Document::Ac(d) => d.to_vec(),
            Document::Dc(d) => d.to_vec(),
        };
        exi.map_err(|e| V2gError::Encode { namespace: namespace.into(), element: element.into(), error: e.to_string() })
    }
}

/// `exi` (an EXI body, without the V2GTP header) → `{"<root element>": {...}}`.
pub fn decode(exi: &[u8], namespace: &str) -> Result<Value, V2gError> {
    Document::parse(exi, namespace)?.view(&JsonSink)
}

/// `{"<root element>": {...}}` → the EXI body.
pub fn encode(message: &Value, namespace: &str) -> Result<Vec<u8>, V2gError> {
    let (doc, element) = Document::from_view(message, namespace)?;
    doc.to_exi(namespace, &element)
}

fn decoded<T: ExiDocument>(exi: &[u8], namespace: &str, width: u32) -> Result<T, V2gError> {
    T::from_bytes(exi).map_err(|e| located::<T>(exi, e, namespace, width, ""))
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
