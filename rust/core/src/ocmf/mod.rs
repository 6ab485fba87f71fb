//! OCMF (Open Charge Metering Format): strict parsing, signature verification on every curve of
//! the spec, transaction checks, and the OCPP SignedMeterValue carriage.
//!
//! A verdict separates *errors* (the record is not valid) from *deviations*: departures from the
//! spec's text that real meters make and that still verify (a raw r‖s signature, a bare X‖Y key,
//! non-canonical DER, RV as a string, …). Deviations are reported; `strict` makes them errors.

mod algorithm;
pub mod fields;
mod finding;
mod json;
mod key;
mod obis;
mod ocpp;
mod payload;
mod reading;
mod record;
mod signature;
mod time;
mod transaction;
mod values;
mod verify;

#[cfg(test)]
mod field_tests;

pub use algorithm::{parse_algorithm, Curve, ALL_CURVES, DEFAULT_CURVE};
pub use finding::{Finding, Findings, Severity};
pub use obis::{direction, is_billing_register, Direction};
pub use key::{parse_key, KeyEncoding, KeyError, PublicKey};
pub use ocpp::{decode_signed_meter_value, verify_signed_meter_value, SignedMeterValue, UnpackedRecord, MAX_SIGNED_METER_DATA};
pub use payload::{parse_pagination, LossCompensation, Payload};
pub use reading::Reading;
pub use record::{parse, Record, SignatureSection};
pub use time::{parse_time, Timestamp};
pub use transaction::{check_transaction, RegisterDelta, TransactionReport};
pub use verify::{verify, verify_many, verify_many_on, verify_with, Item, KeyRef, Verdict, VerifyOptions};
