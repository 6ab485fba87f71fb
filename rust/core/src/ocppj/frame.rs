//! Zero-copy parsing of one OCPP-J websocket text message into a frame.
//!
//! The frame borrows from the input: the unique id and action are `Cow::Borrowed` unless they
//! contain JSON escapes, and the payload is a byte range into the input. The payload is not
//! parsed here; schema validation (see `SchemaSet`) parses it when asked.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::value::RawValue;

use super::error::{FrameError, RpcErrorCode as C};

/// The OCPP-J spec limits message ids to 36 characters (a UUID in text form).
pub const MAX_UNIQUE_ID_LEN: usize = 36;

/// The message id to answer with when the received id cannot be read. ⚠ The value "-1" is the
/// convention of OCPP-J implementations for this case; the 2.1 text was not available to confirm it.
pub const UNREADABLE_ID: &str = "-1";

/// The RPC message types of OCPP-J 2.1 (2.0.1 has 2, 3 and 4 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    Call = 2,
    CallResult = 3,
    CallError = 4,
    CallResultError = 5,
    Send = 6,
}

impl MessageType {
    pub fn from_id(id: u64) -> Option<Self> {
        Some(match id {
            2 => Self::Call,
            3 => Self::CallResult,
            4 => Self::CallError,
            5 => Self::CallResultError,
            6 => Self::Send,
            _ => return None,
        })
    }

    /// Number of array elements a frame of this type has.
    pub fn arity(self) -> usize {
        match self {
            Self::Call | Self::Send => 4,
            Self::CallResult => 3,
            Self::CallError | Self::CallResultError => 5,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Call => "CALL",
            Self::CallResult => "CALLRESULT",
            Self::CallError => "CALLERROR",
            Self::CallResultError => "CALLRESULTERROR",
            Self::Send => "SEND",
        }
    }
}

/// One parsed frame. `payload` is the byte range of the payload object (CALL, CALLRESULT, SEND)
/// or of the error details object (CALLERROR, CALLRESULTERROR) within the input text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame<'a> {
    pub message_type: MessageType,
    pub unique_id: Cow<'a, str>,
    /// The action of a CALL or SEND.
    pub action: Option<Cow<'a, str>>,
    /// Error code of a CALLERROR / CALLRESULTERROR, as received.
    pub error_code: Option<Cow<'a, str>>,
    /// Error description of a CALLERROR / CALLRESULTERROR.
    pub error_description: Option<Cow<'a, str>>,
    pub payload: Range<usize>,
}

impl<'a> RawFrame<'a> {
    pub fn payload_str<'t>(&self, text: &'t str) -> &'t str {
        &text[self.payload.clone()]
    }
}

/// Maximum length of a CALLERROR's errorDescription (OCPP-J: string[0..255]).
const MAX_ERROR_DESCRIPTION_LEN: usize = 255;

