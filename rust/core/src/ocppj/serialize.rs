//! Serialisation of the five OCPP-J frame types. Payloads arrive as JSON text (the caller's
//! serialiser made them); they are checked to be one JSON object and copied in verbatim.

use serde_json::value::RawValue;

use super::error::RpcErrorCode;
use super::frame::MAX_UNIQUE_ID_LEN;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SerializeError {
    #[error("message id must be 1 to {MAX_UNIQUE_ID_LEN} characters, got {0}")]
    UniqueId(usize),
    #[error("action must not be empty")]
    EmptyAction,
    #[error("{what} must be one JSON object: {reason}")]
    NotAnObject { what: &'static str, reason: String },
    #[error("error code {0:?} is not an OCPP-J error code")]
    ErrorCode(String),
    #[error("errorDescription has {0} characters, at most 255 allowed")]
    Description(usize),
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serialises")
}

fn check_id(id: &str) -> Result<(), SerializeError> {
    let n = id.chars().count();
    if n == 0 || n > MAX_UNIQUE_ID_LEN {
        return Err(SerializeError::UniqueId(n));
    }
    Ok(())
}

fn check_object<'a>(what: &'static str, json: &'a str) -> Result<&'a str, SerializeError> {
    let raw: &RawValue = serde_json::from_str(json)
        .map_err(|e| SerializeError::NotAnObject { what, reason: e.to_string() })?;
    if !raw.get().starts_with('{') {
        return Err(SerializeError::NotAnObject { what, reason: "not an object".into() });
    }
    Ok(raw.get())
}

fn with_action(type_id: u8, id: &str, action: &str, payload: &str) -> Result<String, SerializeError> {
    check_id(id)?;
    if action.is_empty() {
        return Err(SerializeError::EmptyAction);
    }
    let payload = check_object("payload", payload)?;
    Ok(format!("[{type_id},{},{},{payload}]", quoted(id), quoted(action)))
}

fn error_frame(
    type_id: u8,
    id: &str,
    code: &str,
    description: &str,
    details: &str,
) -> Result<String, SerializeError> {
    check_id(id).or_else(|e| if id == super::UNREADABLE_ID { Ok(()) } else { Err(e) })?;
    code.parse::<RpcErrorCode>().map_err(|()| SerializeError::ErrorCode(code.to_owned()))?;
    let n = description.chars().count();
    if n > 255 {
        return Err(SerializeError::Description(n));
    }
    let details = check_object("errorDetails", details)?;
    Ok(format!("[{type_id},{},{},{},{details}]", quoted(id), quoted(code), quoted(description)))
}

/// `[2, id, action, payload]`
pub fn call(id: &str, action: &str, payload: &str) -> Result<String, SerializeError> {
    with_action(2, id, action, payload)
}

/// `[3, id, payload]`
pub fn call_result(id: &str, payload: &str) -> Result<String, SerializeError> {
    check_id(id)?;
    let payload = check_object("payload", payload)?;
    Ok(format!("[3,{},{payload}]", quoted(id)))
}

/// `[4, id, errorCode, errorDescription, errorDetails]`
pub fn call_error(id: &str, code: &str, description: &str, details: &str) -> Result<String, SerializeError> {
    error_frame(4, id, code, description, details)
}

/// `[5, id, errorCode, errorDescription, errorDetails]` (OCPP 2.1)
pub fn call_result_error(
    id: &str,
    code: &str,
    description: &str,
    details: &str,
) -> Result<String, SerializeError> {
    error_frame(5, id, code, description, details)
}

/// `[6, id, action, payload]` (OCPP 2.1)
pub fn send(id: &str, action: &str, payload: &str) -> Result<String, SerializeError> {
    with_action(6, id, action, payload)
}
