//! The value sets of OCMF (spec tables 1–10 and 19, as of revision 1.4.1).

/// TX: B begin, C charging, X exception, E end, L/R/A/P more precise ends, S suspended, T tariff change.
pub const TRANSACTION_TYPES: &[&str] = &["B", "C", "X", "E", "L", "R", "A", "P", "S", "T"];
/// TX values that end a transaction.
pub const TRANSACTION_ENDS: &[&str] = &["E", "L", "R", "A", "P"];

/// ST (table 10) with the meaning of each status.
pub const METER_STATES: &[(&str, &str)] = &[
    ("N", "NOT_PRESENT"),
    ("G", "OK"),
    ("T", "TIMEOUT"),
    ("D", "DISCONNECTED"),
    ("R", "NOT_FOUND"),
    ("M", "MANIPULATED"),
    ("X", "EXCHANGED"),
    ("I", "INCOMPATIBLE"),
    ("O", "OUT_OF_RANGE"),
    ("S", "SUBSTITUTE"),
    ("E", "OTHER_ERROR"),
    ("F", "READ_ERROR"),
];

/// The ST codes of [`METER_STATES`].
pub const METER_STATE_CODES: &[&str] = &["N", "G", "T", "D", "R", "M", "X", "I", "O", "S", "E", "F"];

/// Time status after TM (table 19): unknown, informative, synchronised, relative.
pub const TIME_STATES: &[u8] = b"UISR";

/// EF characters: E energy unusable, t time unusable.
pub const ERROR_FLAGS: &[u8] = b"Et";

pub const IDENTIFICATION_LEVELS: &[&str] = &[
    "NONE", "HEARSAY", "TRUSTED", "VERIFIED", "CERTIFIED", "SECURE", "MISMATCH", "INVALID", "OUTDATED", "UNKNOWN",
];
/// IL values that are identification errors.
pub const IDENTIFICATION_LEVEL_ERRORS: &[&str] = &["MISMATCH", "INVALID", "OUTDATED", "UNKNOWN"];

pub const IDENTIFICATION_FLAGS: &[&str] = &[
    "RFID_NONE", "RFID_PLAIN", "RFID_RELATED", "RFID_PSK", "OCPP_NONE", "OCPP_RS", "OCPP_AUTH", "OCPP_RS_TLS",
    "OCPP_AUTH_TLS", "OCPP_CACHE", "OCPP_WHITELIST", "OCPP_CERTIFIED", "ISO15118_NONE", "ISO15118_PNC",
    "PLMN_NONE", "PLMN_RING", "PLMN_SMS",
];

pub const IDENTIFICATION_TYPES: &[&str] = &[
    "NONE", "DENIED", "UNDEFINED", "ISO14443", "ISO15693", "EMAID", "EVCCID", "EVCOID", "ISO7812", "CARD_TXN_NR",
    "CENTRAL", "CENTRAL_1", "CENTRAL_2", "LOCAL", "LOCAL_1", "LOCAL_2", "PHONE_NUMBER", "KEY_CODE",
];

pub const READING_UNITS: &[&str] = &["kWh", "Wh", "mOhm", "uOhm"];
pub const CURRENT_TYPES: &[&str] = &["AC", "DC"];
pub const CHARGE_POINT_ID_TYPES: &[&str] = &["EVSEID", "CBIDC"];
pub const LOSS_UNITS: &[&str] = &["mOhm", "uOhm"];

pub fn meter_state_name(code: &str) -> Option<&'static str> {
    METER_STATES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// Vendor extension names: the first letter is U–Z (payload and signature section alike).
pub fn is_vendor_field(name: &str) -> bool {
    matches!(name.as_bytes().first(), Some(b'U'..=b'Z'))
}

/// Joins a value set for messages: `B, C, X, …`.
pub fn list(values: &[&str]) -> String {
    values.join(", ")
}
