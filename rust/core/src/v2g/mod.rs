//! ISO 15118-20: the EXI codec with messages in the schema's names, and V2GTP framing.

pub mod codec;
pub mod json_view;
pub mod names;
pub mod pnc;
pub mod schema;
pub mod tls;
pub mod v2gtp;
pub mod view_in;
pub mod view_out;

pub use codec::{decode, encode, Document, V2gError, NAMESPACES};
