//! The official OCPP JSON schemas of one protocol version, each compiled once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonschema::{Draft, Validator};
use serde_json::Value;

use super::error::{FrameError, RpcErrorCode};
use super::frame::{MessageType, RawFrame};
use super::violation::Violation;

/// Which schema of an action applies: the request (CALL, SEND) or the response (CALLRESULT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    Request,
    Response,
}

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("cannot read schema directory {dir}: {source}")]
    Dir { dir: PathBuf, source: std::io::Error },
    #[error("cannot read schema {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("schema {path} is not valid JSON: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("schema {path} does not compile: {message}")]
    Compile { path: PathBuf, message: String },
    #[error("no OCPP schemas (*Request.json / *Response.json) found in {dir}")]
    Empty { dir: PathBuf },
}

#[derive(Default)]
struct ActionSchemas {
    request: Option<Validator>,
    response: Option<Validator>,
}

/// All actions of one OCPP version, keyed by action name.
pub struct SchemaSet {
    actions: HashMap<String, ActionSchemas>,
}

impl SchemaSet {
    /// Loads and compiles every `<Action>Request.json`, `<Action>Response.json` and one-way
    /// `<Action>.json` (SEND payloads, new in 2.1) in `dir`. Draft-06 semantics as the files
    /// declare; `format` (date-time, uri) is asserted, not only annotated.
    pub fn load_dir(dir: &Path) -> Result<Self, SchemaError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|source| SchemaError::Dir { dir: dir.to_owned(), source })?;
        let mut actions: HashMap<String, ActionSchemas> = HashMap::new();
        for entry in entries {
            let path = entry.map_err(|source| SchemaError::Dir { dir: dir.to_owned(), source })?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            let (action, kind) = if let Some(a) = name.strip_suffix("Request") {
                (a, PayloadKind::Request)
            } else if let Some(a) = name.strip_suffix("Response") {
                (a, PayloadKind::Response)
            } else {
                (name, PayloadKind::Request)
            };
            let validator = compile_file(&path)?;
            let slot = actions.entry(action.to_owned()).or_default();
            match kind {
                PayloadKind::Request => slot.request = Some(validator),
                PayloadKind::Response => slot.response = Some(validator),
            }
        }
        if actions.is_empty() {
            return Err(SchemaError::Empty { dir: dir.to_owned() });
        }
        Ok(Self { actions })
    }

    /// Action names, sorted.
    pub fn actions(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.actions.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    pub fn has_action(&self, action: &str) -> bool {
        self.actions.contains_key(action)
    }

    /// True when the action is a one-way SEND (has a payload schema but no response schema).
    pub fn is_one_way(&self, action: &str) -> bool {
        self.actions.get(action).is_some_and(|a| a.response.is_none())
    }

    /// Validates a payload (JSON text of an object) against an action's request or response
    /// schema. Every violation is collected before returning.
    pub fn validate(&self, action: &str, kind: PayloadKind, payload: &str) -> Result<(), FrameError> {
        let Some(schemas) = self.actions.get(action) else {
            return Err(FrameError::new(
                RpcErrorCode::NotImplemented,
                format!("action {action:?} is not an action of this OCPP version"),
            ));
        };
        let validator = match kind {
            PayloadKind::Request => schemas.request.as_ref(),
            PayloadKind::Response => schemas.response.as_ref(),
        };
        let Some(validator) = validator else {
            return Err(FrameError::new(
                RpcErrorCode::ProtocolError,
                format!("action {action:?} has no {kind:?} (it is a one-way SEND)"),
            ));
        };
        let value: Value = serde_json::from_str(payload).map_err(|e| {
            FrameError::new(RpcErrorCode::FormatViolation, format!("payload is not valid JSON: {e}"))
        })?;
        if validator.is_valid(&value) {
            return Ok(());
        }
        let mut violations: Vec<Violation> =
            validator.iter_errors(&value).map(|e| Violation::from_schema_error(&e)).collect();
        violations.sort_by(|a, b| (a.code, &a.pointer).cmp(&(b.code, &b.pointer)));
        let first = &violations[0];
        let message = if violations.len() == 1 {
            format!("{action}{}: {} at {:?}", kind_suffix(kind), first.message, first.pointer)
        } else {
            format!(
                "{action}{}: {} violations, first: {} at {:?}",
                kind_suffix(kind),
                violations.len(),
                first.message,
                first.pointer
            )
        };
        let code = first.code;
        Err(FrameError { violations, ..FrameError::new(code, message) })
    }

    /// Validates a parsed frame's payload. `result_action` is the action of the CALL that a
    /// CALLRESULT answers (known only to the session that sent the CALL); without it a
    /// CALLRESULT's payload cannot be checked and is accepted as framed.
    pub fn validate_frame(
        &self,
        frame: &RawFrame<'_>,
        text: &str,
        result_action: Option<&str>,
    ) -> Result<(), FrameError> {
        let (action, kind) = match frame.message_type {
            MessageType::Call | MessageType::Send => {
                (frame.action.as_deref().unwrap_or_default(), PayloadKind::Request)
            }
            MessageType::CallResult => match result_action {
                Some(a) => (a, PayloadKind::Response),
                None => return Ok(()),
            },
            MessageType::CallError | MessageType::CallResultError => return Ok(()),
        };
        let one_way = self.is_one_way(action);
        let res = match frame.message_type {
            MessageType::Call if one_way => Err(FrameError::new(
                RpcErrorCode::ProtocolError,
                format!("{action} is a one-way message; it must be sent as SEND, not CALL"),
            )),
            MessageType::Send if self.has_action(action) && !one_way => Err(FrameError::new(
                RpcErrorCode::ProtocolError,
                format!("{action} expects a response; it must be sent as CALL, not SEND"),
            )),
            _ => self.validate(action, kind, frame.payload_str(text)),
        };
        res.map_err(|e| FrameError {
            unique_id: Some(frame.unique_id.clone().into_owned()),
            message_type: Some(frame.message_type as u8),
            action: Some(action.to_owned()),
            ..e
        })
    }
}

fn kind_suffix(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Request => "Request",
        PayloadKind::Response => "Response",
    }
}

fn compile_file(path: &Path) -> Result<Validator, SchemaError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SchemaError::Read { path: path.to_owned(), source })?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|source| SchemaError::Json { path: path.to_owned(), source })?;
    let draft = match schema.get("$schema").and_then(Value::as_str) {
        Some(s) if s.contains("draft-04") => Draft::Draft4,
        Some(s) if s.contains("draft-07") => Draft::Draft7,
        _ => Draft::Draft6,
    };
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| SchemaError::Compile { path: path.to_owned(), message: e.to_string() })
}
