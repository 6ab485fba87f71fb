//! OCPP-J (OCPP 2.0.1 / 2.1 over JSON) framing, serialisation and schema validation.

mod error;
mod frame;
mod onepass;
mod rfc3339;
mod schema;
mod serialize;
mod violation;

pub use error::{FrameError, RpcErrorCode};
pub use frame::{parse_frame, MessageType, RawFrame, MAX_UNIQUE_ID_LEN, UNREADABLE_ID};
pub use schema::{PayloadKind, SchemaError, SchemaSet};
pub use serialize::{
    call, call_error, call_result, call_result_error, send, SerializeError,
};
pub use violation::Violation;
