//! ISO 15118-20: the EXI codec with messages in the schema's names, and V2GTP framing.

pub mod codec;
pub mod names;
pub mod shape;
pub mod tls;
pub mod v2gtp;

pub use codec::{decode, encode, V2gError, NAMESPACES};
