//! The official OCPP JSON schemas of one protocol version, each compiled once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiter::{Jiter, NumberInt, Peek};
use jsonschema::{Draft, Validator};
use serde_json::Value;

use super::error::{FrameError, RpcErrorCode};
use super::frame::{parse_frame, MessageType, RawFrame, MAX_UNIQUE_ID_LEN};
use super::onepass::OnePass;
use super::violation::Violation;

/// Which schema of an action applies: the request (CALL, SEND) or the response (CALLRESULT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    Request,
    Response,
}

impl PayloadKind {
    pub fn of(response: bool) -> Self {
        if response {
            Self::Response
        } else {
            Self::Request
        }
    }
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
    request_fast: Option<OnePass>,
    response_fast: Option<OnePass>,
}

impl ActionSchemas {
    fn fast(&self, kind: PayloadKind) -> Option<&OnePass> {
        match kind {
            PayloadKind::Request => self.request_fast.as_ref(),
            PayloadKind::Response => self.response_fast.as_ref(),
        }
    }
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
            let (validator, fast) = compile_file(&path)?;
            let slot = actions.entry(action.to_owned()).or_default();
            match kind {
                PayloadKind::Request => (slot.request, slot.request_fast) = (Some(validator), fast),
                PayloadKind::Response => (slot.response, slot.response_fast) = (Some(validator), fast),
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
        self.validate_with(action, kind, payload, true)
    }

    /// `validate`, optionally without the one-pass shortcut (the full validator decides alone).
    pub fn validate_with(&self, action: &str, kind: PayloadKind, payload: &str, one_pass: bool) -> Result<(), FrameError> {
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
        if one_pass && schemas.fast(kind).is_some_and(|f| f.proves_valid(payload.as_bytes())) {
            return Ok(());
        }
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
        let res = match self.actions.get(action).map(|a| wrong_rpc_type(frame.message_type, a)) {
            Some(true) if frame.message_type == MessageType::Call => Err(FrameError::new(
                RpcErrorCode::ProtocolError,
                format!("{action} is a one-way message; it must be sent as SEND, not CALL"),
            )),
            Some(true) => Err(FrameError::new(
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

impl SchemaSet {
    /// Parses a frame and validates its payload: in one pass over the text when the frame is a
    /// well-formed CALL, SEND or (with `result_action`) CALLRESULT with a valid payload; otherwise
    /// through `parse_frame` and the full validator, which name every problem.
    pub fn parse_validated<'t>(&self, text: &'t str, result_action: Option<&str>) -> Result<RawFrame<'t>, FrameError> {
        if let Some(frame) = self.one_pass_frame(text, result_action) {
            return Ok(frame);
        }
        let frame = parse_frame(text)?;
        self.validate_frame(&frame, text, result_action)?;
        Ok(frame)
    }

    /// Number of schemas (request and response) that have the one-pass path.
    pub fn one_pass_coverage(&self) -> (usize, usize) {
        let all = self.actions.values().flat_map(|a| [a.request.is_some(), a.response.is_some()]).filter(|x| *x).count();
        let fast = self.actions.values().flat_map(|a| [a.request_fast.is_some(), a.response_fast.is_some()]).filter(|x| *x).count();
        (fast, all)
    }

    /// Whether the one-pass path proves a payload valid (`None`: no one-pass model for it).
    pub fn one_pass_verdict(&self, action: &str, kind: PayloadKind, payload: &str) -> Option<bool> {
        Some(self.actions.get(action)?.fast(kind)?.proves_valid(payload.as_bytes()))
    }

    fn one_pass_frame<'t>(&self, text: &'t str, result_action: Option<&str>) -> Option<RawFrame<'t>> {
        let mut j = Jiter::new(text.as_bytes());
        let first = j.next_array().ok()??;
        let NumberInt::Int(type_id) = j.known_int(first).ok()?;
        let message_type = MessageType::from_id(u64::try_from(type_id).ok()?)?;
        let unique_id = next_string(&mut j, text)?;
        if unique_id.is_empty() || unique_id.chars().count() > MAX_UNIQUE_ID_LEN {
            return None;
        }
        let (action, kind) = match message_type {
            MessageType::Call | MessageType::Send => {
                let a = next_string(&mut j, text)?;
                (Some(a), PayloadKind::Request)
            }
            MessageType::CallResult => (None, PayloadKind::Response),
            MessageType::CallError | MessageType::CallResultError => return None,
        };
        let name: &str = match (&action, result_action) {
            (Some(a), _) => a,
            (None, Some(r)) => r,
            (None, None) => return None,
        };
        let schemas = self.actions.get(name)?;
        if wrong_rpc_type(message_type, schemas) {
            return None;
        }
        let peek = j.array_step().ok()??;
        if peek != Peek::Object {
            return None;
        }
        let start = j.current_index();
        schemas.fast(kind)?.check(&mut j, 0, peek, 0)?;
        let end = j.current_index();
        if j.array_step().ok()?.is_some() || j.finish().is_err() {
            return None;
        }
        Some(RawFrame { message_type, unique_id, action, error_code: None, error_description: None, payload: start..end })
    }
}

/// A one-way action (no response schema) sent as CALL, or an action with a response sent as SEND.
fn wrong_rpc_type(message_type: MessageType, schemas: &ActionSchemas) -> bool {
    let one_way = schemas.response.is_none();
    (message_type == MessageType::Call && one_way) || (message_type == MessageType::Send && !one_way)
}

/// The next array element as a string borrowed from `text` when it has no escapes.
fn next_string<'t>(j: &mut Jiter<'_>, text: &'t str) -> Option<Cow<'t, str>> {
    if j.array_step().ok()?? != Peek::String {
        return None;
    }
    let s = j.known_str().ok()?;
    let base = text.as_ptr() as usize;
    let at = s.as_ptr() as usize;
    Some(if at >= base && at + s.len() <= base + text.len() {
        Cow::Borrowed(&text[at - base..at - base + s.len()])
    } else {
        Cow::Owned(s.to_owned())
    })
}

fn kind_suffix(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Request => "Request",
        PayloadKind::Response => "Response",
    }
}

fn compile_file(path: &Path) -> Result<(Validator, Option<OnePass>), SchemaError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SchemaError::Read { path: path.to_owned(), source })?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|source| SchemaError::Json { path: path.to_owned(), source })?;
    let draft = match schema.get("$schema").and_then(Value::as_str) {
        Some(s) if s.contains("draft-04") => Draft::Draft4,
        Some(s) if s.contains("draft-07") => Draft::Draft7,
        _ => Draft::Draft6,
    };
    let validator = jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| SchemaError::Compile { path: path.to_owned(), message: e.to_string() })?;
    // The one-pass model follows draft-06 semantics only.
    let fast = (draft == Draft::Draft6).then(|| OnePass::compile(&schema)).flatten();
    Ok((validator, fast))
}