/// Parses one websocket text message. Checks the RPC structure only; the payload's schema is
/// checked by `SchemaSet::validate_frame`.
pub fn parse_frame(text: &str) -> Result<RawFrame<'_>, FrameError> {
    let elements: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(unparsable(text, &e)),
    };
    let first = elements.first().ok_or_else(|| {
        FrameError::new(C::RpcFrameworkError, "frame is an empty array; no message type id")
    })?;
    let type_id: u64 = serde_json::from_str(first.get()).map_err(|_| {
        FrameError::new(
            C::RpcFrameworkError,
            format!("message type id must be an integer, got {}", clip(first.get())),
        )
    })?;
    let id = elements.get(1).map(|raw| read_string(raw));
    let readable_id = match &id {
        Some(Ok(s)) => Some(s.as_ref()),
        _ => None,
    };
    let type_byte = u8::try_from(type_id).ok();
    let Some(message_type) = MessageType::from_id(type_id) else {
        return Err(FrameError::new(
            C::MessageTypeNotSupported,
            format!("message type id {type_id} is not one of 2, 3, 4, 5, 6"),
        )
        .with_id(readable_id, type_byte));
    };
    let unique_id = match id {
        None => {
            return Err(FrameError::new(C::RpcFrameworkError, "frame has no message id")
                .with_id(None, type_byte))
        }
        Some(Err(got)) => {
            return Err(FrameError::new(
                C::RpcFrameworkError,
                format!("message id must be a string, got {got}"),
            )
            .with_id(None, type_byte))
        }
        Some(Ok(id)) => id,
    };
    let id_chars = unique_id.chars().count();
    if id_chars == 0 || id_chars > MAX_UNIQUE_ID_LEN {
        return Err(FrameError::new(
            C::RpcFrameworkError,
            format!("message id must be 1 to {MAX_UNIQUE_ID_LEN} characters, got {id_chars}"),
        )
        .with_id(None, type_byte));
    }
    let fail = |code, msg: String| Err(FrameError::new(code, msg).with_id(Some(&unique_id), type_byte));
    if elements.len() != message_type.arity() {
        return fail(
            C::RpcFrameworkError,
            format!(
                "a {} frame has {} elements, got {}",
                message_type.name(),
                message_type.arity(),
                elements.len()
            ),
        );
    }
    let object_range = |raw: &RawValue| -> Option<Range<usize>> {
        let s = raw.get();
        s.starts_with('{').then(|| offset(text, s))
    };
    let mut frame = RawFrame {
        message_type,
        unique_id: Cow::Borrowed(""),
        action: None,
        error_code: None,
        error_description: None,
        payload: 0..0,
    };
    match message_type {
        MessageType::Call | MessageType::Send => {
            let action = match read_string(elements[2]) {
                Ok(a) if !a.is_empty() => a,
                Ok(_) => return fail(C::RpcFrameworkError, "action is an empty string".into()),
                Err(got) => {
                    return fail(C::RpcFrameworkError, format!("action must be a string, got {got}"))
                }
            };
            let Some(range) = object_range(elements[3]) else {
                return Err(FrameError {
                    action: Some(action.into_owned()),
                    ..FrameError::new(
                        C::FormatViolation,
                        format!("payload must be a JSON object, got {}", clip(elements[3].get())),
                    )
                    .with_id(Some(&unique_id), type_byte)
                });
            };
            frame.action = Some(action);
            frame.payload = range;
        }
        MessageType::CallResult => {
            let Some(range) = object_range(elements[2]) else {
                return fail(
                    C::FormatViolation,
                    format!("payload must be a JSON object, got {}", clip(elements[2].get())),
                );
            };
            frame.payload = range;
        }
        MessageType::CallError | MessageType::CallResultError => {
            let code = match read_string(elements[2]) {
                Ok(c) => c,
                Err(got) => {
                    return fail(C::FormatViolation, format!("errorCode must be a string, got {got}"))
                }
            };
            if code.parse::<C>().is_err() {
                return fail(
                    C::PropertyConstraintViolation,
                    format!("errorCode {code:?} is not an OCPP-J error code"),
                );
            }
            let description = match read_string(elements[3]) {
                Ok(d) => d,
                Err(got) => {
                    return fail(
                        C::FormatViolation,
                        format!("errorDescription must be a string, got {got}"),
                    )
                }
            };
            let n = description.chars().count();
            if n > MAX_ERROR_DESCRIPTION_LEN {
                return fail(
                    C::PropertyConstraintViolation,
                    format!("errorDescription has {n} characters, at most {MAX_ERROR_DESCRIPTION_LEN} allowed"),
                );
            }
            let Some(range) = object_range(elements[4]) else {
                return fail(
                    C::FormatViolation,
                    format!("errorDetails must be a JSON object, got {}", clip(elements[4].get())),
                );
            };
            frame.error_code = Some(code);
            frame.error_description = Some(description);
            frame.payload = range;
        }
    }
    frame.unique_id = unique_id;
    Ok(frame)
}

/// The text is not a JSON array. Still try to read the message type and id, so that a CALL whose
/// payload is broken JSON can be answered with FormatViolation against its own id.
fn unparsable(text: &str, err: &serde_json::Error) -> FrameError {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('[') {
        let what = if serde_json::from_str::<&RawValue>(text).is_ok() {
            "frame must be a JSON array"
        } else {
            "frame is not valid JSON"
        };
        return FrameError::new(C::RpcFrameworkError, format!("{what}: {err}"));
    }
    match read_prefix(trimmed) {
        Some((type_id, id)) if MessageType::from_id(type_id).is_some() => {
            FrameError::new(C::FormatViolation, format!("frame is not valid JSON: {err}"))
                .with_id(Some(id), u8::try_from(type_id).ok())
        }
        _ => FrameError::new(C::RpcFrameworkError, format!("frame is not valid JSON: {err}")),
    }
}

/// Reads `[<digits>, "<id without escapes>"` from the start of a broken frame.
fn read_prefix(s: &str) -> Option<(u64, &str)> {
    let s = s.strip_prefix('[')?.trim_start();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let type_id = s[..digits].parse().ok()?;
    let s = s[digits..].trim_start().strip_prefix(',')?.trim_start().strip_prefix('"')?;
    let end = s.find(['"', '\\'])?;
    let id = &s[..end];
    (s.as_bytes()[end] == b'"' && !id.is_empty() && id.chars().count() <= MAX_UNIQUE_ID_LEN)
        .then_some((type_id, id))
}

/// A JSON string element, borrowed when it has no escapes; on error, a clip of what was found.
fn read_string(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        // A string with escapes cannot be borrowed; only then is it copied.
        Err(_) => serde_json::from_str::<String>(raw.get()).map(Cow::Owned).map_err(|_| clip(raw.get())),
    }
}

fn offset(text: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - text.as_ptr() as usize;
    start..start + part.len()
}

/// At most 40 characters of a value, for error messages.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
