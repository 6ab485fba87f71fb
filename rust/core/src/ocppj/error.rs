//! RPC error codes of OCPP-J and the error a frame parser reports.

use std::fmt;
use std::str::FromStr;

use super::violation::Violation;

/// The RPC error codes of OCPP-J 2.0.1/2.1 (Part 4, table "Valid Error Codes").
///
/// The declaration order is the order of precedence used when one frame has several problems:
/// the most structural problem names the frame's error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RpcErrorCode {
    /// Content of the call is not a valid RPC request (e.g. the message id could not be read).
    RpcFrameworkError,
    /// A message type number that this implementation does not support.
    MessageTypeNotSupported,
    /// Payload for Action is syntactically incorrect.
    FormatViolation,
    /// Payload is not conform the PDU structure.
    ProtocolError,
    /// A field occurs too often or not at all (required field missing, array size).
    OccurrenceConstraintViolation,
    /// A field has the wrong data type (e.g. `"somestring": 12`).
    TypeConstraintViolation,
    /// A field has a value that is not allowed (enum, length, range, format).
    PropertyConstraintViolation,
    /// Requested Action is not known by the receiver.
    NotImplemented,
    /// Requested Action is recognised but not supported by the receiver.
    NotSupported,
    /// A security issue prevented the receiver from completing the Action.
    SecurityError,
    /// An internal error occurred in the receiver.
    InternalError,
    /// Any other error.
    GenericError,
}

impl RpcErrorCode {
    pub const ALL: [RpcErrorCode; 12] = [
        Self::RpcFrameworkError,
        Self::MessageTypeNotSupported,
        Self::FormatViolation,
        Self::ProtocolError,
        Self::OccurrenceConstraintViolation,
        Self::TypeConstraintViolation,
        Self::PropertyConstraintViolation,
        Self::NotImplemented,
        Self::NotSupported,
        Self::SecurityError,
        Self::InternalError,
        Self::GenericError,
    ];

    /// The code as it is spelled on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RpcFrameworkError => "RpcFrameworkError",
            Self::MessageTypeNotSupported => "MessageTypeNotSupported",
            Self::FormatViolation => "FormatViolation",
            Self::ProtocolError => "ProtocolError",
            Self::OccurrenceConstraintViolation => "OccurrenceConstraintViolation",
            Self::TypeConstraintViolation => "TypeConstraintViolation",
            Self::PropertyConstraintViolation => "PropertyConstraintViolation",
            Self::NotImplemented => "NotImplemented",
            Self::NotSupported => "NotSupported",
            Self::SecurityError => "SecurityError",
            Self::InternalError => "InternalError",
            Self::GenericError => "GenericError",
        }
    }
}

impl fmt::Display for RpcErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RpcErrorCode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(())
    }
}

/// Why a received text is not an acceptable OCPP-J frame.
///
/// `unique_id` is the message id when it could be read (so the receiver can answer with a
/// CALLERROR); `message_type` likewise. `violations` lists every schema violation found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct FrameError {
    pub code: RpcErrorCode,
    pub message: String,
    pub unique_id: Option<String>,
    pub message_type: Option<u8>,
    pub action: Option<String>,
    pub violations: Vec<Violation>,
}

impl FrameError {
    /// An error with no id, type, action or violations attached.
    pub fn new(code: RpcErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            unique_id: None,
            message_type: None,
            action: None,
            violations: Vec::new(),
        }
    }

    pub(crate) fn with_id(mut self, id: Option<&str>, message_type: Option<u8>) -> Self {
        self.unique_id = id.map(str::to_owned);
        self.message_type = message_type;
        self
    }
}
